# Schema layer suites (tests/schema).
hcs_add_test(test_schema_roundtrip schema/test_schema_roundtrip.c)
hcs_add_test(test_schema_validate schema/test_schema_validate.c)
hcs_add_test(test_schema_types schema/test_schema_types.c)

# hcsctl schema, end to end.
add_test(NAME cli_schema COMMAND ${CMAKE_COMMAND}
  -DHCSCTL=$<TARGET_FILE:hcsctl> -DEMULATOR=${CMAKE_CROSSCOMPILING_EMULATOR}
  -DDATA=${CMAKE_CURRENT_SOURCE_DIR}/schema/data
  -P ${CMAKE_CURRENT_SOURCE_DIR}/schema/cli_schema.cmake)
hcs_add_test(test_schema_build schema/test_schema_build.c)
