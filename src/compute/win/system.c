/*
 * The computecore.dll backend: compute systems.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/win/compute_win.h"

/* ------------------------------------------------------------------ */
/* compute systems                                                     */
/* ------------------------------------------------------------------ */

static void system_destroy(hcsi_obj *o)
{
    hcs_system *s = (hcs_system *)o;
    if (s->h)
        CC(s->t, HcsCloseComputeSystem)(s->h);
    if (s->q)
        hcsi_obj_unref(&s->q->base);
    hcsi_mutex_destroy(&s->m);
    hcsi_cond_destroy(&s->exit.cv);
    free(s->exit.doc);
    free(s->id);
    free(s->ns);
    free(s);
}

static hcs_result system_alloc(const cc_table *t, const char *id,
                               const char *ns, hcs_system **out)
{
    hcs_system *s = (hcs_system *)calloc(1, sizeof *s);
    hcs_result hr;
    *out = NULL;
    if (!s)
        return hcsi_err_oom();
    s->t = t;
    hcsi_mutex_init(&s->m);
    hcsi_cond_init(&s->exit.cv);
    if (!(s->id = hcsi_strdup(id)) || (ns && !(s->ns = hcsi_strdup(ns)))) {
        free(s->id);
        hcsi_mutex_destroy(&s->m);
        hcsi_cond_destroy(&s->exit.cv);
        free(s);
        return hcsi_err_oom();
    }
    hr = hcsi_obj_init(&s->base, HCSI_KIND_SYSTEM, system_destroy);
    if (HCS_FAILED(hr)) {
        free(s->id);
        free(s->ns);
        hcsi_mutex_destroy(&s->m);
        hcsi_cond_destroy(&s->exit.cv);
        free(s);
        return hr;
    }
    *out = s;
    return HCS_S_OK;
}

/* What a create (wcfg: its configuration) or an open of system id (in
 * namespace ns, or NULL) needs: the UTF-16 strings HCS gets, which the
 * caller frees, also on failure, and the system's object. */
static hcs_result system_prepare(const cc_table *t, const char *id, const char *config,
                                 const char *ns, uint16_t **wid, uint16_t **wcfg,
                                 uint16_t **wns, hcs_system **s)
{
    hcs_result hr = to_w(id, "compute system id", wid);
    if (HCS_SUCCEEDED(hr) && wcfg)
        hr = to_w(config, "compute system configuration", wcfg);
    if (HCS_SUCCEEDED(hr))
        hr = to_w(ns, "namespace id", wns);
    if (HCS_SUCCEEDED(hr))
        hr = system_alloc(t, id, ns, s);
    return hr;
}

/* Points the system's events at q (NULL: none); returns the old queue
 * (caller unrefs). */
static hcs_events *system_set_queue(hcs_system *s, hcs_events *q, uint64_t tag,
                                    uint64_t *old_tag)
{
    return hcsi_cc_queue_swap(&s->m, &s->q, &s->tag, q, tag, old_tag);
}

/* Builds without HcsWaitForComputeSystemExit: register the callback now
 * (options 0: the exit is always delivered) so that the wait can use the
 * exit event; a failure only leaves the wait "not supported". */
static void system_track_exits(hcs_system *s)
{
    if (s->t->fn[IX(HcsWaitForComputeSystemExit)] || s->exit.on ||
        !s->t->fn[IX(HcsSetComputeSystemCallback)])
        return;
    if (HCS_SUCCEEDED(CC(s->t, HcsSetComputeSystemCallback)(s->h, (HCSI_CC_EVENT_OPTIONS)0,
                                                           KEYCTX(s), hcsi_cc_event_tramp))) {
        s->exit.on = 1;
        s->exit.internal = 1;
    }
}

/* After an open on such a build: a system that had stopped before sends no
 * more exit event; its state says so. */
static void system_check_stopped(hcs_system *s)
{
    char *props = NULL;
    hcsi_json *root = NULL;
    if (!s->exit.internal)
        return;
    if (HCS_SUCCEEDED(hcs_compute_system_properties(s, NULL, HCS_TIMEOUT_DEFAULT, &props)) &&
        HCS_SUCCEEDED(hcsi_json_parse(props, strlen(props), "properties", &root))) {
        const char *st = hcsi_json_str(hcsi_json_get(root, "State"), NULL);
        if (st && strcmp(st, "Stopped") == 0)
            hcsi_cc_exit_record(&s->exit, &s->m, NULL);
    }
    hcsi_json_put(root);
    hcs_free(props);
    hcs_error_clear();
}

