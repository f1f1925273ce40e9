/* Agent checkpoints (kind 3, docs/FORMAT.md): pg_agent_save_* and
** pg_agent_load_*, and pg_policy_from_agent.
**
** Sections: AGNT (algorithm, feature bits, net count, optimizer kind),
** NETP / NETV (each body is a whole net checkpoint, written and read by
** net_io.c through pg_net_save_cb / pg_net_load_memory), PARS (accepted
** parameters, and 0.1.0's user-set bits for the parameters below 32), USET
** (every user-set parameter; absent in 0.1.0 files), RNGS (the agent's
** stream), STAT (counters and the last-100 window), OPTP / OPTV (optimizer
** statistics, once the optimizers exist), ALGO (the algorithm's own state,
** written and read by its pg__algo_ops save_state / load_state: the
** asynchronous family's target network and exploration).
**
** What is saved is the state that survives pg_agent_train's clear():
** partial episodes and rollout segments are dropped, so a loaded agent
** starts new episodes (docs/FORMAT.md, "Resume"). Loading validates every
** section before it builds anything, then builds the agent through
** pg_agent_create and fills it in; it returns the agent only when
** everything succeeded. */
#include "agents/pg_agent_internal.h"
#include "pg_serial.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TAG_AGNT PG__TAG('A', 'G', 'N', 'T')
#define TAG_NETP PG__TAG('N', 'E', 'T', 'P')
#define TAG_NETV PG__TAG('N', 'E', 'T', 'V')
#define TAG_PARS PG__TAG('P', 'A', 'R', 'S')
#define TAG_RNGS PG__TAG('R', 'N', 'G', 'S')
#define TAG_STAT PG__TAG('S', 'T', 'A', 'T')
#define TAG_OPTP PG__TAG('O', 'P', 'T', 'P')
#define TAG_OPTV PG__TAG('O', 'P', 'T', 'V')
#define TAG_USET PG__TAG('U', 'S', 'E', 'T')
#define TAG_ALGO PG__TAG('A', 'L', 'G', 'O')
#define TAG_ONRM PG__TAG('O', 'N', 'R', 'M')
#define TAG_SQSH PG__TAG('S', 'Q', 'S', 'H')

/* AGNT feature bits: state a reader must understand to resume correctly.
** A reader refuses bits it does not know with PG_ERR_VERSION. */
#define FEATURE_OBS_NORM 1u /* an ONRM section: observation normalization */
#define FEATURE_SQUASH 2u   /* squash = 1 and an SQSH section: the bounds it maps into */
#define FEATURES_KNOWN (FEATURE_OBS_NORM | FEATURE_SQUASH)

/* ---- save --------------------------------------------------------------- */

/* A net checkpoint streamed into the enclosing section's writer. */
static int fwd_write(void *user, const void *data, size_t size) {
  pg__writer *w = user;
  pg__w_bytes(w, data, size);
  return w->failed ? -1 : 0;
}

static void net_body(pg__writer *w, const void *obj) {
  (void)pg_net_save_cb(obj, fwd_write, w); /* a failure shows in w->failed */
}

static uint32_t n_params_of(const pg_agent *a) {
  uint32_t n = 0;
  for (const pg__param_default *d = a->ops->params; d->param; d++) n++;
  return n;
}

/* SQSH: a continuous agent's squash bounds when they are not [-1, 1] (the
** env's, from pg_agent_create_for_env*); needed by squash = 1. */
static bool needs_sqsh(const pg_agent *a) {
  for (size_t i = 0; !a->discrete && i < a->n_actions; i++)
    if (a->squash_bounds[i] != -1.0f || a->squash_bounds[a->n_actions + i] != 1.0f) return true;
  return false;
}

static void sqsh_body(pg__writer *w, const void *obj) {
  const pg_agent *a = obj;
  pg__squash_rec q = {a->squash_bounds, a->n_actions};
  pg__squash_write(w, &q);
}

