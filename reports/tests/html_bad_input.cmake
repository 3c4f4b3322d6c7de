# Makes the folders of the bad-input tests of `blindfold report`: one with
# no report.json and one whose report.json is not JSON.
#   cmake -DOUT=DIR -P html_bad_input.cmake
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT}/empty)
file(WRITE ${OUT}/not-json/report.json "this is not { JSON\n")
file(WRITE ${OUT}/not-report/report.json "{ \"kind\": \"something-else\" }\n")
