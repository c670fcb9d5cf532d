/*
 * libhcs — the error model.
 *
 * Every fallible libhcs function returns an hcs_result: an HRESULT-compatible
 * 32-bit code (negative = failure). When a call fails it also records a rich
 * error for the calling thread: the code, a UTF-8 message that names what was
 * wrong, and optional detail (the JSON error records HCS or the GCS returned).
 *
 * Ownership:
 *   - hcs_error_last() returns a library-owned pointer, valid until the next
 *     libhcs call on the same thread; do not free it.
 *   - hcs_error_take() moves the thread's error to the caller, who frees it
 *     with hcs_error_free().
 *   - Every string returned by the hresult lookup functions is static
 *     (library owns, valid forever).
 */
#ifndef HCS_ERROR_H
#define HCS_ERROR_H

#include "hcs/common.h"
#include "hcs/hresults.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A failure: code + message + optional detail. */
typedef struct hcs_error {
    hcs_result code;  /* HRESULT-compatible code */
    char *message;    /* UTF-8, never NULL */
    char *detail;     /* JSON text (error records) or NULL */
} hcs_error;

/* The group a known code belongs to. */
typedef enum hcs_hresult_group {
    HCS_GROUP_HCS = 1,       /* HCS_E_* 0x8037xxxx */
    HCS_GROUP_VMCOMPUTE = 2, /* ERROR_VMCOMPUTE_* 0xC037xxxx */
    HCS_GROUP_HCN = 3,       /* HCN_E_* 0x803Bxxxx */
    HCS_GROUP_GCN = 4,       /* GCN_E_* 0x803B0021-0x803B0029 */
    HCS_GROUP_COM = 5,       /* E_* / S_* */
    HCS_GROUP_WIN32 = 6      /* HRESULT_FROM_WIN32(ERROR_*) */
} hcs_hresult_group;

/* One entry of the table of known codes. All strings static. */
typedef struct hcs_hresult_info {
    hcs_result code;
    const char *name;        /* SDK spelling, e.g. "HCS_E_INVALID_JSON" */
    const char *macro;       /* our spelling, e.g. "HCS_ERR_INVALID_JSON" */
    hcs_hresult_group group;
    const char *description;
} hcs_hresult_info;

/* Thread's last error, or NULL when the last failing call recorded none. */
HCS_API const hcs_error *hcs_error_last(void);

/* Moves the thread's last error to the caller (NULL if none). Caller owns;
 * free with hcs_error_free(). */
HCS_API hcs_error *hcs_error_take(void);

/* Forgets the thread's last error. */
HCS_API void hcs_error_clear(void);

/* Frees an error obtained from hcs_error_take() or hcs_error_new(). */
HCS_API void hcs_error_free(hcs_error *err);

/* Creates an error object (message and detail are copied; detail may be
 * NULL; a NULL message becomes hcs_strerror(code)). Caller owns; NULL on
 * out-of-memory. */
HCS_API hcs_error *hcs_error_new(hcs_result code, const char *message,
                                 const char *detail);

/* Records an error for the calling thread, as libhcs functions do, and
 * returns code. Useful for callers layering on libhcs. */
HCS_API hcs_result hcs_error_set(hcs_result code, const char *message,
                                 const char *detail);

/* Looks up a known code. 0xC037xxxx forms find their ERROR_VMCOMPUTE_*
 * entry; hcs_hresult_equivalent() maps between the two forms. Returns 1 and
 * fills *out when known, 0 otherwise. out may be NULL. */
HCS_API int hcs_hresult_lookup(hcs_result code, hcs_hresult_info *out);

/* Finds a code by name: the SDK spelling ("HCS_E_ACCESS_DENIED",
 * "E_INVALIDARG", "ERROR_NOT_FOUND") or ours ("HCS_ERR_ACCESS_DENIED"),
 * case-insensitive. Returns 1 and sets *out when known, 0 otherwise. */
HCS_API int hcs_hresult_from_name(const char *name, hcs_result *out);

/* Parses an HRESULT written as 0x-hex ("0x8037010E"), unsigned decimal
 * ("2151088398"), negative decimal as Go prints a sign-extended HRESULT
 * ("-2143878898") or a name accepted by hcs_hresult_from_name(). Anything
 * else (empty, trailing characters, out of the 32-bit range, unknown name)
 * fails with HCS_ERR_INVALIDARG and a message naming the problem. */
HCS_API hcs_result hcs_hresult_parse(const char *text, hcs_result *out);

/* SDK name of a known code, or NULL. */
HCS_API const char *hcs_hresult_name(hcs_result code);

/* The best description we have for any code; never NULL. Unknown codes get
 * a generic text by facility ("Unknown Win32 error", ...). */
HCS_API const char *hcs_strerror(hcs_result code);

/* The other form of an HCS code: 0x8037xxxx <-> 0xC037xxxx when both are
 * known, else code itself. */
HCS_API hcs_result hcs_hresult_equivalent(hcs_result code);

/* HRESULT bit fields. */
HCS_API unsigned hcs_hresult_facility(hcs_result code);
HCS_API int hcs_hresult_is_failure(hcs_result code);
/* Name of a facility ("WIN32", "VIRTUALIZATION", "HCN"...) or NULL. */
HCS_API const char *hcs_facility_name(unsigned facility);

/* HRESULT_FROM_WIN32 and its inverse (returns 0 when code is not a
 * FACILITY_WIN32 HRESULT). */
HCS_API hcs_result hcs_hresult_from_win32(uint32_t win32_error);
HCS_API uint32_t hcs_hresult_to_win32(hcs_result code);

/* The table of known codes, for enumeration: hcs_hresult_at(i) for
 * i < hcs_hresult_count(); entries are static. */
HCS_API size_t hcs_hresult_count(void);
HCS_API const hcs_hresult_info *hcs_hresult_at(size_t index);

#ifdef __cplusplus
}
#endif

#endif /* HCS_ERROR_H */