static void agnt_body(pg__writer *w, const void *obj) {
  const pg_agent *a = obj;
  pg__w_u32(w, (uint32_t)a->algorithm);
  pg__w_u32(w, (pg__obs_norm_on(a) ? FEATURE_OBS_NORM : 0u) |
                   (pg__agent_squashes(a) && needs_sqsh(a) ? FEATURE_SQUASH : 0u));
  pg__w_u32(w, a->vnet ? 2u : 1u);
  pg__w_u32(w, a->opt ? (uint32_t)a->opt_kind : 0u);
}

/* PARS keeps 0.1.0's 32-bit user-set mask for the parameters numbered below
** 32 (so that 0.1.0 reads the file); USET lists every user-set parameter. */
static void pars_body(pg__writer *w, const void *obj) {
  const pg_agent *a = obj;
  uint32_t mask = 0;
  for (const pg__param_default *d = a->ops->params; d->param; d++)
    if (a->user_set[d->param] && (uint32_t)d->param < 32) mask |= 1u << (uint32_t)d->param;
  pg__w_u32(w, mask);
  pg__w_u32(w, n_params_of(a));
  for (const pg__param_default *d = a->ops->params; d->param; d++) {
    pg__w_u32(w, (uint32_t)d->param);
    pg__w_f64(w, a->param[d->param]);
  }
}

/* USET is written unless the file is one 0.1.0 can read as a whole: a
** synchronous algorithm (no ALGO section) whose parameters are all numbered
** below 32, so that PARS's mask says which ones the caller set. */
static bool needs_uset(const pg_agent *a) {
  if (a->ops->save_state) return true;
  for (const pg__param_default *d = a->ops->params; d->param; d++)
    if ((uint32_t)d->param >= 32) return true;
  return false;
}

static void uset_body(pg__writer *w, const void *obj) {
  const pg_agent *a = obj;
  uint32_t n = 0;
  for (const pg__param_default *d = a->ops->params; d->param; d++) n += a->user_set[d->param];
  pg__w_u32(w, n);
  for (const pg__param_default *d = a->ops->params; d->param; d++)
    if (a->user_set[d->param]) pg__w_u32(w, (uint32_t)d->param);
}

static void rngs_body(pg__writer *w, const void *obj) {
  const pg_agent *a = obj;
  for (int i = 0; i < 4; i++) pg__w_u64(w, a->rng.s[i]);
}

static void stat_body(pg__writer *w, const void *obj) {
  const pg_agent *a = obj;
  pg__w_u64(w, a->episodes);
  pg__w_u64(w, a->total_steps);
  pg__w_u64(w, a->updates);
  pg__w_u64(w, a->last_length);
  pg__w_f64(w, a->last_return);
  pg__w_f64(w, a->policy_loss);
  pg__w_f64(w, a->value_loss);
  pg__w_f64(w, a->entropy);
  pg__w_u32(w, (uint32_t)a->ring_n);
  pg__w_u32(w, (uint32_t)a->ring_pos);
  for (int i = 0; i < a->ring_n; i++) pg__w_f64(w, a->ring[i]);
}

static void optim_body(pg__writer *w, const void *obj) {
  pg_optim *o = (pg_optim *)(uintptr_t)obj;
  pg_optim_kind kind;
  size_t count;
  uint64_t *t;
  const float *state = pg__optim_state(o, &kind, &count, &t);
  pg__w_u32(w, (uint32_t)kind);
  pg__w_u32(w, 0u);
  pg__w_u64(w, *t);
  pg__w_u64(w, count);
  pg__w_f32s(w, state, count);
}

