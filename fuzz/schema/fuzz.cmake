# Schema layer fuzz target: decode / encode / validate of every struct type.
# Seeds: fuzz/schema/corpus (the hcs-schema.md examples, type byte first).
# The asan preset instruments the whole library for coverage
# (-fsanitize=fuzzer-no-link), so linking hcs_static is enough.
hcs_add_fuzzer(fuzz_schema_decode schema/fuzz_schema_decode.c)
