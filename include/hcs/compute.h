/*
 * libhcs — the Windows Host Compute Service (computecore.dll): compute
 * systems, processes, operations, events, service settings and the file
 * utilities. Design and verification status: docs/windows-backend.md.
 *
 * Every computecore.dll function (the 59 of the SDK header plus
 * HcsCancelLiveMigration) is reachable through this header with UTF-8
 * strings. JSON documents (HCS schema v2) cross it as UTF-8 text.
 *
 * Platforms:
 *   - Windows: computecore.dll is loaded at run time from System32 on the
 *     first call (LoadLibraryExW + GetProcAddress); nothing links its import
 *     library. A function that this Windows build lacks fails with
 *     HCS_ERR_WIN32_PROC_NOT_FOUND and a message naming it ("... is not
 *     available on this Windows build"); a missing DLL fails with
 *     HCS_ERR_WIN32_MOD_NOT_FOUND.
 *   - Elsewhere: every function that returns hcs_result fails with
 *     HCS_ERR_WIN32_NOT_SUPPORTED ("the Host Compute Service is only
 *     available on Windows"); nothing pretends to succeed (enumerations
 *     fail rather than return an empty list). Functions returning a value
 *     return the "nothing" value documented next to them.
 *
 * Ownership:
 *   - hcs_system, hcs_process, hcs_op and hcs_events are opaque handles;
 *     the caller owns each and releases it with the matching *_close.
 *     Closing never terminates what the handle refers to. A close may run
 *     while other threads are inside calls on the same handle: the
 *     underlying HCS handle is released when the last of those calls
 *     returns (HCS never sees a closed handle, and no buffer is freed while
 *     HCS may still use it). A close must be the last call the caller
 *     makes on that handle.
 *   - hcs_stream: streams returned in an hcs_compute_process_info are owned by the
 *     caller (hcs_compute_stream_close or hcs_compute_process_info_clear); streams returned
 *     by hcs_compute_process_stdio() are owned by the process (borrowed; valid until
 *     hcs_compute_process_close_stdio or hcs_compute_process_close).
 *   - Strings returned through char ** are malloc'ed UTF-8; the caller frees
 *     them with hcs_free(). The library frees what HCS returned (LocalFree)
 *     itself; the caller never sees a Windows allocator.
 *   - hcs_event: caller owns; free with hcs_compute_event_free().
 *   - Input strings are borrowed for the duration of the call.
 *
 * Errors: each call returns an HRESULT and records the thread's error
 * (hcs/error.h). Failed operations carry HCS's result document: the message
 * has the operation, the object id, ErrorMessage and every ErrorEvent's
 * message; the error's detail holds the result document (JSON) verbatim.
 *
 * Threads: all functions are thread-safe. Event queues are filled from
 * HCS's threads; callbacks never receive raw pointers from HCS: the context
 * HCS sees is an integer key looked up in a table, so a late callback after
 * a close is dropped harmlessly.
 *
 * Timeouts (int64_t milliseconds): HCS_TIMEOUT_INFINITE, HCS_TIMEOUT_DEFAULT
 * (4 minutes, as hcsshim) or a value >= 0. A timed-out operation is
 * cancelled best-effort (HcsCancelOperation; most builds answer E_NOTIMPL)
 * and released; HCS finishes it and discards the result. The call fails
 * with HCS_ERR_OPERATION_TIMEOUT.
 */
#ifndef HCS_COMPUTE_H
#define HCS_COMPUTE_H

#include "hcs/common.h"
#include "hcs/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hcs_system hcs_system;
typedef struct hcs_process hcs_process;
typedef struct hcs_op hcs_op;
typedef struct hcs_events hcs_events;
typedef struct hcs_stream hcs_stream;

/* OS handles are hcs_os_handle (hcs/common.h). */

/* HCS_TIMEOUT_DEFAULT (hcs/common.h) for compute calls: */
#define HCS_DEFAULT_TIMEOUT_MS 240000

/* ---- loader and features ---- */

