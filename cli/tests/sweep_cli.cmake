# blindfold sweep and sweep-merge: usage and input errors exit 2 with one
# line on stderr, before any variant runs. The sweep files are written at
# configure time into the build tree; whole sweeps (sharding, merging,
# summary.html) are tested in reports/tests/sweep.cmake.
set(sweep_fixtures ${CMAKE_CURRENT_BINARY_DIR}/sweep-fixtures)
set(sweep_out ${CMAKE_BINARY_DIR}/sweep-out/cli)
set(sweep_base ${PROJECT_SOURCE_DIR}/scenarios/sweeps/small-call.json)
set(example_sweep ${PROJECT_SOURCE_DIR}/scenarios/sweeps/loss-vs-delay.json)

# blindfold_sweep_fixture(NAME JSON): ${sweep_fixtures}/NAME.json.
function(blindfold_sweep_fixture name json)
  file(WRITE ${sweep_fixtures}/${name}.json "${json}\n")
endfunction()
blindfold_sweep_fixture(unknown-key
  "{\"base\": \"${sweep_base}\", \"vary\": {\"seed\": [1]}, \"shards\": 2}")
blindfold_sweep_fixture(vary-list "{\"base\": \"${sweep_base}\", \"vary\": [\"seed\", 1]}")
blindfold_sweep_fixture(empty-list
  "{\"base\": \"${sweep_base}\", \"vary\": {\"seed\": [1], \"links.lossy.loss.p\": []}}")
blindfold_sweep_fixture(duplicate
  "{\"base\": \"${sweep_base}\", \"vary\": {\"links.lossy.loss.p\": [0, 0.05, 0.050]}}")
blindfold_sweep_fixture(out-of-range
  "{\"base\": \"${sweep_base}\", \"vary\": {\"seed\": [1, 2], \"links.lossy.loss.p\": [0.05, 1.5]}}")
blindfold_sweep_fixture(typo
  "{\"base\": \"${sweep_base}\", \"vary\": {\"links.lossy.los.p\": [0.05]}}")
blindfold_sweep_fixture(no-base "{\"base\": \"no-such-base.json\", \"vary\": {\"seed\": [1]}}")
blindfold_sweep_fixture(default-base
  "{\"base\": \"default\", \"vary\": {\"peers[0].count\": [2, 20000]}}")
blindfold_sweep_fixture(seed-twice
  "{\"base\": \"default\", \"vary\": {\"seed\": [1]}, \"seeds\": [2]}")

blindfold_cli_test(cli_sweep_help 0 STDOUT "^Usage: blindfold sweep SWEEP.json" ARGS sweep --help)
blindfold_cli_test(cli_sweep_merge_help 0 STDOUT "^Usage: blindfold sweep-merge"
  ARGS sweep-merge --help)
blindfold_cli_test(cli_sweep_no_file 2 ONE_LINE STDERR "^blindfold sweep: expected one SWEEP.json"
  ARGS sweep --out ${sweep_out}/none)
blindfold_cli_test(cli_sweep_no_out 2 ONE_LINE STDERR "^blindfold sweep: --out DIR is required"
  ARGS sweep ${example_sweep})
blindfold_cli_test(cli_sweep_two_files 2 ONE_LINE STDERR "^blindfold sweep: expected one"
  ARGS sweep ${example_sweep} ${example_sweep} --out ${sweep_out}/none)
blindfold_cli_test(cli_sweep_unknown_option 2 ONE_LINE STDERR "^blindfold sweep: unknown option"
  ARGS sweep ${example_sweep} --out ${sweep_out}/none --fast)
blindfold_cli_test(cli_sweep_out_twice 2 ONE_LINE STDERR "^blindfold sweep: option given twice"
  ARGS sweep ${example_sweep} --out a --out=b)
set(n 0)
foreach(bad_shard 0/2 3/2 x 1/0 2 1/2/3 -1/2 "" " 1/2")
  math(EXPR n "${n} + 1")
  blindfold_cli_test(cli_sweep_bad_shard_${n} 2 ONE_LINE
    STDERR "^blindfold sweep: --shard needs K/N with 1 <= K <= N, got"
    ARGS sweep ${example_sweep} --out ${sweep_out}/none "--shard=${bad_shard}")
endforeach()
set(n 0)
foreach(bad_jobs 0 257 x -1 1.5 "")
  math(EXPR n "${n} + 1")
  blindfold_cli_test(cli_sweep_bad_jobs_${n} 2 ONE_LINE
    STDERR "^blindfold sweep: --jobs needs a number 1 .. 256"
    ARGS sweep ${example_sweep} --out ${sweep_out}/none "--jobs=${bad_jobs}")
