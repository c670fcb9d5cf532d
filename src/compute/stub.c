/*
 * The Windows backend on other systems: every call fails with
 * HCS_ERR_WIN32_NOT_SUPPORTED and the message "<function>: the Host Compute
 * Service is only available on Windows". Nothing pretends to succeed:
 * enumerations fail instead of returning an empty list, queues and
 * operations cannot be created. Functions without a result code return
 * their "nothing" value (NULL, 0). tests/core/test_core_stub.c checks every
 * function of include/hcs/compute.h.
 */
#include <stddef.h>
#include <string.h>

#include "compute/compute_int.h"

/* The verbs that take only options and a timeout. */
#define SYSTEM_VERB_STUB(name)                                                     \
    HCSI_STUB(name, (hcs_system *s, const char *options_json, int64_t timeout_ms),  \
              HCSI_STUB_NO_OUTPUT)
#define PROCESS_VERB_STUB(name)                                                    \
    HCSI_STUB(name, (hcs_process *p, const char *options_json, int64_t timeout_ms), \
              HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_load, (void), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_set_dll_path, (const char *dll_path), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_features, (char **json), HCSI_STUB_CLEAR(json))

int hcs_compute_function_present(const char *name)
{
    return hcsi_stub_function_present(hcsi_cc_names, HCSI_CC_COUNT, name);
}

