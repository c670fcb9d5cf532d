/*
 * The computecore.dll backend: operations and the enumeration of compute systems.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/win/compute_win.h"

/* ------------------------------------------------------------------ */
/* operations                                                          */
/* ------------------------------------------------------------------ */

static void op_destroy(hcsi_obj *o)
{
    hcs_op *op = (hcs_op *)o;
    if (op->h)
        CC(op->t, HcsCloseOperation)(op->h);
    if (op->q)
        hcsi_obj_unref(&op->q->base);
    hcsi_mutex_destroy(&op->m);
    free(op->what);
    free(op);
}

static hcs_result op_alloc(const cc_table *t, hcs_op **out)
{
    hcs_op *op = (hcs_op *)calloc(1, sizeof *op);
    hcs_result hr;
    *out = NULL;
    if (!op)
        return hcsi_err_oom();
    op->t = t;
    hr = hcsi_obj_init_locked(&op->base, &op->m, HCSI_KIND_OP, op_destroy);
    if (HCS_FAILED(hr)) {
        free(op);
        return hr;
    }
    *out = op;
    return HCS_S_OK;
}

/* An operation on table t, with or without the completion trampoline. */
hcs_result hcsi_cc_op_new(const cc_table *t, int with_callback, hcs_op **out)
{
    hcs_op *op;
    hcs_result hr = hcsi_cc_has3(t, IX(HcsCreateOperation), IX(HcsCloseOperation), -1);
    if (HCS_FAILED(hr))
        return hr;
    hr = op_alloc(t, &op);
    if (HCS_FAILED(hr))
        return hr;
    op->h = CC(t, HcsCreateOperation)(KEYCTX(op),
                                      with_callback ? hcsi_cc_op_complete_tramp : NULL);
    if (!op->h) {
        DWORD e = GetLastError();
        hcsi_cc_obj_discard(&op->base);
        return hcsi_err(e ? hcs_hresult_from_win32(e) : HCS_ERR_OUTOFMEMORY,
                        "HcsCreateOperation failed");
    }
    *out = op;
    return HCS_S_OK;
}

/* Sets what the operation is for (for messages); takes ownership. */
void hcsi_cc_op_set_what(hcs_op *op, char *what)
{
    hcsi_mutex_lock(&op->m);
    free(op->what);
    op->what = what;
    hcsi_mutex_unlock(&op->m);
}

static char *op_what(hcs_op *op)
{
    char *w;
    hcsi_mutex_lock(&op->m);
    w = hcsi_strdup(op->what ? op->what : "operation");
    hcsi_mutex_unlock(&op->m);
    return w;
}

hcs_result hcs_compute_op_create(hcs_op **out)
{
    const cc_table *t;
    hcs_result hr;
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_create: out is NULL");
    *out = NULL;
    hr = hcsi_cc_get(&t);
    return HCS_FAILED(hr) ? hr : hcsi_cc_op_new(t, 0, out);
}

hcs_result hcs_compute_op_create_with_callback(hcs_compute_op_callback cb, void *ctx,
                                       hcs_op **out)
{
    const cc_table *t;
    hcs_result hr;
    if (!out || !cb)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_create_with_callback: %s is NULL",
                        out ? "cb" : "out");
    *out = NULL;
    hr = hcsi_cc_get(&t);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcsi_cc_op_new(t, 1, out);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_mutex_lock(&(*out)->m);
    (*out)->cb = cb;
    (*out)->cb_ctx = ctx;
    hcsi_mutex_unlock(&(*out)->m);
    return HCS_S_OK;
}

hcs_result hcs_compute_op_create_with_events(hcs_events *q, uint32_t options,
                                     uint64_t tag, hcs_op **out)
{
    const cc_table *t;
    hcs_op *op;
    hcs_result hr;
    if (!out || !q)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_create_with_events: %s is NULL",
                        out ? "q" : "out");
    *out = NULL;
    hr = hcsi_cc_need3(&t, IX(HcsCreateOperationWithNotifications), IX(HcsCloseOperation),
                  -1);
    if (HCS_FAILED(hr))
        return hr;
    hr = op_alloc(t, &op);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&q->base);
    op->q = q;
    op->tag = tag;
    op->h = CC(t, HcsCreateOperationWithNotifications)(
        (HCSI_CC_OPERATION_OPTIONS)options, KEYCTX(op), hcsi_cc_event_tramp);
    if (!op->h) {
        DWORD e = GetLastError();
        hcsi_cc_obj_discard(&op->base);
        return hcsi_err(e ? hcs_hresult_from_win32(e) : HCS_ERR_OUTOFMEMORY,
                        "HcsCreateOperationWithNotifications failed");
    }
    *out = op;
    return HCS_S_OK;
}

