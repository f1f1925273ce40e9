--[[ libpolicygrad for LuaJIT: a pure FFI binding (no C code).

  local pg = require("policygrad")
  local ctx = pg.Context(1)
  local env = pg.Env.builtin(ctx, "CartPole-v1", 1)
  local agent = pg.Agent.for_env(ctx, "reinforce_baseline", env, 64, 1)
  agent:train(env, 100000, function(a) print(a:stat("mean_return_100")) end)

The ffi.cdef declarations are generated at load time from the library's
public header (the text between PG_CDEF_BEGIN and PG_CDEF_END, with PG_API
and comments removed), so they cannot drift from the C API. The header text
is POLICYGRAD_HEADER's file when set, else the copy the build embedded in
an installed module, else ../../include/policygrad.h next to this file
(a source copy), else <prefix>/include of the library, /usr/local/include
and /usr/include. The library: POLICYGRAD_LIB, then the path the install
step recorded in an installed module, then ../../build*/ next to this
file, then the system loader (the SONAME libpolicygrad.so.0.1, then
"policygrad"). docs/LUA.md is the guide.

Seeds are uint64_t: pass 0x...ULL cdata (numbers only below 2^53, checked);
seeds given to Lua callbacks are uint64_t cdata. Errors are positioned at
the caller's line and unknown names list the valid ones.

Threads: LuaJIT callbacks must never run on another OS thread. Lua
environments are only stepped by the thread calling into the library: the
binding refuses (with an error) to train on a Lua environment with
num_threads > 1 or to build a VecEnv of one with n_threads > 1. Progress
and write callbacks always run on the calling thread.
]]

local ffi = require("ffi")
local bit = require("bit")

local M = {}

-- Functions of the header deliberately not wrapped by a method (callable as
-- pg.C.<name>), with the reason. tests/check_bindings_drift.py requires
-- every header function to be wrapped (used as C.<name> below) or listed.
M.RAW_ONLY = {
  pg_agent_set_grad_reduce = "a C hook for multi-process builds (policygrad_mpi.h installs it)",
}

-- ---------------------------------------------------------------------------
-- Locating files.
-- ---------------------------------------------------------------------------
local function module_dir()
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) == "@" then
    local d = src:sub(2):match("^(.*)[/\\]")
    return d or "."
  end
  return "."
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

local HERE = module_dir()
local ROOT = HERE .. "/../.."

-- The build replaces the next line with the header text (between the cdef
-- markers) in the module it installs, so an installed module needs no
-- header at run time; the install step replaces the line after it with the
-- absolute path of the installed shared library. Both stay nil in the
-- source tree.
local INSTALLED_HEADER = nil
local INSTALLED_LIBRARY = nil

