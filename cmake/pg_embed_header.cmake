# Build step (cmake -P): the Lua module to install, with the public header's
# cdef block embedded, so the installed module needs no header at run time.
#   -DHEADER=include/policygrad.h -DMODULE=examples/lua/policygrad.lua -DOUT=...
include("${CMAKE_CURRENT_LIST_DIR}/PolicygradInstallFiles.cmake")
file(READ "${HEADER}" _header)
set(_begin "/* PG_CDEF_BEGIN */")
string(FIND "${_header}" "${_begin}" _at)
string(FIND "${_header}" "/* PG_CDEF_END */" _end)
if(_at EQUAL -1 OR _end LESS _at)
  message(FATAL_ERROR "${HEADER}: no PG_CDEF_BEGIN ... PG_CDEF_END block")
endif()
string(LENGTH "${_begin}" _len)
math(EXPR _at "${_at} + ${_len}")
math(EXPR _n "${_end} - ${_at}")
string(SUBSTRING "${_header}" ${_at} ${_n} _cdef)
if(_cdef MATCHES "]==]")
  message(FATAL_ERROR "${HEADER}: the cdef block contains ']==]', which ends the Lua string")
endif()
pg_substitute_line("${MODULE}" "${OUT}" "local INSTALLED_HEADER = nil"
  "local INSTALLED_HEADER = [==[\n${_cdef}]==]")
