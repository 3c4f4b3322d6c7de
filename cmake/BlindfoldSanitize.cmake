# BLINDFOLD_SANITIZE: a comma-separated list handed to -fsanitize=, for example
# "address,undefined". Empty (the default) builds without sanitizers.
#
# Undefined behaviour is made fatal (-fno-sanitize-recover=all) so that a
# sanitizer report fails the test that triggered it instead of scrolling by.
set(BLINDFOLD_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined")

if(BLINDFOLD_SANITIZE)
  add_compile_options(-fsanitize=${BLINDFOLD_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${BLINDFOLD_SANITIZE})
  message(STATUS "blindfold: sanitizers ${BLINDFOLD_SANITIZE}")
endif()

# BLINDFOLD_FUZZ: build the fuzz/ targets as libFuzzer binaries. Needs clang.
# Without it the same targets are built against a small driver that replays
# their seed corpora, so ctest exercises them under any compiler.
option(BLINDFOLD_FUZZ "Build libFuzzer targets (requires clang)" OFF)
if(BLINDFOLD_FUZZ AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "BLINDFOLD_FUZZ=ON needs clang: configure with -DCMAKE_C_COMPILER=clang")
endif()
if(BLINDFOLD_FUZZ)
  # Coverage instrumentation for every library the targets link; only the
  # fuzz executables themselves link libFuzzer's main (-fsanitize=fuzzer).
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_link_options(-fsanitize=fuzzer-no-link)
endif()
