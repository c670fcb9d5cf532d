/*
 * The computecore.dll backend: processes in a compute system and their stdio relay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/win/compute_win.h"

/* ------------------------------------------------------------------ */
/* processes                                                           */
/* ------------------------------------------------------------------ */

static void process_destroy(hcsi_obj *o)
{
    hcs_process *p = (hcs_process *)o;
    int i;
    for (i = 0; i < 3; i++)
        hcs_compute_stream_close(p->stdio[i]);
    if (p->h)
        CC(p->t, HcsCloseProcess)(p->h);
    if (p->q)
        hcsi_obj_unref(&p->q->base);
    hcsi_mutex_destroy(&p->m);
    hcsi_cond_destroy(&p->exit.cv);
    free(p->exit.doc);
    free(p->system_id);
    free(p->ns);
    free(p->cmdline);
    free(p);
}

static hcs_result process_alloc(hcs_system *s, hcs_process **out)
{
    hcs_process *p = (hcs_process *)calloc(1, sizeof *p);
    hcs_result hr;
    *out = NULL;
    if (!p)
        return hcsi_err_oom();
    p->t = s->t;
    hcsi_mutex_init(&p->m);
    hcsi_cond_init(&p->exit.cv);
    if (!(p->system_id = hcsi_strdup(s->id)) || (s->ns && !(p->ns = hcsi_strdup(s->ns)))) {
        free(p->system_id);
        hcsi_mutex_destroy(&p->m);
        hcsi_cond_destroy(&p->exit.cv);
        free(p);
        return hcsi_err_oom();
    }
    hr = hcsi_obj_init(&p->base, HCSI_KIND_PROCESS, process_destroy);
    if (HCS_FAILED(hr)) {
        free(p->system_id);
        free(p->ns);
        hcsi_mutex_destroy(&p->m);
        hcsi_cond_destroy(&p->exit.cv);
        free(p);
        return hr;
    }
    *out = p;
    return HCS_S_OK;
}

/* Builds without HcsWaitForProcessExit: register the callback as soon as
 * the handle exists (before the process can have run) so that the wait can
 * use the ProcessExited event; a failure only leaves the wait "not
 * supported". */
static void process_track_exits(hcs_process *p)
{
    if (p->t->fn[IX(HcsWaitForProcessExit)] || p->exit.on ||
        !p->t->fn[IX(HcsSetProcessCallback)])
        return;
    if (HCS_SUCCEEDED(CC(p->t, HcsSetProcessCallback)(p->h, (HCSI_CC_EVENT_OPTIONS)0,
                                                     KEYCTX(p), hcsi_cc_event_tramp))) {
        p->exit.on = 1;
        p->exit.internal = 1;
    }
}

/* On such a build, after the create or open: a process that exited before
 * the callback was registered sends no more exit event, but its
 * ProcessStatus (HcsGetProcessProperties) says Exited, with its ExitCode
 * (the exit is recorded with that document). Keeps the thread's error. */
static void process_check_exited(hcs_process *p)
{
    hcs_error *keep;
    char *props = NULL;
    hcsi_json *root = NULL;
    if (!p->exit.internal)
        return;
    keep = hcs_error_take();
    if (HCS_SUCCEEDED(hcs_compute_process_properties(p, NULL, HCS_TIMEOUT_DEFAULT, &props)) &&
        HCS_SUCCEEDED(hcsi_json_parse(props, strlen(props), "properties", &root)) &&
        hcsi_json_kind_of(hcsi_json_get(root, "Exited")) == HCSI_JSON_BOOL &&
        hcsi_json_boolval(hcsi_json_get(root, "Exited")))
        hcsi_cc_exit_record(&p->exit, &p->m, props);
    hcsi_json_put(root);
    hcs_free(props);
    hcs_error_clear();
    (void)hcsi_err_restore(keep, HCS_S_OK);
}

