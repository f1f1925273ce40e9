"""Python binding suite (unittest, standard library only).

Run: POLICYGRAD_LIB=build/libpolicygrad.so python3 tests/python/test_policygrad.py
"""
import gc
import math
import random
import os
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if os.environ.get("PG_TEST_NO_NUMPY") == "1":
    sys.modules["numpy"] = None  # "import numpy" fails, as without numpy
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "python"))
import policygrad as pg  # noqa: E402


class Corridor:
    """A 5-state chain written in Python: start in 0, action 1 moves right,
    0 moves left (stays at 0); -1 per step; terminated on reaching 4.
    Observation: one-hot of the state. Best return: -4."""

    N = 5
    instances = 0

    def __init__(self, fail_at_step=None):
        self.s = 0
        self.steps = 0
        self.fail_at_step = fail_at_step
        self.closed = False
        Corridor.instances += 1

    def _obs(self):
        return [1.0 if i == self.s else 0.0 for i in range(self.N)]

    def reset(self, seed=None):
        self.s = 0
        return self._obs(), {}

    def step(self, action):
        self.steps += 1
        if self.fail_at_step is not None and self.steps >= self.fail_at_step:
            raise RuntimeError("corridor exploded at step %d" % self.steps)
        self.s = min(self.N - 1, self.s + 1) if action == 1 else max(0, self.s - 1)
        return self._obs(), -1.0, self.s == self.N - 1, False, {}

    def close(self):
        self.closed = True



class PixelCatch:
    """Catch on a 6 x 5 board written in Python, observed as a 6x5x1 image:
    a ball falls from a random top column, the paddle (bottom row) moves
    left, stays or moves right; +1 if caught, -1 if missed."""

    H, W = 6, 5

    def reset(self, seed=None):
        self.rng = random.Random(seed)
        self.bx, self.by, self.px = self.rng.randrange(self.W), 0, self.W // 2
        return self._obs(), {}

    def _obs(self):
        o = [0.0] * (self.H * self.W)
        o[self.by * self.W + self.bx] = 1.0
        o[(self.H - 1) * self.W + self.px] = 1.0
        return o

    def step(self, action):
        self.px = min(self.W - 1, max(0, self.px + int(action) - 1))
        self.by += 1
        done = self.by == self.H - 1
        return self._obs(), (1.0 if self.px == self.bx else -1.0) if done else 0.0, done, False, {}

def corridor_env(ctx, factory=True, **kw):
    return pg.Env.from_python(ctx, Corridor(**kw), obs_size=Corridor.N, n_actions=2,
                              factory=(lambda i, s: Corridor()) if factory else None,
                              name="corridor", max_episode_steps=50)


class Recurrent(unittest.TestCase):
    def test_lstm_policy_reload_acts_identically(self):
        with pg.Context(seed=3) as ctx:
            env = pg.Env.builtin(ctx, "CueCorridor", 3)
            net = pg.Net(ctx, 3, 2 * 4 * 5 + 4, 3)
            net.add_dense(16, "tanh").add_lstm(16).add_categorical_head(2).add_value_head()
            net.finalize()
            agent = pg.Agent(ctx, "paac", net)
            agent.set_param("num_envs", 4)
            agent.set_param("t_max", 5)
            agent.train(env, 2000)
            agent.reset_state(3)
            with self.assertRaises(pg.PolicygradError):
                agent.reset_state(4)
            policy = pg.Policy.from_net(net)
            back = pg.Policy.from_bytes(ctx, policy.to_bytes())
            a, b = policy.session(1), back.session(1)
            for episode in range(5):
                obs, done = env.reset(), False
                while not done:
                    x, y = a.act(obs, deterministic=False), b.act(obs, deterministic=False)
                    self.assertEqual(x, y)
                    obs, _, term, trunc = env.step(x)[:4]
                    done = term or trunc
                a.reset()
                b.reset()
            net.reset_state()
            net.forward_seq([0.0] * 6, 2, 1)
            env.close()

    def test_lstm_agent_for_env_acts_with_its_own_state(self):
        with pg.Context(seed=4) as ctx:
            env = pg.Env.builtin(ctx, "CueCorridor:length=4", 4)
            self.assertEqual(env.name, "CueCorridor:length=4")
            for algo in ("paac", "a3c"):
                agent = pg.Agent.for_env_lstm(ctx, algo, env, 16, 1, 8)
                agent.set_param("num_envs", 4 if algo == "paac" else 1)
                agent.train(env, 1000)
                policy = pg.Policy.from_agent(agent)
                session = policy.session(1)
                for episode in range(3):
                    agent.reset_act_state()
                    session.reset()
                    obs, done = env.reset(), False
                    while not done:
                        x = agent.act(obs)
                        self.assertEqual(x, session.act(obs, deterministic=True))
                        obs, _, term, trunc = env.step(x)[:4]
                        done = term or trunc
            with self.assertRaises(pg.PolicygradError) as cm:
                pg.Agent.for_env_lstm(ctx, "reinforce", env, 16, 1, 8)
            self.assertIn("recurrent", str(cm.exception))
            env.close()


