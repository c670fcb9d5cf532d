# Keeps the manual pages honest (man/, mdoc):
#   - every command that `hcsctl --help` lists is documented in hcsctl.1 as
#     ".Cm CMD", every subcommand of its usage lines as ".Cm CMD SUB" (the
#     verbs of a "CMD VERB" group as ".Cm VERB");
#   - every option that `hcsctl CMD --help` or `hcsctl CMD SUB --help` prints
#     is documented in hcsctl.1 as ".Fl -OPTION", and every option of
#     `hcs-gcs --help` in hcs-gcs.8;
#   - and the other way round: the pages document no option the programs'
#     help does not print (a removed option leaves no stale page).
#   cmake -DHCSCTL=path -DHCS_GCS=path -DMAN_DIR=man [-DEMULATOR=wine]
#         -P tests/man_check.cmake
cmake_minimum_required(VERSION 3.20)
foreach(v HCSCTL HCS_GCS MAN_DIR)
  if(NOT ${v})
    message(FATAL_ERROR "man_check: -D${v}=... is required")
  endif()
endforeach()

set(errors "")

# help(OUT ARGS...): the output of "PROGRAM ARGS... --help" (exit 0).
function(help out)
  execute_process(COMMAND ${EMULATOR} ${ARGN} --help
    OUTPUT_VARIABLE o ERROR_VARIABLE e RESULT_VARIABLE rc TIMEOUT 60)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "man_check: `${ARGN} --help` exited ${rc}:\n${o}${e}")
  endif()
  string(REPLACE "\r" "" o "${o}")
  set(${out} "${o}" PARENT_SCOPE)
endfunction()

# options(OUT TEXT): every --name in TEXT.
function(options out text)
  string(REGEX MATCHALL "--[a-z][a-z0-9-]*" o "${text}")
  list(REMOVE_DUPLICATES o)
  set(${out} "${o}" PARENT_SCOPE)
endfunction()

# page_options(OUT PAGE_TEXT): every option the page documents with Fl.
function(page_options out text)
  string(REGEX MATCHALL "(^|[ \t\n.])Fl[ \t]+-?-?[a-z][a-z0-9-]*" fl "${text}")
  set(o "")
  foreach(f IN LISTS fl)
    string(REGEX REPLACE "^[ \t\n.]*Fl[ \t]+" "" f "${f}")
    list(APPEND o "-${f}")
  endforeach()
  list(REMOVE_DUPLICATES o)
  set(${out} "${o}" PARENT_SCOPE)
endfunction()

function(check_options page prog_opts page_opts where)
  foreach(o IN LISTS prog_opts)
    string(SUBSTRING "${o}" 1 -1 fl)
    if(NOT o IN_LIST page_opts)
      set(errors "${errors}\n  ${where} prints ${o}, ${page} does not document it (.Fl ${fl})")
    endif()
  endforeach()
  set(errors "${errors}" PARENT_SCOPE)
endfunction()

function(has_cm page text words where)
  string(REPLACE " " "[ \t]+" re "${words}")
  if(NOT text MATCHES "(^|\n)\\.[^\n]*Cm[ \t]+${re}([ \t\n]|$)")
    set(errors "${errors}\n  ${where} lists \"${words}\", ${page} does not document it (.Cm ${words})" PARENT_SCOPE)
  endif()
endfunction()

# ---- hcsctl.1 ----
file(READ ${MAN_DIR}/hcsctl.1 page)
page_options(page_opts "${page}")
help(general ${HCSCTL})
string(REGEX REPLACE ".*\nCommands:\n" "" cmds "${general}")
string(REGEX REPLACE "\n\n.*" "" cmds "${cmds}")
# (CMake's ^ also matches where the previous match ended: anchor on \n)
string(REGEX MATCHALL "\n  [a-z][a-z-]*" cmds "\n${cmds}")
list(TRANSFORM cmds REPLACE "^\n  " "")
list(LENGTH cmds ncmds)
if(ncmds LESS 10)
  message(FATAL_ERROR "man_check: only ${ncmds} commands found in `hcsctl --help`:\n${general}")