void hcs_compute_op_close(hcs_op *op)
{
    if (!op)
        return;
    /* Late completion callbacks find no key; HcsCloseOperation runs when
     * the last call using the handle has returned (op_destroy). */
    hcsi_cc_obj_discard(&op->base);
}

hcs_result hcs_compute_op_set_callback(hcs_op *op, hcs_compute_op_callback cb, void *ctx)
{
    hcs_compute_op_callback old_cb;
    void *old_ctx;
    hcs_result hr;
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_set_callback: op is NULL");
    if (!op->t->fn[IX(HcsSetOperationCallback)])
        return hcsi_cc_missing(op->t, IX(HcsSetOperationCallback));
    hcsi_obj_ref(&op->base);
    hcsi_mutex_lock(&op->m);
    old_cb = op->cb;
    old_ctx = op->cb_ctx;
    op->cb = cb;
    op->cb_ctx = ctx;
    hcsi_mutex_unlock(&op->m);
    /* HCS always gets the trampoline (its callback is not optional); a NULL
     * cb only stops the delivery to the caller. */
    hr = CC(op->t, HcsSetOperationCallback)(op->h, KEYCTX(op), hcsi_cc_op_complete_tramp);
    if (HCS_FAILED(hr)) {
        hcsi_mutex_lock(&op->m);
        op->cb = old_cb;
        op->cb_ctx = old_ctx;
        hcsi_mutex_unlock(&op->m);
        hr = hcsi_core_fail(hr, NULL, "HcsSetOperationCallback");
    }
    hcsi_obj_unref(&op->base);
    return hr;
}

hcs_result hcs_compute_op_set_context(hcs_op *op, void *ctx)
{
    void *old;
    hcs_result hr;
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_set_context: op is NULL");
    if (!op->t->fn[IX(HcsSetOperationContext)])
        return hcsi_cc_missing(op->t, IX(HcsSetOperationContext));
    hcsi_obj_ref(&op->base);
    hcsi_mutex_lock(&op->m);
    old = op->cb_ctx;
    op->cb_ctx = ctx;
    hcsi_mutex_unlock(&op->m);
    /* HCS's context stays our key: callbacks look the key up and pass the
     * caller's ctx. */
    hr = CC(op->t, HcsSetOperationContext)(op->h, KEYCTX(op));
    if (HCS_FAILED(hr)) {
        hcsi_mutex_lock(&op->m);
        op->cb_ctx = old;
        hcsi_mutex_unlock(&op->m);
        hr = hcsi_core_fail(hr, NULL, "HcsSetOperationContext");
    }
    hcsi_obj_unref(&op->base);
    return hr;
}

hcs_result hcs_compute_op_get_context(hcs_op *op, void **ctx)
{
    void *k;
    hcs_result hr = HCS_S_OK;
    if (!op || !ctx)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_get_context: op or ctx is NULL");
    *ctx = NULL;
    if (!op->t->fn[IX(HcsGetOperationContext)])
        return hcsi_cc_missing(op->t, IX(HcsGetOperationContext));
    hcsi_obj_ref(&op->base);
    k = CC(op->t, HcsGetOperationContext)(op->h);
    if (k != KEYCTX(op)) {
        hr = hcsi_err(HCS_ERR_UNEXPECTED,
                      "HcsGetOperationContext returned %p, not this operation's "
                      "key %llu",
                      k, (unsigned long long)op->base.key);
    } else {
        hcsi_mutex_lock(&op->m);
        *ctx = op->cb_ctx;
        hcsi_mutex_unlock(&op->m);
    }
    hcsi_obj_unref(&op->base);
    return hr;
}

hcs_result hcs_compute_op_get_type(hcs_op *op, int *type)
{
    if (!op || !type)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_get_type: op or type is NULL");
    if (!op->t->fn[IX(HcsGetOperationType)])
        return hcsi_cc_missing(op->t, IX(HcsGetOperationType));
    hcsi_obj_ref(&op->base);
    *type = (int)CC(op->t, HcsGetOperationType)(op->h);
    hcsi_obj_unref(&op->base);
    return HCS_S_OK;
}

