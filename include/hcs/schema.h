/*
 * libhcs — the schema layer: every HCS v2, HCN and guest (GCS) document type
 * as generated C, with encode / decode / offline validation.
 *
 * The types are generated (hcs/schema_types.h, scripts/gen_schema.py) from
 * Microsoft's published HCS schema (21H2 swagger, schema 2.6, plus the
 * per-field "since" versions of SchemaReference.md), the HCN reference
 * (HNS_Schema.md) and an overlay (schema/overlay.json) for what hcsshim sends
 * that Microsoft did not publish. See docs/schema.md.
 *
 * Naming: HCS type X -> hcs_s2_X, id HCS_SCHEMA_S2_X, qualified name "X";
 *         HCN type X -> hcs_hcn_X, id HCS_SCHEMA_HCN_X, name "hcn.X";
 *         guest type X -> hcs_gs_X, id HCS_SCHEMA_GS_X, name "guest.X".
 *
 * Ownership:
 *   - hcs_schema_encode() returns a malloc'ed string: caller frees with hcs_free().
 *   - hcs_schema_decode() fills a caller-provided struct with heap members:
 *     release them with hcs_schema_free_members() (or <type>_free()); the struct
 *     itself is the caller's.
 *   - hcs_schema_validate() returns a report the caller frees with
 *     hcs_schema_report_free().
 *   - Every const char * returned by the info functions is static (library owns).
 *   - Structs built by hand may point at borrowed memory (string literals, stack
 *     objects); encode only reads them. Do not call _free on such structs.
 *
 * Decoding is bounded: documents up to HCS_SCHEMA_MAX_DOCUMENT bytes, nesting
 * up to 64 levels, and every failure names the JSON path of the offending field
 * ("VirtualMachine.Devices.Scsi[\"x\"].Attachments[\"0\"].Path: expected a
 * string, got integer").
 */
#ifndef HCS_SCHEMA_H
#define HCS_SCHEMA_H

#include "hcs/common.h"
#include "hcs/schema_ids.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- presence wrappers: set = 0 means absent (not emitted) ---- */
typedef struct hcs_schema_bool { uint8_t set; uint8_t v; } hcs_schema_bool;
typedef struct hcs_schema_u8 { uint8_t set; uint8_t v; } hcs_schema_u8;
typedef struct hcs_schema_u16 { uint8_t set; uint16_t v; } hcs_schema_u16;
typedef struct hcs_schema_u32 { uint8_t set; uint32_t v; } hcs_schema_u32;
typedef struct hcs_schema_u64 { uint8_t set; uint64_t v; } hcs_schema_u64;
typedef struct hcs_schema_i32 { uint8_t set; int32_t v; } hcs_schema_i32;
typedef struct hcs_schema_i64 { uint8_t set; int64_t v; } hcs_schema_i64;
typedef struct hcs_schema_f64 { uint8_t set; double v; } hcs_schema_f64;
/* An enum field: v is a value of the field's generated enum (e.g.
 * hcs_s2_AttachmentType), or -1 (<ENUM>__RAW) with the text in raw for a
 * value the table does not know (kept so newer hosts round-trip). */
typedef struct hcs_schema_enum { uint8_t set; int v; char *raw; } hcs_schema_enum;

/* Initializers: .SizeInMB = HCS_SCHEMA_SET(1024), .Type = HCS_SCHEMA_ENUM(HCS_S2_AttachmentType_VirtualDisk) */
#define HCS_SCHEMA_SET(x) {1, (x)}
#define HCS_SCHEMA_ENUM(x) {1, (x), NULL}

/* A schema version "Major.Minor" (HCS 2.0-2.6; HCN 2.0-2.16). */
typedef struct hcs_schema_version {
    uint32_t major;
    uint32_t minor;
} hcs_schema_version;

/* Limits applied to every decoded or validated document. */
#define HCS_SCHEMA_MAX_DOCUMENT (64u * 1024u * 1024u)
#define HCS_SCHEMA_MAX_PROBLEMS 1000u

/* Encode flags. By default the output matches Go's encoding/json (what
 * hcsshim sends): compact, fields in schema order, < > & escaped as \u003c... */
#define HCS_SCHEMA_ENCODE_NO_HTML_ESCAPE 0x1u /* emit < > & as is */
#define HCS_SCHEMA_ENCODE_DROP_UNKNOWN 0x2u   /* do not re-emit _unknown members */

