# The Python (ctypes) and LuaJIT (FFI) front ends: which interpreters the
# build uses (PG_PYTHON3, PG_LUAJIT; their tests are in tests/CMakeLists.txt)
# and how their modules are installed. Both need the shared library.
#
# Installed modules find the library without environment variables: the
# install step writes the absolute path of the installed SONAME file into
# the module (for this install's prefix, also under cpack and DESTDIR), and
# the Lua module carries the header's cdef block, embedded at build time.
#
#   PG_PYTHON_INSTALL_DIR  where policygrad.py goes; empty (the default):
#                          derived at install time from PG_PYTHON3's own
#                          sysconfig for the install prefix
#                          (cmake/pg_python_install_dir.py)
#   PG_LUA_INSTALL_DIR     where policygrad.lua goes (share/lua/5.1)
# Relative paths are relative to the install prefix. PG_INSTALL_HELPERS and
# PG_INSTALL_STAGING come from the install section of CMakeLists.txt.

set(PG_PYTHON3 "")
set(PG_LUAJIT "")
if(PG_BUILD_SHARED)
  pg_optional_enabled(PYTHON _pg_look)
  if(_pg_look)
    # The system interpreter (where Debian's python3-numpy lives, and whose
    # sys.path has the prefixes' dist-packages) unless the user names
    # another with -DPG_PYTHON3_EXE=...
    find_program(PG_PYTHON3_EXE NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
    find_program(PG_PYTHON3_EXE NAMES python3)
    if(PG_PYTHON3_EXE)
      # The interpreter itself, not a launcher such as a pyenv shim (which
      # picks a version from the folder it runs in).
      execute_process(COMMAND ${PG_PYTHON3_EXE} -c "import sys; print(sys.executable)"
        OUTPUT_VARIABLE PG_PYTHON3 OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _pg_rc)
      if(_pg_rc OR NOT PG_PYTHON3)
        set(PG_PYTHON3 "${PG_PYTHON3_EXE}")
      endif()
    endif()
  endif()
  pg_optional_found(PYTHON "${PG_PYTHON3}")
  pg_optional_enabled(LUAJIT _pg_look)
  if(_pg_look)
    find_program(PG_LUAJIT_EXE NAMES luajit)
    set(PG_LUAJIT "${PG_LUAJIT_EXE}")
  endif()
  pg_optional_found(LUAJIT "${PG_LUAJIT}")
endif()

set(PG_PYTHON_INSTALL_DIR "" CACHE STRING
  "Install folder of the Python module (empty: from python3's sysconfig for the install prefix)")
set(PG_LUA_INSTALL_DIR "${CMAKE_INSTALL_DATAROOTDIR}/lua/5.1" CACHE STRING
  "Install folder of the Lua module")
# Debian's layout for the python3-policygrad package, whatever interpreter
# this build uses (cmake/PolicygradPackaging.cmake).
set(PG_DEB_PYTHON_INSTALL_DIR "lib/python3/dist-packages")

set(PG_SONAME_FILE "$<TARGET_SONAME_FILE_NAME:policygrad>")

# pg_install_python_module(COMPONENT DIR [EXCLUDE_FROM_ALL]): policygrad.py
# into DIR (empty: derived at install time), its library path recorded.
function(pg_install_python_module component dir)
  install(CODE "include(\"${PG_INSTALL_HELPERS}\")
pg_python_module_dir(\"${PG_PYTHON3}\" \"${PROJECT_SOURCE_DIR}/cmake/pg_python_install_dir.py\"
  \"${dir}\" _pg_dir)
pg_install_module(\"${PROJECT_SOURCE_DIR}/examples/python/policygrad.py\"
  \"_INSTALLED_LIBRARY = None\" [[_INSTALLED_LIBRARY = \"@LIBRARY@\"]]
  \"${CMAKE_INSTALL_LIBDIR}\" \"${PG_SONAME_FILE}\" \"\${_pg_dir}\" \"${PG_INSTALL_STAGING}\")"
    COMPONENT ${component} ${ARGN})
endfunction()

if(PG_BUILD_SHARED AND PG_HAVE_PYTHON)
  pg_install_python_module(python "${PG_PYTHON_INSTALL_DIR}")
  pg_install_python_module(python-deb "${PG_DEB_PYTHON_INSTALL_DIR}" EXCLUDE_FROM_ALL)
endif()

if(PG_BUILD_SHARED AND PG_HAVE_LUAJIT)
  set(_pg_lua_src "${PROJECT_SOURCE_DIR}/examples/lua/policygrad.lua")
  set(_pg_lua_built "${CMAKE_CURRENT_BINARY_DIR}/bindings/lua/policygrad.lua")
  add_custom_command(OUTPUT "${_pg_lua_built}"
    COMMAND ${CMAKE_COMMAND} -DHEADER=${PROJECT_SOURCE_DIR}/include/policygrad.h
            -DMODULE=${_pg_lua_src} -DOUT=${_pg_lua_built}
            -P ${CMAKE_CURRENT_LIST_DIR}/pg_embed_header.cmake
    DEPENDS ${_pg_lua_src} ${PROJECT_SOURCE_DIR}/include/policygrad.h
            ${CMAKE_CURRENT_LIST_DIR}/pg_embed_header.cmake ${PG_INSTALL_HELPERS}
    COMMENT "Lua module with the header's cdef embedded")
  add_custom_target(pg_lua_module ALL DEPENDS "${_pg_lua_built}")
  install(CODE "include(\"${PG_INSTALL_HELPERS}\")
pg_install_module(\"${_pg_lua_built}\" \"local INSTALLED_LIBRARY = nil\"
  [[local INSTALLED_LIBRARY = \"@LIBRARY@\"]] \"${CMAKE_INSTALL_LIBDIR}\" \"${PG_SONAME_FILE}\"
  \"${PG_LUA_INSTALL_DIR}\" \"${PG_INSTALL_STAGING}\")" COMPONENT lua)
endif()
