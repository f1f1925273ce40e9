/* The pg_net layout, shared by the files of lib/nn only. */
#ifndef PG_NET_IMPL_H
#define PG_NET_IMPL_H

#include "nn/pg_nn.h"

#define PG__NET_MAX_LAYERS 32

enum {
  PG__HEAD_CATEGORICAL,
  PG__HEAD_GAUSSIAN,
  PG__HEAD_VALUE,
  PG__HEAD_Q,
  PG__HEAD_KINDS
};

struct pg_net {
  pg_ctx *ctx;
  _Atomic int refs;           /* the owner + one per bound optimizer */
  size_t input_dim, max_batch;
  uint64_t seed;
  size_t n_trunk, n_layers;   /* layers[0, n_trunk) trunk, then the heads */
  pg__layer layers[PG__NET_MAX_LAYERS];
  int head[PG__HEAD_KINDS];   /* index into layers, or -1 */
  float log_std_init;
  bool ready;                 /* finalized: the buffers below exist */
  size_t n_params;
  size_t fwd_n;               /* rows of the last forward; 0 = none valid */
  uint64_t fwd_stamp;         /* bumped by every forward (pg__net_forward_stamp) */
  void *block;                /* the one allocation behind every buffer */
  float *params, *grads;
  float *x0;                  /* copy of the last forward's input */
  float *probs, *logp;        /* categorical head */
  float *entropy;             /* per row */
  float *dhead[PG__HEAD_KINDS]; /* loss gradients w.r.t. head outputs */
  float *dlogstd;
  float *dbuf[2];             /* backward ping-pong through the trunk */
  float *scratch;             /* GEMM pack + transposed weights */
};

pg_status pg__net_alloc(pg_net *net);
size_t pg__net_trunk_dim(const pg_net *net);
size_t pg__net_head_dim(const pg_net *net, int kind);
const float *pg__net_log_std(const pg_net *net);

#endif
