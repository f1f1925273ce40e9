/* The pg_net layout, shared by the files of lib/nn only. */
#ifndef PG_NET_IMPL_H
#define PG_NET_IMPL_H

#include "nn/pg_nn.h"

struct pg_net {
  pg_ctx *ctx;
  _Atomic int refs;           /* the owner + one per bound optimizer */
  _Atomic int writers;        /* asynchronous writers of params (pg__net_add_writers) */
  pg__netdef def;             /* layers, roles, shapes, parameter layout */
  bool ready;                 /* finalized: the buffers below exist */
  size_t fwd_n;               /* rows of the last forward; 0 = none valid */
  size_t fwd_steps, fwd_seqs; /* its time-major shape (steps x sequences) */
  uint64_t fwd_stamp;         /* bumped by every forward (pg__net_forward_stamp) */
  void *block;                /* the one allocation behind every buffer */
  float *params, *grads;
  float *x0;                  /* copy of the last forward's input */
  float *probs, *logp;        /* categorical head */
  float *entropy;             /* per row */
  float *dhead[PG__HEAD_KINDS]; /* loss gradients w.r.t. head outputs */
  float *dlogstd;
  float *dbuf[2];             /* backward ping-pong through the trunk */
  float *scratch;             /* the layers' kernel scratch */
  bool stateful;              /* some layer keeps per-sequence state */
};

pg_status pg__net_alloc(pg_net *net);
/* Floats of the buffers pg__net_alloc would allocate besides the parameters
** and gradients (activations, back-propagation, state, kernel scratch). */
size_t pg__net_buffer_floats(pg_net *net);
size_t pg__net_trunk_dim(const pg_net *net);
size_t pg__net_head_dim(const pg_net *net, int kind);
/* The Gaussian head's log-std: the parameter block, or with a
** state-dependent log-std row 0 of the last forward's; row i is at
** i * pg__net_log_std_stride (0 for the block). */
const float *pg__net_log_std(const pg_net *net);
size_t pg__net_log_std_stride(const pg_net *net);
const float *pg__net_head_y(const pg_net *net, int kind);

#endif
