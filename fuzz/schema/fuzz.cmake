# Schema layer fuzz target: decode / encode / validate of every struct type.
# The schema sources are compiled into the target itself so that libFuzzer's
# coverage instrumentation sees them (the static library is not instrumented).
# Seeds: fuzz/schema/corpus (the hcs-schema.md examples, type byte first).
hcs_add_fuzzer(fuzz_schema_decode schema/fuzz_schema_decode.c
  ${PROJECT_SOURCE_DIR}/src/schema/engine.c
  ${PROJECT_SOURCE_DIR}/src/schema/rules.c
  ${PROJECT_SOURCE_DIR}/src/schema/build.c
  ${PROJECT_SOURCE_DIR}/src/schema/gen_tables.c)
