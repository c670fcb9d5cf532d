# What the hcsctl gcs end-to-end scripts share on top of ../cli_common.cmake.
#   expect_lines(TEXT N WHAT)  fails unless TEXT has N lines (WHAT names it).
include(${CMAKE_CURRENT_LIST_DIR}/../cli_common.cmake)

function(expect_lines text n what)
  string(REGEX MATCHALL "\n" nl "${text}")
  list(LENGTH nl got)
  if(NOT got EQUAL n)
    message(FATAL_ERROR "expected ${n} lines ${what}, got ${got}:\n${text}")
  endif()
endfunction()