static void agent_ckpt(pg__writer *w, const void *obj) {
  const pg_agent *a = obj;
  uint32_t n = 5 + (a->vnet ? 1 : 0) + (a->opt ? 1 : 0) + (a->vopt ? 1 : 0) +
               (needs_uset(a) ? 1 : 0) + (a->ops->save_state ? 1 : 0) +
               (pg__obs_norm_on(a) ? 1 : 0) + (needs_sqsh(a) ? 1 : 0);
  pg__w_header(w, PG__KIND_AGENT, n);
  pg__w_section(w, TAG_AGNT, agnt_body, a);
  pg__w_section(w, TAG_NETP, net_body, a->net);
  if (a->vnet) pg__w_section(w, TAG_NETV, net_body, a->vnet);
  pg__w_section(w, TAG_PARS, pars_body, a);
  if (needs_uset(a)) pg__w_section(w, TAG_USET, uset_body, a);
  pg__w_section(w, TAG_RNGS, rngs_body, a);
  pg__w_section(w, TAG_STAT, stat_body, a);
  if (a->opt) pg__w_section(w, TAG_OPTP, optim_body, a->opt);
  if (a->vopt) pg__w_section(w, TAG_OPTV, optim_body, a->vopt);
  if (a->ops->save_state) pg__w_section(w, TAG_ALGO, a->ops->save_state, a);
  if (pg__obs_norm_on(a)) pg__w_section(w, TAG_ONRM, pg__obs_norm_write, a);
  if (needs_sqsh(a)) pg__w_section(w, TAG_SQSH, sqsh_body, a);
}

static pg_status check_save(const pg_agent *a, const char *fn) {
  if (a->ops->check_save) {
    pg_status st = a->ops->check_save(a, fn);
    if (st != PG_OK) return st;
  }
  if (a->phase != PG__PHASE_READY)
    return pg__fail(a->ctx, PG_ERR_BAD_STATE,
                    "%s: a step awaits pg_agent_report; save between steps", fn);
  if (a->algo && !a->dirty && a->ops->update_due(a))
    return pg__fail(a->ctx, PG_ERR_BAD_STATE,
                    "%s: an update is due: call pg_agent_update before saving", fn);
  if (a->opt && (a->vnet != NULL) != (a->vopt != NULL))
    return pg__fail(a->ctx, PG_ERR_INTERNAL, "%s: optimizers do not match the nets", fn);
  return PG_OK;
}

/* White-box entry for tests: the file save with substitute file calls. */
pg_status pg__agent_save_file_io(const pg_agent *agent, const char *path,
                                 const pg__file_io *io);
pg_status pg__agent_save_file_io(const pg_agent *agent, const char *path,
                                 const pg__file_io *io) {
  static const char fn[] = "pg_agent_save_file";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!path) return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: path is NULL", fn);
  pg_status st = check_save(agent, fn);
  if (st != PG_OK) return st;
  return pg__ckpt_save_file(agent->ctx, fn, agent_ckpt, agent, path, io);
}

pg_status pg_agent_save_file(const pg_agent *agent, const char *path) {
  return pg__agent_save_file_io(agent, path, NULL);
}

pg_status pg_agent_save_cb(const pg_agent *agent, pg_write_fn write, void *user) {
  static const char fn[] = "pg_agent_save_cb";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!write) return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: write is NULL", fn);
  pg_status st = check_save(agent, fn);
  if (st != PG_OK) return st;
  return pg__ckpt_save_cb(agent->ctx, fn, agent_ckpt, agent, write, user);
}

pg_status pg_agent_save_memory(const pg_agent *agent, void *buf, size_t capacity,
                               size_t *out_size) {
  static const char fn[] = "pg_agent_save_memory";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!out_size)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: out_size is NULL", fn);
  pg_status st = check_save(agent, fn);
  if (st != PG_OK) return st;
  return pg__ckpt_save_memory(agent->ctx, fn, agent_ckpt, agent, buf, capacity, out_size);
}

/* ---- load --------------------------------------------------------------- */

#define FAIL(...) return pg__fail(ctx, PG_ERR_FORMAT, __VA_ARGS__)

enum { S_AGNT, S_NETP, S_NETV, S_PARS, S_RNGS, S_STAT, S_OPTP, S_OPTV, S_USET, S_ALGO, S_ONRM,
       S_SQSH, S_COUNT };
