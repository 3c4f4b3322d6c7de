# `blindfold sframe protect|unprotect` end to end, for ctest (cli/CMakeLists.txt).
#   cmake -DBLINDFOLD=path/to/blindfold -DWORK_DIR=dir -DMODE=mode -DSUITE=name
#         [-DKID=n] [-DCTR=n] [-DHEADER=hex] -P sframe_cli.cmake
# MODE:
#   roundtrip     frames piped through protect into unprotect come back
#                 unchanged (in lowercase); protect's first line starts with
#                 HEADER, the expected SFrame header for KID and CTR. With CTR
#                 2^64 - 1 only one frame is sent, the last counter there is.
#   tamper        one hex digit of the third protected line changed: unprotect
#                 exits 1 naming line 3, after writing lines 1 and 2.
#   badhex        a non-hex character on line 2: protect exits 2 naming it.
#   kid-mismatch  frames of KID 5 given to unprotect --kid 6: exit 2, line 1.
#   exhaust       two frames from CTR 2^64 - 1: protect exits 2 at line 2.
cmake_minimum_required(VERSION 3.25)
foreach(var BLINDFOLD WORK_DIR MODE SUITE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "sframe_cli.cmake: -D${var}= is required")
  endif()
endforeach()
if(NOT DEFINED KID)
  set(KID 0)
endif()
if(NOT DEFINED CTR)
  set(CTR 0)
endif()
set(KEY 000102030405060708090a0b0c0d0e0f)
set(MAX 18446744073709551615)
file(MAKE_DIRECTORY ${WORK_DIR})
set(stem ${WORK_DIR}/${MODE}-${SUITE}-${KID}-${CTR})

# Frames: plain text, an empty frame, one byte, upper-case hex, 1200 bytes.
string(REPEAT "0123456789abcdef" 150 big)
set(frames "48656c6c6f" "" "00" "ABCDEF0123" "${big}")
if(CTR STREQUAL MAX)
  list(SUBLIST frames 0 1 frames)
endif()

# Writes each element of the list `lines` (passed quoted, so that empty
# elements survive) as one line.
function(write_lines path lines)
  set(text "")
  foreach(line IN LISTS lines)
    string(APPEND text "${line}\n")
  endforeach()
  file(WRITE ${path} "${text}")
endfunction()

# Splits stdout into a list of lines (hex never holds ';').
function(split_lines out_var text)
  string(REGEX REPLACE "\n$" "" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(${out_var} "${lines}" PARENT_SCOPE)
endfunction()

function(expect_stderr_line err regex)
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines count)
  if(NOT count EQUAL 1 OR NOT err MATCHES "${regex}")
    message(FATAL_ERROR "stderr should be one line matching '${regex}', got: ${err}")
  endif()
endfunction()

set(sframe_args --suite ${SUITE} --base-key ${KEY} --kid ${KID} --ctr ${CTR})

if(MODE STREQUAL "roundtrip")
  write_lines(${stem}.in "${frames}")
  execute_process(COMMAND ${BLINDFOLD} sframe protect ${sframe_args}
    INPUT_FILE ${stem}.in RESULT_VARIABLE rc OUTPUT_VARIABLE protected ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "protect exited ${rc}: ${err}")
  endif()
  split_lines(lines "${protected}")
  list(LENGTH lines count)
  list(LENGTH frames expect_count)
  if(NOT count EQUAL expect_count)
    message(FATAL_ERROR "protect wrote ${count} lines for ${expect_count} frames: ${protected}")
  endif()
  list(GET lines 0 first)
  if(DEFINED HEADER AND NOT first MATCHES "^${HEADER}")
    message(FATAL_ERROR "first frame ${first} does not start with header ${HEADER}")
  endif()
  # The real pipe: protect | unprotect.
  execute_process(COMMAND ${BLINDFOLD} sframe protect ${sframe_args}
                  COMMAND ${BLINDFOLD} sframe unprotect ${sframe_args}
    INPUT_FILE ${stem}.in RESULTS_VARIABLE rcs OUTPUT_VARIABLE back ERROR_VARIABLE err)
  if(NOT rcs STREQUAL "0;0")
    message(FATAL_ERROR "protect | unprotect exited ${rcs}: ${err}")
  endif()
  string(TOLOWER "${frames}" lower)
  split_lines(back_lines "${back}")
  if(NOT back MATCHES "\n$" OR NOT "${back_lines}" STREQUAL "${lower}")
    message(FATAL_ERROR "round trip changed the frames:\n${back}\nexpected:\n${lower}")
  endif()