/* Loads computecore.dll now (every call does this lazily). Fails with
 * HCS_ERR_WIN32_MOD_NOT_FOUND when the DLL is missing (HCS not installed). */
HCS_API hcs_result hcs_compute_load(void);

/* TEST ONLY: load computecore.dll from dll_path (UTF-8) instead of System32
 * (NULL: back to System32). Takes effect at the next call; must not be
 * called while any hcs_system/hcs_process/hcs_op/hcs_events exists. The
 * environment variable HCS_TEST_COMPUTECORE_PATH does the same for a whole
 * process (read at the first load). Production code never needs either. */
HCS_API hcs_result hcs_compute_set_dll_path(const char *dll_path);

/* What the loaded DLLs export, as JSON (caller frees with hcs_free):
 * {"platform":"windows","dlls":[{"name":"computecore.dll","loaded":true,
 *  "path":"C:\\Windows\\System32\\computecore.dll","error":null,
 *  "available":60,"total":60,"functions":{"HcsCreateOperation":true,...}}]}
 * A missing DLL is reported ("loaded":false with the error) and is not a
 * failure of this call. */
HCS_API hcs_result hcs_compute_features(char **json);

/* The functions the loader knows (59 SDK functions + HcsCancelLiveMigration),
 * by index; names are static. These two work on every platform. */
HCS_API size_t hcs_compute_function_count(void);
HCS_API const char *hcs_compute_function_name(size_t index);
/* 1 when the loaded computecore.dll exports name, 0 when it does not (or
 * could not be loaded, or not on Windows), -1 for a name the loader does
 * not know. */
HCS_API int hcs_compute_function_present(const char *name);

/* ---- streams (a process's stdio pipes) ---- */

/* One read: *got = 0 means end of stream (the writer closed). */
HCS_API hcs_result hcs_compute_stream_read(hcs_stream *s, void *buf, size_t n,
                                   size_t *got);
/* Writes all n bytes. HCS_ERR_WIN32_BROKEN_PIPE when the reader is gone. */
HCS_API hcs_result hcs_compute_stream_write(hcs_stream *s, const void *buf, size_t n);
/* The underlying OS handle (library-owned), for callers that multiplex;
 * HCS_OS_HANDLE_NONE when there is none. */
HCS_API hcs_os_handle hcs_compute_stream_os_handle(const hcs_stream *s);
/* Closes a caller-owned stream (not one borrowed from hcs_compute_process_stdio). */
HCS_API void hcs_compute_stream_close(hcs_stream *s);

/* The result of a process operation. */
typedef struct hcs_compute_process_info {
    uint32_t process_id;
    hcs_stream *std_in;  /* caller owns; NULL when no pipe was requested */
    hcs_stream *std_out;
    hcs_stream *std_err;
} hcs_compute_process_info;

/* Closes the streams of info and zeroes it. */
HCS_API void hcs_compute_process_info_clear(hcs_compute_process_info *info);

/* ---- events ---- */

/* Event types (HCS_EVENT_TYPE values). */
#define HCS_EVENT_INVALID 0x00000000u
#define HCS_EVENT_SYSTEM_EXITED 0x00000001u
#define HCS_EVENT_SYSTEM_CRASH_INITIATED 0x00000002u
#define HCS_EVENT_SYSTEM_CRASH_REPORT 0x00000003u
#define HCS_EVENT_SYSTEM_RDP_ENHANCED_MODE_STATE_CHANGED 0x00000004u
#define HCS_EVENT_SYSTEM_SILO_JOB_CREATED 0x00000005u
#define HCS_EVENT_SYSTEM_GUEST_CONNECTION_CLOSED 0x00000006u
#define HCS_EVENT_PROCESS_EXITED 0x00010000u
#define HCS_EVENT_OPERATION_CALLBACK 0x01000000u
#define HCS_EVENT_SERVICE_DISCONNECT 0x02000000u
#define HCS_EVENT_GROUP_VM_LIFECYCLE 0x80000002u
#define HCS_EVENT_GROUP_LIVE_MIGRATION 0x80000003u
#define HCS_EVENT_GROUP_OPERATION_INFO 0xC0000001u

