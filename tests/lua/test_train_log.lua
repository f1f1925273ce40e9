-- Training logs from LuaJIT: Agent:set_log_file / set_log_callback and
-- train(env, steps, progress, log).
-- Run: POLICYGRAD_LIB=build/libpolicygrad.so luajit tests/lua/test_train_log.lua
local dir = (debug.getinfo(1, "S").source:sub(2):match("^(.*)/") or ".")
package.path = dir .. "/../../examples/lua/?.lua;" .. package.path
local pg = require("policygrad")

local H = dofile(dir .. "/harness.lua")
local test, expect_error = H.test, H.expect_error

local HEADER = "steps,episodes,mean_return_100,last_return,policy_loss,value_loss,entropy,"
               .. "learning_rate,steps_per_second,wall_seconds"
local TMP = os.tmpname()

local function read_lines(path)
  local t = {}
  for line in io.lines(path) do t[#t + 1] = line end
  return t
end
local function fields(line)
  local t = {}
  for f in (line .. ","):gmatch("([^,]*),") do t[#t + 1] = f end
  return t
end
local function paac(ctx, interval)
  local env = pg.Env.builtin(ctx, "CartPole-v1", 1)
  local agent = pg.Agent.for_env(ctx, "paac", env, 16, 1)
  agent:set_param("report_interval", interval or 1000)
  return env, agent
end

test("file log: header, rows on disk, values of stat", function()
  local ctx = pg.Context(1)
  local env, agent = paac(ctx)
  agent:set_log_file(TMP)
  local calls = 0
  agent:train(env, 10000, function(a)
    calls = calls + 1
    local lines = read_lines(TMP)
    assert(#lines == 1 + calls, "rows on disk: " .. #lines)
    local f = fields(lines[#lines])
    assert(#f == 10)
    assert(tonumber(f[1]) == a:stat("total_steps"))
    assert(tonumber(f[2]) == a:stat("episodes"))
    assert(math.abs(tonumber(f[3]) - a:stat("mean_return_100")) < 1e-5)
  end)
  assert(calls >= 9)
  agent:close()
  assert(read_lines(TMP)[1] == HEADER)
end)

test("callback log, stop, error, train(..., log)", function()
  local ctx = pg.Context(1)
  local env, agent = paac(ctx, 320)
  local lines = {}
  agent:set_log_callback(function(line) lines[#lines + 1] = line return #lines == 3 end)
  assert(lines[1] == HEADER)
  expect_error(function() agent:train(env, 100000) end, "log callback returned")
  assert(#lines == 3)
  agent:set_log_callback(function(line) if line:match("^%d") then error("sink full") end end)
  expect_error(function() agent:train(env, 100000) end, "sink full")
  agent:set_log_callback(nil)
  agent:train(env, 1000)
  local got = {}
  agent:train(env, 3000, nil, function(line) got[#got + 1] = line end)
  assert(got[1] == HEADER and #got >= 3 and not got[2]:find("\n"))
  local n = #got
  agent:train(env, 3000) -- the log of one call ends with it
  assert(#got == n)
  agent:train(env, 3000, nil, TMP)
  assert(#read_lines(TMP) >= 3)
  agent:close()
end)

test("bad path, worker handle", function()
  local ctx = pg.Context(1)
  local env, agent = paac(ctx)
  local msg = expect_error(function() agent:set_log_file("/no-such-folder-pg/run.csv") end,
                           "/no-such-folder-pg/run.csv")
  assert(msg:find("test_train_log.lua", 1, true), "error points at the caller: " .. msg)
  local a3c = pg.Agent.for_env(ctx, "a3c", env, 8, 1)
  local w = a3c:create_worker()
  expect_error(function() w:set_log_file(TMP) end, "parent")
  w:close()
  a3c:close()
  agent:close()
end)

test("log callbacks are freed with their agent", function()
  local ctx = pg.Context(1)
  for _ = 1, 2500 do -- LuaJIT has a few thousand FFI callback slots
    local env, agent = paac(ctx)
    agent:set_log_callback(function() end)
    agent:set_log_callback(function() end)
    agent:close()
    env:close()
  end
end)

os.remove(TMP)
H.finish()
