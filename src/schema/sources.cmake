# Schema layer: generated HCS v2 / HCN / guest types (scripts/gen_schema.py)
# plus the generic engine, the validation rules and the document builders.
list(APPEND HCS_SOURCES
  schema/gen_tables.c
  schema/engine.c
  schema/rules.c
  schema/build.c
  schema/doc.c
)