class Basics(unittest.TestCase):
    def test_normalized_ppo_resumes_and_its_policy_acts_as_the_agent(self):
        # norm_obs: the statistics travel in the agent checkpoint (exact
        # resume) and in the policy (file version 3, ONRM section)
        with pg.Context(seed=7) as ctx:
            env = pg.Env.builtin(ctx, "Pendulum-v1", 7)
            agent = pg.Agent.for_env(ctx, "ppo", env, 16, 1)
            agent.set_param("norm_obs", 1)
            agent.set_param("t_max", 32)
            agent.train(env, 512)
            back = pg.Agent.from_bytes(ctx, agent.to_bytes())
            self.assertEqual(back.to_bytes(), agent.to_bytes())
            e1, e2 = pg.Env.builtin(ctx, "Pendulum-v1", 9), pg.Env.builtin(ctx, "Pendulum-v1", 9)
            agent.train(e1, 256)
            back.train(e2, 256)
            self.assertEqual(back.to_bytes(), agent.to_bytes())
            data = pg.Policy.from_agent(agent).to_bytes()
            self.assertEqual(data[4], 3)
            sess = pg.Policy.from_bytes(ctx, data).session(1)
            plain = pg.Policy.from_net(agent.net(0)).session(1)
            differ = 0
            for i in range(40):
                obs = [math.sin(0.7 * i + 1.3 * j) * 2.0 for j in range(3)]
                want = list(agent.act(obs, deterministic=True))
                self.assertEqual(list(sess.act(obs, deterministic=True)), want)
                differ += list(plain.act(obs, deterministic=True)) != want
            self.assertGreater(differ, 0)
            for e in (env, e1, e2):
                e.close()

    def test_version_and_names(self):
        self.assertEqual(pg.version(), "%d.%d.%d" % (0, 1, pg.lib.pg_version_number() % 100))
        self.assertIn("CartPole-v1", pg.builtin_env_names())
        self.assertEqual(pg.param_name(pg.PG_PARAM_GAMMA), "gamma")
        self.assertEqual(pg.param_from_name("lr"), pg.PG_PARAM_LR)

    def test_context(self):
        with pg.Context(seed=5) as ctx:
            self.assertEqual(ctx.seed, 5)
            self.assertEqual(ctx.last_error, "")
            self.assertGreaterEqual(ctx.memory_in_use, 0)
            rng = pg.Rng(ctx, 1, 0)
            u = rng.uniform()
            self.assertTrue(0.0 <= u < 1.0)
            rng.close()
        self.assertTrue(ctx.closed)
        with self.assertRaises(pg.PolicygradError):
            ctx.seed

    def test_builtin_env_roundtrip(self):
        with pg.Context() as ctx:
            env = pg.Env.builtin(ctx, "CartPole-v1", seed=3)
            self.assertEqual(env.observation_size, 4)
            self.assertEqual(env.action_space, ("discrete", 2))
            self.assertEqual(env.max_episode_steps, 500)
            obs = env.reset()
            self.assertEqual(len(obs), 4)
            obs, r, term, trunc = env.step(1)
            self.assertEqual(r, 1.0)
            env.close()