/* Subscription options (HCS_EVENT_OPTIONS flags). */
#define HCS_EVENT_OPTION_NONE 0x0u
#define HCS_EVENT_OPTION_ENABLE_OPERATION_CALLBACKS 0x1u
#define HCS_EVENT_OPTION_ENABLE_VM_LIFECYCLE 0x2u
#define HCS_EVENT_OPTION_ENABLE_LIVE_MIGRATION_EVENTS 0x4u

/* Operation notification options (HCS_OPERATION_OPTIONS flags). */
#define HCS_OP_OPTION_NONE 0x0u
#define HCS_OP_OPTION_PROGRESS_UPDATE 0x1u

typedef struct hcs_event {
    uint32_t type;          /* HCS_EVENT_* */
    char *data;             /* EventData (UTF-8 JSON) or NULL */
    char *system_id;        /* the subscribed system's id, NULL for an
                               operation subscription */
    uint32_t process_id;    /* process subscriptions: the pid; else 0 */
    uint64_t operation_id;  /* events about an operation: its id; else 0 */
    uint64_t tag;           /* the tag given when subscribing */
} hcs_event;

/* Static name of an event type ("SystemExited", "ProcessExited", ...;
 * "Unknown" for others). Works on every platform. */
HCS_API const char *hcs_compute_event_type_name(uint32_t type);
HCS_API void hcs_compute_event_free(hcs_event *e);

/* A thread-safe queue of events. Exit, crash and disconnect events are
 * never dropped; others are dropped (and counted) beyond 4096 queued. */
HCS_API hcs_result hcs_compute_events_create(hcs_events **out);
/* Waits for the next event. HCS_ERR_OPERATION_TIMEOUT when none arrived in
 * time; HCS_ERR_HANDLE once the queue was closed and is empty. *out:
 * caller frees with hcs_compute_event_free. */
HCS_API hcs_result hcs_compute_events_wait(hcs_events *q, int64_t timeout_ms,
                                   hcs_event **out);
/* Queued events (0 when not on Windows). */
HCS_API size_t hcs_compute_events_pending(hcs_events *q);
/* Events dropped because the queue was full. */
HCS_API uint64_t hcs_compute_events_dropped(hcs_events *q);
/* Wakes waiters (they get HCS_ERR_HANDLE) and releases the queue; it stays
 * in memory while subscriptions still refer to it. */
HCS_API void hcs_compute_events_close(hcs_events *q);

/* ---- operations (HCS_OPERATION) ---- */

/* Operation types (HCS_OPERATION_TYPE values). */
typedef enum hcs_compute_op_type {
    HCS_OP_TYPE_NONE = -1,
    HCS_OP_TYPE_ENUMERATE = 0,
    HCS_OP_TYPE_CREATE = 1,
    HCS_OP_TYPE_START = 2,
    HCS_OP_TYPE_SHUTDOWN = 3,
    HCS_OP_TYPE_PAUSE = 4,
    HCS_OP_TYPE_RESUME = 5,
    HCS_OP_TYPE_SAVE = 6,
    HCS_OP_TYPE_TERMINATE = 7,
    HCS_OP_TYPE_MODIFY = 8,
    HCS_OP_TYPE_GET_PROPERTIES = 9,
    HCS_OP_TYPE_CREATE_PROCESS = 10,
    HCS_OP_TYPE_SIGNAL_PROCESS = 11,
    HCS_OP_TYPE_GET_PROCESS_INFO = 12,
    HCS_OP_TYPE_GET_PROCESS_PROPERTIES = 13,
    HCS_OP_TYPE_MODIFY_PROCESS = 14,
    HCS_OP_TYPE_CRASH = 15,
    HCS_OP_TYPE_LIVE_MIGRATION = 19
} hcs_compute_op_type;

/* Static name ("Start", "CreateProcess", ...; "Unknown"). */
HCS_API const char *hcs_compute_op_type_name(int type);

