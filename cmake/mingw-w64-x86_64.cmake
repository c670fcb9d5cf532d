# CMake toolchain file: cross-compile for Windows x86_64 with Debian's mingw-w64
# (x86_64-w64-mingw32-gcc 12, win32 thread model, mingw-w64 10.0, msvcrt CRT).
#
# Usage:
#   scripts/mingw-deps.sh                      # cross-builds json-c + cmocka once
#   cmake -S . -B build-win -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=$PWD/cmake/mingw-w64-x86_64.cmake
#   . scripts/wine-env.sh && ctest --test-dir build-win; wine_env_stop
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(TOOLCHAIN_PREFIX x86_64-w64-mingw32)

set(CMAKE_C_COMPILER   ${TOOLCHAIN_PREFIX}-gcc)   # the -win32 threads flavour by default
set(CMAKE_CXX_COMPILER ${TOOLCHAIN_PREFIX}-g++)
set(CMAKE_RC_COMPILER  ${TOOLCHAIN_PREFIX}-windres)

# Prefix holding the cross-built third-party deps (json-c, cmocka) made by
# scripts/mingw-deps.sh. Read from the environment so that try_compile() re-reads
# of this file see the same value.
if(DEFINED ENV{MINGW_DEPS_PREFIX} AND NOT "$ENV{MINGW_DEPS_PREFIX}" STREQUAL "")
  set(MINGW_DEPS_PREFIX "$ENV{MINGW_DEPS_PREFIX}")
else()
  get_filename_component(MINGW_DEPS_PREFIX
    "${CMAKE_CURRENT_LIST_DIR}/../build/_deps/mingw-prefix" ABSOLUTE)
endif()

# The deps prefix must be a find root: pkg-config's -L<prefix>/lib results are
# re-rooted under CMAKE_FIND_ROOT_PATH when MODE_LIBRARY is ONLY.
set(CMAKE_FIND_ROOT_PATH /usr/${TOOLCHAIN_PREFIX} ${MINGW_DEPS_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must only see the cross prefix, never the Linux .pc files.
set(ENV{PKG_CONFIG_LIBDIR} "${MINGW_DEPS_PREFIX}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# Windows 10 API level; static libgcc so test .exe files need no libgcc DLL.
set(CMAKE_C_FLAGS_INIT   "-D_WIN32_WINNT=0x0A00 -DWIN32_LEAN_AND_MEAN")
set(CMAKE_CXX_FLAGS_INIT "-D_WIN32_WINNT=0x0A00 -DWIN32_LEAN_AND_MEAN")
set(CMAKE_EXE_LINKER_FLAGS_INIT    "-static-libgcc")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc")

# ctest runs the cross-built test executables through wine
# (source scripts/wine-env.sh first, or ctest is slow / hangs).
find_program(WINE_EXECUTABLE NAMES wine wine64)
if(WINE_EXECUTABLE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${WINE_EXECUTABLE})
endif()
