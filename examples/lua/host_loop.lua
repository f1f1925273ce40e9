-- A host-driven loop as a game runs it: the game owns a small Lua cart-pole
-- and calls the agent once per frame: step -> simulate -> report -> update.
-- usage: luajit host_loop.lua [frames]
package.path = (arg[0]:match("^(.*)/") or ".") .. "/?.lua;" .. package.path
local pg = require("policygrad")

local Pole = {}
function Pole.reset(p)
  for i = 1, 4 do p[i] = math.random() * 0.1 - 0.05 end
  p.t = 0
  return { p[1], p[2], p[3], p[4] }
end
function Pole.step(p, action)  -- -> obs, terminated, truncated
  local x, v, th, w = p[1], p[2], p[3], p[4]
  local f = action == 1 and 10 or -10
  local ct, st = math.cos(th), math.sin(th)
  local tmp = (f + 0.05 * w * w * st) / 1.1
  local a_th = (9.8 * st - ct * tmp) / (0.5 * (4 / 3 - 0.1 * ct * ct / 1.1))
  local a_x = tmp - 0.05 * a_th * ct / 1.1
  p[1], p[2], p[3], p[4] = x + 0.02 * v, v + 0.02 * a_x, th + 0.02 * w, w + 0.02 * a_th
  p.t = p.t + 1
  local term = math.abs(p[1]) > 2.4 or math.abs(p[3]) > 12 * 2 * math.pi / 360
  return { p[1], p[2], p[3], p[4] }, term, p.t >= 500
end

math.randomseed(7)
local frames = tonumber(arg[1]) or 50000
local ctx = pg.Context(3)
local policy = pg.Net(ctx, 4, 8, 1):add_dense(64, "relu", "orthogonal", 1.4142):add_categorical_head(2):finalize()
local value = pg.Net(ctx, 4, 8, 2):add_dense(64, "relu", "orthogonal", 1.4142):add_value_head():finalize()
local agent = pg.Agent(ctx, "reinforce_baseline", policy, value)
local game = {}
local obs = Pole.reset(game)
for frame = 1, frames do   -- the game's frame update
  local action = agent:step(obs)[1]
  local nxt, term, trunc = Pole.step(game, action)
  agent:report({ 1 }, { term }, { trunc }, nxt)
  agent:update()
  if term or trunc then obs = Pole.reset(game) else obs = nxt end
  if frame % 10000 == 0 then
    print(string.format("frame %6d  episodes %4d  mean return (last 100) %6.1f",
      frame, agent:stat("episodes"), agent:stat("mean_return_100")))
  end
end
