# The include rules of lib/ (docs/ARCHITECTURE.md), checked on every build:
#   core   -> core
#   nn     -> core            optim -> core            env -> core
#   agents -> optim, nn, env, core
# plus: struct pg_env is private to lib/env (env/env_impl.h is included only
# there), lib/nn's net_impl.h only inside lib/nn, and inside lib/agents only
# the asynchronous family (a3c*.c, async_*.c) includes pg_async.h, so that the
# generic agent code cannot reach into it.
# Usage: cmake -DLIB=<source>/lib -DINCLUDE=<source>/include -P include_rules.cmake
cmake_minimum_required(VERSION 3.16)
if(NOT LIB OR NOT INCLUDE)
  message(FATAL_ERROR "usage: cmake -DLIB=<dir> -DINCLUDE=<dir> -P include_rules.cmake")
endif()

set(allowed_core core)
set(allowed_nn nn core)
set(allowed_optim optim core)
set(allowed_env env core)
set(allowed_agents agents optim nn env core)

file(GLOB_RECURSE sources RELATIVE ${LIB} ${LIB}/*.c ${LIB}/*.h)
set(errors "")
set(checked 0)
foreach(src IN LISTS sources)
  string(REGEX MATCH "^[^/]+" dir "${src}")
  if(NOT DEFINED allowed_${dir})
    string(APPEND errors "  ${src}: lib/${dir} is not in the rules (add it to include_rules.cmake)\n")
    continue()
  endif()
  get_filename_component(name ${src} NAME)
  file(STRINGS ${LIB}/${src} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" inc "${line}")
    math(EXPR checked "${checked} + 1")
    if(inc MATCHES "/")
      string(REGEX MATCH "^[^/]+" target "${inc}")
    elseif(EXISTS ${LIB}/${dir}/${inc})
      set(target ${dir})
    elseif(EXISTS ${LIB}/core/${inc})
      set(target core)
    elseif(EXISTS ${INCLUDE}/${inc})
      continue() # the public header: allowed everywhere
    else()
      string(APPEND errors "  ${src}: cannot resolve #include \"${inc}\"\n")
      continue()
    endif()
    if(NOT target IN_LIST allowed_${dir})
      string(APPEND errors "  ${src}: lib/${dir} may not include lib/${target} (\"${inc}\")\n")
    endif()
    get_filename_component(inc_name ${inc} NAME)
    if(inc_name STREQUAL "env_impl.h" AND NOT dir STREQUAL "env")
      string(APPEND errors "  ${src}: struct pg_env is private to lib/env (\"${inc}\")\n")
    endif()
    if(inc_name STREQUAL "net_impl.h" AND NOT dir STREQUAL "nn")
      string(APPEND errors "  ${src}: net_impl.h is private to lib/nn (\"${inc}\")\n")
    endif()
    if(inc_name STREQUAL "pg_async.h" AND dir STREQUAL "agents"
       AND NOT name MATCHES "^(a3c|async_|pg_async)")
      string(APPEND errors "  ${src}: only the asynchronous family includes pg_async.h\n")
    endif()
  endforeach()
endforeach()
if(errors)
  message(FATAL_ERROR "include rules broken:\n${errors}")
endif()
message(STATUS "include rules: ${checked} #include lines in lib/ follow the rules")
