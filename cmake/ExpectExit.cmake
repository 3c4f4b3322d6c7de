# Runs a command and checks its exit status and the shape of its stderr.
#   cmake -DCOMMAND="prog;arg;..." -DEXPECT_EXIT=2 [-DEXPECT_STDERR_REGEX=...]
#         [-DEXPECT_STDOUT_REGEX=...] [-DEXPECT_ONE_LINE=ON] -P ExpectExit.cmake
# Used by ctest to hold the CLI to the exit codes of docs/cli.md: a test
# passes only when the status is exactly EXPECT_EXIT.
execute_process(COMMAND ${COMMAND}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status STREQUAL "${EXPECT_EXIT}")
  message(FATAL_ERROR "exit status ${status}, expected ${EXPECT_EXIT}\nstdout: ${out}\nstderr: ${err}")
endif()
if(DEFINED EXPECT_STDOUT_REGEX AND NOT out MATCHES "${EXPECT_STDOUT_REGEX}")
  message(FATAL_ERROR "stdout does not match '${EXPECT_STDOUT_REGEX}': ${out}")
endif()
if(DEFINED EXPECT_STDERR_REGEX AND NOT err MATCHES "${EXPECT_STDERR_REGEX}")
  message(FATAL_ERROR "stderr does not match '${EXPECT_STDERR_REGEX}': ${err}")
endif()
if(EXPECT_ONE_LINE)
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines lines)
  if(NOT lines EQUAL 1)
    message(FATAL_ERROR "stderr should be exactly one line, got ${lines}: ${err}")
  endif()
endif()
