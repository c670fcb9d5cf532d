/*
 * libhcs — the GCS bridge, host side.
 *
 * The host listens and the guest (the GCS inside a utility VM) dials. A
 * bridge is one connection: it negotiates protocol v4 first, then carries
 * any number of concurrent RPCs from any threads, routes container-exit
 * notifications to waiters, and runs processes whose stdio is relayed over
 * per-stream connections the guest dials back. Design: docs/gcs-bridge.md.
 * Wire details: hcs/gcs_messages.h (codecs) and hcs/gcs_protocol.h; OCI
 * documents for containers: hcs/gcs_oci.h.
 *
 * Ownership:
 *   - hcs_gcs_listener / hcs_gcs_bridge / hcs_gcs_process are opaque;
 *     caller owns each and frees it with hcs_gcs_listener_close /
 *     hcs_gcs_bridge_close / hcs_gcs_process_close.
 *   - A process keeps its bridge's memory alive: closing the bridge first
 *     is allowed (the process's calls then fail with the reason).
 *   - Strings returned through char ** are malloc'ed; caller frees them
 *     with hcs_free(). Pointers returned as const (capabilities, names) are
 *     library-owned and valid until the object they came from is closed.
 *   - Input strings/structs are borrowed for the duration of the call;
 *     hcs_gcs_bridge_options strings are copied by listen/connect.
 *
 * Threads: every function taking a bridge or a process is thread-safe,
 * except the *_close functions, which must be the last call on their
 * object (they may run while other threads are blocked in calls on it:
 * those calls fail promptly with HCS_ERR_CONNECTION_CLOSED). Never call
 * into the bridge from the log callback.
 *
 * Errors: HRESULTs plus the thread's error message (hcs/error.h).
 *   HCS_ERR_CONNECTION_CLOSED  the bridge is down; the message says why
 *                              (guest EOF, protocol error, closed by host)
 *   HCS_ERR_OPERATION_TIMEOUT  an RPC (or a local wait) timed out; the
 *                              bridge stays up (unlike hcsshim), a late
 *                              answer is dropped
 *   HCS_ERR_CONNECTION_TIMEOUT the guest did not dial in time (bridge
 *                              accept, stdio streams)
 *   HCS_ERR_PROTOCOL_ERROR     the guest broke framing (the bridge is torn
 *                              down; later calls get CONNECTION_CLOSED)
 *   HCS_ERR_INVALID_JSON       a response body did not decode (that call
 *                              fails; the bridge stays up)
 *   HCS_ERR_WIN32_NOT_SUPPORTED the guest did not advertise a capability
 *   HCS_ERR_INVALIDARG         a bad argument, refused before anything is
 *                              sent; the message names it
 *   guest HRESULT              the guest answered Result != 0; the error's
 *                              detail holds its ErrorRecords JSON array
 * Success codes: HCS_S_OK, and HCS_S_FALSE (1) where documented (signal
 * or kill of a process that is already gone).
 */
#ifndef HCS_GCS_H
#define HCS_GCS_H

#include "hcs/common.h"
#include "hcs/gcs_messages.h"
#include "hcs/gcs_oci.h"
#include "hcs/gcs_protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hcs_gcs_listener hcs_gcs_listener;
typedef struct hcs_gcs_bridge hcs_gcs_bridge;
typedef struct hcs_gcs_process hcs_gcs_process;

/* Descriptors and handles are hcs_os_handle (hcs/common.h). */

typedef enum hcs_gcs_os {
    HCS_GCS_OS_UNKNOWN = 0,
    HCS_GCS_OS_LINUX = 1,
    HCS_GCS_OS_WINDOWS = 2
} hcs_gcs_os;

typedef enum hcs_gcs_log_level {
    HCS_GCS_LOG_DEBUG = 0,
    HCS_GCS_LOG_INFO = 1,
    HCS_GCS_LOG_WARNING = 2,
    HCS_GCS_LOG_ERROR = 3
} hcs_gcs_log_level;

/* Called for anomalies that are tolerated (unknown/duplicate
 * notifications, late responses) and for teardown, from whichever thread
 * is reading the connection at the time (a caller waiting for an answer,
 * or the bridge's background thread). message is valid only during the
 * call; the callback must not call into the bridge. */
typedef void (*hcs_gcs_log_fn)(void *ctx, hcs_gcs_log_level level,
                               const char *message);