/* Resource types for hcs_compute_op_add_resource (HCS_RESOURCE_TYPE values). */
#define HCS_RESOURCE_NONE 0
#define HCS_RESOURCE_FILE 1
#define HCS_RESOURCE_JOB 2
#define HCS_RESOURCE_COM_OBJECT 3
#define HCS_RESOURCE_SOCKET 4

/* Completion callback: runs on an HCS thread once the operation finished.
 * op is valid during the call (hcs_compute_op_result may be used); do not close it
 * from the callback. */
typedef void (*hcs_compute_op_callback)(hcs_op *op, void *ctx);

/* HcsCreateOperation without a callback: wait with hcs_compute_op_wait. */
HCS_API hcs_result hcs_compute_op_create(hcs_op **out);
/* HcsCreateOperation with a completion callback (cb required). */
HCS_API hcs_result hcs_compute_op_create_with_callback(hcs_compute_op_callback cb, void *ctx,
                                               hcs_op **out);
/* HcsCreateOperationWithNotifications: the operation's notifications
 * (progress, completion) go to q with tag. options: HCS_OP_OPTION_*. */
HCS_API hcs_result hcs_compute_op_create_with_events(hcs_events *q, uint32_t options,
                                             uint64_t tag, hcs_op **out);
/* HcsSetOperationCallback (replaces the callback; cb NULL stops the
 * delivery to the caller). */
HCS_API hcs_result hcs_compute_op_set_callback(hcs_op *op, hcs_compute_op_callback cb,
                                       void *ctx);
/* HcsSetOperationContext / HcsGetOperationContext: the ctx handed to the
 * completion callback (HCS itself only ever holds the integer key). */
HCS_API hcs_result hcs_compute_op_set_context(hcs_op *op, void *ctx);
HCS_API hcs_result hcs_compute_op_get_context(hcs_op *op, void **ctx);
/* HcsGetOperationType (*type: an hcs_compute_op_type value). */
HCS_API hcs_result hcs_compute_op_get_type(hcs_op *op, int *type);
/* HcsGetOperationId: HCS_ERR_OPERATION_NOT_STARTED when not yet used. */
HCS_API hcs_result hcs_compute_op_get_id(hcs_op *op, uint64_t *id);
/* HcsGetComputeSystemFromOperation / HcsGetProcessFromOperation: the open
 * libhcs object the operation was started on (borrowed; valid while that
 * object is open). HCS_ERR_WIN32_NOT_FOUND when none. */
HCS_API hcs_result hcs_compute_op_get_system(hcs_op *op, hcs_system **out);
HCS_API hcs_result hcs_compute_op_get_process(hcs_op *op, hcs_process **out);
/* HcsGetOperationResult (non-blocking). HCS_ERR_OPERATION_PENDING while it
 * runs; on failure the rich error described above. result_json optional
 * (caller frees with hcs_free; NULL when HCS returned none). */
HCS_API hcs_result hcs_compute_op_result(hcs_op *op, char **result_json);
/* HcsGetOperationResultAndProcessInfo: also the process information (pid
 * and the stdio streams, caller-owned). info optional (streams are closed
 * when NULL). */
HCS_API hcs_result hcs_compute_op_result_process(hcs_op *op, hcs_compute_process_info *info,
                                         char **result_json);
/* HcsWaitForOperationResult[AndProcessInfo]: as above, blocking. On
 * timeout: HCS_ERR_OPERATION_TIMEOUT and the operation keeps running (wait
 * again, cancel or close it; only the synchronous helpers cancel). */
HCS_API hcs_result hcs_compute_op_wait(hcs_op *op, int64_t timeout_ms,
                               char **result_json);
HCS_API hcs_result hcs_compute_op_wait_process(hcs_op *op, int64_t timeout_ms,
                                       hcs_compute_process_info *info,
                                       char **result_json);
/* HcsCancelOperation (best effort: most builds return E_NOTIMPL, which is
 * returned as is). */
