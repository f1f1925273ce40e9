/* A program built from an exported policy alone (no libpolicygrad), for
** tests/export/export_driver.c: reads requests on stdin (mode byte: 0
** deterministic, 1 sampled; mask flag byte; the observation floats; the
** mask bytes if flagged), answers each with an int32 status and the action
** floats on stdout, until end of input. Compiled with
** -DPOLICY=name -DUPOLICY=NAME -DPOLICY_HEADER="name.h". */
#include POLICY_HEADER

#include <stdint.h>
#include <stdio.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define ACT CAT(POLICY, _act)
#define ACT_SAMPLE CAT(POLICY, _act_sample)
#define OBS_SIZE CAT(UPOLICY, _OBS_SIZE)
#define ACTION_SIZE CAT(UPOLICY, _ACTION_SIZE)
#define N_ACTIONS CAT(UPOLICY, _N_ACTIONS)

static double uniform(void *user) {
  uint64_t *s = user;
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

int main(void) {
  float obs[OBS_SIZE], action[ACTION_SIZE];
  unsigned char head[2], mask[N_ACTIONS + 1];
  uint64_t state = 12345u;
  while (fread(head, 1, 2, stdin) == 2) {
    int32_t st;
    if (fread(obs, sizeof obs[0], OBS_SIZE, stdin) != OBS_SIZE) return 1;
    if (head[1] && fread(mask, 1, N_ACTIONS, stdin) != N_ACTIONS) return 1;
    st = head[0] ? ACT_SAMPLE(obs, head[1] ? mask : NULL, uniform, &state, action)
                 : ACT(obs, head[1] ? mask : NULL, action);
    if (fwrite(&st, sizeof st, 1, stdout) != 1 ||
        fwrite(action, sizeof action[0], ACTION_SIZE, stdout) != ACTION_SIZE ||
        fflush(stdout) != 0)
      return 1;
  }
  return 0;
}
