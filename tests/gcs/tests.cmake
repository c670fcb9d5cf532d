# GCS bridge suites (tests/gcs).
set(HCS_GCS_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/gcs)
hcs_add_test(test_gcs_frame gcs/test_gcs_frame.c)
hcs_add_test(test_gcs_codec gcs/test_gcs_codec.c)
hcs_add_test(test_gcs_transport gcs/test_gcs_transport.c)
hcs_add_test(test_gcs_oci gcs/test_gcs_oci.c)
hcs_add_test(test_gcs_pio gcs/test_gcs_pio.c)
# guest text escaped: the library's sanitizer and hcsctl's (cli/output.c)
hcs_add_test(test_gcs_text gcs/test_gcs_text.c ${PROJECT_SOURCE_DIR}/cli/output.c)
target_include_directories(test_gcs_text PRIVATE ${PROJECT_SOURCE_DIR}/cli)
# Suites that drive the bridge over sockets and unix:DIR need POSIX.
if(NOT WIN32)
  hcs_add_test(test_gcs_bridge gcs/test_gcs_bridge.c)
  hcs_add_test(test_gcs_process gcs/test_gcs_process.c)
  hcs_add_test(test_gcs_process_io gcs/test_gcs_process_io.c)
  hcs_add_test(test_gcs_container_rules gcs/test_gcs_container_rules.c)
  hcs_add_test(test_gcs_replay gcs/test_gcs_replay.c)
endif()

# hcsctl gcs, end to end; on POSIX also against the guest agent (hcs-gcs).
set(_gcs_guest "")
if(TARGET hcs-gcs)
  set(_gcs_guest "-DGUEST=$<TARGET_FILE:hcs-gcs>")
endif()
add_test(NAME cli_gcs COMMAND ${CMAKE_COMMAND}
  -DHCSCTL=$<TARGET_FILE:hcsctl> -DEMULATOR=${CMAKE_CROSSCOMPILING_EMULATOR}
  -DGOLDEN=${HCS_GOLDEN_DIR} -DWORK=${CMAKE_CURRENT_BINARY_DIR}/cli_gcs_work
  -DTARGET_WIN32=${WIN32}
  ${_gcs_guest} -P ${CMAKE_CURRENT_SOURCE_DIR}/gcs/cli_gcs.cmake)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/cli_gcs_work)
# hcsctl gcs run --tty on a pseudo-terminal against the real guest agent.
if(NOT WIN32 AND TARGET hcs-gcs)
  hcs_add_test(test_cli_tty gcs/test_cli_tty.c)
  target_compile_definitions(test_cli_tty PRIVATE
    HCSCTL_PATH="$<TARGET_FILE:hcsctl>" HCS_GCS_PATH="$<TARGET_FILE:hcs-gcs>")
  add_dependencies(test_cli_tty hcsctl hcs-gcs)
  set_tests_properties(test_cli_tty PROPERTIES TIMEOUT 120)
endif()

# hcsctl against a hostile guest (tests/gcs/hostile_gcs.c): a guest that never
# reads stdin, one that stops answering, bidi and invisible text. POSIX only.
if(NOT WIN32)
  add_executable(hostile_gcs gcs/hostile_gcs.c)
  target_compile_options(hostile_gcs PRIVATE ${HCS_WARNINGS})
  # the library's frame header and the scripted peer's negotiate answer
  target_include_directories(hostile_gcs PRIVATE ${PROJECT_SOURCE_DIR}/src
    ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(hostile_gcs PRIVATE hcs_static)
  hcs_add_test(test_cli_hostile gcs/test_cli_hostile.c)
  target_compile_definitions(test_cli_hostile PRIVATE
    HCSCTL_PATH="$<TARGET_FILE:hcsctl>" HOSTILE_GCS_PATH="$<TARGET_FILE:hostile_gcs>")
  add_dependencies(test_cli_hostile hcsctl hostile_gcs)
  set_tests_properties(test_cli_hostile PROPERTIES TIMEOUT 180)
endif()
