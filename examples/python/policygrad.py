"""libpolicygrad for Python: a pure ctypes binding (standard library only).

    import policygrad as pg
    with pg.Context(seed=1) as ctx:
        env = pg.Env.builtin(ctx, "CartPole-v1", seed=1)
        agent = pg.Agent.for_env(ctx, "reinforce_baseline", env, hidden_units=64)
        agent.train(env, 100_000, progress=lambda a: print(a.stat("mean_return_100")))
        agent.net(0).save("cartpole.pgck")

The library is found through POLICYGRAD_LIB, then the path the install step
recorded in this file (an installed copy), then the build trees next to this
file (../../build*/libpolicygrad.so, a source copy), then the loader's
standard names (the SONAME libpolicygrad.so.0.1, then
ctypes.util.find_library).
numpy is used for array results when it can be imported; it is never
required (lists are returned without it). Python environments follow
Gymnasium's API (Env.from_python; old_gym=True for the old Gym one), and
what they return is checked. docs/PYTHON.md is the guide.

Every C function of include/policygrad.h is declared from the _SIGNATURES
table below (argtypes and restype); tests/check_bindings_drift.py fails when
the header and this table disagree. The raw functions are available as
policygrad.lib.<name>.
"""

import ctypes
import ctypes.util
import glob
import itertools
import numbers
import operator
import os
import threading

try:  # optional
    if os.environ.get("POLICYGRAD_NO_NUMPY"):
        raise ImportError
    import numpy as _np
except ImportError:  # pragma: no cover
    _np = None

__all__ = [
    "PolicygradError", "Context", "Rng", "Net", "Optimizer", "Env", "VecEnv",
    "Agent", "Policy", "PolicySession", "builtin_env_names", "version",
    "library_path", "lib", "use_numpy",
]

# ---------------------------------------------------------------------------
# The C declarations (normalised: const dropped, one '*' per level), in
# header order. Keep in step with include/policygrad.h: the drift test
# compares this table with the header's PG_API declarations.
# ---------------------------------------------------------------------------
_SIGNATURES = """
char* pg_status_string(pg_status)
uint32_t pg_version_number()
char* pg_version_string()
char* pg_build_info()
pg_status pg_ctx_create(pg_alloc_fn, void*, pg_ctx**)
void pg_ctx_destroy(pg_ctx*)
char* pg_ctx_last_error(pg_ctx*)
pg_status pg_ctx_last_status(pg_ctx*)
void pg_ctx_clear_error(pg_ctx*)
pg_status pg_ctx_set_seed(pg_ctx*, uint64_t)
pg_status pg_ctx_get_seed(pg_ctx*, uint64_t*)
pg_status pg_ctx_memory_in_use(pg_ctx*, uint64_t*)
pg_status pg_rng_create(pg_ctx*, uint64_t, uint64_t, pg_rng**)
void pg_rng_destroy(pg_rng*)
pg_status pg_rng_seed(pg_rng*, uint64_t, uint64_t)
pg_status pg_rng_split(pg_rng*, uint64_t, pg_rng**)
pg_status pg_rng_next_u64(pg_rng*, uint64_t*)
pg_status pg_rng_uniform(pg_rng*, double*)
pg_status pg_rng_normal(pg_rng*, double*)
pg_status pg_net_create(pg_ctx*, size_t, size_t, uint64_t, pg_net**)
void pg_net_destroy(pg_net*)
pg_status pg_net_add_dense(pg_net*, size_t, pg_activation, pg_init, double)
pg_status pg_net_create_image(pg_ctx*, size_t, size_t, size_t, size_t, uint64_t, pg_net**)
pg_status pg_net_add_conv2d(pg_net*, size_t, size_t, size_t, size_t, pg_padding, pg_activation, pg_init, double)
pg_status pg_net_add_flatten(pg_net*)
pg_status pg_net_add_lstm(pg_net*, size_t, pg_init, double)
pg_status pg_net_add_categorical_head(pg_net*, size_t, pg_init, double)
pg_status pg_net_add_gaussian_head(pg_net*, size_t, pg_init, double, double)
pg_status pg_net_add_gaussian_head_state_std(pg_net*, size_t, pg_init, double, double, double, double)
pg_status pg_net_add_value_head(pg_net*, pg_init, double)
pg_status pg_net_add_q_head(pg_net*, size_t, pg_init, double)
pg_status pg_net_finalize(pg_net*)
pg_status pg_net_clone(pg_net*, pg_net**)
pg_status pg_net_input_size(pg_net*, size_t*)
pg_status pg_net_max_batch(pg_net*, size_t*)
pg_status pg_net_param_count(pg_net*, size_t*)
pg_status pg_net_output_size(pg_net*, pg_net_output, size_t*)
pg_status pg_net_get_params(pg_net*, size_t, size_t, float*)
pg_status pg_net_set_params(pg_net*, size_t, size_t, float*)
pg_status pg_net_get_grads(pg_net*, size_t, size_t, float*)
pg_status pg_net_set_grads(pg_net*, size_t, size_t, float*)
pg_status pg_net_copy_params(pg_net*, pg_net*)
pg_status pg_net_init_params(pg_net*, uint64_t)
pg_status pg_net_zero_grads(pg_net*)
pg_status pg_net_forward(pg_net*, float*, size_t, uint8_t*)
pg_status pg_net_forward_seq(pg_net*, float*, size_t, size_t, uint8_t*)
pg_status pg_net_reset_state(pg_net*, size_t, size_t)
pg_status pg_net_get_output(pg_net*, pg_net_output, float*, size_t)
pg_status pg_net_log_prob(pg_net*, float*, size_t, float*)
pg_status pg_net_backward(pg_net*, pg_loss_desc*, size_t, double*)
pg_status pg_optim_create(pg_net*, pg_optim_kind, pg_optim**)
void pg_optim_destroy(pg_optim*)
pg_status pg_optim_set_param(pg_optim*, pg_optim_param, double)
pg_status pg_optim_get_param(pg_optim*, pg_optim_param, double*)
pg_status pg_optim_param_from_name(char*, pg_optim_param*)
pg_status pg_optim_step(pg_optim*, double*)
pg_status pg_optim_reset(pg_optim*)
pg_status pg_env_create(pg_ctx*, pg_env_vtable*, void*, char*, int32_t, pg_action_kind, int32_t, pg_env**)
pg_status pg_env_create_builtin(pg_ctx*, char*, uint64_t, pg_env**)
char* pg_env_builtin_name(int32_t)
pg_status pg_env_clone(pg_env*, int32_t, uint64_t, pg_env**)
void pg_env_destroy(pg_env*)
pg_status pg_env_set_observation_image(pg_env*, int32_t, int32_t, int32_t)
pg_status pg_env_set_observation_dtype(pg_env*, pg_obs_dtype)
pg_status pg_env_get_observation_dtype(pg_env*, pg_obs_dtype*)
pg_status pg_env_set_action_bounds(pg_env*, float*, float*, size_t)
pg_status pg_env_set_max_episode_steps(pg_env*, uint64_t)
pg_status pg_env_get_max_episode_steps(pg_env*, uint64_t*)
pg_status pg_env_set_seed(pg_env*, uint64_t)
char* pg_env_get_name(pg_env*)
pg_status pg_env_get_observation_size(pg_env*, int32_t*)
pg_status pg_env_get_observation_image(pg_env*, int32_t*, int32_t*, int32_t*)
pg_status pg_env_get_action_space(pg_env*, pg_action_kind*, int32_t*)
pg_status pg_env_get_action_bounds(pg_env*, float*, float*, size_t)
pg_status pg_env_get_action_mask(pg_env*, uint8_t*, size_t)
pg_status pg_env_wrap_frame_stack(pg_env*, int32_t, pg_env**)
pg_status pg_env_wrap_action_repeat(pg_env*, int32_t, pg_env**)
pg_status pg_env_wrap_grayscale_resize(pg_env*, int32_t, int32_t, pg_resample, pg_env**)
pg_status pg_env_reset(pg_env*, float*, size_t)
pg_status pg_env_step(pg_env*, float*, size_t, float*, size_t, float*, int32_t*, int32_t*)
pg_status pg_env_reset_u8(pg_env*, uint8_t*, size_t)
pg_status pg_env_step_u8(pg_env*, float*, size_t, uint8_t*, size_t, float*, int32_t*, int32_t*)
pg_status pg_env_get_episode_stats(pg_env*, double*, uint64_t*, uint64_t*, double*, uint64_t*)
pg_status pg_vec_env_create(pg_env*, int32_t, int32_t, uint64_t, pg_vec_env**)
void pg_vec_env_destroy(pg_vec_env*)
pg_status pg_vec_env_get_size(pg_vec_env*, int32_t*)
pg_status pg_vec_env_reset(pg_vec_env*, float*, size_t)
pg_status pg_vec_env_step(pg_vec_env*, float*, size_t, float*, size_t, float*, int32_t*, int32_t*, float*)
pg_status pg_vec_env_reset_u8(pg_vec_env*, uint8_t*, size_t)
pg_status pg_vec_env_step_u8(pg_vec_env*, float*, size_t, uint8_t*, size_t, float*, int32_t*, int32_t*, uint8_t*)
pg_status pg_vec_env_get_action_mask(pg_vec_env*, uint8_t*, size_t)
pg_status pg_vec_env_get_episode_stats(pg_vec_env*, int32_t, double*, uint64_t*, uint64_t*, double*, uint64_t*)
char* pg_algorithm_name(pg_algorithm)
pg_status pg_param_from_name(char*, pg_param*)
char* pg_param_name(pg_param)
pg_status pg_param_get_bounds(pg_algorithm, pg_param, double*, double*)
pg_status pg_param_get_default(pg_algorithm, pg_param, double*)
char* pg_param_component(pg_param)
pg_status pg_agent_create_for_env(pg_ctx*, pg_algorithm, pg_env*, int32_t, int32_t, pg_agent**)
char* pg_trunk_name(pg_trunk)
pg_status pg_agent_create_for_env_trunk(pg_ctx*, pg_algorithm, pg_env*, pg_trunk, pg_agent**)
pg_status pg_agent_create_for_env_lstm(pg_ctx*, pg_algorithm, pg_env*, int32_t, int32_t, int32_t, pg_agent**)
pg_status pg_agent_create_from_template(pg_ctx*, pg_algorithm, pg_env*, pg_net*, pg_agent**)
pg_status pg_agent_create(pg_ctx*, pg_algorithm, pg_net*, pg_net*, pg_agent**)
void pg_agent_destroy(pg_agent*)
pg_status pg_agent_set_param(pg_agent*, pg_param, double)
pg_status pg_agent_get_param(pg_agent*, pg_param, double*)
pg_status pg_agent_set_param_by_name(pg_agent*, char*, double)
pg_status pg_agent_param_bounds(pg_agent*, pg_param, double*, double*)
pg_status pg_agent_get_stat(pg_agent*, pg_stat, double*)
pg_status pg_agent_get_net(pg_agent*, int32_t, pg_net**)
pg_status pg_agent_set_grad_reduce(pg_agent*, pg_grad_reduce_fn, void*)
pg_status pg_agent_step(pg_agent*, float*, size_t, uint8_t*, size_t, float*, size_t)
pg_status pg_agent_report(pg_agent*, float*, int32_t*, int32_t*, size_t, float*, size_t)
pg_status pg_agent_step_u8(pg_agent*, uint8_t*, size_t, uint8_t*, size_t, float*, size_t)
pg_status pg_agent_report_u8(pg_agent*, float*, int32_t*, int32_t*, size_t, uint8_t*, size_t)
pg_status pg_agent_update(pg_agent*, int32_t*)
pg_status pg_agent_reset_state(pg_agent*, size_t)
pg_status pg_agent_reset_act_state(pg_agent*)
pg_status pg_agent_act(pg_agent*, float*, size_t, uint8_t*, size_t, int32_t, float*, size_t)
pg_status pg_agent_get_shape(pg_agent*, size_t*, size_t*, size_t*, size_t*)
pg_status pg_agent_create_worker(pg_agent*, pg_agent**)
char* pg_agent_last_error(pg_agent*)
pg_status pg_agent_train(pg_agent*, pg_env*, int64_t, pg_progress_fn, void*)
pg_status pg_agent_evaluate(pg_agent*, pg_env*, int32_t, int32_t, double*, double*)
pg_status pg_agent_set_log_callback(pg_agent*, pg_log_fn, void*)
pg_status pg_agent_set_log_file(pg_agent*, char*)
pg_status pg_net_save_file(pg_net*, char*)
pg_status pg_net_save_cb(pg_net*, pg_write_fn, void*)
pg_status pg_net_save_memory(pg_net*, void*, size_t, size_t*)
pg_status pg_net_load_file(pg_ctx*, char*, pg_net**)
pg_status pg_net_load_memory(pg_ctx*, void*, size_t, pg_net**)
pg_status pg_agent_save_file(pg_agent*, char*)
pg_status pg_agent_save_cb(pg_agent*, pg_write_fn, void*)
pg_status pg_agent_save_memory(pg_agent*, void*, size_t, size_t*)
pg_status pg_agent_load_file(pg_ctx*, char*, pg_agent**)
pg_status pg_agent_load_memory(pg_ctx*, void*, size_t, pg_agent**)
pg_status pg_policy_from_net(pg_net*, pg_policy**)
pg_status pg_policy_from_agent(pg_agent*, pg_policy**)
pg_status pg_policy_load_file(pg_ctx*, char*, pg_policy**)
pg_status pg_policy_load_memory(pg_ctx*, void*, size_t, pg_policy**)
pg_status pg_policy_save_file(pg_policy*, char*)
pg_status pg_policy_save_cb(pg_policy*, pg_write_fn, void*)
pg_status pg_policy_save_memory(pg_policy*, void*, size_t, size_t*)
void pg_policy_destroy(pg_policy*)
pg_status pg_policy_get_shape(pg_policy*, size_t*, size_t*, size_t*, int32_t*)
pg_status pg_policy_session_create(pg_policy*, uint64_t, pg_policy_session**)
void pg_policy_session_destroy(pg_policy_session*)
pg_status pg_policy_session_seed(pg_policy_session*, uint64_t, uint64_t)
pg_status pg_policy_session_reset(pg_policy_session*)
pg_status pg_policy_act(pg_policy_session*, float*, size_t, uint8_t*, size_t, int32_t, float*, size_t)
pg_status pg_policy_act_u8(pg_policy_session*, uint8_t*, size_t, uint8_t*, size_t, int32_t, float*, size_t)
char* pg_policy_session_last_error(pg_policy_session*)
pg_status pg_policy_export_c(pg_policy*, char*, char*, char*, uint32_t)
pg_status pg_policy_export_c_cb(pg_policy*, char*, int32_t, uint32_t, pg_write_fn, void*)
pg_status pg_agent_export_c(pg_agent*, char*, char*, char*, uint32_t)
int32_t pg_export_c_fused_mode()
"""

