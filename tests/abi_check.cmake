cmake_policy(VERSION 3.16)
# ctest script: the shared library's ABI against the committed baseline
# (abi/libpolicygrad.abi, made by abidw): removed or changed functions,
# variables or types fail; added functions pass and are listed (other
# engineers add public functions without regenerating the baseline).
# docs/ABI.md says how to update the baseline when a change is announced.
#   -DABIDIFF=... -DBASELINE=... -DLIB=... -DHEADERS=<include dir>
execute_process(
  COMMAND ${ABIDIFF} --headers-dir1 ${HEADERS} --headers-dir2 ${HEADERS} ${BASELINE} ${LIB}
  OUTPUT_VARIABLE report ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${report}${err}")
if(NOT rc MATCHES "^[0-9]+$")
  message(FATAL_ERROR "abidiff did not run: ${rc}")
endif()
# abidiff's exit bits: 1 error, 2 usage error, 4 ABI change, 8 incompatible change
math(EXPR error_bits "${rc} & 3")
math(EXPR incompatible "${rc} & 8")
if(error_bits)
  message(FATAL_ERROR "abidiff failed (exit ${rc})")
endif()
if(incompatible)
  message(FATAL_ERROR "incompatible ABI change against ${BASELINE} (exit ${rc}): see above")
endif()
# bit 4 alone: allowed only when every change is an addition
foreach(what IN ITEMS "Functions" "Variables" "Function symbols" "Variable symbols")
  if(report MATCHES "${what} changes summary: ([0-9]+) Removed, ([0-9]+) Changed")
    if(NOT CMAKE_MATCH_1 EQUAL 0 OR NOT CMAKE_MATCH_2 EQUAL 0)
      message(FATAL_ERROR "unannounced ABI change against ${BASELINE}: ${CMAKE_MATCH_1} "
                          "removed, ${CMAKE_MATCH_2} changed ${what} (see above; docs/ABI.md, "
                          "\"The ABI baseline\", says how to announce it)")
    endif()
  elseif(report MATCHES "${what} changes summary: ([0-9]+) Removed")
    if(NOT CMAKE_MATCH_1 EQUAL 0)
      message(FATAL_ERROR "unannounced ABI change against ${BASELINE}: ${what} removed")
    endif()
  endif()
endforeach()
if(rc)
  message("abi_check: additions only, against ${BASELINE}")
else()
  message("abi_check: the ABI is the baseline's")
endif()