hcs_result hcs_compute_process_create_begin(hcs_system *s, const char *params_json,
                                    hcs_op *op, hcs_process **out)
{
    hcs_process *p = NULL;
    uint16_t *wparams = NULL;
    HCSI_CC_PROCESS h = NULL;
    hcs_result hr;
    int ixs[3];
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_process_create: out is NULL");
    *out = NULL;
    if (!s || !params_json || !op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_process_create: %s is NULL",
                        !s ? "system" : !params_json ? "params_json" : "op");
    ixs[0] = IX(HcsCreateProcess);
    ixs[1] = IX(HcsCloseProcess);
    ixs[2] = -1;
    hr = hcsi_cc_has(s->t, ixs);
    if (HCS_FAILED(hr))
        return hr;
    hr = to_w(params_json, "process parameters", &wparams);
    if (HCS_SUCCEEDED(hr))
        hr = process_alloc(s, &p);
    if (HCS_FAILED(hr)) {
        free(wparams);
        return hr;
    }
    p->cmdline = hcsi_core_command_line(params_json);
    hcsi_cc_op_set_what(op, hcsi_asprintf("create process \"%s\" in compute system \"%s\"",
                             p->cmdline ? p->cmdline : "", s->id));
    hcsi_obj_ref(&s->base);
    hcsi_obj_ref(&op->base);
    hr = CC(s->t, HcsCreateProcess)(s->h, W(wparams), op->h, NULL, &h);
    hcsi_obj_unref(&op->base);
    hcsi_obj_unref(&s->base);
    free(wparams);
    p->h = h; /* even with a failing create: discarding p closes it */
    if (HCS_FAILED(hr)) {
        hr = hcsi_core_fail(hr, NULL,
                            "create process \"%s\" in compute system \"%s\"",
                            p->cmdline ? p->cmdline : "", s->id);
        hcsi_cc_obj_discard(&p->base);
        return hr;
    }
    process_track_exits(p);
    *out = p;
    return HCS_S_OK;
}

/* Fire-and-forget terminate of a process whose creation timed out; keeps
 * the thread's error. */
static void process_terminate_async(hcs_process *p)
{
    hcs_error *keep = hcs_error_take();
    hcs_op *op;
    if (p->h && p->t->fn[IX(HcsTerminateProcess)] && HCS_SUCCEEDED(hcsi_cc_op_new(p->t, 0, &op))) {
        (void)CC(p->t, HcsTerminateProcess)(p->h, op->h, NULL);
        hcs_compute_op_close(op);
    }
    hcs_error_clear();
    (void)hcsi_err_restore(keep, HCS_S_OK);
}

hcs_result hcs_compute_process_create(hcs_system *s, const char *params_json,
                              int64_t timeout_ms, hcs_process **out)
{
    hcs_process *p = NULL;
    hcs_compute_process_info info;
    hcs_op *op;
    hcs_result hr;
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_process_create: out is NULL");
    *out = NULL;
    if (!s)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_process_create: system is NULL");
    hr = hcsi_cc_op_new(s->t, 0, &op);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcs_compute_process_create_begin(s, params_json, op, &p);
    if (HCS_FAILED(hr)) {
        hcs_compute_op_close(op);
        return hr;
    }
    hcsi_obj_ref(&s->base);
    hr = hcsi_cc_op_run(op, timeout_ms, 1, &info, NULL);
    hcsi_obj_unref(&s->base);
    if (HCS_FAILED(hr) && hr != HCS_ERR_OPERATION_TIMEOUT && p->h &&
        p->t->fn[IX(HcsGetProcessInfo)]) {
        /* hcsshim internal/hcs/system.go createProcess: on process-isolated
         * containers (Windows Server 2022) the create wait can fail although
         * the handle came back and the process runs; HcsGetProcessInfo
         * recovers it. If that fails too, the create's own error stands. */
        hcs_error *orig = hcs_error_take();
        hcs_result rhr = hcs_compute_process_get_info(p, timeout_ms, &info, NULL);
        if (HCS_SUCCEEDED(rhr)) {
            hcs_error_free(orig);
            hr = HCS_S_OK;
        } else {
            (void)hcsi_err_restore(orig, hr);
        }
    }
    if (HCS_FAILED(hr)) {
        if (hr == HCS_ERR_OPERATION_TIMEOUT)
            process_terminate_async(p); /* it may still start later */
        hcs_compute_process_close(p);
        return hr;
    }
    p->pid = info.process_id;
    p->stdio[HCS_STDIN] = info.std_in;
    p->stdio[HCS_STDOUT] = info.std_out;
    p->stdio[HCS_STDERR] = info.std_err;
    process_check_exited(p); /* an exit before the registration */
    *out = p;
    return HCS_S_OK;
}