HCS_API hcs_result hcs_compute_op_cancel(hcs_op *op);
/* HcsGetOperationProperties (newest builds). */
HCS_API hcs_result hcs_compute_op_properties(hcs_op *op, const char *options_json,
                                     char **result_json);
/* HcsAddResourceToOperation, e.g. HCS_RESOURCE_SOCKET with
 * "hcs:/VirtualMachine/LiveMigrationSocket". handle stays the caller's. */
HCS_API hcs_result hcs_compute_op_add_resource(hcs_op *op, int type, const char *uri,
                                       hcs_os_handle handle);
/* HcsCloseOperation (deferred while another thread waits on op). An
 * operation still running is released; HCS finishes it and discards the
 * result. */
HCS_API void hcs_compute_op_close(hcs_op *op);

/* ---- enumeration ---- */

/* HcsEnumerateComputeSystems[InNamespace]: *json is the JSON array of
 * {Id, SystemType, Name, Owner, State, RuntimeId, ...}. query_json and
 * namespace_id optional. */
HCS_API hcs_result hcs_compute_enumerate(const char *query_json, int64_t timeout_ms,
                                         char **json);
HCS_API hcs_result hcs_compute_enumerate_in_namespace(const char *namespace_id,
                                                      const char *query_json,
                                                      int64_t timeout_ms, char **json);
/* Starts the enumeration on a caller's operation (namespace_id NULL: the
 * default namespace). */
HCS_API hcs_result hcs_compute_enumerate_begin(const char *namespace_id,
                                               const char *query_json, hcs_op *op);

/* ---- compute systems (HCS_SYSTEM) ---- */

typedef struct hcs_compute_system_create_options {
    unsigned version; /* HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_VERSION (use HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_INIT) */
    /* non-NULL: HcsCreateComputeSystemInNamespace with HCS_CREATE_OPTIONS_1 */
    const char *namespace_id;
    /* non-NULL: subscribe q before the creation can complete (atomically
     * with the create in a namespace, else right after HcsCreateComputeSystem
     * returned the handle) */
    hcs_events *events;
    uint32_t event_options; /* HCS_EVENT_OPTION_* */
    uint64_t event_tag;
    hcs_os_handle user_token; /* namespace create only; optional */
} hcs_compute_system_create_options;
#define HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_VERSION 1u
#define HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_INIT {.version = HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_VERSION}

HCS_API hcs_result hcs_compute_system_create_options_init(hcs_compute_system_create_options *o, unsigned version);

/* Creates a compute system from an HCS schema v2 ComputeSystem document and
 * waits for the creation. On failure nothing is left open. */
HCS_API hcs_result hcs_compute_system_create(const char *id, const char *config_json,
                                     int64_t timeout_ms, hcs_system **out);
HCS_API hcs_result hcs_compute_system_create_ex(const char *id,
                                        const char *config_json,
                                        const hcs_compute_system_create_options *opts,
                                        int64_t timeout_ms, hcs_system **out);
/* Starts the creation on a caller's operation; *out is usable at once (HCS
 * returns the handle before the creation completes). */
HCS_API hcs_result hcs_compute_system_create_begin(const char *id,
                                           const char *config_json,
                                           const hcs_compute_system_create_options *opts,
                                           hcs_op *op, hcs_system **out);
/* HcsOpenComputeSystem[InNamespace] (GENERIC_ALL). */
HCS_API hcs_result hcs_compute_system_open(const char *id, hcs_system **out);
HCS_API hcs_result hcs_compute_system_open_in_namespace(const char *namespace_id,
                                                const char *id,
                                                hcs_system **out);
/* The id (library-owned, valid until close). */
HCS_API const char *hcs_compute_system_id(const hcs_system *s);
/* HcsCloseComputeSystem (the system keeps running). */
HCS_API void hcs_compute_system_close(hcs_system *s);

/* Verbs (options_json optional). Shutdown and terminate return S_FALSE (1)
 * when the system had already stopped. */
HCS_API hcs_result hcs_compute_system_start(hcs_system *s, const char *options_json,
                                    int64_t timeout_ms);
