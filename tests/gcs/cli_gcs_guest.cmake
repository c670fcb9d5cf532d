# hcsctl gcs run against a scripted guest (tests/guest/scripted_gcs.c) on a
# POSIX host: exit codes no real process produces, and hostile guest text.
# -DHCSCTL -DSCRIPTED -DWORK
include(${CMAKE_CURRENT_LIST_DIR}/cli_gcs_util.cmake)

set(D ${WORK})
function(guest_exit code expect_rc)
  run(${expect_rc} --json gcs run --spawn "${SCRIPTED} --stdio-dir ${D} --exit-code ${code}"
      --stdio-dir ${D} -- /bin/true)
  expect("${ERR}" "\\{\"exit_code\":${code},\"pid\":42,\"guest_os\":\"linux\"\\}")
endfunction()

# exit codes: the low byte, except that a nonzero code whose low byte is 0
# never becomes success (1), and the Linux GCS's signal death (4294967295,
# Go's -1) becomes 137
guest_exit(0 0)
guest_exit(3 3)
guest_exit(255 255)
guest_exit(256 1)
guest_exit(512 1)
guest_exit(257 1)
guest_exit(4294967040 1)
guest_exit(4294967295 137)

# a hostile guest: terminal escapes, CR/LF and a forged "hcsctl:" line in
# ErrorMessage and ErrorRecords reach the terminal escaped, on the lines
# hcsctl prints and nowhere else
run(125 gcs run --spawn "${SCRIPTED} --stdio-dir ${D} --exec-error" --stdio-dir ${D} -- /bin/true)
string(HEX "${ERR}" hex)
# byte-aligned searches in the hex dump: ESC, CR, BEL, a C1 CSI (C2 9B)
foreach(bad 1b 0d 07 c29b)
  if(hex MATCHES "^(..)*${bad}")
    message(FATAL_ERROR "raw control bytes (${bad}) on stderr:\n${ERR}")
  endif()
endforeach()
expect_lines("${ERR}" 2 "on stderr")
expect("${ERR}" "^hcsctl: gcs run: start COMMAND: [^\n]*boom [^\n]*RED[^\n]*forged line[^\n]*\n")
expect("${ERR}" "\nhcsctl: guest error records: [^\n]*forged line[^\n]*\n$")
