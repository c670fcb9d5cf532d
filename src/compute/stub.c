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

hcs_result hcs_compute_load(void)
{
    return hcsi_core_not_windows("hcs_compute_load");
}

hcs_result hcs_compute_set_dll_path(const char *dll_path)
{
    return hcsi_core_not_windows("hcs_compute_set_dll_path");
}

hcs_result hcs_compute_features(char **json)
{
    if (json)
        *json = NULL;
    return hcsi_core_not_windows("hcs_compute_features");
}

int hcs_compute_function_present(const char *name)
{
    return hcsi_cc_index(name) < 0 ? -1 : 0;
}

hcs_result hcs_compute_stream_read(hcs_stream *s, void *buf, size_t n, size_t *got)
{
    if (got)
        *got = 0;
    return hcsi_core_not_windows("hcs_compute_stream_read");
}

hcs_result hcs_compute_stream_write(hcs_stream *s, const void *buf, size_t n)
{
    return hcsi_core_not_windows("hcs_compute_stream_write");
}

hcs_os_handle hcs_compute_stream_os_handle(const hcs_stream *s)
{
    return HCS_OS_HANDLE_NONE;
}

void hcs_compute_stream_close(hcs_stream *s)
{
    /* nothing was ever opened */
}

hcs_result hcs_compute_events_create(hcs_events **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_events_create");
}

hcs_result hcs_compute_events_wait(hcs_events *q, int64_t timeout_ms, hcs_event **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_events_wait");
}

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

hcs_result hcs_compute_op_create(hcs_op **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_op_create");
}

hcs_result hcs_compute_op_create_with_callback(hcs_compute_op_callback cb, void *ctx, hcs_op **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_op_create_with_callback");
}

hcs_result hcs_compute_op_create_with_events(hcs_events *q, uint32_t options, uint64_t tag, hcs_op **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_op_create_with_events");
}

hcs_result hcs_compute_op_set_callback(hcs_op *op, hcs_compute_op_callback cb, void *ctx)
{
    return hcsi_core_not_windows("hcs_compute_op_set_callback");
}

hcs_result hcs_compute_op_set_context(hcs_op *op, void *ctx)
{
    return hcsi_core_not_windows("hcs_compute_op_set_context");
}

hcs_result hcs_compute_op_get_context(hcs_op *op, void **ctx)
{
    if (ctx)
        *ctx = NULL;
    return hcsi_core_not_windows("hcs_compute_op_get_context");
}

hcs_result hcs_compute_op_get_type(hcs_op *op, int *type)
{
    if (type)
        *type = 0;
    return hcsi_core_not_windows("hcs_compute_op_get_type");
}

hcs_result hcs_compute_op_get_id(hcs_op *op, uint64_t *id)
{
    if (id)
        *id = 0;
    return hcsi_core_not_windows("hcs_compute_op_get_id");
}

hcs_result hcs_compute_op_get_system(hcs_op *op, hcs_system **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_op_get_system");
}

hcs_result hcs_compute_op_get_process(hcs_op *op, hcs_process **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_op_get_process");
}

hcs_result hcs_compute_op_result(hcs_op *op, char **result_json)
{
    if (result_json)
        *result_json = NULL;
    return hcsi_core_not_windows("hcs_compute_op_result");
}

hcs_result hcs_compute_op_result_process(hcs_op *op, hcs_compute_process_info *info, char **result_json)
{
    if (info)
        memset(info, 0, sizeof *info);
    if (result_json)
        *result_json = NULL;
    return hcsi_core_not_windows("hcs_compute_op_result_process");
}

hcs_result hcs_compute_op_wait(hcs_op *op, int64_t timeout_ms, char **result_json)
{
    if (result_json)
        *result_json = NULL;
    return hcsi_core_not_windows("hcs_compute_op_wait");
}

hcs_result hcs_compute_op_wait_process(hcs_op *op, int64_t timeout_ms, hcs_compute_process_info *info, char **result_json)
{
    if (info)
        memset(info, 0, sizeof *info);
    if (result_json)
        *result_json = NULL;
    return hcsi_core_not_windows("hcs_compute_op_wait_process");
}

hcs_result hcs_compute_op_cancel(hcs_op *op)
{
    return hcsi_core_not_windows("hcs_compute_op_cancel");
}

