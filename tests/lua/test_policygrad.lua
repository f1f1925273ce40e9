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

test("recurrent policy: reloaded, it acts identically over whole episodes", function()
  local ctx = pg.Context(3)
  local env = pg.Env.builtin(ctx, "CueCorridor", 3)
  local net = pg.Net(ctx, 3, 2 * 4 * 5 + 4, 3)
  net:add_dense(16, "tanh"):add_lstm(16):add_categorical_head(2):add_value_head()
  net:finalize()
  local agent = pg.Agent(ctx, "paac", net)
  agent:set_param("num_envs", 4)
  agent:set_param("t_max", 5)
  agent:train(env, 2000)
  agent:reset_state(3)
  expect_error(function() agent:reset_state(4) end)
  local pol = pg.Policy.from_net(net)
  local back = pg.Policy.from_string(ctx, pol:to_string())
  local a, b = pol:session(1), back:session(1)
  for _ = 1, 5 do
    local obs, done = env:reset(), false
    while not done do
      local x, y = a:act(obs, nil, false), b:act(obs, nil, false)
      assert(x == y)
      local term, trunc
      obs, _, term, trunc = env:step(x)
      done = term or trunc
    end
    a:reset()
    b:reset()
  end
  net:reset_state()
  net:forward_seq({0, 0, 0, 0, 0, 0}, 2, 1)
end)

test("normalized PPO: exact resume, and its policy acts as the agent", function()
  local ctx = pg.Context(7)
  local env = pg.Env.builtin(ctx, "Pendulum-v1", 7)
  local agent = pg.Agent.for_env(ctx, "ppo", env, 16, 1)
  agent:set_param("norm_obs", 1)
  agent:set_param("t_max", 32)
  agent:train(env, 512)
  local back = pg.Agent.from_string(ctx, agent:to_string())
  assert(back:to_string() == agent:to_string())
  agent:train(pg.Env.builtin(ctx, "Pendulum-v1", 9), 256)
  back:train(pg.Env.builtin(ctx, "Pendulum-v1", 9), 256)
  assert(back:to_string() == agent:to_string(), "resumed agent differs")
  local data = pg.Policy.from_agent(agent):to_string()
  assert(data:byte(5) == 3, "a normalized policy is format version 3")
  local sess = pg.Policy.from_string(ctx, data):session(1)
  local plain = pg.Policy.from_net(agent:net(0)):session(1)
  local differ = 0
  for i = 0, 39 do
    local obs = {}
    for j = 0, 2 do obs[j + 1] = math.sin(0.7 * i + 1.3 * j) * 2.0 end
    local want = agent:act(obs, nil, true)
    local got = sess:act(obs, nil, true)
    assert(got[1] == want[1], "policy and agent act differently")
    if plain:act(obs, nil, true)[1] ~= want[1] then differ = differ + 1 end
  end
  assert(differ > 0, "normalization changed nothing")
end)

