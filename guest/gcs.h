/*
 * hcs-gcs: the guest side of the GCS bridge protocol for a Linux utility VM.
 * Internal header shared by the agent's modules (guest/), its tests and its
 * fuzz target. Linux only. Symbols use the hcsg_ prefix.
 *
 * Rooms (docs/hcs-gcs.md has the map):
 *   common/   logging, the one guest error type (hcsg_err), addresses and
 *             dialling, command lines, $PATH, users
 *   bridge/   connection, frame reader/writer, dispatch table, request
 *             decoding (Go encoding/json semantics over the generated guest
 *             types), responses, PID 1 set-up
 *   handlers/ one file per RPC group
 *   proc/     process table, spawner, stdio relays, reaping, waits
 *   runtime/  containers: layers (overlay), OCI bundles, the OCI runtime
 *             CLI driver (runc), the container table and its lifecycle
 *   storage/  hot-added devices (SCSI disks, VPMem, Plan9, vPCI) and the
 *             mounts made of them, through a rooted device model
 *   net/      the Network resource: adapters in named network namespaces
 *             (rtnetlink over libmnl), resolv.conf
 *   main.c    the command line
 */
#ifndef HCS_GUEST_GCS_H
#define HCS_GUEST_GCS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hcs/gcs_protocol.h"
#include "hcs/schema.h"
#include "hcs/schema_types.h"
#include "base/internal.h"
#include "base/json.h"
#include "base/platform.h"

#define HCSG_VERSION "0.1.0"
#define HCSG_MODULE_NAME "gcs" /* ErrorRecords[].ModuleName, as the Go GCS */

/* ---- limits (every byte from the host is untrusted) ---- */

/* Largest request frame accepted by default (the Go GCS has no limit; a
 * Create with a large OCI spec can exceed hcsshim's 64 KiB receive limit). */
#define HCSG_DEFAULT_MAX_FRAME (1024u * 1024u)
#define HCSG_MIN_MAX_FRAME 4096u
#define HCSG_MAX_FRAME_LIMIT (64u * 1024u * 1024u)
/* Our responses stay below hcsshim's 64 KiB receive limit. */
#define HCSG_MAX_ERROR_MESSAGE 4096u
#define HCSG_MAX_BODY_EXCERPT 512u
#define HCSG_MAX_STACKS_TEXT (48u * 1024u)
/* Processes tracked at once (running or exited and not yet waited). */
#define HCSG_MAX_PROCESSES 1024u
/* Outstanding WaitForProcess requests. */
#define HCSG_MAX_WAITERS 4096u
/* ExecuteProcess requests handled concurrently (the reader waits for a
 * slot beyond that: back-pressure, not failure). */
#define HCSG_MAX_EXEC_WORKERS 64u
/* A dial's bound when nobody gives one (hcsg_dial), and the default of
 * --stdio-timeout (a stdio relay the host does not accept). */
#define HCSG_DIAL_TIMEOUT_MS 30000u
/* After the host's EOF, how long a send may wait for the host to read. */
#define HCSG_SEND_AFTER_EOF_MS 2000u
/* argv / environment bounds of one process. */
#define HCSG_MAX_ARGS 4096u
/* Container ids (the OCI runtime's and hcsshim's: GUIDs or 64 hex digits). */
#define HCSG_MAX_ID 128u
#define HCSG_MAX_ENV 4096u

/* ---- HRESULTs of the Go GCS (internal/bridgeutils/gcserr) ---- */