hcs_result hcs_compute_process_open(hcs_system *s, uint32_t pid, hcs_process **out)
{
    hcs_process *p = NULL;
    HCSI_CC_PROCESS h = NULL;
    hcs_result hr;
    int ixs[3];
    if (!out || !s)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_process_open: %s is NULL",
                        out ? "system" : "out");
    *out = NULL;
    ixs[0] = IX(HcsOpenProcess);
    ixs[1] = IX(HcsCloseProcess);
    ixs[2] = -1;
    hr = hcsi_cc_has(s->t, ixs);
    if (HCS_SUCCEEDED(hr))
        hr = process_alloc(s, &p);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&s->base);
    hr = CC(s->t, HcsOpenProcess)(s->h, pid, GENERIC_ALL, &h);
    hcsi_obj_unref(&s->base);
    if (HCS_FAILED(hr)) {
        hcsi_cc_obj_discard(&p->base);
        return hcsi_core_fail(hr, NULL, "open process %lu in compute system \"%s\"",
                              (unsigned long)pid, s->id);
    }
    p->h = h;
    p->pid = pid;
    process_track_exits(p);
    process_check_exited(p);
    *out = p;
    return HCS_S_OK;
}

uint32_t hcs_compute_process_pid(const hcs_process *p) { return p ? p->pid : 0; }

hcs_stream *hcs_compute_process_stdio(hcs_process *p, int which)
{
    hcs_stream *s;
    if (!p || which < 0 || which > 2)
        return NULL;
    hcsi_mutex_lock(&p->m);
    s = p->stdio[which];
    hcsi_mutex_unlock(&p->m);
    return s;
}

void hcs_compute_process_close(hcs_process *p)
{
    if (p)
        hcsi_cc_obj_discard(&p->base);
}

static const struct {
    int ix;
    const char *verb;
} k_process_verbs[] = {
    {IX(HcsTerminateProcess), "terminate"},
    {IX(HcsSignalProcess), "signal"},
    {IX(HcsGetProcessInfo), "get the information of"},
    {IX(HcsGetProcessProperties), "get the properties of"},
    {IX(HcsModifyProcess), "modify"},
};

hcs_result hcs_compute_process_begin(hcs_process *p, hcs_compute_process_verb verb,
                             const char *doc_json, hcs_op *op)
{
    uint16_t *wdoc = NULL;
    hcs_result hr;
    int ix;
    if (!p || !op)
        return hcsi_err(HCS_ERR_POINTER, "process verb: %s is NULL",
                        p ? "op" : "process");
    if ((int)verb < 0 || (size_t)verb >= HCSI_ARRAY_LEN(k_process_verbs))
        return hcsi_err(HCS_ERR_INVALIDARG, "unknown process verb %d", (int)verb);
    ix = k_process_verbs[verb].ix;
    if (!p->t->fn[ix])
        return hcsi_cc_missing(p->t, ix);
    hr = to_w(doc_json, "document", &wdoc);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_cc_op_set_what(op, hcsi_asprintf("%s process %lu in compute system \"%s\"",
                             k_process_verbs[verb].verb, (unsigned long)p->pid,
                             p->system_id));
    hcsi_obj_ref(&p->base);
    hcsi_obj_ref(&op->base);
    if (verb == HCS_PROCESS_VERB_INFO)
        hr = CC(p->t, HcsGetProcessInfo)(p->h, op->h);
    else /* the others have the shape of HcsTerminateProcess */
        hr = ((hcsi_cc_pfn_HcsTerminateProcess)p->t->fn[ix])(p->h, op->h, W(wdoc));
    hcsi_obj_unref(&op->base);
    hcsi_obj_unref(&p->base);
    free(wdoc);
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "%s process %lu in compute system \"%s\" (%s)",
                              k_process_verbs[verb].verb, (unsigned long)p->pid,
                              p->system_id, hcsi_cc_names[ix]);
    return hr;
}

static hcs_result process_sync(hcs_process *p, hcs_compute_process_verb verb,
                               const char *doc, int64_t timeout_ms,
                               hcs_compute_process_info *info, char **result)
{
    hcs_op *op;
    hcs_result hr;
    if (result)
        *result = NULL;
    if (info)
        memset(info, 0, sizeof *info);
    if (!p)
        return hcsi_err(HCS_ERR_POINTER, "process verb: process is NULL");
    hr = hcsi_cc_op_new(p->t, 0, &op);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&p->base); /* a close meanwhile waits for this call */
    hr = hcs_compute_process_begin(p, verb, doc, op);
    if (HCS_FAILED(hr))
        hcs_compute_op_close(op);
    else
        hr = hcsi_cc_op_run(op, timeout_ms, verb == HCS_PROCESS_VERB_INFO, info, result);
    hcsi_obj_unref(&p->base);
    return hr;
}

