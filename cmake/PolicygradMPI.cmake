# The optional MPI component (docs/MPI.md): libpolicygrad_mpi, its header
# policygrad_mpi.h, pkg-config file policygrad-mpi.pc, CMake target
# policygrad::policygrad_mpi (find_package(policygrad COMPONENTS mpi)) and
# install component `mpi` (Debian package libpolicygrad-mpi). The core
# library never links MPI. Included from the top-level CMakeLists.txt after
# the core library's install rules; sets PG_HAVE_MPI.
pg_optional(MPI "MPI (Open MPI): libpolicygrad_mpi, data-parallel training over ranks")
# Not with sanitizers: LeakSanitizer reports Open MPI's own allocations and
# ThreadSanitizer cannot see its shared-memory transport.
set(MPI_C_FOUND FALSE)
pg_optional_enabled(MPI _pg_look)
if(_pg_look AND PG_BUILD_SHARED AND NOT PG_SANITIZE)
  find_package(MPI QUIET COMPONENTS C)
endif()
pg_optional_found(MPI "${MPI_C_FOUND}")
if(NOT PG_HAVE_MPI)
  return()
endif()

set(PG_MPI_VERSION_SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/lib/mpi/libpolicygrad_mpi.map)
add_library(policygrad_mpi SHARED ${CMAKE_CURRENT_SOURCE_DIR}/lib/mpi/mpi.c)
set_target_properties(policygrad_mpi PROPERTIES
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
  LINK_DEPENDS ${PG_MPI_VERSION_SCRIPT})
target_include_directories(policygrad_mpi PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(policygrad_mpi PUBLIC policygrad MPI::MPI_C)
target_compile_definitions(policygrad_mpi PRIVATE _POSIX_C_SOURCE=200809L)
target_link_options(policygrad_mpi PRIVATE "LINKER:--version-script=${PG_MPI_VERSION_SCRIPT}")
if(NOT PG_SANITIZE)
  target_link_options(policygrad_mpi PRIVATE "LINKER:--no-undefined")
endif()
pg_set_warnings(policygrad_mpi)
add_library(policygrad::policygrad_mpi ALIAS policygrad_mpi)

install(TARGETS policygrad_mpi EXPORT policygradMpiTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT mpi NAMELINK_COMPONENT mpi)
install(FILES include/policygrad_mpi.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT mpi)
install(EXPORT policygradMpiTargets NAMESPACE policygrad::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/policygrad COMPONENT mpi)
# The .pc names MPI's flags as found here (consumers may also build with mpicc).
set(PG_MPI_PC_CFLAGS "")
foreach(_d IN LISTS MPI_C_INCLUDE_DIRS)
  string(APPEND PG_MPI_PC_CFLAGS " -I${_d}")
endforeach()
set(PG_MPI_PC_LIBS "")
foreach(_l IN LISTS MPI_C_LIBRARIES)
  string(APPEND PG_MPI_PC_LIBS " ${_l}")
endforeach()
configure_file(cmake/policygrad-mpi.pc.in ${CMAKE_CURRENT_BINARY_DIR}/policygrad-mpi.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/policygrad-mpi.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT mpi)

# The MPI test programs run under mpirun on loopback, as root where needed
# (the recipes of docs/MPI.md); their leftovers stay in the build tree.
set(PG_MPI_TMP ${CMAKE_BINARY_DIR}/mpitmp)
file(MAKE_DIRECTORY ${PG_MPI_TMP})
set(PG_MPI_RUN_ENV OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
    OMPI_MCA_btl=self,vader OMPI_MCA_oob_tcp_if_include=lo
    HWLOC_COMPONENTS=-gl,-opencl TMPDIR=${PG_MPI_TMP}
    OMPI_MCA_btl_vader_backing_directory=${PG_MPI_TMP})