hcs_result hcs_compute_op_get_id(hcs_op *op, uint64_t *id)
{
    UINT64 v;
    if (!op || !id)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_get_id: op or id is NULL");
    *id = 0;
    if (!op->t->fn[IX(HcsGetOperationId)])
        return hcsi_cc_missing(op->t, IX(HcsGetOperationId));
    hcsi_obj_ref(&op->base);
    v = CC(op->t, HcsGetOperationId)(op->h);
    hcsi_obj_unref(&op->base);
    if (v == HCSI_CC_INVALID_OPERATION_ID)
        return hcsi_err(HCS_ERR_OPERATION_NOT_STARTED,
                        "the operation has no id: it was not used yet");
    *id = v;
    return HCS_S_OK;
}

static int match_system_handle(const hcsi_obj *o, void *arg)
{
    return (void *)((const hcs_system *)o)->h == arg;
}

static int match_process_handle(const hcsi_obj *o, void *arg)
{
    return (void *)((const hcs_process *)o)->h == arg;
}

hcs_result hcs_compute_op_get_system(hcs_op *op, hcs_system **out)
{
    HCSI_CC_SYSTEM h;
    hcsi_obj *o;
    if (!op || !out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_get_system: op or out is NULL");
    *out = NULL;
    if (!op->t->fn[IX(HcsGetComputeSystemFromOperation)])
        return hcsi_cc_missing(op->t, IX(HcsGetComputeSystemFromOperation));
    hcsi_obj_ref(&op->base);
    h = CC(op->t, HcsGetComputeSystemFromOperation)(op->h);
    hcsi_obj_unref(&op->base);
    if (!h)
        return hcsi_err(HCS_ERR_WIN32_NOT_FOUND,
                        "the operation is not associated with a compute system");
    o = hcsi_obj_find(HCSI_KIND_SYSTEM, match_system_handle, (void *)h);
    if (!o)
        return hcsi_err(HCS_ERR_WIN32_NOT_FOUND,
                        "the operation's compute system is not open in libhcs");
    *out = (hcs_system *)o;
    hcsi_obj_unref(o); /* borrowed */
    return HCS_S_OK;
}

hcs_result hcs_compute_op_get_process(hcs_op *op, hcs_process **out)
{
    HCSI_CC_PROCESS h;
    hcsi_obj *o;
    if (!op || !out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_get_process: op or out is NULL");
    *out = NULL;
    if (!op->t->fn[IX(HcsGetProcessFromOperation)])
        return hcsi_cc_missing(op->t, IX(HcsGetProcessFromOperation));
    hcsi_obj_ref(&op->base);
    h = CC(op->t, HcsGetProcessFromOperation)(op->h);
    hcsi_obj_unref(&op->base);
    if (!h)
        return hcsi_err(HCS_ERR_WIN32_NOT_FOUND,
                        "the operation is not associated with a process");
    o = hcsi_obj_find(HCSI_KIND_PROCESS, match_process_handle, (void *)h);
    if (!o)
        return hcsi_err(HCS_ERR_WIN32_NOT_FOUND,
                        "the operation's process is not open in libhcs");
    *out = (hcs_process *)o;
    hcsi_obj_unref(o); /* borrowed */
    return HCS_S_OK;
}

/* The result of an operation: blocking (wait) or not, with or without the
 * process information. The rich error on failure. */
static hcs_result op_collect(hcs_op *op, int blocking, int64_t timeout_ms,
                             int want_pinfo, hcs_compute_process_info *info,
                             char **result, int cancel_on_timeout)
{
    const cc_table *t = op->t;
    HCSI_CC_PROCESS_INFORMATION pi;
    PWSTR wdoc = NULL;
    char *doc = NULL, *what;
    hcs_result hr, chr;
    DWORD dw = hcsi_core_timeout_dword(timeout_ms);
    int ix = blocking ? (want_pinfo ? IX(HcsWaitForOperationResultAndProcessInfo)
                                    : IX(HcsWaitForOperationResult))
                      : (want_pinfo ? IX(HcsGetOperationResultAndProcessInfo)
                                    : IX(HcsGetOperationResult));
    if (result)
        *result = NULL;
    if (info)
        memset(info, 0, sizeof *info);
    if (!t->fn[ix])
        return hcsi_cc_missing(t, ix);
    memset(&pi, 0, sizeof pi);
    hcsi_obj_ref(&op->base);
    if (blocking && want_pinfo)
        hr = CC(t, HcsWaitForOperationResultAndProcessInfo)(op->h, dw, &pi, &wdoc);
    else if (blocking)
        hr = CC(t, HcsWaitForOperationResult)(op->h, dw, &wdoc);
    else if (want_pinfo)
        hr = CC(t, HcsGetOperationResultAndProcessInfo)(op->h, &pi, &wdoc);
    else
        hr = CC(t, HcsGetOperationResult)(op->h, &wdoc);
    chr = hcsi_cc_take_w(wdoc, &doc);
    what = op_what(op);
    if (HCS_FAILED(hr)) {
        hcsi_cc_pinfo_take(&pi, NULL);
        if (!blocking && hr == HCS_ERR_OPERATION_PENDING) {
            hr = hcsi_err(hr, "%s: still running", what ? what : "operation");
        } else if (!blocking && hr == HCS_ERR_OPERATION_NOT_STARTED) {
            hr = hcsi_err(hr, "%s: not started", what ? what : "operation");
        } else if (blocking && hcsi_core_is_timeout(hr) && !cancel_on_timeout) {
            hr = hcsi_err_detail(HCS_ERR_OPERATION_TIMEOUT, doc,
                                 "%s: did not complete within %lu ms (still running)",
                                 what ? what : "operation", (unsigned long)dw);
        } else if (blocking && hcsi_core_is_timeout(hr)) {
            /* hcsshim's runOperation: cancel best-effort, then the caller
             * releases the operation and HCS discards its result */
            hcs_result cancel = t->fn[IX(HcsCancelOperation)]
                                    ? CC(t, HcsCancelOperation)(op->h)
                                    : HCS_ERR_WIN32_PROC_NOT_FOUND;
            hr = hcsi_err_detail(HCS_ERR_OPERATION_TIMEOUT, doc,
                                 "%s: did not complete within %lu ms (cancel "
                                 "requested: %s)",
                                 what ? what : "operation", (unsigned long)dw,
                                 HCS_SUCCEEDED(cancel) ? "accepted"
                                                       : hcs_strerror(cancel));
        } else {
            hr = hcsi_core_fail(hr, doc, "%s", what ? what : "operation");
        }
        free(doc);
    } else if (HCS_FAILED(chr)) {
        hcsi_cc_pinfo_take(&pi, NULL);
        hr = chr;
    } else {
        if (want_pinfo)
            hcsi_cc_pinfo_take(&pi, info);
        if (result)
            *result = doc;
        else
            free(doc);
    }
    free(what);
    hcsi_obj_unref(&op->base);
    return hr;
}

hcs_result hcs_compute_op_result(hcs_op *op, char **result_json)
{
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_result: op is NULL");
    return op_collect(op, 0, 0, 0, NULL, result_json, 0);
}

hcs_result hcs_compute_op_result_process(hcs_op *op, hcs_compute_process_info *info,
                                 char **result_json)
{
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_result_process: op is NULL");
    return op_collect(op, 0, 0, 1, info, result_json, 0);
}

hcs_result hcs_compute_op_wait(hcs_op *op, int64_t timeout_ms, char **result_json)
{
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_wait: op is NULL");
    return op_collect(op, 1, timeout_ms, 0, NULL, result_json, 0);
}

hcs_result hcs_compute_op_wait_process(hcs_op *op, int64_t timeout_ms,
                               hcs_compute_process_info *info, char **result_json)
{
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_wait_process: op is NULL");
    return op_collect(op, 1, timeout_ms, 1, info, result_json, 0);
}

hcs_result hcs_compute_op_cancel(hcs_op *op)
{
    hcs_result hr;
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_cancel: op is NULL");
    if (!op->t->fn[IX(HcsCancelOperation)])
        return hcsi_cc_missing(op->t, IX(HcsCancelOperation));
    hcsi_obj_ref(&op->base);
    hr = CC(op->t, HcsCancelOperation)(op->h);
    hcsi_obj_unref(&op->base);
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "HcsCancelOperation (best effort)");
    return hr;
}

hcs_result hcs_compute_op_properties(hcs_op *op, const char *options_json,
                             char **result_json)
{
    uint16_t *wopt = NULL;
    PWSTR wdoc = NULL;
    char *doc = NULL;
    hcs_result hr, chr;
    if (result_json)
        *result_json = NULL;
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_properties: op is NULL");
    if (!op->t->fn[IX(HcsGetOperationProperties)])
        return hcsi_cc_missing(op->t, IX(HcsGetOperationProperties));
    hr = to_w(options_json, "operation properties options", &wopt);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&op->base);
    hr = CC(op->t, HcsGetOperationProperties)(op->h, W(wopt), &wdoc);
    hcsi_obj_unref(&op->base);
    free(wopt);
    chr = hcsi_cc_take_w(wdoc, &doc);
    if (HCS_FAILED(hr)) {
        hr = hcsi_core_fail(hr, doc, "HcsGetOperationProperties");
        free(doc);
        return hr;
    }
    if (HCS_FAILED(chr))
        return chr;
    if (result_json)
        *result_json = doc;
    else
        free(doc);
    return HCS_S_OK;
}

