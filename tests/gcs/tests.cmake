# GCS bridge suites (tests/gcs).
set(HCS_GCS_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/gcs)
hcs_add_test(test_gcs_frame gcs/test_gcs_frame.c)
hcs_add_test(test_gcs_codec gcs/test_gcs_codec.c)
# Suites that drive the bridge over sockets and unix:DIR need POSIX.
if(NOT WIN32)
  hcs_add_test(test_gcs_bridge gcs/test_gcs_bridge.c)
  hcs_add_test(test_gcs_process gcs/test_gcs_process.c)
  hcs_add_test(test_gcs_replay gcs/test_gcs_replay.c)
endif()
