# play_render: train_sim saves a (briefly trained) CartPole policy, play
# loads it and renders one episode as an APNG and a 4-frame strip, and
# check_render.py decodes both with Python's zlib (skipped, saying so,
# when python3 is not used: check_render.c still checks the chunk
# structure and CRCs in C).
# -DTRAIN= -DPLAY= -DWORK= -DPYTHON3= (may be empty) -DCHECK=
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()
run(${TRAIN} CartPole-v1 --smoke --policy ${WORK}/cartpole.pgck)
run(${PLAY} CartPole-v1 ${WORK}/cartpole.pgck --out ${WORK}/episode.png
    --strip ${WORK}/strip.png --every 1 --frames 40 --strip-frames 4 --strip-every 2)
foreach(f episode.png strip.png)
  if(NOT EXISTS ${WORK}/${f})
    message(FATAL_ERROR "play wrote no ${WORK}/${f}")
  endif()
endforeach()
if(PYTHON3)
  run(${PYTHON3} ${CHECK} ${WORK}/episode.png --width 300 --height 200 --min-frames 2)
  run(${PYTHON3} ${CHECK} ${WORK}/strip.png --width 1206 --height 200)
else()
  message(STATUS "decoding with zlib skipped: python3 is not used (PG_WITH_PYTHON=OFF or not found)")
endif()
