/* Learning figures on the simulator examples (docs/RESULTS.md, "Simulator
** hosts"): for each MuJoCo / Box2D task of examples/sims and each of its
** presets (one column per algorithm: PAAC, then PPO), 5 seeds trained until
** the mean-100 return reaches the preset's threshold or the step budget runs
** out.
** Prints one row per run (steps, wall time, steps/s, the steps at which the
** threshold was reached, the mean-100 at the end and the best one, the
** greedy return) and a summary per task and preset: seeds that reached
** the threshold, the return of random actions, and the training steps/s
** beside the engine's own cost per step (the engine stepped alone, no
** library), so the share the library adds is visible. Costs per step are
** process CPU time (the machine may be shared; wall time is printed too).
** Writes each run's CSV training log (pg_agent_set_log_file) to
** LOGS/<task>_<algorithm>_seed<k>.csv for examples/plot_curves.py.
** Built only when MuJoCo or Box2D was found.
**
** usage: bench_sims [--tasks A,B] [--seeds N (5)] [--steps N (the preset's)]
**                   [--logs DIR (bench-sims-logs)] [--no-stop] [--preset K]
**                   [--set name=value]... (hyperparameters after the preset's) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sims.h"

static int wanted(const char *list, const char *name) {
  if (!list) return 1;
  size_t n = strlen(name);
  for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
    if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return 1;
  return 0;
}

int main(int argc, char **argv) {
  const char *tasks = NULL, *logs = "bench-sims-logs";
  int seeds = 5, stop = 1, only_preset = -1;
  long long steps = 0;
  const char *overrides[32];
  int n_overrides = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--no-stop") == 0) {
      stop = 0;
      continue;
    }
    if (!v) goto usage;
    i++;
    if (strcmp(a, "--tasks") == 0) tasks = v;
    else if (strcmp(a, "--seeds") == 0) seeds = atoi(v);
    else if (strcmp(a, "--steps") == 0) steps = atoll(v);
    else if (strcmp(a, "--logs") == 0) logs = v;
    else if (strcmp(a, "--preset") == 0) only_preset = atoi(v);
    else if (strcmp(a, "--set") == 0 && n_overrides < 32) overrides[n_overrides++] = v;
    else goto usage;
  }
  if (seeds < 1) goto usage;
  mkdir(logs, 0777);
  printf("| task | algorithm | seed | steps | wall s | CPU s | steps/s | reached at | mean-100 end "
         "| best mean-100 | greedy (10) |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
  char summary[8192] = "";
  size_t used = 0;
  for (int ti = 0; sim_task_at(ti); ti++) {
    const sim_task *t = sim_task_at(ti);
    if (!sim_task_is_simulator(t) || !wanted(tasks, t->name)) continue;
    double engine = t->engine_step_seconds(t->name, 20000);
    double random_mean = NAN;
    char err[512] = "";
    if (sim_random_return(t, 12345, 100, &random_mean, err, sizeof err))
      fprintf(stderr, "bench_sims: %s: random actions: %s\n", t->name, err);
    for (int p = 0; p < SIM_MAX_PRESETS && t->presets[p].algorithm; p++) {
      if (only_preset >= 0 && p != only_preset) continue;
      const char *algo = pg_algorithm_name(t->presets[p].algorithm);
      int reached = 0;
      double sps_sum = 0, reach_sum = 0, cpu_sum = 0, steps_sum = 0;
      for (int s = 1; s <= seeds; s++) {
        char log[1024];
        snprintf(log, sizeof log, "%s/%s_%s_seed%d.csv", logs, t->name, algo, s);
        sim_run_opts o = {.preset = p, .seed = (uint64_t)s, .steps = steps,
                          .stop_at_threshold = stop, .report_interval = 10000,
                          .log_path = log, .n_overrides = n_overrides,
                          .overrides = overrides};
        sim_result r;
        if (sim_train_run(t, &o, &r, err, sizeof err)) {
          fprintf(stderr, "bench_sims: %s seed %d: %s\n", t->name, s, err);
          return 1;
        }
        char at[32] = "not reached";
        if (r.steps_to_threshold >= 0) {
          snprintf(at, sizeof at, "%lld", (long long)r.steps_to_threshold);
          reached++;
          reach_sum += (double)r.steps_to_threshold;
        }
        sps_sum += r.steps_per_second;
        cpu_sum += r.cpu_seconds;
        steps_sum += (double)r.steps;
        printf("| %s | %s | %d | %lld | %.1f | %.1f | %.0f | %s | %.1f | %.1f | %.1f |\n",
               t->name, algo, s, (long long)r.steps, r.wall_seconds, r.cpu_seconds,
               r.steps_per_second, at, r.mean_return_100, r.best_mean_100, r.greedy_return);
        fflush(stdout);
      }
      double sps = sps_sum / seeds;
      int n = snprintf(summary + used, sizeof summary - used,
                       "| %s | %s | %g | %.1f | %d of %d | %s%.0f | %.0f | %.1f | %.1f |\n",
                       t->name, algo, t->presets[p].threshold, random_mean, reached, seeds,
                       reached ? "" : "n/a ", reached ? reach_sum / reached : 0.0, sps,
                       steps_sum > 0 ? 1e6 * cpu_sum / steps_sum : 0.0, engine * 1e6);
      if (n > 0 && (size_t)n < sizeof summary - used) used += (size_t)n;
    }
  }
  printf("\n| task | algorithm | threshold | random actions | seeds reaching it | mean steps to "
         "it | training steps/s (wall) | CPU µs per step (training) | CPU µs per step (engine "
         "alone) |\n"
         "|---|---|---|---|---|---|---|---|---|\n%s",
         summary);
  printf("\nlogs: %s/<task>_<algorithm>_seed<k>.csv (plot: python3 examples/plot_curves.py "
         "%s/*.csv -o curves.png)\n",
         logs, logs);
  return 0;
usage:
  fprintf(stderr, "usage: bench_sims [--tasks A,B] [--seeds N] [--steps N] [--logs DIR] "
                  "[--no-stop] [--preset K] [--set name=value]...\n");
  return 2;
}