hcs_result hcs_compute_process_get_info(hcs_process *p, int64_t timeout_ms,
                                hcs_compute_process_info *info, char **result_json)
{
    return process_sync(p, HCS_PROCESS_VERB_INFO, NULL, timeout_ms, info,
                        result_json);
}

hcs_result hcs_compute_process_properties(hcs_process *p, const char *query_json,
                                  int64_t timeout_ms, char **json)
{
    if (!json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_process_properties: json is NULL");
    return process_sync(p, HCS_PROCESS_VERB_PROPERTIES, query_json, timeout_ms, NULL,
                        json);
}

hcs_result hcs_compute_process_modify(hcs_process *p, const char *request_json,
                              int64_t timeout_ms)
{
    if (!request_json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_process_modify: request_json is NULL");
    return process_sync(p, HCS_PROCESS_VERB_MODIFY, request_json, timeout_ms, NULL,
                        NULL);
}

hcs_result hcs_compute_process_resize(hcs_process *p, uint16_t height, uint16_t width,
                              int64_t timeout_ms)
{
    char doc[128];
    snprintf(doc, sizeof doc,
             "{\"Operation\":\"ConsoleSize\",\"ConsoleSize\":{\"Height\":%u,"
             "\"Width\":%u}}",
             (unsigned)height, (unsigned)width);
    return process_sync(p, HCS_PROCESS_VERB_MODIFY, doc, timeout_ms, NULL, NULL);
}

hcs_result hcs_compute_process_signal(hcs_process *p, const char *options_json,
                              int64_t timeout_ms)
{
    return process_sync(p, HCS_PROCESS_VERB_SIGNAL, options_json, timeout_ms, NULL,
                        NULL);
}

hcs_result hcs_compute_process_terminate(hcs_process *p, const char *options_json,
                                 int64_t timeout_ms)
{
    return process_sync(p, HCS_PROCESS_VERB_TERMINATE, options_json, timeout_ms,
                        NULL, NULL);
}

hcs_result hcs_compute_process_close_stdio(hcs_process *p, int which, int64_t timeout_ms)
{
    hcs_stream *s;
    hcs_result hr = HCS_S_OK;
    if (!p || which < 0 || which > 2)
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_compute_process_close_stdio: bad %s",
                        p ? "stream" : "process");
    if (which == HCS_STDIN) {
        /* hcsshim's CloseStdin: tell HCS first (it may hold its own copy of
         * the pipe), then close ours. A process that exited is fine. */
        hr = process_sync(p, HCS_PROCESS_VERB_MODIFY,
                          "{\"Operation\":\"CloseHandle\",\"CloseHandle\":"
                          "{\"Handle\":\"StdIn\"}}",
                          timeout_ms, NULL, NULL);
        /* hcsshim's CloseStdin callers: "does not exist", "already
         * closed" and ERROR_VMCOMPUTE_INVALID_STATE (shutting down) */
        if (hcsi_core_is_gone(hr) || hr == HCS_ERR_VMCOMPUTE_INVALID_STATE) {
            hcs_error_clear();
            hr = HCS_S_OK;
        }
    }
    hcsi_mutex_lock(&p->m);
    s = p->stdio[which];
    p->stdio[which] = NULL;
    hcsi_mutex_unlock(&p->m);
    hcs_compute_stream_close(s);
    return hr;
}

hcs_result hcs_compute_process_kill(hcs_process *p, int64_t timeout_ms)
{
    const cc_table *t;
    HCSI_CC_SYSTEM hs = NULL;
    HCSI_CC_PROCESS hp = NULL;
    uint16_t *wid = NULL, *wns = NULL;
    hcs_op *op = NULL;
    hcs_result hr;
    int ixs[6];
    if (!p)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_process_kill: process is NULL");
    t = p->t;
    hcsi_obj_ref(&p->base);
    ixs[0] = p->ns ? IX(HcsOpenComputeSystemInNamespace) : IX(HcsOpenComputeSystem);
    ixs[1] = IX(HcsCloseComputeSystem);
    ixs[2] = IX(HcsOpenProcess);
    ixs[3] = IX(HcsCloseProcess);
    ixs[4] = IX(HcsTerminateProcess);
    ixs[5] = -1;
    hr = hcsi_cc_has(t, ixs);
    if (HCS_FAILED(hr))
        goto done;
    hr = to_w(p->system_id, "compute system id", &wid);
    if (HCS_SUCCEEDED(hr))
        hr = to_w(p->ns, "namespace id", &wns);
    if (HCS_FAILED(hr))
        goto done;
    /* Fresh handles: HCS serializes signals per handle, so a call stuck on
     * the process's own handle cannot hold the kill back (hcsshim). */
    if (p->ns)
        hr = CC(t, HcsOpenComputeSystemInNamespace)(W(wns), W(wid), GENERIC_ALL, &hs);
    else
        hr = CC(t, HcsOpenComputeSystem)(W(wid), GENERIC_ALL, &hs);
    if (HCS_FAILED(hr)) {
        if (hcsi_core_is_gone(hr))
            goto stopped;
        hr = hcsi_core_fail(hr, NULL, "kill process %lu: open compute system \"%s\"",
                            (unsigned long)p->pid, p->system_id);
        goto done;
    }
    hr = CC(t, HcsOpenProcess)(hs, p->pid, GENERIC_ALL, &hp);
    if (HCS_FAILED(hr)) {
        if (hcsi_core_is_gone(hr)) /* access denied here is a real error */
            goto stopped;
        hr = hcsi_core_fail(hr, NULL, "kill process %lu in compute system \"%s\": "
                            "open the process", (unsigned long)p->pid, p->system_id);
        goto done;
    }
    hr = hcsi_cc_op_new(t, 0, &op);
    if (HCS_FAILED(hr))
        goto done;
    hcsi_cc_op_set_what(op, hcsi_asprintf("kill process %lu in compute system \"%s\"",
                             (unsigned long)p->pid, p->system_id));
    hr = CC(t, HcsTerminateProcess)(hp, op->h, NULL);
    if (HCS_SUCCEEDED(hr)) {
        hr = hcsi_cc_op_run(op, timeout_ms, 0, NULL, NULL);
    } else {
        hcs_compute_op_close(op);
        if (!hcsi_core_is_already_stopped(hr))
            hr = hcsi_core_fail(hr, NULL, "kill process %lu in compute system "
                                "\"%s\" (HcsTerminateProcess)",
                                (unsigned long)p->pid, p->system_id);
    }
    if (HCS_FAILED(hr) && hcsi_core_is_already_stopped(hr))
        goto stopped;
    goto done;
stopped:
    hcs_error_clear();
    hr = HCS_ERR_S_FALSE;
done:
    if (hp)
        CC(t, HcsCloseProcess)(hp);
    if (hs)
        CC(t, HcsCloseComputeSystem)(hs);
    free(wid);
    free(wns);
    hcsi_obj_unref(&p->base);
    return hr;
}

hcs_result hcs_compute_process_wait(hcs_process *p, int64_t timeout_ms,
                            uint32_t *exit_code, char **status_json)
{
    PWSTR wres = NULL;
    char *res = NULL;
    hcs_result hr, chr;
    DWORD dw = hcsi_core_timeout_dword(timeout_ms);
    if (exit_code)
        *exit_code = 0;
    if (status_json)
        *status_json = NULL;
    if (!p)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_process_wait: process is NULL");
    if (!p->t->fn[IX(HcsWaitForProcessExit)]) {
        /* before 21H1: the ProcessExited event the callback recorded */
        if (!p->exit.on)
            return hcsi_cc_missing(p->t, IX(HcsWaitForProcessExit));
        hr = hcsi_cc_exit_wait(&p->exit, &p->m, timeout_ms, &res);
        chr = HCS_S_OK;
        if (hr == HCS_ERR_OPERATION_TIMEOUT)
            return hcsi_err(HCS_ERR_OPERATION_TIMEOUT,
                            "process %lu in compute system \"%s\" did not exit within %lu ms",
                            (unsigned long)p->pid, p->system_id, (unsigned long)dw);
        if (HCS_FAILED(hr))
            return hr;
    } else {
        hcsi_obj_ref(&p->base);
        hr = CC(p->t, HcsWaitForProcessExit)(p->h, dw, &wres);
        hcsi_obj_unref(&p->base);
        chr = hcsi_cc_take_w(wres, &res);
    }
    if (HCS_FAILED(hr)) {
        if (hcsi_core_is_exit_timeout(hr))
            hr = hcsi_err(HCS_ERR_OPERATION_TIMEOUT,
                          "process %lu in compute system \"%s\" did not exit "
                          "within %lu ms",
                          (unsigned long)p->pid, p->system_id, (unsigned long)dw);
        else
            hr = hcsi_core_fail(hr, res, "wait for process %lu in compute system "
                                "\"%s\"", (unsigned long)p->pid, p->system_id);
        free(res);
        return hr;
    }
    if (HCS_FAILED(chr))
        return chr;
    {
        /* hcsshim v2/process.go waitBackground: the exit code stays -1 when
         * the ProcessStatus is missing or LastWaitResult is non-zero */
        uint32_t code = HCS_COMPUTE_EXIT_CODE_UNKNOWN, last_wait = 0;
        int r = hcsi_core_parse_exit_code(res, &code);
        if (r < 0) {
            hr = hcsi_err_detail(HCS_ERR_INVALID_JSON, res,
                                 "process %lu: the exit status has a malformed ExitCode",
                                 (unsigned long)p->pid);
            free(res);
            return hr;
        }
        if (hcsi_core_parse_last_wait_result(res, &last_wait) && last_wait != 0) {
            if (exit_code)
                *exit_code = HCS_COMPUTE_EXIT_CODE_UNKNOWN;
            hr = hcs_hresult_from_win32(last_wait);
            hr = hcsi_err_detail(HCS_FAILED(hr) ? hr : HCS_ERR_FAIL, res,
                                 "process %lu in compute system \"%s\": HCS could not wait "
                                 "for it (LastWaitResult %lu): %s; its exit code is unknown",
                                 (unsigned long)p->pid, p->system_id,
                                 (unsigned long)last_wait, hcs_strerror(hr));
            free(res);
            return hr;
        }
        hr = r == 1 ? HCS_S_OK : HCS_S_FALSE;
        if (exit_code)
            *exit_code = r == 1 ? code : HCS_COMPUTE_EXIT_CODE_UNKNOWN;
    }
    if (status_json)
        *status_json = res;
    else
        free(res);
    return hr;
}

hcs_result hcs_compute_process_subscribe(hcs_process *p, hcs_events *q, uint32_t options,
                                 uint64_t tag)
{
    hcs_events *old;
    uint64_t old_tag;
    hcs_result hr;
    if (!p || !q)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_process_subscribe: %s is NULL",
                        p ? "q" : "process");
    if (!p->t->fn[IX(HcsSetProcessCallback)])
        return hcsi_cc_missing(p->t, IX(HcsSetProcessCallback));
    hcsi_obj_ref(&p->base);
    old = hcsi_cc_queue_swap(&p->m, &p->q, &p->tag, q, tag, &old_tag);
    /* the library's own registration (builds without the exit wait)
     * already delivers the default events: no second registration */
    if (p->exit.internal && options == 0)
        hr = HCS_S_OK;
    else
        hr = CC(p->t, HcsSetProcessCallback)(p->h, (HCSI_CC_EVENT_OPTIONS)options,
                                             KEYCTX(p), hcsi_cc_event_tramp);
    if (HCS_SUCCEEDED(hr) && !(p->exit.internal && options == 0)) {
        p->exit.on = 1;
        p->exit.internal = 0;
    }
    if (HCS_FAILED(hr)) {
        hcs_events *mine = hcsi_cc_queue_swap(&p->m, &p->q, &p->tag, old, old_tag, NULL);
        if (mine)
            hcsi_obj_unref(&mine->base);
        hr = hcsi_core_fail(hr, NULL, "subscribe to process %lu in compute system "
                            "\"%s\"", (unsigned long)p->pid, p->system_id);
    }
    if (old)
        hcsi_obj_unref(&old->base);
    hcsi_obj_unref(&p->base);
    return hr;
}