/* Timeouts: HCS_TIMEOUT_INFINITE / HCS_TIMEOUT_DEFAULT (hcs/common.h).
 * HCS_TIMEOUT_DEFAULT is the bridge's rpc_timeout_ms for RPCs (hcs_gcs_rpc,
 * hcs_gcs_rpc_end); the local waits (hcs_gcs_container_wait,
 * hcs_gcs_process_wait) and the stdio calls have no configured bound, so
 * for them it means forever. */

#define HCS_GCS_DEFAULT_ACCEPT_TIMEOUT_MS 120000   /* hcsshim: 2 min */
#define HCS_GCS_DEFAULT_RPC_TIMEOUT_MS 300000      /* hcsshim: 5 min */
#define HCS_GCS_DEFAULT_STDIO_TIMEOUT_MS 30000

typedef struct hcs_gcs_bridge_options {
    unsigned version; /* HCS_GCS_BRIDGE_OPTIONS_VERSION (use HCS_GCS_BRIDGE_OPTIONS_INIT) */
    /* Expected guest OS before negotiation: picks the default hvsock
     * service GUID for hvsock:VMID. Default LINUX. */
    hcs_gcs_os os_hint;
    /* Connection setup bound (default 2 min; < 0 forever): the accept
     * wait plus the handshake (NegotiateProtocol and, for Windows guests,
     * the null-container setup), as hcsshim's GCSConnectionTimeout. A guest
     * that connects but never negotiates fails within it. */
    int64_t accept_timeout_ms;
    /* Per-RPC timeout (default 5 min; < 0 none). WaitForProcess has none. */
    int64_t rpc_timeout_ms;
    /* Wait for the guest to dial each stdio stream (default 30 s). */
    int64_t stdio_timeout_ms;
    /* Port space of the stdio relays: "unix:DIR", "vsock:", "hvsock:VMID".
     * NULL: the listen address's (required for hcs_gcs_connect_fds when
     * processes use pipes). */
    const char *stdio_address;
    /* LocalAddress of the Windows HvSocket settings update (a GUID).
     * NULL: the hvsock VMID, else the zero GUID. */
    const char *uvm_id;
    /* Windows null-container Create time zone; NULL: UTC. */
    const hcs_gcs_time_zone *time_zone;
    /* Incoming frame limit: default 65536 (hcsshim's); 1024..16 MiB. */
    uint32_t max_message_size;
    hcs_gcs_log_fn log; /* NULL: anomalies are only counted (stats) */
    void *log_ctx;
} hcs_gcs_bridge_options;
#define HCS_GCS_BRIDGE_OPTIONS_VERSION 1u
#define HCS_GCS_BRIDGE_OPTIONS_INIT                                             \
    {.version = HCS_GCS_BRIDGE_OPTIONS_VERSION,                      \
     .os_hint = HCS_GCS_OS_LINUX,                                    \
     .accept_timeout_ms = HCS_GCS_DEFAULT_ACCEPT_TIMEOUT_MS,         \
     .rpc_timeout_ms = HCS_GCS_DEFAULT_RPC_TIMEOUT_MS,               \
     .stdio_timeout_ms = HCS_GCS_DEFAULT_STDIO_TIMEOUT_MS,           \
     .max_message_size = HCS_GCS_MAX_MESSAGE_SIZE}

/* Fills the defaults above. */
HCS_API hcs_result hcs_gcs_bridge_options_init(hcs_gcs_bridge_options *cfg, unsigned version);

/* ---- connecting ---- */

/* Listens for the guest's bridge connection before the guest starts:
 *   "vsock:PORT"               Linux host, AF_VSOCK, any CID (PORT default
 *                              1073741824 = 0x40000000 when empty)
 *   "hvsock:VMID[:SERVICEGUID]" Windows host, AF_HYPERV; default service
 *                              GUID by cfg->os_hint (Linux:
 *                              40000000-facb-11e6-bd58-64006a7986d3,
 *                              Windows: acef5661-84a1-4e44-856b-6245e69f4620)
 *   "unix:DIR"                 DIR stands for the vsock port space: port P
 *                              is the unix socket DIR/P (P decimal); the
 *                              bridge is DIR/1073741824.
 * cfg may be NULL (defaults). */
