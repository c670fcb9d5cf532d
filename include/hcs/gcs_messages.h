/*
 * libhcs — GCS bridge messages: typed request/response structs, encoders
 * that emit exactly hcsshim's JSON, and lenient decoders for what the guest
 * sends. Included by hcs/gcs.h.
 *
 * Ownership:
 *   - Request structs only borrow their pointers; nothing is freed by the
 *     encoders.
 *   - Every encoder returns a malloc'ed body in *body (NUL-terminated, the
 *     trailing '\n' included and counted in *len); caller owns it and frees
 *     it with hcs_free().
 *   - Decoders fill a caller-provided struct whose strings/arrays the
 *     library allocates; the caller releases them with the matching
 *     hcs_gcs_*_clear() (which leaves the struct zeroed; clearing a zeroed
 *     struct is a no-op). On failure the struct is left zeroed.
 *   - Every "..._json" field is a UTF-8 JSON document passed as text. In a
 *     request it is validated and compacted (Go's json.RawMessage rules);
 *     in a response the library owns it like every other string.
 *
 * Wire shape (what the encoders produce): PascalCase keys in hcsshim's
 * struct order, zero/empty optional fields omitted, "JSON-in-a-string"
 * fields double-encoded (ContainerConfig, ProcessParameters, Query,
 * Resources) with their inner document HTML-escaped like Go's
 * json.Marshal, outer document not HTML-escaped, a trailing newline, and
 * ActivityId = the zero GUID unless set.
 */
#ifndef HCS_GCS_MESSAGES_H
#define HCS_GCS_MESSAGES_H

#include "hcs/common.h"
#include "hcs/gcs_protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- requests ---- */

/* Fields every request starts with. */
typedef struct hcs_gcs_request_base {
    const char *container_id; /* NULL is sent as "" */
    const char *activity_id;  /* NULL: the zero GUID (what hcsshim sends) */
    const char *ocsc_json;    /* "ocsc" object (OpenCensus, deprecated); NULL: omitted */
    const char *otsc_json;    /* "otsc" object (W3C trace carrier); NULL: omitted */
} hcs_gcs_request_base;

typedef struct hcs_gcs_negotiate_request {
    hcs_gcs_request_base base; /* a real connect sends container_id "" */
    uint32_t minimum_version;  /* 4 */
    uint32_t maximum_version;  /* 4 */
} hcs_gcs_negotiate_request;

/* Create: container_config_json is the inner document, sent as a string
 * (see hcs_gcs_encode_lcow_container_config / hcs_gcs_encode_uvm_config). */
typedef struct hcs_gcs_create_request {
    hcs_gcs_request_base base;
    const char *container_config_json;
} hcs_gcs_create_request;

/* hcsschema.ProcessParameters plus the LCOW extensions. Every field is
 * optional ("omitempty"); arrays are NULL-terminated. */
typedef struct hcs_gcs_process_parameters {
    const char *application_name;
    const char *command_line;
    const char *const *command_args; /* Linux guests */
    const char *user;
    const char *working_directory;
    /* "KEY=VALUE" strings; sent as the Environment object with keys in
     * byte order (Go marshals maps sorted); a later duplicate key wins. */
    const char *const *environment;
    int restricted_token;
    int emulate_console;
    int create_stdin_pipe;
    int create_stdout_pipe;
    int create_stderr_pipe;
    /* ConsoleSize [height, width], sent when either is non-zero. */
    uint32_t console_height;
    uint32_t console_width;
    int use_existing_login;
    int use_legacy_console;
    int create_in_utility_vm;       /* LCOW "CreateInUtilityVm" */
    const char *oci_process_json;   /* LCOW "OciProcess" (OCI runtime Process) */
} hcs_gcs_process_parameters;

typedef enum hcs_gcs_relay_kind {
    HCS_GCS_RELAY_VSOCK = 0,  /* Linux guests: VsockStdioRelaySettings, ports */
    HCS_GCS_RELAY_HVSOCK = 1  /* Windows guests: StdioRelaySettings, GUIDs */
} hcs_gcs_relay_kind;

typedef struct hcs_gcs_execute_process_request {
    hcs_gcs_request_base base;
    hcs_gcs_process_parameters params;
    /* When set, sent as ProcessParameters instead of params. */
    const char *process_parameters_json;
    hcs_gcs_relay_kind relay;
    /* vsock port per stream, 0 = not requested. For HCS_GCS_RELAY_HVSOCK
     * the port's service GUID is sent (template with Data1 = port). */
    uint32_t stdin_port;
    uint32_t stdout_port;
    uint32_t stderr_port;
} hcs_gcs_execute_process_request;

