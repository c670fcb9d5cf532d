/*
 * The schema engine's shared walkers, for engine.c (tables, paths, scalar
 * checks, introspection), codec.c (init / free / encode / decode) and
 * validate.c. Private to src/schema.
 */
#ifndef HCS_SCHEMA_ENGINE_H
#define HCS_SCHEMA_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "schema/schema_internal.h"

/* Array and map members: every generated anonymous struct has this layout
 * (typed pointers instead of void *; checked in gen/tables.c). */
typedef struct hcsi_arr {
    void *items;
    size_t n;
    uint8_t set;
} hcsi_arr;
typedef struct hcsi_map {
    char **keys;
    void *values;
    size_t n;
    uint8_t set;
} hcsi_map;

HCSI_STATIC_ASSERT(sizeof(((hcs_s2_Storage *)0)->Layers) == sizeof(hcsi_arr), arr_size);
HCSI_STATIC_ASSERT(offsetof(hcsi_arr, n) == sizeof(void *), arr_n);
HCSI_STATIC_ASSERT(sizeof(((hcs_s2_Devices *)0)->Scsi) == sizeof(hcsi_map), map_size);
HCSI_STATIC_ASSERT(offsetof(hcsi_map, n) == 2 * sizeof(void *), map_n);

#define MAX_FRAMES 160
#define MAX_NEST 64


typedef struct frame {
    uint8_t t; /* 0 field, 1 index, 2 key */
    const char *s;
    size_t i;
} frame;

typedef struct hcsi_se_path {
    frame f[MAX_FRAMES];
    int n;
    int overflow; /* pushes beyond MAX_FRAMES (not recorded) */
} hcsi_se_path;

/* The descriptor of a valid type id. */
const hcsi_stype *hcsi_se_type(int32_t id);
int hcsi_se_valid_id(hcs_schema_type_id type);

/* The path of the value being walked, for messages ("a.b[3].c"). */
void hcsi_se_path_push(hcsi_se_path *p, uint8_t t, const char *s, size_t i);
void hcsi_se_path_pop(hcsi_se_path *p);
int hcsi_se_path_depth(const hcsi_se_path *p);
/* malloc'ed; NULL on OOM. */
char *hcsi_se_path_text(const hcsi_se_path *p);

/* Names for messages. */
const char *hcsi_se_kind_name(uint8_t k);
const char *hcsi_se_fmt_name(uint8_t f);
const char *hcsi_se_jkind(const hcsi_json *v);
/* The size of one array/map element of kind ek (ref: its type). */
size_t hcsi_se_elem_size(uint8_t ek, int32_t ref);

/* JSON numbers: 1 when v is an integer (*neg, magnitude *mag), or a number
 * (*out); int_range_error names why an integer does not fit kind k, or
 * NULL when it fits. */
int hcsi_se_read_int(const hcsi_json *v, int *neg, uint64_t *mag);
int hcsi_se_read_double(const hcsi_json *v, double *out);
const char *hcsi_se_int_range_error(uint8_t k, int neg, uint64_t mag);

/* Fields and enum values by JSON name. */
const hcsi_sfield *hcsi_se_find_field(const hcsi_stype *t, const char *key);
int hcsi_se_enum_index(const hcsi_stype *t, const char *s);


/* String formats: 1 when s[0..n) is a well-formed value. */
int hcsi_se_mac_ok(const char *s, size_t n);
int hcsi_se_datetime_ok(const char *s, size_t n);
int hcsi_se_base64_ok(const char *s, size_t n);

#endif /* HCS_SCHEMA_ENGINE_H */
