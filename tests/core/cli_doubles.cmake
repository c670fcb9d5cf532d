# What the hcsctl scripts over the test doubles share (cli_compute.cmake,
# cli_net.cmake): ../cli_common.cmake, no extra environment yet, an empty
# stdin, and
#   expect_not_windows(CASES...)  off Windows: each command line (one string
#     each) exits 1 with the clear error
#   wine_path(VAR PATH)           PATH as wine sees it (Z:\...) into VAR
#   The doubles log what reached them into ${log} (FAKE_HCS_LOG=${log_win},
#   set here); logged(PATTERN) fails unless that log matches PATTERN.
set(ENVS "")
include(${CMAKE_CURRENT_LIST_DIR}/../cli_common.cmake)
file(WRITE ${WORK}/empty.txt "")
set(CLI_INPUT ${WORK}/empty.txt)

function(expect_not_windows)
  foreach(c ${ARGN})
    separate_arguments(args UNIX_COMMAND "${c}")
    run(1 ${args})
    expect("${ERR}" "the Host Compute Service is only available on Windows")
  endforeach()
endfunction()

function(wine_path var path)
  string(REGEX REPLACE "^/" "Z:/" w "${path}")
  string(REPLACE "/" "\\" w "${w}")
  set(${var} "${w}" PARENT_SCOPE)
endfunction()

set(log ${WORK}/fake.log)
wine_path(log_win "${log}")

function(logged pattern)
  file(READ ${log} text)
  string(REPLACE "\r" "" text "${text}")
  if(NOT text MATCHES "${pattern}")
    message(FATAL_ERROR "the doubles' log does not match '${pattern}':\n${text}")
  endif()
endfunction()