local function load_library()
  local tried = {}
  local env = os.getenv("POLICYGRAD_LIB")
  local cands
  if env and env ~= "" then
    cands = { env }
  else
    cands = {}
    if INSTALLED_LIBRARY then
      cands[#cands + 1] = INSTALLED_LIBRARY
    else -- a source copy: the build trees of its checkout
      for _, d in ipairs({ "build", "build-ffi", "build-release", "build-rel", "build-debug" }) do
        local p = ROOT .. "/" .. d .. "/libpolicygrad.so"
        if exists(p) then cands[#cands + 1] = p end
      end
    end
    cands[#cands + 1] = "libpolicygrad.so.0.1" -- the exact ABI first
    cands[#cands + 1] = "policygrad"
  end
  for _, p in ipairs(cands) do
    local ok, lib = pcall(ffi.load, p)
    if ok then return lib, p end
    tried[#tried + 1] = p .. ": " .. tostring(lib)
  end
  error("policygrad: cannot load libpolicygrad (set POLICYGRAD_LIB); tried:\n  "
        .. table.concat(tried, "\n  "), 2)
end

local function find_header(libpath)
  local c = {}
  local env = os.getenv("POLICYGRAD_HEADER")
  if env and env ~= "" then c[#c + 1] = env end
  c[#c + 1] = ROOT .. "/include/policygrad.h"
  local libdir = libpath and libpath:match("^(.*)/[^/]*$")
  if libdir then
    c[#c + 1] = libdir .. "/../include/policygrad.h"
    c[#c + 1] = libdir .. "/../../include/policygrad.h"
  end
  c[#c + 1] = "/usr/local/include/policygrad.h"
  c[#c + 1] = "/usr/include/policygrad.h"
  for _, p in ipairs(c) do
    if exists(p) then return p end
  end
  error("policygrad: cannot find policygrad.h (set POLICYGRAD_HEADER); tried:\n  "
        .. table.concat(c, "\n  "), 2)
end

--- The cdef text of a header: between the markers, without comments and PG_API.
function M.cdef_from_header(text)
  local body = text:match("/%* PG_CDEF_BEGIN %*/(.-)/%* PG_CDEF_END %*/")
  if not body then error("policygrad: no PG_CDEF_BEGIN/PG_CDEF_END block in the header", 2) end
  body = body:gsub("/%*.-%*/", " "):gsub("//[^\n]*", ""):gsub("PG_API", "")
  return body
end

local C, library_path = load_library()
M.C, M.library_path = C, library_path
local header_env = os.getenv("POLICYGRAD_HEADER")
do
  local text
  if INSTALLED_HEADER and not (header_env and header_env ~= "") then
    M.header_path = "(embedded in " .. HERE .. "/policygrad.lua)"
    text = "/* PG_CDEF_BEGIN */" .. INSTALLED_HEADER .. "/* PG_CDEF_END */"
  else
    M.header_path = find_header(library_path:find("/", 1, true) and library_path or nil)
    local f = assert(io.open(M.header_path, "rb"))
    text = f:read("*a")
    f:close()
  end
  M.cdef = M.cdef_from_header(text)
  -- ffi.cdef is global: declare once per process (another copy of this
  -- module, or a reload, finds the types already there).
  if not pcall(ffi.typeof, "pg_env_vtable") then ffi.cdef(M.cdef) end
  -- Names of every function declared, for the drift check.
  M.functions = {}
  for name in M.cdef:gmatch("([%w_]+)%s*%([^()]*%)%s*;") do
    if name:match("^pg_") then M.functions[#M.functions + 1] = name end
  end
  -- Enumerators: pg.const.PG_PARAM_GAMMA == 1 ...
  M.const = {}
  for name, val in M.cdef:gmatch("(PG_[%w_]+)%s*=%s*(0?x?%x+)") do
    M.const[name] = tonumber(val)
  end
end

local v = C.pg_version_number()
if math.floor(v / 10000) ~= 0 or math.floor(v / 100) % 100 ~= 1 then
  error("policygrad: " .. library_path .. " is version " .. ffi.string(C.pg_version_string())
        .. "; this module is for 0.1", 2)
end

function M.version() return ffi.string(C.pg_version_string()) end
function M.build_info() return ffi.string(C.pg_build_info()) end
-- The <PREFIX>_FUSED value (0 or 1) with which exported C code acts exactly
-- as this library does on this machine (docs/DEPLOYMENT.md).
function M.export_c_fused_mode() return tonumber(C.pg_export_c_fused_mode()) end
function M.status_string(st) return ffi.string(C.pg_status_string(st)) end

-- ---------------------------------------------------------------------------
-- Errors: a failing call raises error(message) with the library's message
-- (the context's last error), positioned at the user's code: the first
-- Lua function on the stack that is not in this file, however deep in the
-- module the error was found. An error raised by a Lua callback during the
-- call is appended.
-- ---------------------------------------------------------------------------
local STATUS_NAMES = {}
for k, val in pairs(M.const) do
  if k:match("^PG_ERR_") or k == "PG_OK" then STATUS_NAMES[val] = k end
end
M.last_status = 0  -- the status of the last error raised by this module

local MODULE_SOURCE = debug.getinfo(1, "S").source

-- The error() level, for the function calling this one, of the first Lua
-- function outside this module (C frames such as pcall are passed over).
local function user_level()
  local level = 3 -- 1: user_level, 2: the function that will call error()
  while true do
    local info = debug.getinfo(level, "S")
    if not info then return 1 end
    if info.what ~= "C" and info.source ~= MODULE_SOURCE then return level - 1 end
    level = level + 1
  end
end

local function raise(status, msg, pending)
  M.last_status = status
  if pending then msg = msg .. " (Lua callback error: " .. tostring(pending) .. ")" end
  error(msg, user_level())
end

local function check(st, ctx, what)
  local pending = ctx and ctx.pending
  if ctx then ctx.pending = nil end
  if st == 0 then
    if pending then raise(C.PG_ERR_CALLBACK, (what or "policygrad") .. ": a Lua callback failed", pending) end
    return
  end
  local msg = ""
  if ctx and ctx.raw then msg = ffi.string(C.pg_ctx_last_error(ctx.raw)) end
  if msg == "" then msg = (what and (what .. ": ") or "") .. M.status_string(st) end
  raise(tonumber(st), msg, pending)
end

local function argerror(status, msg)
  M.last_status = status
  error(msg, user_level())
end

function M.status_name(st) return STATUS_NAMES[st] end

-- ---------------------------------------------------------------------------
-- Names for enums.
-- ---------------------------------------------------------------------------
local function names(prefix)
  local t = {}
  for k, val in pairs(M.const) do
    if k:sub(1, #prefix) == prefix and not k:match("FORCE_INT$") then
      t[k:sub(#prefix + 1):lower()] = val
    end
  end
  return t
end
local ACTIVATIONS, INITS, OUTPUTS = names("PG_ACTIVATION_"), names("PG_INIT_"), names("PG_NET_OUTPUT_")
local PADDINGS = names("PG_PADDING_")
local ALGORITHMS, STATS = names("PG_ALGO_"), names("PG_STAT_")
local TRUNKS = names("PG_TRUNK_")
local OPTIMIZERS = { sgd = C.PG_OPTIM_SGD, rmsprop = C.PG_OPTIM_RMSPROP, adam = C.PG_OPTIM_ADAM }
-- Parameter names as the library spells them (pg_param_name), and the
-- optimizer parameters the library's pg_optim_param_from_name accepts.
local PARAMS, OPTIM_PARAMS = {}, {}
for k, val in pairs(M.const) do
  if k:match("^PG_PARAM_") and not k:match("FORCE_INT$") then
    local s = C.pg_param_name(val)
    if s ~= nil then PARAMS[ffi.string(s)] = val end
  elseif k:match("^PG_OPTIM_") and not OPTIMIZERS[k:sub(10):lower()] and not k:match("FORCE_INT$") then
    local name, out = k:sub(10):lower(), ffi.new("pg_optim_param[1]")
    if C.pg_optim_param_from_name(name, out) == 0 then OPTIM_PARAMS[name] = val end
  end
end
M.ALGORITHMS, M.STATS, M.PARAMS, M.OPTIM_PARAMS = ALGORITHMS, STATS, PARAMS, OPTIM_PARAMS

--- The sorted keys of a name table, joined by ", " (for error messages).
local function known(tbl)
  local t = {}
  for k in pairs(tbl) do t[#t + 1] = k end
  table.sort(t)
  return table.concat(t, ", ")
end

-- A name ("reinforce_baseline", case and '-' forgiven) or a number of the
-- header; anything else is an error listing the valid names.
local function enum(value, tbl, kind)
  if type(value) == "string" then
    local v2 = tbl[(value:lower():gsub("-", "_"))]
    if v2 == nil then
      argerror(C.PG_ERR_INVALID_ARG, "unknown " .. kind .. " '" .. value .. "' (known: " .. known(tbl) .. ")")
    end
    return v2
  end
  if type(value) ~= "number" then
    argerror(C.PG_ERR_INVALID_ARG, kind .. " must be a name or a number, got " .. type(value)
             .. " (known: " .. known(tbl) .. ")")
  end
  return value
end

-- ---------------------------------------------------------------------------
-- Seeds: uint64_t in C. A uint64_t or int64_t cdata (0xFEDCBA9876543210ULL)
-- passes all 64 bits (an int64_t as C converts it); a Lua number is a
-- double, exact only below 2^53 (2^53 itself is also what 2^53 + 1
-- rounds to), so a number must be an integer with |n| < 2^53 (a negative
-- one wraps as in C). Anything else is an error rather than a silently
-- different seed.
-- ---------------------------------------------------------------------------
local u64_t, i64_t = ffi.typeof("uint64_t"), ffi.typeof("int64_t")
local TWO_53 = 2 ^ 53

local function seed_arg(value, what)
  local got = type(value)
  if got == "number" then
    if value ~= value or value ~= math.floor(value) then
      argerror(C.PG_ERR_INVALID_ARG, what .. " " .. tostring(value) .. " is not an integer")
    end
    if value >= TWO_53 or value <= -TWO_53 then
      argerror(C.PG_ERR_OUT_OF_RANGE, string.format(
        "%s %.17g is not below 2^53, where Lua numbers stop being exact integers; pass a uint64_t "
        .. "cdata such as 0xFEDCBA9876543210ULL", what, value))
    end
    if value < 0 then return ffi.cast(u64_t, ffi.new(i64_t, value)) end
    return ffi.new(u64_t, value)
  end
  if got == "cdata" then
    if ffi.istype(u64_t, value) then return value end
    if ffi.istype(i64_t, value) then return ffi.cast(u64_t, value) end
    got = tostring(ffi.typeof(value))
  end
  argerror(C.PG_ERR_INVALID_ARG, what .. " must be an integer or a uint64_t/int64_t cdata, got " .. got)
end
--- pg.to_seed(x): x checked and converted to a uint64_t cdata, as every
--- seed argument of the module is.
function M.to_seed(value) return seed_arg(value, "seed") end

-- ---------------------------------------------------------------------------
-- Arrays: Lua tables (1-based) in and out; cdata float arrays pass through.
-- ---------------------------------------------------------------------------
local float_arr, u8_arr, i32_arr = ffi.typeof("float[?]"), ffi.typeof("uint8_t[?]"), ffi.typeof("int32_t[?]")

local function flatten(t, out)
  out = out or {}
  if type(t) == "number" then out[#out + 1] = t return out end
  for i = 1, #t do
    local x = t[i]
    if type(x) == "table" then flatten(x, out) else out[#out + 1] = x end
  end
  return out
end

local function floats_in(t, n, what)
  if type(t) == "cdata" then return t, n end
  local flat = flatten(t)
  if n and #flat ~= n then
    argerror(C.PG_ERR_SHAPE, (what or "array") .. ": " .. #flat .. " values, expected " .. n)
  end
  local buf = float_arr(math.max(1, #flat))
  for i = 1, #flat do buf[i - 1] = flat[i] end
  return buf, #flat
end

-- Byte observations in: a Lua string, a table of integers in [0, 255], or
-- uint8_t cdata (a pointer or array of n bytes, n = the expected length).
-- Returns the pointer and the number of bytes; anything else (a float
-- array, a table with a value that is not a byte) is PG_ERR_INVALID_ARG.
local function bytes_in(t, n, what)
  if type(t) == "string" then return ffi.cast("const uint8_t*", t), #t end
  if type(t) == "cdata" then
    local ct = tostring(ffi.typeof(t))
    if not (ct:find("unsigned char", 1, true) or ct:find("uint8_t", 1, true)) then
      argerror(C.PG_ERR_INVALID_ARG, what .. ": cdata must be uint8_t bytes, got " .. ct)
    end
    return t, n
  end
  if type(t) ~= "table" then
    argerror(C.PG_ERR_INVALID_ARG, what .. " must be a string or a table of bytes, got " .. type(t))
  end
  local flat = flatten(t)
  local buf = u8_arr(math.max(1, #flat))
  for i = 1, #flat do
    local b = flat[i]
    if type(b) ~= "number" or b ~= math.floor(b) or b < 0 or b > 255 then
      argerror(C.PG_ERR_INVALID_ARG, what .. "[" .. i .. "] is not a byte (0..255)")
    end
    buf[i - 1] = b
  end
  return buf, #flat
end

local function ints_in(t, n, what, ctype)
  local flat = flatten(t)
  if #flat ~= n then
    argerror(C.PG_ERR_SHAPE, what .. ": " .. #flat .. " values, expected " .. n)
  end
  local buf = (ctype or i32_arr)(n)
  for i = 1, n do
    local x = flat[i]
    buf[i - 1] = (x == true or (type(x) == "number" and x ~= 0)) and 1 or 0
  end
  return buf
end

local function table_out(buf, n, rows)
  local t = {}
  if rows then
    local k = n / rows
    for r = 1, rows do
      local row = {}
      for j = 1, k do row[j] = buf[(r - 1) * k + j - 1] end
      t[r] = row
    end
    return t
  end
  for i = 1, n do t[i] = buf[i - 1] end
  return t
end

-- ---------------------------------------------------------------------------
-- Handles. Each object is a table with .ptr (the pointer, with an ffi.gc
-- finalizer) and .box (what the finalizer needs: the raw pointer and the
-- destroy function; the finalizer never refers to the object itself).
-- close() is idempotent. A net borrowed by an agent is freed only when no
-- live agent borrows it (close() and GC of the net are deferred).
-- ---------------------------------------------------------------------------
local function free_box(box)
  box.want_free = true
  if box.borrows == 0 and not box.freed then
    box.freed = true
    box.destroy(box.raw)
    for _, b in ipairs(box.releases or {}) do
      b.borrows = b.borrows - 1
      if b.want_free then free_box(b) end
    end
    box.releases = nil
  end
end

-- Destroying a handle can call back into Lua (an environment's close, or an
-- agent destroying the clones of a Lua environment), and a callback entered
-- while a JIT trace runs is a LuaJIT panic ("bad callback"). Finalizers can
-- run inside traces, so they only queue the handle; queued handles are
-- destroyed at the start of the next call that is kept out of traces
-- (nojit below, which close() is too).
local PENDING = {}

local function drain()
  while #PENDING > 0 do free_box(table.remove(PENDING)) end
end
-- jit.off covers a function and the closures inside it, not its callees:
-- every function on the way to a C call that can call back is marked.
jit.off(free_box)
jit.off(drain)

-- Functions that may call back into Lua are kept out of JIT traces (a
-- callback entered from a compiled trace is an error in LuaJIT); they also
-- destroy the handles whose finalizers ran since the last such call.
local function nojit(f)
  jit.off(f, true)
  local g = function(...)
    drain()
    return f(...)
  end
  jit.off(g)
  return g
end

local function attach(obj, out, ctype, destroy)
  local box = { raw = ffi.cast(ctype, out[0]), destroy = destroy, borrows = 0 }
  obj.box = box
  obj.ptr = ffi.gc(ffi.cast(ctype, out[0]), function() PENDING[#PENDING + 1] = box end)
  return obj
end

local Handle = {}
Handle.__index = Handle

function Handle:p()
  if self.ptr == nil then argerror(C.PG_ERR_BAD_STATE, (self.kind or "handle") .. " is closed") end
  if self.owner and self.owner.ptr == nil then
    argerror(C.PG_ERR_BAD_STATE, "Net belongs to a closed Agent")
  end
  return self.ptr
end

Handle.close = nojit(function(self)
  if self.ptr ~= nil then
    if self.box then
      ffi.gc(self.ptr, nil)
      free_box(self.box)
    end
    self.ptr = nil
  end
end)

function Handle:closed() return self.ptr == nil end

local function class(kind, parent)
  local cls = setmetatable({}, { __index = parent or Handle })
  cls.__index = cls
  cls.kind = kind
  cls.__tostring = function(o) return "policygrad." .. kind .. (o.ptr and "" or " (closed)") end
  return cls
end

local function new_out(t) return ffi.new(t .. "[1]") end

-- Context ---------------------------------------------------------------------
local Context = class("Context")
M.Context = setmetatable({}, { __call = function(_, seed)
  local out = new_out("pg_ctx*")
  local st = C.pg_ctx_create(nil, nil, out)
  if st ~= 0 then raise(st, "pg_ctx_create: " .. M.status_string(st)) end
  local self = setmetatable({}, Context)
  attach(self, out, "pg_ctx*", C.pg_ctx_destroy)
  self.raw = self.box.raw  -- kept after close for the messages of live handles
  self.ctx = self
  if seed then self:set_seed(seed) end
  return self
end, __index = Context })

function Context:last_error() return ffi.string(C.pg_ctx_last_error(self:p())) end
function Context:last_status() return tonumber(C.pg_ctx_last_status(self:p())) end
function Context:clear_error() C.pg_ctx_clear_error(self:p()) end
function Context:set_seed(seed)
  check(C.pg_ctx_set_seed(self:p(), seed_arg(seed, "Context:set_seed: seed")), self)
end
--- The default seed: a uint64_t cdata (all 64 bits; compares equal to numbers).
function Context:seed()
  local v = ffi.new("uint64_t[1]")
  check(C.pg_ctx_get_seed(self:p(), v), self)
  return v[0]
end
function Context:memory_in_use()
  local v = ffi.new("uint64_t[1]")
  check(C.pg_ctx_memory_in_use(self:p(), v), self)
  return tonumber(v[0])
end

-- Rng -------------------------------------------------------------------------
local Rng = class("Rng")
local function wrap_rng(ctx, out)
  local self = setmetatable({ ctx = ctx }, Rng)
  return attach(self, out, "pg_rng*", C.pg_rng_destroy)
end
M.Rng = setmetatable({}, { __call = function(_, ctx, seed, stream)
  local out = new_out("pg_rng*")
  check(C.pg_rng_create(ctx:p(), seed_arg(seed or 0, "Rng: seed"), seed_arg(stream or 0, "Rng: stream"), out),
        ctx)
  return wrap_rng(ctx, out)
end, __index = Rng })
function Rng:seed(seed, stream)
  check(C.pg_rng_seed(self:p(), seed_arg(seed, "Rng:seed: seed"), seed_arg(stream or 0, "Rng:seed: stream")),
        self.ctx)
end
function Rng:split(stream)
  local out = new_out("pg_rng*")
  check(C.pg_rng_split(self:p(), seed_arg(stream, "Rng:split: stream"), out), self.ctx)
  return wrap_rng(self.ctx, out)
end
function Rng:next_u64()
  local v = ffi.new("uint64_t[1]")
  check(C.pg_rng_next_u64(self:p(), v), self.ctx)
  return v[0]  -- uint64_t cdata
end
function Rng:uniform()
  local v = ffi.new("double[1]")
  check(C.pg_rng_uniform(self:p(), v), self.ctx)
  return v[0]
end
function Rng:normal()
  local v = ffi.new("double[1]")
  check(C.pg_rng_normal(self:p(), v), self.ctx)
  return v[0]
end

local function size_out(fn, ptr, ctx, ...)
  local v = ffi.new("size_t[1]")
  local args = { ... }
  args[#args + 1] = v
  check(fn(ptr, unpack(args)), ctx)
  return tonumber(v[0])
end


-- A pg_write_fn for one call (freed afterwards). write(string) may error.
local function with_writer(ctx, write, fn)
  local cb = ffi.cast("pg_write_fn", function(_, data, size)
    local ok, err = pcall(write, ffi.string(data, size))
    if ok then return 0 end
    if ctx.pending == nil then ctx.pending = err end
    return 1
  end)
  local ok, st = pcall(fn, cb)
  cb:free()
  if not ok then error(st, 0) end
  return st
end
jit.off(with_writer, true)

-- Net -------------------------------------------------------------------------
local Net = class("Net")
local function wrap_net(ctx, out)
  local self = setmetatable({ ctx = ctx, last_n = 0 }, Net)
  return attach(self, out, "pg_net*", C.pg_net_destroy)
end
M.Net = setmetatable({}, { __call = function(_, ctx, input_dim, max_batch, seed)
  local out = new_out("pg_net*")
  check(C.pg_net_create(ctx:p(), input_dim, max_batch or 1, seed_arg(seed or 0, "Net: seed"), out), ctx)
  return wrap_net(ctx, out)
end, __index = Net })
-- A net on images of height x width x channels floats per row, HWC.
function M.Net.image(ctx, height, width, channels, max_batch, seed)
  local out = new_out("pg_net*")
  check(C.pg_net_create_image(ctx:p(), height, width, channels, max_batch or 1,
                              seed_arg(seed or 0, "Net.image: seed"), out), ctx)
  return wrap_net(ctx, out)
end

-- kernel: a number or {kernel_h, kernel_w}.
function Net:add_conv2d(filters, kernel, stride, padding, activation, init, gain)
  local kh, kw = kernel, kernel
  if type(kernel) == "table" then kh, kw = kernel[1], kernel[2] end
  check(C.pg_net_add_conv2d(self:p(), filters, kh, kw, stride or 1,
                            enum(padding or "valid", PADDINGS, "padding"),
                            enum(activation or "relu", ACTIVATIONS, "activation"),
                            enum(init or "orthogonal", INITS, "initializer"), gain or 1.0), self.ctx)
  return self
end
function Net:add_flatten()
  check(C.pg_net_add_flatten(self:p()), self.ctx)
  return self
end

function Net:add_dense(units, activation, init, gain)
  check(C.pg_net_add_dense(self:p(), units, enum(activation or "relu", ACTIVATIONS, "activation"),
                           enum(init or "orthogonal", INITS, "initializer"), gain or 1.0), self.ctx)
  return self
end
function Net:add_lstm(units, init, gain)
  check(C.pg_net_add_lstm(self:p(), units, enum(init or "glorot_uniform", INITS, "initializer"),
                          gain or 1.0), self.ctx)
  return self
end
function Net:add_categorical_head(n, init, gain)
  check(C.pg_net_add_categorical_head(self:p(), n, enum(init or "orthogonal", INITS, "initializer"),
                                      gain or 0.01), self.ctx)
  return self
end
function Net:add_gaussian_head(dim, init, gain, log_std_init)
  check(C.pg_net_add_gaussian_head(self:p(), dim, enum(init or "orthogonal", INITS, "initializer"),
                                   gain or 0.01, log_std_init or 0.0), self.ctx)
  return self
end
function Net:add_gaussian_head_state_std(dim, init, gain, log_std_init, log_std_min, log_std_max)
  check(C.pg_net_add_gaussian_head_state_std(self:p(), dim,
                                             enum(init or "orthogonal", INITS, "initializer"),
                                             gain or 0.01, log_std_init or 0.0,
                                             log_std_min or -5.0, log_std_max or 2.0), self.ctx)
  return self
end
function Net:add_value_head(init, gain)
  check(C.pg_net_add_value_head(self:p(), enum(init or "orthogonal", INITS, "initializer"), gain or 1.0),
        self.ctx)
  return self
end
function Net:add_q_head(n, init, gain)
  check(C.pg_net_add_q_head(self:p(), n, enum(init or "orthogonal", INITS, "initializer"), gain or 1.0),
        self.ctx)
  return self
end
function Net:finalize() check(C.pg_net_finalize(self:p()), self.ctx) return self end
function Net:clone()
  local out = new_out("pg_net*")
  check(C.pg_net_clone(self:p(), out), self.ctx)
  return wrap_net(self.ctx, out)
end
function Net:input_size() return size_out(C.pg_net_input_size, self:p(), self.ctx) end
function Net:max_batch() return size_out(C.pg_net_max_batch, self:p(), self.ctx) end
function Net:param_count() return size_out(C.pg_net_param_count, self:p(), self.ctx) end
function Net:output_size(which)
  return size_out(C.pg_net_output_size, self:p(), self.ctx, enum(which, OUTPUTS, "output"))
end
function Net:get_params(offset, count)
  offset = offset or 0
  count = count or (self:param_count() - offset)
  local buf = float_arr(math.max(1, count))
  check(C.pg_net_get_params(self:p(), offset, count, buf), self.ctx)
  return table_out(buf, count)
end
function Net:set_params(values, offset)
  local buf, n = floats_in(values)
  check(C.pg_net_set_params(self:p(), offset or 0, n, buf), self.ctx)
end
function Net:get_grads(offset, count)
  offset = offset or 0
  count = count or (self:param_count() - offset)
  local buf = float_arr(math.max(1, count))
  check(C.pg_net_get_grads(self:p(), offset, count, buf), self.ctx)
  return table_out(buf, count)
end
function Net:set_grads(values, offset)
  local buf, n = floats_in(values)
  check(C.pg_net_set_grads(self:p(), offset or 0, n, buf), self.ctx)
end
function Net:copy_params_from(src) check(C.pg_net_copy_params(self:p(), src:p()), self.ctx) end
function Net:init_params(seed)
  check(C.pg_net_init_params(self:p(), seed_arg(seed, "Net:init_params: seed")), self.ctx)
end
function Net:zero_grads() check(C.pg_net_zero_grads(self:p()), self.ctx) end
function Net:forward(inputs, n, mask)
  local buf, len = floats_in(inputs)
  n = n or math.max(1, math.floor(len / self:input_size()))
  local m = nil
  if mask then local f = flatten(mask) m = ints_in(f, #f, "mask", u8_arr) end
  check(C.pg_net_forward(self:p(), buf, n, m), self.ctx)
  self.last_n = n
end
function Net:forward_seq(inputs, steps, n_seq, mask)
  local buf = floats_in(inputs)
  local m = nil
  if mask then local f = flatten(mask) m = ints_in(f, #f, "mask", u8_arr) end
  check(C.pg_net_forward_seq(self:p(), buf, steps, n_seq, m), self.ctx)
  self.last_n = steps * n_seq
end
function Net:reset_state(first, count)
  first = first or 0
  check(C.pg_net_reset_state(self:p(), first, count or (self:max_batch() - first)), self.ctx)
end
function Net:get_output(which, n)
  local w = enum(which, OUTPUTS, "output")
  local size = self:output_size(w)
  local rows = (w == C.PG_NET_OUTPUT_LOG_STD) and 1 or (n or self.last_n)
  local len = math.max(1, size * rows)
  local buf = float_arr(len)
  check(C.pg_net_get_output(self:p(), w, buf, len), self.ctx)
  return table_out(buf, len)
end
function Net:log_prob(actions, n)
  local buf = floats_in(actions)
  n = n or self.last_n
  local out = float_arr(n)
  check(C.pg_net_log_prob(self:p(), buf, n, out), self.ctx)
  return table_out(out, n)
end
--- loss: {scale=, policy_coef=, entropy_coef=, value_coef=, q_coef=, actions=,
--- advantages=, returns=, q_targets=, weights=}; returns the loss.
function Net:backward(loss, n)
  local d = ffi.new("pg_loss_desc")
  d.struct_size = ffi.sizeof("pg_loss_desc")
  d.scale = loss.scale or 1.0
  d.policy_coef, d.entropy_coef = loss.policy_coef or 0, loss.entropy_coef or 0
  d.value_coef, d.q_coef = loss.value_coef or 0, loss.q_coef or 0
  local keep = {}
  for _, k in ipairs({ "actions", "advantages", "returns", "q_targets", "weights" }) do
    if loss[k] then keep[k] = floats_in(loss[k]) d[k] = keep[k] end
  end
  local out = ffi.new("double[1]")
  check(C.pg_net_backward(self:p(), d, n or self.last_n, out), self.ctx)
  return out[0]
end
function Net:save(path) check(C.pg_net_save_file(self:p(), path), self.ctx) end
function Net:to_string()
  local size = ffi.new("size_t[1]")
  check(C.pg_net_save_memory(self:p(), nil, 0, size), self.ctx)
  local buf = ffi.new("uint8_t[?]", size[0])
  check(C.pg_net_save_memory(self:p(), buf, size[0], size), self.ctx)
  return ffi.string(buf, size[0])
end
Net.save_to = nojit(function(self, write)
  local ctx = self.ctx
  check(with_writer(ctx, write, function(cb) return C.pg_net_save_cb(self:p(), cb, nil) end), ctx)
end)
function M.Net.load(ctx, path)
  local out = new_out("pg_net*")
  check(C.pg_net_load_file(ctx:p(), path, out), ctx)
  return wrap_net(ctx, out)
end
function M.Net.from_string(ctx, data)
  local out = new_out("pg_net*")
  check(C.pg_net_load_memory(ctx:p(), data, #data, out), ctx)
  return wrap_net(ctx, out)
end

-- Optimizer -------------------------------------------------------------------
local Optimizer = class("Optimizer")
M.Optimizer = setmetatable({}, { __call = function(_, net, kind)
  local out = new_out("pg_optim*")
  check(C.pg_optim_create(net:p(), enum(kind or "adam", OPTIMIZERS, "optimizer"), out), net.ctx)
  local self = setmetatable({ ctx = net.ctx, net = net }, Optimizer)
  return attach(self, out, "pg_optim*", C.pg_optim_destroy)
end, __index = Optimizer })
function M.Optimizer.param_from_name(name)
  local v = ffi.new("pg_optim_param[1]")
  local st = C.PG_ERR_INVALID_ARG
  if type(name) == "string" then st = C.pg_optim_param_from_name(name, v) end
  if st ~= 0 then
    raise(tonumber(st), "unknown optimizer parameter '" .. tostring(name) .. "' (known: "
          .. known(OPTIM_PARAMS) .. ")")
  end
  return tonumber(v[0])
end
local function oparam(p) return type(p) == "string" and M.Optimizer.param_from_name(p) or p end
function Optimizer:set_param(p, value) check(C.pg_optim_set_param(self:p(), oparam(p), value), self.ctx) end
function Optimizer:get_param(p)
  local v = ffi.new("double[1]")
  check(C.pg_optim_get_param(self:p(), oparam(p), v), self.ctx)
  return v[0]
end
function Optimizer:step()
  local v = ffi.new("double[1]")
  check(C.pg_optim_step(self:p(), v), self.ctx)
  return v[0]
end
function Optimizer:reset() check(C.pg_optim_reset(self:p()), self.ctx) end

-- ---------------------------------------------------------------------------
-- Lua environments through the vtable. The five trampolines are created once
-- and never freed, so no C instance can outlive them; `user` is an integer
-- key into INSTANCES. A Lua error inside a callback is caught (pcall),
-- stored on the context, the callback returns non-zero, and the method that
-- made the C call raises it after the call has returned.
-- ---------------------------------------------------------------------------
local INSTANCES, next_key = {}, 0
M._instances = INSTANCES

local function register(inst)
  next_key = next_key + 1
  INSTANCES[next_key] = inst
  return next_key
end

local function key_of(user) return tonumber(ffi.cast("intptr_t", user)) end

local function store(inst, err)
  if inst and inst.ctx.pending == nil then inst.ctx.pending = err end
end

-- What a Lua environment returns is checked here, and a mistake is an
-- error naming the method and what was expected (the library then stops
-- with PG_ERR_CALLBACK and the method that called it raises the message).
-- NaN and infinities pass: the library reports them (PG_ERR_NUMERIC).
local function write_obs(ptr, n, obs, method)
  if type(obs) == "number" then obs = { obs } end
  if type(obs) ~= "table" then
    error("env:" .. method .. "() returned " .. type(obs) .. " as the observation; expected a table of "
          .. n .. " numbers", 0)
  end
  local flat = flatten(obs)
  if #flat ~= n then
    error("env:" .. method .. "() returned an observation of " .. #flat .. " values; expected "
          .. n .. " (obs_size)", 0)
  end
  for i = 1, n do
    local x = flat[i]
    if type(x) ~= "number" then
      error("env:" .. method .. "() returned observation[" .. i .. "] = " .. tostring(x) .. " ("
            .. type(x) .. "); expected a number", 0)
    end
    ptr[i - 1] = x
  end
end

-- terminated / truncated: a boolean, nil (false) or a number (0 = false).
local function flag_of(v, name)
  if v == nil or v == false or v == 0 then return 0 end
  if v == true or type(v) == "number" then return 1 end
  error("env:step() returned " .. name .. " of type " .. type(v) .. "; expected a boolean "
        .. "(step returns obs, reward, terminated, truncated)", 0)
end

local function cb_reset(user, seed, obs)
  local inst = INSTANCES[key_of(user)]
  local ok, err = pcall(function()
    write_obs(obs, inst.obs_size, (inst.env:reset(seed)), "reset")
  end)
  if ok then return 0 end
  store(inst, err)
  return 1
end

local function cb_step(user, action, obs, reward, terminated, truncated)
  local inst = INSTANCES[key_of(user)]
  local ok, err = pcall(function()
    local a
    if inst.discrete then a = math.floor(action[0])
    else a = {} for i = 1, inst.n do a[i] = action[i - 1] end end
    local o, r, term, trunc = inst.env:step(a)
    write_obs(obs, inst.obs_size, o, "step")
    if type(r) ~= "number" then
      error("env:step() returned reward " .. tostring(r) .. " (" .. type(r) .. "); expected a number "
            .. "(step returns obs, reward, terminated, truncated)", 0)
    end
    reward[0] = r
    terminated[0] = flag_of(term, "terminated")
    truncated[0] = flag_of(trunc, "truncated")
  end)
  if ok then return 0 end
  store(inst, err)
  return 1
end

local function cb_mask(user, mask)
  local inst = INSTANCES[key_of(user)]
  local ok, err = pcall(function()
    local m = inst.env:action_mask()
    if type(m) ~= "table" or #m ~= inst.n then
      error("env:action_mask() returned " .. (type(m) == "table" and #m .. " values" or type(m))
            .. "; expected a table of " .. inst.n .. " booleans", 0)
    end
    for i = 1, inst.n do mask[i - 1] = (m[i] and m[i] ~= 0) and 1 or 0 end
  end)
  if ok then return 0 end
  store(inst, err)
  return 1
end

local function cb_close(user)
  local k = key_of(user)
  local inst = INSTANCES[k]
  INSTANCES[k] = nil
  if inst and type(inst.env.close) == "function" then pcall(inst.env.close, inst.env) end
  return 0
end

local function cb_create(factory_user, index, seed, instance_user)
  local parent = INSTANCES[key_of(factory_user)]
  local ok, err = pcall(function()
    local env = parent.factory(index, seed)
    local inst = {}
    for k, val in pairs(parent) do inst[k] = val end
    inst.env = env
    instance_user[0] = ffi.cast("void*", register(inst))
  end)
  if ok then return 0 end
  store(parent, err)
  return 1
end

-- The callbacks' own code stays out of traces as well, so that the library,
-- calling back while C is on the stack, never finds a trace running.
for _, f in ipairs({ cb_reset, cb_step, cb_mask, cb_close, cb_create }) do jit.off(f, true) end

local T = {
  reset = ffi.cast("pg_env_reset_fn", cb_reset),
  step = ffi.cast("pg_env_step_fn", cb_step),
  close = ffi.cast("pg_env_close_fn", cb_close),
  action_mask = ffi.cast("pg_env_action_mask_fn", cb_mask),
  create = ffi.cast("pg_env_create_fn", cb_create),
}
M._trampolines = T  -- anchored for the life of the process

function M.builtin_env_names()
  local t, i = {}, 0
  while true do
    local s = C.pg_env_builtin_name(i)
    if s == nil then return t end
    t[#t + 1] = ffi.string(s)
    i = i + 1
  end
end

-- Env -------------------------------------------------------------------------
local Env = class("Env")
local function wrap_env(ctx, out, is_lua)
  local self = setmetatable({ ctx = ctx, is_lua = is_lua }, Env)
  attach(self, out, "pg_env*", C.pg_env_destroy)
  local n, k, a = ffi.new("int32_t[1]"), ffi.new("pg_action_kind[1]"), ffi.new("int32_t[1]")
  check(C.pg_env_get_observation_size(self.ptr, n), ctx)
  check(C.pg_env_get_action_space(self.ptr, k, a), ctx)
  self.observation_size = n[0]
  self.discrete = k[0] == C.PG_ACTION_DISCRETE
  self.action_n = a[0]
  self.action_len = self.discrete and 1 or a[0]
  return self
end
M.Env = setmetatable({}, { __index = Env })

--- A built-in task by name (pg.builtin_env_names()); seed: see seeds above.
function M.Env.builtin(ctx, name, seed)
  local out = new_out("pg_env*")
  if type(name) ~= "string" then
    argerror(C.PG_ERR_INVALID_ARG, "Env.builtin: name must be a string, got " .. type(name))
  end
  local st = C.pg_env_create_builtin(ctx:p(), name, seed_arg(seed or 0, "Env.builtin: seed"), out)
  if st == C.PG_ERR_INVALID_ARG then
    local names = {}
    for _, n in ipairs(M.builtin_env_names()) do names[n] = true end
    if not names[name] then
      raise(tonumber(st), ffi.string(C.pg_ctx_last_error(ctx:p())) .. " (known: " .. known(names) .. ")")
    end
  end
  check(st, ctx)
  return wrap_env(ctx, out, false)
end

--- env: a table/object with env:reset(seed) -> obs and env:step(action) ->
--- obs, reward, terminated, truncated (optional env:action_mask() -> n
--- booleans, env:close()). Discrete actions arrive as 0-based integers;
--- seeds (reset's and the factory's) as uint64_t cdata, all 64 bits.
--- opts: obs_size, n_actions | action_dim, low, high, factory(index, seed)
--- -> a new env (enables clones: multi-slot agents, VecEnv), name,
--- max_episode_steps.
function M.Env.from_lua(ctx, env, opts)
  opts = opts or {}
  local discrete = opts.n_actions ~= nil
  local n = opts.n_actions or opts.action_dim
  if not opts.obs_size or not n then
    argerror(C.PG_ERR_INVALID_ARG, "Env.from_lua: give obs_size and n_actions or action_dim")
  end
  local inst = { env = env, ctx = ctx, obs_size = opts.obs_size, discrete = discrete, n = n,
                 factory = opts.factory }
  local key = register(inst)
  local vt = ffi.new("pg_env_vtable")
  vt.struct_size = ffi.sizeof("pg_env_vtable")
  vt.reset, vt.step, vt.close = T.reset, T.step, T.close
  if type(env.action_mask) == "function" then vt.action_mask = T.action_mask end
  if opts.factory then vt.create = T.create end
  local out = new_out("pg_env*")
  local st = C.pg_env_create(ctx:p(), vt, ffi.cast("void*", key), opts.name or "lua", opts.obs_size,
                             discrete and C.PG_ACTION_DISCRETE or C.PG_ACTION_CONTINUOUS, n, out)
  if st ~= 0 then INSTANCES[key] = nil check(st, ctx) end
  local self = wrap_env(ctx, out, true)
  if not discrete and opts.low then self:set_action_bounds(opts.low, opts.high) end
  if opts.max_episode_steps then self:set_max_episode_steps(opts.max_episode_steps) end
  return self
end

Env.clone = nojit(function(self, index, seed)
  local out = new_out("pg_env*")
  check(C.pg_env_clone(self:p(), index, seed_arg(seed, "Env:clone: seed"), out), self.ctx)
  return wrap_env(self.ctx, out, self.is_lua)
end)
-- Wrappers: a new Env made from this one, which belongs to it afterwards
-- (this Env is closed, never destroyed by its own finalizer).
local function wrapped(self, st, out)
  check(st, self.ctx)
  local env = wrap_env(self.ctx, out, self.is_lua)
  env.inner = self -- keeps a Lua-side env's objects alive
  ffi.gc(self.ptr, nil)
  self.box.freed = true
  self.ptr = nil
  return env
end
--- The last k observations stacked (pg_env_wrap_frame_stack).
function Env:frame_stack(k)
  local out = new_out("pg_env*")
  return wrapped(self, C.pg_env_wrap_frame_stack(self:p(), k, out), out)
end
--- Each action repeated `repeat` times, rewards summed, the max of the last
--- two frames (pg_env_wrap_action_repeat).
function Env:action_repeat(repeat_n)
  local out = new_out("pg_env*")
  return wrapped(self, C.pg_env_wrap_action_repeat(self:p(), repeat_n, out), out)
end
--- One gray channel resized to height x width; method "area" (default) or
--- "bilinear" (pg_env_wrap_grayscale_resize).
function Env:grayscale_resize(height, width, method)
  local methods = { area = C.PG_RESAMPLE_AREA, bilinear = C.PG_RESAMPLE_BILINEAR }
  local m = methods[method or "area"]
  if not m then
    argerror(C.PG_ERR_INVALID_ARG, "Env:grayscale_resize: method must be 'area' or 'bilinear'")
  end
  local out = new_out("pg_env*")
  return wrapped(self, C.pg_env_wrap_grayscale_resize(self:p(), height, width, m, out), out)
end
function Env:set_observation_image(h, w, c)
  check(C.pg_env_set_observation_image(self:p(), h, w, c), self.ctx)
end
--- "float32" or "uint8", before the first reset: a "uint8" env gives bytes
--- to reset_u8 / step_u8 (Lua strings) and byte / 255 to reset / step.
function Env:set_observation_dtype(dtype)
  local dtypes = { float32 = C.PG_OBS_FLOAT32, uint8 = C.PG_OBS_UINT8 }
  local d = dtypes[dtype]
  if not d then argerror(C.PG_ERR_INVALID_ARG, "Env:set_observation_dtype: 'float32' or 'uint8'") end
  if self.is_lua and dtype ~= "float32" then
    argerror(C.PG_ERR_UNSUPPORTED, "Env:set_observation_dtype: a Lua environment's callbacks write floats")
  end
  check(C.pg_env_set_observation_dtype(self:p(), d), self.ctx)
end
function Env:observation_dtype()
  local v = ffi.new("pg_obs_dtype[1]")
  check(C.pg_env_get_observation_dtype(self:p(), v), self.ctx)
  return v[0] == C.PG_OBS_UINT8 and "uint8" or "float32"
end
function Env:observation_image()
  local h, w, c = ffi.new("int32_t[1]"), ffi.new("int32_t[1]"), ffi.new("int32_t[1]")
  check(C.pg_env_get_observation_image(self:p(), h, w, c), self.ctx)
  return h[0], w[0], c[0]
end
function Env:set_action_bounds(low, high)
  local lo = floats_in(low, self.action_n, "low")
  local hi = floats_in(high, self.action_n, "high")
  check(C.pg_env_set_action_bounds(self:p(), lo, hi, self.action_n), self.ctx)
end
function Env:action_bounds()
  local lo, hi = float_arr(self.action_n), float_arr(self.action_n)
  check(C.pg_env_get_action_bounds(self:p(), lo, hi, self.action_n), self.ctx)
  return table_out(lo, self.action_n), table_out(hi, self.action_n)
end
function Env:set_max_episode_steps(n) check(C.pg_env_set_max_episode_steps(self:p(), n), self.ctx) end
function Env:max_episode_steps()
  local v = ffi.new("uint64_t[1]")
  check(C.pg_env_get_max_episode_steps(self:p(), v), self.ctx)
  return tonumber(v[0])
end
function Env:set_seed(seed) check(C.pg_env_set_seed(self:p(), seed_arg(seed, "Env:set_seed: seed")), self.ctx) end
function Env:name() return ffi.string(C.pg_env_get_name(self:p())) end
function Env:action_mask()
  local buf = u8_arr(self.action_n)
  check(C.pg_env_get_action_mask(self:p(), buf, self.action_n), self.ctx)
  local t = {}
  for i = 1, self.action_n do t[i] = buf[i - 1] ~= 0 end
  return t
end
Env.reset = nojit(function(self)
  local obs = float_arr(self.observation_size)
  check(C.pg_env_reset(self:p(), obs, self.observation_size), self.ctx)
  return table_out(obs, self.observation_size)
end)
--- -> obs, reward, terminated, truncated
Env.step = nojit(function(self, action)
  local a = floats_in(action, self.action_len, "action")
  local obs = float_arr(self.observation_size)
  local r, te, tr = ffi.new("float[1]"), ffi.new("int32_t[1]"), ffi.new("int32_t[1]")
  check(C.pg_env_step(self:p(), a, self.action_len, obs, self.observation_size, r, te, tr), self.ctx)
  return table_out(obs, self.observation_size), r[0], te[0] ~= 0, tr[0] ~= 0
end)

--- reset for a "uint8" env: the observation as a Lua string of bytes.
Env.reset_u8 = nojit(function(self)
  local obs = u8_arr(self.observation_size)
  check(C.pg_env_reset_u8(self:p(), obs, self.observation_size), self.ctx)
  return ffi.string(obs, self.observation_size)
end)
--- step for a "uint8" env: -> obs (a string of bytes), reward, terminated, truncated
Env.step_u8 = nojit(function(self, action)
  local a = floats_in(action, self.action_len, "action")
  local obs = u8_arr(self.observation_size)
  local r, te, tr = ffi.new("float[1]"), ffi.new("int32_t[1]"), ffi.new("int32_t[1]")
  check(C.pg_env_step_u8(self:p(), a, self.action_len, obs, self.observation_size, r, te, tr), self.ctx)
  return ffi.string(obs, self.observation_size), r[0], te[0] ~= 0, tr[0] ~= 0
end)

function Env:episode_stats()
  local ret, len, eps = ffi.new("double[1]"), ffi.new("uint64_t[1]"), ffi.new("uint64_t[1]")
  local lret, llen = ffi.new("double[1]"), ffi.new("uint64_t[1]")
  check(C.pg_env_get_episode_stats(self:p(), ret, len, eps, lret, llen), self.ctx)
  return { ["return"] = ret[0], length = tonumber(len[0]), episodes = tonumber(eps[0]),
           last_return = lret[0], last_length = tonumber(llen[0]) }
end

-- VecEnv ----------------------------------------------------------------------
local VecEnv = class("VecEnv")
M.VecEnv = setmetatable({}, { __call = nojit(function(_, env, n, n_threads, seed)
  n_threads = n_threads or 1
  if env.is_lua and n_threads > 1 then
    argerror(C.PG_ERR_INVALID_ARG, "VecEnv: a Lua environment needs n_threads = 1 "
             .. "(LuaJIT callbacks must not run on library threads)")
  end
  local out = new_out("pg_vec_env*")
  check(C.pg_vec_env_create(env:p(), n, n_threads, seed_arg(seed or 0, "VecEnv: seed"), out), env.ctx)
  local self = setmetatable({ ctx = env.ctx, observation_size = env.observation_size,
                              action_len = env.action_len, action_n = env.action_n }, VecEnv)
  attach(self, out, "pg_vec_env*", C.pg_vec_env_destroy)
  local v = ffi.new("int32_t[1]")
  check(C.pg_vec_env_get_size(self.ptr, v), self.ctx)
  self.n = v[0]
  return self
end), __index = VecEnv })
VecEnv.reset = nojit(function(self)
  local len = self.n * self.observation_size
  local obs = float_arr(len)
  check(C.pg_vec_env_reset(self:p(), obs, len), self.ctx)
  return table_out(obs, len, self.n)
end)
--- -> obs rows, rewards, terminated, truncated, final_obs rows
VecEnv.step = nojit(function(self, actions)
  local n, os_ = self.n, self.observation_size
  local a = floats_in(actions, n * self.action_len, "actions")
  local obs, fin = float_arr(n * os_), float_arr(n * os_)
  local rew, te, tr = float_arr(n), i32_arr(n), i32_arr(n)
  check(C.pg_vec_env_step(self:p(), a, n * self.action_len, obs, n * os_, rew, te, tr, fin), self.ctx)
  local tt, tu = {}, {}
  for i = 1, n do tt[i] = te[i - 1] ~= 0 tu[i] = tr[i - 1] ~= 0 end
  return table_out(obs, n * os_, n), table_out(rew, n), tt, tu, table_out(fin, n * os_, n)
end)
--- reset for a "uint8" env: the n rows as one string of bytes.
VecEnv.reset_u8 = nojit(function(self)
  local len = self.n * self.observation_size
  local obs = u8_arr(len)
  check(C.pg_vec_env_reset_u8(self:p(), obs, len), self.ctx)
  return ffi.string(obs, len)
end)
--- step for a "uint8" env: -> obs, rewards, terminated, truncated, final_obs
--- (obs and final_obs: strings of n rows of bytes)
VecEnv.step_u8 = nojit(function(self, actions)
  local n, os_ = self.n, self.observation_size
  local a = floats_in(actions, n * self.action_len, "actions")
  local obs, fin = u8_arr(n * os_), u8_arr(n * os_)
  local rew, te, tr = float_arr(n), i32_arr(n), i32_arr(n)
  check(C.pg_vec_env_step_u8(self:p(), a, n * self.action_len, obs, n * os_, rew, te, tr, fin), self.ctx)
  local tt, tu = {}, {}
  for i = 1, n do tt[i] = te[i - 1] ~= 0 tu[i] = tr[i - 1] ~= 0 end
  return ffi.string(obs, n * os_), table_out(rew, n), tt, tu, ffi.string(fin, n * os_)
end)
function VecEnv:action_masks()
  local len = self.n * self.action_n
  local buf = u8_arr(len)
  check(C.pg_vec_env_get_action_mask(self:p(), buf, len), self.ctx)
  local t = {}
  for i = 1, self.n do
    local row = {}
    for j = 1, self.action_n do row[j] = buf[(i - 1) * self.action_n + j - 1] ~= 0 end
    t[i] = row
  end
  return t
end
function VecEnv:episode_stats(index)
  local ret, len, eps = ffi.new("double[1]"), ffi.new("uint64_t[1]"), ffi.new("uint64_t[1]")
  local lret, llen = ffi.new("double[1]"), ffi.new("uint64_t[1]")
  check(C.pg_vec_env_get_episode_stats(self:p(), index, ret, len, eps, lret, llen), self.ctx)
  return { ["return"] = ret[0], length = tonumber(len[0]), episodes = tonumber(eps[0]),
           last_return = lret[0], last_length = tonumber(llen[0]) }
end

-- ---------------------------------------------------------------------------
-- Agents.
-- ---------------------------------------------------------------------------
function M.param_from_name(name)
  local v = ffi.new("pg_param[1]")
  local st = type(name) == "string" and C.pg_param_from_name(name, v) or C.PG_ERR_INVALID_ARG
  if st ~= 0 then
    raise(tonumber(st), "unknown parameter '" .. tostring(name) .. "' (known: " .. known(PARAMS) .. ")")
  end
  return tonumber(v[0])
end
function M.param_name(p)
  local s = C.pg_param_name(p)
  return s ~= nil and ffi.string(s) or nil
end
function M.trunk_name(t) return ffi.string(C.pg_trunk_name(enum(t, TRUNKS, "trunk"))) end
function M.algorithm_name(a) return ffi.string(C.pg_algorithm_name(enum(a, ALGORITHMS, "algorithm"))) end
-- Bounds, default and component of a parameter without an agent.
local function algo_param(fn, a, p)
  local an = enum(a, ALGORITHMS, "algorithm")
  local pn = type(p) == "string" and M.param_from_name(p) or p
  return an, pn, fn .. "(" .. M.algorithm_name(an) .. ", " .. tostring(M.param_name(pn)) .. ")"
end
function M.param_bounds(a, p)
  local an, pn, what = algo_param("pg_param_get_bounds", a, p)
  local lo, hi = ffi.new("double[1]"), ffi.new("double[1]")
  local st = C.pg_param_get_bounds(an, pn, lo, hi)
  if st ~= 0 then raise(st, what .. ": " .. ffi.string(C.pg_status_string(st))) end
  return lo[0], hi[0]
end
function M.param_default(a, p)
  local an, pn, what = algo_param("pg_param_get_default", a, p)
  local v = ffi.new("double[1]")
  local st = C.pg_param_get_default(an, pn, v)
  if st ~= 0 then raise(st, what .. ": " .. ffi.string(C.pg_status_string(st))) end
  return v[0]
end
function M.param_component(p)
  local pn = type(p) == "string" and M.param_from_name(p) or p
  local s = C.pg_param_component(pn)
  return s ~= nil and ffi.string(s) or nil
end

local Agent = class("Agent")
local function wrap_agent(ctx, out, nets)
  local self = setmetatable({ ctx = ctx, nets = nets }, Agent)
  attach(self, out, "pg_agent*", C.pg_agent_destroy)
  -- the agent's box releases the borrowed nets' boxes when it is freed
  self.box.releases = {}
  for _, n in ipairs(nets) do
    n.box.borrows = n.box.borrows + 1
    self.box.releases[#self.box.releases + 1] = n.box
  end
  self.observation_size, self.action_len, self.n_actions = self:shape()
  self.discrete = self.n_actions > 0
  return self
end
M.Agent = setmetatable({}, { __call = function(_, ctx, algorithm, net, value_net)
  local out = new_out("pg_agent*")
  check(C.pg_agent_create(ctx:p(), enum(algorithm, ALGORITHMS, "algorithm"), net:p(),
                          value_net and value_net:p() or nil, out), ctx)
  return wrap_agent(ctx, out, { net, value_net })
end, __index = Agent })

function M.Agent.for_env(ctx, algorithm, env, hidden_units, hidden_layers)
  local out = new_out("pg_agent*")
  check(C.pg_agent_create_for_env(ctx:p(), enum(algorithm, ALGORITHMS, "algorithm"), env:p(),
                                  hidden_units or 64, hidden_layers or 1, out), ctx)
  return wrap_agent(ctx, out, {})
end
-- A recurrent agent ("paac" or "a3c"): dense layers, then an LSTM, one net with both heads.
function M.Agent.for_env_lstm(ctx, algorithm, env, hidden_units, hidden_layers, lstm_units)
  local out = new_out("pg_agent*")
  check(C.pg_agent_create_for_env_lstm(ctx:p(), enum(algorithm, ALGORITHMS, "algorithm"), env:p(),
                                       hidden_units or 64, hidden_layers or 1, lstm_units or 64,
                                       out), ctx)
  return wrap_agent(ctx, out, {})
end
-- Nets with a conv trunk ("nips", "nature", "small") on env's image observation.
function M.Agent.for_env_trunk(ctx, algorithm, env, trunk)
  local out = new_out("pg_agent*")
  check(C.pg_agent_create_for_env_trunk(ctx:p(), enum(algorithm, ALGORITHMS, "algorithm"), env:p(),
                                        enum(trunk or "small", TRUNKS, "trunk"), out), ctx)
  return wrap_agent(ctx, out, {})
end
-- Own nets with template's input shape and trunk (the template stays the caller's).
function M.Agent.from_template(ctx, algorithm, env, template)
  local out = new_out("pg_agent*")
  check(C.pg_agent_create_from_template(ctx:p(), enum(algorithm, ALGORITHMS, "algorithm"), env:p(),
                                        template:p(), out), ctx)
  return wrap_agent(ctx, out, {})
end

--- The policy (0) or value (1) net: a caller net as given, else a view
--- valid while the agent lives.
function Agent:net(which)
  local out = new_out("pg_net*")
  check(C.pg_agent_get_net(self:p(), which or 0, out), self.ctx)
  for _, n in ipairs(self.nets) do
    if n.ptr ~= nil and ffi.cast("pg_net*", n.ptr) == out[0] then return n end
  end
  return setmetatable({ ctx = self.ctx, ptr = out[0], owner = self, last_n = 0 }, Net)
end

local function pparam(p) return type(p) == "string" and M.param_from_name(p) or p end

function Agent:last_error() return ffi.string(C.pg_agent_last_error(self:p())) end

--- A worker of an asynchronous agent (A3C, async Q) for a host thread of
--- its own (in LuaJIT: another Lua state on that thread; see docs/LUA.md).
--- Closing the parent is deferred until its workers are freed.
function Agent:create_worker()
  local out = new_out("pg_agent*")
  local st = C.pg_agent_create_worker(self:p(), out)
  if st ~= 0 then raise(tonumber(st), ffi.string(C.pg_agent_last_error(self.ptr))) end
  local w = setmetatable({ ctx = self.ctx, nets = {}, parent = self }, Agent)
  attach(w, out, "pg_agent*", C.pg_agent_destroy)
  self.box.borrows = self.box.borrows + 1
  w.box.releases = { self.box }
  w.observation_size, w.action_len, w.n_actions = w:shape()
  w.discrete = w.n_actions > 0
  return w
end

--- obs_size, action_len, n_actions (mask length per slot; 0 for a
--- continuous policy), n_slots (follows num_envs): pg_agent_get_shape.
function Agent:shape()
  local v = ffi.new("size_t[4]")
  local st = C.pg_agent_get_shape(self:p(), v, v + 1, v + 2, v + 3)
  if st ~= 0 then raise(tonumber(st), self:last_error()) end
  return tonumber(v[0]), tonumber(v[1]), tonumber(v[2]), tonumber(v[3])
end

-- whole-agent checkpoints (nets, optimizer state, counters, parameters)
function Agent:save(path) check(C.pg_agent_save_file(self:p(), path), self.ctx) end
function Agent:export_c(prefix, header_path, source_path, int8)
  check(C.pg_agent_export_c(self:p(), prefix, header_path, source_path,
                            int8 and C.PG_EXPORT_C_INT8 or 0), self.ctx)
end
function Agent:to_string()
  local size = ffi.new("size_t[1]")
  check(C.pg_agent_save_memory(self:p(), nil, 0, size), self.ctx)
  local buf = ffi.new("uint8_t[?]", size[0])
  check(C.pg_agent_save_memory(self:p(), buf, size[0], size), self.ctx)
  return ffi.string(buf, size[0])
end
Agent.save_to = nojit(function(self, write)
  local ctx = self.ctx
  check(with_writer(ctx, write, function(cb) return C.pg_agent_save_cb(self:p(), cb, nil) end), ctx)
end)
function M.Agent.load(ctx, path)
  local out = new_out("pg_agent*")
  check(C.pg_agent_load_file(ctx:p(), path, out), ctx)
  return wrap_agent(ctx, out, {})
end
function M.Agent.from_string(ctx, data)
  local out = new_out("pg_agent*")
  check(C.pg_agent_load_memory(ctx:p(), data, #data, out), ctx)
  return wrap_agent(ctx, out, {})
end
function Agent:set_param(p, value)
  if type(value) ~= "number" then
    argerror(C.PG_ERR_INVALID_ARG, "Agent:set_param: the value of " .. tostring(p) .. " must be a number, got "
             .. type(value))
  end
  if type(p) == "string" then
    M.param_from_name(p) -- an unknown name: an error listing the known ones
    check(C.pg_agent_set_param_by_name(self:p(), p, value), self.ctx)
  else
    check(C.pg_agent_set_param(self:p(), p, value), self.ctx)
  end
  return self
end
function Agent:set_params(t)
  for k, val in pairs(t) do self:set_param(k, val) end
  return self
end
function Agent:get_param(p)
  local v = ffi.new("double[1]")
  check(C.pg_agent_get_param(self:p(), pparam(p), v), self.ctx)
  return v[0]
end
function Agent:param_bounds(p)
  local lo, hi = ffi.new("double[1]"), ffi.new("double[1]")
  check(C.pg_agent_param_bounds(self:p(), pparam(p), lo, hi), self.ctx)
  return lo[0], hi[0]
end
function Agent:stat(s)
  local v = ffi.new("double[1]")
  check(C.pg_agent_get_stat(self:p(), enum(s, STATS, "statistic"), v), self.ctx)
  return v[0]
end
function Agent:stats()
  local t = {}
  for k, val in pairs(STATS) do t[k] = self:stat(val) end
  return t
end

-- host-driven loop: arrays go to the library with their lengths as given
-- (flattened tables; a cdata array is taken to hold what the agent expects),
-- and the library checks them (PG_ERR_SHAPE naming the argument, the
-- expected and the given length). Errors carry the handle's own message (a
-- worker's buffer).
local function slots(self) return select(4, self:shape()) end
local function acheck(self, st)
  if st ~= 0 then raise(tonumber(st), self:last_error()) end
end
local function floats_len(t, want)
  if type(t) == "cdata" then return t, want end
  return floats_in(t, nil)
end
local function ints_len(t, ctype)
  local f = flatten(t)
  return ints_in(f, #f, "array", ctype), #f
end
-- pg_agent_step or pg_agent_step_u8 on the prepared obs.
local function agent_step(self, step_fn, o, olen, mask, n)
  local m, mlen = nil, 0
  if mask then m, mlen = ints_len(mask, u8_arr) end
  local out = float_arr(n * self.action_len)
  acheck(self, step_fn(self:p(), o, olen, m, mlen, out, n * self.action_len))
  if self.discrete then
    local t = {}
    for i = 1, n do t[i] = math.floor(out[i - 1]) end
    return t
  end
  return table_out(out, n * self.action_len, n)
end
--- Actions of every slot: a table of 0-based integers (discrete) or of rows.
function Agent:step(obs, mask)
  local n = slots(self)
  local o, olen = floats_len(obs, n * self.observation_size)
  return agent_step(self, C.pg_agent_step, o, olen, mask, n)
end
--- step on bytes (a string, a table of bytes or uint8_t cdata of a row per
--- slot), each byte learned as byte / 255.
function Agent:step_u8(obs, mask)
  local n = slots(self)
  local o, olen = bytes_in(obs, n * self.observation_size, "Agent:step_u8: obs")
  return agent_step(self, C.pg_agent_step_u8, o, olen, mask, n)
end
local function report_flags(self, rewards, terminated, truncated, fn)
  local r, rlen = floats_len(rewards, slots(self))
  local te, telen = ints_len(terminated)
  local tr, trlen = ints_len(truncated)
  if rlen ~= telen or rlen ~= trlen then
    argerror(C.PG_ERR_SHAPE, fn .. ": " .. rlen .. " rewards, " .. telen ..
             " terminated and " .. trlen .. " truncated flags: one of each per slot")
  end
  return r, te, tr, rlen
end
--- rewards, terminated and truncated: one per slot; next_obs: a row per slot.
function Agent:report(rewards, terminated, truncated, next_obs)
  local r, te, tr, rlen = report_flags(self, rewards, terminated, truncated, "pg_agent_report")
  local o, olen = floats_len(next_obs, slots(self) * self.observation_size)
  acheck(self, C.pg_agent_report(self:p(), r, te, tr, rlen, o, olen))
end
--- report with next_obs as bytes (as step_u8's obs).
function Agent:report_u8(rewards, terminated, truncated, next_obs)
  local r, te, tr, rlen = report_flags(self, rewards, terminated, truncated, "pg_agent_report_u8")
  local o, olen = bytes_in(next_obs, slots(self) * self.observation_size, "Agent:report_u8: next_obs")
  acheck(self, C.pg_agent_report_u8(self:p(), r, te, tr, rlen, o, olen))
end
function Agent:update()
  local u = ffi.new("int32_t[1]")
  acheck(self, C.pg_agent_update(self:p(), u))
  return u[0] ~= 0
end
--- Recurrent agents: slot's (0-based) state back to zero (a restarted episode).
function Agent:reset_state(slot) acheck(self, C.pg_agent_reset_state(self:p(), slot)) end
--- Recurrent agents: act()'s own state back to zero (a new episode).
function Agent:reset_act_state() acheck(self, C.pg_agent_reset_act_state(self:p())) end
--- One action, nothing recorded: a 0-based integer or a table of floats.
function Agent:act(obs, mask, deterministic)
  local o, olen = floats_len(obs, self.observation_size)
  local m, mlen = nil, 0
  if mask then m, mlen = ints_len(mask, u8_arr) end
  local out = float_arr(self.action_len)
  acheck(self, C.pg_agent_act(self:p(), o, olen, m, mlen, (deterministic == false) and 0 or 1,
                              out, self.action_len))
  if self.discrete then return math.floor(out[0]) end
  return table_out(out, self.action_len)
end

-- Training logs (docs/AGENTS.md "Training logs"). A Lua log callback is an
-- FFI callback kept on the agent's box until the log is replaced, turned
-- off or the agent is destroyed.
local function free_log_cb(box)
  if box.log_cb then box.log_cb:free() box.log_cb = nil end
end

local function log_file_status(self, path)
  local st = C.pg_agent_set_log_file(self:p(), path)
  if st == 0 then free_log_cb(self.box) end
  return st
end

local function log_callback_status(self, fn)
  if fn == nil then return log_file_status(self, nil) end
  local ctx, box = self.ctx, self.box
  local on_line = function(_, line, len)
    local ok, stop = pcall(fn, (ffi.string(line, len):gsub("\n$", "")))
    if ok then return stop and 1 or 0 end
    if ctx.pending == nil then ctx.pending = stop end
    return 1
  end
  jit.off(on_line, true)
  local cb = ffi.cast("pg_log_fn", on_line)
  local st = C.pg_agent_set_log_callback(self:p(), cb, nil)
  if st ~= 0 then cb:free() return st end
  free_log_cb(box)
  box.log_cb = cb
  if not box.frees_log_cb then -- free the callback after the agent
    local destroy = box.destroy
    box.destroy = function(raw) destroy(raw) free_log_cb(box) end
    box.frees_log_cb = true
  end
  return 0
end

local function log_status(self, log)
  if type(log) == "function" then return log_callback_status(self, log) end
  return log_file_status(self, log)
end

-- Raises with the agent handle's message (a worker's own buffer) and any
-- error of a Lua log callback.
local function check_log(self, st)
  local pending = self.ctx.pending
  self.ctx.pending = nil
  if st ~= 0 then raise(tonumber(st), ffi.string(C.pg_agent_last_error(self.ptr)), pending, 4) end
end

--- Writes a CSV training log to path (created or truncated now, header
--- first, then one row per progress report of train, each row on disk as
--- it is written); nil turns logging off.
Agent.set_log_file = nojit(function(self, path) check_log(self, log_file_status(self, path)) end)

--- Passes each CSV line of the training log, without its newline, to
--- fn(line): the header now, then one row per progress report of train.
--- nil turns logging off. Returning true or raising an error stops train.
Agent.set_log_callback = nojit(function(self, fn) check_log(self, log_callback_status(self, fn)) end)

--- Trains for max_steps; progress(agent) runs on this thread every
--- report_interval steps (0: every episode) and stops training by returning
--- true. log (optional): a path or a function, set as by set_log_file /
--- set_log_callback for this call only (logging is off afterwards).
--- A Lua environment requires num_threads = 1.
Agent.train = nojit(function(self, env, max_steps, progress, log)
  if env.is_lua then
    local ok, nt = pcall(self.get_param, self, C.PG_PARAM_NUM_THREADS)
    if ok and nt > 1 then
      argerror(C.PG_ERR_INVALID_ARG, "Agent:train: a Lua environment needs num_threads = 1 "
               .. "(LuaJIT callbacks must not run on library threads)")
    end
  end
  local ctx = self.ctx
  local cb = nil
  if progress then
    local on_progress = function()
      local ok, stop = pcall(progress, self)
      if ok then return stop and 1 or 0 end
      if ctx.pending == nil then ctx.pending = stop end
      return 1
    end
    jit.off(on_progress, true)
    cb = ffi.cast("pg_progress_fn", on_progress)
  end
  if log ~= nil then
    local lst = log_status(self, log)
    if lst ~= 0 then
      if cb then cb:free() end
      check_log(self, lst)
    end
  end
  local st = C.pg_agent_train(self:p(), env:p(), max_steps, cb, nil)
  if cb then cb:free() end
  if log ~= nil and self.ptr ~= nil then log_file_status(self, nil) end
  check(st, ctx)
  return self:stats()
end)

--- -> mean, std of the undiscounted returns of `episodes` episodes.
Agent.evaluate = nojit(function(self, env, episodes, deterministic)
  local m, s = ffi.new("double[1]"), ffi.new("double[1]")
  check(C.pg_agent_evaluate(self:p(), env:p(), episodes or 10, (deterministic == false) and 0 or 1,
                            m, s), self.ctx)
  return m[0], s[0]
end)

-- ---------------------------------------------------------------------------
-- Inference: Policy and PolicySession.
-- ---------------------------------------------------------------------------
local Policy = class("Policy")
local function wrap_policy(ctx, out)
  local self = setmetatable({ ctx = ctx }, Policy)
  attach(self, out, "pg_policy*", C.pg_policy_destroy)
  local o, a, n, k = ffi.new("size_t[1]"), ffi.new("size_t[1]"), ffi.new("size_t[1]"),
                     ffi.new("int32_t[1]")
  check(C.pg_policy_get_shape(self.ptr, o, a, n, k), ctx)
  self.observation_size, self.action_size = tonumber(o[0]), tonumber(a[0])
  self.n_actions, self.discrete = tonumber(n[0]), k[0] == C.PG_ACTION_DISCRETE
  return self
end
M.Policy = setmetatable({}, { __index = Policy })
function M.Policy.from_net(net)
  local out = new_out("pg_policy*")
  check(C.pg_policy_from_net(net:p(), out), net.ctx)
  return wrap_policy(net.ctx, out)
end
function M.Policy.from_agent(agent)
  local out = new_out("pg_policy*")
  check(C.pg_policy_from_agent(agent:p(), out), agent.ctx)
  return wrap_policy(agent.ctx, out)
end
function M.Policy.load(ctx, path)
  local out = new_out("pg_policy*")
  check(C.pg_policy_load_file(ctx:p(), path, out), ctx)
  return wrap_policy(ctx, out)
end
function M.Policy.from_string(ctx, data)
  local out = new_out("pg_policy*")
  check(C.pg_policy_load_memory(ctx:p(), data, #data, out), ctx)
  return wrap_policy(ctx, out)
end
function Policy:save(path) check(C.pg_policy_save_file(self:p(), path), self.ctx) end
function Policy:to_string()
  local size = ffi.new("size_t[1]")
  check(C.pg_policy_save_memory(self:p(), nil, 0, size), self.ctx)
  local buf = ffi.new("uint8_t[?]", size[0])
  check(C.pg_policy_save_memory(self:p(), buf, size[0], size), self.ctx)
  return ffi.string(buf, size[0])
end
Policy.save_to = nojit(function(self, write)
  local ctx = self.ctx
  check(with_writer(ctx, write, function(cb) return C.pg_policy_save_cb(self:p(), cb, nil) end), ctx)
end)
-- Dependency-free C source (docs/DEPLOYMENT.md): two files, or one
-- stb-style header when source_path is nil; int8: int8 weights (approximate).
function Policy:export_c(prefix, header_path, source_path, int8)
  check(C.pg_policy_export_c(self:p(), prefix, header_path, source_path,
                             int8 and C.PG_EXPORT_C_INT8 or 0), self.ctx)
end
-- The text of one part (C.PG_EXPORT_C_HEADER, _SOURCE or _SINGLE, the default).
Policy.export_c_text = nojit(function(self, prefix, part, int8)
  local ctx, chunks = self.ctx, {}
  check(with_writer(ctx, function(s) chunks[#chunks + 1] = s end, function(cb)
    return C.pg_policy_export_c_cb(self:p(), prefix, part or C.PG_EXPORT_C_SINGLE,
                                   int8 and C.PG_EXPORT_C_INT8 or 0, cb, nil)
  end), ctx)
  return table.concat(chunks)
end)

local PolicySession = class("PolicySession")
M.PolicySession = setmetatable({}, { __call = function(_, policy, seed)
  local out = new_out("pg_policy_session*")
  check(C.pg_policy_session_create(policy:p(), seed_arg(seed or 0, "PolicySession: seed"), out), policy.ctx)
  local self = setmetatable({ ctx = policy.ctx, policy = policy }, PolicySession)
  attach(self, out, "pg_policy_session*", C.pg_policy_session_destroy)
  self.buf = float_arr(math.max(1, policy.action_size))
  return self
end, __index = PolicySession })
function Policy:session(seed) return M.PolicySession(self, seed) end
function Policy:act(obs, mask, deterministic)
  if not self.default_session or self.default_session.ptr == nil then
    self.default_session = self:session(0)
  end
  return self.default_session:act(obs, mask, deterministic ~= false)
end
function PolicySession:seed(seed, stream)
  check(C.pg_policy_session_seed(self:p(), seed_arg(seed, "PolicySession:seed: seed"),
                                 seed_arg(stream or 0, "PolicySession:seed: stream")), self.ctx)
end
--- A new episode: the recurrent state (LSTM) goes back to zero.
function PolicySession:reset() check(C.pg_policy_session_reset(self:p()), self.ctx) end
function PolicySession:last_error() return ffi.string(C.pg_policy_session_last_error(self:p())) end
--- One action: a 0-based integer or a table of floats. Errors carry the
--- session's message.
-- act_fn (pg_policy_act or pg_policy_act_u8) on the prepared obs buffer.
local function session_act(self, act_fn, o, n, mask, deterministic)
  local m, mlen = nil, 0
  if mask then local f = flatten(mask) mlen = #f m = ints_in(f, mlen, "mask", u8_arr) end
  local p = self.policy
  local st = act_fn(self:p(), o, n, m, mlen, deterministic and 1 or 0, self.buf,
                    math.max(1, p.action_size))
  if st ~= 0 then raise(tonumber(st), self:last_error()) end
  if p.discrete then return math.floor(self.buf[0]) end
  return table_out(self.buf, p.action_size)
end
function PolicySession:act(obs, mask, deterministic)
  local o, n = floats_in(obs, nil, "obs")
  return session_act(self, C.pg_policy_act, o, n, mask, deterministic)
end

--- As act for a byte observation (each byte b fed as b / 255): a Lua string
--- of observation_size bytes, or a table of integers in [0, 255].
function PolicySession:act_u8(obs, mask, deterministic)
  local o, n = bytes_in(obs, self.policy.observation_size, "PolicySession:act_u8: obs")
  return session_act(self, C.pg_policy_act_u8, o, n, mask, deterministic)
end

return M