class Training(unittest.TestCase):
    def test_builtin_cartpole_to_threshold(self):
        with pg.Context(seed=1) as ctx:
            env = pg.Env.builtin(ctx, "CartPole-v1", seed=1)
            agent = pg.Agent.for_env(ctx, "reinforce_baseline", env, hidden_units=64)
            agent.set_param("seed", 1)
            seen = []

            def progress(a):
                seen.append(a.stat("episodes"))
                return a.stat("mean_return_100") >= 150

            stats = agent.train(env, 400_000, progress)
            self.assertGreaterEqual(stats["mean_return_100"], 150, stats)
            self.assertTrue(seen)
            mean, _std = agent.evaluate(env, 5, deterministic=True)
            self.assertGreater(mean, 100)
            agent.close()

    def test_python_env_to_threshold(self):
        with pg.Context(seed=2) as ctx:
            env = corridor_env(ctx)
            agent = pg.Agent.for_env(ctx, "actor_critic", env, hidden_units=16)
            agent.set_params(seed=2, lr=0.01, value_lr=0.02)
            agent.train(env, 20_000, lambda a: a.stat("episodes") >= 50
                        and a.stat("mean_return_100") >= -5.5)
            self.assertGreaterEqual(agent.stat("mean_return_100"), -5.5, agent.stats())
            mean, _ = agent.evaluate(env, 3)
            self.assertEqual(mean, -4.0)
            env.close()
            agent.close()

    def test_python_env_multi_slot_factory(self):
        gc.collect()
        before = len(pg._INSTANCES)
        with pg.Context(seed=3) as ctx:
            env = corridor_env(ctx)
            agent = pg.Agent.for_env(ctx, "paac", env, hidden_units=16)
            agent.set_params(num_envs=4, num_threads=1, seed=3)
            agent.train(env, 2_000)
            self.assertGreater(agent.stat("episodes"), 0)
            vec = pg.VecEnv(env, 3, 1, seed=4)
            obs = vec.reset()
            self.assertEqual(len(obs), 3)
            obs, rew, term, trunc, fin = vec.step([1, 1, 0])
            self.assertEqual(list(rew), [-1.0, -1.0, -1.0])
            vec.close()
            agent.close()
            env.close()
        gc.collect()
        self.assertEqual(len(pg._INSTANCES), before)  # every instance closed

    def test_host_driven_loop(self):
        with pg.Context(seed=4) as ctx:
            policy = pg.Net(ctx, Corridor.N, 8, seed=1).add_dense(16).add_categorical_head(2).finalize()
            value = pg.Net(ctx, Corridor.N, 8, seed=2).add_dense(16).add_value_head().finalize()
            agent = pg.Agent(ctx, "actor_critic", policy, value)
            agent.set_params(lr=0.01, value_lr=0.02, seed=4)
            game = Corridor()
            obs, _ = game.reset()
            episodes, t = 0, 0
            for _frame in range(4000):
                (action,) = agent.step(obs)
                nxt, r, term, trunc, _ = game.step(action)
                t += 1
                trunc = trunc or t >= 50
                agent.report([r], [term], [trunc], nxt)
                agent.update()
                if term or trunc:
                    obs, _ = game.reset()
                    episodes, t = episodes + 1, 0
                else:
                    obs = nxt
            self.assertEqual(agent.stat("episodes"), episodes)
            self.assertGreaterEqual(agent.stat("mean_return_100"), -6.0, agent.stats())
            self.assertEqual(agent.act([1, 0, 0, 0, 0]), 1)
            self.assertIs(agent.net(0), policy)
            agent.close()

    def test_save_reload_evaluate(self):
        with pg.Context(seed=5) as ctx, tempfile.TemporaryDirectory() as tmp:
            env = pg.Env.builtin(ctx, "CartPole-v1", seed=5)
            agent = pg.Agent.for_env(ctx, "reinforce_baseline", env)
            agent.set_param("seed", 5)
            agent.train(env, 20_000)
            path = os.path.join(tmp, "policy.pgck")
            agent.net(0).save(path)
            params = list(agent.net(0).get_params())
            data = agent.net(0).to_bytes()
            chunks = []
            agent.net(0).save_to(chunks.append)
            self.assertEqual(b"".join(chunks), data)
            net = pg.Net.load(ctx, path)
            self.assertEqual(list(net.get_params()), params)
            self.assertEqual(list(pg.Net.from_bytes(ctx, data).get_params()), params)
            pol = pg.Policy.load(ctx, path)
            self.assertEqual(pol.shape["obs_size"], 4)
            sess = pol.session(seed=1)
            obs = env.reset()
            for _ in range(5):
                self.assertEqual(sess.act(obs, deterministic=True), agent.act(obs))
                obs, _r, term, trunc = env.step(sess.act(obs, deterministic=True))
                if term or trunc:
                    obs = env.reset()
            psave = os.path.join(tmp, "p2.pgck")
            pol.save(psave)
            self.assertEqual(pg.Policy.from_bytes(ctx, pol.to_bytes()).n_actions, 2)
            # reload into a fresh agent and evaluate: same greedy returns
            agent2 = pg.Agent(ctx, "reinforce", net)
            self.assertEqual(agent2.evaluate(env, 3), agent.evaluate(env, 3))
            if "pg_agent_save_memory" not in pg.missing_symbols:
                # whole-agent checkpoint: same greedy behaviour after loading
                apath = os.path.join(tmp, "agent.pgck")
                agent.save(apath)
                for loaded in (pg.Agent.load(ctx, apath), pg.Agent.from_bytes(ctx, agent.to_bytes())):
                    self.assertEqual(loaded.evaluate(env, 3), agent.evaluate(env, 3))
                    loaded.close()
                self.assertEqual(pg.Policy.from_agent(agent).act(obs), agent.act(obs))
            with self.assertRaises(pg.PolicygradError) as cm:
                pg.Net.load(ctx, os.path.join(tmp, "missing.pgck"))
            self.assertEqual(cm.exception.status, pg.PG_ERR_IO)
            with open(os.path.join(tmp, "junk"), "wb") as f:
                f.write(b"not a checkpoint at all")
            with self.assertRaises(pg.PolicygradError) as cm:
                pg.Policy.load(ctx, os.path.join(tmp, "junk"))
            self.assertEqual(cm.exception.status, pg.PG_ERR_FORMAT)

    def test_without_numpy(self):
        saved = pg._np
        try:
            pg.use_numpy(False)
            with pg.Context() as ctx:
                env = pg.Env.builtin(ctx, "CartPole-v1", seed=1)
                self.assertIsInstance(env.reset(), list)
                net = pg.Net(ctx, 4, 2).add_dense(8).add_value_head().finalize()
                net.forward([[0.1, 0.2, 0.3, 0.4], [0, 0, 0, 0]])
                self.assertEqual(len(net.get_output("value")), 2)
        finally:
            pg._np = saved

    def test_env_wrappers(self):
        with pg.Context(seed=3) as ctx:
            game = pg.Env.builtin(ctx, "Catch", 1)
            env = game.action_repeat(2).frame_stack(4)
            self.assertTrue(game.closed)  # it belongs to the wrapper now
            self.assertEqual(env.observation_image, (10, 5, 4))
            obs = env.reset()
            self.assertEqual(len(obs), 200)
            self.assertEqual(list(obs[0::4]), list(obs[3::4]))  # each frame: the reset frame
            _, r, te, tr = env.step(1)
            self.assertIn(r, (0.0,))
            with self.assertRaises(pg.PolicygradError) as e:
                pg.Env.builtin(ctx, "Bounce").grayscale_resize(5, 5)
            self.assertIn("another channel count", str(e.exception))
            with self.assertRaises(pg.PolicygradError):
                pg.Env.builtin(ctx, "Dodge").grayscale_resize(5, 5, method="nearest")
            small = pg.Env.builtin(ctx, "Dodge").grayscale_resize(5, 5, method="bilinear")
            self.assertEqual(small.observation_image, (5, 5, 1))
            self.assertEqual(len(small.reset()), 25)
            # A Python-side env, wrapped and trained (one slot: no factory).
            pixels = pg.Env.from_python(ctx, PixelCatch(), obs_size=30, n_actions=3)
            pixels.set_observation_image(6, 5, 1)
            stacked = pixels.frame_stack(2)
            agent = pg.Agent.for_env_trunk(ctx, "actor_critic", stacked, "small")
            agent.train(stacked, 300)
            self.assertGreater(agent.stat("episodes"), 20)
            agent.close()
            for h in (env, small, stacked):
                h.close()

    def test_byte_observations(self):
        with pg.Context(seed=3) as ctx:
            b, f = pg.Env.builtin(ctx, "Catch", seed=2), pg.Env.builtin(ctx, "Catch", seed=2)
            self.assertEqual(f.observation_dtype, "float32")
            with self.assertRaises(pg.PolicygradError) as e:
                f.reset_u8()
            self.assertEqual(e.exception.status, pg.PG_ERR_UNSUPPORTED)
            with self.assertRaises(pg.PolicygradError) as e:
                b.set_observation_dtype("int8")
            self.assertEqual(e.exception.status, pg.PG_ERR_INVALID_ARG)
            b.set_observation_dtype("uint8")
            self.assertEqual(b.observation_dtype, "uint8")
            py = corridor_env(ctx)
            with self.assertRaises(pg.PolicygradError) as e:
                py.set_observation_dtype("uint8")
            self.assertEqual(e.exception.status, pg.PG_ERR_UNSUPPORTED)
            py.close()
            ob, of = b.reset_u8(), f.reset()
            self.assertIsInstance(ob, bytes)
            self.assertEqual(list(ob), [int(v * 255 + 0.5) for v in of])
            ob, r, te, tr = b.step_u8(0)
            of, r2, te2, tr2 = f.step(0)
            self.assertEqual(list(ob), [int(v * 255 + 0.5) for v in of])
            self.assertEqual((r, te, tr), (r2, te2, tr2))
            vec = pg.VecEnv(b, 2, seed=4)
            rows = vec.reset_u8()
            self.assertEqual(len(rows), 2 * 50)
            rows, rew, te, tr, fin = vec.step_u8([1, 1])
            self.assertEqual((len(rows), len(fin), len(rew)), (100, 100, 2))
            # an agent learns from bytes as from byte / 255
            agent = pg.Agent.for_env(ctx, "paac", b, hidden_units=8, hidden_layers=1)
            agent.set_param("num_envs", 2)
            acts = agent.step_u8(rows)
            self.assertEqual(len(acts), 2)
            with self.assertRaises(pg.PolicygradError) as e:
                agent.report_u8(rew, te, tr, [0.0] * 100)
            self.assertEqual(e.exception.status, pg.PG_ERR_INVALID_ARG)
            with self.assertRaises(pg.PolicygradError) as e:
                agent.report_u8(rew, te, tr, rows[:99])
            self.assertEqual(e.exception.status, pg.PG_ERR_SHAPE)
            agent.report_u8(rew, te, tr, bytearray(rows))
            if pg._np is not None:
                img = pg._np.frombuffer(rows, dtype=pg._np.uint8).reshape(2, 10, 5)
                agent.step_u8(img)
                with self.assertRaises(pg.PolicygradError) as e:
                    agent.report_u8(rew, te, tr, img.astype(pg._np.float32))
                self.assertIn("dtype uint8", str(e.exception))
                agent.report_u8(rew, te, tr, img)
            for h in (agent, vec, b, f):
                h.close()

    def test_policy_acts_on_bytes(self):
        with pg.Context() as ctx:
            net = (pg.Net.image(ctx, 6, 5, 1, seed=3).add_conv2d(4, 3, padding="same")
                   .add_flatten().add_categorical_head(3).finalize())
            policy = pg.Policy.from_net(net)
            a, b = policy.session(4), policy.session(4)
            raw = bytes((i * 41) % 256 for i in range(30))
            floats = [v / 255.0 for v in raw]
            for obs in (raw, bytearray(raw), memoryview(raw)):
                self.assertEqual(a.act(floats), b.act_u8(obs))
            self.assertEqual(a.act(floats, deterministic=True),
                             b.act_u8(raw, deterministic=True))
            if pg._np is not None:
                img = pg._np.frombuffer(raw, dtype=pg._np.uint8).reshape(6, 5, 1)
                self.assertEqual(a.act(floats, deterministic=True),
                                 b.act_u8(img, deterministic=True))
                with self.assertRaises(pg.PolicygradError) as e:
                    b.act_u8(img.astype(pg._np.float32))
                self.assertIn("dtype uint8", str(e.exception))
            with self.assertRaises(pg.PolicygradError) as e:
                b.act_u8(raw[:29])
            self.assertEqual(e.exception.status, pg.PG_ERR_SHAPE)
            self.assertIn("obs_len 29 bytes, the policy takes 30", str(e.exception))
            with self.assertRaises(pg.PolicygradError) as e:
                b.act_u8(list(raw))
            self.assertIn("bytes, bytearray", str(e.exception))
            for h in (a, b, policy, net):
                h.close()

    def test_python_pixel_env_conv_agents(self):
        with pg.Context(seed=3) as ctx:
            env = pg.Env.from_python(ctx, PixelCatch(), obs_size=30, n_actions=3, name="pixels")
            env.set_observation_image(6, 5, 1)
            agent = pg.Agent.for_env_trunk(ctx, "actor_critic", env, "small")
            self.assertEqual(pg.trunk_name("small"), "small")
            agent.train(env, 1500)
            self.assertGreater(agent.stat("episodes"), 100)
            template = pg.Net.image(ctx, 6, 5, 1).add_conv2d(4, 3, padding="same").add_flatten()
            agent2 = pg.Agent.from_template(ctx, "reinforce", env, template)
            template.close()
            agent2.train(env, 500)
            with self.assertRaises(pg.PolicygradError) as e:
                pg.Agent.for_env_trunk(ctx, "actor_critic", env, "nips")
            self.assertIn("larger than the input", str(e.exception))
            agent.close()
            agent2.close()
            env.close()

    def test_conv_net_build_forward_save_load(self):
        with pg.Context() as ctx, tempfile.TemporaryDirectory() as tmp:
            net = (pg.Net.image(ctx, 6, 5, 2, max_batch=2, seed=3)
                   .add_conv2d(4, (3, 2), stride=2, padding="same", activation="tanh")
                   .add_flatten().add_categorical_head(3).add_value_head().finalize())
            self.assertEqual(net.output_size("probs"), 3)
            rows = [[(i * 7 + k) % 5 / 5.0 for k in range(60)] for i in range(2)]
            net.forward(rows)
            probs = list(net.get_output("probs"))
            path = os.path.join(tmp, "conv.pgn")
            net.save(path)
            back = pg.Net.load(ctx, path)
            back.forward(rows)
            self.assertEqual(list(back.get_output("probs")), probs)
            with self.assertRaises(pg.PolicygradError) as e:
                pg.Net(ctx, 4, 1).add_conv2d(2, 2)
            self.assertIn("not an image", str(e.exception))
            with self.assertRaises(pg.PolicygradError):
                net.add_conv2d(2, 2, padding="full")