HCS_API hcs_result hcs_compute_system_shutdown(hcs_system *s, const char *options_json,
                                       int64_t timeout_ms);
HCS_API hcs_result hcs_compute_system_terminate(hcs_system *s,
                                        const char *options_json,
                                        int64_t timeout_ms);
HCS_API hcs_result hcs_compute_system_crash(hcs_system *s, const char *options_json,
                                    int64_t timeout_ms);
HCS_API hcs_result hcs_compute_system_pause(hcs_system *s, const char *options_json,
                                    int64_t timeout_ms);
HCS_API hcs_result hcs_compute_system_resume(hcs_system *s, const char *options_json,
                                     int64_t timeout_ms);
/* options_json: SaveOptions, e.g. {"SaveType":"ToFile","SaveStateFilePath":..} */
HCS_API hcs_result hcs_compute_system_save(hcs_system *s, const char *options_json,
                                   int64_t timeout_ms);
/* HcsGetComputeSystemProperties: *json caller frees with hcs_free. */
HCS_API hcs_result hcs_compute_system_properties(hcs_system *s, const char *query_json,
                                         int64_t timeout_ms, char **json);
/* HcsModifyComputeSystem (ModifySettingRequest). identity optional. */
HCS_API hcs_result hcs_compute_system_modify(hcs_system *s, const char *request_json,
                                     hcs_os_handle identity,
                                     int64_t timeout_ms);
/* HcsWaitForComputeSystemExit: exit_json (optional) gets the
 * SystemExitStatus document. HCS_ERR_OPERATION_TIMEOUT when still running. */
HCS_API hcs_result hcs_compute_system_wait(hcs_system *s, int64_t timeout_ms,
                                   char **exit_json);
/* HcsSetComputeSystemCallback: the system's events go to q with tag.
 * options: HCS_EVENT_OPTION_*. One subscription per handle (HCS's rule). */
HCS_API hcs_result hcs_compute_system_subscribe(hcs_system *s, hcs_events *q,
                                        uint32_t options, uint64_t tag);

/* Live migration (newest builds). The destination side is
 * hcs_compute_system_begin(HCS_SYSTEM_VERB_START) on an operation that carries the
 * socket (hcs_compute_op_add_resource). */
HCS_API hcs_result hcs_compute_system_migration_initialize(hcs_system *s,
                                                   const char *options_json,
                                                   int64_t timeout_ms);
HCS_API hcs_result hcs_compute_system_migration_start(hcs_system *s,
                                              const char *options_json,
                                              int64_t timeout_ms);
HCS_API hcs_result hcs_compute_system_migration_transfer(hcs_system *s,
                                                 const char *options_json,
                                                 int64_t timeout_ms);
HCS_API hcs_result hcs_compute_system_migration_finalize(hcs_system *s,
                                                 const char *options_json,
                                                 int64_t timeout_ms);
/* HcsCancelLiveMigration: not in the SDK header; bound by hcsshim. */
HCS_API hcs_result hcs_compute_system_migration_cancel(hcs_system *s,
                                               const char *options_json,
                                               int64_t timeout_ms);

/* Any system verb on a caller's operation (asynchronous form). */
typedef enum hcs_compute_system_verb {
    HCS_SYSTEM_VERB_START = 0,
    HCS_SYSTEM_VERB_SHUTDOWN = 1,
    HCS_SYSTEM_VERB_TERMINATE = 2,
    HCS_SYSTEM_VERB_CRASH = 3,
    HCS_SYSTEM_VERB_PAUSE = 4,
    HCS_SYSTEM_VERB_RESUME = 5,
    HCS_SYSTEM_VERB_SAVE = 6,
    HCS_SYSTEM_VERB_PROPERTIES = 7,
    HCS_SYSTEM_VERB_MODIFY = 8,
    HCS_SYSTEM_VERB_MIGRATION_INITIALIZE = 9,
    HCS_SYSTEM_VERB_MIGRATION_START = 10,
    HCS_SYSTEM_VERB_MIGRATION_TRANSFER = 11,
    HCS_SYSTEM_VERB_MIGRATION_FINALIZE = 12,
    HCS_SYSTEM_VERB_MIGRATION_CANCEL = 13
} hcs_compute_system_verb;