endforeach()

# The sweep file itself.
blindfold_cli_test(cli_sweep_missing_file 2 ONE_LINE
  STDERR "^blindfold sweep: [^\n]*no-such-sweep.json: "
  ARGS sweep ${sweep_fixtures}/no-such-sweep.json --out ${sweep_out}/none)
blindfold_cli_test(cli_sweep_not_json 2 ONE_LINE
  STDERR "^blindfold sweep: [^\n]*SOURCES.md: line 1, column [0-9]+: "
  ARGS sweep ${PROJECT_SOURCE_DIR}/vectors/SOURCES.md --out ${sweep_out}/none)
blindfold_cli_test(cli_sweep_unknown_key 2 ONE_LINE
  STDERR "^blindfold sweep: [^\n]*unknown-key.json: shards: unknown key"
  ARGS sweep ${sweep_fixtures}/unknown-key.json --out ${sweep_out}/none)
blindfold_cli_test(cli_sweep_vary_not_object 2 ONE_LINE
  STDERR "^blindfold sweep: [^\n]*vary-list.json: vary: expected an object"
  ARGS sweep ${sweep_fixtures}/vary-list.json --out ${sweep_out}/none)
blindfold_cli_test(cli_sweep_empty_list 2 ONE_LINE
  STDERR "^blindfold sweep: [^\n]*empty-list.json: vary: \"links.lossy.loss.p\": empty list"
  ARGS sweep ${sweep_fixtures}/empty-list.json --out ${sweep_out}/none)
blindfold_cli_test(cli_sweep_duplicate_value 2 ONE_LINE
  STDERR "^blindfold sweep: [^\n]*duplicate.json: vary: \"links.lossy.loss.p\": value 0.05 listed twice"
  ARGS sweep ${sweep_fixtures}/duplicate.json --out ${sweep_out}/none)
blindfold_cli_test(cli_sweep_seed_twice 2 ONE_LINE
  STDERR "^blindfold sweep: [^\n]*seed-twice.json: seeds: "
  ARGS sweep ${sweep_fixtures}/seed-twice.json --out ${sweep_out}/none)
# Paths the scenario loader rejects, in any variant: the loader's own line.
blindfold_cli_test(cli_sweep_path_out_of_range 2 ONE_LINE
  STDERR "^blindfold sweep: [^\n]*small-call.json: links\\.lossy\\.loss\\.p: 1\\.5 is out of range \\[0, 1\\] \\(variant 1, [0-9a-f]+\\)\n$"
  ARGS sweep ${sweep_fixtures}/out-of-range.json --out ${sweep_out}/none)
blindfold_cli_test(cli_sweep_path_typo 2 ONE_LINE
  STDERR "^blindfold sweep: [^\n]*small-call.json: links\\.lossy\\.los: unknown key \\(did you mean \"loss\"\\?\\)"
  ARGS sweep ${sweep_fixtures}/typo.json --out ${sweep_out}/none)
blindfold_cli_test(cli_sweep_missing_base 2 ONE_LINE
  STDERR "^blindfold sweep: [^\n]*sweep-fixtures/no-such-base.json: cannot open"
  ARGS sweep ${sweep_fixtures}/no-base.json --out ${sweep_out}/none)
blindfold_cli_test(cli_sweep_default_base 2 ONE_LINE
  STDERR "^blindfold sweep: \\(built-in default\\): peers\\[0\\]\\.count: "
  ARGS sweep ${sweep_fixtures}/default-base.json --out ${sweep_out}/none)

# sweep-merge usage.
blindfold_cli_test(cli_sweep_merge_no_dir 2 ONE_LINE
  STDERR "^blindfold sweep-merge: expected at least one sweep folder" ARGS sweep-merge)
blindfold_cli_test(cli_sweep_merge_unknown_option 2 ONE_LINE
  STDERR "^blindfold sweep-merge: unknown option" ARGS sweep-merge . --jobs 2)
blindfold_cli_test(cli_sweep_merge_not_a_sweep 2 ONE_LINE
  STDERR "^blindfold sweep-merge: [^\n]*vectors: not a sweep folder \\(no sweep.json\\)\n$"
  ARGS sweep-merge ${PROJECT_SOURCE_DIR}/vectors --out ${sweep_out}/none)
