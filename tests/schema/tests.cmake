# Schema layer suites (tests/schema).
hcs_add_test(test_schema_roundtrip schema/test_schema_roundtrip.c)
