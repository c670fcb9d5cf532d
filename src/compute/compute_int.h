/*
 * The Windows backend's internals shared by the Windows implementation
 * (compute/win/), the stub for other systems (compute/stub.c), the other
 * backends (network/, storage/, hdv/) and the tests. The code
 * behind this header (compute/objects.c) is portable: it is built and unit-tested
 * on every OS. Not installed.
 */
#ifndef HCS_CORE_H
#define HCS_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "base/internal.h"
#include "base/platform.h"
#include "compute/funcs.h"
#include "hcs/compute.h"

/* The function names, in compute/funcs.h order. */
extern const char *const hcsi_cc_names[HCSI_CC_COUNT];
/* Index of a function name, or -1. */
int hcsi_cc_index(const char *name);

/* An hcs_os_handle as the pointer a Windows API takes: NULL for
 * HCS_OS_HANDLE_NONE (and for 0). */
#define HCSI_OS_HANDLE_PTR(h) ((h) == HCS_OS_HANDLE_NONE ? (void *)0 : (void *)(h))

/* A module's function names from its X-macro list X(ret, name, params),
 * in list order, and the two accessors its public header declares. */
#define HCSI_NAME_OF(ret, name, params) #name,
#define HCSI_FUNCTION_TABLE(names, COUNT, FUNCS, count_fn, name_fn)                \
    const char *const names[COUNT] = {FUNCS(HCSI_NAME_OF)};                        \
    size_t count_fn(void) { return COUNT; }                                        \
    const char *name_fn(size_t index) { return index < COUNT ? names[index] : NULL; }

/* The message every call gives on systems other than Windows. */
#define HCSI_NOT_WINDOWS_TEXT \
    "the Host Compute Service is only available on Windows"
/* Records HCS_ERR_WIN32_NOT_SUPPORTED "<fn>: <text>" and returns it. */
hcs_result hcsi_core_not_windows(const char *fn);

/* The stub.c files (other systems): NAME PARAMS clears its outputs
 * (HCSI_STUB_CLEAR(p): *p = NULL / 0 when p is not NULL), then fails with
 * the message above. Parameters it does not use are fine: the build has
 * -Wno-unused-parameter. */
#define HCSI_STUB_NO_OUTPUT (void)0;
#define HCSI_STUB_CLEAR(p)                                                         \
    if (p)                                                                         \
        *(p) = 0;