/* ---- relay ---- */

typedef struct pump {
    hcs_process *p;
    hcs_stream *s; /* the process's stream */
    HANDLE os;     /* the caller's handle (NULL: drain) */
    hcs_result hr;
    char *err;
} pump;

static void pump_record(pump *pp, hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    pp->hr = hr;
    pp->err = hcsi_strdup(e ? e->message : hcs_strerror(hr));
}

/* process output -> caller's handle */
static void pump_out(void *arg)
{
    pump *pp = (pump *)arg;
    char buf[16384];
    for (;;) {
        size_t got = 0;
        hcs_result hr = hcs_compute_stream_read(pp->s, buf, sizeof buf, &got);
        DWORD off = 0;
        if (HCS_FAILED(hr)) {
            pump_record(pp, hr);
            return;
        }
        if (got == 0)
            return;
        while (pp->os && off < got) {
            DWORD wr = 0;
            if (!WriteFile(pp->os, buf + off, (DWORD)got - off, &wr, NULL)) {
                pp->os = NULL; /* the reader is gone: drain the rest */
                break;
            }
            off += wr;
        }
    }
}

/* caller's handle -> process stdin, closed at EOF */
static void pump_in(void *arg)
{
    pump *pp = (pump *)arg;
    char buf[16384];
    for (;;) {
        DWORD rd = 0;
        if (!ReadFile(pp->os, buf, sizeof buf, &rd, NULL) || rd == 0)
            break;
        if (HCS_FAILED(hcs_compute_stream_write(pp->s, buf, rd))) {
            hcs_error_clear();
            break;
        }
    }
    (void)hcs_compute_process_close_stdio(pp->p, HCS_STDIN, HCS_TIMEOUT_DEFAULT);
    hcs_error_clear();
    hcsi_obj_unref(&pp->p->base);
    free(pp);
}