typedef struct hcs_gcs_wait_for_process_request {
    hcs_gcs_request_base base;
    uint32_t process_id;
    uint32_t timeout_ms; /* HCS_GCS_INFINITE_WAIT = infinite */
} hcs_gcs_wait_for_process_request;

typedef struct hcs_gcs_signal_process_request {
    hcs_gcs_request_base base;
    uint32_t process_id;
    /* 0: no "Options" key at all (= kill, what hcsshim's Kill sends).
     * 1: "Options":{"Signal":signal} (Linux; key omitted when signal is 0)
     *    or {"Signal":"<windows_signal>"} when windows_signal is set
     *    ("CtrlC", "CtrlBreak", "CtrlClose", "CtrlLogOff", "CtrlShutdown"). */
    int has_options;
    int signal;
    const char *windows_signal;
} hcs_gcs_signal_process_request;

typedef struct hcs_gcs_resize_console_request {
    hcs_gcs_request_base base;
    uint32_t process_id;
    uint16_t height;
    uint16_t width;
} hcs_gcs_resize_console_request;

/* GetProperties: query_json is the inner document, sent as a string
 * (e.g. from hcs_gcs_encode_property_query). */
typedef struct hcs_gcs_get_properties_request {
    hcs_gcs_request_base base;
    const char *query_json;
} hcs_gcs_get_properties_request;

/* ModifySettings: "Request" is a plain object. Empty strings / NULL are
 * omitted. */
typedef struct hcs_gcs_modify_settings_request {
    hcs_gcs_request_base base;
    const char *request_type;  /* "Add", "Remove", "Update", "PreAdd" */
    const char *resource_type; /* "MappedVirtualDisk", "CombinedLayers", ... */
    const char *settings_json; /* plain object */
} hcs_gcs_modify_settings_request;

/* UpdateContainer (historical; not sent by current hcsshim): resources
 * double-encoded. */
typedef struct hcs_gcs_update_container_request {
    hcs_gcs_request_base base;
    const char *resources_json;
} hcs_gcs_update_container_request;

/* ModifyServiceSettings (ComputeService category). */
typedef struct hcs_gcs_modify_service_settings_request {
    hcs_gcs_request_base base;
    const char *property_type; /* "LogForwardService" */
    const char *settings_json; /* plain object; NULL: omitted */
} hcs_gcs_modify_service_settings_request;

/* Time zone for the Windows null-container Create. Integer fields are
 * omitted when 0; a NULL date pointer omits the key, a zeroed one is
 * sent as {} (hcsshim's UTC form). */
typedef struct hcs_gcs_system_time {
    int32_t year, month, day_of_week, day, hour, minute, second, milliseconds;
} hcs_gcs_system_time;

typedef struct hcs_gcs_time_zone {
    int32_t bias;
    const char *standard_name;
    const hcs_gcs_system_time *standard_date;
    int32_t standard_bias;
    const char *daylight_name;
    const hcs_gcs_system_time *daylight_date;
    int32_t daylight_bias;
} hcs_gcs_time_zone;

/* Encoders. Each writes the request body (with trailing '\n') to *body;
 * *len (optional) gets its length. Caller frees *body with hcs_free().
 * Invalid embedded JSON fails with HCS_ERR_INVALID_JSON naming the field. */
HCS_API hcs_result hcs_gcs_encode_negotiate(const hcs_gcs_negotiate_request *req,
                                            char **body, size_t *len);
HCS_API hcs_result hcs_gcs_encode_create(const hcs_gcs_create_request *req,
                                         char **body, size_t *len);
/* Start, ShutdownGraceful, ShutdownForced, DumpStacks,
 * DeleteContainerState, LifecycleNotification: RequestBase only. */
HCS_API hcs_result hcs_gcs_encode_base(const hcs_gcs_request_base *req,
                                       char **body, size_t *len);
HCS_API hcs_result hcs_gcs_encode_execute_process(
    const hcs_gcs_execute_process_request *req, char **body, size_t *len);
HCS_API hcs_result hcs_gcs_encode_wait_for_process(
    const hcs_gcs_wait_for_process_request *req, char **body, size_t *len);
HCS_API hcs_result hcs_gcs_encode_signal_process(
    const hcs_gcs_signal_process_request *req, char **body, size_t *len);
HCS_API hcs_result hcs_gcs_encode_resize_console(
    const hcs_gcs_resize_console_request *req, char **body, size_t *len);
