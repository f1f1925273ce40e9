-- Run by tests/install_consumers.cmake from a folder outside the source tree:
-- the installed module must load the installed library by the path the
-- install step recorded (no POLICYGRAD_LIB), declare its cdef from the copy
-- embedded at build time (no POLICYGRAD_HEADER, no header file), and train.
-- With LUA_DIR (PG_LUA_INSTALL_DIR, relative), also: <prefix>/LUA_DIR is on
-- luajit's default package.path for the prefixes /usr/local and /usr.
-- usage: luajit installed_lua.lua MODULE_DIR LIBRARY [LUA_DIR]
local module_dir, library, lua_dir = arg[1], arg[2], arg[3]
if lua_dir then
  for _, prefix in ipairs({ "/usr/local", "/usr" }) do
    local entry = prefix .. "/" .. lua_dir .. "/?.lua"
    if not (";" .. package.path .. ";"):find(";" .. entry .. ";", 1, true) then
      error("an install into " .. prefix .. " puts the module where luajit does not look: "
            .. entry .. " is not in " .. package.path)
    end
    print("prefix " .. prefix .. ": " .. entry .. " is on package.path")
  end
end
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
