/* MuJoCo tasks through the public pg_env_vtable (see mujoco_env.h). */
#include "mujoco_env.h"

#include "sim_host.h"

#include <math.h>
#include <mujoco/mujoco.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the models ------------------------------------------------------------ */

/* A cart on a 2 m rail (slider range +-1) with a 0.6 m pole on a hinge;
** the motor on the cart has gear 100 and control range +-3. */
static const char pendulum_xml[] =
    "<mujoco model='cart-pole'>"
    " <compiler inertiafromgeom='true'/>"
    " <option gravity='0 0 -9.81' integrator='RK4' timestep='0.02'/>"
    " <default>"
    "  <joint armature='0' damping='1' limited='true'/>"
    "  <geom contype='0' conaffinity='0' friction='1 0.1 0.1'/>"
    " </default>"
    " <worldbody>"
    "  <geom name='rail' type='capsule' size='0.02 1' quat='0.707 0 0.707 0'/>"
    "  <body name='cart' pos='0 0 0'>"
    "   <joint name='slider' type='slide' axis='1 0 0' range='-1 1'/>"
    "   <geom name='cart' type='capsule' size='0.1 0.1' quat='0.707 0 0.707 0'/>"
    "   <body name='pole' pos='0 0 0'>"
    "    <joint name='hinge' type='hinge' axis='0 1 0' range='-90 90'/>"
    "    <geom name='pole' type='capsule' size='0.049 0.3' fromto='0 0 0 0.001 0 0.6'/>"
    "   </body>"
    "  </body>"
    " </worldbody>"
    " <actuator>"
    "  <motor name='push' joint='slider' gear='100' ctrllimited='true' ctrlrange='-3 3'/>"
    " </actuator>"
    "</mujoco>";

/* A planar hopper: torso (0.4 m), thigh (0.45 m), leg (0.5 m) and foot
** (0.39 m) capsules; root joints x, z (ref 1.25) and pitch; three hinged
** joints with motors of gear 200 and control range +-1. Local coordinates. */
static const char hopper_xml[] =
    "<mujoco model='hopper'>"
    " <compiler angle='degree' inertiafromgeom='true'/>"
    " <option integrator='RK4' timestep='0.002'/>"
    " <default>"
    "  <joint armature='1' damping='1' limited='true'/>"
    "  <geom conaffinity='1' condim='1' contype='1' margin='0.001' solimp='.8 .8 .01'"
    "        solref='.02 1'/>"
    "  <motor ctrllimited='true' ctrlrange='-1 1'/>"
    " </default>"
    " <worldbody>"
    "  <geom name='floor' type='plane' size='20 20 .125' conaffinity='1' condim='3'/>"
    "  <body name='torso' pos='0 0 1.25'>"
    "   <joint name='rootx' type='slide' axis='1 0 0' limited='false' armature='0' damping='0'/>"
    "   <joint name='rootz' type='slide' axis='0 0 1' ref='1.25' limited='false' armature='0'"
    "          damping='0'/>"
    "   <joint name='rooty' type='hinge' axis='0 1 0' limited='false' armature='0' damping='0'/>"
    "   <geom name='torso' type='capsule' size='0.05' fromto='0 0 0.2 0 0 -0.2' friction='0.9'/>"
    "   <body name='thigh' pos='0 0 -0.2'>"
    "    <joint name='thigh' type='hinge' axis='0 -1 0' range='-150 0'/>"
    "    <geom name='thigh' type='capsule' size='0.05' fromto='0 0 0 0 0 -0.45' friction='0.9'/>"
    "    <body name='leg' pos='0 0 -0.45'>"
    "     <joint name='leg' type='hinge' axis='0 -1 0' range='-150 0'/>"
    "     <geom name='leg' type='capsule' size='0.04' fromto='0 0 0 0 0 -0.5' friction='0.9'/>"
    "     <body name='foot' pos='0 0 -0.5'>"
    "      <joint name='foot' type='hinge' axis='0 -1 0' range='-45 45'/>"
    "      <geom name='foot' type='capsule' size='0.06' fromto='-0.13 0 0 0.26 0 0' friction='2'/>"
    "     </body>"
    "    </body>"
    "   </body>"
    "  </body>"
    " </worldbody>"
    " <actuator>"
    "  <motor joint='thigh' gear='200'/>"
    "  <motor joint='leg' gear='200'/>"
    "  <motor joint='foot' gear='200'/>"
    " </actuator>"
    "</mujoco>";