hcs_result hcs_compute_process_relay(hcs_process *p, hcs_os_handle in, hcs_os_handle out,
                             hcs_os_handle err)
{
    pump po, pe;
    pump *pi = NULL;
    hcsi_thread terr, tin;
    int have_err = 0, have_in = 0;
    hcs_result hr = HCS_S_OK;
    if (!p)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_process_relay: process is NULL");
    memset(&po, 0, sizeof po);
    memset(&pe, 0, sizeof pe);
    hcsi_obj_ref(&p->base);
    po.p = pe.p = p;
    po.s = hcs_compute_process_stdio(p, HCS_STDOUT);
    po.os = (HANDLE)HCSI_OS_HANDLE_PTR(out);
    pe.s = hcs_compute_process_stdio(p, HCS_STDERR);
    pe.os = (HANDLE)HCSI_OS_HANDLE_PTR(err);
    if (in && hcs_compute_process_stdio(p, HCS_STDIN)) {
        pi = (pump *)calloc(1, sizeof *pi);
        if (pi) {
            pi->p = p;
            pi->s = hcs_compute_process_stdio(p, HCS_STDIN);
            pi->os = (HANDLE)HCSI_OS_HANDLE_PTR(in);
            hcsi_obj_ref(&p->base); /* the stdin pump's own */
            if (HCS_SUCCEEDED(hcsi_thread_start(&tin, pump_in, pi))) {
                have_in = 1;
            } else {
                hcsi_obj_unref(&p->base);
                free(pi);
                hcs_error_clear();
            }
        }
    }
    if (pe.s && HCS_SUCCEEDED(hcsi_thread_start(&terr, pump_out, &pe)))
        have_err = 1;
    else if (pe.s)
        hcs_error_clear();
    if (po.s)
        pump_out(&po);
    if (have_err)
        hcsi_thread_join(&terr);
    else if (pe.s)
        pump_out(&pe);
    if (have_in) {
        /* The outputs ended: a stdin pump blocked reading the caller's
         * handle (a console) is woken; it holds its own reference. */
        if (WaitForSingleObject(tin.handle, 0) != WAIT_OBJECT_0)
            (void)CancelSynchronousIo(tin.handle);
        if (WaitForSingleObject(tin.handle, 200) == WAIT_OBJECT_0)
            hcsi_thread_join(&tin);
        else
            hcsi_thread_detach(&tin);
    }
    if (HCS_FAILED(po.hr))
        hr = hcsi_err(po.hr, "relay stdout: %s", po.err ? po.err : "");
    else if (HCS_FAILED(pe.hr))
        hr = hcsi_err(pe.hr, "relay stderr: %s", pe.err ? pe.err : "");
    free(po.err);
    free(pe.err);
    hcsi_obj_unref(&p->base);
    return hr;
}
