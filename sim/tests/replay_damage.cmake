# One damaged-capture case of `blindfold replay` (docs/cli.md exit codes;
# sim/tests/replay.cmake registers them, label replay):
#   cmake -DBLINDFOLD=... -DINPUT=FILE -DWORK=DIR
#         [-DPCAP_VARIANT=... -DVARIANT=MODE]   rewrite INPUT first
#         [-DCUT_PERCENT=P | -DCUT_BYTES=N]      keep only the first bytes
#         [-DEXPECT_BYTE=N] [-DEXPECT_OUTPUTS=ON]
#         -P replay_damage.cmake
# The replay must exit 2 with exactly one line on stderr,
# "blindfold replay: FILE: byte N: what", FILE being the path it was given.
# With EXPECT_OUTPUTS (damage after the start) report.json, streams.csv,
# stream_timeseries.csv and forwarded.pcap must exist, report.json's
# capture_error must name the same "byte N", N must lie inside the file,
# and packets_read must be above 0; without it, no report.json is written.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(capture ${INPUT})

if(DEFINED VARIANT)
  set(capture ${WORK}/variant.${VARIANT})
  execute_process(COMMAND ${PCAP_VARIANT} ${VARIANT} ${INPUT} ${capture} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "pcap_variant ${VARIANT} failed: ${status}")
  endif()
endif()

if(DEFINED CUT_PERCENT OR DEFINED CUT_BYTES)
  file(SIZE ${capture} size)
  if(DEFINED CUT_PERCENT)
    math(EXPR keep "${size} * ${CUT_PERCENT} / 100")
  else()
    set(keep ${CUT_BYTES})
  endif()
  # CMake cannot write bytes it read; head can.
  execute_process(COMMAND head -c ${keep} ${capture} OUTPUT_FILE ${WORK}/cut.pcap
    RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "head -c ${keep} ${capture} failed")
  endif()
  set(capture ${WORK}/cut.pcap)
endif()
file(SIZE ${capture} capture_size)

set(out ${WORK}/out)
execute_process(COMMAND ${BLINDFOLD} replay ${capture} --out ${out} --no-html --quiet
  RESULT_VARIABLE status OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
if(NOT status STREQUAL "2")
  message(FATAL_ERROR "exit status ${status}, expected 2\nstdout: ${stdout}\nstderr: ${stderr}")
endif()
string(REGEX MATCHALL "\n" newlines "${stderr}")
list(LENGTH newlines lines)
if(NOT lines EQUAL 1)
  message(FATAL_ERROR "stderr should be exactly one line, got ${lines}: ${stderr}")
endif()
set(prefix "blindfold replay: ${capture}: byte ")
string(FIND "${stderr}" "${prefix}" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "stderr does not start with '${prefix}': ${stderr}")
endif()
string(LENGTH "${prefix}" prefix_len)
string(SUBSTRING "${stderr}" ${prefix_len} -1 rest)
if(NOT rest MATCHES "^([0-9]+): [^\n]+\n$")
  message(FATAL_ERROR "no 'byte N: what' in: ${stderr}")
endif()
set(byte ${CMAKE_MATCH_1})
if(DEFINED EXPECT_BYTE AND NOT byte EQUAL EXPECT_BYTE)
  message(FATAL_ERROR "byte ${byte}, expected ${EXPECT_BYTE}: ${stderr}")
endif()

if(NOT EXPECT_OUTPUTS)
  if(EXISTS ${out}/report.json)
    message(FATAL_ERROR "a capture that cannot be read at all left ${out}/report.json")
  endif()
  return()
endif()

if(NOT byte LESS capture_size)
  message(FATAL_ERROR "byte ${byte} is not inside the ${capture_size}-byte file")
endif()
foreach(name report.json streams.csv stream_timeseries.csv forwarded.pcap)
  if(NOT EXISTS ${out}/${name})
    message(FATAL_ERROR "damage after the start: ${out}/${name} was not written")
  endif()
endforeach()
file(READ ${out}/report.json report)
string(JSON capture_error ERROR_VARIABLE json_err GET "${report}" capture_error)
if(json_err OR NOT capture_error MATCHES "byte ${byte}:")
  message(FATAL_ERROR "report.json capture_error '${capture_error}' does not name byte ${byte}")
endif()
string(JSON packets_read ERROR_VARIABLE json_err GET "${report}" packets_read)
if(json_err OR NOT packets_read GREATER 0)
  message(FATAL_ERROR "report.json packets_read '${packets_read}' is not above 0")
endif()
string(JSON kind GET "${report}" kind)
if(NOT kind STREQUAL "replay")
  message(FATAL_ERROR "report.json kind '${kind}'")
endif()