typedef struct task_spec {
  const char *name;
  const char *xml;
  int frame_skip;
  int obs_size;
  double reset_noise; /* uniform(-noise, noise) on qpos and qvel */
  uint64_t max_steps;
  void (*observe)(const mjModel *m, const mjData *d, float *obs);
  /* reward and termination after a step; x_before = qpos[0] before it */
  void (*outcome)(const mjModel *m, const mjData *d, const float *action, double x_before,
                  float *reward, int32_t *terminated);
  pgr_draw_fn draw;
} task_spec;

/* ---- InvertedPendulum-v4 ------------------------------------------------------ */

static void pendulum_observe(const mjModel *m, const mjData *d, float *obs) {
  (void)m;
  obs[0] = (float)d->qpos[0];
  obs[1] = (float)d->qpos[1];
  obs[2] = (float)d->qvel[0];
  obs[3] = (float)d->qvel[1];
}

static void pendulum_outcome(const mjModel *m, const mjData *d, const float *action,
                             double x_before, float *reward, int32_t *terminated) {
  (void)m, (void)action, (void)x_before;
  int finite = 1;
  for (int i = 0; i < 2; i++) finite &= isfinite(d->qpos[i]) && isfinite(d->qvel[i]);
  *reward = 1.0f;
  *terminated = !finite || fabs(d->qpos[1]) > 0.2;
}

/* Rail, cart and pole from [x, theta, ...]; the rail is 2 m (+-1). */
static void pendulum_draw(pgr_canvas *c, const float *obs, int32_t n) {
  (void)n;
  pgr_view v = {c->w / 2.6, c->w / 2.0, c->h * 0.72};
  pgr_clear(c, PGR_BACKGROUND);
  double ax, ay, bx, by;
  pgr_to_px(&v, -1.0, 0, &ax, &ay);
  pgr_to_px(&v, 1.0, 0, &bx, &by);
  pgr_line(c, ax, ay, bx, by, fmax(2.0, 0.04 * v.scale), PGR_TRACK);
  double x = obs[0], th = obs[1], px, py, qx, qy;
  pgr_to_px(&v, x, 0, &px, &py);
  pgr_line(c, px - 0.1 * v.scale, py, px + 0.1 * v.scale, py, 0.2 * v.scale, PGR_BODY);
  pgr_to_px(&v, x + 0.6 * sin(th), 0.6 * cos(th), &qx, &qy);
  pgr_line(c, px, py, qx, qy, fmax(2.0, 0.098 * v.scale), PGR_POLE);
  pgr_fill_circle(c, px, py, fmax(1.5, 0.03 * v.scale), PGR_AXLE);
  /* the termination angle, 0.2 rad either side */
  double lx, ly, rx, ry;
  pgr_to_px(&v, x + 0.75 * sin(-0.2), 0.75 * cos(0.2), &lx, &ly);
  pgr_to_px(&v, x + 0.75 * sin(0.2), 0.75 * cos(0.2), &rx, &ry);
  pgr_fill_circle(c, lx, ly, 2.0, PGR_ACCENT);
  pgr_fill_circle(c, rx, ry, 2.0, PGR_ACCENT);
}

/* ---- Hopper-v4 ------------------------------------------------------------- */

static double clip10(double v) { return v < -10 ? -10 : v > 10 ? 10 : v; }

static void hopper_observe(const mjModel *m, const mjData *d, float *obs) {
  for (int i = 1; i < m->nq; i++) obs[i - 1] = (float)d->qpos[i];
  for (int i = 0; i < m->nv; i++) obs[m->nq - 1 + i] = (float)clip10(d->qvel[i]);
}

static void hopper_outcome(const mjModel *m, const mjData *d, const float *action,
                           double x_before, float *reward, int32_t *terminated) {
  double dt = m->opt.timestep * 4, ctrl = 0;
  for (int i = 0; i < m->nu; i++) ctrl += (double)action[i] * action[i];
  int healthy = 1;
  for (int i = 2; i < m->nq; i++) healthy &= fabs(d->qpos[i]) < 100;
  for (int i = 0; i < m->nv; i++) healthy &= fabs(d->qvel[i]) < 100;
  double z = d->qpos[1], angle = d->qpos[2];
  healthy &= z > 0.7 && angle > -0.2 && angle < 0.2;
  *reward = (float)((d->qpos[0] - x_before) / dt + 1.0 - 1e-3 * ctrl);
  *terminated = !healthy;
}

