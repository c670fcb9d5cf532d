# Windows backend part 2 (tests/core): computenetwork, computestorage and
# vmdevicehost against their test doubles under wine; the portable helpers
# (builders, HNS feature table) on every OS.

hcs_add_test(test_core_net_common core/test_core_net_common.c)

if(WIN32)
  # The doubles next to the test executables (bin/), built from
  # fake_base.c + one file each, named as the real DLLs.
  foreach(pair "fake_computenetwork;computenetwork" "fake_computestorage;computestorage"
               "fake_vmdevicehost;vmdevicehost")
    list(GET pair 0 fake)
    list(GET pair 1 dll)
    add_library(${fake} SHARED core/${fake}.c core/fake_base.c)
    set_target_properties(${fake} PROPERTIES OUTPUT_NAME ${dll} PREFIX "")
    target_include_directories(${fake} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
    target_compile_options(${fake} PRIVATE ${HCS_WARNINGS} -Wno-missing-prototypes)
    target_link_libraries(${fake} PRIVATE ole32)
    target_link_options(${fake} PRIVATE -static-libgcc)
  endforeach()

  foreach(pair "test_core_net;fake_computenetwork" "test_core_storage;fake_computestorage"
               "test_core_hdv;fake_vmdevicehost")
    list(GET pair 0 suite)
    list(GET pair 1 fake)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/core/${suite}.c)
      hcs_add_test(${suite} core/${suite}.c core/fake_ext.c core/fake_ctl.c)
      target_link_libraries(${suite} PRIVATE ole32)
      add_dependencies(${suite} ${fake})
    endif()
  endforeach()
  # the HDV suite also drives the example device (examples/hdv)
  if(TARGET test_core_hdv)
    target_sources(test_core_hdv PRIVATE ${PROJECT_SOURCE_DIR}/examples/hdv/counter.c
      core/fake_client.c)
    add_dependencies(test_core_hdv fake_computecore)
    target_include_directories(test_core_hdv PRIVATE ${PROJECT_SOURCE_DIR}/examples/hdv)
  endif()
else()
  # Every public function of network.h, storage.h and hdv.h says "only
  # available on Windows".
  hcs_add_test(test_core_stub_ext core/test_core_stub_ext.c)
endif()

# hcsctl's net / endpoint / namespace / lb / layer commands, end to end.
hcs_add_cli_test(cli_net NET_DLL=fake_computenetwork STORAGE_DLL=fake_computestorage)