# Functions of the header that are deliberately not wrapped by a class
# (they stay callable as lib.<name>), with the reason. Every function must
# be either wrapped (used by a class below) or listed here.
RAW_ONLY = {
    "pg_agent_set_grad_reduce": "a C hook for multi-process builds (policygrad_mpi.h "
                                "installs it); a Python reducer would run per update under the GIL",
}

# Enumerations of the header (the drift test checks names and numbers).
PG_OK = 0
PG_ERR_INVALID_ARG = 1
PG_ERR_NOMEM = 2
PG_ERR_BAD_STATE = 3
PG_ERR_UNSUPPORTED = 4
PG_ERR_OUT_OF_RANGE = 5
PG_ERR_CALLBACK = 6
PG_ERR_NUMERIC = 7
PG_ERR_IO = 8
PG_ERR_FORMAT = 9
PG_ERR_VERSION = 10
PG_ERR_SHAPE = 11
PG_ERR_THREAD = 12
PG_ERR_INTERNAL = 99
PG_ACTIVATION_LINEAR = 0
PG_ACTIVATION_RELU = 1
PG_ACTIVATION_TANH = 2
PG_ACTIVATION_SIGMOID = 3
PG_INIT_GLOROT_UNIFORM = 1
PG_INIT_HE_UNIFORM = 2
PG_INIT_ORTHOGONAL = 3
PG_PADDING_VALID = 0
PG_PADDING_SAME = 1
PG_NET_OUTPUT_LOGITS = 1
PG_NET_OUTPUT_PROBS = 2
PG_NET_OUTPUT_LOG_PROBS = 3
PG_NET_OUTPUT_ENTROPY = 4
PG_NET_OUTPUT_MEAN = 5
PG_NET_OUTPUT_LOG_STD = 6
PG_NET_OUTPUT_VALUE = 7
PG_NET_OUTPUT_Q = 8
PG_OPTIM_SGD = 1
PG_OPTIM_RMSPROP = 2
PG_OPTIM_ADAM = 3
PG_OPTIM_LR = 1
PG_OPTIM_DECAY = 2
PG_OPTIM_EPSILON = 3
PG_OPTIM_MOMENTUM = 4
PG_OPTIM_BETA1 = 5
PG_OPTIM_BETA2 = 6
PG_OPTIM_CLIP_NORM = 7
PG_ACTION_DISCRETE = 0
PG_ACTION_CONTINUOUS = 1
PG_EXPORT_C_HEADER = 1
PG_EXPORT_C_SOURCE = 2
PG_EXPORT_C_SINGLE = 3
PG_EXPORT_C_INT8 = 1
PG_ALGO_REINFORCE = 1
PG_ALGO_REINFORCE_BASELINE = 2
PG_ALGO_ACTOR_CRITIC = 3
PG_ALGO_PAAC = 4
PG_ALGO_A3C = 5
PG_ALGO_ASYNC_ONE_STEP_Q = 6
PG_ALGO_ASYNC_ONE_STEP_SARSA = 7
PG_ALGO_ASYNC_N_STEP_Q = 8
PG_ALGO_PPO = 9
PG_TRUNK_NIPS = 1
PG_TRUNK_NATURE = 2
PG_TRUNK_SMALL = 3
PG_RESAMPLE_AREA = 1
PG_RESAMPLE_BILINEAR = 2
PG_OBS_FLOAT32 = 0
PG_OBS_UINT8 = 1
PG_PARAM_GAMMA = 1
PG_PARAM_LR = 2
PG_PARAM_VALUE_LR = 3
PG_PARAM_ENTROPY_BETA = 4
PG_PARAM_VALUE_COEF = 5
PG_PARAM_CLIP_NORM = 6
PG_PARAM_T_MAX = 7
PG_PARAM_NUM_ENVS = 8
PG_PARAM_NUM_THREADS = 9
PG_PARAM_SEED = 10
PG_PARAM_OPTIMIZER = 11
PG_PARAM_RMSPROP_DECAY = 12
PG_PARAM_OPTIM_EPSILON = 13
PG_PARAM_LR_ANNEAL_STEPS = 14
PG_PARAM_DETERMINISTIC = 15
PG_PARAM_REPORT_INTERVAL = 16
PG_PARAM_PER_STEP_UPDATES = 17
PG_PARAM_EVAL_MAX_EPISODE_STEPS = 18
PG_PARAM_EPSILON_ANNEAL_STEPS = 20
PG_PARAM_TARGET_INTERVAL = 21
PG_PARAM_HOGWILD = 22
PG_PARAM_MAX_EPISODE_STEPS = 23
PG_PARAM_GAE_LAMBDA = 24
PG_PARAM_PPO_EPOCHS = 25
PG_PARAM_MINIBATCHES = 26
PG_PARAM_CLIP_RANGE = 27
PG_PARAM_VALUE_CLIP = 28
PG_PARAM_TARGET_KL = 29
PG_PARAM_NORM_ADVANTAGES = 30
PG_PARAM_NORM_REWARD = 31
PG_PARAM_NORM_OBS = 32
PG_PARAM_OBS_CLIP = 33
PG_PARAM_LOG_STD_INIT = 34
PG_PARAM_LOG_STD_MIN = 35
PG_PARAM_LOG_STD_MAX = 36
PG_PARAM_SQUASH = 37
PG_STAT_EPISODES = 1
PG_STAT_LAST_RETURN = 2
PG_STAT_LAST_LENGTH = 3
PG_STAT_MEAN_RETURN_100 = 4
PG_STAT_TOTAL_STEPS = 5
PG_STAT_UPDATES = 6
PG_STAT_STEPS_PER_SECOND = 7
PG_STAT_POLICY_LOSS = 8
PG_STAT_VALUE_LOSS = 9
PG_STAT_ENTROPY = 10
PG_STAT_ELAPSED_SECONDS = 11
PG_STAT_LEARNING_RATE = 12

_ENUM_TYPES = {
    "pg_status", "pg_activation", "pg_init", "pg_padding", "pg_trunk", "pg_net_output", "pg_optim_kind",
    "pg_optim_param", "pg_action_kind", "pg_algorithm", "pg_param", "pg_stat",
    "pg_resample", "pg_obs_dtype",
}
_HANDLE_TYPES = {
    "pg_ctx", "pg_rng", "pg_net", "pg_optim", "pg_env", "pg_vec_env",
    "pg_agent", "pg_policy", "pg_policy_session",
}

# ---------------------------------------------------------------------------
# Structs and callback types (the header's typedefs).
# ---------------------------------------------------------------------------
_c_float_p = ctypes.POINTER(ctypes.c_float)
_c_int32_p = ctypes.POINTER(ctypes.c_int32)
_c_uint8_p = ctypes.POINTER(ctypes.c_uint8)

pg_alloc_fn = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                               ctypes.c_size_t, ctypes.c_size_t)
pg_progress_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
pg_write_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                               ctypes.c_size_t)
pg_log_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                             ctypes.c_size_t)
pg_grad_reduce_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int32,
                                     ctypes.c_int32, _c_float_p, ctypes.c_size_t)
pg_env_reset_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64,
                                   _c_float_p)
pg_env_step_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, _c_float_p,
                                  _c_float_p, _c_float_p, _c_int32_p, _c_int32_p)
pg_env_close_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
pg_env_action_mask_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, _c_uint8_p)
pg_env_create_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int32,
                                    ctypes.c_uint64,
                                    ctypes.POINTER(ctypes.c_void_p))


class pg_loss_desc(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_uint32),
        ("scale", ctypes.c_float),
        ("policy_coef", ctypes.c_float),
        ("entropy_coef", ctypes.c_float),
        ("value_coef", ctypes.c_float),
        ("q_coef", ctypes.c_float),
        ("actions", _c_float_p),
        ("advantages", _c_float_p),
        ("returns", _c_float_p),
        ("q_targets", _c_float_p),
        ("weights", _c_float_p),
    ]


class pg_env_vtable(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_uint32),
        ("reset", pg_env_reset_fn),
        ("step", pg_env_step_fn),
        ("close", pg_env_close_fn),
        ("action_mask", pg_env_action_mask_fn),
        ("create", pg_env_create_fn),
        # Shared data of every clone and its release callback (C hosts;
        # Python's own references already outlive the last clone).
        ("shared", ctypes.c_void_p),
        ("release", ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)),
    ]


_SCALARS = {
    "void": None, "int": ctypes.c_int, "double": ctypes.c_double,
    "float": ctypes.c_float, "size_t": ctypes.c_size_t,
    "int32_t": ctypes.c_int32, "uint32_t": ctypes.c_uint32,
    "int64_t": ctypes.c_int64, "uint64_t": ctypes.c_uint64,
    "uint8_t": ctypes.c_uint8, "char*": ctypes.c_char_p, "void*": ctypes.c_void_p,
    "pg_alloc_fn": pg_alloc_fn, "pg_progress_fn": pg_progress_fn,
    "pg_write_fn": pg_write_fn, "pg_log_fn": pg_log_fn,
    "pg_grad_reduce_fn": pg_grad_reduce_fn,
    "pg_loss_desc*": ctypes.POINTER(pg_loss_desc),
    "pg_env_vtable*": ctypes.POINTER(pg_env_vtable),
}


def ctype_of(c_type):
    """The ctypes type for a normalised C type of the header ("pg_net**")."""
    if c_type in _SCALARS:
        return _SCALARS[c_type]
    if c_type in _ENUM_TYPES:
        return ctypes.c_int
    base = c_type.rstrip("*")
    stars = len(c_type) - len(base)
    if base in _HANDLE_TYPES:
        # Handles travel as c_void_p; an output handle as c_void_p*.
        return ctypes.c_void_p if stars == 1 else ctypes.POINTER(ctypes.c_void_p)
    if stars == 1:
        if base in _ENUM_TYPES:
            return ctypes.POINTER(ctypes.c_int)
        inner = _SCALARS.get(base)
        if inner is not None and base not in ("void", "char*", "void*"):
            return ctypes.POINTER(inner)
        if base == "void":
            return ctypes.c_void_p
    raise TypeError("policygrad.py: no ctypes mapping for C type %r" % c_type)


def parse_signatures(text=_SIGNATURES):
    """{name: (restype, (argtypes...))} of the table, as C type strings."""
    out = {}
    for line in text.strip().splitlines():
        head, args = line.split("(", 1)
        ret, name = head.rsplit(" ", 1)
        args = args.rstrip(")").strip()
        out[name] = (ret.strip(), tuple(a.strip() for a in args.split(",")) if args else ())
    return out


# ---------------------------------------------------------------------------
# Finding and loading the library.
# ---------------------------------------------------------------------------
_EXPECTED_MAJOR_MINOR = (0, 1)
# The install step (cmake --install, the python3-policygrad package) replaces
# this line with the absolute path of the installed shared library; it stays
# None in the source tree and in a pip install.
_INSTALLED_LIBRARY = None


