# hcsctl gcs, end to end (natively or through the wine emulator).
# -DHCSCTL -DEMULATOR -DGOLDEN -DWORK -DTARGET_WIN32 [-DGUEST=<hcs-gcs> on POSIX]
include(${CMAKE_CURRENT_LIST_DIR}/cli_gcs_util.cmake)

# decode: one golden frame, text and JSON
run(0 gcs decode ${GOLDEN}/live-uvm-processes/00-h2g-req-id0.frame.bin)
expect("${OUT}" "^Request\\(NegotiateProtocol\\) id=0 size=125 \\{\"ContainerId\":\"\",\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"MinimumVersion\":4,\"MaximumVersion\":4\\}\\\\n\n$")
run(0 gcs decode --json ${GOLDEN}/live-container/14-g2h-notify-id0.frame.bin)
expect("${OUT}" "^\\{\"offset\":0,\"type\":\"0x30100101\",\"name\":\"Notify\\(Container\\)\",\"id\":0,\"size\":176,\"body\":\"\\{\\\\\"ContainerId\\\\\":")
# malformed input: exit 2 with the byte offset
file(WRITE ${WORK}/bad.bin "0123456789")
run(2 gcs decode ${WORK}/bad.bin)
expect("${ERR}" "byte offset 0: truncated header \\(10 of 16 bytes\\)")
run(2 gcs decode ${WORK}/missing.bin)
expect("${ERR}" "gcs decode: cannot open \"[^\"]*missing.bin\": [A-Za-z]")
# a directory is not a capture: exit 2 naming it (not an empty decode)
file(MAKE_DIRECTORY ${WORK}/adir)
run(2 gcs decode ${WORK}/adir)
expect("${ERR}" "gcs decode: (\"[^\"]*adir\" is a directory|cannot open \"[^\"]*adir\": )")
run(2 gcs frob)
run(0 gcs --help)
expect("${OUT}" "gcs run \\(--listen ADDR")
run(2 gcs run --listen unix:${WORK} --timeout 0 -- true)
run(2 gcs run --listen "vsock:x" -- true)
expect("${ERR}" "is not a 32-bit port number")
# --disk / --net: malformed values are usage errors before anything starts
set(G 8c3a1f2e-5b7d-4e9a-a1c2-3d4e5f607182)
foreach(bad "4:0:/mnt" "0:256:/mnt" "0:1:mnt" "0:1" "x:1:/mnt")
  run(2 gcs run --listen unix:${WORK}/none --disk ${bad} -- true)
  expect("${ERR}" "--disk \"${bad}\" is not CONTROLLER:LUN:MOUNTPATH\\[:ro\\]")
endforeach()
foreach(bad "${G},00-15-5D-01-02-03" "not-a-guid,00-15-5D-01-02-03,10.0.0.2/24"
            "${G},00-15-5D-01-02-03,10.0.0.2" "${G},00-15-5D-01-02-03,10.0.0.2/33"
            "${G},00-15-5D-01-02-03,10.0.0.2/0" "${G},m,10.0.0.2/24,10.0.0.1,extra")
  run(2 gcs run --listen unix:${WORK}/none --net ${bad} -- true)
  expect("${ERR}" "is not NAMESPACE,MAC,IP/PREFIX\\[,GATEWAY\\]")
endforeach()

if(UNIX)
  # hostile bodies: invalid UTF-8 (FF FE), a NUL, ESC; JSON stays valid JSON
  # (U+FFFD, \u0000, \u001b) and text stays on one readable line
  execute_process(COMMAND sh -c "printf '\\001\\005\\020\\040\\031\\000\\000\\000\\007\\000\\000\\000\\000\\000\\000\\000A\\377\\376B\\000C\\033D\\n' > ${WORK}/hostile.bin")
  file(SIZE ${WORK}/hostile.bin hostile_size)
  if(NOT hostile_size EQUAL 25)
    message(FATAL_ERROR "hostile.bin: ${hostile_size} bytes, expected 25")
  endif()
  run(0 --json gcs decode ${WORK}/hostile.bin)
  expect("${OUT}" "^\\{\"offset\":0,\"type\":\"0x20100501\",\"name\":\"Response\\(ExecuteProcess\\)\",\"id\":7,\"size\":25,\"body\":\"A\\\\ufffd\\\\ufffdB\\\\u0000C\\\\u001bD\\\\n\"\\}\n$")
  run(0 gcs decode ${WORK}/hostile.bin)
  expect("${OUT}" "^Response\\(ExecuteProcess\\) id=7 size=25 A\\\\xff\\\\xfeB\\\\x00C\\\\x1bD\\\\n\n$")

  # a whole session as one stream: 21 frames, one line each
  execute_process(COMMAND sh -c "cat ${GOLDEN}/live-container/*.frame.bin > ${WORK}/session.bin")
  run(0 gcs decode ${WORK}/session.bin)
  expect_lines("${OUT}" 21 "of decoded frames")
  expect("${OUT}" "\nNotify\\(Container\\) id=0 size=176 ")
  # truncated stream: earlier frames printed, then the error
  execute_process(COMMAND sh -c "head -c 300 ${WORK}/session.bin > ${WORK}/trunc.bin")
  run(2 gcs decode ${WORK}/trunc.bin)
  expect("${OUT}" "^Request\\(NegotiateProtocol\\) id=0 size=125 ")
  expect("${ERR}" "byte offset 125 \\(Response\\(NegotiateProtocol\\), id 0\\): truncated body")
