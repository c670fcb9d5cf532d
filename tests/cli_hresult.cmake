# hcsctl hresult, end to end (natively or through the wine emulator).
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

run(0 hresult 0x8037010E -2143878898 HCS_E_ACCESS_DENIED 0xC037010D)
expect("${OUT}" "HCS_E_SYSTEM_NOT_FOUND\n  value:       0x8037010E \\(-2143878898\\)\n  facility:    55 \\(0x037\\) VIRTUALIZATION\n  severity:    failure\n  description: No VM/container with that id\n  same as:     ERROR_VMCOMPUTE_SYSTEM_NOT_FOUND \\(0xC037010E\\)\nHCS_E_SYSTEM_NOT_FOUND\n")
expect("${OUT}" "HCS_E_ACCESS_DENIED\n  value:       0x8037011B")
expect("${OUT}" "ERROR_VMCOMPUTE_INVALID_JSON\n  value:       0xC037010D \\(-1070137075\\)\n.*description: The JSON document is invalid\n  same as:     HCS_E_INVALID_JSON")

run(0 --json hresult 0x80070490 0x1234ABCD)
expect("${OUT}" "^\\{\"input\":\"0x80070490\",\"value\":\"0x80070490\",\"decimal\":-2147023728,\"known\":true,\"name\":\"ERROR_NOT_FOUND\",\"facility\":7,\"facility_name\":\"WIN32\",\"severity\":\"failure\",\"description\":\"Element not found\",\"win32\":1168\\}\n")
# an unknown code: still decoded, exit 0
expect("${OUT}" "\\{\"input\":\"0x1234ABCD\",\"value\":\"0x1234ABCD\",\"decimal\":305441741,\"known\":false,\"name\":null,\"facility\":4660,\"facility_name\":null,\"severity\":\"success\"")
run(0 hresult --json 0x8000FFFF)
expect("${OUT}" "\"name\":\"E_UNEXPECTED\"")

# malformed input: clear error naming it, exit 2
run(2 hresult 0x80370G0E)
expect("${ERR}" "hcsctl: hresult: \"0x80370G0E\": invalid hex digit 'G'")
run(2 hresult NOT_A_CODE)
expect("${ERR}" "not a known HRESULT name")
run(2 hresult 99999999999)
expect("${ERR}" "32-bit")
run(2 hresult)
run(2 no-such-command)
expect("${ERR}" "unknown command \"no-such-command\"")
run(0 hresult --help)
expect("${OUT}" "usage: hcsctl \\[--json\\] hresult CODE")
# an option that does not exist is named as one (not as a malformed CODE);
# a negative decimal is still a CODE, and so is anything after "--"
run(2 hresult --bogus 0x8037010E)
expect("${ERR}" "^hcsctl: hresult: unknown option \"--bogus\"")
if(NOT "${OUT}" STREQUAL "")
  message(FATAL_ERROR "hresult --bogus printed:\n${OUT}")
endif()
run(2 hresult -x)
expect("${ERR}" "unknown option \"-x\"")
run(0 hresult -2143878898)
expect("${OUT}" "^HCS_E_SYSTEM_NOT_FOUND\n")
run(0 hresult -- -2143878898)
expect("${OUT}" "^HCS_E_SYSTEM_NOT_FOUND\n")
# help about help: the general usage
run(0 help --help)
expect("${OUT}" "^usage: hcsctl \\[--json\\] COMMAND")
run(0 help -h)
expect("${OUT}" "^usage: hcsctl \\[--json\\] COMMAND")
run(0 help hresult)
expect("${OUT}" "usage: hcsctl \\[--json\\] hresult CODE")
run(2 help nope)
expect("${ERR}" "help: unknown command \"nope\"")
run(0 --help)
expect("${OUT}" "hresult")
run(0 version)
expect("${OUT}" "hcsctl 0.1.0")
# Output that cannot be written is a failure with a message, not exit 0
# (the full device exists on Linux only).
if(EXISTS /dev/full AND NOT EMULATOR)
  execute_process(COMMAND ${HCSCTL} hresult 0x80370118 OUTPUT_FILE /dev/full
    ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "hcsctl writing to /dev/full: exit ${rc}, expected 1\n${err}")
  endif()
  expect("${err}" "hcsctl: cannot write the output: No space left on device")
endif()
