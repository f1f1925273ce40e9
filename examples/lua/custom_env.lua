-- Train on an environment written in Lua: a 5-state corridor (start 0,
-- action 1 = right, 0 = left, -1 per step, terminated at 4; best return -4).
-- Lua environments need single-threaded agents (num_threads = 1).
package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local pg = require("policygrad")

local function Corridor()
  local e = { s = 0 }
  local function obs() local o = {} for i = 1, 5 do o[i] = (i - 1 == e.s) and 1 or 0 end return o end
  function e:reset(seed) self.s = 0 return obs() end
  function e:step(a)   -- a is the 0-based action index
    self.s = (a == 1) and math.min(4, self.s + 1) or math.max(0, self.s - 1)
    return obs(), -1, self.s == 4, false
  end
  return e
end

local ctx = pg.Context(2)
local env = pg.Env.from_lua(ctx, Corridor(), { obs_size = 5, n_actions = 2, name = "corridor",
  max_episode_steps = 50, factory = function(index, seed) return Corridor() end })
local agent = pg.Agent.for_env(ctx, "actor_critic", env, 16, 1)
agent:set_params({ seed = 2, lr = 0.01, value_lr = 0.02 })
agent:train(env, 20000, function(a)
  print(string.format("episode %4d  mean return %.2f", a:stat("episodes"), a:stat("mean_return_100")))
  return a:stat("mean_return_100") >= -4.5
end)
print("greedy return: " .. agent:evaluate(env, 5) .. " (best -4)")