def _candidates():
    env = os.environ.get("POLICYGRAD_LIB")
    if env:
        return [env], True
    soname = "libpolicygrad.so.%d.%d" % _EXPECTED_MAJOR_MINOR
    if _INSTALLED_LIBRARY:
        c = [_INSTALLED_LIBRARY]
    else:  # a source copy: the build trees of its checkout
        here = os.path.dirname(os.path.abspath(__file__))
        root = os.path.dirname(os.path.dirname(here))
        c = [os.path.join(root, "build", "libpolicygrad.so")]
        c += sorted(p for p in glob.glob(os.path.join(root, "build*", "libpolicygrad.so"))
                    if p not in c)
    c.append(soname)  # the exact ABI first: find_library may return another
    found = ctypes.util.find_library("policygrad")
    if found and found != soname:
        c.append(found)
    return c, False


def _load():
    cands, explicit = _candidates()
    errors = []
    for path in cands:
        if os.sep in path and not os.path.exists(path):
            errors.append("%s: no such file" % path)
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:  # e.g. a sanitizer build tree
            errors.append("%s: %s" % (path, e))
        if explicit:
            break
    raise ImportError("policygrad: cannot load libpolicygrad (set POLICYGRAD_LIB to "
                      "the .so); tried:\n  " + "\n  ".join(errors))


lib, library_path = _load()


def _missing(name):
    def call(*_args):
        raise PolicygradError(PG_ERR_UNSUPPORTED, "%s: not in %s (an older library build)"
                              % (name, library_path))
    return call


missing_symbols = []  # functions of the table absent from an older library
for _name, (_ret, _args) in parse_signatures().items():
    try:
        _fn = getattr(lib, _name)
    except AttributeError:  # an older library: calling it raises instead
        missing_symbols.append(_name)
        setattr(lib, _name, _missing(_name))
        continue
    _fn.restype = ctype_of(_ret)
    _fn.argtypes = [ctype_of(a) for a in _args]
del _name, _ret, _args