/* Fire-and-forget terminate of a system left half-created (creation timed
 * out, or its callback could not be registered); keeps the thread's error. */
static void system_terminate_async(hcs_system *s)
{
    hcs_error *keep = hcs_error_take();
    hcs_op *op;
    if (s->h && s->t->fn[IX(HcsTerminateComputeSystem)] &&
        HCS_SUCCEEDED(hcsi_cc_op_new(s->t, 0, &op))) {
        (void)CC(s->t, HcsTerminateComputeSystem)(s->h, op->h, NULL);
        hcs_compute_op_close(op);
    }
    hcs_error_clear();
    (void)hcsi_err_restore(keep, HCS_S_OK);
}

hcs_result hcs_compute_system_create_begin(const char *id, const char *config_json,
                                   const hcs_compute_system_create_options *opts,
                                   hcs_op *op, hcs_system **out)
{
    const cc_table *t;
    hcs_system *s = NULL;
    uint16_t *wid = NULL, *wcfg = NULL, *wns = NULL;
    HCSI_CC_SYSTEM h = NULL;
    hcs_result hr;
    const char *ns = opts ? opts->namespace_id : NULL;
    hcs_events *q = opts ? opts->events : NULL;
    int ix = ns ? IX(HcsCreateComputeSystemInNamespace) : IX(HcsCreateComputeSystem);
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_system_create: out is NULL");
    *out = NULL;
    if (!id || !config_json || !op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_system_create: %s is NULL",
                        !id ? "id" : !config_json ? "config_json" : "op");
    if (opts && opts->version != HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_VERSION)
        return hcsi_check_version(opts->version, HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_VERSION,
                                  "hcs_compute_system_create_options");
    t = op->t;
    hr = hcsi_cc_has3(t, ix, IX(HcsCloseComputeSystem),
                 q && !ns ? IX(HcsSetComputeSystemCallback) : -1);
    if (HCS_FAILED(hr))
        return hr;
    hr = system_prepare(t, id, config_json, ns, &wid, &wcfg, &wns, &s);
    if (HCS_FAILED(hr))
        goto done;
    if (q)
        (void)system_set_queue(s, q, opts->event_tag, NULL);
    hcsi_cc_op_set_what(op, hcsi_asprintf("create compute system \"%s\"", id));
    hcsi_obj_ref(&op->base);
    if (ns) {
        struct hcsi_cc_create_options_1 co;
        memset(&co, 0, sizeof co);
        co.Version = HCSI_CC_CREATE_OPTIONS_VERSION_1;
        co.UserToken = (HANDLE)HCSI_OS_HANDLE_PTR(opts->user_token);
        if (q) {
            co.CallbackOptions = (INT32)opts->event_options;
            co.CallbackContext = KEYCTX(s);
            co.Callback = hcsi_cc_event_tramp;
        }
        hr = CC(t, HcsCreateComputeSystemInNamespace)(
            W(wns), W(wid), W(wcfg), op->h, (const HCSI_CC_CREATE_OPTIONS *)&co, &h);
    } else {
        hr = CC(t, HcsCreateComputeSystem)(W(wid), W(wcfg), op->h, NULL, &h);
    }
    hcsi_obj_unref(&op->base);
    s->h = h; /* even with a failing create: discarding s closes it */
    if (HCS_FAILED(hr)) {
        hr = hcsi_core_fail(hr, NULL, "create compute system \"%s\" (%s)", id,
                            hcsi_cc_names[ix]);
        goto done;
    }
    if (q && !ns) {
        hr = CC(t, HcsSetComputeSystemCallback)(h, (HCSI_CC_EVENT_OPTIONS)opts->event_options,
                                                KEYCTX(s), hcsi_cc_event_tramp);
        if (HCS_FAILED(hr)) {
            /* hcsshim v2/system.go CreateComputeSystem: a system whose
             * callback could not be registered is terminated, then closed */
            hr = hcsi_core_fail(hr, NULL, "subscribe to compute system \"%s\"", id);
            system_terminate_async(s);
            goto done;
        }
    }
    if (q)
        s->exit.on = 1; /* the events' callback brings the exit too */
    else
        system_track_exits(s);
    *out = s;
    s = NULL;
done:
    if (s)
        hcsi_cc_obj_discard(&s->base); /* closes h when set */
    free(wid);
    free(wcfg);
    free(wns);
    return hr;
}