HCS_API hcs_result hcs_gcs_listen(const char *address, const hcs_gcs_bridge_options *cfg,
                                  hcs_gcs_listener **out);
/* Accepts the one guest connection (bounded by accept_timeout_ms:
 * HCS_ERR_CONNECTION_TIMEOUT), stops listening, negotiates (see
 * hcs_gcs_connect_fds) and returns the ready bridge. */
HCS_API hcs_result hcs_gcs_accept(hcs_gcs_listener *l, hcs_gcs_bridge **out);
HCS_API void hcs_gcs_listener_close(hcs_gcs_listener *l);

/* A bridge over an already-connected stream: reads from read_fd, writes to
 * write_fd (the same fd for a socket; e.g. a child's stdout and stdin).
 * take_ownership: close them in hcs_gcs_bridge_close. On POSIX the fds are
 * set non-blocking. Handshake: NegotiateProtocol v4 first and nothing else
 * until it is answered; requires Result 0 and Version 4; records the guest
 * OS (RuntimeOsType, "windows" when absent) and capabilities; for Windows
 * guests sends the null-container Create/Start when asked and the HvSocket
 * settings update. */
HCS_API hcs_result hcs_gcs_connect_fds(hcs_os_handle read_fd, hcs_os_handle write_fd,
                                       int take_ownership,
                                       const hcs_gcs_bridge_options *cfg,
                                       hcs_gcs_bridge **out);

/* Fails every pending and future call with HCS_ERR_CONNECTION_CLOSED
 * ("closed by the host"), wakes every waiter, waits for the reader thread,
 * and releases the caller's reference. */
HCS_API void hcs_gcs_bridge_close(hcs_gcs_bridge *b);

/* Tears the connection down now (like close, but the handle stays valid
 * until hcs_gcs_bridge_close). reason may be NULL. */
HCS_API void hcs_gcs_bridge_shutdown(hcs_gcs_bridge *b, const char *reason);

/* 1 while the connection is up. */
HCS_API int hcs_gcs_bridge_is_alive(hcs_gcs_bridge *b);

/* ---- what the guest said ---- */

HCS_API hcs_gcs_os hcs_gcs_bridge_os(const hcs_gcs_bridge *b);
HCS_API uint32_t hcs_gcs_bridge_protocol_version(const hcs_gcs_bridge *b);
/* The decoded capabilities (library-owned, valid until close). */
HCS_API const hcs_gcs_capabilities *hcs_gcs_bridge_capabilities(
    const hcs_gcs_bridge *b);

typedef struct hcs_gcs_bridge_stats {
    uint64_t frames_sent;
    uint64_t frames_received;
    uint64_t rpcs_in_flight;
    uint64_t late_responses;          /* for timed-out/abandoned calls */
    uint64_t unknown_notifications;   /* unknown container or type */
    uint64_t duplicate_notifications;
    uint64_t malformed_notifications;
} hcs_gcs_bridge_stats;

HCS_API void hcs_gcs_bridge_get_statistics(hcs_gcs_bridge *b, hcs_gcs_bridge_stats *out);

/* ---- RPCs ---- */

/* Any RPC with a caller-built body (complete JSON, e.g. from the encoders
 * in gcs_messages.h): sends it with the next id and returns the raw
 * response body (*response, caller frees with hcs_free; len optional).
 * Does not interpret Result. timeout_ms: HCS_TIMEOUT_DEFAULT,
 * HCS_TIMEOUT_INFINITE, or milliseconds. rpc is a procedure code
 * (HCS_GCS_RPC_*); the request type is 0x10000000 | rpc. */
HCS_API hcs_result hcs_gcs_rpc(hcs_gcs_bridge *b, uint32_t rpc, const char *body,
                               size_t len, int64_t timeout_ms, char **response,
                               size_t *response_len);

/* The same, split in two so one thread can keep many RPCs in flight:
 * begin sends (the id is assigned in send order) and returns a call
 * handle; end waits for the answer (timeout as above, counted from end),
 * returns the body like hcs_gcs_rpc and frees the handle, whatever the
 * outcome. Every begun call must be ended. */
typedef struct hcs_gcs_call hcs_gcs_call;
HCS_API hcs_result hcs_gcs_rpc_begin(hcs_gcs_bridge *b, uint32_t rpc, const char *body,
                                     size_t len, hcs_gcs_call **call);
