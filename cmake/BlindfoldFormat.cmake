# format-check: fails when any tracked C file differs from .clang-format.
# format: rewrites them in place.
find_program(CLANG_FORMAT NAMES clang-format clang-format-14)
if(CLANG_FORMAT)
  file(GLOB_RECURSE blindfold_c_files CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/rtp/*.[ch] ${PROJECT_SOURCE_DIR}/sframe/*.[ch]
       ${PROJECT_SOURCE_DIR}/hbh/*.[ch]
       ${PROJECT_SOURCE_DIR}/sfu/*.[ch] ${PROJECT_SOURCE_DIR}/peers/*.[ch]
       ${PROJECT_SOURCE_DIR}/sim/*.[ch] ${PROJECT_SOURCE_DIR}/reports/*.[ch]
       ${PROJECT_SOURCE_DIR}/cli/*.[ch] ${PROJECT_SOURCE_DIR}/fuzz/*.[ch]
       ${PROJECT_SOURCE_DIR}/bench/*.[ch] ${PROJECT_SOURCE_DIR}/cmake/*.[ch])
  add_custom_target(format-check
    COMMAND ${CLANG_FORMAT} --dry-run -Werror ${blindfold_c_files}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    COMMENT "Checking C formatting against .clang-format")
  add_custom_target(format
    COMMAND ${CLANG_FORMAT} -i ${blindfold_c_files}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    COMMENT "Formatting C sources")
else()
  add_custom_target(format-check
    COMMAND ${CMAKE_COMMAND} -E echo "format-check: clang-format not found" && false)
endif()
