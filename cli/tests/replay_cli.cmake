# blindfold replay: usage and input errors exit 2 with one line on stderr,
# before anything is read; the replays themselves are the `replay` tests
# (sim/tests/replay.cmake, scenarios/CMakeLists.txt).
set(vp8_capture ${PROJECT_SOURCE_DIR}/vectors/pcap/str0m-vp8.pcap)
set(replay_out ${CMAKE_BINARY_DIR}/replay-cli)
blindfold_cli_test(cli_replay_help 0 STDOUT "^Usage: blindfold replay CAPTURE" ARGS replay --help)
blindfold_cli_test(cli_replay_no_capture 2 ONE_LINE
  STDERR "^blindfold replay: expected a CAPTURE" ARGS replay)
blindfold_cli_test(cli_replay_two_captures 2 ONE_LINE
  STDERR "^blindfold replay: expected one CAPTURE, got another" ARGS replay ${vp8_capture} x.pcap)
blindfold_cli_test(cli_replay_unknown_option 2 ONE_LINE
  STDERR "^blindfold replay: unknown option --fast" ARGS replay ${vp8_capture} --fast)
foreach(bad 0 257 -1 x "")
  blindfold_cli_test(cli_replay_subscribers_${bad} 2 ONE_LINE
    STDERR "^blindfold replay: --subscribers needs a number 1 \\.\\. 256, got"
    ARGS replay ${vp8_capture} "--subscribers=${bad}")
endforeach()
blindfold_cli_test(cli_replay_bad_seed 2 ONE_LINE STDERR "^blindfold replay: --seed needs"
  ARGS replay ${vp8_capture} --seed -3)
blindfold_cli_test(cli_replay_out_twice 2 ONE_LINE
  STDERR "^blindfold replay: option given twice: --out" ARGS replay ${vp8_capture} --out a --out b)
blindfold_cli_test(cli_replay_missing_value 2 ONE_LINE
  STDERR "^blindfold replay: missing value for --srtp-key" ARGS replay ${vp8_capture} --srtp-key)
blindfold_cli_test(cli_replay_missing_file 2 ONE_LINE
  STDERR "^blindfold replay: [^\n]*no-such\\.pcap: " ARGS replay ${PROJECT_SOURCE_DIR}/no-such.pcap
  --out ${replay_out}/missing)
# Keys: each refusal names the option and what is wrong.
blindfold_cli_test(cli_replay_key_unknown_profile 2 ONE_LINE
  STDERR "^blindfold replay: --srtp-key 1: [^\n]*profile"
  ARGS replay ${vp8_capture} --srtp-key AES_999:AAAA --out ${replay_out}/key1)
blindfold_cli_test(cli_replay_key_bad_base64 2 ONE_LINE
  STDERR "^blindfold replay: --srtp-key 2: "
  ARGS replay ${vp8_capture} --srtp-key AES_CM_128_HMAC_SHA1_80:YmxpbmRmb2xkLXJlcGxheS1zcnRwLXRlc3Qta2V5
       --srtp-key AES_CM_128_HMAC_SHA1_80:!!!! --out ${replay_out}/key2)
blindfold_cli_test(cli_replay_material_odd 2 ONE_LINE
  STDERR "^blindfold replay: --dtls-srtp-material: "
  ARGS replay ${vp8_capture} --dtls-srtp-material abc --out ${replay_out}/material)
blindfold_cli_test(cli_replay_link_missing 2 ONE_LINE
  STDERR "^blindfold replay: --link: [^\n]*no-such\\.json: cannot open"
  ARGS replay ${vp8_capture} --link ${PROJECT_SOURCE_DIR}/no-such.json --out ${replay_out}/link)
blindfold_cli_test(cli_replay_out_is_a_file 2 ONE_LINE
  STDERR "^blindfold replay: [^\n]*LICENSE: exists and is not a folder"
  ARGS replay ${vp8_capture} --out ${PROJECT_SOURCE_DIR}/LICENSE/x)
# A replay that works prints the summary and the files.
blindfold_cli_test(cli_replay_summary 0
  STDOUT "^capture [^\n]*str0m-vp8\\.pcap \\(pcap, EN10MB\\): 104 records, 1 RTP streams\n.*\nfiles: "
  ARGS replay ${vp8_capture} --out ${replay_out}/summary --no-html)

# Every link type and encapsulation the reader parses reaches the SFU:
# the capture reader's seed captures (fuzz/corpus/capture/, described in
# fuzz/fuzz_capture.c), replayed whole, forward their RTP.
set(seeds ${PROJECT_SOURCE_DIR}/fuzz/corpus/capture)
foreach(case "sll2.pcap;LINUX_SLL2" "sll.pcapng;LINUX_SLL" "null-loop.pcap;NULL"
             "loop.pcapng;LOOP" "raw.pcap;RAW" "ipv4-link-frag.pcap;IPV4"
             "ipv6-link.pcapng;IPV6" "qinq-v6-routing.pcap;EN10MB" "frag6-ext.pcap;EN10MB"
             "frag4-out-of-order.pcap;EN10MB")
  list(GET case 0 file)
  list(GET case 1 link)
  string(REGEX REPLACE "[^a-z0-9]" "_" id "${file}")
  blindfold_cli_test(cli_replay_link_${id} 0
    STDOUT "\"link_type\": \"${link}\",.*\"forwarded_packets\": [1-9]"
    ARGS replay ${seeds}/${file} --json --no-html --out ${replay_out}/${id})
endforeach()
# RTP inside TURN ChannelData is unwrapped and replayed; STUN, DTLS and the
# RTCP beside it are counted.
blindfold_cli_test(cli_replay_turn 0
  STDOUT "\"turn_unwrapped\": 2,.*\"stun\": 1,\n *\"dtls\": 1,.*\"rtcp\": 2,.*\"forwarded_packets\": 1,"
  ARGS replay ${seeds}/turn-stun-dtls.pcap --json --no-html --out ${replay_out}/turn)
