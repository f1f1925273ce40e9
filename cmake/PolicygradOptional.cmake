# Optional dependencies. Each one has a switch PG_WITH_<NAME> = AUTO (use it
# when found), ON (fail the configure step when it is missing) or OFF (never
# look for it, as on a machine without it). CI builds once with every switch
# OFF so that the "absent" branch of each is compiled with -Werror.
#
#   pg_optional(NAME "what it adds")   declares the switch (before looking)
#   pg_optional_enabled(NAME out)      out = TRUE unless the switch is OFF
#   pg_optional_found(NAME found)      records the result, fails if ON and
#                                      not found; sets PG_HAVE_<NAME>
#   pg_optional_program(NAME out prog...)  the three steps for a program:
#                                      out = its path, or "" (not looked for
#                                      when the switch is OFF)
#   pg_optional_python_module(NAME python module)  the same for a module
#                                      that `python -c "import module"` finds
# A summary of every switch is printed at the end of the configure step.
# PG_ALL_OPTIONAL_OFF=ON turns every switch OFF, including ones added later
# (the CI stage that builds as a machine with none of them would).

option(PG_ALL_OPTIONAL_OFF "Build as if no optional dependency were installed" OFF)

function(_pg_optional_value name out)
  string(TOUPPER "${PG_WITH_${name}}" _v)
  if(PG_ALL_OPTIONAL_OFF)
    set(_v OFF)
  endif()
  set(${out} ${_v} PARENT_SCOPE)
endfunction()

function(pg_optional name doc)
  set(PG_WITH_${name} AUTO CACHE STRING "${doc} (AUTO, ON or OFF)")
  set_property(CACHE PG_WITH_${name} PROPERTY STRINGS AUTO ON OFF)
  string(TOUPPER "${PG_WITH_${name}}" _v)
  if(NOT _v MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "PG_WITH_${name} is '${PG_WITH_${name}}': use AUTO, ON or OFF")
  endif()
  set_property(GLOBAL APPEND PROPERTY PG_OPTIONAL_NAMES ${name})
  set_property(GLOBAL PROPERTY PG_OPTIONAL_DOC_${name} "${doc}")
endfunction()

function(pg_optional_enabled name out)
  _pg_optional_value(${name} _v)
  if(_v STREQUAL "OFF")
    set(${out} FALSE PARENT_SCOPE)
  else()
    set(${out} TRUE PARENT_SCOPE)
  endif()
endfunction()

function(pg_optional_found name found)
  _pg_optional_value(${name} _v)
  get_property(_doc GLOBAL PROPERTY PG_OPTIONAL_DOC_${name})
  if(_v STREQUAL "OFF")
    set(_have FALSE)
    set(_state "off (forced)")
  elseif(found)
    set(_have TRUE)
    set(_state "found")
  elseif(_v STREQUAL "ON")
    message(FATAL_ERROR "PG_WITH_${name}=ON but it was not found (${_doc}); "
                        "bash .ci/setup.sh installs every optional package")
  else()
    set(_have FALSE)
    set(_state "not found")
  endif()
  set(PG_HAVE_${name} ${_have} CACHE INTERNAL "")
  set_property(GLOBAL PROPERTY PG_OPTIONAL_STATE_${name} "${_state}")
endfunction()

function(pg_optional_program name out)
  set(_path "")
  pg_optional_enabled(${name} _look)
  if(_look)
    find_program(PG_${name}_EXE NAMES ${ARGN})
    if(PG_${name}_EXE)
      set(_path "${PG_${name}_EXE}")
    endif()
  endif()
  pg_optional_found(${name} "${_path}")
  set(${out} "${_path}" PARENT_SCOPE)
endfunction()

function(pg_optional_python_module name python module)
  set(_have FALSE)
  pg_optional_enabled(${name} _look)
  if(_look AND python)
    execute_process(COMMAND ${python} -c "import ${module}"
      RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
    if(_rc EQUAL 0)
      set(_have TRUE)
    endif()
  endif()
  pg_optional_found(${name} ${_have})
endfunction()

function(pg_optional_summary)
  message(STATUS "Optional dependencies (PG_WITH_<NAME>=AUTO|ON|OFF):")
  get_property(_names GLOBAL PROPERTY PG_OPTIONAL_NAMES)
  foreach(_n IN LISTS _names)
    get_property(_s GLOBAL PROPERTY PG_OPTIONAL_STATE_${_n})
    get_property(_doc GLOBAL PROPERTY PG_OPTIONAL_DOC_${_n})
    if(NOT _s)
      set(_s "not looked for (the parts that use it are not built)")
    endif()
    message(STATUS "  PG_WITH_${_n}: ${_s} -- ${_doc}")
  endforeach()
endfunction()