/* A segment pointing down the body's axis, pitched by phi. */
static void hop_segment(const pgr_view *v, double x, double z, double phi, double len,
                        double *ex, double *ez, double *px0, double *py0, double *px1,
                        double *py1) {
  *ex = x - len * sin(phi);
  *ez = z - len * cos(phi);
  pgr_to_px(v, x, z, px0, py0);
  pgr_to_px(v, *ex, *ez, px1, py1);
}

/* From [z, pitch, thigh, leg, foot, ...]; x is not observed, so the camera
** follows the hopper and the floor carries no marks. */
static void hopper_draw(pgr_canvas *c, const float *obs, int32_t n) {
  (void)n;
  pgr_view v = {c->h / 1.9, c->w / 2.0, c->h * 0.92};
  pgr_clear(c, PGR_BACKGROUND);
  pgr_fill_rect(c, 0, v.origin_y, c->w, c->h, PGR_GROUND);
  double z = obs[0], phi = obs[1];
  double x0 = 0.2 * sin(phi), z0 = z + 0.2 * cos(phi); /* torso top */
  double ex, ez, a, b, p, q;
  hop_segment(&v, x0, z0, phi, 0.4, &ex, &ez, &a, &b, &p, &q);
  pgr_line(c, a, b, p, q, 0.1 * v.scale, PGR_BODY);
  phi -= obs[2];
  hop_segment(&v, ex, ez, phi, 0.45, &ex, &ez, &a, &b, &p, &q);
  pgr_line(c, a, b, p, q, 0.1 * v.scale, PGR_POLE);
  phi -= obs[3];
  hop_segment(&v, ex, ez, phi, 0.5, &ex, &ez, &a, &b, &p, &q);
  pgr_line(c, a, b, p, q, 0.08 * v.scale, PGR_LEG);
  phi -= obs[4];
  double fx0 = ex - 0.13 * cos(phi), fz0 = ez + 0.13 * sin(phi);
  double fx1 = ex + 0.26 * cos(phi), fz1 = ez - 0.26 * sin(phi);
  pgr_to_px(&v, fx0, fz0, &a, &b);
  pgr_to_px(&v, fx1, fz1, &p, &q);
  pgr_line(c, a, b, p, q, 0.12 * v.scale, PGR_AXLE);
}

static const task_spec tasks[] = {
    {"InvertedPendulum", pendulum_xml, 2, 4, 0.01, 1000, pendulum_observe, pendulum_outcome,
     pendulum_draw},
    {"Hopper", hopper_xml, 4, 11, 5e-3, 1000, hopper_observe, hopper_outcome, hopper_draw},
};
enum { N_TASKS = sizeof tasks / sizeof tasks[0] };

const char *mjh_task_name(int i) { return i >= 0 && i < N_TASKS ? tasks[i].name : NULL; }

static const task_spec *find_task(const char *name) {
  for (int i = 0; name && i < N_TASKS; i++)
    if (strcmp(tasks[i].name, name) == 0) return &tasks[i];
  return NULL;
}

pgr_draw_fn mjh_drawer(const char *task) {
  const task_spec *t = find_task(task);
  return t ? t->draw : NULL;
}

/* ---- instances ----------------------------------------------------------------- */

/* Shared by the original and every clone: freed by the release callback. */
typedef struct shared_model {
  mjModel *m;
  const task_spec *spec;
} shared_model;

typedef struct instance {
  shared_model *shared;
  mjData *d;
  uint64_t rng;
} instance;

static instance *new_instance(shared_model *sh) {
  instance *in = calloc(1, sizeof *in);
  if (!in) return NULL;
  in->shared = sh;
  in->d = mj_makeData(sh->m);
  if (!in->d) {
    free(in);
    return NULL;
  }
  return in;
}

static int cb_reset(void *user, uint64_t seed, float *obs) {
  instance *in = user;
  const mjModel *m = in->shared->m;
  const task_spec *t = in->shared->spec;
  in->rng = seed;
  mj_resetData(m, in->d);
  for (int i = 0; i < m->nq; i++)
    in->d->qpos[i] = m->qpos0[i] + sim_uniform(&in->rng, -t->reset_noise, t->reset_noise);
  for (int i = 0; i < m->nv; i++)
    in->d->qvel[i] = sim_uniform(&in->rng, -t->reset_noise, t->reset_noise);
  mj_forward(m, in->d);
  t->observe(m, in->d, obs);
  return 0;
}

