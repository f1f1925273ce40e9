cmake_policy(VERSION 3.16)
# ctest script: `cmake --install` into a scratch prefix outside the source
# tree, then, from a folder outside the source tree and with nothing but
# PATH and HOME in the environment (no POLICYGRAD_*, no LD_LIBRARY_PATH):
#   - tests/consumer/prog.c built with pkg-config and with
#     find_package(policygrad CONFIG), run (trains a few CartPole steps);
#   - python3 (when PYTHON3 is set) imports the installed policygrad.py
#     and luajit (when LUAJIT is set) requires the installed policygrad.lua;
#     each must load the installed library through the path the install
#     step recorded (the Lua one without any header), and train.
# A scratch prefix is on no default search path, so the scripts are given
# its module folder (sys.path / package.path), as a user would for one.
# With python3 (and its pip, setuptools and wheel), an offline pip install
# of examples/python (pyproject.toml) must give the header's version.
# With the default module folders, those for the standard prefixes (the
# interpreter's own and /usr/local, /usr) must be on the interpreters'
# default search paths.
#   -DBUILD_DIR -DSOURCE_ROOT -DSRC_DIR(tests/consumer) -DCC -DSONAME -DVERSION
#   [-DPYTHON3 -DPYTHON_DIR(PG_PYTHON_INSTALL_DIR)] [-DLUAJIT -DLUA_DIR(PG_LUA_INSTALL_DIR) -DLUA_DIR_IS_DEFAULT]
if(DEFINED ENV{TMPDIR} AND IS_DIRECTORY "$ENV{TMPDIR}")
  set(tmp "$ENV{TMPDIR}")
else()
  set(tmp /tmp)
endif()
string(MD5 key "${BUILD_DIR}")
set(work "${tmp}/policygrad-install-test-${key}")
get_filename_component(src_root "${SOURCE_ROOT}" REALPATH)
string(FIND "${work}/" "${src_root}/" inside)
if(inside EQUAL 0)
  message(FATAL_ERROR "the scratch folder ${work} lies inside the source tree; set TMPDIR")
endif()
file(REMOVE_RECURSE "${work}")
set(prefix "${work}/prefix")
set(run_dir "${work}/run")
file(MAKE_DIRECTORY "${run_dir}")
find_program(ENV_EXE env REQUIRED)
find_program(PKG_CONFIG pkg-config REQUIRED)
# Only PATH and HOME: the interpreters and the loader see no POLICYGRAD_*,
# LD_LIBRARY_PATH, PYTHONPATH or LUA_PATH of the ctest run.
set(clean_env ${ENV_EXE} -i "PATH=$ENV{PATH}" "HOME=${run_dir}")

function(run)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY "${run_dir}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}${err}")
endfunction()

# Module folders configured as absolute paths lie outside any prefix: the
# test does not write there, and does not check that front end.
if(IS_ABSOLUTE "${PYTHON_DIR}")
  message(STATUS "python3 part skipped: PG_PYTHON_INSTALL_DIR=${PYTHON_DIR} is absolute")
  set(PYTHON3 "")
endif()
if(IS_ABSOLUTE "${LUA_DIR}")
  message(STATUS "luajit part skipped: PG_LUA_INSTALL_DIR=${LUA_DIR} is absolute")
  set(LUAJIT "")
endif()
set(components runtime dev)
if(PYTHON3)
  list(APPEND components python)
endif()
if(LUAJIT)
  list(APPEND components lua)
endif()
foreach(c IN LISTS components)
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --component ${c})
endforeach()
file(GLOB pcfiles "${prefix}/lib*/pkgconfig/policygrad.pc" "${prefix}/lib/*/pkgconfig/policygrad.pc")
if(NOT pcfiles)
  message(FATAL_ERROR "no policygrad.pc under ${prefix}")
endif()
list(GET pcfiles 0 pcfile)
get_filename_component(pcdir "${pcfile}" DIRECTORY)
get_filename_component(libdir "${pcdir}" DIRECTORY)
set(library "${libdir}/${SONAME}")
if(NOT EXISTS "${library}")
  message(FATAL_ERROR "${library} was not installed")
