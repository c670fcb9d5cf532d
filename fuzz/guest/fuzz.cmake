# hcs-gcs (Linux guest agent) fuzz target: request decoding and dispatch.
# The agent's sources are compiled into the target itself so that libFuzzer
# sees their coverage. Seeds: fuzz/corpus/fuzz_guest_request/ and, through
# scripts/fuzz-smoke.sh, the golden frames.
if(NOT WIN32 AND TARGET hcs_gcs_core)
  set(_g ${PROJECT_SOURCE_DIR}/guest)
  hcs_add_fuzzer(fuzz_guest_request guest/fuzz_guest_request.c
    ${_g}/agent.c ${_g}/log.c ${_g}/proc.c ${_g}/proto.c ${_g}/util.c)
  target_include_directories(fuzz_guest_request PRIVATE ${_g})
  target_link_libraries(fuzz_guest_request PRIVATE Threads::Threads)
endif()
