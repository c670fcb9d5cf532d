# The Windows backend (computecore.dll, loaded at run time). common.c is
# portable; win32.c is the Windows implementation, stub.c the "only
# available on Windows" answer everywhere else.
list(APPEND HCS_SOURCES core/common.c)
if(WIN32)
  list(APPEND HCS_SOURCES core/win32.c)
else()
  list(APPEND HCS_SOURCES core/stub.c)
endif()
