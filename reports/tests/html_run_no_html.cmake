# `blindfold run --no-html` leaves no report.html, even where an earlier run
# left one:  cmake -DBLINDFOLD=... -DSCENARIO=... -DOUT=DIR -P html_run_no_html.cmake
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
file(WRITE ${OUT}/report.html "stale page of an earlier run\n")
execute_process(COMMAND ${BLINDFOLD} run ${SCENARIO} --set duration_s=1 --set warmup_s=0 --out ${OUT} --quiet
                        --no-html
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status STREQUAL "0" AND NOT status STREQUAL "1")
  message(FATAL_ERROR "blindfold run exited ${status}: ${err}")
endif()
if(NOT EXISTS ${OUT}/report.json)
  message(FATAL_ERROR "blindfold run left no report.json")
endif()
if(EXISTS ${OUT}/report.html OR EXISTS ${OUT}/report.html.tmp)
  message(FATAL_ERROR "blindfold run --no-html left a report.html")
endif()
