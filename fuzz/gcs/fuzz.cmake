# GCS bridge fuzz targets: the frame reader and every guest->host decoder.
hcs_add_fuzzer(fuzz_gcs_frame gcs/fuzz_gcs_frame.c)
foreach(d base negotiate create execute_process wait_for_process get_properties
          dump_stacks notification)
  hcs_add_fuzzer(fuzz_gcs_decode_${d} gcs/fuzz_gcs_decode.c)
  target_compile_definitions(fuzz_gcs_decode_${d} PRIVATE FUZZ_DECODER_${d})
endforeach()
