# Installs what is not code: the manual pages (man/, mdoc) and the bash
# completion of hcsctl (completion/). Included by the top-level
# CMakeLists.txt. Windows builds install neither.
#
# The completion goes to bash-completion's completionsdir (its pkg-config
# file, re-rooted under CMAKE_INSTALL_PREFIX so that a scratch prefix never
# writes into /usr), else to DATADIR/bash-completion/completions.
# Override with -DHCS_BASH_COMPLETION_DIR=DIR.
if(WIN32)
  return()
endif()

install(FILES ${PROJECT_SOURCE_DIR}/man/hcsctl.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/man/hcs-gcs.8
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)

if(NOT DEFINED HCS_BASH_COMPLETION_DIR)
  set(_hcs_bc_dir "${CMAKE_INSTALL_DATADIR}/bash-completion/completions")
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    execute_process(
      COMMAND ${PKG_CONFIG_EXECUTABLE} --define-variable=prefix=${CMAKE_INSTALL_PREFIX}
              --variable=completionsdir bash-completion
      OUTPUT_VARIABLE _hcs_bc_pc OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE _hcs_bc_rc ERROR_QUIET)
    if(_hcs_bc_rc EQUAL 0 AND _hcs_bc_pc MATCHES "^${CMAKE_INSTALL_PREFIX}/")
      file(RELATIVE_PATH _hcs_bc_dir "${CMAKE_INSTALL_PREFIX}" "${_hcs_bc_pc}")
    endif()
  endif()
  set(HCS_BASH_COMPLETION_DIR "${_hcs_bc_dir}" CACHE STRING
      "where the bash completion of hcsctl is installed (relative: under the prefix)")
endif()
install(FILES ${PROJECT_SOURCE_DIR}/completion/hcsctl.bash
        DESTINATION ${HCS_BASH_COMPLETION_DIR} RENAME hcsctl)