#define HCSI_STUB(name, params, clears)                                            \
    hcs_result name params                                                         \
    {                                                                              \
        clears return hcsi_core_not_windows(#name);                                \
    }
/* 0 when name is in names[0..n), else -1 (function_present on other systems). */
int hcsi_stub_function_present(const char *const *names, size_t n, const char *name);

/* ---- reference-counted objects and the key table ----
 *
 * Every object HCS can call back about (operation, system, process) and
 * every event queue starts with an hcsi_obj. The object's key is what HCS
 * holds as callback context: a callback looks the key up (taking a
 * reference) instead of dereferencing a pointer, so callbacks that arrive
 * after the object was closed find nothing and do nothing. One global lock
 * guards the table and all reference counts. */
typedef struct hcsi_obj hcsi_obj;
typedef void (*hcsi_obj_destroy_fn)(hcsi_obj *o);

enum {
    HCSI_KIND_ANY = 0,
    HCSI_KIND_OP = 1,
    HCSI_KIND_SYSTEM = 2,
    HCSI_KIND_PROCESS = 3,
    HCSI_KIND_EVENTS = 4,
    HCSI_KIND_HCN = 5,        /* an open HCN object (network/win/network.c) */
    HCSI_KIND_NET_SUB = 6,    /* an HCN notification subscription */
    HCSI_KIND_HDV_HOST = 7,   /* an HDV device host (hdv/win/hdv.c) */
    HCSI_KIND_HDV_DEVICE = 8  /* an HDV device instance */
};

struct hcsi_obj {
    int refs;
    int kind;
    int registered;
    uint64_t key;
    hcsi_obj_destroy_fn destroy;
};

/* refs = 1, a fresh key (never 0, never reused) entered in the table. */
hcs_result hcsi_obj_init(hcsi_obj *o, int kind, hcsi_obj_destroy_fn destroy);
/* The same for an object with a lock of its own: m is initialised first and
 * destroyed again when the init fails (the caller then frees the object). */
hcs_result hcsi_obj_init_locked(hcsi_obj *o, hcsi_mutex *m, int kind,
                                hcsi_obj_destroy_fn destroy);
/* +1 reference on the object registered under key (of kind, or any kind
 * with HCSI_KIND_ANY), or NULL. */
hcsi_obj *hcsi_obj_lookup(uint64_t key, int kind);
/* The first registered object of kind for which match() returns nonzero,
 * with +1 reference, or NULL. match runs under the table lock: it must
 * only read immutable fields. */
hcsi_obj *hcsi_obj_find(int kind, int (*match)(const hcsi_obj *o, void *arg),
                        void *arg);
/* Removes the key from the table (later lookups fail). Idempotent. */
void hcsi_obj_unregister(hcsi_obj *o);
void hcsi_obj_ref(hcsi_obj *o);
/* -1 reference; the last one runs destroy (outside the lock). */
void hcsi_obj_unref(hcsi_obj *o);
/* The trampolines bracket each HCS callback with enter / leave: a last
 * reference dropped inside destroys the object on a thread of its own,
 * never on HCS's callback thread (HcsClose* would wait for itself). */
void hcsi_obj_callback_enter(void);
void hcsi_obj_callback_leave(void);
/* Waits (at most timeout_ms) until the destroys handed off that way have
 * run; 1 when none is left (tests, before counting open handles). */
int hcsi_obj_drain_deferred(int64_t timeout_ms);
/* Registered objects (tests: no leaks). */
size_t hcsi_obj_live_count(void);

/* ---- event queues (the implementation behind hcs_compute_events_*) ---- */

#define HCSI_EVENTS_MAX_QUEUED 4096

struct hcs_events {
    hcsi_obj base;
    hcsi_mutex m;
    hcsi_cond c;
    struct hcsi_event_node *head, *tail;
    size_t n;
    uint64_t dropped;
    int closed;
};

hcs_result hcsi_events_new(hcs_events **out);
/* Takes ownership of e. Drops it (counted) when the queue is closed or
 * holds HCSI_EVENTS_MAX_QUEUED events, except exits, crashes and service
 * disconnects. */
void hcsi_events_push(hcs_events *q, hcs_event *e);
hcs_result hcsi_events_wait(hcs_events *q, int64_t timeout_ms,
                            hcs_event **out);
size_t hcsi_events_pending(hcs_events *q);
uint64_t hcsi_events_dropped(hcs_events *q);
/* Marks closed, wakes waiters, drops the caller's reference. */
void hcsi_events_close(hcs_events *q);
/* An event with copies of the strings (NULL allowed); NULL on OOM. */
hcs_event *hcsi_event_new(uint32_t type, const char *data,
                          const char *system_id, uint32_t pid,
                          uint64_t operation_id, uint64_t tag);
/* 1 for the events a queue never drops. */
int hcsi_event_is_critical(uint32_t type);

/* ---- errors from HCS result documents ---- */

/* Records the rich error of a failed call and returns hr:
 *   "<context>: <the document's message | hcs_strerror(hr)> (<NAME> 0x%08X)",
 * detail = doc verbatim (when non-empty). kind says what doc is (UTF-8, or
 * NULL); a document that does not parse is only kept as detail:
 *   HCSI_FAIL_HCS: a computecore result document, a ResultError
 *     {"Error","ErrorMessage","ErrorEvents"}: the ErrorMessage, then
 *     "; event: <Message> (<Provider> <EventId>)" per ErrorEvent;
 *   HCSI_FAIL_HCN: an HCN error record: its Error, ErrorMessage or Message,
 *     or the text itself when it is not JSON (HNS's plain text). */
enum { HCSI_FAIL_HCS, HCSI_FAIL_HCN };
hcs_result hcsi_fail_doc(int kind, hcs_result hr, const char *doc, const char *fmt, ...)
    HCSI_PRINTF(4, 5);
#define hcsi_core_fail(hr, doc, ...) hcsi_fail_doc(HCSI_FAIL_HCS, hr, doc, __VA_ARGS__)

/* What hcsshim tolerates, call by call:
 *   is_gone: an open or a modify found the system or process no longer
 *     there (already stopped, system not found in either form, element not
 *     found) -- never access denied;
 *   is_already_stopped: the result of a kill (HcsTerminateProcess): is_gone,
 *     or access denied (the process had ended) or ERROR_VMCOMPUTE_INVALID_STATE;
 *   is_stop_done: the result of a system shutdown / terminate: already
 *     stopped, not found, or ERROR_VMCOMPUTE_OPERATION_PENDING. */
int hcsi_core_is_gone(hcs_result hr);
int hcsi_core_is_already_stopped(hcs_result hr);
int hcsi_core_is_stop_done(hcs_result hr);
/* 1 for HCS_ERR_SYSTEM_NOT_FOUND in either form. */
int hcsi_core_is_not_found(hcs_result hr);
/* 1 when an operation wait ran out of time (HCS_E_OPERATION_TIMEOUT only:
 * ERROR_VMCOMPUTE_TIMEOUT 0xC0370109 is a result the operation completed
 * with); is_exit_timeout also accepts HRESULT_FROM_WIN32(WAIT_TIMEOUT), which
 * HcsWaitForComputeSystemExit / HcsWaitForProcessExit may return. */
int hcsi_core_is_timeout(hcs_result hr);
int hcsi_core_is_exit_timeout(hcs_result hr);

/* ProcessStatus {"ExitCode":n,...}: 1 and *code when present, 0 when
 * absent or not a document, -1 when ExitCode has a wrong type. */
int hcsi_core_parse_exit_code(const char *status_json, uint32_t *code);
/* 1 and *last_wait when the ProcessStatus has a LastWaitResult, else 0. */
int hcsi_core_parse_last_wait_result(const char *status_json, uint32_t *last_wait);
/* The command line of a ProcessParameters document for messages
 * ("CommandLine", or "CommandArgs" joined by spaces); malloc'ed or NULL. */
char *hcsi_core_command_line(const char *params_json);

/* A DWORD timeout: INFINITE for HCS_TIMEOUT_INFINITE, the default for
 * HCS_TIMEOUT_DEFAULT (and other negatives), else clamped below INFINITE. */
uint32_t hcsi_core_timeout_dword(int64_t timeout_ms);

#ifdef _WIN32
/* TEST ONLY: the functions that free strings computecore returned
 * (LocalFree by default; CoTaskMemFree is for computenetwork and is never
 * used by this module). NULL restores the default. */
typedef void (*hcsi_core_free_fn)(void *p);
/* TEST ONLY: hook runs in every event callback after the event reached
 * its queue, before the callback drops its reference (NULL: none). */
void hcsi_cc_set_event_tramp_hook(void (*hook)(void));
void hcsi_core_set_free_hooks(hcsi_core_free_fn local_free,
                              hcsi_core_free_fn cotaskmem_free);
#endif

#endif /* HCS_CORE_H */