HCS_API hcs_result hcs_compute_system_begin(hcs_system *s, hcs_compute_system_verb verb,
                                    const char *doc_json, hcs_op *op);

/* ---- processes (HCS_PROCESS) ---- */

#define HCS_STDIN 0
#define HCS_STDOUT 1
#define HCS_STDERR 2

/* HcsCreateProcess with a ProcessParameters document; waits for the
 * creation. Pipes requested there (CreateStdInPipe...) become the process's
 * streams (hcs_compute_process_stdio). On failure nothing is left open and the
 * message names the command line; a creation that timed out is also
 * terminated (fire-and-forget). */
HCS_API hcs_result hcs_compute_process_create(hcs_system *s, const char *params_json,
                                      int64_t timeout_ms, hcs_process **out);
/* Starts the creation on a caller's operation; collect pid and streams
 * with hcs_compute_op_wait_process (the streams are then the caller's). */
HCS_API hcs_result hcs_compute_process_create_begin(hcs_system *s,
                                            const char *params_json,
                                            hcs_op *op, hcs_process **out);
/* HcsOpenProcess (GENERIC_ALL). */
HCS_API hcs_result hcs_compute_process_open(hcs_system *s, uint32_t pid,
                                    hcs_process **out);
/* The pid (0 until known). */
HCS_API uint32_t hcs_compute_process_pid(const hcs_process *p);
/* The process's stream (HCS_STDIN/HCS_STDOUT/HCS_STDERR), borrowed; NULL
 * when none (or not on Windows). */
HCS_API hcs_stream *hcs_compute_process_stdio(hcs_process *p, int which);
/* Closes one of the process's streams. Closing stdin also tells HCS
 * (ModifyProcess CloseHandle StdIn), as hcsshim does, so the process sees
 * EOF even when HCS holds its own copy. */
HCS_API hcs_result hcs_compute_process_close_stdio(hcs_process *p, int which,
                                           int64_t timeout_ms);
/* Relays stdio until stdout and stderr reach EOF: in -> stdin (closed at
 * EOF, on a helper thread), stdout -> out, stderr -> err (OS handles;
 * HCS_OS_HANDLE_NONE skips a stream, an unread output is drained). */
HCS_API hcs_result hcs_compute_process_relay(hcs_process *p, hcs_os_handle in,
                                     hcs_os_handle out, hcs_os_handle err);
/* HcsGetProcessInfo (result through ...AndProcessInfo). */
HCS_API hcs_result hcs_compute_process_get_info(hcs_process *p, int64_t timeout_ms,
                                        hcs_compute_process_info *info,
                                        char **result_json);
/* HcsGetProcessProperties. */
HCS_API hcs_result hcs_compute_process_properties(hcs_process *p,
                                          const char *query_json,
                                          int64_t timeout_ms, char **json);
/* HcsModifyProcess (ProcessModifyRequest). */
HCS_API hcs_result hcs_compute_process_modify(hcs_process *p,
                                      const char *request_json,
                                      int64_t timeout_ms);
/* Console resize through HcsModifyProcess. */
HCS_API hcs_result hcs_compute_process_resize(hcs_process *p, uint16_t height,
                                      uint16_t width, int64_t timeout_ms);
/* HcsSignalProcess (options_json e.g. {"Signal":15} for Linux guests,
 * {"Signal":"CtrlC"} for Windows). */
HCS_API hcs_result hcs_compute_process_signal(hcs_process *p, const char *options_json,
                                      int64_t timeout_ms);
/* HcsTerminateProcess on this handle, result as HCS returns it. */
HCS_API hcs_result hcs_compute_process_terminate(hcs_process *p,
                                         const char *options_json,
                                         int64_t timeout_ms);
