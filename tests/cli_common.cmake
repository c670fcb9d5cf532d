# What every hcsctl end-to-end script (cmake -P) shares.
#   run(EXPECT_RC [INPUT FILE] ARGS...)  runs ${EMULATOR} ${HCSCTL} ARGS (the
#     emulator is wine for the Windows build, empty natively) with the extra
#     environment ${ENVS} (KEY=VALUE...), stdin from INPUT (default
#     ${CLI_INPUT}, else the null device), for at most 60 s; fails unless it
#     exits EXPECT_RC; leaves stdout and stderr, CRs removed, in OUT and ERR.
#   expect(TEXT REGEX)                   fails unless TEXT matches REGEX.
function(run expect_rc)
  cmake_parse_arguments(R "" "INPUT" "" ${ARGN})
  if(NOT R_INPUT)
    set(R_INPUT ${CLI_INPUT})
  endif()
  if(NOT R_INPUT)
    set(R_INPUT /dev/null)
    if(CMAKE_HOST_WIN32)
      set(R_INPUT NUL)
    endif()
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ${ENVS} ${EMULATOR} ${HCSCTL}
    ${R_UNPARSED_ARGUMENTS}
    INPUT_FILE ${R_INPUT} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc
    TIMEOUT 60)
  string(REPLACE "\r" "" out "${out}")
  string(REPLACE "\r" "" err "${err}")
  if(NOT rc EQUAL expect_rc)
    message(FATAL_ERROR "hcsctl ${ARGN}: exit ${rc}, expected ${expect_rc}\n${out}\n${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
endfunction()

function(expect text pattern)
  if(NOT text MATCHES "${pattern}")
    message(FATAL_ERROR "output does not match '${pattern}':\n${text}")
  endif()
endfunction()
