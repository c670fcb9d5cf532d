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