HCS_API hcs_result hcs_gcs_rpc_end(hcs_gcs_call *call, int64_t timeout_ms,
                                   char **response, size_t *response_len);

/* Create: registers the exit waiter for container_id first (an id already
 * registered fails locally with HCS_ERR_SYSTEM_ALREADY_EXISTS), then sends
 * container_config_json double-encoded (see
 * hcs_gcs_encode_lcow_container_config). A failed Create drops the
 * registration. */
HCS_API hcs_result hcs_gcs_container_create(hcs_gcs_bridge *b,
                                            const char *container_id,
                                            const char *container_config_json);
HCS_API hcs_result hcs_gcs_container_start(hcs_gcs_bridge *b,
                                           const char *container_id);
/* ShutdownGraceful (forced = 0) / ShutdownForced. 0xC037010E (container
 * not found) counts as success, as in hcsshim. Success means delivered:
 * wait for the exit with hcs_gcs_container_wait. */
HCS_API hcs_result hcs_gcs_container_shutdown(hcs_gcs_bridge *b,
                                              const char *container_id,
                                              int forced);
/* Waits for the container's exit notification (registered by Create).
 * timeout_ms: milliseconds, or HCS_TIMEOUT_INFINITE /
 * HCS_TIMEOUT_DEFAULT — both wait forever (a container runs as long
 * as it likes; the RPC timeout does not apply), ending only with the
 * notification or the bridge's death. HCS_S_OK with *out (optional;
 * caller clears it with hcs_gcs_notification_clear) once it arrived;
 * HCS_ERR_CONNECTION_CLOSED when the bridge died first (the container is
 * then gone as far as the host knows); HCS_ERR_OPERATION_TIMEOUT;
 * HCS_ERR_SYSTEM_NOT_FOUND for an unknown id. */
HCS_API hcs_result hcs_gcs_container_wait(hcs_gcs_bridge *b,
                                          const char *container_id,
                                          int64_t timeout_ms,
                                          hcs_gcs_notification *out);
/* DeleteContainerState, then forgets the exit waiter. */
HCS_API hcs_result hcs_gcs_container_delete_state(hcs_gcs_bridge *b,
                                                  const char *container_id);
/* Forgets an exit waiter without an RPC (later notifications for it are
 * logged as unknown). */
HCS_API void hcs_gcs_container_forget(hcs_gcs_bridge *b, const char *container_id);

/* ModifySettings; container_id NULL = the UVM (null container). */
HCS_API hcs_result hcs_gcs_modify_settings(hcs_gcs_bridge *b,
                                           const char *container_id,
                                           const char *request_type,
                                           const char *resource_type,
                                           const char *settings_json);
/* GetProperties: query_json e.g. {"PropertyTypes":["ProcessList"]};
 * *properties_json gets the inner document (caller frees with hcs_free). */
HCS_API hcs_result hcs_gcs_container_get_properties(hcs_gcs_bridge *b,
                                          const char *container_id,
                                          const char *query_json,
                                          char **properties_json);
/* DumpStacks: *stacks (caller frees with hcs_free). */
HCS_API hcs_result hcs_gcs_bridge_dump_stacks(hcs_gcs_bridge *b, char **stacks);
/* UpdateContainer (historical): refused locally unless the guest
 * advertised UpdateContainerSupported. */
HCS_API hcs_result hcs_gcs_container_update(hcs_gcs_bridge *b,
                                            const char *container_id,
                                            const char *resources_json);
/* LifecycleNotification (body shape unknown; RequestBase only). */
HCS_API hcs_result hcs_gcs_lifecycle_notification(hcs_gcs_bridge *b,
                                                  const char *container_id);
/* ModifyServiceSettings (ComputeService category): refused locally with
 * HCS_ERR_WIN32_NOT_SUPPORTED unless the guest advertised
 * LogForwardingSupported or ModifyServiceSettingsSupported. */
HCS_API hcs_result hcs_gcs_modify_service_settings(hcs_gcs_bridge *b,
                                                   const char *property_type,
                                                   const char *settings_json);

/* ---- typed ModifySettings helpers (Linux guests) ---- */

typedef struct hcs_gcs_mapped_virtual_disk {
    const char *mount_path;
    uint8_t controller;
    uint8_t lun;
    uint64_t partition;
    int read_only;
    int encrypted;
    const char *const *options; /* NULL-terminated */
    int block_dev;
    int ensure_filesystem;
    const char *filesystem;
} hcs_gcs_mapped_virtual_disk;

