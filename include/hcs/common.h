/*
 * libhcs — common definitions shared by every public header.
 *
 * Ownership convention used by every libhcs header:
 *   - "caller owns" means the caller frees the value with the free function
 *     named next to it (never with free() unless that is the function named);
 *   - "library owns" means the pointer stays valid for the stated lifetime
 *     and must not be freed by the caller;
 *   - input pointers are only borrowed for the duration of the call unless
 *     the function says otherwise.
 */
#ifndef HCS_COMMON_H
#define HCS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* HCS_API marks every exported function. Build the library with
 * HCS_BUILDING; link the static library with HCS_STATIC defined. */
#if defined(_WIN32)
#  if defined(HCS_STATIC)
#    define HCS_API
#  elif defined(HCS_BUILDING)
#    define HCS_API __declspec(dllexport)
#  else
#    define HCS_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define HCS_API __attribute__((visibility("default")))
#else
#  define HCS_API
#endif

#define HCS_VERSION_MAJOR 0
#define HCS_VERSION_MINOR 1
#define HCS_VERSION_PATCH 0
#define HCS_VERSION_STRING "0.1.0"

/* An HRESULT-compatible status code: 0 (HCS_S_OK) or a positive S_FALSE-like
 * value means success, a negative value (severity bit set) means failure. */
typedef int32_t hcs_result;

#define HCS_S_OK ((hcs_result)0)
/* S_FALSE: success that did nothing, e.g. a signal not delivered because
 * the process had already exited. Same value as HCS_ERR_S_FALSE. */
#define HCS_S_FALSE ((hcs_result)1)
#define HCS_SUCCEEDED(hr) ((hcs_result)(hr) >= 0)
#define HCS_FAILED(hr) ((hcs_result)(hr) < 0)

/* An operating-system handle, for every module: a Windows HANDLE or a POSIX
 * file descriptor, carried as a pointer-sized integer. HCS_OS_HANDLE_NONE
 * means "none" everywhere (-1: never a valid descriptor, and never a
 * handle HCS is given); on Windows a NULL handle (0) passed in is read as
 * none too. Handles passed in stay the caller's unless a call says so. */
typedef intptr_t hcs_os_handle;
#define HCS_OS_HANDLE_NONE ((hcs_os_handle)-1)

/* An IP address with its prefix length, and a route: the shapes the schema
 * builders (hcs/schema_build.h) and the GCS helpers (hcs/gcs.h) share.
 * Strings are borrowed for the call. */
typedef struct hcs_ip_config {
    const char *address;       /* e.g. 10.0.0.2 */
    uint8_t prefix_length;     /* 0 = omitted */
} hcs_ip_config;

typedef struct hcs_ip_route {
    const char *next_hop;
    const char *destination_prefix; /* e.g. 0.0.0.0/0 */
    uint16_t metric;           /* 0 = omitted */
} hcs_ip_route;

/* Option structs are versioned, as libgit2's: each starts with `unsigned
 * version`, which its <NAME>_INIT macro (or <name>_init(&opts, <NAME>_VERSION)
 * where there is one) sets together with the defaults. A call given an
 * options struct whose version this library does not know fails with
 * HCS_ERR_INVALIDARG naming the struct instead of reading a layout it was
 * not built with; a struct left at 0 is refused the same way. */

/* Timeouts in milliseconds, for every module: a value >= 0 bounds the
 * call; HCS_TIMEOUT_INFINITE (any negative value other than
 * HCS_TIMEOUT_DEFAULT) means no bound; HCS_TIMEOUT_DEFAULT means the
 * module's configured default (each call's documentation says which). */
#define HCS_TIMEOUT_INFINITE ((int64_t)-1)
#define HCS_TIMEOUT_DEFAULT ((int64_t)-2)

/* Runtime version of the library ("0.1.0"); library owns the string. */
HCS_API const char *hcs_version(void);

/* Frees memory the library handed to the caller as a plain buffer
 * (strings documented as "free with hcs_free"). NULL is allowed. */
HCS_API void hcs_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* HCS_COMMON_H */