class Errors(unittest.TestCase):
    def test_bad_arguments_carry_the_library_message(self):
        with pg.Context() as ctx:
            with self.assertRaises(pg.PolicygradError) as cm:
                pg.Env.builtin(ctx, "NoSuchTask")
            self.assertEqual(cm.exception.status, pg.PG_ERR_INVALID_ARG)
            self.assertTrue(str(cm.exception).startswith(ctx.last_error), str(cm.exception))
            self.assertIn("NoSuchTask", str(cm.exception))
            self.assertIn("(known: Acrobot-v1, Bounce, CartPole-v1,", str(cm.exception))
            with self.assertRaises(pg.PolicygradError) as cm:
                pg.Net(ctx, 0, 1)
            self.assertIn("input_dim", str(cm.exception))
            net = pg.Net(ctx, 4, 1).add_dense(8).add_categorical_head(2).finalize()
            with self.assertRaises(pg.PolicygradError) as cm:
                net.add_dense(4)
            self.assertEqual(cm.exception.status, pg.PG_ERR_BAD_STATE)
            self.assertEqual(cm.exception.status_name, "PG_ERR_BAD_STATE")
            env = pg.Env.builtin(ctx, "CartPole-v1")
            agent = pg.Agent.for_env(ctx, "reinforce", env)
            with self.assertRaises(pg.PolicygradError) as cm:
                agent.set_param("gamma", 5.0)
            self.assertEqual(cm.exception.status, pg.PG_ERR_OUT_OF_RANGE)
            self.assertIn("gamma", str(cm.exception))
            with self.assertRaises(pg.PolicygradError):
                agent.set_param("no_such_param", 1.0)
            with self.assertRaises(pg.PolicygradError) as cm:
                env.step(0)  # before reset
            self.assertEqual(cm.exception.status, pg.PG_ERR_BAD_STATE)
            env.reset()
            with self.assertRaises(pg.PolicygradError) as cm:
                env.step(7)
            self.assertEqual(cm.exception.status, pg.PG_ERR_OUT_OF_RANGE)
            with self.assertRaises(pg.PolicygradError) as cm:
                agent.step([0.0] * 3)  # wrong length: the library's message
            self.assertEqual(cm.exception.status, pg.PG_ERR_SHAPE)
            self.assertIn("obs_len is 3, expected 4", str(cm.exception))
            with self.assertRaises(pg.PolicygradError):
                pg.Agent.for_env(ctx, "no_such_algorithm", env)
            with self.assertRaises(pg.PolicygradError) as cm:
                pg.Optimizer(pg.Net(ctx, 2, 1), "adam")  # not finalized
            self.assertEqual(cm.exception.status, pg.PG_ERR_BAD_STATE)
            pol = pg.Policy.from_net(net)
            with self.assertRaises(pg.PolicygradError) as cm:
                pol.session().act([float("nan")] * 4)
            self.assertEqual(cm.exception.status, pg.PG_ERR_NUMERIC)
            self.assertTrue(str(cm.exception))

    def test_agent_shape_and_lengths(self):
        with pg.Context(seed=6) as ctx:
            env = pg.Env.builtin(ctx, "CartPole-v1")
            agent = pg.Agent.for_env(ctx, "paac", env, hidden_units=8)
            self.assertEqual(agent.shape(), (4, 1, 2, 32))
            self.assertEqual((agent.observation_size, agent.action_len, agent.n_actions),
                             (4, 1, 2))
            self.assertTrue(agent.discrete)
            agent.set_params(num_envs=2, t_max=2)
            self.assertEqual(agent.shape()[3], 2)
            obs = [[0.01, 0.0, 0.02, 0.0], [0.0, 0.1, 0.0, -0.1]]
            bad_calls = [
                (lambda: agent.step(obs[0]), "pg_agent_step: obs_len is 4, expected 8 (2 slots x 4)"),
                (lambda: agent.step(obs, mask=[1, 1, 1]), "mask_len is 3, expected 4"),
                (lambda: agent.act(obs), "pg_agent_act: obs_len is 8, expected 4 (1 row x 4)"),
                (lambda: agent.act(obs[0], mask=[1]), "mask_len is 1, expected 2"),
            ]
            for call, msg in bad_calls:
                with self.assertRaises(pg.PolicygradError) as cm:
                    call()
                self.assertEqual(cm.exception.status, pg.PG_ERR_SHAPE)
                self.assertIn(msg, str(cm.exception))
            self.assertEqual(agent.step(obs, mask=[[1, 0], [0, 1]]), [0, 1])
            with self.assertRaises(pg.PolicygradError) as cm:
                agent.report([1.0], [0], [0], obs)  # one slot of two
            self.assertIn("pg_agent_report: n is 1, expected 2", str(cm.exception))
            with self.assertRaises(pg.PolicygradError) as cm:
                agent.report([1.0, 1.0], [0, 0], [0], obs)  # caught by the binding
            self.assertEqual(cm.exception.status, pg.PG_ERR_SHAPE)
            with self.assertRaises(pg.PolicygradError) as cm:
                agent.report([1.0, 1.0], [0, 0], [0, 0], obs[0])
            self.assertIn("next_obs_len is 4, expected 8", str(cm.exception))
            agent.report([1.0, 1.0], [0, 1], [0, 0], obs)  # still awaited: accepted
            self.assertFalse(agent.update())
            self.assertEqual(len(agent.step(obs)), 2)
            agent.report([1.0, 1.0], [0, 0], [0, 0], obs)
            self.assertTrue(agent.update())
            self.assertEqual(agent.stat("total_steps"), 4)
            self.assertEqual(agent.stat("episodes"), 1)
            pend = pg.Env.builtin(ctx, "Pendulum-v1")
            cont = pg.Agent.for_env(ctx, "reinforce", pend, hidden_units=8)
            self.assertEqual(cont.shape(), (3, 1, 0, 1))
            self.assertFalse(cont.discrete)
            self.assertEqual(len(cont.act([0.1, 0.2, 0.3])), 1)
            a3c = pg.Agent.for_env(ctx, "a3c", env, hidden_units=8)
            w = a3c.create_worker()
            self.assertEqual(w.shape(), (4, 1, 2, 1))
            with self.assertRaises(pg.PolicygradError) as cm:
                w.step([0.0] * 5)
            self.assertIn("pg_agent_step: obs_len is 5, expected 4 (1 slot x 4)", str(cm.exception))
            self.assertIn(w.step([0.0] * 4)[0], (0, 1))
            w.close()
            for h in (a3c, cont, pend, agent, env):
                h.close()

    def test_exception_in_env_callback_stops_training(self):
        with pg.Context(seed=6) as ctx:
            bad = corridor_env(ctx, factory=False, fail_at_step=30)
            agent = pg.Agent.for_env(ctx, "actor_critic", bad, hidden_units=16)
            with self.assertRaises(pg.PolicygradError) as cm:
                agent.train(bad, 10_000)
            self.assertEqual(cm.exception.status, pg.PG_ERR_CALLBACK)
            self.assertIsInstance(cm.exception.__cause__, RuntimeError)
            self.assertIn("exploded", str(cm.exception.__cause__))
            self.assertIn("corridor", str(cm.exception))  # the library names the env
            # ... followed by the original exception
            self.assertIn("(the Python callback raised RuntimeError: corridor exploded at step 30)",
                          str(cm.exception))
            self.assertIsNone(ctx._pending)
            # the process and the agent stay usable: train again on a good env
            good = corridor_env(ctx)
            agent.train(good, 500)
            self.assertGreater(agent.stat("total_steps"), 0)
            # direct env calls too
            bad2 = corridor_env(ctx, factory=False, fail_at_step=1)
            bad2.reset()
            with self.assertRaises(pg.PolicygradError) as cm:
                bad2.step(1)
            self.assertIsInstance(cm.exception.__cause__, RuntimeError)
            bad2.reset()  # abandoned episode: reset works again

    def test_bad_values_from_python_env(self):
        class Broken(Corridor):
            def reset(self, seed=None):
                return [1.0, 2.0], {}  # wrong length

        with pg.Context() as ctx:
            env = pg.Env.from_python(ctx, Broken(), obs_size=5, n_actions=2)
            with self.assertRaises(pg.PolicygradError) as cm:
                env.reset()
            self.assertIsInstance(cm.exception.__cause__, ValueError)

    def test_exception_in_progress_callback(self):
        with pg.Context(seed=7) as ctx:
            env = pg.Env.builtin(ctx, "CartPole-v1", seed=7)
            agent = pg.Agent.for_env(ctx, "reinforce", env)

            def progress(a):
                raise KeyError("stop here")

            with self.assertRaises(pg.PolicygradError) as cm:
                agent.train(env, 10_000, progress)
            self.assertIsInstance(cm.exception.__cause__, KeyError)
            agent.train(env, 1_000)  # usable afterwards