_v = lib.pg_version_number()
if (_v // 10000, _v // 100 % 100) != _EXPECTED_MAJOR_MINOR:
    raise ImportError("policygrad: %s is version %s; this module is for %d.%d"
                      % (library_path, lib.pg_version_string().decode(),
                         *_EXPECTED_MAJOR_MINOR))


def version():
    """The library's version string ("0.1.0")."""
    return lib.pg_version_string().decode()


def build_info():
    return lib.pg_build_info().decode()


def export_c_fused_mode():
    """The <PREFIX>_FUSED value (0 or 1) with which exported C code acts
    exactly as this library does on this machine (docs/DEPLOYMENT.md)."""
    return int(lib.pg_export_c_fused_mode())


def use_numpy(flag):
    """Return lists (False) or numpy arrays (True, if numpy imports)."""
    global _np
    if not flag:
        _np = None
    else:
        import numpy
        _np = numpy


# ---------------------------------------------------------------------------
# Errors.
# ---------------------------------------------------------------------------
class PolicygradError(Exception):
    """A failing libpolicygrad call: .status (int), .status_name and the
    library's message (str(e), also .message). An exception raised by a
    Python callback during the call is chained as __cause__."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = int(status)
        self.message = message

    @property
    def status_name(self):
        return _STATUS_NAMES.get(self.status, "PG_ERR_%d" % self.status)


_STATUS_NAMES = {v: k for k, v in globals().items()
                 if k.startswith("PG_ERR_") or k == "PG_OK"}


def status_string(status):
    return lib.pg_status_string(int(status)).decode()


def _raise_pending(ctx, status=PG_ERR_CALLBACK, message=None):
    """Raises the exception a callback stored during the call, chained to a
    PolicygradError whose message is the library's followed by the
    original exception's type and message."""
    exc = ctx._pending if ctx is not None else None
    if exc is None:
        return
    ctx._pending = None
    raised = "%s: %s" % (type(exc).__name__, exc)
    if message is None:
        message = "a Python callback raised " + raised
    else:
        message = "%s (the Python callback raised %s)" % (message, raised)
    raise PolicygradError(status, message) from exc


def _stop_on_exception(ctx, call):
    """The body of a C callback that may stop the call into the library:
    1 (stop) when call() returns a true value or raises (the exception is
    kept on ctx and re-raised by _check after the call), else 0."""
    try:
        return 1 if call() else 0
    except BaseException as e:  # noqa: B902 - re-raised after the call
        if ctx._pending is None:
            ctx._pending = e
        return 1


def _check(status, ctx, what=None, hint=None):
    """Raises for a non-zero status (message from the context, then
    " (hint)" if given) and re-raises a Python exception stored by a
    callback during the call."""
    if status == PG_OK:
        _raise_pending(ctx)
        return
    if ctx is not None and ctx._raw:
        msg = lib.pg_ctx_last_error(ctx._raw).decode("utf-8", "replace")
    else:
        msg = ""
    if not msg:
        msg = (what + ": " if what else "") + status_string(status)
    if hint:
        msg = "%s (%s)" % (msg, hint)
    _raise_pending(ctx, status, msg)
    raise PolicygradError(status, msg)


# ---------------------------------------------------------------------------
# Arrays: numpy when available, lists otherwise.
# ---------------------------------------------------------------------------
def _flatten(values):
    if _np is not None and isinstance(values, _np.ndarray):
        return values.ravel().tolist()
    if isinstance(values, (int, float)):
        return [values]
    out = []
    for v in values:
        if isinstance(v, (list, tuple)) or (_np is not None and isinstance(v, _np.ndarray)):
            out.extend(_flatten(v))
        else:
            out.append(v)
    return out


def _floats_in(values, n=None, what="array"):
    """A ctypes float array holding values (flattened); checks the length."""
    if values is None:
        return None
    if isinstance(values, ctypes.Array):
        if n is not None and len(values) != n:
            raise PolicygradError(PG_ERR_SHAPE, "%s: %d values, expected %d"
                                  % (what, len(values), n))
        return values
    if _np is not None and isinstance(values, _np.ndarray):
        a = _np.ascontiguousarray(values, dtype=_np.float32).ravel()
        if n is not None and a.size != n:
            raise PolicygradError(PG_ERR_SHAPE, "%s: %d values, expected %d"
                                  % (what, a.size, n))
        buf = (ctypes.c_float * a.size)()
        ctypes.memmove(buf, a.ctypes.data, 4 * a.size)
        return buf
    flat = _flatten(values)
    if n is not None and len(flat) != n:
        raise PolicygradError(PG_ERR_SHAPE, "%s: %d values, expected %d"
                              % (what, len(flat), n))
    try:
        return (ctypes.c_float * len(flat))(*flat)
    except TypeError:  # ctypes takes numbers only: name the first value it refuses
        for i, v in enumerate(flat):
            try:
                ctypes.c_float(v)
            except TypeError:
                raise PolicygradError(PG_ERR_INVALID_ARG, "%s: value %d is %r (%s), not a number"
                                      % (what, i, v, type(v).__name__)) from None
        raise


def _len(buf):
    """Length of an array made by _floats_in (0 for None: the library then
    reports the NULL pointer)."""
    return len(buf) if buf is not None else 0


def _ints_in(values, n, what, ctype=ctypes.c_int32):
    flat = _flatten(values) if values is not None else []
    if len(flat) != n:
        raise PolicygradError(PG_ERR_SHAPE, "%s: %d values, expected %d"
                              % (what, len(flat), n))
    return (ctype * n)(*[int(bool(v)) if ctype is ctypes.c_uint8 else int(v)
                         for v in flat])


def _out(buf, rows=None):
    """A result array from a ctypes buffer: numpy (copied) or a list;
    rows > 0 reshapes to rows x (len/rows)."""
    if _np is not None:
        a = _np.ctypeslib.as_array(buf).copy()
        return a.reshape(rows, -1) if rows else a
    lst = list(buf)
    if rows:
        k = len(lst) // rows
        return [lst[i * k:(i + 1) * k] for i in range(rows)]
    return lst


def _enum(value, table, kind):
    if isinstance(value, str):
        key = value.lower().replace("-", "_")
        if key in table:
            return table[key]
        raise PolicygradError(PG_ERR_INVALID_ARG, "unknown %s %r (known: %s)"
                              % (kind, value, ", ".join(sorted(table))))
    try:
        return operator.index(value)
    except TypeError:
        raise PolicygradError(PG_ERR_INVALID_ARG, "%s must be a name or an int, got %r (known: %s)"
                              % (kind, value, ", ".join(sorted(table)))) from None


_U64 = 1 << 64


def _seed(value, what="seed"):
    """A seed or stream for a uint64_t argument: any int in [-2^63, 2^64)
    (a negative one wraps as C converts int64_t to uint64_t), or a float
    holding an integer below 2^53 in magnitude (where floats are exact);
    anything else raises instead of becoming a different seed (ctypes
    would truncate 1.5 and wrap 2^64 + 1 silently)."""
    if isinstance(value, float):
        if not value.is_integer():
            raise PolicygradError(PG_ERR_INVALID_ARG, "%s %r is not an integer" % (what, value))
        if abs(value) >= 2.0 ** 53:
            raise PolicygradError(PG_ERR_OUT_OF_RANGE, "%s %r is a float not below 2^53, where "
                                  "floats stop being exact integers; pass an int" % (what, value))
        value = int(value)
    try:
        v = operator.index(value)
    except TypeError:
        raise PolicygradError(PG_ERR_INVALID_ARG, "%s must be an int, got %r (%s)"
                              % (what, value, type(value).__name__)) from None
    if not -(1 << 63) <= v < _U64:
        raise PolicygradError(PG_ERR_OUT_OF_RANGE, "%s %d does not fit in 64 bits" % (what, v))
    return v % _U64


def _names(prefix):
    return {k[len(prefix):].lower(): v for k, v in globals().items()
            if k.startswith(prefix) and isinstance(v, int)}


ACTIVATIONS = _names("PG_ACTIVATION_")
INITS = _names("PG_INIT_")
PADDINGS = _names("PG_PADDING_")
NET_OUTPUTS = _names("PG_NET_OUTPUT_")
OPTIMIZERS = {k: v for k, v in _names("PG_OPTIM_").items() if k in ("sgd", "rmsprop", "adam")}
ALGORITHMS = _names("PG_ALGO_")
TRUNKS = _names("PG_TRUNK_")
STATS = _names("PG_STAT_")


# Parameter names as the library spells them (pg_param_name), and the
# optimizer parameters its pg_optim_param_from_name accepts: the names that
# error messages list.
PARAMS = {lib.pg_param_name(v).decode(): v for v in _names("PG_PARAM_").values()
          if lib.pg_param_name(v) is not None}
OPTIM_PARAMS = {k: v for k, v in _names("PG_OPTIM_").items() if k not in OPTIMIZERS
                and lib.pg_optim_param_from_name(k.encode(), ctypes.byref(ctypes.c_int())) == PG_OK}


# ---------------------------------------------------------------------------
# Handles.
# ---------------------------------------------------------------------------
class _Handle:
    """Owns one C handle: close() (idempotent), `with`, and finalisation.
    The destroy function is kept on the instance so that finalisation at
    interpreter exit does not depend on module globals."""

    _ptr = None
    _kind = "handle"

    def __init__(self, ptr, ctx, destroy):
        self._ptr = ptr
        self._ctx = ctx
        self._destroy = destroy

    @property
    def _p(self):
        if not self._ptr:
            raise PolicygradError(PG_ERR_BAD_STATE, "%s is closed" % self._kind)
        return self._ptr

    @property
    def closed(self):
        return not self._ptr

    _borrows = 0            # live handles that borrow this one (agents, workers)
    _close_pending = False
    _lent = ()              # handles this one borrows, released when it is freed

    def close(self):
        """Frees the handle (idempotent). A handle still borrowed by a live
        agent (a caller net, an async parent) is freed when the last
        borrower is closed."""
        if self._borrows > 0:
            self._close_pending = True
            return
        p, self._ptr = self._ptr, None
        if p and self._destroy is not None:
            self._destroy(p)
        lent, self._lent = self._lent, ()
        for h in lent:
            h._borrows -= 1
            if h._close_pending and h._borrows == 0:
                h.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        return "<policygrad.%s %s>" % (self._kind, "closed" if self.closed else hex(self._ptr))


def _new_ptr():
    return ctypes.c_void_p()


class Context(_Handle):
    """The root handle: the last-error message, the default seed. Closing
    it while other handles live is safe (the library frees it with the last
    of them)."""

    _kind = "Context"

    def __init__(self, seed=None):
        out = _new_ptr()
        st = lib.pg_ctx_create(pg_alloc_fn(), None, ctypes.byref(out))
        if st != PG_OK:
            raise PolicygradError(st, "pg_ctx_create: " + status_string(st))
        self._raw = out.value      # kept after close for live handles' messages
        self._pending = None       # exception stored by a Python callback
        super().__init__(out.value, None, lib.pg_ctx_destroy)
        self._ctx = self
        if seed is not None:
            self.seed = seed

    @property
    def last_error(self):
        return lib.pg_ctx_last_error(self._p).decode("utf-8", "replace")

    @property
    def last_status(self):
        return lib.pg_ctx_last_status(self._p)

    def clear_error(self):
        lib.pg_ctx_clear_error(self._p)

    @property
    def seed(self):
        v = ctypes.c_uint64()
        _check(lib.pg_ctx_get_seed(self._p, ctypes.byref(v)), self)
        return v.value

    @seed.setter
    def seed(self, value):
        _check(lib.pg_ctx_set_seed(self._p, _seed(value)), self)

    @property
    def memory_in_use(self):
        v = ctypes.c_uint64()
        _check(lib.pg_ctx_memory_in_use(self._p, ctypes.byref(v)), self)
        return v.value


class Rng(_Handle):
    """A seeded xoshiro256** stream (seed, stream)."""

    _kind = "Rng"

    def __init__(self, ctx, seed=0, stream=0, _ptr=None):
        if _ptr is None:
            out = _new_ptr()
            _check(lib.pg_rng_create(ctx._p, _seed(seed), _seed(stream, "stream"),
                                     ctypes.byref(out)), ctx)
            _ptr = out.value
        super().__init__(_ptr, ctx, lib.pg_rng_destroy)

    def seed(self, seed, stream=0):
        _check(lib.pg_rng_seed(self._p, _seed(seed), _seed(stream, "stream")), self._ctx)

    def split(self, stream):
        out = _new_ptr()
        _check(lib.pg_rng_split(self._p, _seed(stream, "stream"), ctypes.byref(out)), self._ctx)
        return Rng(self._ctx, _ptr=out.value)

    def next_u64(self):
        v = ctypes.c_uint64()
        _check(lib.pg_rng_next_u64(self._p, ctypes.byref(v)), self._ctx)
        return v.value

    def uniform(self):
        v = ctypes.c_double()
        _check(lib.pg_rng_uniform(self._p, ctypes.byref(v)), self._ctx)
        return v.value

    def normal(self):
        v = ctypes.c_double()
        _check(lib.pg_rng_normal(self._p, ctypes.byref(v)), self._ctx)
        return v.value


def _size_out(fn, ptr, ctx, *args):
    v = ctypes.c_size_t()
    _check(fn(ptr, *args, ctypes.byref(v)), ctx)
    return v.value


class _WriteSink:
    """A pg_write_fn calling write(bytes) (exceptions stop the save)."""

    def __init__(self, ctx, write):
        def cb(_user, data, size):
            try:
                write(ctypes.string_at(data, size))
                return 0
            except BaseException as e:  # noqa: B902 - re-raised after the call
                if ctx._pending is None:
                    ctx._pending = e
                return 1
        self.fn = pg_write_fn(cb)


class Net(_Handle):
    """A feed-forward network (pg_net). Build with add_* and finalize();
    add_* return the net so that calls chain."""

    _kind = "Net"

    def __init__(self, ctx, input_dim, max_batch=1, seed=0, _ptr=None, _owner=None):
        if _ptr is None:
            out = _new_ptr()
            _check(lib.pg_net_create(ctx._p, int(input_dim), int(max_batch), _seed(seed),
                                     ctypes.byref(out)), ctx)
            _ptr = out.value
        super().__init__(_ptr, ctx, None if _owner is not None else lib.pg_net_destroy)
        self._owner = _owner          # an Agent for a borrowed view of its own net
        self._last_n = 0

    @classmethod
    def image(cls, ctx, height, width, channels, max_batch=1, seed=0):
        """A net on images of height x width x channels floats per row, HWC
        (pg_net_create_image); conv2d layers need one."""
        out = _new_ptr()
        _check(lib.pg_net_create_image(ctx._p, int(height), int(width), int(channels),
                                       int(max_batch), _seed(seed), ctypes.byref(out)), ctx)
        return cls(ctx, 0, _ptr=out.value)

    @property
    def _p(self):
        if self._owner is not None and self._owner.closed:
            raise PolicygradError(PG_ERR_BAD_STATE, "Net belongs to a closed Agent")
        return _Handle._p.fget(self)

    # -- building
    def add_dense(self, units, activation="relu", init="orthogonal", gain=1.0):
        _check(lib.pg_net_add_dense(self._p, int(units), _enum(activation, ACTIVATIONS, "activation"),
                                    _enum(init, INITS, "initializer"), float(gain)), self._ctx)
        return self

    def add_conv2d(self, filters, kernel, stride=1, padding="valid", activation="relu",
                   init="orthogonal", gain=1.0):
        """A 2-D convolution; kernel is an int or (kernel_h, kernel_w)."""
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        _check(lib.pg_net_add_conv2d(self._p, int(filters), int(kh), int(kw), int(stride),
                                     _enum(padding, PADDINGS, "padding"),
                                     _enum(activation, ACTIVATIONS, "activation"),
                                     _enum(init, INITS, "initializer"), float(gain)), self._ctx)
        return self

    def add_flatten(self):
        _check(lib.pg_net_add_flatten(self._p), self._ctx)
        return self

    def add_lstm(self, units, init="glorot_uniform", gain=1.0):
        """An LSTM layer of `units` cells on the trunk (state per sequence)."""
        _check(lib.pg_net_add_lstm(self._p, int(units), _enum(init, INITS, "initializer"),
                                   float(gain)), self._ctx)
        return self

    def add_categorical_head(self, n_actions, init="orthogonal", gain=0.01):
        _check(lib.pg_net_add_categorical_head(self._p, int(n_actions), _enum(init, INITS, "initializer"),
                                               float(gain)), self._ctx)
        return self

    def add_gaussian_head(self, action_dim, init="orthogonal", gain=0.01, log_std_init=0.0):
        _check(lib.pg_net_add_gaussian_head(self._p, int(action_dim), _enum(init, INITS, "initializer"),
                                            float(gain), float(log_std_init)), self._ctx)
        return self

    def add_gaussian_head_state_std(self, action_dim, init="orthogonal", gain=0.01,
                                    log_std_init=0.0, log_std_min=-5.0, log_std_max=2.0):
        _check(lib.pg_net_add_gaussian_head_state_std(
            self._p, int(action_dim), _enum(init, INITS, "initializer"), float(gain),
            float(log_std_init), float(log_std_min), float(log_std_max)), self._ctx)
        return self

    def add_value_head(self, init="orthogonal", gain=1.0):
        _check(lib.pg_net_add_value_head(self._p, _enum(init, INITS, "initializer"), float(gain)),
               self._ctx)
        return self

    def add_q_head(self, n_actions, init="orthogonal", gain=1.0):
        _check(lib.pg_net_add_q_head(self._p, int(n_actions), _enum(init, INITS, "initializer"),
                                     float(gain)), self._ctx)
        return self

    def finalize(self):
        _check(lib.pg_net_finalize(self._p), self._ctx)
        return self

    def clone(self):
        out = _new_ptr()
        _check(lib.pg_net_clone(self._p, ctypes.byref(out)), self._ctx)
        return Net(self._ctx, 0, _ptr=out.value)

    # -- sizes
    @property
    def input_size(self):
        return _size_out(lib.pg_net_input_size, self._p, self._ctx)

    @property
    def max_batch(self):
        return _size_out(lib.pg_net_max_batch, self._p, self._ctx)

    @property
    def param_count(self):
        return _size_out(lib.pg_net_param_count, self._p, self._ctx)

    def output_size(self, which):
        return _size_out(lib.pg_net_output_size, self._p, self._ctx,
                         _enum(which, NET_OUTPUTS, "output"))

    # -- parameters and gradients
    def get_params(self, offset=0, count=None):
        if count is None:
            count = self.param_count - offset
        buf = (ctypes.c_float * count)()
        _check(lib.pg_net_get_params(self._p, int(offset), count, buf), self._ctx)
        return _out(buf)

    def set_params(self, values, offset=0):
        buf = _floats_in(values)
        _check(lib.pg_net_set_params(self._p, int(offset), len(buf), buf), self._ctx)

    def get_grads(self, offset=0, count=None):
        if count is None:
            count = self.param_count - offset
        buf = (ctypes.c_float * count)()
        _check(lib.pg_net_get_grads(self._p, int(offset), count, buf), self._ctx)
        return _out(buf)

    def set_grads(self, values, offset=0):
        buf = _floats_in(values)
        _check(lib.pg_net_set_grads(self._p, int(offset), len(buf), buf), self._ctx)

    def copy_params_from(self, src):
        _check(lib.pg_net_copy_params(self._p, src._p), self._ctx)

    def init_params(self, seed):
        _check(lib.pg_net_init_params(self._p, _seed(seed)), self._ctx)

    def zero_grads(self):
        _check(lib.pg_net_zero_grads(self._p), self._ctx)

    # -- forward / backward
    def forward(self, inputs, n=None, mask=None):
        """Runs n rows (default: len(inputs) / input_size)."""
        buf = _floats_in(inputs, what="pg_net_forward inputs")
        if n is None:
            n = max(1, len(buf) // max(1, self.input_size))
        m = None
        if mask is not None:
            flat = _flatten(mask)
            m = (ctypes.c_uint8 * len(flat))(*[1 if v else 0 for v in flat])
        _check(lib.pg_net_forward(self._p, buf, int(n), m), self._ctx)
        self._last_n = int(n)

    def forward_seq(self, inputs, steps, n_seq, mask=None):
        """Runs steps x n_seq time-major rows (row t*n_seq + s: step t of sequence s)."""
        buf = _floats_in(inputs, what="pg_net_forward_seq inputs")
        m = None
        if mask is not None:
            flat = _flatten(mask)
            m = (ctypes.c_uint8 * len(flat))(*[1 if v else 0 for v in flat])
        _check(lib.pg_net_forward_seq(self._p, buf, int(steps), int(n_seq), m), self._ctx)
        self._last_n = int(steps) * int(n_seq)

    def reset_state(self, first=0, count=None):
        """Resets the recurrent state of sequences [first, first + count) (default: all)."""
        if count is None:
            count = self.max_batch - int(first)
        _check(lib.pg_net_reset_state(self._p, int(first), int(count)), self._ctx)

    def get_output(self, which, n=None):
        w = _enum(which, NET_OUTPUTS, "output")
        size = self.output_size(w)
        rows = 1 if w == PG_NET_OUTPUT_LOG_STD else (n or self._last_n or 1)
        buf = (ctypes.c_float * max(1, size * rows))()
        _check(lib.pg_net_get_output(self._p, w, buf, len(buf)), self._ctx)
        return _out(buf)

    def log_prob(self, actions, n=None):
        buf = _floats_in(actions)
        n = n or self._last_n
        out = (ctypes.c_float * n)()
        _check(lib.pg_net_log_prob(self._p, buf, n, out), self._ctx)
        return _out(out)

    def backward(self, n=None, scale=1.0, policy_coef=0.0, entropy_coef=0.0, value_coef=0.0,
                 q_coef=0.0, actions=None, advantages=None, returns=None, q_targets=None,
                 weights=None):
        """Adds the gradient of the loss (see pg_loss_desc) over the last
        forward's rows; returns the loss."""
        keep = [_floats_in(a) for a in (actions, advantages, returns, q_targets, weights)]
        d = pg_loss_desc(ctypes.sizeof(pg_loss_desc), scale, policy_coef, entropy_coef,
                         value_coef, q_coef,
                         *[ctypes.cast(k, _c_float_p) if k is not None else None for k in keep])
        loss = ctypes.c_double()
        _check(lib.pg_net_backward(self._p, ctypes.byref(d), int(n or self._last_n),
                                   ctypes.byref(loss)), self._ctx)
        return loss.value

    # -- persistence
    def save(self, path):
        """Saves to a file atomically (pg_net_save_file)."""
        _check(lib.pg_net_save_file(self._p, os.fsencode(path)), self._ctx)

    def to_bytes(self):
        size = ctypes.c_size_t()
        _check(lib.pg_net_save_memory(self._p, None, 0, ctypes.byref(size)), self._ctx)
        buf = ctypes.create_string_buffer(size.value)
        _check(lib.pg_net_save_memory(self._p, buf, size.value, ctypes.byref(size)), self._ctx)
        return buf.raw[:size.value]

    def save_to(self, write):
        """Streams the checkpoint through write(bytes) (pg_net_save_cb)."""
        sink = _WriteSink(self._ctx, write)
        _check(lib.pg_net_save_cb(self._p, sink.fn, None), self._ctx)

    @classmethod
    def load(cls, ctx, path):
        out = _new_ptr()
        _check(lib.pg_net_load_file(ctx._p, os.fsencode(path), ctypes.byref(out)), ctx)
        return cls(ctx, 0, _ptr=out.value)

    @classmethod
    def from_bytes(cls, ctx, data):
        data = bytes(data)
        out = _new_ptr()
        _check(lib.pg_net_load_memory(ctx._p, data, len(data), ctypes.byref(out)), ctx)
        return cls(ctx, 0, _ptr=out.value)


class Optimizer(_Handle):
    """An optimizer bound to a finalized net (it keeps the net alive)."""

    _kind = "Optimizer"

    def __init__(self, net, kind="adam"):
        out = _new_ptr()
        _check(lib.pg_optim_create(net._p, _enum(kind, OPTIMIZERS, "optimizer"), ctypes.byref(out)),
               net._ctx)
        super().__init__(out.value, net._ctx, lib.pg_optim_destroy)
        self.net = net

    @staticmethod
    def param_from_name(name):
        v = ctypes.c_int()
        st = lib.pg_optim_param_from_name(name.encode(), ctypes.byref(v)) \
            if isinstance(name, str) else PG_ERR_INVALID_ARG
        if st != PG_OK:
            raise PolicygradError(st, "unknown optimizer parameter %r (known: %s)"
                                  % (name, ", ".join(sorted(OPTIM_PARAMS))))
        return v.value

    def _param(self, p):
        return self.param_from_name(p) if isinstance(p, str) else int(p)

    def set_param(self, param, value):
        _check(lib.pg_optim_set_param(self._p, self._param(param), float(value)), self._ctx)

    def get_param(self, param):
        v = ctypes.c_double()
        _check(lib.pg_optim_get_param(self._p, self._param(param), ctypes.byref(v)), self._ctx)
        return v.value

    def step(self):
        """One update; returns the gradient norm before clipping."""
        v = ctypes.c_double()
        _check(lib.pg_optim_step(self._p, ctypes.byref(v)), self._ctx)
        return v.value

    def reset(self):
        _check(lib.pg_optim_reset(self._p), self._ctx)


# ---------------------------------------------------------------------------
# Python environments through the vtable. The trampolines below live as long
# as the module (so no C instance can outlive them); `user` is an integer key
# into _INSTANCES. An exception inside a callback is stored on the context
# (ctx._pending), the callback returns non-zero, and the binding re-raises it
# chained to the PolicygradError once the C call has returned.
# ---------------------------------------------------------------------------
_INSTANCES = {}
_KEYS = itertools.count(1)
_LOCK = threading.Lock()


class _Instance:
    __slots__ = ("env", "ctx", "obs_size", "discrete", "n", "factory", "has_mask", "old_gym")

    def __init__(self, env, ctx, obs_size, discrete, n, factory, old_gym=False):
        self.env, self.ctx, self.obs_size = env, ctx, obs_size
        self.discrete, self.n, self.factory = discrete, n, factory
        self.has_mask = callable(getattr(env, "action_mask", None))
        self.old_gym = bool(old_gym)

    def method(self, name):
        """"CartPoleEnv.step()": how messages name the user's method."""
        return "%s.%s()" % (type(self.env).__name__, name)


def _register(inst):
    with _LOCK:
        key = next(_KEYS)
        _INSTANCES[key] = inst
    return key


def _store(inst, exc):
    if inst is not None and inst.ctx._pending is None:
        inst.ctx._pending = exc


# What a Python environment returns is checked here; a mistake raises
# TypeError / ValueError naming the method and what was expected, which the
# train (or reset, step, ...) call re-raises chained to its PolicygradError
# (PG_ERR_CALLBACK). NaN and infinities pass: the library reports them
# (PG_ERR_NUMERIC).
_GYM_STEP = "(obs, reward, terminated, truncated, info)"
_OLD_GYM_HINT = "pass old_gym=True to Env.from_python for the old Gym API"


def _write_obs(ptr, n, obs, where):
    if _np is not None and isinstance(obs, _np.ndarray):
        try:
            a = _np.ascontiguousarray(obs, dtype=_np.float32).ravel()
        except (TypeError, ValueError):
            raise TypeError("%s returned an observation array of dtype %s; expected numbers"
                            % (where, obs.dtype)) from None
        if a.size != n:
            raise ValueError("%s returned an observation of %d values; expected %d (obs_size)"
                             % (where, a.size, n))
        ctypes.memmove(ptr, a.ctypes.data, 4 * n)
        return
    if obs is None or isinstance(obs, (str, bytes, dict)):
        raise TypeError("%s returned %s as the observation; expected %d numbers (a list, tuple "
                        "or array)" % (where, type(obs).__name__, n))
    flat = _flatten(obs)
    if len(flat) != n:
        raise ValueError("%s returned an observation of %d values; expected %d (obs_size)"
                         % (where, len(flat), n))
    i = 0
    try:
        for i, v in enumerate(flat):
            ptr[i] = v
    except TypeError:  # ctypes takes numbers only
        raise TypeError("%s returned observation[%d] = %r (%s); expected a number"
                        % (where, i, flat[i], type(flat[i]).__name__)) from None


def _unpack_reset(inst, r):
    """The observation of what reset returned: Gymnasium's (obs, info), as a
    tuple or a list; a bare observation only in old-Gym mode."""
    if isinstance(r, (tuple, list)) and len(r) == 2 and (r[1] is None or isinstance(r[1], dict)):
        return r[0]
    if inst.old_gym:
        return r
    raise TypeError("%s returned %s, not a pair (obs, info): Gymnasium's reset returns "
                    "(obs, info); %s (reset returns obs)"
                    % (inst.method("reset"), _describe(r), _OLD_GYM_HINT))


def _describe(r):
    if isinstance(r, (tuple, list)):
        return "a %s of %d values" % (type(r).__name__, len(r))
    return "a %s" % type(r).__name__


def _unpack_step(inst, r):
    """(obs, reward, terminated, truncated) of what step returned."""
    where = inst.method("step")
    if not isinstance(r, (tuple, list)):
        raise TypeError("%s returned %s; expected a tuple %s" % (where, _describe(r), _GYM_STEP))
    if len(r) == 5:
        return r[0], r[1], r[2], r[3]
    if len(r) == 4 and inst.old_gym:
        # Old Gym: (obs, reward, done, info); a time limit said so in info
        # (as Gymnasium's compatibility wrappers read it).
        o, rew, done, info = r
        trunc = bool(isinstance(info, dict) and info.get("TimeLimit.truncated", False))
        return o, rew, bool(done) and not trunc, trunc
    if len(r) == 4:
        raise TypeError("%s returned 4 values; Gymnasium's step returns 5 %s; %s "
                        "(step returns (obs, reward, done, info))" % (where, _GYM_STEP, _OLD_GYM_HINT))
    raise TypeError("%s returned %d values; expected 5 %s%s"
                    % (where, len(r), _GYM_STEP, " or, old Gym, 4 (obs, reward, done, info)"
                       if inst.old_gym else ""))


def _reward_of(inst, rew):
    if not isinstance(rew, (str, bytes)):
        try:
            return float(rew)
        except (TypeError, ValueError):
            pass
    raise TypeError("%s returned reward %r (%s); expected a real number"
                    % (inst.method("step"), rew, type(rew).__name__))


def _int_like(v):
    """A bool, an int, or one numpy bool/int (a scalar or a 1-element array)."""
    return isinstance(v, numbers.Integral) or (
        getattr(v, "size", None) == 1
        and getattr(getattr(v, "dtype", None), "kind", "") in ("b", "i", "u"))


def _flag_of(inst, v, name):
    """terminated / truncated as 0 or 1; anything but _int_like raises."""
    if _int_like(v):
        return 1 if v else 0
    raise TypeError("%s returned %s=%r (%s); expected a bool (step returns %s)"
                    % (inst.method("step"), name, v, type(v).__name__, _GYM_STEP))


def _cb_reset(user, seed, obs):
    inst = _INSTANCES.get(user)
    try:
        _write_obs(obs, inst.obs_size, _unpack_reset(inst, inst.env.reset(seed=seed)),
                   inst.method("reset"))
        return 0
    except BaseException as e:  # noqa: B902
        _store(inst, e)
        return 1


def _cb_step(user, action, obs, reward, terminated, truncated):
    inst = _INSTANCES.get(user)
    try:
        if inst.discrete:
            a = int(action[0])
        else:
            a = [action[i] for i in range(inst.n)]
            if _np is not None:
                a = _np.array(a, dtype=_np.float32)
        o, rew, term, trunc = _unpack_step(inst, inst.env.step(a))
        _write_obs(obs, inst.obs_size, o, inst.method("step"))
        reward[0] = _reward_of(inst, rew)
        terminated[0] = _flag_of(inst, term, "terminated")
        truncated[0] = _flag_of(inst, trunc, "truncated")
        return 0
    except BaseException as e:  # noqa: B902
        _store(inst, e)
        return 1


def _cb_mask(user, mask):
    inst = _INSTANCES.get(user)
    try:
        m = _flatten(inst.env.action_mask())
        if len(m) != inst.n:
            raise ValueError("%s returned %d values; expected %d booleans"
                             % (inst.method("action_mask"), len(m), inst.n))
        for i, v in enumerate(m):
            mask[i] = 1 if v else 0
        return 0
    except BaseException as e:  # noqa: B902
        _store(inst, e)
        return 1


def _cb_close(user):
    with _LOCK:
        inst = _INSTANCES.pop(user, None)
    try:
        close = getattr(inst.env, "close", None)
        if callable(close):
            close()
    except Exception:  # the library ignores close's result
        pass
    return 0


def _cb_create(factory_user, index, seed, instance_user):
    parent = _INSTANCES.get(factory_user)
    try:
        env = parent.factory(index, seed)
        inst = _Instance(env, parent.ctx, parent.obs_size, parent.discrete, parent.n,
                         parent.factory, parent.old_gym)
        instance_user[0] = _register(inst)
        return 0
    except BaseException as e:  # noqa: B902
        _store(parent, e)
        return 1


_TRAMPOLINES = (pg_env_reset_fn(_cb_reset), pg_env_step_fn(_cb_step),
                pg_env_close_fn(_cb_close), pg_env_action_mask_fn(_cb_mask),
                pg_env_create_fn(_cb_create))


def builtin_env_names():
    names, i = [], 0
    while True:
        s = lib.pg_env_builtin_name(i)
        if s is None:
            return names
        names.append(s.decode())
        i += 1


def _space_of(env):
    """(obs_size, discrete, n, low, high) from Gymnasium-like spaces."""
    obs_size = None
    sp = getattr(env, "observation_space", None)
    shape = getattr(sp, "shape", None)
    if shape:
        obs_size = 1
        for d in shape:
            obs_size *= int(d)
    asp = getattr(env, "action_space", None)
    if asp is not None and getattr(asp, "n", None) is not None:
        return obs_size, True, int(asp.n), None, None
    if asp is not None and getattr(asp, "shape", None):
        dim = 1
        for d in asp.shape:
            dim *= int(d)
        return obs_size, False, dim, getattr(asp, "low", None), getattr(asp, "high", None)
    return obs_size, None, None, None, None


class Env(_Handle):
    """One environment instance: a built-in task (Env.builtin) or a Python
    object (Env.from_python)."""

    _kind = "Env"

    def __init__(self, ctx, _ptr):
        super().__init__(_ptr, ctx, lib.pg_env_destroy)
        self._update_spaces()

    def _update_spaces(self):
        n = ctypes.c_int32()
        _check(lib.pg_env_get_observation_size(self._p, ctypes.byref(n)), self._ctx)
        self.observation_size = n.value
        k, a = ctypes.c_int(), ctypes.c_int32()
        _check(lib.pg_env_get_action_space(self._p, ctypes.byref(k), ctypes.byref(a)), self._ctx)
        self.discrete = k.value == PG_ACTION_DISCRETE
        self.action_n = a.value
        self.action_len = 1 if self.discrete else a.value

    @classmethod
    def builtin(cls, ctx, name, seed=0):
        """A built-in task by name (builtin_env_names()); an unknown name
        raises PolicygradError(PG_ERR_INVALID_ARG) listing the known ones."""
        if not isinstance(name, str):
            raise PolicygradError(PG_ERR_INVALID_ARG, "Env.builtin: name must be a str, got %r"
                                  % (name,))
        out = _new_ptr()
        st = lib.pg_env_create_builtin(ctx._p, name.encode(), _seed(seed), ctypes.byref(out))
        if st == PG_ERR_INVALID_ARG and name not in builtin_env_names():
            _check(st, ctx, hint="known: " + ", ".join(sorted(builtin_env_names())))
        _check(st, ctx)
        return cls(ctx, out.value)

    @classmethod
    def from_python(cls, ctx, env, obs_size=None, n_actions=None, action_dim=None,
                    low=None, high=None, factory=None, name=None, max_episode_steps=None,
                    old_gym=False):
        """Wraps a Gymnasium-style object: env.reset(seed=...) -> (obs, info)
        (a tuple or a list), env.step(action) -> (obs, reward, terminated,
        truncated, info), optional env.action_mask() -> n booleans and
        env.close(). old_gym=True accepts the old Gym API as well: reset ->
        obs, step -> (obs, reward, done, info), where done is truncated if
        info["TimeLimit.truncated"] says so and terminated otherwise;
        without it a 4-value step or a bare reset observation is an error
        (never a silently dropped truncation). Discrete actions arrive as
        int, continuous ones as a list / numpy array. Wrong values (sizes,
        types) raise TypeError / ValueError naming the method, re-raised
        chained to the PolicygradError of the call that ran the callback.
        Spaces come from the arguments or from env.observation_space /
        env.action_space (.shape, .n, .low, .high). factory(index, seed) ->
        a new env object enables clones (PAAC slots, VecEnv); without it use
        single-slot agents."""
        s_obs, s_disc, s_n, s_low, s_high = _space_of(env)
        obs_size = obs_size or s_obs
        if n_actions is not None:
            discrete, n = True, int(n_actions)
        elif action_dim is not None:
            discrete, n = False, int(action_dim)
        else:
            discrete, n = s_disc, s_n
            if low is None:
                low, high = s_low, s_high
        if not obs_size or discrete is None:
            raise PolicygradError(PG_ERR_INVALID_ARG, "Env.from_python: give obs_size and "
                                  "n_actions or action_dim (or Gymnasium-style spaces)")
        inst = _Instance(env, ctx, int(obs_size), discrete, n, factory, old_gym)
        key = _register(inst)
        vt = pg_env_vtable(ctypes.sizeof(pg_env_vtable), _TRAMPOLINES[0], _TRAMPOLINES[1],
                           _TRAMPOLINES[2], _TRAMPOLINES[3] if inst.has_mask else pg_env_action_mask_fn(),
                           _TRAMPOLINES[4] if factory is not None else pg_env_create_fn())
        out = _new_ptr()
        st = lib.pg_env_create(ctx._p, ctypes.byref(vt), key,
                               (name or type(env).__name__).encode(), int(obs_size),
                               PG_ACTION_DISCRETE if discrete else PG_ACTION_CONTINUOUS, n,
                               ctypes.byref(out))
        if st != PG_OK:
            with _LOCK:
                _INSTANCES.pop(key, None)  # not taken over on failure
            _check(st, ctx)
        self = cls(ctx, out.value)
        self._python_callbacks = True
        if not discrete and low is not None:
            self.set_action_bounds(low, high)
        if max_episode_steps:
            self.max_episode_steps = max_episode_steps
        return self

    def clone(self, index, seed):
        out = _new_ptr()
        _check(lib.pg_env_clone(self._p, int(index), _seed(seed), ctypes.byref(out)), self._ctx)
        return Env(self._ctx, out.value)

    # -- wrappers (an env made from this env, which the new env then owns)
    def _wrapped(self, st, out):
        _check(st, self._ctx)
        wrapped = Env(self._ctx, out.value)
        wrapped._inner = self  # keeps a Python-side env's objects alive
        self._ptr = None       # owned by the wrapper now: never destroyed here
        return wrapped

    def frame_stack(self, k):
        """A new Env whose observation is this env's last k observations
        (pg_env_wrap_frame_stack); this Env belongs to it afterwards and
        is closed (do not use it)."""
        out = _new_ptr()
        return self._wrapped(lib.pg_env_wrap_frame_stack(self._p, int(k), ctypes.byref(out)), out)

    def action_repeat(self, repeat):
        """A new Env repeating each action `repeat` times, reward summed,
        observation the max of the last two frames (pg_env_wrap_action_repeat);
        this Env belongs to it afterwards."""
        out = _new_ptr()
        return self._wrapped(lib.pg_env_wrap_action_repeat(self._p, int(repeat),
                                                           ctypes.byref(out)), out)

    def grayscale_resize(self, height, width, method="area"):
        """A new Env seeing this env's RGB (or 1-channel) image as one gray
        channel of height x width, method "area" or "bilinear"
        (pg_env_wrap_grayscale_resize); this Env belongs to it afterwards."""
        methods = {"area": PG_RESAMPLE_AREA, "bilinear": PG_RESAMPLE_BILINEAR}
        if method not in methods:
            raise PolicygradError(PG_ERR_INVALID_ARG, "Env.grayscale_resize: method must be "
                                  "'area' or 'bilinear', got %r" % (method,))
        out = _new_ptr()
        return self._wrapped(lib.pg_env_wrap_grayscale_resize(
            self._p, int(height), int(width), methods[method], ctypes.byref(out)), out)

    # -- spaces and settings
    def set_observation_image(self, h, w, c):
        _check(lib.pg_env_set_observation_image(self._p, int(h), int(w), int(c)), self._ctx)

    def set_observation_dtype(self, dtype):
        """'float32' or 'uint8' (or PG_OBS_FLOAT32 / PG_OBS_UINT8), before
        the first reset: with 'uint8' reset_u8/step_u8 return bytes and
        reset/step floats of byte / 255. A Python callback env stays floats."""
        if getattr(self, "_python_callbacks", False) and _dtype(dtype) != PG_OBS_FLOAT32:
            raise PolicygradError(PG_ERR_UNSUPPORTED, "Env.set_observation_dtype: a Python "
                                  "environment's callbacks write floats")
        _check(lib.pg_env_set_observation_dtype(self._p, _dtype(dtype)), self._ctx)

    @property
    def observation_dtype(self):
        """'float32' or 'uint8'."""
        v = ctypes.c_int()
        _check(lib.pg_env_get_observation_dtype(self._p, ctypes.byref(v)), self._ctx)
        return "uint8" if v.value == PG_OBS_UINT8 else "float32"

    @property
    def observation_image(self):
        h, w, c = ctypes.c_int32(), ctypes.c_int32(), ctypes.c_int32()
        _check(lib.pg_env_get_observation_image(self._p, ctypes.byref(h), ctypes.byref(w),
                                                ctypes.byref(c)), self._ctx)
        return h.value, w.value, c.value

    def set_action_bounds(self, low, high):
        lo = _floats_in(low, self.action_n, "low")
        hi = _floats_in(high, self.action_n, "high")
        _check(lib.pg_env_set_action_bounds(self._p, lo, hi, self.action_n), self._ctx)

    @property
    def action_bounds(self):
        lo = (ctypes.c_float * self.action_n)()
        hi = (ctypes.c_float * self.action_n)()
        _check(lib.pg_env_get_action_bounds(self._p, lo, hi, self.action_n), self._ctx)
        return _out(lo), _out(hi)

    @property
    def max_episode_steps(self):
        v = ctypes.c_uint64()
        _check(lib.pg_env_get_max_episode_steps(self._p, ctypes.byref(v)), self._ctx)
        return v.value

    @max_episode_steps.setter
    def max_episode_steps(self, value):
        _check(lib.pg_env_set_max_episode_steps(self._p, int(value)), self._ctx)

    def set_seed(self, seed):
        _check(lib.pg_env_set_seed(self._p, _seed(seed)), self._ctx)

    @property
    def name(self):
        return lib.pg_env_get_name(self._p).decode()

    @property
    def action_space(self):
        """("discrete", n) or ("continuous", dim)."""
        return ("discrete" if self.discrete else "continuous", self.action_n)

    def action_mask(self):
        buf = (ctypes.c_uint8 * self.action_n)()
        _check(lib.pg_env_get_action_mask(self._p, buf, self.action_n), self._ctx)
        return [bool(v) for v in buf]

    # -- stepping
    def reset(self):
        obs = (ctypes.c_float * self.observation_size)()
        _check(lib.pg_env_reset(self._p, obs, len(obs)), self._ctx)
        return _out(obs)

    def step(self, action):
        """-> (obs, reward, terminated, truncated). action: an int in
        [0, n) (discrete) or action_dim numbers (continuous)."""
        if self.discrete and not _int_like(action):
            raise PolicygradError(PG_ERR_INVALID_ARG, "Env.step: action %r (%s); expected an int "
                                  "in [0, %d)" % (action, type(action).__name__, self.action_n))
        a = _floats_in(action, self.action_len, "Env.step: action")
        obs = (ctypes.c_float * self.observation_size)()
        r, te, tr = ctypes.c_float(), ctypes.c_int32(), ctypes.c_int32()
        _check(lib.pg_env_step(self._p, a, len(a), obs, len(obs), ctypes.byref(r),
                               ctypes.byref(te), ctypes.byref(tr)), self._ctx)
        return _out(obs), r.value, bool(te.value), bool(tr.value)

    def reset_u8(self):
        """reset for a 'uint8' env: the observation as bytes."""
        obs = (ctypes.c_uint8 * self.observation_size)()
        _check(lib.pg_env_reset_u8(self._p, obs, len(obs)), self._ctx)
        return bytes(obs)

    def step_u8(self, action):
        """step for a 'uint8' env: -> (obs bytes, reward, terminated, truncated)."""
        if self.discrete and not _int_like(action):
            raise PolicygradError(PG_ERR_INVALID_ARG, "Env.step_u8: action %r (%s); expected an "
                                  "int in [0, %d)" % (action, type(action).__name__, self.action_n))
        a = _floats_in(action, self.action_len, "Env.step_u8: action")
        obs = (ctypes.c_uint8 * self.observation_size)()
        r, te, tr = ctypes.c_float(), ctypes.c_int32(), ctypes.c_int32()
        _check(lib.pg_env_step_u8(self._p, a, len(a), obs, len(obs), ctypes.byref(r),
                                  ctypes.byref(te), ctypes.byref(tr)), self._ctx)
        return bytes(obs), r.value, bool(te.value), bool(tr.value)

    def episode_stats(self):
        return _stats(lib.pg_env_get_episode_stats, self._ctx, self._p)


def _dtype(dtype):
    names = {"float32": PG_OBS_FLOAT32, "uint8": PG_OBS_UINT8}
    if isinstance(dtype, str):
        if dtype not in names:
            raise PolicygradError(PG_ERR_INVALID_ARG, "observation dtype must be 'float32' or "
                                  "'uint8', got %r" % (dtype,))
        return names[dtype]
    if _np is not None and isinstance(dtype, type) and dtype in (_np.float32, _np.uint8):
        return PG_OBS_UINT8 if dtype is _np.uint8 else PG_OBS_FLOAT32
    return int(dtype)


def _bytes_in(obs, what):
    """bytes, bytearray, a memoryview or a numpy uint8 array (any shape, C
    order) -> (ctypes uint8 array, length). Another type or a numpy array of
    another dtype raises PolicygradError(PG_ERR_INVALID_ARG)."""
    if _np is not None and isinstance(obs, _np.ndarray):
        if obs.dtype != _np.uint8:
            raise PolicygradError(PG_ERR_INVALID_ARG, "%s: a numpy array must have dtype uint8, "
                                  "got %s" % (what, obs.dtype))
        data = _np.ascontiguousarray(obs).tobytes()
    elif isinstance(obs, (bytes, bytearray, memoryview)):
        data = bytes(obs)
    else:
        raise PolicygradError(PG_ERR_INVALID_ARG, "%s must be bytes, bytearray, memoryview or "
                              "a numpy uint8 array, got %s" % (what, type(obs).__name__))
    return (ctypes.c_uint8 * max(1, len(data))).from_buffer_copy(data or b"\0"), len(data)


def _stats(fn, ctx, *args):
    ret, ln, eps, lret, lln = (ctypes.c_double(), ctypes.c_uint64(), ctypes.c_uint64(),
                               ctypes.c_double(), ctypes.c_uint64())
    _check(fn(*args, ctypes.byref(ret), ctypes.byref(ln), ctypes.byref(eps),
              ctypes.byref(lret), ctypes.byref(lln)), ctx)
    return {"return": ret.value, "length": ln.value, "episodes": eps.value,
            "last_return": lret.value, "last_length": lln.value}


class VecEnv(_Handle):
    """n instances of env's task (made with its factory) stepped together
    with auto-reset. Use n_threads=1 for Python environments."""

    _kind = "VecEnv"

    def __init__(self, env, n, n_threads=1, seed=0):
        out = _new_ptr()
        _check(lib.pg_vec_env_create(env._p, int(n), int(n_threads), _seed(seed),
                                     ctypes.byref(out)), env._ctx)
        super().__init__(out.value, env._ctx, lib.pg_vec_env_destroy)
        v = ctypes.c_int32()
        _check(lib.pg_vec_env_get_size(self._p, ctypes.byref(v)), self._ctx)
        self.n = v.value
        self.observation_size = env.observation_size
        self.action_len, self.action_n, self.discrete = env.action_len, env.action_n, env.discrete

    def __len__(self):
        return self.n

    def reset(self):
        obs = (ctypes.c_float * (self.n * self.observation_size))()
        _check(lib.pg_vec_env_reset(self._p, obs, len(obs)), self._ctx)
        return _out(obs, self.n)

    def step(self, actions):
        """-> (obs, rewards, terminated, truncated, final_obs); rows per instance."""
        a = _floats_in(actions, self.n * self.action_len, "actions")
        obs = (ctypes.c_float * (self.n * self.observation_size))()
        fin = (ctypes.c_float * (self.n * self.observation_size))()
        rew = (ctypes.c_float * self.n)()
        te, tr = (ctypes.c_int32 * self.n)(), (ctypes.c_int32 * self.n)()
        _check(lib.pg_vec_env_step(self._p, a, len(a), obs, len(obs), rew, te, tr, fin),
               self._ctx)
        return (_out(obs, self.n), _out(rew), [bool(x) for x in te], [bool(x) for x in tr],
                _out(fin, self.n))

    def reset_u8(self):
        """reset for a 'uint8' env: n rows of bytes, one bytes object."""
        obs = (ctypes.c_uint8 * (self.n * self.observation_size))()
        _check(lib.pg_vec_env_reset_u8(self._p, obs, len(obs)), self._ctx)
        return bytes(obs)

    def step_u8(self, actions):
        """step for a 'uint8' env: -> (obs, rewards, terminated, truncated,
        final_obs), obs and final_obs one bytes object of n rows each."""
        a = _floats_in(actions, self.n * self.action_len, "actions")
        obs = (ctypes.c_uint8 * (self.n * self.observation_size))()
        fin = (ctypes.c_uint8 * (self.n * self.observation_size))()
        rew = (ctypes.c_float * self.n)()
        te, tr = (ctypes.c_int32 * self.n)(), (ctypes.c_int32 * self.n)()
        _check(lib.pg_vec_env_step_u8(self._p, a, len(a), obs, len(obs), rew, te, tr, fin),
               self._ctx)
        return (bytes(obs), _out(rew), [bool(x) for x in te], [bool(x) for x in tr], bytes(fin))

    def action_masks(self):
        buf = (ctypes.c_uint8 * (self.n * self.action_n))()
        _check(lib.pg_vec_env_get_action_mask(self._p, buf, len(buf)), self._ctx)
        return [[bool(v) for v in buf[i * self.action_n:(i + 1) * self.action_n]]
                for i in range(self.n)]

    def episode_stats(self, index):
        return _stats(lib.pg_vec_env_get_episode_stats, self._ctx, self._p, int(index))


# ---------------------------------------------------------------------------
# Agents.
# ---------------------------------------------------------------------------
def param_from_name(name):
    """The PG_PARAM_* number of a parameter name; an unknown name raises
    PolicygradError(PG_ERR_INVALID_ARG) listing the known ones."""
    v = ctypes.c_int()
    st = lib.pg_param_from_name(name.encode(), ctypes.byref(v)) if isinstance(name, str) \
        else PG_ERR_INVALID_ARG
    if st != PG_OK:
        raise PolicygradError(st, "unknown parameter %r (known: %s)"
                              % (name, ", ".join(sorted(PARAMS))))
    return v.value


def param_name(param):
    s = lib.pg_param_name(int(param))
    return s.decode() if s is not None else None


def trunk_name(trunk):
    """The conv trunk preset's name (pg_trunk_name)."""
    return lib.pg_trunk_name(_enum(trunk, TRUNKS, "trunk")).decode()


def algorithm_name(algorithm):
    return lib.pg_algorithm_name(_enum(algorithm, ALGORITHMS, "algorithm")).decode()


def _algo_param(fn, algorithm, param):
    a = _enum(algorithm, ALGORITHMS, "algorithm")
    p = param_from_name(param) if isinstance(param, str) else int(param)
    return a, p, "%s(%s, %s)" % (fn, algorithm_name(a), param_name(p))


def param_bounds(algorithm, param):
    """(low, high) that agents of `algorithm` accept for `param` (no agent needed)."""
    a, p, what = _algo_param("pg_param_get_bounds", algorithm, param)
    lo, hi = ctypes.c_double(), ctypes.c_double()
    st = lib.pg_param_get_bounds(a, p, ctypes.byref(lo), ctypes.byref(hi))
    if st != PG_OK:
        raise PolicygradError(st, "%s: %s" % (what, status_string(st)))
    return lo.value, hi.value


def param_default(algorithm, param):
    """The value a new agent of `algorithm` starts with for `param`."""
    a, p, what = _algo_param("pg_param_get_default", algorithm, param)
    v = ctypes.c_double()
    st = lib.pg_param_get_default(a, p, ctypes.byref(v))
    if st != PG_OK:
        raise PolicygradError(st, "%s: %s" % (what, status_string(st)))
    return v.value


def param_component(param):
    """The component a parameter configures ("optimizer", "loss", ...), or None."""
    p = param_from_name(param) if isinstance(param, str) else int(param)
    s = lib.pg_param_component(p)
    return s.decode() if s is not None else None


class Agent(_Handle):
    """A learning agent. Agent.for_env builds and owns its networks;
    Agent(ctx, algorithm, net, value_net) borrows caller nets (this object
    keeps them referenced, and closing them is deferred until the agent is
    closed). Parameters and statistics go by name ("gamma", "lr", ...,
    "mean_return_100") or by PG_PARAM_* / PG_STAT_* number."""

    _kind = "Agent"

    def __init__(self, ctx, algorithm, net, value_net=None, _ptr=None, _lent=()):
        self._nets = []
        if _ptr is None:
            out = _new_ptr()
            _check(lib.pg_agent_create(ctx._p, _enum(algorithm, ALGORITHMS, "algorithm"), net._p,
                                       value_net._p if value_net is not None else None,
                                       ctypes.byref(out)), ctx)
            _ptr = out.value
            self._nets = [n for n in (net, value_net) if n is not None]
            _lent = tuple(self._nets)
        super().__init__(_ptr, ctx, lib.pg_agent_destroy)
        self._lent = tuple(_lent)
        for h in self._lent:
            h._borrows += 1
        self.observation_size, self.action_len, self.n_actions, _ = self.shape()
        self.discrete = self.n_actions > 0

    def shape(self):
        """(obs_size, action_len, n_actions, n_slots) from pg_agent_get_shape:
        n_actions is the mask length per slot (0 for a continuous policy);
        n_slots follows num_envs."""
        v = [ctypes.c_size_t() for _ in range(4)]
        self._ck(lib.pg_agent_get_shape(self._p, *[ctypes.byref(x) for x in v]), self._ctx)
        return tuple(x.value for x in v)

    @classmethod
    def for_env(cls, ctx, algorithm, env, hidden_units=64, hidden_layers=1):
        out = _new_ptr()
        _check(lib.pg_agent_create_for_env(ctx._p, _enum(algorithm, ALGORITHMS, "algorithm"),
                                           env._p, int(hidden_units), int(hidden_layers),
                                           ctypes.byref(out)), ctx)
        return cls(ctx, None, None, _ptr=out.value)

    @classmethod
    def for_env_lstm(cls, ctx, algorithm, env, hidden_units=64, hidden_layers=1, lstm_units=64):
        """A recurrent agent ("paac" or "a3c"): dense layers, then an LSTM of
        lstm_units, then one net with both heads (pg_agent_create_for_env_lstm)."""
        out = _new_ptr()
        _check(lib.pg_agent_create_for_env_lstm(
            ctx._p, _enum(algorithm, ALGORITHMS, "algorithm"), env._p, int(hidden_units),
            int(hidden_layers), int(lstm_units), ctypes.byref(out)), ctx)
        return cls(ctx, None, None, _ptr=out.value)

    @classmethod
    def for_env_trunk(cls, ctx, algorithm, env, trunk="small"):
        """An agent whose nets have a conv trunk ("nips", "nature", "small")
        on env's image observation (pg_agent_create_for_env_trunk)."""
        out = _new_ptr()
        _check(lib.pg_agent_create_for_env_trunk(
            ctx._p, _enum(algorithm, ALGORITHMS, "algorithm"), env._p,
            _enum(trunk, TRUNKS, "trunk"), ctypes.byref(out)), ctx)
        return cls(ctx, None, None, _ptr=out.value)

    @classmethod
    def from_template(cls, ctx, algorithm, env, template):
        """An agent whose own nets copy template's input shape and trunk
        (pg_agent_create_from_template); template stays the caller's."""
        out = _new_ptr()
        _check(lib.pg_agent_create_from_template(
            ctx._p, _enum(algorithm, ALGORITHMS, "algorithm"), env._p, template._p,
            ctypes.byref(out)), ctx)
        return cls(ctx, None, None, _ptr=out.value)

    def _ck(self, st, ctx=None):
        """_check with the agent handle's own message (a worker's buffer)."""
        if st != PG_OK and self._ptr:
            msg = lib.pg_agent_last_error(self._ptr) if "pg_agent_last_error" not in missing_symbols \
                else b""
            if msg:
                msg = msg.decode("utf-8", "replace")
                _raise_pending(self._ctx, st, msg)
                raise PolicygradError(st, msg)
        _check(st, ctx if ctx is not None else self._ctx)

    @property
    def last_error(self):
        return lib.pg_agent_last_error(self._p).decode("utf-8", "replace")

    def create_worker(self):
        """A worker of an asynchronous agent (A3C, async Q) for a thread of
        yours; close every worker before the parent (closing the parent
        first is deferred until its workers are closed)."""
        out = _new_ptr()
        self._ck(lib.pg_agent_create_worker(self._p, ctypes.byref(out)))
        w = Agent(self._ctx, None, None, _ptr=out.value, _lent=(self,))
        return w

    # -- persistence (whole agent: nets, optimizer state, counters, params)
    def save(self, path):
        self._ck(lib.pg_agent_save_file(self._p, os.fsencode(path)))

    def export_c(self, prefix, header_path, source_path=None, int8=False):
        """Writes the agent's policy as dependency-free C (Policy.export_c)."""
        self._ck(lib.pg_agent_export_c(self._p, prefix.encode(), os.fsencode(header_path),
                                       None if source_path is None else os.fsencode(source_path),
                                       PG_EXPORT_C_INT8 if int8 else 0))

    def to_bytes(self):
        size = ctypes.c_size_t()
        self._ck(lib.pg_agent_save_memory(self._p, None, 0, ctypes.byref(size)))
        buf = ctypes.create_string_buffer(size.value)
        self._ck(lib.pg_agent_save_memory(self._p, buf, size.value, ctypes.byref(size)))
        return buf.raw[:size.value]

    def save_to(self, write):
        sink = _WriteSink(self._ctx, write)
        self._ck(lib.pg_agent_save_cb(self._p, sink.fn, None))

    @classmethod
    def load(cls, ctx, path):
        out = _new_ptr()
        _check(lib.pg_agent_load_file(ctx._p, os.fsencode(path), ctypes.byref(out)), ctx)
        return cls(ctx, None, None, _ptr=out.value)

    @classmethod
    def from_bytes(cls, ctx, data):
        data = bytes(data)
        out = _new_ptr()
        _check(lib.pg_agent_load_memory(ctx._p, data, len(data), ctypes.byref(out)), ctx)
        return cls(ctx, None, None, _ptr=out.value)

    def net(self, which=0):
        """The policy (0) or separate value (1) network. Caller nets are
        returned as given; the agent's own nets as views valid while the
        agent lives."""
        out = _new_ptr()
        self._ck(lib.pg_agent_get_net(self._p, int(which), ctypes.byref(out)), self._ctx)
        for n in self._nets:
            if n._ptr == out.value:
                return n
        return Net(self._ctx, 0, _ptr=out.value, _owner=self)

    # -- parameters and statistics
    def _param(self, p):
        return param_from_name(p) if isinstance(p, str) else int(p)

    def set_param(self, param, value):
        if isinstance(value, (str, bytes)) or not isinstance(value, numbers.Real):
            raise PolicygradError(PG_ERR_INVALID_ARG, "Agent.set_param: the value of %r must be a "
                                  "number, got %r" % (param, value))
        if isinstance(param, str):
            param_from_name(param)  # an unknown name raises, listing the known ones
            self._ck(lib.pg_agent_set_param_by_name(self._p, param.encode(), float(value)), self._ctx)
        else:
            self._ck(lib.pg_agent_set_param(self._p, int(param), float(value)), self._ctx)
        return self

    def set_params(self, **params):
        for k, v in params.items():
            self.set_param(k, v)
        return self

    def get_param(self, param):
        v = ctypes.c_double()
        self._ck(lib.pg_agent_get_param(self._p, self._param(param), ctypes.byref(v)), self._ctx)
        return v.value

    def param_bounds(self, param):
        lo, hi = ctypes.c_double(), ctypes.c_double()
        self._ck(lib.pg_agent_param_bounds(self._p, self._param(param), ctypes.byref(lo),
                                         ctypes.byref(hi)), self._ctx)
        return lo.value, hi.value

    def stat(self, stat):
        v = ctypes.c_double()
        self._ck(lib.pg_agent_get_stat(self._p, _enum(stat, STATS, "statistic"), ctypes.byref(v)),
               self._ctx)
        return v.value

    def stats(self):
        return {k: self.stat(v) for k, v in STATS.items()}

    # -- host-driven loop: arrays go to the library with their lengths as
    # given (flattened); it checks them (PolicygradError PG_ERR_SHAPE naming
    # the argument, the expected and the given length).
    def _slots(self):
        return self.shape()[3]

    @staticmethod
    def _mask(mask):
        if mask is None:
            return None, 0
        flat = _flatten(mask)
        return _ints_in(flat, len(flat), "mask", ctypes.c_uint8), len(flat)

    def step(self, obs, mask=None):
        """Actions for every slot (num_envs rows of obs): ints for a discrete
        policy, rows of floats for a continuous one."""
        n = self._slots()
        o = _floats_in(obs, what="pg_agent_step obs")
        m, mlen = self._mask(mask)
        out = (ctypes.c_float * (n * self.action_len))()
        self._ck(lib.pg_agent_step(self._p, o, _len(o), m, mlen, out, len(out)), self._ctx)
        if self.discrete:
            return [int(a) for a in out]
        return _out(out, n)

    def step_u8(self, obs, mask=None):
        """step on byte observations (bytes, bytearray, memoryview or a numpy
        uint8 array of num_envs rows), each byte learned as byte / 255."""
        n = self._slots()
        o, olen = _bytes_in(obs, "Agent.step_u8: obs")
        m, mlen = self._mask(mask)
        out = (ctypes.c_float * (n * self.action_len))()
        self._ck(lib.pg_agent_step_u8(self._p, o, olen, m, mlen, out, len(out)), self._ctx)
        if self.discrete:
            return [int(a) for a in out]
        return _out(out, n)

    def _report_flags(self, rewards, terminated, truncated, fn):
        r = _floats_in(rewards, what="rewards")
        te = _flatten(terminated) if terminated is not None else []
        tr = _flatten(truncated) if truncated is not None else []
        if not _len(r) == len(te) == len(tr):
            raise PolicygradError(PG_ERR_SHAPE, "%s: %d rewards, %d terminated and "
                                  "%d truncated flags: one of each per slot"
                                  % (fn, _len(r), len(te), len(tr)))
        return (r, _ints_in(te, len(te), "terminated"), _ints_in(tr, len(tr), "truncated"),
                len(te))

    def report(self, rewards, terminated, truncated, next_obs):
        """rewards, terminated and truncated: one per slot; next_obs: one row
        per slot."""
        r, te, tr, n = self._report_flags(rewards, terminated, truncated, "pg_agent_report")
        o = _floats_in(next_obs, what="next_obs")
        self._ck(lib.pg_agent_report(self._p, r, te, tr, n, o, _len(o)), self._ctx)

    def report_u8(self, rewards, terminated, truncated, next_obs):
        """report with next_obs as bytes (as step_u8's obs)."""
        r, te, tr, n = self._report_flags(rewards, terminated, truncated, "pg_agent_report_u8")
        o, olen = _bytes_in(next_obs, "Agent.report_u8: next_obs")
        self._ck(lib.pg_agent_report_u8(self._p, r, te, tr, n, o, olen), self._ctx)

    def update(self):
        """Learns if an update is due; True if it did."""
        u = ctypes.c_int32()
        self._ck(lib.pg_agent_update(self._p, ctypes.byref(u)), self._ctx)
        return bool(u.value)

    def reset_state(self, slot):
        """Recurrent agents: slot's state back to zero (a restarted episode)."""
        self._ck(lib.pg_agent_reset_state(self._p, int(slot)), self._ctx)

    def reset_act_state(self):
        """Recurrent agents: act()'s own state back to zero (a new episode)."""
        self._ck(lib.pg_agent_reset_act_state(self._p), self._ctx)

    def act(self, obs, mask=None, deterministic=True):
        """One action for one observation, nothing recorded: an int for a
        discrete policy, a list/array of floats for a continuous one."""
        o = _floats_in(obs, what="pg_agent_act obs")
        m, mlen = self._mask(mask)
        out = (ctypes.c_float * self.action_len)()
        self._ck(lib.pg_agent_act(self._p, o, _len(o), m, mlen, 1 if deterministic else 0, out,
                                  len(out)), self._ctx)
        return int(out[0]) if self.discrete else _out(out)

    # -- training logs (CSV; docs/AGENTS.md "Training logs")
    _log_cb = None

    def set_log_file(self, path):
        """Writes a CSV training log to path (created or truncated now, header
        first, one row per progress report of train(), each row on disk as
        it is written); None turns logging off. Replaces any log set
        before. Raises PolicygradError PG_ERR_IO naming the path and the
        reason when it cannot be created."""
        self._ck(lib.pg_agent_set_log_file(self._p, None if path is None else os.fsencode(path)))
        self._log_cb = None

    def set_log_callback(self, fn):
        """Passes each CSV line of the training log, as a str without its
        newline, to fn(line): the header now, then one row per progress
        report of train(). None turns logging off. A true return value or an
        exception stops train() (PolicygradError PG_ERR_CALLBACK; the
        exception is chained)."""
        if fn is None:
            self._ck(lib.pg_agent_set_log_callback(self._p, pg_log_fn(), None))
            self._log_cb = None
            return
        ctx = self._ctx  # not self: the agent keeps cb, cb must not keep the agent
        cb = pg_log_fn(lambda _user, line, size: _stop_on_exception(
            ctx, lambda: fn(ctypes.string_at(line, size).decode("utf-8").rstrip("\n"))))
        self._ck(lib.pg_agent_set_log_callback(self._p, cb, None))
        self._log_cb = cb  # the C side keeps calling it while the log is set

    def _set_log(self, log):
        if callable(log):
            self.set_log_callback(log)
        else:
            self.set_log_file(log)

    # -- library-driven loop
    def train(self, env, max_steps, progress=None, log=None):
        """Trains for max_steps steps. progress(agent) is called on this
        thread every report_interval steps (0: every episode); returning a
        true value stops training. log: a path or a callable, set as by
        set_log_file / set_log_callback for this call only (logging is off
        afterwards). An exception in progress, in log or in a Python
        environment stops training and is re-raised (chained to a
        PolicygradError). Returns the statistics."""
        if log is not None:
            self._set_log(log)
            try:
                return self.train(env, max_steps, progress)
            finally:
                if self._ptr:
                    self.set_log_file(None)
        cb = pg_progress_fn()  # NULL
        if progress is not None:
            cb = pg_progress_fn(lambda _user, _agent: _stop_on_exception(
                self._ctx, lambda: progress(self)))
        self._ck(lib.pg_agent_train(self._p, env._p, int(max_steps), cb, None), self._ctx)
        return self.stats()

    def evaluate(self, env, episodes=10, deterministic=True):
        """-> (mean, std) of the undiscounted returns of `episodes` episodes."""
        m, s = ctypes.c_double(), ctypes.c_double()
        self._ck(lib.pg_agent_evaluate(self._p, env._p, int(episodes), 1 if deterministic else 0,
                                     ctypes.byref(m), ctypes.byref(s)), self._ctx)
        return m.value, s.value


# ---------------------------------------------------------------------------
# Inference: Policy (immutable, shareable) and PolicySession (per thread).
# ---------------------------------------------------------------------------
class Policy(_Handle):
    """The acting part of a trained net: Policy.from_net, Policy.load,
    Policy.from_bytes. act() uses a default session; make one
    PolicySession per thread for concurrent use."""

    _kind = "Policy"

    def __init__(self, ctx, _ptr):
        super().__init__(_ptr, ctx, lib.pg_policy_destroy)
        o, a, n, k = ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_int32()
        _check(lib.pg_policy_get_shape(self._p, ctypes.byref(o), ctypes.byref(a), ctypes.byref(n),
                                       ctypes.byref(k)), self._ctx)
        self.observation_size, self.action_size, self.n_actions = o.value, a.value, n.value
        self.discrete = k.value == PG_ACTION_DISCRETE
        self._session = None

    @property
    def shape(self):
        return {"obs_size": self.observation_size, "action_size": self.action_size,
                "n_actions": self.n_actions, "discrete": self.discrete}

    @classmethod
    def from_net(cls, net):
        out = _new_ptr()
        _check(lib.pg_policy_from_net(net._p, ctypes.byref(out)), net._ctx)
        return cls(net._ctx, out.value)

    @classmethod
    def from_agent(cls, agent):
        """A policy from an agent's policy net (greedy actions = agent.act)."""
        out = _new_ptr()
        agent._ck(lib.pg_policy_from_agent(agent._p, ctypes.byref(out)))
        return cls(agent._ctx, out.value)

    @classmethod
    def load(cls, ctx, path):
        out = _new_ptr()
        _check(lib.pg_policy_load_file(ctx._p, os.fsencode(path), ctypes.byref(out)), ctx)
        return cls(ctx, out.value)

    @classmethod
    def from_bytes(cls, ctx, data):
        data = bytes(data)
        out = _new_ptr()
        _check(lib.pg_policy_load_memory(ctx._p, data, len(data), ctypes.byref(out)), ctx)
        return cls(ctx, out.value)

    def save(self, path):
        _check(lib.pg_policy_save_file(self._p, os.fsencode(path)), self._ctx)

    def to_bytes(self):
        size = ctypes.c_size_t()
        _check(lib.pg_policy_save_memory(self._p, None, 0, ctypes.byref(size)), self._ctx)
        buf = ctypes.create_string_buffer(size.value)
        _check(lib.pg_policy_save_memory(self._p, buf, size.value, ctypes.byref(size)), self._ctx)
        return buf.raw[:size.value]

    def save_to(self, write):
        sink = _WriteSink(self._ctx, write)
        _check(lib.pg_policy_save_cb(self._p, sink.fn, None), self._ctx)

    def export_c(self, prefix, header_path, source_path=None, int8=False):
        """Writes the policy as dependency-free C (docs/DEPLOYMENT.md):
        header_path and source_path, or one stb-style header when
        source_path is None; int8: int8 weights (approximate actions)."""
        _check(lib.pg_policy_export_c(self._p, prefix.encode(), os.fsencode(header_path),
                                      None if source_path is None else os.fsencode(source_path),
                                      PG_EXPORT_C_INT8 if int8 else 0),
               self._ctx)

    def export_c_text(self, prefix, part=PG_EXPORT_C_SINGLE, int8=False):
        """The exported C text of one part (PG_EXPORT_C_HEADER, _SOURCE or
        _SINGLE) as a str."""
        chunks = []
        sink = _WriteSink(self._ctx, chunks.append)
        _check(lib.pg_policy_export_c_cb(self._p, prefix.encode(), part,
                                         PG_EXPORT_C_INT8 if int8 else 0, sink.fn, None),
               self._ctx)
        return b"".join(chunks).decode()

    def session(self, seed=0):
        return PolicySession(self, seed)

    def act(self, obs, mask=None, deterministic=True):
        if self._session is None or self._session.closed:
            self._session = PolicySession(self, 0)
        return self._session.act(obs, mask, deterministic)

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None
        _Handle.close(self)


class PolicySession(_Handle):
    """A per-thread acting workspace of a Policy (retains the policy)."""

    _kind = "PolicySession"

    def __init__(self, policy, seed=0):
        out = _new_ptr()
        _check(lib.pg_policy_session_create(policy._p, _seed(seed), ctypes.byref(out)), policy._ctx)
        super().__init__(out.value, policy._ctx, lib.pg_policy_session_destroy)
        self.policy = policy
        self._obs_size, self._action_size = policy.observation_size, policy.action_size
        self._n_actions, self._discrete = policy.n_actions, policy.discrete
        self._act_buf = (ctypes.c_float * max(1, self._action_size))()

    def seed(self, seed, stream=0):
        _check(lib.pg_policy_session_seed(self._p, _seed(seed), _seed(stream, "stream")), self._ctx)

    def reset(self):
        """A new episode: the recurrent state (LSTM) goes back to zero."""
        _check(lib.pg_policy_session_reset(self._p), self._ctx)

    @property
    def last_error(self):
        return lib.pg_policy_session_last_error(self._p).decode("utf-8", "replace")

    def act(self, obs, mask=None, deterministic=False):
        o = _floats_in(obs, what="pg_policy_act obs")
        return self._act(lib.pg_policy_act, o, len(o), mask, deterministic)

    def _act(self, act_fn, o, n, mask, deterministic):
        m = None
        if mask is not None:
            m = _ints_in(mask, len(_flatten(mask)), "mask", ctypes.c_uint8)
        st = act_fn(self._p, o, n, m, len(m) if m is not None else 0,
                    1 if deterministic else 0, self._act_buf, len(self._act_buf))
        if st != PG_OK:
            raise PolicygradError(st, self.last_error or status_string(st))
        return int(self._act_buf[0]) if self._discrete else _out(self._act_buf)

    def act_u8(self, obs, mask=None, deterministic=False):
        """As act for a byte observation (each byte b fed as b / 255):
        bytes, bytearray, a memoryview or a numpy uint8 array (any shape,
        read in C order) of observation_size bytes. Another type raises
        PolicygradError(PG_ERR_INVALID_ARG), another size PG_ERR_SHAPE."""
        o, n = _bytes_in(obs, "PolicySession.act_u8: obs")
        return self._act(lib.pg_policy_act_u8, o, n, mask, deterministic)