static const uint32_t section_tag[S_COUNT] = {TAG_AGNT, TAG_NETP, TAG_NETV, TAG_PARS,
                                              TAG_RNGS, TAG_STAT, TAG_OPTP, TAG_OPTV,
                                              TAG_USET, TAG_ALGO, TAG_ONRM, TAG_SQSH};

typedef struct image {
  pg__reader sec[S_COUNT];
  bool have[S_COUNT];
  uint32_t algorithm, n_nets, opt_kind, features;
} image;

/* Re-records the context's message (from a nested call) with fn in front. */
static pg_status refail(pg_ctx *ctx, pg_status st, const char *fn, const char *what) {
  char msg[200];
  snprintf(msg, sizeof msg, "%s", pg_ctx_last_error(ctx));
  return pg__fail(ctx, st, "%s: %s: %s", fn, what, msg);
}

static pg_status read_sections(pg_ctx *ctx, const char *fn, pg__reader *r, uint32_t n,
                               image *im) {
  if (n > r->left / 16) FAIL("%s: %u sections cannot fit in %zu bytes", fn, n, r->left);
  for (uint32_t s = 0; s < n; s++) {
    uint32_t tag;
    pg__reader body;
    pg_status st = pg__r_section(ctx, fn, r, &tag, &body);
    if (st != PG_OK) return st;
    for (int k = 0; k < S_COUNT; k++) {
      if (tag != section_tag[k]) continue;
      char name[5];
      pg__tag_name(tag, name);
      if (im->have[k]) FAIL("%s: duplicate %s section", fn, name);
      im->have[k] = true;
      im->sec[k] = body;
    } /* other tags: skipped (docs/FORMAT.md) */
  }
  if (r->left) FAIL("%s: %zu bytes after the last section", fn, r->left);
  static const int required[] = {S_AGNT, S_NETP, S_PARS, S_RNGS, S_STAT};
  for (size_t i = 0; i < sizeof required / sizeof *required; i++)
    if (!im->have[required[i]]) {
      char name[5];
      pg__tag_name(section_tag[required[i]], name);
      FAIL("%s: missing %s section", fn, name);
    }
  return PG_OK;
}

static pg_status read_agnt(pg_ctx *ctx, const char *fn, image *im) {
  pg__reader r = im->sec[S_AGNT];
  im->algorithm = pg__r_u32(&r);
  uint32_t features = pg__r_u32(&r);
  im->features = features;
  im->n_nets = pg__r_u32(&r);
  im->opt_kind = pg__r_u32(&r);
  if (r.bad || r.left) FAIL("%s: AGNT section has %s bytes", fn, r.bad ? "too few" : "extra");
  const pg__algo_ops *ops = pg__algo_lookup((pg_algorithm)im->algorithm);
  if (!ops) FAIL("%s: AGNT: unknown algorithm %u", fn, im->algorithm);
  if (im->have[S_ALGO] && !ops->save_state)
    FAIL("%s: unexpected ALGO section for '%s'", fn,
         pg_algorithm_name((pg_algorithm)im->algorithm));
  if (!im->have[S_ALGO] && ops->save_state)
    return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                    "%s: a '%s' checkpoint needs its ALGO section (the algorithm's own state)",
                    fn, pg_algorithm_name((pg_algorithm)im->algorithm));
  if (features & ~FEATURES_KNOWN)
    return pg__fail(ctx, PG_ERR_VERSION,
                    "%s: AGNT: feature bits 0x%x come from a newer library", fn,
                    features & ~FEATURES_KNOWN);
  if (im->have[S_ONRM] != ((features & FEATURE_OBS_NORM) != 0))
    FAIL("%s: ONRM section %s for feature bits 0x%x", fn,
         im->have[S_ONRM] ? "present" : "missing", features);
  if ((features & FEATURE_SQUASH) && !im->have[S_SQSH])
    FAIL("%s: SQSH section missing for feature bits 0x%x", fn, features);
  if (im->n_nets != 1 && im->n_nets != 2) FAIL("%s: AGNT: %u networks", fn, im->n_nets);
  if (im->opt_kind > PG_OPTIM_ADAM) FAIL("%s: AGNT: optimizer kind %u", fn, im->opt_kind);
  if (im->have[S_NETV] != (im->n_nets == 2))
    FAIL("%s: %s NETV section for %u network(s)", fn, im->have[S_NETV] ? "unexpected" : "no",
         im->n_nets);
  if (im->have[S_OPTP] != (im->opt_kind != 0))
    FAIL("%s: OPTP section %s for optimizer kind %u", fn,
         im->have[S_OPTP] ? "present" : "missing", im->opt_kind);
  if (im->have[S_OPTV] != (im->opt_kind != 0 && im->n_nets == 2))
    FAIL("%s: OPTV section %s", fn, im->have[S_OPTV] ? "unexpected" : "missing");
  return PG_OK;
}

