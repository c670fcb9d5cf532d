/*
 * Thin internal wrapper over json-c. json-c types never appear in a public
 * header; inside the library hcsi_json is json-c's object (refcounted:
 * hcsi_json_put releases a reference; "add"/"set" functions take ownership
 * of the value they are given, even when they fail).
 *
 * Output is produced by our own writer so that it matches Go's
 * encoding/json byte for byte (insertion order, compact, Go's string
 * escapes, optional HTML escaping of < > & as hcsshim's inner documents use).
 */
#ifndef HCS_JSON_H
#define HCS_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/internal.h"

struct json_object;
typedef struct json_object hcsi_json;

/* Parse limits: inputs are untrusted (the guest, users' files). */
#define HCSI_JSON_MAX_DEPTH 64

/* Parses exactly one JSON value from buf[0..len): strict syntax, UTF-8
 * validated, nesting bounded, trailing non-space rejected. On failure:
 * HCS_ERR_INVALID_JSON with a message naming `what` and the byte offset.
 * Caller owns *out (hcsi_json_put). */
hcs_result hcsi_json_parse(const char *buf, size_t len, const char *what,
                           hcsi_json **out);

#define HCSI_JSON_HTML_ESCAPE 1u /* escape < > & as \u003c \u003e \u0026 */

/* Appends v to out, compact, in Go's encoding (see above). */
hcs_result hcsi_json_write(hcsi_buf *out, const hcsi_json *v, unsigned flags);
/* Same, as a malloc'ed NUL-terminated string (caller frees with free()). */
hcs_result hcsi_json_to_string(const hcsi_json *v, unsigned flags,
                               char **out);
/* Appends s (len bytes) as a JSON string literal with Go's escapes. */
hcs_result hcsi_json_write_string(hcsi_buf *out, const char *s, size_t len,
                                  unsigned flags);

/* Constructors (NULL on out-of-memory). */
hcsi_json *hcsi_json_object(void);
hcsi_json *hcsi_json_array(void);
hcsi_json *hcsi_json_string(const char *s);
hcsi_json *hcsi_json_string_len(const char *s, size_t len);
hcsi_json *hcsi_json_int(int64_t v);
hcsi_json *hcsi_json_uint(uint64_t v);
hcsi_json *hcsi_json_bool(int v);
hcsi_json *hcsi_json_double(double v);
hcsi_json *hcsi_json_get_ref(hcsi_json *v); /* +1 reference */
void hcsi_json_put(hcsi_json *v);           /* -1 reference; NULL ok */

/* Object/array building; each takes ownership of val (NULL val = JSON
 * null). Return HCS_S_OK or E_OUTOFMEMORY. */
hcs_result hcsi_json_set(hcsi_json *obj, const char *key, hcsi_json *val);
hcs_result hcsi_json_set_str(hcsi_json *obj, const char *key, const char *s);
hcs_result hcsi_json_set_int(hcsi_json *obj, const char *key, int64_t v);
hcs_result hcsi_json_set_uint(hcsi_json *obj, const char *key, uint64_t v);
hcs_result hcsi_json_set_bool(hcsi_json *obj, const char *key, int v);
/* Takes val, also on failure (then it is freed). */
hcs_result hcsi_json_append(hcsi_json *arr, hcsi_json *val);

/* Kinds, mirroring JSON. */
typedef enum hcsi_json_kind {
    HCSI_JSON_NULL,
    HCSI_JSON_BOOL,
    HCSI_JSON_INT,
    HCSI_JSON_DOUBLE,
    HCSI_JSON_STRING,
    HCSI_JSON_ARRAY,
    HCSI_JSON_OBJECT
} hcsi_json_kind;

hcsi_json_kind hcsi_json_kind_of(const hcsi_json *v); /* NULL -> NULL */
const char *hcsi_json_kind_name(hcsi_json_kind k);

/* Member lookup; NULL when absent (a JSON null member also gives NULL). */
hcsi_json *hcsi_json_get(const hcsi_json *obj, const char *key);
size_t hcsi_json_array_len(const hcsi_json *arr);
hcsi_json *hcsi_json_array_at(const hcsi_json *arr, size_t i);
size_t hcsi_json_object_len(const hcsi_json *obj);

/* Typed getters for decoding untrusted documents. Each returns
 *   0 when the member is absent or null (out untouched),
 *   1 when present with the right type (out set),
 *  -1 when present with the wrong type/range: a thread error
 *     HCS_ERR_INVALID_JSON names `ctx`.key and the expected type.
 * Strings: *out points into obj (valid while obj lives); *len optional. */
int hcsi_json_get_str(const hcsi_json *obj, const char *ctx, const char *key,
                      const char **out, size_t *len);
int hcsi_json_get_i64(const hcsi_json *obj, const char *ctx, const char *key,
                      int64_t *out);
int hcsi_json_get_u64(const hcsi_json *obj, const char *ctx, const char *key,
                      uint64_t *out);
/* int32 accepts the full signed range and also unsigned 0x80000000..
 * 0xFFFFFFFF (an HRESULT written unsigned), wrapped to int32. */
int hcsi_json_get_i32(const hcsi_json *obj, const char *ctx, const char *key,
                      int32_t *out);
int hcsi_json_get_u32(const hcsi_json *obj, const char *ctx, const char *key,
                      uint32_t *out);
int hcsi_json_get_bool(const hcsi_json *obj, const char *ctx,
                       const char *key, int *out);
int hcsi_json_get_obj(const hcsi_json *obj, const char *ctx, const char *key,
                      hcsi_json **out);
int hcsi_json_get_arr(const hcsi_json *obj, const char *ctx, const char *key,
                      hcsi_json **out);

/* Value accessors (no type checks beyond the kind; use after kind_of). */
const char *hcsi_json_str(const hcsi_json *v, size_t *len);
int64_t hcsi_json_i64(const hcsi_json *v);
int hcsi_json_boolval(const hcsi_json *v);

/* Iteration over an object's members in insertion order. */
typedef struct hcsi_json_iter {
    void *entry;
} hcsi_json_iter;
void hcsi_json_iter_init(const hcsi_json *obj, hcsi_json_iter *it);
/* Returns 1 and sets key/val while members remain. */
int hcsi_json_iter_next(hcsi_json_iter *it, const char **key,
                        hcsi_json **val);

#endif /* HCS_JSON_H */