hcs_result hcs_compute_system_create_ex(const char *id, const char *config_json,
                                const hcs_compute_system_create_options *opts,
                                int64_t timeout_ms, hcs_system **out)
{
    const cc_table *t;
    hcs_system *s = NULL;
    hcs_op *op;
    hcs_result hr;
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_system_create: out is NULL");
    *out = NULL;
    hr = hcsi_cc_get(&t);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_cc_op_new(t, 0, &op);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcs_compute_system_create_begin(id, config_json, opts, op, &s);
    if (HCS_FAILED(hr)) {
        hcs_compute_op_close(op);
        return hr;
    }
    hr = hcsi_cc_op_run(op, timeout_ms, 0, NULL, NULL);
    if (HCS_FAILED(hr)) {
        if (hr == HCS_ERR_OPERATION_TIMEOUT)
            system_terminate_async(s); /* as hcsshim: no half-created system left */
        hcs_compute_system_close(s);
        return hr;
    }
    *out = s;
    return hr;
}

hcs_result hcs_compute_system_create(const char *id, const char *config_json,
                             int64_t timeout_ms, hcs_system **out)
{
    return hcs_compute_system_create_ex(id, config_json, NULL, timeout_ms, out);
}

hcs_result hcs_compute_system_open_in_namespace(const char *namespace_id,
                                        const char *id, hcs_system **out)
{
    const cc_table *t;
    hcs_system *s = NULL;
    uint16_t *wid = NULL, *wns = NULL;
    HCSI_CC_SYSTEM h = NULL;
    hcs_result hr;
    int ix = namespace_id ? IX(HcsOpenComputeSystemInNamespace)
                          : IX(HcsOpenComputeSystem);
    if (!out || !id)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_system_open: %s is NULL",
                        out ? "id" : "out");
    *out = NULL;
    hr = hcsi_cc_need3(&t, ix, IX(HcsCloseComputeSystem), -1);
    if (HCS_FAILED(hr))
        return hr;
    hr = system_prepare(t, id, NULL, namespace_id, &wid, NULL, &wns, &s);
    if (HCS_FAILED(hr))
        goto done;
    if (namespace_id)
        hr = CC(t, HcsOpenComputeSystemInNamespace)(W(wns), W(wid), GENERIC_ALL, &h);
    else
        hr = CC(t, HcsOpenComputeSystem)(W(wid), GENERIC_ALL, &h);
    if (HCS_FAILED(hr)) {
        hr = hcsi_core_fail(hr, NULL, "open compute system \"%s\"", id);
        goto done;
    }
    s->h = h;
    system_track_exits(s);
    system_check_stopped(s);
    *out = s;
    s = NULL;
done:
    if (s)
        hcsi_cc_obj_discard(&s->base);
    free(wid);
    free(wns);
    return hr;
}

hcs_result hcs_compute_system_open(const char *id, hcs_system **out)
{
    return hcs_compute_system_open_in_namespace(NULL, id, out);
}

const char *hcs_compute_system_id(const hcs_system *s) { return s ? s->id : NULL; }

HCSI_CC_SYSTEM hcsi_system_acquire(hcs_system *s)
{
    if (!s)
        return NULL;
    hcsi_obj_ref(&s->base);
    return s->h;
}

void hcsi_system_release(hcs_system *s)
{
    if (s)
        hcsi_obj_unref(&s->base);
}

void hcs_compute_system_close(hcs_system *s)
{
    if (s)
        hcsi_cc_obj_discard(&s->base);
}

static const struct {
    int ix;
    const char *verb;
} k_system_verbs[] = {
    {IX(HcsStartComputeSystem), "start"},
    {IX(HcsShutDownComputeSystem), "shut down"},
    {IX(HcsTerminateComputeSystem), "terminate"},
    {IX(HcsCrashComputeSystem), "crash"},
    {IX(HcsPauseComputeSystem), "pause"},
    {IX(HcsResumeComputeSystem), "resume"},
    {IX(HcsSaveComputeSystem), "save"},
    {IX(HcsGetComputeSystemProperties), "get the properties of"},
    {IX(HcsModifyComputeSystem), "modify"},
    {IX(HcsInitializeLiveMigrationOnSource), "initialize live migration of"},
    {IX(HcsStartLiveMigrationOnSource), "start live migration of"},
    {IX(HcsStartLiveMigrationTransfer), "start the live migration transfer of"},
    {IX(HcsFinalizeLiveMigration), "finalize live migration of"},
    {IX(HcsCancelLiveMigration), "cancel live migration of"},
};

