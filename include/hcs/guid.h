/*
 * libhcs — GUIDs as Windows lays them out.
 *
 * A GUID's text form is "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". Its 16-byte
 * binary form (what Windows puts in memory and on the wire, e.g. in
 * SOCKADDR_HV) stores the first three groups little-endian and the last
 * eight bytes as written: the "mixed-endian" layout.
 * All functions here work on caller-owned memory; nothing is allocated.
 */
#ifndef HCS_GUID_H
#define HCS_GUID_H

#include "hcs/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hcs_guid {
    uint32_t data1;
    uint16_t data2;
    uint16_t data3;
    uint8_t data4[8];
} hcs_guid;

/* Text length without the terminating NUL. */
#define HCS_GUID_STRING_LEN 36

/* Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", optionally wrapped in {}.
 * Hex digits in either case. Anything else fails with HCS_ERR_INVALIDARG and
 * a message naming the offending character position. */
HCS_API hcs_result hcs_guid_parse(const char *text, hcs_guid *out);

/* Writes the lowercase text form and a NUL into buf (at least 37 bytes). */
HCS_API hcs_result hcs_guid_format(const hcs_guid *guid, char *buf,
                                   size_t size);

/* A random (version 4) GUID from the OS's cryptographic generator. */
HCS_API hcs_result hcs_guid_generate(hcs_guid *out);

/* The 16-byte Windows memory layout and back. */
HCS_API void hcs_guid_to_bytes(const hcs_guid *guid, uint8_t out[16]);
HCS_API void hcs_guid_from_bytes(const uint8_t in[16], hcs_guid *out);

/* 1 when equal, 0 otherwise. */
HCS_API int hcs_guid_equal(const hcs_guid *a, const hcs_guid *b);

/* 1 for the all-zero GUID. */
HCS_API int hcs_guid_is_nil(const hcs_guid *guid);

#ifdef __cplusplus
}
#endif

#endif /* HCS_GUID_H */
