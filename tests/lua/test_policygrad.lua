-- Lua binding suite (LuaJIT). Run: POLICYGRAD_LIB=build/libpolicygrad.so luajit tests/lua/test_policygrad.lua
local dir = (debug.getinfo(1, "S").source:sub(2):match("^(.*)/") or ".")
package.path = dir .. "/../../examples/lua/?.lua;" .. package.path
local pg = require("policygrad")

local H = dofile(dir .. "/harness.lua")
local test, expect_error = H.test, H.expect_error

-- A 5-state chain in Lua: start 0, action 1 right, 0 left; -1 per step;
-- terminated at 4. Observation: one-hot. Best return -4.
local N = 5
local open_instances = 0
local function Corridor(fail_at)
  open_instances = open_instances + 1
  local e = { s = 0, steps = 0 }
  local function obs() local o = {} for i = 1, N do o[i] = (i - 1 == e.s) and 1 or 0 end return o end
  function e:reset(seed) self.s = 0 return obs() end
  function e:step(a)
    self.steps = self.steps + 1
    if fail_at and self.steps >= fail_at then error("corridor exploded") end
    if a == 1 then self.s = math.min(N - 1, self.s + 1) else self.s = math.max(0, self.s - 1) end
    return obs(), -1, self.s == N - 1, false
  end
  function e:close() open_instances = open_instances - 1 end
  return e
end
local function corridor_env(ctx, fail_at, factory)
  return pg.Env.from_lua(ctx, Corridor(fail_at), { obs_size = N, n_actions = 2, name = "corridor",
    max_episode_steps = 50, factory = factory ~= false and function() return Corridor() end or nil })
end

test("version and names", function()
  assert(pg.version():match("^0%.1%."))
  local found = false
  for _, n in ipairs(pg.builtin_env_names()) do if n == "CartPole-v1" then found = true end end
  assert(found)
  assert(pg.param_name(pg.const.PG_PARAM_GAMMA) == "gamma")
  assert(pg.param_from_name("lr") == pg.const.PG_PARAM_LR)
end)

test("builtin CartPole to a threshold", function()
  local ctx = pg.Context(1)
  local env = pg.Env.builtin(ctx, "CartPole-v1", 1)
  local agent = pg.Agent.for_env(ctx, "reinforce_baseline", env, 64, 1)
  agent:set_param("seed", 1)
  local calls = 0
  local stats = agent:train(env, 400000, function(a)
    calls = calls + 1
    return a:stat("mean_return_100") >= 150
  end)
  assert(stats.mean_return_100 >= 150, stats.mean_return_100)
  assert(calls > 0)
  local mean = agent:evaluate(env, 5, true)
  assert(mean > 100, mean)
  agent:close() env:close() ctx:close()
end)

test("Lua environment to a threshold", function()
  local ctx = pg.Context(2)
  local env = corridor_env(ctx)
  local agent = pg.Agent.for_env(ctx, "actor_critic", env, 16, 1)
  agent:set_params({ seed = 2, lr = 0.01, value_lr = 0.02 })
  agent:train(env, 20000, function(a)
    return a:stat("episodes") >= 50 and a:stat("mean_return_100") >= -5.5
  end)
  assert(agent:stat("mean_return_100") >= -5.5, agent:stat("mean_return_100"))
  assert(agent:evaluate(env, 3) == -4)
  expect_error(function() agent:set_param("num_threads", 2) agent:train(env, 100) end, "num_threads = 1")
  agent:close() env:close() ctx:close()
end)

