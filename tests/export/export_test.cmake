# The C export's acceptance test (ctest export_c): export_driver trains and
# exports policies into WORK_DIR; every compiler in COMPILERS ("|"-separated)
# then builds each export into a program without libpolicygrad
# (-std=c99 -Wall -Wextra -Wpedantic -Werror), compiles the deterministic
# path alone with -ffreestanding (-O3, for its extra warnings), and export_driver compares the programs'
# actions and greedy returns with pg_policy_act's.
# Inputs: DRIVER, WORK_DIR, SRC_DIR (tests/export), COMPILERS, PGEXPORT (the
# CLI, may be empty).
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run_checked)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(out)
    message(STATUS "${out}")
  endif()
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${err}")
  endif()
endfunction()

run_checked("${DRIVER}" gen "${WORK_DIR}")
file(READ "${WORK_DIR}/fused_mode.txt" fused)
string(STRIP "${fused}" fused)
message(STATUS "the library's fused mode on this machine: ${fused}")

# The CLI (examples/pgexport.c) writes the same files from the checkpoint.
if(PGEXPORT)
  file(MAKE_DIRECTORY "${WORK_DIR}/cli")
  run_checked("${PGEXPORT}" "${WORK_DIR}/cartpole.pgck" --prefix cartpole -o "${WORK_DIR}/cli")
  foreach(f cartpole.h cartpole.c)
    file(SHA256 "${WORK_DIR}/${f}" want)
    file(SHA256 "${WORK_DIR}/cli/${f}" got)
    if(NOT want STREQUAL got)
      message(FATAL_ERROR "pgexport wrote a different ${f} than pg_policy_export_c")
    endif()
  endforeach()
endif()

set(warn -std=c99 -Wall -Wextra -Wpedantic -Werror -O2)
string(REPLACE "|" ";" compilers "${COMPILERS}")
foreach(cc IN LISTS compilers)
  get_filename_component(cc_name "${cc}" NAME)
  foreach(name cartpole pendulum masked qnet gnet snet cartpole_int8 pendulum_int8 cartpole_norm
               pendulum_norm pendulum_squash)
    string(TOUPPER "${name}" uname)
    set(sources "${WORK_DIR}/${name}.c")
    if(name STREQUAL "qnet") # the single stb-style header
      set(sources)
    endif()
    set(exe "${WORK_DIR}/${name}-${cc_name}")
    run_checked("${cc}" ${warn} -D${uname}_FUSED=${fused} -D${uname}_IMPLEMENTATION
                -DPOLICY=${name} -DUPOLICY=${uname} "-DPOLICY_HEADER=\"${name}.h\""
                -I "${WORK_DIR}" "${SRC_DIR}/consumer.c" ${sources} -o "${exe}" -lm)
    # The deterministic path alone, freestanding.
    if(name STREQUAL "qnet")
      file(WRITE "${WORK_DIR}/qnet_impl.c" "#define QNET_IMPLEMENTATION\n#include \"qnet.h\"\n")
      set(fs_src "${WORK_DIR}/qnet_impl.c")
    else()
      set(fs_src "${WORK_DIR}/${name}.c")
    endif()
    run_checked("${cc}" ${warn} -O3 -ffreestanding -D${uname}_NO_SAMPLING -I "${WORK_DIR}"
                -c "${fs_src}" -o "${WORK_DIR}/${name}-${cc_name}-freestanding.o")
    run_checked("${DRIVER}" run "${WORK_DIR}" ${name} "${exe}")
  endforeach()
endforeach()