/* Checks what can be checked before the agent exists. */
static pg_status check_small_sections(pg_ctx *ctx, const char *fn, const image *im) {
  pg__reader r = im->sec[S_PARS];
  (void)pg__r_u32(&r);
  uint32_t n = pg__r_u32(&r);
  if (r.bad || r.left / 12 < n || r.left != (size_t)n * 12)
    FAIL("%s: PARS section of %zu bytes does not hold %u parameters", fn, r.left, n);
  if (im->have[S_USET]) {
    r = im->sec[S_USET];
    uint32_t k = pg__r_u32(&r);
    if (r.bad || r.left / 4 < k || r.left != (size_t)k * 4)
      FAIL("%s: USET section of %zu bytes does not hold %u parameters", fn, r.left, k);
  }
  r = im->sec[S_RNGS];
  uint64_t s[4], any = 0;
  for (int i = 0; i < 4; i++) any |= s[i] = pg__r_u64(&r);
  if (r.bad || r.left) FAIL("%s: RNGS section is not 32 bytes", fn);
  if (!any) FAIL("%s: RNGS: the all-zero state is not a valid stream", fn);
  r = im->sec[S_STAT];
  /* the counters, then the last return and the last update's losses: a
  ** return is finite; a loss may be +-Inf (log pi of an action whose
  ** probability underflowed) but never NaN */
  double last_return = 0.0, losses[3] = {0.0, 0.0, 0.0};
  if (pg__r_skip(&r, 32)) {
    last_return = pg__r_f64(&r);
    for (int i = 0; i < 3; i++) losses[i] = pg__r_f64(&r);
  }
  if (r.bad) FAIL("%s: STAT section too short", fn);
  if (!isfinite(last_return) || isnan(losses[0]) || isnan(losses[1]) || isnan(losses[2]))
    FAIL("%s: STAT: the last return %g or a loss (%g, %g, %g) is NaN or Inf", fn, last_return,
         losses[0], losses[1], losses[2]);
  uint32_t ring_n = pg__r_u32(&r), ring_pos = pg__r_u32(&r);
  if (r.bad || ring_n > PG__RING || ring_pos >= PG__RING ||
      (ring_n < PG__RING && ring_pos != ring_n))
    FAIL("%s: STAT: window of %u returns at position %u", fn, ring_n, ring_pos);
  if (r.left != (size_t)ring_n * 8)
    FAIL("%s: STAT: %zu bytes for %u returns", fn, r.left, ring_n);
  for (uint32_t i = 0; i < ring_n; i++) {
    double ret = pg__r_f64(&r);
    if (!isfinite(ret)) FAIL("%s: STAT: return %u of the window is %g", fn, i, ret);
  }
  return PG_OK;
}

static pg_status load_net(pg_ctx *ctx, const char *fn, const pg__reader *body,
                          const char *what, pg_net **out) {
  pg_status st = pg_net_load_memory(ctx, body->p, body->left, out);
  if (st != PG_OK) return refail(ctx, st, fn, what);
  return PG_OK;
}

