-- The harness of the Lua suites (tests/lua/test_*.lua), loaded with
-- dofile(dir .. "/harness.lua"): test(name, fn) runs one test and prints
-- ok/FAIL, expect_error(fn, pattern) checks that fn raises an error whose
-- text contains pattern (plain text; returns the text), finish() prints the
-- summary and exits with 0 or 1.
local H = { passed = 0, failed = 0, t0 = os.clock() }

function H.test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then H.passed = H.passed + 1 print("ok   " .. name)
  else H.failed = H.failed + 1 print("FAIL " .. name .. "\n" .. tostring(err)) end
end

function H.expect_error(fn, pattern)
  local ok, err = pcall(fn)
  assert(not ok, "expected an error")
  if pattern then assert(tostring(err):find(pattern, 1, true), "error '" .. tostring(err) .. "' lacks '" .. pattern .. "'") end
  return tostring(err)
end

function H.finish()
  print(string.rep("-", 70))
  print(string.format("Ran %d tests in %.3fs", H.passed + H.failed, os.clock() - H.t0))
  print(H.failed == 0 and "OK" or string.format("FAILED (failures=%d)", H.failed))
  os.exit(H.failed == 0 and 0 or 1)
end

return H
