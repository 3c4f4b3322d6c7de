# blindfold replay's end-to-end tests, label `replay`, included from
# sim/CMakeLists.txt (so CMAKE_CURRENT_SOURCE_DIR is sim/).
add_executable(pcap_variant ${CMAKE_CURRENT_SOURCE_DIR}/tests/pcap_variant.c)
blindfold_warnings(pcap_variant)
target_include_directories(pcap_variant PRIVATE ${BLINDFOLD_INCLUDE_ROOT})
target_link_libraries(pcap_variant PRIVATE blindfold_hbh blindfold_rtp PkgConfig::PCAP)

# Every capture of vectors/pcap/, globbed at configure time, one path per
# line, for the Check tests below.
file(GLOB replay_captures ${PROJECT_SOURCE_DIR}/vectors/pcap/*.pcap)
list(JOIN replay_captures "\n" replay_capture_lines)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/replay_captures.txt "${replay_capture_lines}\n")

# What the replay's Check tests (sim/tests/test_replay_*.c, built by
# blindfold_add_check_tests) need to find: the blindfold binary, the
# variant tool, the captures and a scratch folder.
set(replay_test_env
  "CK_DEFAULT_TIMEOUT=60"
  "BLINDFOLD=$<TARGET_FILE:blindfold>"
  "PCAP_VARIANT=$<TARGET_FILE:pcap_variant>"
  "REPLAY_CAPTURE_LIST=${CMAKE_CURRENT_BINARY_DIR}/replay_captures.txt"
  "REPLAY_FIXTURES=${CMAKE_CURRENT_SOURCE_DIR}/tests/fixtures/replay"
  "REPLAY_WORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/replay-work")
foreach(topic vectors srtp forwarded)
  if(TEST sim_test_replay_${topic})
    set_tests_properties(sim_test_replay_${topic} PROPERTIES LABELS replay
      ENVIRONMENT "${replay_test_env}")
  endif()
endforeach()

# Damaged captures (sim/tests/replay_damage.cmake): exit 2, one line naming
# the file and the byte; damage after the start still writes the outputs.
set(replay_fixtures ${CMAKE_CURRENT_SOURCE_DIR}/tests/fixtures/replay)
set(replay_vp8 ${PROJECT_SOURCE_DIR}/vectors/pcap/str0m-vp8.pcap)
function(replay_damage_test name)
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -DBLINDFOLD=$<TARGET_FILE:blindfold>
            -DPCAP_VARIANT=$<TARGET_FILE:pcap_variant>
            -DWORK=${CMAKE_CURRENT_BINARY_DIR}/replay-work/${name} ${ARGN}
            -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/replay_damage.cmake)
  set_tests_properties(${name} PROPERTIES LABELS replay)
endfunction()
replay_damage_test(replay_damage_cut_in_record -DINPUT=${replay_vp8} -DCUT_PERCENT=60
  -DEXPECT_OUTPUTS=ON)
replay_damage_test(replay_damage_pcapng_cut_in_record -DINPUT=${replay_vp8} -DVARIANT=pcapng
  -DCUT_PERCENT=60 -DEXPECT_OUTPUTS=ON)
replay_damage_test(replay_damage_cut_in_header -DINPUT=${replay_vp8} -DCUT_BYTES=10)
replay_damage_test(replay_damage_garbage -DINPUT=${replay_fixtures}/garbage.bin)
replay_damage_test(replay_damage_empty -DINPUT=${replay_fixtures}/empty.pcap -DEXPECT_BYTE=0)
# The link type field of a classic pcap header is at byte 20.
replay_damage_test(replay_damage_link_type_user0 -DINPUT=${replay_fixtures}/user0.pcap
  -DEXPECT_BYTE=20)

# A malformed link profile: exit 2, one line naming the file and the JSON path.
add_test(NAME replay_link_profile_malformed
  COMMAND ${CMAKE_COMMAND}
          "-DCOMMAND=$<TARGET_FILE:blindfold>;replay;${replay_vp8};--link;${replay_fixtures}/bad-loss-p.json;--out;${CMAKE_CURRENT_BINARY_DIR}/replay-work/bad-link;--quiet;--no-html"
          -DEXPECT_EXIT=2 -DEXPECT_ONE_LINE=ON "-DEXPECT_STDERR_REGEX=bad-loss-p\\.json.*loss\\.p"
          -P ${PROJECT_SOURCE_DIR}/cmake/ExpectExit.cmake)
set_tests_properties(replay_link_profile_malformed PROPERTIES LABELS replay)