class GymStyle:
    """A Gymnasium-style corridor (reset -> (obs, info), step -> 5 values)
    that truncates by itself after `limit` steps; `api` picks what reset and
    step return: "gymnasium", "gym" (4-value step, TimeLimit.truncated in
    info, bare reset obs) or "list" (lists instead of tuples)."""

    N = 5

    def __init__(self, api="gymnasium", limit=8):
        self.api, self.limit = api, limit
        self.s = self.t = 0
        self.seeds = []

    def _obs(self):
        return [1.0 if i == self.s else 0.0 for i in range(self.N)]

    def reset(self, seed=None):
        self.seeds.append(seed)
        self.s = self.t = 0
        if self.api == "gym":
            return self._obs()
        if self.api == "list":
            return [self._obs(), {}]
        return self._obs(), {}

    def step(self, action):
        self.t += 1
        self.s = min(self.N - 1, self.s + 1) if action == 1 else max(0, self.s - 1)
        term, trunc = self.s == self.N - 1, self.t >= self.limit and self.s != self.N - 1
        if self.api == "gym":
            return self._obs(), -1.0, term or trunc, {"TimeLimit.truncated": trunc} if trunc else {}
        if self.api == "list":
            return [self._obs(), -1.0, term, trunc, {}]
        return self._obs(), -1.0, term, trunc, {}