endif()
options(all_opts "${general}")
check_options(hcsctl.1 "${all_opts}" "${page_opts}" "`hcsctl --help`")
if(NOT "-h" IN_LIST page_opts)
  set(errors "${errors}\n  hcsctl.1 does not document -h (.Fl h)")
endif()

set(nsubs 0)
foreach(cmd IN LISTS cmds)
  has_cm(hcsctl.1 "${page}" "${cmd}" "`hcsctl --help`")
  help(text ${HCSCTL} ${cmd})
  options(opts "${text}")
  check_options(hcsctl.1 "${opts}" "${page_opts}" "`hcsctl ${cmd} --help`")
  list(APPEND all_opts ${opts})
  # Subcommands: the word after CMD on each usage line ("a|b": both).
  string(REGEX MATCHALL "(^|\n)(usage:)? *hcsctl [^\n]*" usage "${text}")
  set(subs "")
  set(verbs OFF)
  foreach(line IN LISTS usage)
    string(REGEX REPLACE "\\[--json\\] " "" line "${line}")
    if(line MATCHES "hcsctl ${cmd} ([a-z][a-z|-]*)( |$)")
      string(REPLACE "|" ";" w "${CMAKE_MATCH_1}")
      list(APPEND subs ${w})
    elseif(line MATCHES "hcsctl ${cmd} VERB")
      set(verbs ON)
    endif()
  endforeach()
  if(verbs)
    # "CMD VERB": the verbs are listed as "  verb   summary"; each is a
    # command of its own (checked above).
    string(REGEX MATCHALL "\n  [a-z][a-z-]* +[a-z(]" vl "${text}")
    foreach(v IN LISTS vl)
      string(REGEX REPLACE "^\n  ([a-z-]+) .*" "\\1" v "${v}")
      has_cm(hcsctl.1 "${page}" "${v}" "`hcsctl ${cmd} --help`")
      math(EXPR nsubs "${nsubs} + 1")
    endforeach()
  endif()
  list(REMOVE_DUPLICATES subs)
  foreach(sub IN LISTS subs)
    math(EXPR nsubs "${nsubs} + 1")
    has_cm(hcsctl.1 "${page}" "${cmd} ${sub}" "`hcsctl ${cmd} --help`")
    help(text ${HCSCTL} ${cmd} ${sub})
    options(opts "${text}")
    check_options(hcsctl.1 "${opts}" "${page_opts}" "`hcsctl ${cmd} ${sub} --help`")
    list(APPEND all_opts ${opts})
  endforeach()
endforeach()
foreach(o IN LISTS page_opts)
  if(NOT o IN_LIST all_opts AND NOT o STREQUAL "-h")
    set(errors "${errors}\n  hcsctl.1 documents ${o}, which no `hcsctl ... --help` prints")
  endif()
endforeach()
list(REMOVE_DUPLICATES all_opts)
list(LENGTH all_opts nopts)

# ---- hcs-gcs.8 ----
file(READ ${MAN_DIR}/hcs-gcs.8 gpage)
page_options(gpage_opts "${gpage}")
help(gtext ${HCS_GCS})
options(gopts "${gtext}")
list(LENGTH gopts ngopts)
if(ngopts LESS 10)
  message(FATAL_ERROR "man_check: only ${ngopts} options found in `hcs-gcs --help`:\n${gtext}")
endif()
check_options(hcs-gcs.8 "${gopts}" "${gpage_opts}" "`hcs-gcs --help`")
foreach(o IN LISTS gpage_opts)
  if(NOT o IN_LIST gopts AND NOT o STREQUAL "-h")
    set(errors "${errors}\n  hcs-gcs.8 documents ${o}, which `hcs-gcs --help` does not print")
  endif()
endforeach()

if(errors)
  message(FATAL_ERROR "man pages out of date:${errors}")
endif()
message(STATUS "man_check: ${ncmds} commands, ${nsubs} subcommands and verbs, "
               "${nopts} hcsctl options, ${ngopts} hcs-gcs options documented")