HCS_API hcs_result hcs_gcs_encode_get_properties(
    const hcs_gcs_get_properties_request *req, char **body, size_t *len);
HCS_API hcs_result hcs_gcs_encode_modify_settings(
    const hcs_gcs_modify_settings_request *req, char **body, size_t *len);
HCS_API hcs_result hcs_gcs_encode_update_container(
    const hcs_gcs_update_container_request *req, char **body, size_t *len);
HCS_API hcs_result hcs_gcs_encode_modify_service_settings(
    const hcs_gcs_modify_service_settings_request *req, char **body,
    size_t *len);

/* Inner documents (no trailing newline; caller frees with hcs_free()). */
/* {"SchemaVersion":{"Major":2,"Minor":1},"OciBundlePath":...,
 *  "OciSpecification":<oci_spec_json>,"ScratchDirPath":...} */
HCS_API hcs_result hcs_gcs_encode_lcow_container_config(
    const char *oci_bundle_path, const char *oci_spec_json,
    const char *scratch_dir_path, char **json);
/* {"SystemType":"Container","TimeZoneInformation":...} (tz NULL: null). */
HCS_API hcs_result hcs_gcs_encode_uvm_config(const hcs_gcs_time_zone *tz,
                                             char **json);
/* {"PropertyTypes":[...]} from a NULL-terminated list. */
HCS_API hcs_result hcs_gcs_encode_property_query(const char *const *types,
                                                 char **json);

/* A whole frame (16-byte header + body) for the given type and id;
 * caller frees *frame with hcs_free(). */
HCS_API hcs_result hcs_gcs_encode_frame(uint32_t type, uint64_t id,
                                        const char *body, size_t len,
                                        void **frame, size_t *frame_len);

/* ---- responses (guest -> host) ---- */

/* One entry of ErrorRecords. */
typedef struct hcs_gcs_error_record {
    int32_t result;
    char *message;
    char *stack_trace;
    char *module_name;
    char *file_name;
    uint32_t line;
    char *function_name;
} hcs_gcs_error_record;

/* Fields every response starts with. */
typedef struct hcs_gcs_response_base {
    int32_t result;        /* HRESULT; 0 = success */
    char *activity_id;     /* NULL when absent */
    char *error_message;   /* NULL when absent */
    hcs_gcs_error_record *error_records;
    size_t error_record_count;
    char *error_records_json; /* the ErrorRecords array as JSON, or NULL */
} hcs_gcs_response_base;

typedef struct hcs_gcs_schema_version {
    int32_t major;
    int32_t minor;
} hcs_gcs_schema_version;

typedef struct hcs_gcs_capabilities {
    int send_host_create_message;
    int send_host_start_message;
    int hv_socket_config_on_startup;
    int send_lifecycle_notifications;
    int modify_service_settings_supported;
    hcs_gcs_schema_version *supported_schema_versions;
    size_t supported_schema_version_count;
    char *runtime_os_type;        /* as sent, NULL when absent */
    int has_guest_defined;        /* GuestDefinedCapabilities key present */
    char *guest_defined_json;     /* the object as JSON, or NULL */
    /* GuestDefinedCapabilities members (0 when absent). */
    int namespace_add_request_supported;
    int signal_process_supported;
    int dump_stacks_supported;
    int delete_container_state_supported;
    int update_container_supported;
    int log_forwarding_supported;
    int host_process_container_supported;
} hcs_gcs_capabilities;

typedef struct hcs_gcs_negotiate_response {
    hcs_gcs_response_base base;
    uint32_t version;
    int has_capabilities;
    hcs_gcs_capabilities capabilities;
    char *capabilities_json; /* the Capabilities object as JSON, or NULL */
} hcs_gcs_negotiate_response;

typedef struct hcs_gcs_create_response {
    hcs_gcs_response_base base;
    uint32_t selected_protocol_version;
} hcs_gcs_create_response;

typedef struct hcs_gcs_execute_process_response {
    hcs_gcs_response_base base;
    uint32_t process_id;
} hcs_gcs_execute_process_response;

typedef struct hcs_gcs_wait_for_process_response {
    hcs_gcs_response_base base;
    uint32_t exit_code;
} hcs_gcs_wait_for_process_response;

typedef struct hcs_gcs_get_properties_response {
    hcs_gcs_response_base base;
    char *properties_json; /* the inner document (unwrapped), or NULL */
} hcs_gcs_get_properties_response;

typedef struct hcs_gcs_dump_stacks_response {
    hcs_gcs_response_base base;
    char *guest_stacks; /* NULL when absent */
} hcs_gcs_dump_stacks_response;