hcs_result hcs_compute_op_properties(hcs_op *op, const char *options_json, char **result_json)
{
    if (result_json)
        *result_json = NULL;
    return hcsi_core_not_windows("hcs_compute_op_properties");
}

hcs_result hcs_compute_op_add_resource(hcs_op *op, int type, const char *uri, hcs_os_handle handle)
{
    return hcsi_core_not_windows("hcs_compute_op_add_resource");
}

void hcs_compute_op_close(hcs_op *op)
{
    /* nothing was ever opened */
}

hcs_result hcs_compute_enumerate(const char *query_json, int64_t timeout_ms, char **json)
{
    if (json)
        *json = NULL;
    return hcsi_core_not_windows("hcs_compute_enumerate");
}

hcs_result hcs_compute_enumerate_in_namespace(const char *namespace_id, const char *query_json, int64_t timeout_ms, char **json)
{
    if (json)
        *json = NULL;
    return hcsi_core_not_windows("hcs_compute_enumerate_in_namespace");
}

hcs_result hcs_compute_enumerate_begin(const char *namespace_id, const char *query_json, hcs_op *op)
{
    return hcsi_core_not_windows("hcs_compute_enumerate_begin");
}

hcs_result hcs_compute_system_create(const char *id, const char *config_json, int64_t timeout_ms, hcs_system **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_system_create");
}

hcs_result hcs_compute_system_create_ex(const char *id, const char *config_json, const hcs_compute_system_create_options *opts, int64_t timeout_ms, hcs_system **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_system_create_ex");
}

hcs_result hcs_compute_system_create_begin(const char *id, const char *config_json, const hcs_compute_system_create_options *opts, hcs_op *op, hcs_system **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_system_create_begin");
}

hcs_result hcs_compute_system_open(const char *id, hcs_system **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_system_open");
}

hcs_result hcs_compute_system_open_in_namespace(const char *namespace_id, const char *id, hcs_system **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_system_open_in_namespace");
}

const char * hcs_compute_system_id(const hcs_system *s)
{
    return NULL;
}

void hcs_compute_system_close(hcs_system *s)
{
    /* nothing was ever opened */
}

hcs_result hcs_compute_system_start(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_start");
}

hcs_result hcs_compute_system_shutdown(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_shutdown");
}

hcs_result hcs_compute_system_terminate(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_terminate");
}

hcs_result hcs_compute_system_crash(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_crash");
}

hcs_result hcs_compute_system_pause(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_pause");
}

hcs_result hcs_compute_system_resume(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_resume");
}

hcs_result hcs_compute_system_save(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_save");
}

hcs_result hcs_compute_system_properties(hcs_system *s, const char *query_json, int64_t timeout_ms, char **json)
{
    if (json)
        *json = NULL;
    return hcsi_core_not_windows("hcs_compute_system_properties");
}

hcs_result hcs_compute_system_modify(hcs_system *s, const char *request_json, hcs_os_handle identity, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_modify");
}

hcs_result hcs_compute_system_wait(hcs_system *s, int64_t timeout_ms, char **exit_json)
{
    if (exit_json)
        *exit_json = NULL;
    return hcsi_core_not_windows("hcs_compute_system_wait");
}

hcs_result hcs_compute_system_subscribe(hcs_system *s, hcs_events *q, uint32_t options, uint64_t tag)
{
    return hcsi_core_not_windows("hcs_compute_system_subscribe");
}

hcs_result hcs_compute_system_migration_initialize(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_migration_initialize");
}

hcs_result hcs_compute_system_migration_start(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_migration_start");
}

hcs_result hcs_compute_system_migration_transfer(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_migration_transfer");
}

hcs_result hcs_compute_system_migration_finalize(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_migration_finalize");
}

hcs_result hcs_compute_system_migration_cancel(hcs_system *s, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_system_migration_cancel");
}

hcs_result hcs_compute_system_begin(hcs_system *s, hcs_compute_system_verb verb, const char *doc_json, hcs_op *op)
{
    return hcsi_core_not_windows("hcs_compute_system_begin");
}

hcs_result hcs_compute_process_create(hcs_system *s, const char *params_json, int64_t timeout_ms, hcs_process **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_process_create");
}

hcs_result hcs_compute_process_create_begin(hcs_system *s, const char *params_json, hcs_op *op, hcs_process **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_process_create_begin");
}

hcs_result hcs_compute_process_open(hcs_system *s, uint32_t pid, hcs_process **out)
{
    if (out)
        *out = NULL;
    return hcsi_core_not_windows("hcs_compute_process_open");
}