int hcsi_stub_function_present(const char *const *names, size_t n, const char *name)
{
    size_t i;
    for (i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 0;
    return -1;
}

HCSI_STUB(hcs_compute_stream_read, (hcs_stream *s, void *buf, size_t n, size_t *got),
          HCSI_STUB_CLEAR(got))

HCSI_STUB(hcs_compute_stream_write, (hcs_stream *s, const void *buf, size_t n), HCSI_STUB_NO_OUTPUT)

hcs_os_handle hcs_compute_stream_os_handle(const hcs_stream *s)
{
    return HCS_OS_HANDLE_NONE;
}

void hcs_compute_stream_close(hcs_stream *s)
{
    /* nothing was ever opened */
}

HCSI_STUB(hcs_compute_events_create, (hcs_events **out), HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_events_wait, (hcs_events *q, int64_t timeout_ms, hcs_event **out),
          HCSI_STUB_CLEAR(out))

size_t hcs_compute_events_pending(hcs_events *q)
{
    return 0;
}

uint64_t hcs_compute_events_dropped(hcs_events *q)
{
    return 0;
}

void hcs_compute_events_close(hcs_events *q)
{
    /* nothing was ever opened */
}

HCSI_STUB(hcs_compute_op_create, (hcs_op **out), HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_op_create_with_callback, (hcs_compute_op_callback cb, void *ctx,
          hcs_op **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_op_create_with_events, (hcs_events *q, uint32_t options, uint64_t tag,
          hcs_op **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_op_set_callback, (hcs_op *op, hcs_compute_op_callback cb, void *ctx),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_op_set_context, (hcs_op *op, void *ctx), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_op_get_context, (hcs_op *op, void **ctx), HCSI_STUB_CLEAR(ctx))

HCSI_STUB(hcs_compute_op_get_type, (hcs_op *op, int *type), HCSI_STUB_CLEAR(type))

HCSI_STUB(hcs_compute_op_get_id, (hcs_op *op, uint64_t *id), HCSI_STUB_CLEAR(id))

HCSI_STUB(hcs_compute_op_get_system, (hcs_op *op, hcs_system **out), HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_op_get_process, (hcs_op *op, hcs_process **out), HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_op_result, (hcs_op *op, char **result_json), HCSI_STUB_CLEAR(result_json))

hcs_result hcs_compute_op_result_process(hcs_op *op, hcs_compute_process_info *info, char **result_json)
{
    if (info)
        memset(info, 0, sizeof *info);
    if (result_json)
        *result_json = NULL;
    return hcsi_core_not_windows("hcs_compute_op_result_process");
}

HCSI_STUB(hcs_compute_op_wait, (hcs_op *op, int64_t timeout_ms, char **result_json),
          HCSI_STUB_CLEAR(result_json))

hcs_result hcs_compute_op_wait_process(hcs_op *op, int64_t timeout_ms, hcs_compute_process_info *info, char **result_json)
{
    if (info)
        memset(info, 0, sizeof *info);
    if (result_json)
        *result_json = NULL;
    return hcsi_core_not_windows("hcs_compute_op_wait_process");
}

HCSI_STUB(hcs_compute_op_cancel, (hcs_op *op), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_op_properties, (hcs_op *op, const char *options_json, char **result_json),
          HCSI_STUB_CLEAR(result_json))

HCSI_STUB(hcs_compute_op_add_resource, (hcs_op *op, int type, const char *uri,
          hcs_os_handle handle),
          HCSI_STUB_NO_OUTPUT)

void hcs_compute_op_close(hcs_op *op)
{
    /* nothing was ever opened */
}

HCSI_STUB(hcs_compute_enumerate, (const char *query_json, int64_t timeout_ms, char **json),
          HCSI_STUB_CLEAR(json))

HCSI_STUB(hcs_compute_enumerate_in_namespace, (const char *namespace_id, const char *query_json,
          int64_t timeout_ms, char **json),
          HCSI_STUB_CLEAR(json))

HCSI_STUB(hcs_compute_enumerate_begin, (const char *namespace_id, const char *query_json,
          hcs_op *op),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_system_create, (const char *id, const char *config_json,
          int64_t timeout_ms, hcs_system **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_system_create_ex, (const char *id, const char *config_json,
          const hcs_compute_system_create_options *opts, int64_t timeout_ms, hcs_system **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_system_create_begin, (const char *id, const char *config_json,
          const hcs_compute_system_create_options *opts, hcs_op *op, hcs_system **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_system_open, (const char *id, hcs_system **out), HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_system_open_in_namespace, (const char *namespace_id, const char *id,
          hcs_system **out),
          HCSI_STUB_CLEAR(out))

const char * hcs_compute_system_id(const hcs_system *s)
{
    return NULL;
}

void hcs_compute_system_close(hcs_system *s)
{
    /* nothing was ever opened */
}

SYSTEM_VERB_STUB(hcs_compute_system_start)
SYSTEM_VERB_STUB(hcs_compute_system_shutdown)
SYSTEM_VERB_STUB(hcs_compute_system_terminate)
SYSTEM_VERB_STUB(hcs_compute_system_crash)
SYSTEM_VERB_STUB(hcs_compute_system_pause)
SYSTEM_VERB_STUB(hcs_compute_system_resume)
SYSTEM_VERB_STUB(hcs_compute_system_save)

HCSI_STUB(hcs_compute_system_properties, (hcs_system *s, const char *query_json,
          int64_t timeout_ms, char **json),
          HCSI_STUB_CLEAR(json))

HCSI_STUB(hcs_compute_system_modify, (hcs_system *s, const char *request_json,
          hcs_os_handle identity, int64_t timeout_ms),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_system_wait, (hcs_system *s, int64_t timeout_ms, char **exit_json),
          HCSI_STUB_CLEAR(exit_json))

HCSI_STUB(hcs_compute_system_subscribe, (hcs_system *s, hcs_events *q, uint32_t options,
          uint64_t tag),
          HCSI_STUB_NO_OUTPUT)

SYSTEM_VERB_STUB(hcs_compute_system_migration_initialize)
SYSTEM_VERB_STUB(hcs_compute_system_migration_start)
SYSTEM_VERB_STUB(hcs_compute_system_migration_transfer)
SYSTEM_VERB_STUB(hcs_compute_system_migration_finalize)
SYSTEM_VERB_STUB(hcs_compute_system_migration_cancel)

HCSI_STUB(hcs_compute_system_begin, (hcs_system *s, hcs_compute_system_verb verb,
          const char *doc_json, hcs_op *op),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_process_create, (hcs_system *s, const char *params_json,
          int64_t timeout_ms, hcs_process **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_process_create_begin, (hcs_system *s, const char *params_json, hcs_op *op,
          hcs_process **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_compute_process_open, (hcs_system *s, uint32_t pid, hcs_process **out),
          HCSI_STUB_CLEAR(out))

uint32_t hcs_compute_process_pid(const hcs_process *p)
{
    return 0;
}

hcs_stream * hcs_compute_process_stdio(hcs_process *p, int which)
{
    return NULL;
}

HCSI_STUB(hcs_compute_process_close_stdio, (hcs_process *p, int which, int64_t timeout_ms),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_process_relay, (hcs_process *p, hcs_os_handle in, hcs_os_handle out,
          hcs_os_handle err),
          HCSI_STUB_NO_OUTPUT)

hcs_result hcs_compute_process_get_info(hcs_process *p, int64_t timeout_ms, hcs_compute_process_info *info, char **result_json)
{
    if (info)
        memset(info, 0, sizeof *info);
    if (result_json)
        *result_json = NULL;
    return hcsi_core_not_windows("hcs_compute_process_get_info");
}

HCSI_STUB(hcs_compute_process_properties, (hcs_process *p, const char *query_json,
          int64_t timeout_ms, char **json),
          HCSI_STUB_CLEAR(json))

HCSI_STUB(hcs_compute_process_modify, (hcs_process *p, const char *request_json,
          int64_t timeout_ms),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_process_resize, (hcs_process *p, uint16_t height, uint16_t width,
          int64_t timeout_ms),
          HCSI_STUB_NO_OUTPUT)

PROCESS_VERB_STUB(hcs_compute_process_signal)
PROCESS_VERB_STUB(hcs_compute_process_terminate)

HCSI_STUB(hcs_compute_process_kill, (hcs_process *p, int64_t timeout_ms), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_process_wait, (hcs_process *p, int64_t timeout_ms, uint32_t *exit_code,
          char **status_json),
          HCSI_STUB_CLEAR(exit_code) HCSI_STUB_CLEAR(status_json))

HCSI_STUB(hcs_compute_process_subscribe, (hcs_process *p, hcs_events *q, uint32_t options,
          uint64_t tag),
          HCSI_STUB_NO_OUTPUT)

void hcs_compute_process_close(hcs_process *p)
{
    /* nothing was ever opened */
}

HCSI_STUB(hcs_compute_process_begin, (hcs_process *p, hcs_compute_process_verb verb,
          const char *doc_json, hcs_op *op),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_service_properties, (const char *query_json, char **json),
          HCSI_STUB_CLEAR(json))

HCSI_STUB(hcs_compute_service_modify, (const char *settings_json, char **result_json),
          HCSI_STUB_CLEAR(result_json))

HCSI_STUB(hcs_compute_service_submit_wer_report, (const char *settings_json), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_guest_state_file_create, (const char *path), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_runtime_state_file_create, (const char *path), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_vm_access_grant, (const char *vm_id, const char *path), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_vm_access_revoke, (const char *vm_id, const char *path), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_vm_group_access_grant, (const char *path), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_vm_group_access_revoke, (const char *path), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_compute_processor_compat_from_saved_state, (const char *runtime_file, char **json),
          HCSI_STUB_CLEAR(json))