hcs_result hcs_compute_op_add_resource(hcs_op *op, int type, const char *uri,
                               hcs_os_handle handle)
{
    uint16_t *wuri = NULL;
    hcs_result hr;
    if (!op || !uri)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_op_add_resource: op or uri is NULL");
    if (!op->t->fn[IX(HcsAddResourceToOperation)])
        return hcsi_cc_missing(op->t, IX(HcsAddResourceToOperation));
    hr = to_w(uri, "resource uri", &wuri);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&op->base);
    hr = CC(op->t, HcsAddResourceToOperation)(op->h, (HCSI_CC_RESOURCE_TYPE)type,
                                              W(wuri), (HANDLE)HCSI_OS_HANDLE_PTR(handle));
    hcsi_obj_unref(&op->base);
    free(wuri);
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "add resource \"%s\" to the operation", uri);
    return hr;
}

/* Waits for op (a call that started it succeeded), then closes it. */
hcs_result hcsi_cc_op_run(hcs_op *op, int64_t timeout_ms, int want_pinfo,
                         hcs_compute_process_info *info, char **result)
{
    hcs_result hr = op_collect(op, 1, timeout_ms, want_pinfo, info, result, 1);
    hcs_compute_op_close(op);
    return hr;
}

/* ------------------------------------------------------------------ */
/* enumeration                                                         */
/* ------------------------------------------------------------------ */