uint32_t hcs_compute_process_pid(const hcs_process *p)
{
    return 0;
}

hcs_stream * hcs_compute_process_stdio(hcs_process *p, int which)
{
    return NULL;
}

hcs_result hcs_compute_process_close_stdio(hcs_process *p, int which, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_process_close_stdio");
}

hcs_result hcs_compute_process_relay(hcs_process *p, hcs_os_handle in, hcs_os_handle out, hcs_os_handle err)
{
    return hcsi_core_not_windows("hcs_compute_process_relay");
}

hcs_result hcs_compute_process_get_info(hcs_process *p, int64_t timeout_ms, hcs_compute_process_info *info, char **result_json)
{
    if (info)
        memset(info, 0, sizeof *info);
    if (result_json)
        *result_json = NULL;
    return hcsi_core_not_windows("hcs_compute_process_get_info");
}

hcs_result hcs_compute_process_properties(hcs_process *p, const char *query_json, int64_t timeout_ms, char **json)
{
    if (json)
        *json = NULL;
    return hcsi_core_not_windows("hcs_compute_process_properties");
}

hcs_result hcs_compute_process_modify(hcs_process *p, const char *request_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_process_modify");
}

hcs_result hcs_compute_process_resize(hcs_process *p, uint16_t height, uint16_t width, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_process_resize");
}

hcs_result hcs_compute_process_signal(hcs_process *p, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_process_signal");
}

hcs_result hcs_compute_process_terminate(hcs_process *p, const char *options_json, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_process_terminate");
}

hcs_result hcs_compute_process_kill(hcs_process *p, int64_t timeout_ms)
{
    return hcsi_core_not_windows("hcs_compute_process_kill");
}

hcs_result hcs_compute_process_wait(hcs_process *p, int64_t timeout_ms, uint32_t *exit_code, char **status_json)
{
    if (exit_code)
        *exit_code = 0;
    if (status_json)
        *status_json = NULL;
    return hcsi_core_not_windows("hcs_compute_process_wait");
}

hcs_result hcs_compute_process_subscribe(hcs_process *p, hcs_events *q, uint32_t options, uint64_t tag)
{
    return hcsi_core_not_windows("hcs_compute_process_subscribe");
}

void hcs_compute_process_close(hcs_process *p)
{
    /* nothing was ever opened */
}

hcs_result hcs_compute_process_begin(hcs_process *p, hcs_compute_process_verb verb, const char *doc_json, hcs_op *op)
{
    return hcsi_core_not_windows("hcs_compute_process_begin");
}

hcs_result hcs_compute_service_properties(const char *query_json, char **json)
{
    if (json)
        *json = NULL;
    return hcsi_core_not_windows("hcs_compute_service_properties");
}

hcs_result hcs_compute_service_modify(const char *settings_json, char **result_json)
{
    if (result_json)
        *result_json = NULL;
    return hcsi_core_not_windows("hcs_compute_service_modify");
}

hcs_result hcs_compute_service_submit_wer_report(const char *settings_json)
{
    return hcsi_core_not_windows("hcs_compute_service_submit_wer_report");
}

hcs_result hcs_compute_guest_state_file_create(const char *path)
{
    return hcsi_core_not_windows("hcs_compute_guest_state_file_create");
}

hcs_result hcs_compute_runtime_state_file_create(const char *path)
{
    return hcsi_core_not_windows("hcs_compute_runtime_state_file_create");
}

hcs_result hcs_compute_vm_access_grant(const char *vm_id, const char *path)
{
    return hcsi_core_not_windows("hcs_compute_vm_access_grant");
}

hcs_result hcs_compute_vm_access_revoke(const char *vm_id, const char *path)
{
    return hcsi_core_not_windows("hcs_compute_vm_access_revoke");
}

hcs_result hcs_compute_vm_group_access_grant(const char *path)
{
    return hcsi_core_not_windows("hcs_compute_vm_group_access_grant");
}

hcs_result hcs_compute_vm_group_access_revoke(const char *path)
{
    return hcsi_core_not_windows("hcs_compute_vm_group_access_revoke");
}

hcs_result hcs_compute_processor_compat_from_saved_state( const char *runtime_file, char **json)
{
    if (json)
        *json = NULL;
    return hcsi_core_not_windows("hcs_compute_processor_compat_from_saved_state");
}
