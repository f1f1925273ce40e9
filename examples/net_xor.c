/* Trains a small network on XOR with the public API only: a value head
** regressed onto the targets (value loss), Adam, and the loss falling. */
#include <policygrad.h>

#include <stdio.h>

#define CHECK(call)                                                         \
  do {                                                                      \
    pg_status st_ = (call);                                                 \
    if (st_ != PG_OK) {                                                     \
      fprintf(stderr, "%s failed: %s\n", #call, pg_ctx_last_error(ctx));    \
      return 1;                                                             \
    }                                                                       \
  } while (0)

int main(void) {
  const float x[4 * 2] = {0, 0, 0, 1, 1, 0, 1, 1};
  const float y[4] = {0, 1, 1, 0};
  pg_ctx *ctx = NULL;
  pg_net *net = NULL;
  pg_optim *opt = NULL;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;

  CHECK(pg_net_create(ctx, 2, 4, 42, &net)); /* 2 inputs, batches of up to 4 */
  CHECK(pg_net_add_dense(net, 16, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0));
  CHECK(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0));
  CHECK(pg_net_finalize(net));
  CHECK(pg_optim_create(net, PG_OPTIM_ADAM, &opt));
  CHECK(pg_optim_set_param(opt, PG_OPTIM_LR, 0.02));

  /* L = (1/4) * sum_i (y_i - v(x_i))^2 */
  pg_loss_desc loss = {0};
  loss.struct_size = sizeof loss;
  loss.scale = 0.25f;
  loss.value_coef = 1.0f;
  loss.returns = y;
  for (int step = 0; step <= 1000; step++) {
    double l = 0;
    CHECK(pg_net_forward(net, x, 4, NULL));
    CHECK(pg_net_zero_grads(net));
    CHECK(pg_net_backward(net, &loss, 4, &l));
    CHECK(pg_optim_step(opt, NULL));
    if (step % 100 == 0) printf("step %4d  loss %.6f\n", step, l);
  }
  float v[4];
  CHECK(pg_net_forward(net, x, 4, NULL));
  CHECK(pg_net_get_output(net, PG_NET_OUTPUT_VALUE, v, 4));
  for (int i = 0; i < 4; i++)
    printf("%g xor %g -> %.3f\n", (double)x[2 * i], (double)x[2 * i + 1], (double)v[i]);
  pg_optim_destroy(opt);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  return 0;
}
