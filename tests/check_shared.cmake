# Fails unless the shared reference material the golden tests replay is
# present (set HCS_ALLOW_NO_GOLDEN=1 in the environment to accept its absence).
if(DEFINED ENV{HCS_ALLOW_NO_GOLDEN})
  message(STATUS "HCS_ALLOW_NO_GOLDEN set: not checking ${GOLDEN}")
  return()
endif()
foreach(f host-requests/INDEX.tsv live-uvm-processes/frames.jsonl live-container/frames.jsonl
          ../docs/hcs-schema.md ../docs/hcs-api.md ../schema/hcs-openapi)
  if(NOT EXISTS "${GOLDEN}/${f}")
    message(FATAL_ERROR "shared reference missing: ${GOLDEN}/${f} -- the golden "
      "tests would skip their cases (set HCS_GOLDEN_DIR or HCS_ALLOW_NO_GOLDEN=1)")
  endif()
endforeach()
message(STATUS "shared reference present at ${GOLDEN}")
