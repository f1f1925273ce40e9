# The physics engines of the simulator examples (examples/mujoco,
# examples/box2d) and of bench/bench_sims. Neither is linked into the
# library. Debian's mujocoConfig.cmake names an include folder that
# libmujoco-dev does not ship (libqhull_r), so both engines are found by
# header and library instead of their CMake packages. Box2D is C++: the
# CXX language is enabled only when it is found, for its C shim.
#   PG_HAVE_MUJOCO: PG_MUJOCO_INCLUDE_DIR, PG_MUJOCO_LIBRARY
#   PG_HAVE_BOX2D:  PG_BOX2D_INCLUDE_DIR, PG_BOX2D_LIBRARY (and CXX enabled)
pg_optional(MUJOCO "libmujoco-dev: the MuJoCo examples (cart-pole, hopper), their smoke tests, bench_sims")
pg_optional(BOX2D "libbox2d-dev and g++: the Box2D lunar lander example, its smoke test, bench_sims")

set(_pg_found FALSE)
pg_optional_enabled(MUJOCO _pg_look)
if(_pg_look)
  find_path(PG_MUJOCO_INCLUDE_DIR mujoco/mujoco.h)
  find_library(PG_MUJOCO_LIBRARY mujoco)
  if(PG_MUJOCO_INCLUDE_DIR AND PG_MUJOCO_LIBRARY)
    set(_pg_found TRUE)
  endif()
endif()
pg_optional_found(MUJOCO ${_pg_found})

set(_pg_found FALSE)
pg_optional_enabled(BOX2D _pg_look)
if(_pg_look)
  include(CheckLanguage)
  check_language(CXX)
  find_path(PG_BOX2D_INCLUDE_DIR box2d/box2d.h)
  find_library(PG_BOX2D_LIBRARY box2d)
  if(CMAKE_CXX_COMPILER AND PG_BOX2D_INCLUDE_DIR AND PG_BOX2D_LIBRARY)
    set(_pg_found TRUE)
  endif()
endif()
pg_optional_found(BOX2D ${_pg_found})
if(PG_HAVE_BOX2D)
  enable_language(CXX)
endif()
