-- Run by tests/install_consumers.cmake from a folder outside the source tree:
-- the installed module must load the installed library by the path the
-- install step recorded (no POLICYGRAD_LIB), declare its cdef from the copy
-- embedded at build time (no POLICYGRAD_HEADER, no header file), and train.
-- usage: luajit installed_lua.lua MODULE_DIR LIBRARY
local module_dir, library = arg[1], arg[2]
assert(not os.getenv("POLICYGRAD_LIB") and not os.getenv("POLICYGRAD_HEADER"))
assert(not os.getenv("LD_LIBRARY_PATH") and not os.getenv("LUA_PATH"))
package.path = module_dir .. "/?.lua;" .. package.path
local pg = require("policygrad")
if pg.library_path ~= library then
  error("loaded " .. pg.library_path .. ", not the installed " .. library)
end
if not pg.header_path:find("^%(embedded in ") then
  error("the cdef came from " .. pg.header_path .. ", not from the installed module")
end
local ctx = pg.Context(1)
local env = pg.Env.builtin(ctx, "CartPole-v1", 1)
local agent = pg.Agent.for_env(ctx, "reinforce_baseline", env, 16, 1)
agent:train(env, 2000)
local steps = agent:stat("total_steps")
assert(steps >= 2000, steps)
print(("luajit: policygrad %s from %s, CartPole-v1 %d steps"):format(pg.version(), pg.library_path, steps))
