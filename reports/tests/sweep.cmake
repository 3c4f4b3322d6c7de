# Whole sweeps through the blindfold binary (label unit: a 2 x 2 grid of a
# two-second call, a few seconds in all). reports/tests/sweep_e2e.cmake
# does the work, one MODE per test:
#   unsharded  sweep into A, merge into MA: V rows, summary.html well formed
#              with one plot per varied path, and without gnuplot a page
#              that says why (sets up the fixture the others compare with);
#   shards     --shard 1/2 into B1 and 2/2 into B2: the same folder names
#              as A, and sweep-merge B1 B2 gives MA's summary.csv byte for
#              byte; B1 alone exits 1 with the missing rows marked;
#   jobs       --jobs 2 into C: the same folder names and summary.csv as A;
#   mixed      sweep-merge of A and a folder of another sweep exits 2
#              naming both; a sweep refuses an --out holding another sweep;
#   resume     --resume on A runs nothing again and keeps summary.csv;
#   error      a variant `run` refuses (exit 2) is an error row, the other
#              variant still runs, and the sweep exits 3.
# The blindfold target is defined later (cli/), which generator
# expressions allow.
find_program(BLINDFOLD_XMLLINT xmllint)
set(sweep_e2e_work ${CMAKE_BINARY_DIR}/sweep-out/e2e)
foreach(mode unsharded shards jobs mixed resume error)
  add_test(NAME sweep_e2e_${mode}
    COMMAND ${CMAKE_COMMAND} -DBLINDFOLD=$<TARGET_FILE:blindfold> -DMODE=${mode}
            -DWORK=${sweep_e2e_work} -DBASE=${PROJECT_SOURCE_DIR}/scenarios/sweeps/small-call.json
            -DXMLLINT=${BLINDFOLD_XMLLINT}
            -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/sweep_e2e.cmake)
  set_tests_properties(sweep_e2e_${mode} PROPERTIES LABELS unit TIMEOUT 300)
endforeach()
set_tests_properties(sweep_e2e_unsharded PROPERTIES FIXTURES_SETUP sweep_unsharded)
set_tests_properties(sweep_e2e_shards sweep_e2e_jobs sweep_e2e_mixed PROPERTIES
  FIXTURES_REQUIRED sweep_unsharded)
# resume reruns into A, so it comes after the tests that read A.
set_tests_properties(sweep_e2e_resume PROPERTIES FIXTURES_REQUIRED sweep_unsharded
  DEPENDS "sweep_e2e_shards;sweep_e2e_jobs;sweep_e2e_mixed")