static hcs_result system_begin(hcs_system *s, hcs_compute_system_verb verb,
                               const char *doc, hcs_os_handle identity,
                               hcs_op *op)
{
    uint16_t *wdoc = NULL;
    hcs_result hr;
    int ix;
    if (!s || !op)
        return hcsi_err(HCS_ERR_POINTER, "compute system verb: %s is NULL",
                        s ? "op" : "system");
    if ((int)verb < 0 || (size_t)verb >= HCSI_ARRAY_LEN(k_system_verbs))
        return hcsi_err(HCS_ERR_INVALIDARG, "unknown compute system verb %d",
                        (int)verb);
    ix = k_system_verbs[verb].ix;
    if (!s->t->fn[ix])
        return hcsi_cc_missing(s->t, ix);
    hr = to_w(doc, "document", &wdoc);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_cc_op_set_what(op, hcsi_asprintf("%s compute system \"%s\"", k_system_verbs[verb].verb,
                             s->id));
    hcsi_obj_ref(&s->base);
    hcsi_obj_ref(&op->base);
    if (verb == HCS_SYSTEM_VERB_MODIFY)
        hr = CC(s->t, HcsModifyComputeSystem)(s->h, op->h, W(wdoc), (HANDLE)HCSI_OS_HANDLE_PTR(identity));
    else /* every other verb has the shape of HcsStartComputeSystem */
        hr = ((hcsi_cc_pfn_HcsStartComputeSystem)s->t->fn[ix])(s->h, op->h, W(wdoc));
    hcsi_obj_unref(&op->base);
    hcsi_obj_unref(&s->base);
    free(wdoc);
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "%s compute system \"%s\" (%s)",
                              k_system_verbs[verb].verb, s->id, hcsi_cc_names[ix]);
    return hr;
}

hcs_result hcs_compute_system_begin(hcs_system *s, hcs_compute_system_verb verb,
                            const char *doc_json, hcs_op *op)
{
    return system_begin(s, verb, doc_json, HCS_OS_HANDLE_NONE, op);
}

static hcs_result system_sync(hcs_system *s, hcs_compute_system_verb verb,
                              const char *doc, hcs_os_handle identity,
                              int64_t timeout_ms, char **result)
{
    hcs_op *op;
    hcs_result hr;
    if (result)
        *result = NULL;
    if (!s)
        return hcsi_err(HCS_ERR_POINTER, "compute system verb: system is NULL");
    hr = hcsi_cc_op_new(s->t, 0, &op);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&s->base); /* a close meanwhile waits for this call */
    hr = system_begin(s, verb, doc, identity, op);
    if (HCS_FAILED(hr)) {
        hcs_compute_op_close(op);
    } else {
        hr = hcsi_cc_op_run(op, timeout_ms, 0, NULL, result);
    }
    hcsi_obj_unref(&s->base);
    if ((verb == HCS_SYSTEM_VERB_SHUTDOWN || verb == HCS_SYSTEM_VERB_TERMINATE) &&
        hcsi_core_is_stop_done(hr)) {
        hcs_error_clear();
        return HCS_ERR_S_FALSE;
    }
    return hr;
}

/* The verbs that take only options and a timeout. */
#define SYSTEM_VERB(name, verb)                                                    \
    hcs_result name(hcs_system *s, const char *o, int64_t ms)                      \
    {                                                                              \
        return system_sync(s, verb, o, 0, ms, NULL);                               \
    }

SYSTEM_VERB(hcs_compute_system_start, HCS_SYSTEM_VERB_START)
SYSTEM_VERB(hcs_compute_system_shutdown, HCS_SYSTEM_VERB_SHUTDOWN)
SYSTEM_VERB(hcs_compute_system_terminate, HCS_SYSTEM_VERB_TERMINATE)
SYSTEM_VERB(hcs_compute_system_crash, HCS_SYSTEM_VERB_CRASH)
SYSTEM_VERB(hcs_compute_system_pause, HCS_SYSTEM_VERB_PAUSE)
SYSTEM_VERB(hcs_compute_system_resume, HCS_SYSTEM_VERB_RESUME)
SYSTEM_VERB(hcs_compute_system_save, HCS_SYSTEM_VERB_SAVE)

