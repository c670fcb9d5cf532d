# vcpkg overlay port of libhcs: builds the source tree this file lives in
# (packaging/vcpkg/ports/libhcs -> the tree's root), with json-c from vcpkg.
#   vcpkg install libhcs --overlay-ports=<tree>/packaging/vcpkg/ports --triplet x64-windows
#   vcpkg install libhcs --overlay-ports=<tree>/packaging/vcpkg/ports --triplet x64-mingw-static
# docs/packaging.md has the details.
#
# The project's options below are those CI's mingw build uses
# (CMakePresets.json "mingw" and scripts/test-all.sh), plus the port's own:
# no test suites (they need cmocka and wine; CI runs them), and only the
# library the triplet links installed. packaging/vcpkg/check_port.cmake
# (ctest vcpkg_port) fails when the two drift apart.
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)
if(NOT EXISTS "${SOURCE_PATH}/CMakeLists.txt" OR NOT EXISTS "${SOURCE_PATH}/include/hcs.h")
  message(FATAL_ERROR "libhcs: ${SOURCE_PATH} is not the libhcs source tree")
endif()

if(VCPKG_LIBRARY_LINKAGE STREQUAL "dynamic")
  set(HCS_SHARED ON)
  set(HCS_STATIC OFF)
else()
  set(HCS_SHARED OFF)
  set(HCS_STATIC ON)
endif()

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    -DHCS_WERROR=ON
    -DHCS_BUILD_BENCH=OFF
    -DHCS_BUILD_TESTS=OFF
    -DHCS_INSTALL_SHARED=${HCS_SHARED}
    -DHCS_INSTALL_STATIC=${HCS_STATIC}
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME hcs CONFIG_PATH lib/cmake/hcs)
vcpkg_fixup_pkgconfig()
vcpkg_copy_pdbs()
# hcsctl goes to tools/libhcs (vcpkg keeps executables out of bin/).
vcpkg_copy_tools(TOOL_NAMES hcsctl AUTO_CLEAN)

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