/* Decode flags. By default unknown members are kept in _unknown and unknown
 * enum strings in hcs_schema_enum.raw; wrong JSON types, out-of-range
 * integers and malformed Any values are errors. */
#define HCS_SCHEMA_DECODE_STRICT 0x1u       /* an unknown member is an error */
#define HCS_SCHEMA_DECODE_DROP_UNKNOWN 0x2u /* discard unknown members */

/* Validate flags. */
#define HCS_SCHEMA_VALIDATE_PUBLISHED_ONLY 0x1u /* also report overlay (hcsshim-only) fields and values */

/* ---- validation report ---- */
typedef enum hcs_schema_problem_kind {
    HCS_SCHEMA_PROBLEM_INVALID_JSON = 1, /* not JSON at all / too large / too deep */
    HCS_SCHEMA_PROBLEM_UNKNOWN_FIELD = 2,
    HCS_SCHEMA_PROBLEM_WRONG_TYPE = 3,
    HCS_SCHEMA_PROBLEM_BAD_ENUM = 4,
    HCS_SCHEMA_PROBLEM_OUT_OF_RANGE = 5,
    HCS_SCHEMA_PROBLEM_BAD_GUID = 6,
    HCS_SCHEMA_PROBLEM_BAD_FORMAT = 7,   /* MAC address, date-time, base64, map key */
    HCS_SCHEMA_PROBLEM_TOO_NEW = 8,      /* field or enum value newer than the target */
    HCS_SCHEMA_PROBLEM_RULE = 9,         /* a cross-field rule (one-of, resource path...) */
    HCS_SCHEMA_PROBLEM_UNPUBLISHED = 10, /* overlay field/value (HCS_SCHEMA_VALIDATE_PUBLISHED_ONLY) */
    HCS_SCHEMA_PROBLEM_LIMIT = 11        /* more than HCS_SCHEMA_MAX_PROBLEMS problems */
} hcs_schema_problem_kind;

typedef struct hcs_schema_problem {
    hcs_schema_problem_kind kind;
    char *path;    /* JSON path, e.g. VirtualMachine.Chipset.LinuxKernelDirect; "" = the document */
    char *message; /* e.g. "requires 2.2; target is 2.1" */
} hcs_schema_problem;

typedef struct hcs_schema_report {
    size_t count;
    hcs_schema_problem *problems;
} hcs_schema_report;

/* ---- type information ---- */
typedef enum hcs_schema_namespace {
    HCS_SCHEMA_NS_HCS = 0,  /* HCS schema v2 (computecore) */
    HCS_SCHEMA_NS_HCN = 1,  /* HCN / HNS (computenetwork) */
    HCS_SCHEMA_NS_GUEST = 2 /* GCS guest documents (hcsshim guestresource/guestrequest) */
} hcs_schema_namespace;

typedef struct hcs_schema_type_info {
    const char *name;           /* "ComputeSystem" */
    const char *qualified_name; /* "ComputeSystem", "hcn.HostComputeNetwork", "guest.LCOWMappedVirtualDisk" */
    hcs_schema_namespace ns;
    int is_enum;
    int overlay;                /* 1: not published by Microsoft (from schema/overlay.json) */
    int numeric;                /* enums: 1 when hcsshim sends it as a number */
    size_t field_count;         /* structs */
    size_t value_count;         /* enums */
    size_t struct_size;         /* sizeof the C struct (0 for enums) */
    const char *note;           /* overlay reason or NULL */
} hcs_schema_type_info;

typedef struct hcs_schema_field_info {
    const char *name;           /* JSON name */
    const char *alias;          /* another accepted spelling, or NULL */
    char type[96];              /* "uint64", "Map<uint32, Attachment>", "Layer[]", "Guid" ... */
    hcs_schema_version since;   /* 0.0 = not versioned (overlay / unknown) */
    int overlay;                /* 1: not in the published schema */
    int ref;                    /* type id of the nested struct / enum, or -1 */
    const char *note;           /* overlay reason or NULL */
} hcs_schema_field_info;

typedef struct hcs_schema_enum_value_info {
    const char *name;
    hcs_schema_version since;
    int overlay;
} hcs_schema_enum_value_info;

HCS_API size_t hcs_schema_type_count(void);
/* Finds a type by qualified name ("ComputeSystem", "hcn.HostComputeNetwork",
 * "guest.LCOWMappedVirtualDisk"); an unqualified name also matches HCN and
 * guest types when no HCS type has it. Case-sensitive. Returns 1 and sets
 * *out when found, 0 otherwise. */