static int cb_step(void *user, const float *action, float *obs, float *reward,
                   int32_t *terminated, int32_t *truncated) {
  (void)truncated; /* the step cap is the library's (pg_env_set_max_episode_steps) */
  instance *in = user;
  const mjModel *m = in->shared->m;
  const task_spec *t = in->shared->spec;
  double x_before = in->d->qpos[0];
  for (int i = 0; i < m->nu; i++) in->d->ctrl[i] = action[i];
  for (int k = 0; k < t->frame_skip; k++) mj_step(m, in->d);
  t->observe(m, in->d, obs);
  t->outcome(m, in->d, action, x_before, reward, terminated);
  return 0;
}

static int cb_close(void *user) {
  instance *in = user;
  mj_deleteData(in->d);
  free(in);
  return 0;
}

static int cb_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  (void)index, (void)seed; /* reset gets its seed from the library */
  const instance *sibling = factory_user;
  instance *in = new_instance(sibling->shared);
  if (!in) return 1;
  *out = in;
  return 0;
}

static int cb_release(void *shared) {
  shared_model *sh = shared;
  mj_deleteModel(sh->m);
  free(sh);
  return 0;
}

static mjModel *compile(const task_spec *t, char *err, size_t err_len) {
  mjVFS *vfs = malloc(sizeof *vfs); /* about 2 MB: not on the stack */
  if (!vfs) return NULL;
  mj_defaultVFS(vfs);
  int size = (int)strlen(t->xml);
  mjModel *m = NULL;
  char msg[512] = "";
  if (mj_makeEmptyFileVFS(vfs, "model.xml", size) == 0) {
    memcpy(vfs->filedata[mj_findFileVFS(vfs, "model.xml")], t->xml, (size_t)size);
    m = mj_loadXML("model.xml", vfs, msg, (int)sizeof msg);
  } else {
    snprintf(msg, sizeof msg, "cannot make a file in MuJoCo's VFS");
  }
  mj_deleteVFS(vfs);
  free(vfs);
  if (!m && err) snprintf(err, err_len, "MuJoCo: model '%s': %s", t->name, msg);
  return m;
}

static const pg_env_vtable vtable = {.struct_size = sizeof(pg_env_vtable), .reset = cb_reset,
    .step = cb_step, .close = cb_close, .create = cb_create, .release = cb_release};

pg_status mjh_env_create(pg_ctx *ctx, const char *task, uint64_t seed, pg_env **out,
                         char *err, size_t err_len) {
  if (err && err_len) err[0] = '\0';
  if (!ctx || !out) return PG_ERR_INVALID_ARG;
  *out = NULL;
  const task_spec *t = find_task(task);
  if (!t) {
    if (err) snprintf(err, err_len, "unknown MuJoCo task '%s' (InvertedPendulum, Hopper)",
                      task ? task : "(null)");
    return PG_ERR_INVALID_ARG;
  }
  shared_model *sh = calloc(1, sizeof *sh);
  if (!sh) return PG_ERR_NOMEM;
  sh->spec = t;
  sh->m = compile(t, err, err_len);
  if (!sh->m) {
    free(sh);
    return PG_ERR_CALLBACK;
  }
  instance *in = new_instance(sh);
  if (!in) {
    cb_release(sh);
    return PG_ERR_NOMEM;
  }
  float low[8], high[8];
  int nu = sh->m->nu < 8 ? sh->m->nu : 8;
  for (int i = 0; i < nu; i++) {
    low[i] = (float)sh->m->actuator_ctrlrange[2 * i];
    high[i] = (float)sh->m->actuator_ctrlrange[2 * i + 1];
  }
  sim_env_spec spec = {t->name, t->obs_size, PG_ACTION_CONTINUOUS, nu, low, high, t->max_steps};
  return sim_host_env_create(ctx, &vtable, sh, in, &spec, seed, out, err, err_len);
}

double mjh_engine_step_seconds(const char *task, long n) {
  const task_spec *t = find_task(task);
  if (!t || n < 1) return -1;
  mjModel *m = compile(t, NULL, 0);
  if (!m) return -1;
  shared_model sh = {m, t};
  instance *in = new_instance(&sh);
  if (!in) {
    mj_deleteModel(m);
    return -1;
  }
  float obs[16], act[8] = {0}, r;
  int32_t te = 0;
  cb_reset(in, 1, obs);
  double t0 = sim_cpu_seconds();
  for (long i = 0; i < n; i++) {
    for (int k = 0; k < t->frame_skip; k++) mj_step(m, in->d);
    t->outcome(m, in->d, act, in->d->qpos[0], &r, &te);
    if (te) cb_reset(in, (uint64_t)i, obs);
  }
  double s = (sim_cpu_seconds() - t0) / (double)n;
  cb_close(in);
  mj_deleteModel(m);
  return s;
}