static bool is_accepted(const pg_agent *a, uint32_t p) {
  for (const pg__param_default *d = a->ops->params; d->param; d++)
    if ((uint32_t)d->param == p) return true;
  return false;
}

/* Whether parameter p is among the first n entries of a PARS body (after
** its 8-byte head). */
static bool in_pars(const pg__reader *pars, uint32_t n, uint32_t p) {
  pg__reader r = *pars;
  (void)pg__r_u32(&r);
  (void)pg__r_u32(&r);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t q = pg__r_u32(&r);
    (void)pg__r_f64(&r);
    if (q == p) return true;
  }
  return false;
}

/* Every parameter through the setter (bounds and integrality exactly as it
** checks them), then the file's values as they were (a derived default the
** setter recomputed is restored), then which ones the caller had set: USET,
** or for a 0.1.0 file PARS's 32-bit mask. */
static pg_status apply_pars(pg_ctx *ctx, const char *fn, pg_agent *a, const image *im) {
  pg__reader r = im->sec[S_PARS];
  uint32_t mask = pg__r_u32(&r), n = pg__r_u32(&r);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t p = pg__r_u32(&r);
    double v = pg__r_f64(&r);
    if (!pg__param_known(p) || !is_accepted(a, p))
      FAIL("%s: PARS: parameter %u is not one of %s's", fn, p, a->ops->name);
    if (in_pars(&im->sec[S_PARS], i, p)) FAIL("%s: PARS: parameter %u appears twice", fn, p);
    pg_status st = pg_agent_set_param(a, (pg_param)p, v);
    if (st != PG_OK) {
      char what[64];
      snprintf(what, sizeof what, "PARS: %s = %g", pg_param_name((pg_param)p), v);
      return refail(ctx, PG_ERR_FORMAT, fn, what);
    }
  }
  r = im->sec[S_PARS];
  (void)pg__r_u32(&r);
  (void)pg__r_u32(&r);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t p = pg__r_u32(&r);
    a->param[p] = pg__r_f64(&r);
  }
  memset(a->user_set, 0, pg__param_end());
  if (im->have[S_USET]) {
    r = im->sec[S_USET];
    uint32_t k = pg__r_u32(&r);
    for (uint32_t i = 0; i < k; i++) {
      uint32_t p = pg__r_u32(&r);
      if (!in_pars(&im->sec[S_PARS], n, p))
        FAIL("%s: USET: parameter %u is not in the PARS section", fn, p);
      a->user_set[p] = 1;
    }
    return PG_OK;
  }
  for (uint32_t p = 0; p < 32; p++) {
    if (!(mask >> p & 1u)) continue;
    if (!in_pars(&im->sec[S_PARS], n, p))
      FAIL("%s: PARS: user-set bits 0x%x name parameters not in the file", fn, mask);
    a->user_set[p] = 1;
  }
  return PG_OK;
}

static void apply_stat(pg_agent *a, const image *im) {
  pg__reader r = im->sec[S_STAT];
  a->episodes = pg__r_u64(&r);
  a->total_steps = pg__r_u64(&r);
  a->updates = pg__r_u64(&r);
  a->last_length = pg__r_u64(&r);
  a->last_return = pg__r_f64(&r);
  a->policy_loss = pg__r_f64(&r);
  a->value_loss = pg__r_f64(&r);
  a->entropy = pg__r_f64(&r);
  a->ring_n = (int)pg__r_u32(&r);
  a->ring_pos = (int)pg__r_u32(&r);
  a->ring_sum = 0.0;
  for (int i = 0; i < a->ring_n; i++) {
    a->ring[i] = pg__r_f64(&r);
    a->ring_sum += a->ring[i];
  }
}

