-- Train on the built-in CartPole-v1, print progress, save, reload, evaluate.
-- usage: luajit train_cartpole.lua [max_steps]   (from examples/lua, or set LUA_PATH)
package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local pg = require("policygrad")

local steps = tonumber(arg[1]) or 300000
local ctx = pg.Context(1)
local env = pg.Env.builtin(ctx, "CartPole-v1", 1)
local agent = pg.Agent.for_env(ctx, "reinforce_baseline", env, 64, 1)
agent:set_params({ seed = 1, report_interval = 10000 })
agent:train(env, steps, function(a)
  print(string.format("steps %7d  episodes %5d  mean return (last 100) %6.1f",
    a:stat("total_steps"), a:stat("episodes"), a:stat("mean_return_100")))
  return a:stat("mean_return_100") >= 475
end)
local path = os.tmpname()
agent:save(path)                       -- the whole agent
agent:net(0):save(path .. ".net")      -- or only the policy net
local reloaded = pg.Agent.load(ctx, path)
print(string.format("reloaded agent: greedy return %.1f +- %.1f", reloaded:evaluate(env, 20, true)))
local policy = pg.Policy.load(ctx, path .. ".net")
local obs, ret, done = env:reset(), 0, false
while not done do
  local r, term, trunc
  obs, r, term, trunc = env:step(policy:act(obs))
  ret, done = ret + r, term or trunc
end
print("policy checkpoint: one greedy episode, return " .. ret)
os.remove(path) os.remove(path .. ".net")
