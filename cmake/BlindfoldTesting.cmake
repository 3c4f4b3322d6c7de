# Test registration helpers.
#
# blindfold_add_check_tests(MODULE <name> LIBS <targets...>)
#   Builds one executable per <module>/tests/test_<topic>.c. Each file defines
#   `Suite *blindfold_test_suite(void)`; cmake/check_main.c supplies main()
#   and cmake/blindfold_check.h, force-included, declares it.
#   Every test gets the `unit` label and runs with the project root as its
#   working directory, so tests name files as vectors/..., ../shared/...
#
# Labels in use: unit, fuzz-corpus; scenario, replay and long come with the
# modules that need them. The default `ctest -LE long` run stays short.
function(blindfold_add_check_tests)
  cmake_parse_arguments(ARG "" "MODULE" "LIBS" ${ARGN})
  file(GLOB test_sources CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/${ARG_MODULE}/tests/test_*.c)
  foreach(src IN LISTS test_sources)
    get_filename_component(topic ${src} NAME_WE)
    set(exe ${ARG_MODULE}_${topic})
    add_executable(${exe} ${src} ${PROJECT_SOURCE_DIR}/cmake/check_main.c)
    blindfold_warnings(${exe})
    target_include_directories(${exe} PRIVATE ${BLINDFOLD_INCLUDE_ROOT})
    target_compile_options(${exe} PRIVATE
      -include ${PROJECT_SOURCE_DIR}/cmake/blindfold_check.h)
    target_link_libraries(${exe} PRIVATE ${ARG_LIBS} PkgConfig::CHECK)
    add_test(NAME ${exe} COMMAND ${exe})
    set_tests_properties(${exe} PROPERTIES LABELS unit
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
      ENVIRONMENT "CK_DEFAULT_TIMEOUT=60")
  endforeach()
endfunction()
