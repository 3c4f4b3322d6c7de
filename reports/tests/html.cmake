# The HTML page of `blindfold report` (reports/html_*.c), checked on the
# real binary: a run page from a short real call (fixture), rendered with
# gnuplot, without gnuplot and with a gnuplot that fails, and the replay
# page from the hand-made folder reports/tests/fixtures/replay. Each test
# renders its own copy (reports/tests/html_check.cmake). Included from
# reports/CMakeLists.txt.
set(html_out ${CMAKE_BINARY_DIR}/report-html)
set(html_check ${CMAKE_CURRENT_SOURCE_DIR}/tests/html_check.cmake)
set(replay_fixture ${CMAKE_CURRENT_SOURCE_DIR}/tests/fixtures/replay)

add_test(NAME reports_html_run_setup
  COMMAND ${CMAKE_COMMAND} -DBLINDFOLD=$<TARGET_FILE:blindfold>
          -DSCENARIO=${PROJECT_SOURCE_DIR}/scenarios/two-peers-ideal.json -DOUT=${html_out}/run
          -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/html_run_setup.cmake)
set_tests_properties(reports_html_run_setup PROPERTIES LABELS unit FIXTURES_SETUP html_run)

# blindfold_html_test(NAME SOURCE ARGS...): html_check.cmake on a copy of SOURCE.
function(blindfold_html_test name source)
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -DBLINDFOLD=$<TARGET_FILE:blindfold> -DSOURCE=${source}
            -DWORK=${html_out}/${name} ${ARGN} -P ${html_check})
  set_tests_properties(${name} PROPERTIES LABELS unit)
endfunction()

set(run_svg_ids "")
foreach(peer alice bob)
  list(APPEND run_svg_ids plot-latency-cdf-receiver-${peer} plot-latency-cdf-sender-${peer}
       plot-bitrate-${peer} plot-loss-${peer} plot-layer-${peer})
endforeach()
list(APPEND run_svg_ids plot-sfu-delay-down plot-sfu-delay-up)
string(REPLACE ";" "\\;" run_svg_arg "${run_svg_ids}")
blindfold_html_test(reports_html_run_page ${html_out}/run
  "-DSVG_IDS=${run_svg_arg}" -DSLOT_IDS=plot-sfu-queue-down
  "-DEXPECT_TEXT=<h1>Run: two-peers-ideal <span class=\"badge pass\">PASS</span></h1>\\;video_latency_p95_ms\\;ciphertext-only\\;uniformity_min_p\\;frames_decrypted_by_departed\\;dropped.srtp_auth")
set_tests_properties(reports_html_run_page PROPERTIES FIXTURES_REQUIRED html_run)

blindfold_html_test(reports_html_run_no_gnuplot ${html_out}/run
  -DGNUPLOT=${html_out}/no-such-gnuplot -DEXPECT_NO_SVG=ON
  "-DEXPECT_TEXT=No plots: gnuplot was not found\\;<td>alice</td><td>bob</td><td>video</td>")
set_tests_properties(reports_html_run_no_gnuplot PROPERTIES FIXTURES_REQUIRED html_run)

blindfold_html_test(reports_html_run_gnuplot_empty ${html_out}/run
  -DGNUPLOT= -DEXPECT_NO_SVG=ON "-DEXPECT_TEXT=No plots: BLINDFOLD_GNUPLOT is set and empty")
set_tests_properties(reports_html_run_gnuplot_empty PROPERTIES FIXTURES_REQUIRED html_run)

# A gnuplot that fails: every slot is there and says why, the page renders.
string(REPLACE ";" "\\;" run_slot_arg "${run_svg_ids}")
blindfold_html_test(reports_html_run_gnuplot_fails ${html_out}/run
  -DGNUPLOT=/bin/false -DEXPECT_NO_SVG=ON "-DSLOT_IDS=${run_slot_arg}"
  "-DEXPECT_TEXT=No plot: gnuplot exited with status 1")
set_tests_properties(reports_html_run_gnuplot_fails PROPERTIES FIXTURES_REQUIRED html_run)

blindfold_html_test(reports_html_replay_page ${replay_fixture}
  "-DSVG_IDS=plot-replay-packets\\;plot-replay-kbps\\;plot-replay-jitter\\;plot-replay-forwarded"
  "-DEXPECT_TEXT=<h1>Replay: call.pcapng</h1>\\;class=\"alert\">The capture could not be read to its end: truncated record\\;<span class=\"badge fail\">no</span>\\;AES_CM_128_HMAC_SHA1_80\\;payload_type_changed\\;unknown_ssrc")
blindfold_html_test(reports_html_replay_no_gnuplot ${replay_fixture}
  -DGNUPLOT=${html_out}/no-such-gnuplot -DEXPECT_NO_SVG=ON
  "-DEXPECT_TEXT=No plots: gnuplot was not found\\;0xE454D8D4")

# Optional, label long: a headless Chromium screenshot of the run page
# (reports/tests/html_screenshot.cmake), to look at; skipped without
# Chromium.
add_test(NAME reports_html_screenshot
  COMMAND ${CMAKE_COMMAND} -DPAGE=${html_out}/run/report.html -DPNG=${html_out}/run-page.png
          -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/html_screenshot.cmake)
set_tests_properties(reports_html_screenshot PROPERTIES LABELS long FIXTURES_REQUIRED html_run
  SKIP_REGULAR_EXPRESSION "chromium not found" TIMEOUT 300)
