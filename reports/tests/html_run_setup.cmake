# Runs a short call with `blindfold run` into OUT (the fixture of the run
# page tests) and checks that the run left report.html beside report.json:
#   cmake -DBLINDFOLD=... -DSCENARIO=... -DOUT=DIR -P html_run_setup.cmake
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${BLINDFOLD} run ${SCENARIO} --set duration_s=3 --out ${OUT} --quiet
  RESULT_VARIABLE status OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT status STREQUAL "0" AND NOT status STREQUAL "1")
  message(FATAL_ERROR "blindfold run exited ${status}: ${err}")
endif()
foreach(file report.json frames.csv timeseries.csv report.html)
  if(NOT EXISTS ${OUT}/${file})
    message(FATAL_ERROR "blindfold run left no ${file}")
  endif()
endforeach()