typedef struct hcs_gcs_mapped_directory {
    const char *mount_path;
    int32_t port; /* Plan9 vsock port */
    const char *share_name;
    int read_only;
} hcs_gcs_mapped_directory;

typedef struct hcs_gcs_combined_layers {
    const char *container_id;        /* ContainerID */
    const char *container_root_path;
    const char *const *layer_paths;  /* NULL-terminated; Layers:[{"Path"}] */
    const char *scratch_path;
} hcs_gcs_combined_layers;

/* IP configurations and routes: hcs_ip_config / hcs_ip_route (hcs/common.h). */
typedef struct hcs_gcs_network_adapter {
    const char *namespace_id;
    const char *id;
    const char *mac_address;
    const char *dns_suffix;
    const char *dns_server_list;
    uint16_t encap_overhead;
    int vpci_assigned;
    const hcs_ip_config *ip_configs;
    size_t ip_config_count;
    const hcs_ip_route *routes;
    size_t route_count;
    int policy_based_routing;
    int enable_low_metric;
} hcs_gcs_network_adapter;

typedef struct hcs_gcs_vpmem_device {
    uint32_t device_number;
    const char *mount_path;
    int has_mapping;
    uint64_t device_offset_in_bytes;
    uint64_t device_size_in_bytes;
} hcs_gcs_vpmem_device;

/* Settings documents (caller frees *json with hcs_free). */
HCS_API hcs_result hcs_gcs_encode_mapped_virtual_disk(
    const hcs_gcs_mapped_virtual_disk *s, char **json);
HCS_API hcs_result hcs_gcs_encode_mapped_directory(
    const hcs_gcs_mapped_directory *s, char **json);
HCS_API hcs_result hcs_gcs_encode_combined_layers(
    const hcs_gcs_combined_layers *s, char **json);
HCS_API hcs_result hcs_gcs_encode_network_adapter(
    const hcs_gcs_network_adapter *s, char **json);
HCS_API hcs_result hcs_gcs_encode_vpmem_device(const hcs_gcs_vpmem_device *s,
                                               char **json);

/* ModifySettings on the UVM with those documents; request_type "Add",
 * "Remove", "Update" or "PreAdd". */
HCS_API hcs_result hcs_gcs_modify_mapped_virtual_disk(
    hcs_gcs_bridge *b, const char *request_type,
    const hcs_gcs_mapped_virtual_disk *s);
HCS_API hcs_result hcs_gcs_modify_mapped_directory(
    hcs_gcs_bridge *b, const char *request_type, const hcs_gcs_mapped_directory *s);
HCS_API hcs_result hcs_gcs_modify_combined_layers(
    hcs_gcs_bridge *b, const char *request_type, const hcs_gcs_combined_layers *s);
HCS_API hcs_result hcs_gcs_modify_network_adapter(
    hcs_gcs_bridge *b, const char *request_type, const hcs_gcs_network_adapter *s);
HCS_API hcs_result hcs_gcs_modify_vpmem_device(
    hcs_gcs_bridge *b, const char *request_type, const hcs_gcs_vpmem_device *s);

/* ---- typed GetProperties helpers ---- */

typedef struct hcs_gcs_process_info {
    uint32_t process_id;
    char *image_name;   /* NULL when absent */
} hcs_gcs_process_info;

/* ProcessList of a container: *list (count *n) caller frees with
 * hcs_gcs_process_list_free. */
HCS_API hcs_result hcs_gcs_container_get_process_list(hcs_gcs_bridge *b,
                                            const char *container_id,
                                            hcs_gcs_process_info **list,
                                            size_t *n);
HCS_API void hcs_gcs_process_list_free(hcs_gcs_process_info *list, size_t n);
/* Statistics of a container: the inner document's "Statistics" (or, for
 * Linux guests, "LCOWMetrics") member as JSON (caller frees with hcs_free). */
HCS_API hcs_result hcs_gcs_container_get_statistics(hcs_gcs_bridge *b,
                                                    const char *container_id,
                                                    char **statistics_json);

/* ---- processes ---- */