class Adapter(unittest.TestCase):
    """Env.from_python reads Gymnasium's API, old Gym only when asked."""

    def _env(self, ctx, obj, **kw):
        return pg.Env.from_python(ctx, obj, obs_size=GymStyle.N, n_actions=2, name="gymstyle", **kw)

    def _truncate(self, env):
        env.reset()
        for _ in range(7):
            _o, _r, term, trunc = env.step(0)
            self.assertFalse(term or trunc)
        return env.step(0)

    def test_four_value_step_is_rejected_with_a_clear_message(self):
        with pg.Context() as ctx:
            env = self._env(ctx, GymStyle("gym"), old_gym=False)
            with self.assertRaises(pg.PolicygradError) as cm:
                env.reset()  # a bare observation
            self.assertIn("GymStyle.reset() returned a list of 5 values, not a pair (obs, info)",
                          str(cm.exception))
            self.assertIn("old_gym=True", str(cm.exception))

            class ResetOk(GymStyle):
                def reset(self, seed=None):
                    return GymStyle.reset(self, seed), {}

            env = self._env(ctx, ResetOk("gym"))
            env.reset()
            with self.assertRaises(pg.PolicygradError) as cm:
                env.step(1)
            e = cm.exception
            self.assertEqual(e.status, pg.PG_ERR_CALLBACK)
            self.assertIsInstance(e.__cause__, TypeError)
            msg = ("ResetOk.step() returned 4 values; Gymnasium's step returns 5 (obs, reward, "
                   "terminated, truncated, info); pass old_gym=True to Env.from_python for the "
                   "old Gym API")
            self.assertIn(msg, str(e.__cause__))
            self.assertIn(msg, str(e))  # the original message, after the library's
            self.assertIn("environment 'gymstyle'", str(e))
            agent = pg.Agent.for_env(ctx, "reinforce", env, hidden_units=8)
            with self.assertRaises(pg.PolicygradError) as cm:
                agent.train(env, 1000)
            self.assertIn(msg, str(cm.exception))
            self.assertEqual(agent.stat("episodes"), 0)

    def test_five_values_and_explicit_old_gym_reach_the_library_truncated(self):
        with pg.Context(seed=3) as ctx:
            for api, kw in (("gymnasium", {}), ("list", {}), ("gym", {"old_gym": True}),
                            ("gymnasium", {"old_gym": True})):
                env = self._env(ctx, GymStyle(api), **kw)
                _o, r, term, trunc = self._truncate(env)
                self.assertEqual((r, term, trunc), (-1.0, False, True), api)
                env.reset()
                for _ in range(4):
                    _o, _r, term, trunc = env.step(1)
                self.assertEqual((term, trunc), (True, False), api)
                # learning works: episodes end by truncation and by reaching the goal
                agent = pg.Agent.for_env(ctx, "actor_critic", env, hidden_units=16)
                agent.set_params(seed=3, lr=0.01, value_lr=0.02)
                agent.train(env, 20_000, lambda a: a.stat("episodes") >= 50
                            and a.stat("mean_return_100") >= -5.5)
                self.assertGreaterEqual(agent.stat("mean_return_100"), -5.5, (api, agent.stats()))
                self.assertEqual(agent.evaluate(env, 2)[0], -4.0)
                agent.close()
                env.close()

    def test_bad_values_name_the_method_and_the_expectation(self):
        keep = object()

        def env_returning(step=keep, reset=None):
            class Broken(GymStyle):
                pass
            if step is not keep:
                Broken.step = lambda self, a: step
            if reset is not None:
                Broken.reset = lambda self, seed=None: reset
            return Broken()

        ok_obs = [0.0] * 5
        cases = [
            ((ok_obs, "1", False, False, {}), TypeError,
             "Broken.step() returned reward '1' (str); expected a real number"),
            ((ok_obs, None, False, False, {}), TypeError, "returned reward None (NoneType)"),
            (([0.0] * 3, 1.0, False, False, {}), ValueError,
             "Broken.step() returned an observation of 3 values; expected 5 (obs_size)"),
            (([0.0, "x", 0, 0, 0], 1.0, False, False, {}), TypeError,
             "Broken.step() returned observation[1] = 'x' (str); expected a number"),
            (({"pos": 1}, 1.0, False, False, {}), TypeError, "returned dict as the observation"),
            ((ok_obs, 1.0, False, {}, {}), TypeError,
             "Broken.step() returned truncated={} (dict); expected a bool"),
            ((ok_obs, 1.0, "no", False, {}), TypeError, "returned terminated='no' (str)"),
            ((ok_obs, 1.0, False), TypeError, "Broken.step() returned 3 values; expected 5"),
            (None, TypeError, "Broken.step() returned a NoneType; expected a tuple"),
        ]
        with pg.Context() as ctx:
            for ret, exc_type, msg in cases:
                env = self._env(ctx, env_returning(step=ret))
                env.reset()
                with self.assertRaises(pg.PolicygradError) as cm:
                    env.step(0)
                self.assertEqual(cm.exception.status, pg.PG_ERR_CALLBACK, msg)
                self.assertIsInstance(cm.exception.__cause__, exc_type, msg)
                self.assertIn(msg, str(cm.exception))
                env.reset()  # usable again
                env.close()
            # NaN: the library's check (PG_ERR_NUMERIC)
            env = self._env(ctx, env_returning(step=(ok_obs, float("nan"), False, False, {})))
            env.reset()
            with self.assertRaises(pg.PolicygradError) as cm:
                env.step(0)
            self.assertEqual(cm.exception.status, pg.PG_ERR_NUMERIC)
            self.assertIn("step returned reward nan", str(cm.exception))
            env = self._env(ctx, env_returning(reset=([0.0, float("inf"), 0, 0, 0], {})))
            with self.assertRaises(pg.PolicygradError) as cm:
                env.reset()
            self.assertEqual(cm.exception.status, pg.PG_ERR_NUMERIC)
            env = self._env(ctx, env_returning(reset=([0.0] * 4, {})))
            with self.assertRaises(pg.PolicygradError) as cm:
                env.reset()
            self.assertIn("Broken.reset() returned an observation of 4 values; expected 5",
                          str(cm.exception))
            # actions the user hands to Env.step
            env = pg.Env.builtin(ctx, "CartPole-v1")
            env.reset()
            for bad in ("1", 1.5, None, [0, 1]):
                with self.assertRaises(pg.PolicygradError) as cm:
                    env.step(bad)
                self.assertIn("Env.step: action", str(cm.exception))
            env.step(1)
            # observations the user hands to an agent
            agent = pg.Agent.for_env(ctx, "reinforce", env, hidden_units=8)
            with self.assertRaises(pg.PolicygradError) as cm:
                agent.act([0.0, "x", 0.0, 0.0])
            self.assertEqual(cm.exception.status, pg.PG_ERR_INVALID_ARG)
            self.assertIn("pg_agent_act obs: value 1 is 'x' (str), not a number", str(cm.exception))

    def test_numpy_values_are_accepted(self):
        try:
            import numpy as np
        except ImportError:
            self.skipTest("numpy is not installed")

        class NumpyStyle(GymStyle):
            def reset(self, seed=None):
                obs, info = GymStyle.reset(self, seed)
                return np.asarray(obs, dtype=np.float64), info

            def step(self, action):
                obs, r, te, tr, info = GymStyle.step(self, int(action))
                return np.asarray(obs), np.float32(r), np.bool_(te), np.bool_(tr), info

        with pg.Context() as ctx:
            env = self._env(ctx, NumpyStyle())
            self.assertEqual(self._truncate(env)[1:], (-1.0, False, True))

            class WrongSize(NumpyStyle):
                def step(self, action):
                    return np.zeros(4), 0.0, False, False, {}

            env = self._env(ctx, WrongSize())
            env.reset()
            with self.assertRaises(pg.PolicygradError) as cm:
                env.step(0)
            self.assertIn("WrongSize.step() returned an observation of 4 values; expected 5",
                          str(cm.exception))


