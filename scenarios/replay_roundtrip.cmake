# A call's own capture replayed: `blindfold run --pcap` writes what the SFU
# received and sent (SRTP off, so the E2EE layer is what is left), then
# `blindfold replay` reads it back. Checks, per stream of the report:
#   - the replay found every stream the run's SFU carried: for each peer,
#     its audio, its simulcast layers (three SSRCs, one per layer), and
#     the SFU's rewritten streams toward each peer;
#   - EXPECT=encrypted: every stream has looks_encrypted true (basis
#     "uniform"); EXPECT=clear: every stream is false with basis
#     "codec-signature" or "non-uniform"; EXPECT=headers: audio uniform,
#     every VP8 stream "codec-signature" (the legacy scheme leaves VP8 frame
#     headers in clear on purpose); EXPECT=audio-clear: every Opus stream
#     false ("non-uniform"), VP8 unchecked (a constant XOR over compressed
#     video leaves its bytes as uniform as they were: a byte test without
#     the plaintext cannot see it; the run's oracle does);
#   - every packet was replayed and forwarded once (one subscriber, ideal).
# Arguments: -DBLINDFOLD= -DSCENARIO= -DOUT= -DEXPECT= -DSETS="a=b;c=d"
foreach(var BLINDFOLD SCENARIO OUT EXPECT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "replay_roundtrip.cmake: -D${var}= is required")
  endif()
endforeach()
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
set(run_args run ${SCENARIO} --set duration_s=4 --set sfu.srtp_profile=none --out ${OUT}/run
    --pcap ${OUT}/call.pcap --quiet --no-html)
foreach(set IN LISTS SETS)
  list(APPEND run_args --set ${set})
endforeach()
execute_process(COMMAND ${BLINDFOLD} ${run_args} RESULT_VARIABLE rc OUTPUT_QUIET
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0 AND NOT rc EQUAL 1)
  message(FATAL_ERROR "blindfold run exited ${rc}: ${err}")
endif()
execute_process(COMMAND ${BLINDFOLD} replay ${OUT}/call.pcap --out ${OUT}/replay --json --no-html
                RESULT_VARIABLE rc OUTPUT_VARIABLE report ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "blindfold replay exited ${rc}: ${err}")
endif()
string(JSON n_streams LENGTH "${report}" streams)
# Two peers: each sends audio and 3 layers (4 streams in) and gets the
# other's audio and one video stream back (2 streams out).
if(NOT n_streams EQUAL 12)
  message(FATAL_ERROR "expected 12 streams (2 x (1 audio + 3 layers in, 2 out)), got ${n_streams}")
endif()
math(EXPR last "${n_streams} - 1")
foreach(i RANGE ${last})
  string(JSON codec GET "${report}" streams ${i} codec)
  string(JSON src GET "${report}" streams ${i} src)
  string(JSON ssrc GET "${report}" streams ${i} ssrc)
  string(JSON looks GET "${report}" streams ${i} looks_encrypted)
  string(JSON basis GET "${report}" streams ${i} looks_encrypted_basis)
  string(JSON packets GET "${report}" streams ${i} packets)
  string(JSON forwarded GET "${report}" streams ${i} forwarded_packets)
  set(what "stream ${i} (${src} ${ssrc} ${codec})")
  if(NOT codec STREQUAL "VP8" AND NOT codec STREQUAL "opus")
    message(FATAL_ERROR "${what}: codec not inferred")
  endif()
  if(NOT packets EQUAL forwarded)
    message(FATAL_ERROR "${what}: ${packets} packets, ${forwarded} forwarded")
  endif()
  if(EXPECT STREQUAL "encrypted")
    if(NOT looks OR NOT basis STREQUAL "uniform")
      message(FATAL_ERROR "${what}: looks_encrypted ${looks} (${basis}), expected true")
    endif()
  elseif(EXPECT STREQUAL "clear")
    if(looks OR NOT basis MATCHES "^(codec-signature|non-uniform)$")
      message(FATAL_ERROR "${what}: looks_encrypted ${looks} (${basis}), expected false")
    endif()
  elseif(EXPECT STREQUAL "audio-clear")
    if(codec STREQUAL "opus" AND (looks OR NOT basis STREQUAL "non-uniform"))
      message(FATAL_ERROR "${what}: looks_encrypted ${looks} (${basis}), expected non-uniform")
    endif()
  elseif(EXPECT STREQUAL "headers")
    if(codec STREQUAL "VP8" AND (looks OR NOT basis STREQUAL "codec-signature"))
      message(FATAL_ERROR "${what}: ${basis}, expected codec-signature")
    endif()
    if(codec STREQUAL "opus" AND NOT basis STREQUAL "uniform")
      message(FATAL_ERROR "${what}: ${basis}, expected uniform")
    endif()
  else()
    message(FATAL_ERROR "EXPECT=${EXPECT}: unknown")
  endif()
endforeach()
message(STATUS "${n_streams} streams, every one as expected (${EXPECT})")