endif()

# C with pkg-config: the .pc's rpath lets the program run without LD_LIBRARY_PATH.
execute_process(COMMAND ${CMAKE_COMMAND} -E env "PKG_CONFIG_PATH=${pcdir}"
    ${PKG_CONFIG} --cflags --libs policygrad
  OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "pkg-config does not know policygrad")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${CC} ${SRC_DIR}/prog.c ${flags} -o ${run_dir}/prog_pkgconfig)
run(${clean_env} ${run_dir}/prog_pkgconfig)

# C with find_package(policygrad CONFIG).
run(${CMAKE_COMMAND} -S ${SRC_DIR} -B ${work}/cmake-build -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_C_COMPILER=${CC})
run(${CMAKE_COMMAND} --build ${work}/cmake-build)
run(${clean_env} ${work}/cmake-build/prog)

# The front ends, copied out of the source tree and run there.
if(PYTHON3)
  file(GLOB_RECURSE pymodule "${prefix}/policygrad.py")
  list(LENGTH pymodule n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "expected one installed policygrad.py under ${prefix}: '${pymodule}'")
  endif()
  get_filename_component(pydir "${pymodule}" DIRECTORY)
  file(COPY ${SRC_DIR}/installed_python.py DESTINATION ${run_dir})
  set(rule "")
  if(NOT PYTHON_DIR)  # the default: check it for standard prefixes too
    set(rule ${SOURCE_ROOT}/cmake/pg_python_install_dir.py)
  endif()
  run(${clean_env} ${PYTHON3} ${run_dir}/installed_python.py ${pydir} ${library} ${rule})
endif()
if(LUAJIT)
  set(luadir "${prefix}/${LUA_DIR}")
  if(NOT EXISTS "${luadir}/policygrad.lua")
    message(FATAL_ERROR "${luadir}/policygrad.lua was not installed")
  endif()
  file(COPY ${SRC_DIR}/installed_lua.lua DESTINATION ${run_dir})
  set(rel "")
  if(LUA_DIR_IS_DEFAULT)  # check it for standard prefixes too
    set(rel "${LUA_DIR}")
  endif()
  run(${clean_env} ${LUAJIT} ${run_dir}/installed_lua.lua ${luadir} ${library} ${rel})
endif()

# examples/python/pyproject.toml: an offline pip install of a copy (pip
# builds in the source folder) gives the module and the header's version.
if(PYTHON3)
  execute_process(COMMAND ${PYTHON3} -c "import setuptools, wheel"
    COMMAND ${PYTHON3} -m pip --version
    RESULTS_VARIABLE pip_rcs OUTPUT_QUIET ERROR_QUIET)
  set(no_pip FALSE)
  if(NOT pip_rcs STREQUAL "0;0")
    set(no_pip TRUE)
  endif()
  if(no_pip)
    message(STATUS "pyproject.toml not checked: ${PYTHON3} lacks pip, setuptools or wheel "
      "(python3-pip, python3-setuptools, python3-wheel)")
  else()
    file(COPY ${SOURCE_ROOT}/examples/python/pyproject.toml
              ${SOURCE_ROOT}/examples/python/policygrad.py DESTINATION ${work}/pip-src)
    run(${clean_env} PIP_ROOT_USER_ACTION=ignore ${PYTHON3} -m pip install --no-build-isolation
        --no-deps --no-index --disable-pip-version-check --quiet --target ${work}/pip-target
        ${work}/pip-src)
    if(NOT EXISTS ${work}/pip-target/policygrad.py
       OR NOT IS_DIRECTORY ${work}/pip-target/policygrad-${VERSION}.dist-info)
      file(GLOB got ${work}/pip-target/*)
      message(FATAL_ERROR "pip install of examples/python: expected policygrad.py and "
        "policygrad-${VERSION}.dist-info (the header's version), got: ${got}")
    endif()
  endif()
endif()
file(REMOVE_RECURSE "${work}")