class Names(unittest.TestCase):
    def test_unknown_names_list_the_valid_ones(self):
        with pg.Context() as ctx:
            env = pg.Env.builtin(ctx, "CartPole-v1")
            agent = pg.Agent.for_env(ctx, "reinforce", env, hidden_units=8)
            cases = [
                (lambda: pg.Agent.for_env(ctx, "trpo", env),
                 "unknown algorithm 'trpo' (known: a3c, actor_critic, async_n_step_q,"),
                (lambda: agent.set_param("learning_rate", 1e-3),
                 "unknown parameter 'learning_rate' (known: "),
                (lambda: agent.get_param("gama"), "entropy_beta, epsilon_anneal_steps, eval_max_episode_steps, gae_lambda, gamma,"),
                (lambda: pg.param_from_name("gama"), "clip_norm"),
                (lambda: agent.stat("mean_return"), "mean_return_100"),
                (lambda: pg.Optimizer(pg.Net(ctx, 4, 1).add_dense(4).add_value_head().finalize(),
                                      "adagrad"), "(known: adam, rmsprop, sgd)"),
                (lambda: pg.Optimizer.param_from_name("learning_rate"),
                 "unknown optimizer parameter 'learning_rate' (known: beta1, beta2, clip_norm, "
                 "decay, epsilon, lr, momentum)"),
                (lambda: pg.Env.builtin(ctx, "CartPol-v1"), "(known: Acrobot-v1, Bounce, CartPole-v1,"),
                (lambda: pg.Agent.for_env(ctx, None, env), "algorithm must be a name or an int"),
                (lambda: agent.set_param("gamma", "0.9"), "must be a number"),
            ]
            for call, msg in cases:
                with self.assertRaises(pg.PolicygradError) as cm:
                    call()
                self.assertEqual(cm.exception.status, pg.PG_ERR_INVALID_ARG, msg)
                self.assertIn(msg, str(cm.exception))
            self.assertIn("lr", pg.PARAMS)
            self.assertEqual(pg.OPTIM_PARAMS["lr"], pg.PG_OPTIM_LR)


def replay_program_lines():
    """The output of tests/seed_replay.c (None when ctest did not say where)."""
    prog = os.environ.get("PG_SEED_REPLAY")
    if not prog:
        return None
    return subprocess.run([prog], check=True, stdout=subprocess.PIPE,
                          universal_newlines=True).stdout.splitlines()