endif()
# unix sockets need a POSIX build of hcsctl (wine has no AF_UNIX)
if(UNIX AND NOT TARGET_WIN32)
  # nobody connects: bounded wait, exit 125
  file(MAKE_DIRECTORY ${WORK}/empty)
  run(125 gcs run --listen unix:${WORK}/empty --timeout 1 -- true)
  expect("${ERR}" "did not connect to the GCS bridge within 1000 ms")
  if(GUEST)
    file(MAKE_DIRECTORY ${WORK}/stdio)
    set(spawn "${GUEST} --stdio --stdio-dir ${WORK}/stdio --log-level error")
    run(3 gcs run --spawn "${spawn}" --stdio-dir ${WORK}/stdio --env FOO=bar --
        /bin/sh -c "echo out:$FOO && echo err >&2 && exit 3")
    expect("${OUT}" "^out:bar\n$")
    expect("${ERR}" "^err\n$")
    run(0 --json gcs run --spawn "${spawn}" --stdio-dir ${WORK}/stdio --cwd / -- pwd)
    expect("${OUT}" "^/\n$")
    expect("${ERR}" "\\{\"exit_code\":0,\"pid\":[0-9]+,\"guest_os\":\"linux\"\\}")
    # killed by a signal: the guest reports 4294967295 (Go's -1), hcsctl 137
    run(137 --json gcs run --spawn "${spawn}" --stdio-dir ${WORK}/stdio --
        /bin/sh -c "kill -9 $$")
    expect("${ERR}" "\\{\"exit_code\":4294967295,")
    # a process that leaves a child holding its stdout: hcsctl reports the
    # exit and stops relaying after a bounded grace (hcsshim's rule), not
    # when the child ends (run() fails at 60 s; the child sleeps 120 s)
    run(5 gcs run --spawn "${spawn}" --stdio-dir ${WORK}/stdio --
        /bin/sh -c "sleep 120 & echo started && exit 5")
    expect("${OUT}" "^started\n$")
    expect("${ERR}" "^hcsctl: gcs run: COMMAND exited; its output was still open 1000 ms later")
  endif()

  # --spawn cleanup: the guest runs in its own process group, which is
  # signalled as a whole (SIGTERM, then SIGKILL) once the bridge is closed,
  # without a fixed wait. Each guest fails the handshake with a bogus frame.
  function(now_ms var)
    string(TIMESTAMP t "%s%f")
    string(REGEX REPLACE "...$" "" t "${t}")
    set(${var} ${t} PARENT_SCOPE)
  endfunction()
  function(spawn_cleanup name guest)
    set(pids ${WORK}/${name}.pids)
    file(REMOVE ${pids})
    now_ms(t0)
    run(125 gcs run --spawn "${guest}" --stdio-dir ${WORK} -- true)
    now_ms(t1)
    math(EXPR ms "${t1} - ${t0}")
    if(ms GREATER_EQUAL 2000)
      message(FATAL_ERROR "${name}: hcsctl took ${ms} ms to clean up its guest")
    endif()
    file(STRINGS ${pids} pid_list)
    list(LENGTH pid_list npids)
    if(npids EQUAL 0)
      message(FATAL_ERROR "${name}: the guest wrote no pid")
    endif()
    foreach(pid IN LISTS pid_list)
      execute_process(COMMAND sh -c "kill -0 ${pid} 2>/dev/null" RESULT_VARIABLE alive)
      if(alive EQUAL 0)
        execute_process(COMMAND sh -c "ps -o pid,stat,args -p ${pid}; kill -9 ${pid}")
        message(FATAL_ERROR "${name}: guest process ${pid} survived hcsctl")
      endif()
    endforeach()
  endfunction()
  # (sh command lines: ";" would split a CMake argument, so "\n" it is)
  set(bogus "printf xxxxxxxxxxxxxxxx")
  # the guest exits on EOF but leaves a background child behind
  spawn_cleanup(bg "sleep 30 2>/dev/null & echo $! > ${WORK}/bg.pids\n${bogus}\nexec cat >/dev/null")
  # the guest ignores EOF: SIGTERM ends it without waiting seconds
  spawn_cleanup(noeof "echo $$ > ${WORK}/noeof.pids\n${bogus}\nexec sleep 30 2>/dev/null")
  # the guest ignores SIGTERM too: SIGKILL after the grace period
  spawn_cleanup(noterm "trap '' TERM\necho $$ > ${WORK}/noterm.pids\n${bogus}\nwhile :\ndo sleep 0.05\ndone 2>/dev/null")
endif()
