# blindfold report DIR (cli/cmd_report.c): help, usage and input errors
# exit 2 with one line naming the problem; `blindfold run` renders the page
# unless --no-html. The pages themselves are checked in
# reports/tests/html.cmake. Included from cli/CMakeLists.txt.
set(report_bad ${CMAKE_BINARY_DIR}/report-cli)
blindfold_cli_test(cli_report_help 0 STDOUT "^Usage: blindfold report DIR" ARGS report --help)
blindfold_cli_test(cli_report_no_dir 2 ONE_LINE STDERR "^blindfold report: expected one DIR"
  ARGS report)
blindfold_cli_test(cli_report_two_dirs 2 ONE_LINE STDERR "^blindfold report: expected one DIR"
  ARGS report ${report_bad}/empty ${report_bad}/empty)
blindfold_cli_test(cli_report_unknown_option 2 ONE_LINE STDERR "^blindfold report: unknown option"
  ARGS report --fast ${report_bad}/empty)

add_test(NAME cli_report_bad_input_setup
  COMMAND ${CMAKE_COMMAND} -DOUT=${report_bad}
          -P ${PROJECT_SOURCE_DIR}/reports/tests/html_bad_input.cmake)
set_tests_properties(cli_report_bad_input_setup PROPERTIES LABELS unit
  FIXTURES_SETUP report_bad_input)
blindfold_cli_test(cli_report_missing_json 2 ONE_LINE
  STDERR "^blindfold report: [^\n]*empty/report.json: cannot open: No such file"
  ARGS report ${report_bad}/empty)
blindfold_cli_test(cli_report_not_json 2 ONE_LINE
  STDERR "^blindfold report: [^\n]*not-json/report.json: line 1, column [0-9]+: "
  ARGS report ${report_bad}/not-json)
blindfold_cli_test(cli_report_not_a_report 2 ONE_LINE
  STDERR "^blindfold report: [^\n]*not-report/report.json: not a blindfold report"
  ARGS report ${report_bad}/not-report)
set_tests_properties(cli_report_missing_json cli_report_not_json cli_report_not_a_report
  PROPERTIES FIXTURES_REQUIRED report_bad_input)

# blindfold run renders report.html (checked by the html_run fixture,
# reports_html_run_setup) and --no-html leaves none.
add_test(NAME cli_report_run_no_html
  COMMAND ${CMAKE_COMMAND} -DBLINDFOLD=$<TARGET_FILE:blindfold>
          -DSCENARIO=${PROJECT_SOURCE_DIR}/scenarios/two-peers-ideal.json
          -DOUT=${CMAKE_BINARY_DIR}/report-cli-no-html
          -P ${PROJECT_SOURCE_DIR}/reports/tests/html_run_no_html.cmake)
set_tests_properties(cli_report_run_no_html PROPERTIES LABELS unit)
