# hcs-gcs (Linux guest agent) fuzz target: request decoding and dispatch.
# The asan preset instruments the whole build (-fsanitize=fuzzer-no-link),
# so the agent's library carries its coverage. Seeds:
# fuzz/corpus/fuzz_guest_request/ and, through scripts/fuzz-smoke.sh, the
# golden frames.
if(NOT WIN32 AND TARGET hcs_gcs_core)
  hcs_add_fuzzer(fuzz_guest_request guest/fuzz_guest_request.c)
  target_link_libraries(fuzz_guest_request PRIVATE hcs_gcs_core Threads::Threads)
endif()