/* Kill that works: terminates through a fresh system handle and a fresh
 * process handle (HCS serializes signals per handle, so a busy handle
 * cannot block the kill). S_FALSE (1) when the process had already
 * stopped (HCS_E_PROCESS_ALREADY_STOPPED, access denied after exit, system
 * stopped or gone). */
HCS_API hcs_result hcs_compute_process_kill(hcs_process *p, int64_t timeout_ms);
/* HcsWaitForProcessExit: *exit_code (optional) from the ProcessStatus
 * document (status_json optional). HCS_ERR_OPERATION_TIMEOUT when running.
 * An exit HCS reports without an ExitCode (no document, or one without the
 * member) is not a 0: HCS_S_FALSE with *exit_code HCS_COMPUTE_EXIT_CODE_UNKNOWN
 * (hcsshim's -1). A non-zero LastWaitResult (HCS could not wait for the
 * process) is an error, the Win32 code as an HRESULT, with the same
 * *exit_code. */
#define HCS_COMPUTE_EXIT_CODE_UNKNOWN ((uint32_t)0xFFFFFFFFu)
HCS_API hcs_result hcs_compute_process_wait(hcs_process *p, int64_t timeout_ms,
                                    uint32_t *exit_code, char **status_json);
/* HcsSetProcessCallback: ProcessExited (with the ProcessStatus) and
 * ServiceDisconnect go to q with tag. */
HCS_API hcs_result hcs_compute_process_subscribe(hcs_process *p, hcs_events *q,
                                         uint32_t options, uint64_t tag);
/* HcsCloseProcess and the process's streams (the process keeps running). */
HCS_API void hcs_compute_process_close(hcs_process *p);

typedef enum hcs_compute_process_verb {
    HCS_PROCESS_VERB_TERMINATE = 0,
    HCS_PROCESS_VERB_SIGNAL = 1,
    HCS_PROCESS_VERB_INFO = 2,
    HCS_PROCESS_VERB_PROPERTIES = 3,
    HCS_PROCESS_VERB_MODIFY = 4
} hcs_compute_process_verb;

/* Any process verb on a caller's operation (asynchronous form). */
HCS_API hcs_result hcs_compute_process_begin(hcs_process *p, hcs_compute_process_verb verb,
                                     const char *doc_json, hcs_op *op);

/* ---- the service ---- */

/* HcsGetServiceProperties (query_json optional, e.g.
 * {"PropertyTypes":["Basic"]}). */
HCS_API hcs_result hcs_compute_service_properties(const char *query_json, char **json);
/* HcsModifyServiceSettings; result_json optional. */
HCS_API hcs_result hcs_compute_service_modify(const char *settings_json,
                                      char **result_json);
/* HcsSubmitWerReport. */
HCS_API hcs_result hcs_compute_service_submit_wer_report(const char *settings_json);

/* ---- files and access (synchronous) ---- */

/* HcsCreateEmptyGuestStateFile (.vmgs) / HcsCreateEmptyRuntimeStateFile
 * (.vmrs). */
HCS_API hcs_result hcs_compute_guest_state_file_create(const char *path);
HCS_API hcs_result hcs_compute_runtime_state_file_create(const char *path);
/* HcsGrantVmAccess / HcsRevokeVmAccess: the VM's SID on path. */
HCS_API hcs_result hcs_compute_vm_access_grant(const char *vm_id, const char *path);
HCS_API hcs_result hcs_compute_vm_access_revoke(const char *vm_id, const char *path);
/* HcsGrantVmGroupAccess / HcsRevokeVmGroupAccess ("Virtual Machines"). */
HCS_API hcs_result hcs_compute_vm_group_access_grant(const char *path);
HCS_API hcs_result hcs_compute_vm_group_access_revoke(const char *path);
/* HcsGetProcessorCompatibilityFromSavedState: *json (optional) the
 * processor features document. */
HCS_API hcs_result hcs_compute_processor_compat_from_saved_state(
    const char *runtime_file, char **json);

#ifdef __cplusplus
}
#endif

#endif /* HCS_COMPUTE_H */