#define HCSG_HR_OK 0
#define HCSG_HR_NOT_IMPL HCS_GCS_HR_NOT_IMPL
#define HCSG_HR_FAIL HCS_GCS_HR_FAIL
#define HCSG_HR_NOT_FOUND HCS_GCS_HR_NOT_FOUND
#define HCSG_HR_INVALID_ARG HCS_GCS_HR_INVALID_ARG
#define HCSG_HR_TIMEOUT HCS_GCS_HR_TIMEOUT
#define HCSG_HR_UNSUPPORTED_PROTOCOL HCS_GCS_HR_UNSUPPORTED_PROTOCOL_VERSION
#define HCSG_HR_INVALID_JSON HCS_GCS_HR_INVALID_JSON
#define HCSG_HR_SYSTEM_NOT_FOUND HCS_GCS_HR_SYSTEM_NOT_FOUND
#define HCSG_HR_INVALID_STATE HCS_GCS_HR_INVALID_STATE
#define HCSG_HR_ALREADY_EXISTS HCS_GCS_HR_SYSTEM_ALREADY_EXISTS
#define HCSG_HR_ALREADY_STOPPED HCS_GCS_HR_SYSTEM_ALREADY_STOPPED

/* ---- logging (log.c) ---- */

typedef enum hcsg_log_level {
    HCSG_LOG_ERROR = 0,
    HCSG_LOG_WARN = 1,
    HCSG_LOG_INFO = 2,
    HCSG_LOG_DEBUG = 3,
    HCSG_LOG_TRACE = 4
} hcsg_log_level;

/* Parses "error", "warn"/"warning", "info", "debug", "trace"; -1 if bad. */
int hcsg_log_level_parse(const char *s);
void hcsg_log_set_level(int level);
int hcsg_log_enabled(int level);
/* Opens path for appending (NULL: stderr). Returns 0 or -1 (errno). */
int hcsg_log_open(const char *path);
void hcsg_log_close(void);
void hcsg_log(int level, const char *fmt, ...) HCSI_PRINTF(2, 3);

#define HCSG_ERROR(...) hcsg_log(HCSG_LOG_ERROR, __VA_ARGS__)
#define HCSG_WARN(...) hcsg_log(HCSG_LOG_WARN, __VA_ARGS__)
#define HCSG_INFO(...) hcsg_log(HCSG_LOG_INFO, __VA_ARGS__)
#define HCSG_DEBUG(...) hcsg_log(HCSG_LOG_DEBUG, __VA_ARGS__)
#define HCSG_TRACE(...) hcsg_log(HCSG_LOG_TRACE, __VA_ARGS__)

/* ---- errors carried to a response (err.c) ---- */

typedef struct hcsg_err {
    int32_t hr;                        /* HRESULT; 0 = no error */
    char msg[HCSG_MAX_ERROR_MESSAGE];  /* Go's err.Error() text */
} hcsg_err;

void hcsg_err_clear(hcsg_err *e);
/* gcserr.NewHresultError: "HRESULT: 0x%x". */
void hcsg_err_bare(hcsg_err *e, int32_t hr);
/* gcserr.WrapHresult: "HRESULT 0x%x: <text>". */
void hcsg_err_wrap(hcsg_err *e, int32_t hr, const char *fmt, ...)
    HCSI_PRINTF(3, 4);
/* A plain Go error (no HRESULT in the chain: the response says E_FAIL). */
void hcsg_err_plain(hcsg_err *e, const char *fmt, ...) HCSI_PRINTF(2, 3);
/* errors.Wrapf: "<text>: <previous message>", HRESULT unchanged. */
void hcsg_err_prefix(hcsg_err *e, const char *fmt, ...) HCSI_PRINTF(2, 3);

/* ---- transports and addresses (addr.c) ---- */

typedef enum hcsg_transport_kind {
    HCSG_TRANSPORT_NONE = 0,
    HCSG_TRANSPORT_VSOCK = 1, /* AF_VSOCK, CID 2 (the host) */
    HCSG_TRANSPORT_UNIX = 2   /* AF_UNIX sockets DIR/<port> */
} hcsg_transport_kind;

#define HCSG_UNIX_DIR_MAX 96 /* DIR + "/4294967295" fits sun_path */

typedef struct hcsg_addr {
    hcsg_transport_kind kind;
    uint32_t cid;  /* vsock */
    uint32_t port; /* vsock: the bridge port; unix: 0x40000000 */
    char dir[HCSG_UNIX_DIR_MAX + 1];
} hcsg_addr;

