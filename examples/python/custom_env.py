"""Train on an environment written in Python (a Gymnasium-style object).

The corridor: states 0..4, start at 0, action 1 = right, 0 = left; reward
-1 per step; the episode terminates at state 4 (best return -4). Any object
with reset(seed=...) -> (obs, info) and step(action) -> (obs, reward,
terminated, truncated, info) works, e.g. a gymnasium.Env.

usage: python3 custom_env.py
"""
import policygrad as pg


class Corridor:
    N = 5

    def __init__(self):
        self.s = 0

    def obs(self):
        return [1.0 if i == self.s else 0.0 for i in range(self.N)]

    def reset(self, seed=None):
        self.s = 0
        return self.obs(), {}

    def step(self, action):
        self.s = min(self.N - 1, self.s + 1) if action == 1 else max(0, self.s - 1)
        return self.obs(), -1.0, self.s == self.N - 1, False, {}


with pg.Context(seed=2) as ctx:
    # factory: lets multi-slot agents (PAAC num_envs > 1) and VecEnv make
    # more instances; keep num_threads = 1 for Python environments.
    env = pg.Env.from_python(ctx, Corridor(), obs_size=5, n_actions=2,
                             factory=lambda index, seed: Corridor(),
                             name="corridor", max_episode_steps=50)
    agent = pg.Agent.for_env(ctx, "actor_critic", env, hidden_units=16)
    agent.set_params(seed=2, lr=0.01, value_lr=0.02)
    agent.train(env, 20_000, lambda a: print("episode %4d  mean return %.2f"
                                             % (a.stat("episodes"), a.stat("mean_return_100")))
                or a.stat("mean_return_100") >= -4.5)
    print("greedy return:", agent.evaluate(env, 5)[0], "(best -4)")