elseif(MODE STREQUAL "tamper")
  write_lines(${stem}.in "${frames}")
  execute_process(COMMAND ${BLINDFOLD} sframe protect ${sframe_args}
    INPUT_FILE ${stem}.in RESULT_VARIABLE rc OUTPUT_VARIABLE protected ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "protect exited ${rc}: ${err}")
  endif()
  split_lines(lines "${protected}")
  list(GET lines 2 third)
  string(LENGTH "${third}" len)
  math(EXPR last "${len} - 1")
  string(SUBSTRING "${third}" ${last} 1 digit)
  if(digit STREQUAL "0")
    set(digit 1)
  else()
    set(digit 0)
  endif()
  string(SUBSTRING "${third}" 0 ${last} third)
  list(REMOVE_AT lines 2)
  list(INSERT lines 2 "${third}${digit}")
  write_lines(${stem}.tampered "${lines}")
  execute_process(COMMAND ${BLINDFOLD} sframe unprotect ${sframe_args}
    INPUT_FILE ${stem}.tampered RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "unprotect of a tampered line exited ${rc}, expected 1: ${err}")
  endif()
  expect_stderr_line("${err}" "^blindfold: line 3: authentication failed\n$")
  if(NOT out STREQUAL "48656c6c6f\n\n")
    message(FATAL_ERROR "lines before the tampered one should be written: '${out}'")
  endif()
elseif(MODE STREQUAL "badhex")
  write_lines(${stem}.in "00;00x0")
  execute_process(COMMAND ${BLINDFOLD} sframe protect ${sframe_args}
    INPUT_FILE ${stem}.in RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "bad hex exited ${rc}, expected 2: ${err}")
  endif()
  expect_stderr_line("${err}" "^blindfold: line 2: byte offset 2: not a hex digit")
elseif(MODE STREQUAL "kid-mismatch")
  write_lines(${stem}.in "${frames}")
  execute_process(COMMAND ${BLINDFOLD} sframe protect --suite ${SUITE} --base-key ${KEY} --kid 5
                  COMMAND ${BLINDFOLD} sframe unprotect --suite ${SUITE} --base-key ${KEY} --kid 6
    INPUT_FILE ${stem}.in RESULTS_VARIABLE rcs OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rcs STREQUAL "0;2")
    message(FATAL_ERROR "protect --kid 5 | unprotect --kid 6 exited ${rcs}, expected 0;2: ${err}")
  endif()
  expect_stderr_line("${err}" "^blindfold: line 1: frame has KID 5, not --kid 6\n$")
elseif(MODE STREQUAL "exhaust")
  write_lines(${stem}.in "00;01")
  execute_process(COMMAND ${BLINDFOLD} sframe protect --suite ${SUITE} --base-key ${KEY}
                          --kid ${KID} --ctr ${MAX}
    INPUT_FILE ${stem}.in RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "protect past the last counter exited ${rc}, expected 2: ${err}")
  endif()
  expect_stderr_line("${err}" "^blindfold: line 2: ")
  split_lines(lines "${out}")
  list(LENGTH lines count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "the frame with counter 2^64 - 1 should be written: '${out}'")
  endif()
else()
  message(FATAL_ERROR "sframe_cli.cmake: unknown MODE ${MODE}")
endif()