/* Parses "vsock", "vsock:PORT" (decimal or 0x-hex, 1..0xFFFFFFFF) or
 * "unix:DIR". Returns 0, or -1 with e set (E_INVALIDARG and a message). */
int hcsg_addr_parse(const char *spec, hcsg_addr *a, hcsg_err *e);
/* "vsock:1073741824" / "unix:/run/gcs". */
void hcsg_addr_format(const hcsg_addr *a, char *buf, size_t n);
/* Dials port on the transport (unix: DIR/<port>). A connected, blocking,
 * close-on-exec stream socket, or -1 with e set (E_FAIL, a Go-like message).
 * vsock retries ETIMEDOUT like the Go GCS (10 attempts). */
int hcsg_dial(const hcsg_addr *t, uint32_t port, hcsg_err *e);
/* The same, bounded: a listener that never accepts (full backlog) or a
 * connect that never completes fails after timeout_ms; abort_fd (an
 * eventfd, -1: none) becoming readable abandons the dial at once. */
int hcsg_dial_bounded(const hcsg_addr *t, uint32_t port, uint32_t timeout_ms, int abort_fd,
                      hcsg_err *e);

/* ---- command lines, paths, users (util.c) ---- */

/* A NULL-terminated vector of malloc'ed strings. */
typedef struct hcsg_strv {
    char **v;
    size_t n, cap;
} hcsg_strv;

void hcsg_strv_init(hcsg_strv *s);
void hcsg_strv_free(hcsg_strv *s);
int hcsg_strv_push(hcsg_strv *s, const char *str, size_t len);

/* go-shellwords Parse (ParseEnv and ParseBacktick off), as the Go GCS splits
 * CommandLine: quotes, backslash escapes (\t, \n), parsing stops at an
 * unquoted ; & | < >. Returns 0, or -1 on "invalid command line string"
 * (unclosed quote, trailing backslash, unbalanced parenthesis) or when the
 * bounds are exceeded. */
int hcsg_shellwords(const char *line, size_t len, hcsg_strv *out);

/* exec.LookPath with the agent's $PATH (unset: a default system path).
 * Names containing '/' are used as given. Returns a malloc'ed path, or NULL
 * with e set (E_FAIL, Go's message). */
char *hcsg_lookpath(const char *name, hcsg_err *e);

typedef struct hcsg_user {
    uid_t uid;
    gid_t gid;
    gid_t groups[32];
    size_t ngroups;
} hcsg_user;

/* Resolves "name", "uid", "uid:gid", "name:group" against the agent's own
 * /etc/passwd and /etc/group. Returns 0, or -1 with e set (E_FAIL, e.g.
 * "unable to find user NAME: no matching entries in passwd file"). */
int hcsg_user_lookup(const char *spec, hcsg_user *u, hcsg_err *e);
/* The same against ROOT/etc/passwd and ROOT/etc/group (a container's root
 * file system); root "" or "/" is hcsg_user_lookup. root must be absolute
 * (else E_INVALIDARG). Neither ROOT/etc nor the file is followed when it is
 * a symbolic link (no lookup out of the root), only regular files are read,
 * and reads are bounded (8 MiB a file, 4 KiB kept of a line). */
int hcsg_user_lookup_root(const char *root, const char *spec, hcsg_user *u, hcsg_err *e);

/* The write loop of the bridge and the stdio relays: put (one send or
 * write of ctx's descriptor) until all of buf is out, EINTR retried; when
 * it would block, blocked(ctx) waits for room and returns 0 to go on, or
 * what to return. 0 when all was written, -1 on an I/O error. */
int hcsg_write_loop(const void *buf, size_t n, ssize_t (*put)(void *ctx, const void *p, size_t n),
                    int (*blocked)(void *ctx), void *ctx);

/* One poll() entry: fd and the events asked, none returned yet. */
struct pollfd;
void hcsg_pollfd(struct pollfd *p, int fd, short events);

