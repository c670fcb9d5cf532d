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
  hcs_gcs_test(test_gcs_agent_io guest/test_gcs_agent_io.c guest/ghost.c)
  hcs_gcs_test(test_gcs_agent_ctl guest/test_gcs_agent_ctl.c guest/ghost.c)
  hcs_gcs_test(test_gcs_golden guest/test_gcs_golden.c guest/ghost.c)
endif()