class Seeds(unittest.TestCase):
    def test_python_replays_the_c_program_bit_for_bit(self):
        lines = replay_program_lines()
        if lines is None:
            self.skipTest("PG_SEED_REPLAY (the seed_replay program, set by ctest) is not set")
        seeds = [int(x.split()[1], 16) for x in lines if x.startswith("seed ")]
        c_lines = [x for x in lines if not x.startswith("seed ")]
        tasks = []
        for x in c_lines:
            t = x.split()[1] if x.startswith("builtin ") else None
            if t and t not in tasks:
                tasks.append(t)
        self.assertEqual(seeds[0], 0xFEDCBA9876543210)
        self.assertGreater(len(c_lines), 20)
        fbits = lambda v: "%08x" % struct.unpack("<I", struct.pack("<f", v))[0]  # noqa: E731
        out = []
        with pg.Context() as ctx:
            for seed in seeds:
                for task in tasks:
                    env = pg.Env.builtin(ctx, task, seed)
                    for k in range(2):
                        obs = [float(v) for v in env.reset()]
                        out.append(" ".join(["builtin", task, "%016x" % seed, str(k)]
                                            + [fbits(v) for v in obs]))
                    env.close()
                made = []

                class Recorder:
                    def __init__(self, index, create_seed):
                        self.index, self.create_seed, self.resets = index, create_seed, []
                        made.append(self)

                    def reset(self, seed=None):
                        self.resets.append(seed)
                        return [0.0], {}

                    def step(self, action):
                        return [0.0], 0.0, True, False, {}

                root = Recorder(-1, 0)
                env = pg.Env.from_python(ctx, root, obs_size=1, n_actions=2, name="replay",
                                         factory=lambda i, s: Recorder(i, s))
                env.set_seed(seed)
                for k in range(2):
                    env.reset()
                    out.append("host %016x %d %016x" % (seed, k, root.resets[k]))
                clone = env.clone(3, seed)
                clone.reset()
                c = made[-1]
                out.append("clone %016x %d create %016x reset %016x"
                           % (seed, c.index, c.create_seed, c.resets[0]))
                clone.close()
                first = len(made)
                vec = pg.VecEnv(env, 3, 1, seed)
                vec.reset()
                for r in made[first:]:
                    out.append("vec %016x %d create %016x reset %016x"
                               % (seed, r.index, r.create_seed, r.resets[0]))
                vec.close()
                env.close()
                with pg.Context(seed=seed) as sctx:
                    self.assertEqual(sctx.seed, seed)
                    rec = Recorder(-1, 0)
                    senv = pg.Env.from_python(sctx, rec, obs_size=1, n_actions=2)
                    senv.reset()
                    out.append("ctx %016x %016x" % (seed, rec.resets[0]))
                    senv.close()
        for i, (want, got) in enumerate(zip(c_lines, out)):
            self.assertEqual(got, want, "line %d" % (i + 1))
        self.assertEqual(len(out), len(c_lines))

    def test_seed_arguments_are_checked(self):
        with pg.Context() as ctx:
            def first_obs(seed):
                env = pg.Env.builtin(ctx, "CartPole-v1", seed)
                obs = list(env.reset())
                env.close()
                return obs
            self.assertEqual(first_obs(-1), first_obs(2 ** 64 - 1))
            self.assertEqual(first_obs(7.0), first_obs(7))
            for bad, status, msg in ((1.5, pg.PG_ERR_INVALID_ARG, "seed 1.5 is not an integer"),
                                     (2 ** 64, pg.PG_ERR_OUT_OF_RANGE, "does not fit in 64 bits"),
                                     (2.0 ** 60, pg.PG_ERR_OUT_OF_RANGE, "pass an int"),
                                     (-2 ** 63 - 1, pg.PG_ERR_OUT_OF_RANGE, "does not fit"),
                                     ("7", pg.PG_ERR_INVALID_ARG, "seed must be an int, got '7'"),
                                     (float("nan"), pg.PG_ERR_INVALID_ARG, "not an integer")):
                with self.assertRaises(pg.PolicygradError) as cm:
                    pg.Env.builtin(ctx, "CartPole-v1", bad)
                self.assertEqual(cm.exception.status, status)
                self.assertIn(msg, str(cm.exception))
            with self.assertRaises(pg.PolicygradError):
                pg.Rng(ctx, 1, 0.5)
            with self.assertRaises(pg.PolicygradError):
                ctx.seed = 2 ** 64


class Lifetimes(unittest.TestCase):
    def _make(self):
        ctx = pg.Context(seed=1)
        env = pg.Env.builtin(ctx, "CartPole-v1")
        pyenv = corridor_env(ctx)
        pol = pg.Net(ctx, 4, 4).add_dense(8).add_categorical_head(2).finalize()
        val = pg.Net(ctx, 4, 4).add_dense(8).add_value_head().finalize()
        agent = pg.Agent(ctx, "actor_critic", pol, val)
        agent.train(env, 50)
        opt = pg.Optimizer(val, "adam")
        policy = pg.Policy.from_net(pol)
        sess = policy.session()
        own = pg.Agent.for_env(ctx, "paac", env, 8)
        view = own.net(0)
        vec = pg.VecEnv(pyenv, 2, 1)
        return [ctx, env, pyenv, pol, val, agent, opt, policy, sess, own, view, vec]

    def test_close_in_any_order(self):
        gc.collect()
        before = len(pg._INSTANCES)
        n = len(self._make())
        rnd = random.Random(1234)  # fixed: deterministic orders
        orders = [list(range(n)), list(reversed(range(n)))]
        for _ in range(60):
            order = list(range(n))
            rnd.shuffle(order)
            orders.append(order)
        for order in orders:
            objs = self._make()
            for i in order:
                objs[i].close()
                objs[i].close()  # idempotent
        gc.collect()
        self.assertEqual(len(pg._INSTANCES), before)

    def test_garbage_collection_in_any_order(self):
        for order in [range(12), reversed(range(12)), [5, 3, 0, 9, 4, 7, 1, 11, 2, 8, 10, 6]]:
            objs = self._make()
            for i in order:
                objs[i] = None
                gc.collect()

    def test_borrowed_net_outlives_its_agent(self):
        ctx = pg.Context()
        env = pg.Env.builtin(ctx, "CartPole-v1")
        pol = pg.Net(ctx, 4, 4).add_dense(8).add_categorical_head(2).finalize()
        agent = pg.Agent(ctx, "reinforce", pol)
        pol.close()          # deferred: the agent borrows it
        ctx.close()          # deferred by the library
        agent.train(env, 200)
        self.assertFalse(pol.closed)
        agent.close()        # now the net goes too
        self.assertTrue(pol.closed)
        view_owner = pg.Agent.for_env(pg.Context(), "reinforce", pg.Env.builtin(pg.Context(), "CartPole-v1"))
        view = view_owner.net(0)
        view_owner.close()
        with self.assertRaises(pg.PolicygradError):
            view.param_count
        env.close()


class ExportC(unittest.TestCase):
    def test_export_c(self):
        with pg.Context(seed=3) as ctx, tempfile.TemporaryDirectory() as tmp:
            env = pg.Env.builtin(ctx, "CartPole-v1", seed=3)
            agent = pg.Agent.for_env(ctx, "actor_critic", env)
            pol = pg.Policy.from_agent(agent)
            text = pol.export_c_text("cartpole")
            self.assertIn("int cartpole_act(const float *obs", text)
            self.assertIn("#ifdef CARTPOLE_IMPLEMENTATION", text)
            self.assertEqual(text, pol.export_c_text("cartpole"))
            self.assertNotIn("#include \"cartpole.h\"", text)
            self.assertIn("#include \"cartpole.h\"",
                          pol.export_c_text("cartpole", pg.PG_EXPORT_C_SOURCE))
            h, c = os.path.join(tmp, "cp.h"), os.path.join(tmp, "cp.c")
            pol.export_c("cartpole", h, c)
            with open(c) as f:
                self.assertIn("#include \"cp.h\"", f.read())
            agent.export_c("cartpole", os.path.join(tmp, "one.h"))
            with open(os.path.join(tmp, "one.h")) as f:
                self.assertEqual(f.read(), text)
            self.assertIn(pg.export_c_fused_mode(), (0, 1))
            self.assertIn("static const signed char cartpole_l0_w_q[",
                          pol.export_c_text("cartpole", int8=True))
            with self.assertRaisesRegex(pg.PolicygradError, "not a C identifier"):
                pol.export_c_text("9lives")


if __name__ == "__main__":
    unittest.main(verbosity=2)