/* Whether path is the root of a mount (statx's attribute; before Linux
 * 5.8, a device different from its parent's, or a bind of itself). */
int hcsg_is_mount_root(const char *path);

/* *v read under m: a count other threads change (for logs and stacks). */
size_t hcsg_locked_size(pthread_mutex_t *m, const size_t *v);

/* ---- request decoding (proto.c) ---- */

/* Go encoding/json lookup: the last member whose key matches ignoring ASCII
 * case; NULL when absent (or obj is not an object / NULL). */
hcsi_json *hcsg_member(const hcsi_json *obj, const char *key);

/* Typed field decoders, Go semantics: 1 present, 0 absent or null, -1 wrong
 * type or range (e set to 0xC037010D "json: cannot unmarshal ..."). tname is
 * the Go struct name for the message ("ContainerWaitForProcess"). */
int hcsg_get_str(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, const char **out, size_t *len);
int hcsg_get_bool(hcsg_err *e, const hcsi_json *o, const char *tname,
                  const char *key, int *out);
int hcsg_get_u32(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, uint32_t *out);
int hcsg_get_i32(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, int32_t *out);
int hcsg_get_u16(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, uint16_t *out);
int hcsg_get_u64(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, uint64_t *out);
/* Any integer type: gotype names it in messages, [lo, hi] its range. */
int hcsg_get_int(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, const char *gotype, int64_t lo, int64_t hi,
                 int64_t *out);
/* Object (Go struct / map / pointer): JSON object, or null/absent. */
int hcsg_get_obj(hcsg_err *e, const hcsi_json *o, const char *tname,
                 const char *key, hcsi_json **out);
/* []string: array of strings (null elements become ""). */
int hcsg_get_strarr(hcsg_err *e, const hcsi_json *o, const char *tname,
                    const char *key, hcsi_json **out);
/* map[string]string. */
int hcsg_get_strmap(hcsg_err *e, const hcsi_json *o, const char *tname,
                    const char *key, hcsi_json **out);

/* Parses a request body as json.Unmarshal into the Go struct tname would:
 * syntax errors and non-object values fail with 0xC037010D; "null" gives
 * *root = NULL (every field absent). */
int hcsg_parse_message(hcsg_err *e, const char *body, size_t len,
                       const char *tname, hcsi_json **root);

/* The MessageBase every request embeds: ContainerId, ActivityId, ocsc. */
typedef struct hcsg_base {
    const char *container_id; /* "" when absent */
    const char *activity_id;  /* "" when absent */
} hcsg_base;

int hcsg_decode_base(hcsg_err *e, const hcsi_json *root, const char *tname,
                     hcsg_base *b);
/* The bridge's sniff of ContainerId/ActivityId (errors ignored); strings
 * are copied into the buffers. */
void hcsg_sniff_base(const char *body, size_t len, char *cid, size_t cidn,
                     char *aid, size_t aidn);

/* Wraps e as the Go handlers do after a failed unmarshal:
 * `failed to unmarshal JSON in message "<body>": <e>` (body excerpt). */
void hcsg_err_unmarshal(hcsg_err *e, const char *what, const char *body,
                        size_t len);

/* MessageIdentifier.String() of the Go GCS: names of the types it knows,
 * decimal otherwise. */
void hcsg_type_string(uint32_t type, char *buf, size_t n);

/* Response bodies, Go-exact (json.Marshal: HTML escaping, struct order).
 * hcsg_resp_new: {"Result":hr,"ActivityId":aid} (ActivityId omitted when
 * empty). hcsg_resp_error: a bare MessageResponseBase with ErrorMessage and
 * one ErrorRecord. Caller owns the object (hcsi_json_put). */
hcsi_json *hcsg_resp_new(int32_t hr, const char *activity_id);
hcsi_json *hcsg_resp_error(const hcsg_err *e, const char *activity_id);
/* Serialises obj (HTML-escaped like json.Marshal); malloc'ed string. */
char *hcsg_resp_text(const hcsi_json *obj, size_t *len);

