/* Trains one task of examples/sims (a built-in, or a MuJoCo / Box2D task
** when its engine was built) with its preset, prints a line per report,
** and optionally writes the CSV training log and the trained policy (for
** examples/play). --smoke trains 3000 steps and checks that the returns
** are finite: the CI's short learning test.
**
** usage: train_sim TASK [--seed N] [--steps N] [--log FILE.csv]
**                        [--policy FILE.pgck] [--report N] [--smoke]
**                        [--preset K] (0: the task's first preset, PAAC;
**                                      1: PPO for the simulator tasks)
**                        [--set name=value]... (a hyperparameter after the preset's)
**        train_sim --list */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sims.h"

static int usage(void) {
  fprintf(stderr, "usage: train_sim TASK [--seed N] [--steps N] [--log FILE.csv] "
                  "[--policy FILE.pgck] [--report N] [--smoke] [--preset K]\n"
                  "       [--set name=value]...\n"
                  "       train_sim --list\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  if (strcmp(argv[1], "--list") == 0) {
    for (int i = 0; sim_task_at(i); i++) {
      const sim_task *t = sim_task_at(i);
      printf("%-22s %-8s", t->name, t->engine);
      for (int p = 0; p < SIM_MAX_PRESETS && t->presets[p].algorithm; p++)
        printf(" preset %d: %s (threshold %g)", p, pg_algorithm_name(t->presets[p].algorithm),
               t->presets[p].threshold);
      printf("\n");
    }
    return 0;
  }
  const sim_task *t = sim_task_find(argv[1]);
  if (!t) {
    fprintf(stderr, "train_sim: no task '%s' in this build (train_sim --list)\n", argv[1]);
    return 2;
  }
  sim_run_opts o = {.seed = 1, .verbose = 1, .report_interval = 20000};
  int smoke = 0;
  const char *overrides[32];
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--smoke") == 0) {
      smoke = 1;
      continue;
    }
    if (!v) return usage();
    i++;
    if (strcmp(a, "--seed") == 0) o.seed = strtoull(v, NULL, 10);
    else if (strcmp(a, "--steps") == 0) o.steps = strtoll(v, NULL, 10);
    else if (strcmp(a, "--log") == 0) o.log_path = v;
    else if (strcmp(a, "--policy") == 0) o.policy_path = v;
    else if (strcmp(a, "--preset") == 0) o.preset = atoi(v);
    else if (strcmp(a, "--report") == 0) o.report_interval = strtoll(v, NULL, 10);
    else if (strcmp(a, "--set") == 0 && o.n_overrides < 32) overrides[o.n_overrides++] = v;
    else return usage();
  }
  o.overrides = overrides;
  if (smoke) {
    o.steps = 3000;
    o.report_interval = 1000;
  }
  sim_result r;
  char err[512] = "";
  if (sim_train_run(t, &o, &r, err, sizeof err)) {
    fprintf(stderr, "train_sim: %s: %s\n", t->name, err);
    return 1;
  }
  printf("%s (%s): %lld steps in %.1f s (%.0f steps/s), %.0f episodes, mean-100 %.2f, "
         "greedy %.2f\n",
         t->name, t->engine, (long long)r.steps, r.wall_seconds, r.steps_per_second, r.episodes,
         r.mean_return_100, r.greedy_return);
  if (smoke) {
    int ok = r.steps >= 3000 && isfinite(r.mean_return_100) && isfinite(r.greedy_return) &&
             r.episodes >= 1;
    printf("smoke test %s\n", ok ? "passed" : "FAILED");
    return ok ? 0 : 1;
  }
  if (o.policy_path) printf("policy saved to %s (play it: play %s %s)\n", o.policy_path, t->name,
                            o.policy_path);
  return 0;
}