/* Creates the optimizer of kind for net and fills its state from body. */
static pg_status load_optim(pg_ctx *ctx, const char *fn, pg_net *net, uint32_t kind,
                            const pg__reader *body, const char *name, pg_optim **out) {
  pg__reader r = *body;
  uint32_t k = pg__r_u32(&r), reserved = pg__r_u32(&r);
  uint64_t t = pg__r_u64(&r), count = pg__r_u64(&r);
  if (r.bad) FAIL("%s: %s section too short", fn, name);
  if (reserved) FAIL("%s: %s: reserved field is %u, not 0", fn, name, reserved);
  if (k != kind) FAIL("%s: %s: optimizer kind %u where AGNT says %u", fn, name, k, kind);
  size_t np = pg__net_param_count(net);
  uint64_t want = (uint64_t)np * (kind == PG_OPTIM_ADAM ? 2 : 1);
  if (count != want)
    FAIL("%s: %s holds %llu state values, the network's %zu parameters need %llu", fn, name,
         (unsigned long long)count, np, (unsigned long long)want);
  if (r.left != count * 4) FAIL("%s: %s: %zu bytes for %llu floats", fn, name, r.left,
                                (unsigned long long)count);
  if (kind != PG_OPTIM_ADAM && t != 0) FAIL("%s: %s: step count %llu without Adam", fn, name,
                                            (unsigned long long)t);
  pg_optim *o = NULL;
  pg_status st = pg__optim_for_net(net, (pg_optim_kind)kind, fn, &o);
  if (st != PG_OK) return refail(ctx, st, fn, name);
  pg_optim_kind got;
  size_t n;
  uint64_t *tp;
  float *state = pg__optim_state(o, &got, &n, &tp);
  pg__r_f32s(&r, state, n);
  for (size_t i = 0; i < n; i++) {
    /* momentum and Adam's m may be negative; square averages may not */
    bool square = kind == PG_OPTIM_RMSPROP || (kind == PG_OPTIM_ADAM && i >= np);
    if (!pg__finite_f(state[i]) || (square && state[i] < 0.0f)) {
      pg__fail(ctx, PG_ERR_FORMAT, "%s: %s: state value %zu (%g) is not a finite%s number", fn,
               name, i, (double)state[i], square ? ", non-negative" : "");
      pg_optim_destroy(o);
      return PG_ERR_FORMAT;
    }
  }
  *tp = t;
  *out = o;
  return PG_OK;
}