/* What a process start carries. On a Linux guest (Microsoft's GCS, and
 * hcsshim's semantics) the rules depend on where the process runs:
 *
 *   container_id NULL (or the null GUID): a process in the UVM. argv
 *     (CommandArgs), env, cwd, tty and tty_height/width are sent and used;
 *     oci_process_json is refused.
 *   container_id + oci_process_json: a container exec. The OCI process
 *     (hcs_gcs_encode_oci_process, hcs/gcs_oci.h) carries args, env, cwd,
 *     user, terminal and consoleSize; argv, command_line, env, cwd, user
 *     and tty_height/width are refused (HCS_ERR_INVALIDARG naming them),
 *     because the guest ignores them for a container process. The tty
 *     setting comes from the OCI process's "terminal": tty may be left 0
 *     (it follows) but may not contradict it.
 *   container_id alone: the container's init start (the process of the
 *     spec given to Create); only the use_* flags are meaningful. Setting
 *     argv, command_line, env, cwd or user is refused: a Linux guest would
 *     ignore them and start the init a second time, so a container exec
 *     must come with its oci_process_json. The tty setting follows the
 *     Create spec's process.terminal when the container was created on this
 *     bridge (tty may not contradict it).
 *
 * Console size: a Linux guest reads ProcessParameters.ConsoleSize
 * (tty_height/tty_width) only for UVM processes and IGNORES it for
 * container processes; theirs is process.consoleSize of the OCI process
 * (or of the Create spec for the init). Later changes go through
 * hcs_gcs_process_resize for every kind. EmulateConsole is sent as the
 * resulting tty setting.
 *
 * Windows guests: the fields are sent as given (command_line; no OCI). */
typedef struct hcs_gcs_process_options {
    unsigned version; /* HCS_GCS_PROCESS_OPTIONS_VERSION (use HCS_GCS_PROCESS_OPTIONS_INIT) */
    const char *container_id;        /* NULL: a process in the UVM */
    const char *const *argv;         /* CommandArgs (NULL-terminated; UVM) */
    const char *command_line;        /* CommandLine (Windows guests) */
    const char *const *env;          /* "KEY=VALUE", NULL-terminated (UVM) */
    const char *cwd;                 /* (UVM) */
    const char *user;                /* (Windows guests) */
    int tty;                         /* EmulateConsole; stderr merges into stdout */
    uint16_t tty_height, tty_width;  /* ConsoleSize: UVM processes only (above) */
    int use_stdin, use_stdout, use_stderr; /* relay these streams */
    /* Container exec: the OCI runtime Process document (see above).
     * NULL with a container_id starts the container's init process. */
    const char *oci_process_json;
} hcs_gcs_process_options;
#define HCS_GCS_PROCESS_OPTIONS_VERSION 1u
#define HCS_GCS_PROCESS_OPTIONS_INIT {.version = HCS_GCS_PROCESS_OPTIONS_VERSION}

HCS_API hcs_result hcs_gcs_process_options_init(hcs_gcs_process_options *cfg, unsigned version);

/* Checks cfg (above), opens a listener per requested stream (ports from
 * 0x40000001 upward, never reused on a bridge), sends ExecuteProcess,
 * sends WaitForProcess (no timeout) right after, then waits up to
 * stdio_timeout_ms for the guest to dial each stream
 * (HCS_ERR_CONNECTION_TIMEOUT names the stream and port). */
HCS_API hcs_result hcs_gcs_process_start(hcs_gcs_bridge *b,
                                         const hcs_gcs_process_options *cfg,
                                         hcs_gcs_process **out);
HCS_API uint32_t hcs_gcs_process_pid(const hcs_gcs_process *p);

/* Stdio. One thread at a time per stream; the streams are independent
 * (e.g. one thread writes stdin while another reads stdout), and
 * hcs_gcs_process_cancel_io may come from any thread. timeout_ms:
 * milliseconds (0: only what is possible without waiting), or
 * HCS_TIMEOUT_INFINITE / HCS_TIMEOUT_DEFAULT (both: no bound).
 * Errors common to all of them:
 *   HCS_ERR_OPERATION_TIMEOUT        the bound passed; the stream stays
 *                                    usable (call again)
 *   HCS_ERR_WIN32_OPERATION_ABORTED  hcs_gcs_process_cancel_io was called */

