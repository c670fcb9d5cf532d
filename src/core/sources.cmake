# The Windows backend (computecore, computenetwork, computestorage,
# vmdevicehost; loaded at run time). The *common.c / net_build.c files are
# portable; *win*.c are the Windows implementation (dll_win.c the shared
# loader), stub.c and *_stub.c the "only available on Windows" answer
# everywhere else.
list(APPEND HCS_SOURCES core/common.c core/net_common.c core/net_build.c
  core/storage_common.c core/hdv_common.c)
if(WIN32)
  list(APPEND HCS_SOURCES core/win32.c core/dll_win.c core/net_win.c
    core/storage_win.c core/hdv_win.c)
else()
  list(APPEND HCS_SOURCES core/stub.c core/net_stub.c core/storage_stub.c
    core/hdv_stub.c)
endif()
