# Debian packages with CPack, one per install component:
#
#   cmake -S . -B build-deb -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-deb -j && (cd build-deb && cpack -G DEB)
#
#   libpolicygrad<MAJOR>.<MINOR>  runtime: the shared library (the SONAME is in
#                                 the name); Depends from dpkg-shlibdeps
#   libpolicygrad-dev             dev: header, .pc, CMake package, .so link,
#                                 static library when built; Depends on the
#                                 runtime of the same version
#   python3-policygrad            policygrad.py in /usr/lib/python3/dist-packages
#   lua-policygrad                policygrad.lua in /usr/share/lua/5.1
# The front ends depend on the runtime of the same version and on python3 /
# luajit; they exist when the build found those (PG_WITH_PYTHON/LUAJIT).
# The modules in them load /usr/lib/<multiarch>/libpolicygrad.so.M.m, the
# path recorded at install time for the packaging prefix /usr. Building
# packages needs dpkg-dev (dpkg-shlibdeps); .ci/package.sh checks them.

set(PG_PACKAGE_CONTACT "libpolicygrad developers <libpolicygrad@localhost>" CACHE STRING
  "Maintainer field of the Debian packages")
set(CPACK_PACKAGE_NAME policygrad)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${PG_PACKAGE_CONTACT}")
# Each package has its own synopsis (the first line of its description).
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Read by cpack (cmake/PolicygradCPackCheck.cmake): packages need /usr.
set(CPACK_PG_CONFIGURED_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_PROJECT_CONFIG_FILE "${CMAKE_CURRENT_LIST_DIR}/PolicygradCPackCheck.cmake")

set(PG_DEB_RUNTIME "libpolicygrad${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}")
set(_pg_same "${PG_DEB_RUNTIME} (= ${PROJECT_VERSION})")

set(CPACK_COMPONENTS_ALL dev)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libpolicygrad-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_DESCRIPTION "policy-gradient reinforcement learning in C (development files)
The header policygrad.h, the pkg-config file policygrad.pc, the CMake
package (find_package(policygrad)), the link to the shared library and,
when built, the static library.")
if(PG_BUILD_SHARED)
  list(INSERT CPACK_COMPONENTS_ALL 0 runtime)
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME ${PG_DEB_RUNTIME})
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
  # A patch release keeps the ABI (docs/ABI.md).
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
  set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "policy-gradient reinforcement learning in C (shared library)
REINFORCE, actor-critic, PAAC and the asynchronous methods of Mnih et al.,
with their networks, optimizers and reference tasks, as an embeddable C11
library (libm and pthreads only).")
  set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "${_pg_same}")
  if(PG_HAVE_PYTHON)
    list(APPEND CPACK_COMPONENTS_ALL python-deb)
    set(CPACK_DEBIAN_PYTHON-DEB_PACKAGE_NAME python3-policygrad)
    set(CPACK_DEBIAN_PYTHON-DEB_PACKAGE_SECTION python)
    set(CPACK_DEBIAN_PYTHON-DEB_PACKAGE_DEPENDS "${_pg_same}, python3")
    set(CPACK_DEBIAN_PYTHON-DEB_DESCRIPTION "policy-gradient reinforcement learning in C (Python 3 module)
import policygrad: a ctypes binding of libpolicygrad (standard library
only; numpy arrays when numpy is installed).")
  endif()
  if(PG_HAVE_LUAJIT)
    list(APPEND CPACK_COMPONENTS_ALL lua)
    set(CPACK_DEBIAN_LUA_PACKAGE_NAME lua-policygrad)
    set(CPACK_DEBIAN_LUA_PACKAGE_SECTION interpreters)
    set(CPACK_DEBIAN_LUA_PACKAGE_DEPENDS "${_pg_same}, luajit")
    set(CPACK_DEBIAN_LUA_DESCRIPTION "policy-gradient reinforcement learning in C (LuaJIT module)
require('policygrad'): a LuaJIT FFI binding of libpolicygrad.")
  endif()
  if(PG_HAVE_MPI)
    list(APPEND CPACK_COMPONENTS_ALL mpi)
    set(CPACK_DEBIAN_MPI_PACKAGE_NAME libpolicygrad-mpi)
    set(CPACK_DEBIAN_MPI_PACKAGE_SECTION libdevel)
    set(CPACK_DEBIAN_MPI_PACKAGE_SHLIBDEPS OFF) # libopenmpi-dev brings the MPI runtime
    set(CPACK_DEBIAN_MPI_PACKAGE_DEPENDS "${_pg_same}, libpolicygrad-dev (= ${CPACK_PACKAGE_VERSION}), libopenmpi-dev")
    set(CPACK_DEBIAN_MPI_DESCRIPTION "policy-gradient reinforcement learning in C (MPI component)
libpolicygrad_mpi, policygrad_mpi.h and policygrad-mpi.pc: synchronous
data-parallel training over MPI ranks.")
  endif()
endif()
include(CPack)