/* Container notification (type 0x30100101). */
typedef struct hcs_gcs_notification {
    char *container_id;
    char *activity_id;
    char *type;       /* "UnexpectedExit", "GracefulExit", ... ("" if absent) */
    char *operation;  /* "None", ... ("" if absent) */
    int32_t result;
    char *result_info_json; /* inner document (unwrapped), or NULL */
} hcs_gcs_notification;

/* Decoders: lenient like Go's encoding/json (unknown keys ignored, keys
 * matched case-insensitively, missing optional keys keep zero values, JSON
 * null = absent, Result accepted as signed or unsigned 32-bit), strict on
 * what matters: the body must be one JSON object, known keys must have the
 * right JSON type and range, double-encoded fields must be strings holding
 * valid JSON. Failure: HCS_ERR_INVALID_JSON with a message naming the key.
 * A trailing newline/whitespace is accepted. */
HCS_API hcs_result hcs_gcs_decode_response_base(const char *body, size_t len,
                                                hcs_gcs_response_base *out);
HCS_API hcs_result hcs_gcs_decode_negotiate_response(
    const char *body, size_t len, hcs_gcs_negotiate_response *out);
HCS_API hcs_result hcs_gcs_decode_create_response(
    const char *body, size_t len, hcs_gcs_create_response *out);
HCS_API hcs_result hcs_gcs_decode_execute_process_response(
    const char *body, size_t len, hcs_gcs_execute_process_response *out);
HCS_API hcs_result hcs_gcs_decode_wait_for_process_response(
    const char *body, size_t len, hcs_gcs_wait_for_process_response *out);
HCS_API hcs_result hcs_gcs_decode_get_properties_response(
    const char *body, size_t len, hcs_gcs_get_properties_response *out);
HCS_API hcs_result hcs_gcs_decode_dump_stacks_response(
    const char *body, size_t len, hcs_gcs_dump_stacks_response *out);
HCS_API hcs_result hcs_gcs_decode_notification(const char *body, size_t len,
                                               hcs_gcs_notification *out);

HCS_API void hcs_gcs_response_base_clear(hcs_gcs_response_base *r);
HCS_API void hcs_gcs_negotiate_response_clear(hcs_gcs_negotiate_response *r);
HCS_API void hcs_gcs_create_response_clear(hcs_gcs_create_response *r);
HCS_API void hcs_gcs_execute_process_response_clear(
    hcs_gcs_execute_process_response *r);
HCS_API void hcs_gcs_wait_for_process_response_clear(
    hcs_gcs_wait_for_process_response *r);
HCS_API void hcs_gcs_get_properties_response_clear(
    hcs_gcs_get_properties_response *r);
HCS_API void hcs_gcs_dump_stacks_response_clear(hcs_gcs_dump_stacks_response *r);
HCS_API void hcs_gcs_notification_clear(hcs_gcs_notification *n);

/* ---- frames ---- */

/* A frame located in memory. body points into the caller's buffer. */
typedef struct hcs_gcs_frame {
    uint32_t type;
    uint32_t size;   /* total, including the header */
    uint64_t id;
    uint64_t offset; /* byte offset of the header in the stream */
    const char *body;
    size_t body_len;
} hcs_gcs_frame;

/* Parses the frame at buf[0..len) (offset = its position in the stream,
 * used in messages). Returns HCS_S_OK with *out and *consumed; S_FALSE (1)
 * when len == 0; HCS_ERR_PROTOCOL_ERROR when Size < 16 or > 64 KiB;
 * HCS_ERR_CONNECTION_CLOSED when buf ends inside the frame. Messages give
 * the byte offset. */
HCS_API hcs_result hcs_gcs_frame_parse(const void *buf, size_t len,
                                       uint64_t offset, hcs_gcs_frame *out,
                                       size_t *consumed);

/* "Request(Create)", "Response(NegotiateProtocol)", "Notify(Container)",
 * "Response(0x20101001)" for unknown codes, "Unknown(0x...)" for other
 * nibbles. Writes into buf (32 bytes suffice) and returns buf. */
HCS_API char *hcs_gcs_type_name(uint32_t type, char *buf, size_t size);
/* RPC name for a request/response type ("ExecuteProcess"), "Container" for
 * the notification, NULL when unknown. Static string. */
HCS_API const char *hcs_gcs_rpc_name(uint32_t type);

#ifdef __cplusplus
}
#endif

#endif /* HCS_GCS_MESSAGES_H */