test("recurrent agent for an env: act() keeps its own state", function()
  local ctx = pg.Context(4)
  local env = pg.Env.builtin(ctx, "CueCorridor:length=4", 4)
  for _, algo in ipairs({ "paac", "a3c" }) do
    local agent = pg.Agent.for_env_lstm(ctx, algo, env, 16, 1, 8)
    agent:set_param("num_envs", algo == "paac" and 4 or 1)
    agent:train(env, 1000)
    local session = pg.Policy.from_agent(agent):session(1)
    for _ = 1, 3 do
      agent:reset_act_state()
      session:reset()
      local obs, done = env:reset(), false
      while not done do
        local x = agent:act(obs)
        assert(x == session:act(obs, nil, true))
        local term, trunc
        obs, _, term, trunc = env:step(x)
        done = term or trunc
      end
    end
  end
  expect_error(function() pg.Agent.for_env_lstm(ctx, "reinforce", env, 16, 1, 8) end, "recurrent")
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

test("conv net: build, forward, save, reload", function()
  local ctx = pg.Context(1)
  local net = pg.Net.image(ctx, 6, 5, 2, 2, 3)
  net:add_conv2d(4, {3, 2}, 2, "same", "tanh"):add_flatten()
  net:add_categorical_head(3):add_value_head():finalize()
  local rows = {}
  for i = 0, 119 do rows[#rows + 1] = (i * 7 % 5) / 5 end
  net:forward(rows, 2)
  local probs = net:get_output("probs")
  local path = os.tmpname()
  net:save(path)
  local back = pg.Net.load(ctx, path)
  os.remove(path)
  back:forward(rows, 2)
  local again = back:get_output("probs")
  assert(#again == 6)
  for i = 1, 6 do assert(again[i] == probs[i]) end
  local flat = pg.Net(ctx, 4, 1)
  expect_error(function() flat:add_conv2d(2, 2) end, "not an image")
  expect_error(function() net:add_conv2d(2, 2, 1, "full") end)
end)

test("Lua pixel environment with conv agents", function()
  local ctx = pg.Context(3)
  -- Catch on a 6 x 5 board, observed as a 6x5x1 image.
  local H, W = 6, 5
  local game = {}
  local function obs()
    local o = {}
    for i = 1, H * W do o[i] = 0 end
    o[game.by * W + game.bx + 1] = 1
    o[(H - 1) * W + game.px + 1] = 1
    return o
  end
  local pixel = {
    reset = function(_, seed)
      game.bx, game.by, game.px = math.floor(tonumber(seed or 0) % W), 0, 2
      return obs()
    end,
    step = function(_, a)
      game.px = math.min(W - 1, math.max(0, game.px + a - 1))
      game.by = game.by + 1
      local done = game.by == H - 1
      return obs(), done and (game.px == game.bx and 1 or -1) or 0, done, false
    end,
  }
  local env = pg.Env.from_lua(ctx, pixel, { obs_size = H * W, n_actions = 3, name = "pixels" })
  env:set_observation_image(H, W, 1)
  local agent = pg.Agent.for_env_trunk(ctx, "actor_critic", env, "small")
  assert(pg.trunk_name("small") == "small")
  agent:train(env, 1500)
  assert(agent:stat("episodes") > 100)
  local template = pg.Net.image(ctx, H, W, 1):add_conv2d(4, 3, 1, "same"):add_flatten()
  local agent2 = pg.Agent.from_template(ctx, "reinforce", env, template)
  agent2:train(env, 500)
  expect_error(function() pg.Agent.for_env_trunk(ctx, "actor_critic", env, "nips") end,
               "larger than the input")
end)

test("environment wrappers", function()
  local ctx = pg.Context(3)
  local game = pg.Env.builtin(ctx, "Catch", 1)
  local env = game:action_repeat(2):frame_stack(4)
  expect_error(function() game:reset() end, "closed") -- it belongs to the wrapper now
  local h, w, c = env:observation_image()
  assert(h == 10 and w == 5 and c == 4)
  local obs = env:reset()
  assert(#obs == 200 and obs[1] == obs[4])
  local _, r = env:step(1)
  assert(r == 0)
  expect_error(function() pg.Env.builtin(ctx, "Bounce"):grayscale_resize(5, 5) end,
               "another channel count")
  local small = pg.Env.builtin(ctx, "Dodge"):grayscale_resize(5, 5, "bilinear")
  assert(#small:reset() == 25)
  local agent = pg.Agent.for_env_trunk(ctx, "paac", pg.Env.builtin(ctx, "Dodge"):frame_stack(2), "small")
  assert(agent ~= nil)
end)

test("a policy acts on bytes", function()
  local ctx = pg.Context()
  local net = pg.Net.image(ctx, 6, 5, 1):add_conv2d(4, 3, 1, "same"):add_flatten()
                :add_categorical_head(3):finalize()
  local pol = pg.Policy.from_net(net)
  local a, b = pol:session(4), pol:session(4)
  local bytes, floats = {}, {}
  for i = 1, 30 do bytes[i] = (i * 41) % 256 floats[i] = bytes[i] / 255 end
  local str = string.char(unpack(bytes))
  for _ = 1, 5 do
    assert(a:act(floats) == b:act_u8(bytes))
    assert(a:act(floats) == b:act_u8(str))
  end
  assert(a:act(floats, nil, true) == b:act_u8(str, nil, true))
  expect_error(function() b:act_u8(str:sub(1, 29)) end, "obs_len 29 bytes, the policy takes 30")
  expect_error(function() b:act_u8({ 256 }) end, "not a byte")
end)

test("byte observations", function()
  local ffi = require("ffi")
  local ctx = pg.Context()
  local b, f = pg.Env.builtin(ctx, "Catch", 2), pg.Env.builtin(ctx, "Catch", 2)
  assert(f:observation_dtype() == "float32")
  expect_error(function() f:reset_u8() end, "has float observations")
  expect_error(function() b:set_observation_dtype("int8") end, "'float32' or 'uint8'")
  b:set_observation_dtype("uint8")
  assert(b:observation_dtype() == "uint8")
  expect_error(function() corridor_env(ctx):set_observation_dtype("uint8") end,
               "callbacks write floats")
  local ob, of = b:reset_u8(), f:reset()
  assert(type(ob) == "string" and #ob == 50)
  for i = 1, 50 do assert(ob:byte(i) == math.floor(of[i] * 255 + 0.5)) end
  local ob2, r = b:step_u8(0)
  local of2, r2 = f:step(0)
  assert(r == r2)
  for i = 1, 50 do assert(ob2:byte(i) == math.floor(of2[i] * 255 + 0.5)) end
  local vec = pg.VecEnv(b, 2, 1, 4)
  local rows = vec:reset_u8()
  assert(#rows == 100)
  local nxt, rew, te, tr, fin = vec:step_u8({ 1, 1 })
  assert(#nxt == 100 and #fin == 100 and #rew == 2)
  local agent = pg.Agent.for_env(ctx, "paac", b, 8, 1)
  agent:set_param("num_envs", 2)
  assert(#agent:step_u8(rows) == 2)
  expect_error(function() agent:report_u8(rew, te, tr, ffi.new("float[100]")) end,
               "must be uint8_t bytes")
  expect_error(function() agent:report_u8(rew, te, tr, nxt:sub(1, 99)) end, "next_obs_len is 99")
  local buf = ffi.new("uint8_t[100]")
  ffi.copy(buf, nxt, 100)
  agent:report_u8(rew, te, tr, buf)
  assert(#agent:step_u8(nxt) == 2)
  agent:report_u8(rew, te, tr, nxt)
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

-- ---------------------------------------------------------------------------
-- 64-bit seeds, error positions, names.
-- ---------------------------------------------------------------------------
local ffi = require("ffi")
local bit = require("bit")
local float_bits = ffi.new("union { float f; uint32_t u; }")
local function fhex(x) float_bits.f = x return bit.tohex(float_bits.u, 8) end
local function shex(v) return bit.tohex(ffi.cast("uint64_t", v), 16) end
local function hex64(s)
  local v = 0ULL
  for i = 1, #s do v = v * 16 + tonumber(s:sub(i, i), 16) end
  return v
end

-- The replay of tests/seed_replay.c through the binding: the same records
-- in the same order. as_number(seed) picks the Lua value passed for a seed.
local function lua_replay(seeds, tasks, as_number)
  local out = {}
  local function emit(...) out[#out + 1] = table.concat({ ... }, " ") end
  local ctx = pg.Context()
  for _, seed in ipairs(seeds) do
    local arg = as_number(seed)
    for _, task in ipairs(tasks) do
      local env = pg.Env.builtin(ctx, task, arg)
      for k = 0, 1 do
        local obs, row = env:reset(), { "builtin", task, shex(seed), tostring(k) }
        for i = 1, #obs do row[#row + 1] = fhex(obs[i]) end
        emit(unpack(row))
      end
      env:close()
    end
    -- a Lua environment recording the seeds the library hands it
    local made = {}
    local function Recorder(index, create_seed)
      local r = { index = index, create_seed = create_seed, resets = {} }
      function r:reset(s)
        assert(ffi.istype("uint64_t", s), "reset's seed is a uint64_t cdata")
        self.resets[#self.resets + 1] = s
        return { 0 }
      end
      function r:step() return { 0 }, 0, true, false end
      made[#made + 1] = r
      return r
    end
    local factory = function(index, s)
      assert(ffi.istype("uint64_t", s), "the factory's seed is a uint64_t cdata")
      return Recorder(index, s)
    end
    local root = Recorder(-1, 0ULL)
    local env = pg.Env.from_lua(ctx, root, { obs_size = 1, n_actions = 2, name = "replay", factory = factory })
    env:set_seed(arg)
    for k = 0, 1 do env:reset() emit("host", shex(seed), tostring(k), shex(root.resets[k + 1])) end
    local clone = env:clone(3, arg)
    clone:reset()
    local c = made[#made]
    emit("clone", shex(seed), tostring(c.index), "create", shex(c.create_seed), "reset", shex(c.resets[1]))
    clone:close()
    local first = #made + 1
    local vec = pg.VecEnv(env, 3, 1, arg)
    vec:reset()
    for i = first, #made do
      emit("vec", shex(seed), tostring(made[i].index), "create", shex(made[i].create_seed), "reset",
           shex(made[i].resets[1]))
    end
    vec:close() env:close()
    local sctx = pg.Context(arg)
    assert(sctx:seed() == seed, "Context:seed() keeps all 64 bits")
    local rec = Recorder(-1, 0ULL)
    local senv = pg.Env.from_lua(sctx, rec, { obs_size = 1, n_actions = 2 })
    senv:reset()
    emit("ctx", shex(seed), shex(rec.resets[1]))
    senv:close() sctx:close()
  end
  ctx:close()
  return out
end

test("64-bit seeds: Lua replays the C program bit for bit", function()
  local prog = os.getenv("PG_SEED_REPLAY")
  if not prog or prog == "" then
    print("skip 64-bit seed replay: PG_SEED_REPLAY (the seed_replay program, set by ctest) is not set")
    return
  end
  local f = assert(io.popen("'" .. prog .. "'", "r"))
  local c_lines, seeds, tasks, seen = {}, {}, {}, {}
  for line in f:lines() do
    local s = line:match("^seed (%x+)$")
    if s then seeds[#seeds + 1] = hex64(s)
    else
      c_lines[#c_lines + 1] = line
      local task = line:match("^builtin (%S+)")
      if task and not seen[task] then seen[task] = true tasks[#tasks + 1] = task end
    end
  end
  assert(f:close(), "seed_replay failed")
  assert(#seeds >= 4 and #tasks >= 1 and #c_lines > 20, "seed_replay printed too little")
  assert(seeds[1] == 0xFEDCBA9876543210ULL)
  local as_cdata = function(s) return s end
  -- numbers where a double holds the seed exactly, cdata elsewhere
  local as_number = function(s) if s < 2ULL ^ 53 then return tonumber(s) end return s end
  for _, way in ipairs({ as_cdata, as_number }) do
    local mine = lua_replay(seeds, tasks, way)
    for i = 1, math.max(#mine, #c_lines) do
      assert(mine[i] == c_lines[i], "line " .. i .. ": C says\n  " .. tostring(c_lines[i])
             .. "\nLua says\n  " .. tostring(mine[i]))
    end
  end
end)

test("seed arguments: cdata exact, numbers only where exact", function()
  local ctx = pg.Context()
  local function first_obs(seed)
    local env = pg.Env.builtin(ctx, "CartPole-v1", seed)
    local o = env:reset()
    env:close()
    return table.concat(o, ",")
  end
  assert(first_obs(-1) == first_obs(0xFFFFFFFFFFFFFFFFULL), "-1 wraps as in C")
  assert(first_obs(-1LL) == first_obs(0xFFFFFFFFFFFFFFFFULL), "int64_t cdata wraps as in C")
  assert(first_obs(2 ^ 53 - 1) == first_obs(0x1FFFFFFFFFFFFFULL))
  expect_error(function() first_obs(2 ^ 53) end, "not below 2^53")
  assert(first_obs(12345) == first_obs(12345ULL))
  assert(first_obs(0xFEDCBA9876543210ULL) ~= first_obs(0xFEDCBA9876543000ULL))
  expect_error(function() pg.Env.builtin(ctx, "CartPole-v1", 1.5) end, "Env.builtin: seed 1.5 is not an integer")
  assert(pg.last_status == pg.const.PG_ERR_INVALID_ARG)
  expect_error(function() pg.Env.builtin(ctx, "CartPole-v1", 0xFEDCBA9876543210) end,
               "not below 2^53, where Lua numbers stop being exact integers; pass a uint64_t cdata")
  assert(pg.last_status == pg.const.PG_ERR_OUT_OF_RANGE)
  expect_error(function() pg.Env.builtin(ctx, "CartPole-v1", 0 / 0) end, "is not an integer")
  expect_error(function() pg.Env.builtin(ctx, "CartPole-v1", math.huge) end, "not below 2^53")
  expect_error(function() pg.Env.builtin(ctx, "CartPole-v1", "7") end, "got string")
  expect_error(function() pg.Env.builtin(ctx, "CartPole-v1", ffi.new("double", 7)) end, "got ctype<double>")
  expect_error(function() pg.Context(2 ^ 60) end, "Context:set_seed: seed")
  expect_error(function() pg.Rng(ctx, 1, 0.5) end, "Rng: stream 0.5 is not an integer")
  expect_error(function() pg.Net(ctx, 4, 1, -0.25) end, "Net: seed")
  local c2 = pg.Context(0xFEDCBA9876543210ULL)
  assert(c2:seed() == 0xFEDCBA9876543210ULL and ffi.istype("uint64_t", c2:seed()))
  assert(pg.to_seed(-1) == 0xFFFFFFFFFFFFFFFFULL)
  c2:close() ctx:close()
end)

-- The line of the caller, for errors expected to point at it.
local function here() return debug.getinfo(2, "l").currentline end
local function expect_error_at(line, fn, pattern)
  local err = expect_error(fn, pattern)
  local at = "test_policygrad.lua:" .. line .. ":"
  assert(err:find(at, 1, true), "error '" .. err .. "' does not point at " .. at)
  return err
end

test("errors point at the caller's line", function()
  local ctx = pg.Context(8)
  local env = pg.Env.builtin(ctx, "CartPole-v1")
  local agent = pg.Agent.for_env(ctx, "reinforce", env, 8)
  local l
  l = here() expect_error_at(l, function() pg.Env.builtin(ctx, "NoSuchTask") end, "NoSuchTask")
  l = here() expect_error_at(l, function() pg.Env.builtin(ctx, "CartPole-v1", 0.5) end, "not an integer")
  l = here() expect_error_at(l, function() pg.Agent.for_env(ctx, "nope", env) end, "unknown algorithm")
  l = here() expect_error_at(l, function() agent:set_param("nope", 1) end, "unknown parameter")
  l = here() expect_error_at(l, function() agent:get_param("nope") end, "unknown parameter")
  l = here() expect_error_at(l, function() agent:stat("nope") end, "unknown statistic")
  l = here() expect_error_at(l, function() env:step(0) end, "step before reset")
  env:reset()
  l = here() expect_error_at(l, function() env:step({ 0, 1 }) end, "action: 2 values, expected 1")
  l = here() expect_error_at(l, function() agent:step({ 0, 0 }) end, "obs_len is 2")
  l = here() expect_error_at(l, function() pg.Context(0.5) end, "not an integer")
  l = here() expect_error_at(l, function() pg.Net(ctx, 4, 1):add_dense(4, "nope") end, "unknown activation")
  local bad = corridor_env(ctx, 3, false)
  local cagent = pg.Agent.for_env(ctx, "reinforce", bad, 8)
  l = here() expect_error_at(l, function() cagent:train(bad, 100) end, "corridor exploded")
  cagent:close()
  local closed = pg.Env.builtin(ctx, "CartPole-v1")
  closed:close()
  l = here() expect_error_at(l, function() closed:reset() end, "Env is closed")
  -- a method called by pcall itself: the position is the line calling pcall
  l = here() local ok, err = pcall(pg.Env.builtin, ctx, "NoSuchTask")
  assert(not ok and tostring(err):find("test_policygrad.lua:" .. l .. ":", 1, true), tostring(err))
  agent:close() env:close() bad:close() ctx:close()
end)

test("unknown names list the valid ones", function()
  local ctx = pg.Context()
  local env = pg.Env.builtin(ctx, "CartPole-v1")
  local agent = pg.Agent.for_env(ctx, "reinforce", env, 8)
  expect_error(function() pg.Env.builtin(ctx, "CartPol-v1") end, "(known: Acrobot-v1, Bounce, CartPole-v1,")
  assert(pg.last_status == pg.const.PG_ERR_INVALID_ARG)
  expect_error(function() pg.Agent.for_env(ctx, "trpo", env) end,
               "unknown algorithm 'trpo' (known: a3c, actor_critic, async_n_step_q,")
  expect_error(function() pg.Agent.for_env(ctx, nil, env) end, "algorithm must be a name or a number, got nil")
  local err = expect_error(function() agent:set_param("learning_rate", 1e-3) end,
                           "unknown parameter 'learning_rate' (known: ")
  assert(err:find("gamma", 1, true) and err:find("lr,", 1, true) and err:find("entropy_beta", 1, true), err)
  expect_error(function() agent:get_param("gama") end, "unknown parameter 'gama' (known: ")
  expect_error(function() pg.param_from_name("gama") end, "clip_norm")
  expect_error(function() agent:set_param("gamma", "0.9") end, "must be a number, got string")
  expect_error(function() agent:stat("mean_return") end, "unknown statistic 'mean_return' (known: ")
  expect_error(function() agent:stat("mean_return") end, "mean_return_100")
  local net = pg.Net(ctx, 4, 1):add_dense(8):add_value_head():finalize()
  expect_error(function() pg.Optimizer(net, "adagrad") end, "unknown optimizer 'adagrad' (known: adam, rmsprop, sgd)")
  local opt = pg.Optimizer(net, "adam")
  expect_error(function() opt:set_param("learning_rate", 1) end,
               "unknown optimizer parameter 'learning_rate' (known: beta1, beta2, clip_norm, decay, epsilon, lr, momentum)")
  opt:set_param("lr", 1e-3)
  assert(math.abs(opt:get_param("lr") - 1e-3) < 1e-9)
  expect_error(function() net:get_output("logit") end, "(known: ")
  agent:close() env:close() ctx:close()
end)

test("bad values from a Lua environment: clear errors", function()
  local ctx = pg.Context()
  local function env_with(step, reset)
    local e = { reset = reset or function() return { 0, 0 } end, step = step }
    return pg.Env.from_lua(ctx, e, { obs_size = 2, n_actions = 2, name = "broken" })
  end
  local cases = {
    { function() return { 0, 0 }, nil, false, false end, "env:step() returned reward nil (nil); expected a number" },
    { function() return { 0, 0 }, "1", false, false end, "returned reward 1 (string)" },
    { function() return { 0 }, 1, false, false end, "env:step() returned an observation of 1 values; expected 2 (obs_size)" },
    { function() return { 0, "x" }, 1, false, false end, "env:step() returned observation[2] = x (string)" },
    { function() return { 0, 0 }, 1, true, {} end, "env:step() returned truncated of type table; expected a boolean" },
    { function() return 5, 1, false, false end, "an observation of 1 values" },
  }
  for _, c in ipairs(cases) do
    local env = env_with(c[1])
    env:reset()
    expect_error(function() env:step(0) end, c[2])
    assert(pg.last_status == pg.const.PG_ERR_CALLBACK)
    env:close()
  end
  local env = env_with(function() return { 0, 0 }, 0 / 0, false, false end)
  env:reset()
  local err = expect_error(function() env:step(0) end, "step returned reward")
  assert(err:find("nan", 1, true), err)
  assert(pg.last_status == pg.const.PG_ERR_NUMERIC, "the library reports NaN")
  env:close()
  env = env_with(nil, function() return "start" end)
  expect_error(function() env:reset() end, "env:reset() returned string as the observation; expected a table of 2 numbers")
  env:close()
  -- a well-behaved env with number flags still works
  env = env_with(function() return { 1, 1 }, 1, 1, 0 end)
  env:reset()
  local _, r, te, tr = env:step(1)
  assert(r == 1 and te == true and tr == false)
  env:close() ctx:close()
end)

test("export as C source", function()
  local ctx = pg.Context(3)
  local env = pg.Env.builtin(ctx, "CartPole-v1", 3)
  local agent = pg.Agent.for_env(ctx, "actor_critic", env, 16, 1)
  local pol = pg.Policy.from_agent(agent)
  local text = pol:export_c_text("cartpole")
  assert(text:find("int cartpole_act(const float *obs", 1, true))
  assert(text == pol:export_c_text("cartpole"))
  assert(pol:export_c_text("cartpole", pg.C.PG_EXPORT_C_SOURCE):find('#include "cartpole.h"', 1, true))
  local path = os.tmpname()
  agent:export_c("cartpole", path)
  local f = assert(io.open(path, "rb"))
  assert(f:read("*a") == text)
  f:close()
  os.remove(path)
  local mode = pg.export_c_fused_mode()
  assert(mode == 0 or mode == 1)
  assert(pol:export_c_text("cartpole", nil, true):find("static const signed char cartpole_l0_w_q[", 1, true))
  local ok, err = pcall(pol.export_c_text, pol, "9lives")
  assert(not ok and tostring(err):find("not a C identifier", 1, true))
  env:close() ctx:close()
end)

H.finish()
