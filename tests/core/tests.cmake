# Windows backend suites (tests/core). docs/windows-backend.md lists what each
# verifies and where.

# The portable half (key table, event queues, rich errors): every OS.
hcs_add_test(test_core_common core/test_core_common.c)

if(WIN32)
  # The test-double computecore.dll next to the test executables (bin/), a
  # minimal one (the mingw-w64 10 surface: 52 functions) in bin/min/, and the
  # Windows 10 1809 / Server 2019 set in bin/1809/ (no HcsWaitFor*Exit, no
  # namespaces, no VM group access, no processor compatibility; hcs-api.md).
  foreach(fake fake_computecore fake_computecore_min fake_computecore_1809)
    add_library(${fake} SHARED core/fake_computecore.c core/fake_computecore_sys.c
      core/fake_io_guard.c core/fake_base.c)
    # fake_base.c can hand out CoTaskMemAlloc'ed strings (the HCN doubles do)
    target_link_libraries(${fake} PRIVATE ole32)
    set_target_properties(${fake} PROPERTIES OUTPUT_NAME computecore PREFIX "")
    target_include_directories(${fake} PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_compile_options(${fake} PRIVATE ${HCS_WARNINGS} -Wno-missing-prototypes)
    target_link_options(${fake} PRIVATE -static-libgcc)
  endforeach()
  target_compile_definitions(fake_computecore_min PRIVATE FAKE_MINIMAL)
  set_target_properties(fake_computecore_min PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin/min
    ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib/min)
  target_compile_definitions(fake_computecore_1809 PRIVATE FAKE_MINIMAL FAKE_1809)
  set_target_properties(fake_computecore_1809 PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin/1809
    ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib/1809)

  # Contract suites: libhcs against the double, under wine.
  foreach(suite test_core_system test_core_process test_core_misc)
    hcs_add_test(${suite} core/${suite}.c core/fake_client.c core/fake_ctl.c)
    add_dependencies(${suite} fake_computecore)
  endforeach()
  hcs_add_test(test_core_loader core/test_core_loader.c core/fake_client.c core/fake_ctl.c)
  add_dependencies(test_core_loader fake_computecore_min)
  # Windows 10 1809: exits learnt from the exit events
  hcs_add_test(test_core_1809 core/test_core_1809.c core/fake_client.c core/fake_ctl.c)
  add_dependencies(test_core_1809 fake_computecore_1809)
else()
  # Every public function says "only available on Windows".
  hcs_add_test(test_core_stub core/test_core_stub.c)
endif()

# hcs_add_cli_test(NAME VAR=TARGET...): hcsctl end to end, the script
# core/NAME.cmake with -DVAR=<the file of the test double TARGET> for each
# (empty on other systems, where every command gives the clear error).
function(hcs_add_cli_test name)
  set(dlls "")
  foreach(pair ${ARGN})
    string(REPLACE "=" ";" pair "${pair}")
    list(GET pair 0 var)
    list(GET pair 1 target)
    if(WIN32)
      list(APPEND dlls "-D${var}=$<TARGET_FILE:${target}>")
    else()
      list(APPEND dlls "-D${var}=")
    endif()
  endforeach()
  add_test(NAME ${name} COMMAND ${CMAKE_COMMAND}
    -DHCSCTL=$<TARGET_FILE:hcsctl> -DEMULATOR=${CMAKE_CROSSCOMPILING_EMULATOR}
    -DTARGET_WIN32=${WIN32} ${dlls}
    -DWORK=${CMAKE_CURRENT_BINARY_DIR}/${name}_work
    -P ${CMAKE_CURRENT_SOURCE_DIR}/core/${name}.cmake)
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${name}_work)
endfunction()

# hcsctl's compute commands, end to end (the double under wine; the clear
# error on other systems).
hcs_add_cli_test(cli_compute FAKE_DLL=fake_computecore FAKE_DLL_1809=fake_computecore_1809)
include(${CMAKE_CURRENT_SOURCE_DIR}/core/tests_ext.cmake)