hcs_result hcs_compute_enumerate_begin(const char *namespace_id, const char *query_json,
                               hcs_op *op)
{
    uint16_t *wns = NULL, *wq = NULL;
    const cc_table *t;
    hcs_result hr;
    int ix = namespace_id ? IX(HcsEnumerateComputeSystemsInNamespace)
                          : IX(HcsEnumerateComputeSystems);
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_enumerate_begin: op is NULL");
    t = op->t;
    if (!t->fn[ix])
        return hcsi_cc_missing(t, ix);
    hr = to_w(namespace_id, "namespace id", &wns);
    if (HCS_SUCCEEDED(hr))
        hr = to_w(query_json, "enumeration query", &wq);
    if (HCS_FAILED(hr)) {
        free(wns);
        return hr;
    }
    hcsi_cc_op_set_what(op, namespace_id ? hcsi_asprintf("enumerate compute systems in "
                                            "namespace \"%s\"", namespace_id)
                                 : hcsi_asprintf("enumerate compute systems"));
    hcsi_obj_ref(&op->base);
    if (namespace_id)
        hr = CC(t, HcsEnumerateComputeSystemsInNamespace)(W(wns), W(wq), op->h);
    else
        hr = CC(t, HcsEnumerateComputeSystems)(W(wq), op->h);
    hcsi_obj_unref(&op->base);
    free(wns);
    free(wq);
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "%s", hcsi_cc_names[ix]);
    return hr;
}

hcs_result hcs_compute_enumerate_in_namespace(const char *namespace_id,
                                      const char *query_json, int64_t timeout_ms,
                                      char **json)
{
    const cc_table *t;
    hcs_op *op;
    hcs_result hr;
    if (!json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_enumerate: json is NULL");
    *json = NULL;
    hr = hcsi_cc_get(&t);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_cc_op_new(t, 0, &op);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcs_compute_enumerate_begin(namespace_id, query_json, op);
    if (HCS_FAILED(hr)) {
        hcs_compute_op_close(op);
        return hr;
    }
    hr = hcsi_cc_op_run(op, timeout_ms, 0, NULL, json);
    if (HCS_SUCCEEDED(hr) && !*json && !(*json = hcsi_strdup("[]")))
        return hcsi_err_oom();
    return hr;
}

hcs_result hcs_compute_enumerate(const char *query_json, int64_t timeout_ms, char **json)
{
    return hcs_compute_enumerate_in_namespace(NULL, query_json, timeout_ms, json);
}