test("multi-slot agent and VecEnv through the factory", function()
  collectgarbage() collectgarbage()
  local before = open_instances
  local ctx = pg.Context(3)
  local env = corridor_env(ctx)
  local agent = pg.Agent.for_env(ctx, "paac", env, 16, 1)
  agent:set_params({ num_envs = 4, num_threads = 1, seed = 3 })
  agent:train(env, 2000)
  assert(agent:stat("episodes") > 0)
  local vec = pg.VecEnv(env, 3, 1, 4)
  local obs = vec:reset()
  assert(#obs == 3 and #obs[1] == N)
  local _, rew = vec:step({ 1, 1, 0 })
  assert(rew[1] == -1 and rew[3] == -1)
  expect_error(function() pg.VecEnv(env, 2, 2, 0) end, "n_threads = 1")
  vec:close() agent:close() env:close() ctx:close()
  assert(open_instances == before, open_instances .. " vs " .. before)
end)

test("host-driven loop", function()
  local ctx = pg.Context(4)
  local policy = pg.Net(ctx, N, 8, 1):add_dense(16):add_categorical_head(2):finalize()
  local value = pg.Net(ctx, N, 8, 2):add_dense(16):add_value_head():finalize()
  local agent = pg.Agent(ctx, "actor_critic", policy, value)
  agent:set_params({ lr = 0.01, value_lr = 0.02, seed = 4 })
  local game = Corridor()
  local obs, episodes, t = game:reset(), 0, 0
  for _ = 1, 4000 do
    local action = agent:step(obs)[1]
    local nxt, r, term, trunc = game:step(action)
    t = t + 1
    trunc = trunc or t >= 50
    agent:report({ r }, { term }, { trunc }, nxt)
    agent:update()
    if term or trunc then obs, episodes, t = game:reset(), episodes + 1, 0 else obs = nxt end
  end
  assert(agent:stat("episodes") == episodes)
  assert(agent:stat("mean_return_100") >= -6, agent:stat("mean_return_100"))
  assert(agent:act({ 1, 0, 0, 0, 0 }) == 1)
  assert(agent:net(0) == policy)
  agent:close()
end)

test("save, reload, evaluate", function()
  local ctx = pg.Context(5)
  local env = pg.Env.builtin(ctx, "CartPole-v1", 5)
  local agent = pg.Agent.for_env(ctx, "reinforce_baseline", env, 64, 1)
  agent:set_param("seed", 5)
  agent:train(env, 20000)
  local path = os.tmpname()
  agent:net(0):save(path)
  local data = agent:net(0):to_string()
  local chunks = {}
  agent:net(0):save_to(function(s) chunks[#chunks + 1] = s end)
  assert(table.concat(chunks) == data)
  local net = pg.Net.load(ctx, path)
  local a, b = net:get_params(), agent:net(0):get_params()
  assert(#a == #b and a[1] == b[1] and a[#a] == b[#b])
  local pol = pg.Policy.load(ctx, path)
  assert(pol.observation_size == 4 and pol.n_actions == 2)
  local sess = pol:session(1)
  local obs = env:reset()
  for _ = 1, 5 do
    local act = sess:act(obs, nil, true)
    assert(act == agent:act(obs))
    local term, trunc
    obs, _, term, trunc = env:step(act)
    if term or trunc then obs = env:reset() end
  end
  local agent2 = pg.Agent(ctx, "reinforce", net)
  assert(agent2:evaluate(env, 3) == agent:evaluate(env, 3))
  os.remove(path)
  expect_error(function() pg.Net.load(ctx, path) end)
  assert(pg.last_status == pg.const.PG_ERR_IO)
  if pcall(function() return pg.C.pg_agent_save_memory end) then
    local ok, blob = pcall(agent.to_string, agent)
    if ok then
      local loaded = pg.Agent.from_string(ctx, blob)
      assert(loaded:evaluate(env, 3) == agent:evaluate(env, 3))
    end
  end
end)

test("bad arguments carry the library's message", function()
  local ctx = pg.Context()
  local err = expect_error(function() pg.Env.builtin(ctx, "NoSuchTask") end, "NoSuchTask")
  assert(err:find(ctx:last_error(), 1, true))
  assert(pg.last_status == pg.const.PG_ERR_INVALID_ARG)
  assert(err:find("test_policygrad.lua", 1, true), "error points at the caller: " .. err)
  expect_error(function() pg.Net(ctx, 0, 1) end, "input_dim")
  local net = pg.Net(ctx, 4, 1):add_dense(8):add_categorical_head(2):finalize()
  expect_error(function() net:add_dense(4) end)
  assert(pg.last_status == pg.const.PG_ERR_BAD_STATE)
  local env = pg.Env.builtin(ctx, "CartPole-v1")
  local agent = pg.Agent.for_env(ctx, "reinforce", env)
  expect_error(function() agent:set_param("gamma", 5) end, "gamma")
  assert(pg.last_status == pg.const.PG_ERR_OUT_OF_RANGE)
  expect_error(function() agent:set_param("no_such_param", 1) end)
  expect_error(function() env:step(0) end)
  assert(pg.last_status == pg.const.PG_ERR_BAD_STATE)
  env:reset()
  expect_error(function() env:step(7) end)
  assert(pg.last_status == pg.const.PG_ERR_OUT_OF_RANGE)
  expect_error(function() agent:step({ 0, 0, 0 }) end, "pg_agent_step: obs_len is 3, expected 4")
  assert(pg.last_status == pg.const.PG_ERR_SHAPE)
  expect_error(function() pg.Agent.for_env(ctx, "no_such_algorithm", env) end, "no_such_algorithm")
  local pol = pg.Policy.from_net(net)
  expect_error(function() pol:session():act({ 0 / 0, 0, 0, 0 }) end)
  assert(pg.last_status == pg.const.PG_ERR_NUMERIC)
end)

test("agent shape and lengths checked by the library", function()
  local ctx = pg.Context(6)
  local env = pg.Env.builtin(ctx, "CartPole-v1")
  local agent = pg.Agent.for_env(ctx, "paac", env, 8, 1)
  local os_, al, na, ns = agent:shape()
  assert(os_ == 4 and al == 1 and na == 2 and ns == 32)
  assert(agent.discrete and agent.n_actions == 2 and agent.action_len == 1)
  agent:set_params({ num_envs = 2, t_max = 2 })
  assert(select(4, agent:shape()) == 2)
  local obs = { { 0.01, 0, 0.02, 0 }, { 0, 0.1, 0, -0.1 } }
  expect_error(function() agent:step(obs[1]) end, "pg_agent_step: obs_len is 4, expected 8 (2 slots x 4)")
  assert(pg.last_status == pg.const.PG_ERR_SHAPE)
  expect_error(function() agent:step(obs, { 1, 1, 1 }) end, "mask_len is 3, expected 4")
  expect_error(function() agent:act(obs) end, "pg_agent_act: obs_len is 8, expected 4 (1 row x 4)")
  expect_error(function() agent:act(obs[1], { 1 }) end, "mask_len is 1, expected 2")
  local a = agent:step(obs, { { 1, 0 }, { 0, 1 } })
  assert(a[1] == 0 and a[2] == 1)
  expect_error(function() agent:report({ 1 }, { 0 }, { 0 }, obs) end, "pg_agent_report: n is 1, expected 2")
  expect_error(function() agent:report({ 1, 1 }, { 0, 0 }, { 0 }, obs) end, "one of each per slot")
  expect_error(function() agent:report({ 1, 1 }, { 0, 0 }, { 0, 0 }, obs[1]) end,
               "next_obs_len is 4, expected 8")
  agent:report({ 1, 1 }, { 0, 1 }, { 0, 0 }, obs) -- still awaited: accepted
  assert(agent:update() == false)
  assert(#agent:step(obs) == 2)
  agent:report({ 1, 1 }, { 0, 0 }, { 0, 0 }, obs)
  assert(agent:update() == true)
  assert(agent:stat("total_steps") == 4 and agent:stat("episodes") == 1)
  local pend = pg.Env.builtin(ctx, "Pendulum-v1")
  local cont = pg.Agent.for_env(ctx, "reinforce", pend, 8, 1)
  local o3, a3, n3, s3 = cont:shape()
  assert(o3 == 3 and a3 == 1 and n3 == 0 and s3 == 1 and not cont.discrete)
  assert(#cont:act({ 0.1, 0.2, 0.3 }) == 1)
  local a3c = pg.Agent.for_env(ctx, "a3c", env, 8, 1)
  local w = a3c:create_worker()
  assert(select(4, w:shape()) == 1 and w.observation_size == 4 and w.discrete)
  local err = expect_error(function() w:step({ 0, 0, 0, 0, 0 }) end,
                           "pg_agent_step: obs_len is 5, expected 4 (1 slot x 4)")
  assert(err:find("test_policygrad.lua", 1, true), "error points at the caller: " .. err)
  local wa = w:step({ 0, 0, 0, 0 })[1]
  assert(wa == 0 or wa == 1)
  w:close()
  a3c:close() cont:close() pend:close() agent:close() env:close()
end)

test("an error in a Lua env callback stops training cleanly", function()
  local ctx = pg.Context(6)
  local bad = corridor_env(ctx, 30, false)
  local agent = pg.Agent.for_env(ctx, "actor_critic", bad, 16, 1)
  local err = expect_error(function() agent:train(bad, 10000) end, "corridor exploded")
  assert(err:find("corridor", 1, true))
  assert(pg.last_status == pg.const.PG_ERR_CALLBACK)
  assert(ctx.pending == nil)
  local good = corridor_env(ctx)
  agent:train(good, 500)
  assert(agent:stat("total_steps") > 0)
  local bad2 = corridor_env(ctx, 1, false)
  bad2:reset()
  expect_error(function() bad2:step(1) end, "exploded")
  bad2:reset()
  -- progress errors too
  expect_error(function() agent:train(good, 1000, function() error("stop here") end) end, "stop here")
  agent:train(good, 200)
end)

test("handles freed in any order", function()
  local function make()
    local ctx = pg.Context(1)
    local env = pg.Env.builtin(ctx, "CartPole-v1")
    local lenv = corridor_env(ctx)
    local pol = pg.Net(ctx, 4, 4):add_dense(8):add_categorical_head(2):finalize()
    local val = pg.Net(ctx, 4, 4):add_dense(8):add_value_head():finalize()
    local agent = pg.Agent(ctx, "actor_critic", pol, val)
    agent:train(env, 50)
    local opt = pg.Optimizer(val, "adam")
    local policy = pg.Policy.from_net(pol)
    local sess = policy:session()
    local own = pg.Agent.for_env(ctx, "paac", env, 8)
    local view = own:net(0)
    local vec = pg.VecEnv(lenv, 2, 1)
    return { ctx, env, lenv, pol, val, agent, opt, policy, sess, own, view, vec }
  end
  math.randomseed(1234)
  for round = 1, 60 do
    local objs = make()
    local order = {}
    for i = 1, #objs do order[i] = i end
    if round == 2 then for i = 1, #objs do order[i] = #objs + 1 - i end
    elseif round > 2 then
      for i = #order, 2, -1 do local j = math.random(i) order[i], order[j] = order[j], order[i] end
    end
    for _, i in ipairs(order) do objs[i]:close() objs[i]:close() end
  end
  -- garbage collection in arbitrary orders
  for _ = 1, 20 do
    local objs = make()
    for i = #objs, 1, -3 do objs[i] = nil collectgarbage() end
    objs = nil
    collectgarbage() collectgarbage()
  end
  -- a borrowed net outlives its agent
  local ctx = pg.Context()
  local env = pg.Env.builtin(ctx, "CartPole-v1")
  local pol = pg.Net(ctx, 4, 4):add_dense(8):add_categorical_head(2):finalize()
  local agent = pg.Agent(ctx, "reinforce", pol)
  pol:close()
  ctx:close()
  agent:train(env, 200)
  agent:close()
  local owner = pg.Agent.for_env(pg.Context(), "reinforce", pg.Env.builtin(pg.Context(), "CartPole-v1"))
  local view = owner:net(0)
  owner:close()
  expect_error(function() view:param_count() end, "closed Agent")
  env:close()
end)

H.finish()