/* The NegotiateProtocol capabilities of the Linux GCS. */
hcsi_json *hcsg_capabilities(void);

/* ---- the agent (agent.c) ---- */

typedef struct hcsg_agent hcsg_agent;

typedef struct hcsg_options {
    hcsg_addr bridge;       /* --connect; kind NONE with --stdio */
    int use_stdio;          /* --stdio: bridge on fds 0/1 */
    hcsg_addr stdio;        /* where stdio relays are dialled */
    int strict;             /* --strict: hcsshim-exact refusals */
    int poweroff;           /* --poweroff: power off on UVM shutdown */
    int init;               /* --init: as PID 1, mount /proc, /sys, /dev... */
    int reconnect;          /* --reconnect: dial again after bridge loss */
    uint32_t max_frame;     /* --max-frame */
    uint32_t dial_timeout_ms;
    uint32_t stdio_timeout_ms; /* --stdio-timeout: bound of each stdio dial */
    uint32_t kill_grace_ms; /* SIGTERM -> SIGKILL grace on graceful stop */
    uint32_t max_processes; /* tracked processes at once (--max-processes) */
    char runtime[256];      /* --runtime: OCI runtime ("" = runc from $PATH) */
    char runtime_root[256]; /* --runtime-root ("" = /run/hcs-gcs/runtime) */
    char state_root[256];   /* --state-root: bundles live under it ("" = /run/gcs/c) */
    int no_runtime_shortcuts; /* --no-runtime-shortcuts */
    /* The device model (guest/storage); hidden flags for tests. */
    char sysfs_root[256];   /* --sysfs-root ("" = /sys) */
    char dev_root[256];     /* --dev-root ("" = /dev) */
    char proc_root[256];    /* --proc-root ("" = /proc) */
    uint32_t device_timeout_ms; /* --device-timeout-ms (0 = 30 s) */
    char netns_dir[256];    /* hidden --netns-dir ("" = /run/netns) */
    char netns_etc_dir[256]; /* hidden --netns-etc-dir ("" = /run/gcs/netns) */
} hcsg_options;

void hcsg_options_init(hcsg_options *o);

/* Where responses go: the bridge writer by default; tests and the fuzzer
 * install a capture function. Returns 0 or -1. */
typedef int (*hcsg_send_fn)(void *ctx, uint32_t type, uint64_t id,
                            const char *body, size_t len);

hcsg_agent *hcsg_agent_new(const hcsg_options *o);
void hcsg_agent_free(hcsg_agent *a);
void hcsg_agent_set_sink(hcsg_agent *a, hcsg_send_fn fn, void *ctx);
/* Disables everything with side effects (dialling, spawning, signals,
 * shutdown): such requests fail early. For the fuzzer. */
void hcsg_agent_set_dry_run(hcsg_agent *a, int dry);

/* Handles one frame as the bridge reader does (sets the protocol version at
 * read time, dispatches, may answer later from another thread). Returns 1
 * when the frame asked the agent to stop (UVM shutdown), else 0. */
int hcsg_agent_handle(hcsg_agent *a, uint32_t type, uint64_t id,
                      const char *body, size_t len);
/* Waits until every response of the requests handled so far that does not
 * depend on a process exit has been sent (exec workers finished). */
void hcsg_agent_quiesce(hcsg_agent *a);

/* Serves one connection: rfd/wfd are the bridge. Returns when the bridge is
 * lost (1), on UVM shutdown (2), or on a termination signal (3). Every child
 * process is cleaned up before it returns. */
int hcsg_agent_serve(hcsg_agent *a, int rfd, int wfd);
/* Asks a serving agent to stop (async-signal-unsafe; from a thread). */
void hcsg_agent_stop(hcsg_agent *a, int why);

/* Runs the agent: connects (or --stdio), serves, reconnects if asked.
 * Returns the process exit status. */
int hcsg_run(const hcsg_options *o);

#include "proc/proc.h"

#endif /* HCS_GUEST_GCS_H */