HCS_API int hcs_schema_type_lookup(const char *name, hcs_schema_type_id *out);
HCS_API hcs_result hcs_schema_type_get_info(hcs_schema_type_id type, hcs_schema_type_info *out);
HCS_API hcs_result hcs_schema_field_get_info(hcs_schema_type_id type, size_t index,
                                             hcs_schema_field_info *out);
HCS_API hcs_result hcs_schema_enum_value_get_info(hcs_schema_type_id type, size_t index,
                                                  hcs_schema_enum_value_info *out);
/* Enum value <-> wire string. to_string: NULL when out of range (static
 * string otherwise). from_string: the value, or -1 when unknown. */
HCS_API const char *hcs_schema_enum_to_string(hcs_schema_type_id type, int value);
HCS_API int hcs_schema_enum_from_string(hcs_schema_type_id type, const char *s);

/* "2.1" -> {2, 1}. HCS_ERR_INVALIDARG on anything else. */
HCS_API hcs_result hcs_schema_version_parse(const char *text, hcs_schema_version *out);

/* ---- generic encode / decode (typed wrappers: hcs_s2_X_encode ...) ---- */

/* Zeroes obj (sizeof of the type's struct): every field absent. */
HCS_API void hcs_schema_init(hcs_schema_type_id type, void *obj);
/* Frees every member of obj with free() (strings, nested objects, arrays,
 * maps, raw enum text, _unknown) and re-initializes it. obj itself is not
 * freed. NULL is allowed. */
HCS_API void hcs_schema_free_members(hcs_schema_type_id type, void *obj);
/* Encodes obj as compact JSON: set fields only, in schema order, 64-bit
 * integers exact, _unknown members re-emitted, Any values re-serialized.
 * *json: caller frees with hcs_free(); *len (optional) gets its length.
 * Fails with HCS_ERR_INVALIDARG (message names the path) for an invalid
 * enum value, malformed raw JSON in an Any/_unknown member, or a map key NULL. */
HCS_API hcs_result hcs_schema_encode(hcs_schema_type_id type, const void *obj,
                                     unsigned flags, char **json, size_t *len);
/* Decodes json[0..len) into *out (initialized first; on failure *out is left
 * initialized, nothing to free). Errors: HCS_ERR_INVALID_JSON with a message
 * "decoding <Type>: <path>: <problem>". */
HCS_API hcs_result hcs_schema_decode(hcs_schema_type_id type, const char *json, size_t len,
                                     unsigned flags, void *out);

/* ---- validation ----
 * Checks json against the type: unknown fields, wrong JSON types, bad enum
 * values, out-of-range integers, malformed GUIDs / MAC addresses / date-times
 * / base64 / map keys, fields and enum values newer than *target (NULL: no
 * version gating), and the rules the tables cannot express (exactly one of
 * Container / VirtualMachine / HostedSystem; ModifySettingRequest resource-path
 * grammar and the Settings type it implies; HCN policy Settings by Type; guest
 * Settings by ResourceType; ConsoleSize has two elements ...).
 * Returns HCS_S_OK when there is no problem, HCS_ERR_INVALID_JSON (message =
 * the first problem, "PATH: message") when there is one, other codes for
 * out-of-memory / bad arguments. *report (optional) receives every problem
 * either way; caller frees with hcs_schema_report_free(). */
HCS_API hcs_result hcs_schema_validate(hcs_schema_type_id type, const char *json, size_t len,
                                       const hcs_schema_version *target, unsigned flags,
                                       hcs_schema_report **report);
HCS_API void hcs_schema_report_free(hcs_schema_report *report);

/* Guest ModifySettings: the Settings type for a ResourceType ("MappedVirtualDisk",
 * "Network"...). wcow selects the Windows-guest variant where there is one.
 * Returns 1 and sets *out when the resource type has a typed Settings
 * document, 0 otherwise (unknown type or no settings). */
HCS_API int hcs_schema_guest_settings_type(const char *resource_type, int wcow,
                                           hcs_schema_type_id *out);

#ifdef __cplusplus
}
#endif

/* The generated typed structs (hcs_s2_*, hcs_hcn_*, hcs_gs_*) are opt-in:
 * #include "hcs/schema_types.h" where they are used. */
#include "hcs/schema_build.h"

#endif /* HCS_SCHEMA_H */
