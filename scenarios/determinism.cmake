# Runs SCENARIO twice with blindfold (BLINDFOLD) into OUT/a and OUT/b and
# fails unless the two report.json files are equal once their "wall"
# sections (wall-clock figures) are removed, and frames.csv and
# timeseries.csv are byte-identical.
foreach(run a b)
  execute_process(COMMAND ${BLINDFOLD} run ${SCENARIO} --out ${OUT}/${run} --quiet
    RESULT_VARIABLE status OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT status STREQUAL "0" AND NOT status STREQUAL "1")
    message(FATAL_ERROR "run ${run} exited ${status}: ${err}")
  endif()
  file(READ ${OUT}/${run}/report.json report_${run})
  string(JSON report_${run} REMOVE "${report_${run}}" wall)
endforeach()
if(NOT report_a STREQUAL report_b)
  message(FATAL_ERROR "report.json differs between two runs of the same seed")
endif()
foreach(file frames.csv timeseries.csv)
  file(SHA256 ${OUT}/a/${file} hash_a)
  file(SHA256 ${OUT}/b/${file} hash_b)
  if(NOT hash_a STREQUAL hash_b)
    message(FATAL_ERROR "${file} differs between two runs of the same seed")
  endif()
endforeach()
string(LENGTH "${report_a}" length)
message(STATUS "report.json identical apart from wall (${length} characters)")