/* stdin: writes all n bytes (no bound). After hcs_gcs_process_close_stdin
 * it fails with HCS_ERR_INVALID_STATE "stdin is closed"; when the guest
 * closed its end (the process is gone) with HCS_ERR_CONNECTION_CLOSED. */
HCS_API hcs_result hcs_gcs_process_write_stdin(hcs_gcs_process *p,
                                               const void *buf, size_t n);
/* The same within timeout_ms; *written (optional) gets how many bytes the
 * stream took, also on failure (on a timeout the rest was not sent). */
HCS_API hcs_result hcs_gcs_process_write_stdin_timeout(hcs_gcs_process *p,
                                                       const void *buf, size_t n,
                                                       int64_t timeout_ms,
                                                       size_t *written);
/* Half-close (the process reads EOF). Idempotent. */
HCS_API hcs_result hcs_gcs_process_close_stdin(hcs_gcs_process *p);
/* stdout (stream 1) / stderr (stream 2): one read (no bound); *got = 0 at
 * EOF, at which point the stream is closed (the Linux guest reports the
 * exit code only after the host closed its ends). */
HCS_API hcs_result hcs_gcs_process_read(hcs_gcs_process *p, int stream,
                                        void *buf, size_t n, size_t *got);
/* The same, waiting at most timeout_ms for data; on a timeout *got = 0 and
 * the stream stays open (not EOF). */
HCS_API hcs_result hcs_gcs_process_read_timeout(hcs_gcs_process *p, int stream,
                                                void *buf, size_t n, size_t *got,
                                                int64_t timeout_ms);
/* Cancels the process's stdio: wakes every thread blocked in a read,
 * write or relay of this process, which then return
 * HCS_ERR_WIN32_OPERATION_ABORTED, and every later stdio call fails the
 * same way (sticky). The streams stay open and the process runs on:
 * signal, kill, resize and wait still work; hcs_gcs_process_close ends it.
 * A relay stops without sending stdin EOF. Thread-safe; POSIX and
 * Windows. */
HCS_API hcs_result hcs_gcs_process_cancel_io(hcs_gcs_process *p);
/* Relays until stdout and stderr reached EOF: in_fd -> stdin (half-close
 * at EOF, runs on a helper thread), stdout -> out_fd, stderr -> err_fd.
 * HCS_OS_HANDLE_NONE skips a stream (an unread output is drained and dropped).
 * Interrupted by hcs_gcs_process_cancel_io. On POSIX a write to a closed
 * pipe fails with an error instead of raising SIGPIPE: SIGPIPE is blocked
 * on the calling thread while the call runs (the mask is restored and a
 * SIGPIPE it raised consumed before it returns); the library never changes
 * the process's SIGPIPE disposition. */
HCS_API hcs_result hcs_gcs_process_relay(hcs_gcs_process *p, hcs_os_handle in_fd,
                                         hcs_os_handle out_fd, hcs_os_handle err_fd);

/* SignalProcess with a Linux signal number (Options {"Signal":n}).
 * HCS_S_OK when delivered; HCS_S_FALSE when the guest says the process is
 * gone (0x80070490): not delivered, not an error. */
HCS_API hcs_result hcs_gcs_process_signal(hcs_gcs_process *p, int signal);
/* SignalProcess without Options (= kill). HCS_S_FALSE as above. */
HCS_API hcs_result hcs_gcs_process_kill(hcs_gcs_process *p);
HCS_API hcs_result hcs_gcs_process_resize(hcs_gcs_process *p, uint16_t height,
                                          uint16_t width);
/* Waits for the WaitForProcess answer. timeout_ms: milliseconds, or
 * HCS_TIMEOUT_INFINITE / HCS_TIMEOUT_DEFAULT (both wait forever:
 * the RPC timeout does not apply). HCS_ERR_OPERATION_TIMEOUT leaves the
 * process running (wait again later). A 0x80070490 answer counts as an
 * exit (hcsshim's rule). */
HCS_API hcs_result hcs_gcs_process_wait(hcs_gcs_process *p, int64_t timeout_ms,
                                        uint32_t *exit_code);
/* Cancels stdio (as hcs_gcs_process_cancel_io), stops the relay's stdin
 * thread, closes the stdio streams and frees the process (does not kill
 * it). */
HCS_API void hcs_gcs_process_close(hcs_gcs_process *p);

#ifdef __cplusplus
}
#endif

#endif /* HCS_GCS_H */
