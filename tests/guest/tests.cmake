# hcs-gcs suites (tests/guest). The agent is Linux only.
if(NOT WIN32 AND TARGET hcs-gcs)
  function(hcs_gcs_test name)
    hcs_add_test(${name} ${ARGN})
    target_link_libraries(${name} PRIVATE hcs_gcs_core Threads::Threads)
    target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/guest)
    target_compile_definitions(${name} PRIVATE
      HCS_GCS_AGENT_PATH="$<TARGET_FILE:hcs-gcs>")
    add_dependencies(${name} hcs-gcs)
  endfunction()
  hcs_gcs_test(test_gcs_unit guest/test_gcs_unit.c)
  hcs_gcs_test(test_gcs_agent_io guest/test_gcs_agent_io.c guest/ghost.c)
  hcs_gcs_test(test_gcs_agent_ctl guest/test_gcs_agent_ctl.c guest/ghost.c)
  hcs_gcs_test(test_gcs_golden guest/test_gcs_golden.c guest/ghost.c)
  hcs_gcs_test(test_gcs_bridge_agent guest/test_gcs_bridge_agent.c guest/ghost.c)
  hcs_gcs_test(test_gcs_containers guest/test_gcs_containers.c guest/ctr_kit.c guest/ghost.c)
  set_tests_properties(test_gcs_containers PROPERTIES TIMEOUT 300)
  hcs_gcs_test(test_gcs_hostile_host guest/test_gcs_hostile_host.c guest/ghost.c)
  set_tests_properties(test_gcs_hostile_host PROPERTIES TIMEOUT 300)
  hcs_gcs_test(test_lib_container guest/test_lib_container.c guest/ctr_kit.c guest/ghost.c)
  set_tests_properties(test_lib_container PROPERTIES TIMEOUT 300)
  hcs_gcs_test(test_gcs_storage guest/test_gcs_storage.c guest/stor_kit.c guest/ctr_kit.c
    guest/ghost.c)
  target_compile_definitions(test_gcs_storage PRIVATE HCSCTL_PATH="$<TARGET_FILE:hcsctl>")
  add_dependencies(test_gcs_storage hcsctl)
  set_tests_properties(test_gcs_storage PROPERTIES TIMEOUT 300)
  hcs_gcs_test(test_gcs_network guest/test_gcs_network.c guest/ctr_kit.c guest/ghost.c)
  set_tests_properties(test_gcs_network PROPERTIES TIMEOUT 300)
  hcs_gcs_test(test_cli_container guest/test_cli_container.c guest/ctr_kit.c guest/ghost.c)
  target_compile_definitions(test_cli_container PRIVATE HCSCTL_PATH="$<TARGET_FILE:hcsctl>")
  add_dependencies(test_cli_container hcsctl)
  set_tests_properties(test_cli_container PROPERTIES TIMEOUT 300)
endif()

# hcsctl gcs run against a scripted guest (tests/guest/scripted_gcs.c):
# exit codes a real process cannot produce, hostile error text.
if(NOT WIN32)
  add_executable(scripted_gcs guest/scripted_gcs.c)
  target_compile_options(scripted_gcs PRIVATE ${HCS_WARNINGS})
  target_include_directories(scripted_gcs PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  add_test(NAME cli_gcs_guest COMMAND ${CMAKE_COMMAND}
    -DHCSCTL=$<TARGET_FILE:hcsctl> -DSCRIPTED=$<TARGET_FILE:scripted_gcs>
    -DWORK=${CMAKE_CURRENT_BINARY_DIR}/cli_gcs_guest_work
    -P ${CMAKE_CURRENT_SOURCE_DIR}/gcs/cli_gcs_guest.cmake)
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/cli_gcs_guest_work)
endif()