static pg_status agent_from_image(pg_ctx *ctx, const char *fn, const void *data, size_t size,
                                  pg_agent **out) {
  pg__reader r;
  pg__r_init(&r, data, size);
  uint32_t kind, n_sections;
  pg_status st = pg__r_header(ctx, fn, &r, &kind, &n_sections);
  if (st != PG_OK) return st;
  if (kind != PG__KIND_AGENT)
    FAIL("%s: checkpoint kind %u is not an agent (%s)", fn, kind,
         kind == PG__KIND_NET      ? "a net: use pg_net_load_* or pg_policy_load_*"
         : kind == PG__KIND_POLICY ? "a policy: use pg_policy_load_*"
                                   : "unknown kind");
  image im;
  memset(&im, 0, sizeof im);
  st = read_sections(ctx, fn, &r, n_sections, &im);
  if (st == PG_OK) st = read_agnt(ctx, fn, &im);
  if (st == PG_OK) st = check_small_sections(ctx, fn, &im);
  if (st != PG_OK) return st;

  pg_net *net = NULL, *vnet = NULL;
  st = load_net(ctx, fn, &im.sec[S_NETP], "NETP", &net);
  if (st == PG_OK && im.n_nets == 2) st = load_net(ctx, fn, &im.sec[S_NETV], "NETV", &vnet);
  pg_agent *a = NULL;
  if (st == PG_OK) {
    st = pg_agent_create(ctx, (pg_algorithm)im.algorithm, net, vnet, &a);
    if (st != PG_OK)
      st = refail(ctx, st == PG_ERR_NOMEM ? st : PG_ERR_FORMAT, fn, "the networks");
  }
  if (st != PG_OK) {
    pg_net_destroy(net);
    pg_net_destroy(vnet);
    return st;
  }
  pg_net_destroy(net); /* the agent holds its own references: from here it frees the nets */
  pg_net_destroy(vnet);
  st = apply_pars(ctx, fn, a, &im);
  if (st == PG_OK) st = pg__params_check_rows(a, PG_ERR_FORMAT, fn);
  if (st == PG_OK && im.opt_kind) {
    st = load_optim(ctx, fn, a->net, im.opt_kind, &im.sec[S_OPTP], "OPTP", &a->opt);
    if (st == PG_OK && vnet)
      st = load_optim(ctx, fn, vnet, im.opt_kind, &im.sec[S_OPTV], "OPTV", &a->vopt);
    a->opt_kind = (int)im.opt_kind;
  }
  if (st != PG_OK) {
    pg_agent_destroy(a);
    return st;
  }
  apply_stat(a, &im);
  if (a->ops->load_state) {
    pg__reader body = im.sec[S_ALGO];
    st = a->ops->load_state(a, fn, &body);
    if (st != PG_OK) {
      pg_agent_destroy(a);
      return st;
    }
  }
  if (im.have[S_ONRM]) {
    pg__reader body = im.sec[S_ONRM];
    st = pg__obs_norm_read(a, fn, &body);
    if (st == PG_OK && !pg__obs_norm_on(a))
      st = pg__fail(ctx, PG_ERR_FORMAT, "%s: ONRM section but norm_obs is 0 in PARS", fn);
    if (st != PG_OK) {
      pg_agent_destroy(a);
      return st;
    }
  }
  if (im.have[S_SQSH]) {
    pg__reader body = im.sec[S_SQSH];
    st = a->discrete ? pg__fail(ctx, PG_ERR_FORMAT, "%s: SQSH section for discrete actions", fn)
                     : pg__squash_read(ctx, fn, &body, a->n_actions, a->squash_bounds);
    if (st == PG_OK && (im.features & FEATURE_SQUASH) && !pg__agent_squashes(a))
      st = pg__fail(ctx, PG_ERR_FORMAT, "%s: AGNT's squash bit but squash is 0 in PARS", fn);
    if (st != PG_OK) {
      pg_agent_destroy(a);
      return st;
    }
  }
  pg__reader rr = im.sec[S_RNGS];
  for (int i = 0; i < 4; i++) a->rng.s[i] = pg__r_u64(&rr);
  a->dirty = true; /* buffers and optimizer settings at the first step */
  a->phase = PG__PHASE_READY;
  *out = a;
  return PG_OK;
}

static pg_status agent_loader(pg_ctx *ctx, const char *fn, const void *data, size_t size,
                            void *out) {
  return agent_from_image(ctx, fn, data, size, out);
}

pg_status pg_agent_load_memory(pg_ctx *ctx, const void *data, size_t size, pg_agent **out) {
  if (out) *out = NULL;
  return pg__load_memory(ctx, "pg_agent_load_memory", data, size, agent_loader, out);
}

pg_status pg_agent_load_file(pg_ctx *ctx, const char *path, pg_agent **out) {
  if (out) *out = NULL;
  return pg__load_file(ctx, "pg_agent_load_file", path, agent_loader, out);
}

/* ---- export for inference ---------------------------------------------- */

pg_status pg_policy_from_agent(const pg_agent *agent, pg_policy **out) {
  static const char fn[] = "pg_policy_from_agent";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  pg_status st = pg_policy_from_net(agent->net, out);
  if (st != PG_OK) return refail(agent->ctx, st, fn, "the policy network");
  if (pg__obs_norm_on(agent))
    st = pg__policy_set_obs_norm(*out, fn, agent->onorm->mean_f, agent->onorm->scale_f,
                                 (float)pg__p(agent, PG_PARAM_OBS_CLIP));
  if (st == PG_OK && pg__agent_squashes(agent))
    st = pg__policy_set_squash(*out, fn, agent->squash_bounds);
  if (st != PG_OK) {
    pg_policy_destroy(*out);
    *out = NULL;
  }
  return st;
}
