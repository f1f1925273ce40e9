"""Train on the built-in CartPole-v1, print progress, save, reload, evaluate.

usage: python3 train_cartpole.py [max_steps]   (POLICYGRAD_LIB=... if needed)
"""
import os
import sys
import tempfile

import policygrad as pg

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
with pg.Context(seed=1) as ctx:
    env = pg.Env.builtin(ctx, "CartPole-v1", seed=1)
    agent = pg.Agent.for_env(ctx, "reinforce_baseline", env, hidden_units=64)
    agent.set_params(seed=1, report_interval=10_000)

    def progress(a):
        print("steps %7d  episodes %5d  mean return (last 100) %6.1f"
              % (a.stat("total_steps"), a.stat("episodes"), a.stat("mean_return_100")))
        return a.stat("mean_return_100") >= 475  # solved: stop

    agent.train(env, steps, progress)
    path = os.path.join(tempfile.gettempdir(), "cartpole_agent.pgck")
    agent.save(path)                                    # the whole agent
    agent.net(0).save(path + ".net")                    # or just the policy net
    reloaded = pg.Agent.load(ctx, path)
    mean, std = reloaded.evaluate(env, 20, deterministic=True)
    print("reloaded agent: greedy return %.1f +- %.1f over 20 episodes" % (mean, std))
    policy = pg.Policy.load(ctx, path + ".net")         # inference only
    obs, done, ret = env.reset(), False, 0.0
    while not done:
        obs, r, term, trunc = env.step(policy.act(obs))
        ret, done = ret + r, term or trunc
    print("policy checkpoint: one greedy episode, return %.0f" % ret)
