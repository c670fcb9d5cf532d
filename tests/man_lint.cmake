# mandoc -T lint -W warning on every page in MAN_DIR: any warning or error
# fails. Without mandoc the test is skipped, except in CI (CI=true), where
# scripts/deps.sh installs it and its absence is a failure.
#   cmake -DMAN_DIR=man -P tests/man_lint.cmake
find_program(MANDOC mandoc)
if(NOT MANDOC)
  if("$ENV{CI}" STREQUAL "true")
    message(FATAL_ERROR "man_lint: mandoc is missing (scripts/deps.sh packaging)")
  endif()
  message("man_lint: skipped: mandoc is not installed (apt-get install mandoc)")
  return()
endif()
file(GLOB pages ${MAN_DIR}/*.[1-9])
if(NOT pages)
  message(FATAL_ERROR "man_lint: no pages in ${MAN_DIR}")
endif()
execute_process(COMMAND ${MANDOC} -T lint -W warning ${pages}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "man_lint: mandoc -T lint -W warning failed (${rc}):\n${out}${err}")
endif()
list(LENGTH pages n)
message(STATUS "man_lint: ${n} pages clean")
