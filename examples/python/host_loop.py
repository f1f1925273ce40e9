"""A host-driven loop, as a game would run it: the game owns the simulation
(here a small pure-Python cart-pole) and calls the agent once per frame:
step -> simulate -> report -> update.

usage: python3 host_loop.py [frames]
"""
import math
import random
import sys

import policygrad as pg


class Pole:
    def reset(self, rnd):
        self.state = [rnd.uniform(-0.05, 0.05) for _ in range(4)]
        self.t = 0
        return list(self.state)

    def step(self, action):  # -> obs, terminated, truncated
        x, v, th, w = self.state
        f = 10.0 if action else -10.0
        ct, st = math.cos(th), math.sin(th)
        tmp = (f + 0.05 * w * w * st) / 1.1
        a_th = (9.8 * st - ct * tmp) / (0.5 * (4.0 / 3.0 - 0.1 * ct * ct / 1.1))
        a_x = tmp - 0.05 * a_th * ct / 1.1
        self.state = [x + 0.02 * v, v + 0.02 * a_x, th + 0.02 * w, w + 0.02 * a_th]
        self.t += 1
        term = abs(self.state[0]) > 2.4 or abs(self.state[2]) > 12 * 2 * math.pi / 360
        return list(self.state), term, self.t >= 500


frames = int(sys.argv[1]) if len(sys.argv) > 1 else 60_000
with pg.Context(seed=3) as ctx:
    policy = pg.Net(ctx, 4, 8, seed=1).add_dense(64, gain=1.4142).add_categorical_head(2).finalize()
    value = pg.Net(ctx, 4, 8, seed=2).add_dense(64, gain=1.4142).add_value_head().finalize()
    agent = pg.Agent(ctx, "reinforce_baseline", policy, value)
    rnd, game = random.Random(7), Pole()
    obs = game.reset(rnd)
    for frame in range(frames):          # the game's frame update
        (action,) = agent.step(obs)
        nxt, term, trunc = game.step(action)
        agent.report([1.0], [term], [trunc], nxt)
        agent.update()
        obs = game.reset(rnd) if (term or trunc) else nxt
        if frame % 10_000 == 9_999:
            print("frame %6d  episodes %4d  mean return (last 100) %6.1f"
                  % (frame + 1, agent.stat("episodes"), agent.stat("mean_return_100")))