hcs_result hcs_compute_system_properties(hcs_system *s, const char *query_json,
                                 int64_t ms, char **json)
{
    if (!json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_system_properties: json is NULL");
    return system_sync(s, HCS_SYSTEM_VERB_PROPERTIES, query_json, 0, ms, json);
}

hcs_result hcs_compute_system_modify(hcs_system *s, const char *request_json,
                             hcs_os_handle identity, int64_t ms)
{
    if (!request_json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_system_modify: request_json is NULL");
    return system_sync(s, HCS_SYSTEM_VERB_MODIFY, request_json, identity, ms, NULL);
}

SYSTEM_VERB(hcs_compute_system_migration_initialize, HCS_SYSTEM_VERB_MIGRATION_INITIALIZE)
SYSTEM_VERB(hcs_compute_system_migration_start, HCS_SYSTEM_VERB_MIGRATION_START)
SYSTEM_VERB(hcs_compute_system_migration_transfer, HCS_SYSTEM_VERB_MIGRATION_TRANSFER)
SYSTEM_VERB(hcs_compute_system_migration_finalize, HCS_SYSTEM_VERB_MIGRATION_FINALIZE)
SYSTEM_VERB(hcs_compute_system_migration_cancel, HCS_SYSTEM_VERB_MIGRATION_CANCEL)

hcs_result hcs_compute_system_wait(hcs_system *s, int64_t timeout_ms, char **exit_json)
{
    PWSTR wres = NULL;
    char *res = NULL;
    hcs_result hr, chr;
    DWORD dw = hcsi_core_timeout_dword(timeout_ms);
    if (exit_json)
        *exit_json = NULL;
    if (!s)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_system_wait: system is NULL");
    if (!s->t->fn[IX(HcsWaitForComputeSystemExit)]) {
        /* before 21H1: the exit event the callback recorded */
        if (!s->exit.on)
            return hcsi_cc_missing(s->t, IX(HcsWaitForComputeSystemExit));
        hr = hcsi_cc_exit_wait(&s->exit, &s->m, timeout_ms, exit_json);
        if (hr == HCS_ERR_OPERATION_TIMEOUT)
            hr = hcsi_err(HCS_ERR_OPERATION_TIMEOUT,
                          "compute system \"%s\" did not exit within %lu ms", s->id,
                          (unsigned long)dw);
        return hr;
    }
    hcsi_obj_ref(&s->base);
    hr = CC(s->t, HcsWaitForComputeSystemExit)(s->h, dw, &wres);
    hcsi_obj_unref(&s->base);
    chr = hcsi_cc_take_w(wres, &res);
    if (HCS_FAILED(hr)) {
        if (hcsi_core_is_exit_timeout(hr))
            hr = hcsi_err(HCS_ERR_OPERATION_TIMEOUT,
                          "compute system \"%s\" did not exit within %lu ms",
                          s->id, (unsigned long)dw);
        else
            hr = hcsi_core_fail(hr, res, "wait for compute system \"%s\" to exit",
                                s->id);
        free(res);
        return hr;
    }
    if (HCS_FAILED(chr))
        return chr;
    if (exit_json)
        *exit_json = res;
    else
        free(res);
    return hr;
}

hcs_result hcs_compute_system_subscribe(hcs_system *s, hcs_events *q, uint32_t options,
                                uint64_t tag)
{
    hcs_events *old;
    uint64_t old_tag = 0;
    hcs_result hr;
    if (!s || !q)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_system_subscribe: %s is NULL",
                        s ? "q" : "system");
    if (!s->t->fn[IX(HcsSetComputeSystemCallback)])
        return hcsi_cc_missing(s->t, IX(HcsSetComputeSystemCallback));
    hcsi_obj_ref(&s->base);
    old = system_set_queue(s, q, tag, &old_tag);
    /* the library's own registration (builds without the exit waits)
     * already delivers the default events: no second registration */
    if (s->exit.internal && options == 0)
        hr = HCS_S_OK;
    else
        hr = CC(s->t, HcsSetComputeSystemCallback)(s->h, (HCSI_CC_EVENT_OPTIONS)options,
                                                   KEYCTX(s), hcsi_cc_event_tramp);
    if (HCS_SUCCEEDED(hr) && !(s->exit.internal && options == 0)) {
        s->exit.on = 1;
        s->exit.internal = 0;
    }
    if (HCS_FAILED(hr)) {
        hcs_events *mine = system_set_queue(s, old, old_tag, NULL);
        if (mine)
            hcsi_obj_unref(&mine->base);
        hr = hcsi_core_fail(hr, NULL, "subscribe to compute system \"%s\"", s->id);
    }
    if (old)
        hcsi_obj_unref(&old->base);
    hcsi_obj_unref(&s->base);
    return hr;
}
