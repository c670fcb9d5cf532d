/*
 * The Windows backend: computecore.dll loaded at run time into a function
 * table, and every function behind the UTF-8 API of hcs/compute.h.
 * docs/windows-backend.md describes the model; the rules in short:
 *   - LoadLibraryExW(System32 only) + GetProcAddress per function, each
 *     optional; tables are never freed (objects keep the table they were
 *     made with);
 *   - one operation per call; a handle (operation, system, process) is
 *     closed only when the last call using it has returned;
 *   - HCS's callback context is an integer key (core.h), never a pointer;
 *   - strings HCS returns are converted to UTF-8 and freed with LocalFree
 *     here, never handed out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../platform/json.h"
#include "cc_decls.h"
#include "core.h"
#include "dll.h"
#include "hdv_decls.h"

/* ------------------------------------------------------------------ */
/* loader (the shared one of dll.h, slot hcsi_dll_computecore)         */
/* ------------------------------------------------------------------ */

typedef hcsi_dll cc_table;

#define CC(t, name) ((hcsi_cc_pfn_##name)(t)->fn[HCSI_CC_IX_##name])
#define KEYCTX(o) ((void *)(uintptr_t)(o)->base.key)

static hcsi_dll_slot *const g_cc = &hcsi_dll_computecore;

static hcs_result cc_get(const cc_table **out) { return hcsi_dll_get(g_cc, out); }
static hcs_result cc_missing(const cc_table *t, int ix) { return hcsi_dll_missing(t, ix); }
static hcs_result cc_has(const cc_table *t, const int *ixs) { return hcsi_dll_has(t, ixs); }

/* Checks that table t has functions a, b, c (-1 = none). */
static hcs_result cc_has3(const cc_table *t, int a, int b, int c)
{
    int ixs[4];
    ixs[0] = a;
    ixs[1] = b;
    ixs[2] = c;
    ixs[3] = -1;
    return cc_has(t, ixs);
}

/* The current table with functions a, b, c (-1 = none). */
static hcs_result cc_need3(const cc_table **out, int a, int b, int c)
{
    return hcsi_dll_need(g_cc, out, a, b, c);
}

#define IX(name) HCSI_CC_IX_##name

hcs_result hcs_compute_load(void)
{
    const cc_table *t;
    return cc_get(&t);
}

hcs_result hcs_compute_set_dll_path(const char *dll_path)
{
    return hcsi_dll_set_path(g_cc, dll_path);
}

int hcs_compute_function_present(const char *name) { return hcsi_dll_present(g_cc, name); }

hcs_result hcs_compute_features(char **json)
{
    hcsi_buf b;
    hcs_result hr;
    size_t i;
    if (!json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_features: json is NULL");
    *json = NULL;
    hcsi_buf_init(&b, 0);
    hr = hcsi_buf_puts(&b, "{\"platform\":\"windows\",\"dlls\":[");
    for (i = 0; hcsi_dll_all[i] && HCS_SUCCEEDED(hr); i++) {
        if (i)
            hr = hcsi_buf_putc(&b, ',');
        if (HCS_SUCCEEDED(hr))
            hr = hcsi_dll_features_json(hcsi_dll_all[i], &b);
    }
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_buf_puts(&b, "]}");
    if (HCS_SUCCEEDED(hr))
        *json = hcsi_buf_steal(&b, NULL);
    hcsi_buf_free(&b);
    if (HCS_FAILED(hr) || !*json)
        return hcsi_err_oom();
    return HCS_S_OK;
}

/* ------------------------------------------------------------------ */
/* strings                                                             */
/* ------------------------------------------------------------------ */

#define w_to_utf8_lossy hcsi_w_lossy
#define to_w hcsi_w_arg
#define W(p) ((PCWSTR)(p))

/* Converts a string HCS returned to UTF-8 (when out is not NULL) and frees
 * the original (LocalFree), always. */
static hcs_result take_w(const WCHAR *s, char **out)
{
    return hcsi_w_take(s, HCSI_W_LOCAL, "result document from computecore.dll", out);
}

static char *fmt_what(const char *fmt, ...) HCSI_PRINTF(1, 2);
static char *fmt_what(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    s = hcsi_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

/* ------------------------------------------------------------------ */
/* streams                                                             */
/* ------------------------------------------------------------------ */

struct hcs_stream {
    HANDLE h;
};

static hcs_stream *stream_new(HANDLE h)
{
    hcs_stream *s;
    if (!h || h == INVALID_HANDLE_VALUE)
        return NULL;
    s = (hcs_stream *)calloc(1, sizeof *s);
    if (!s) {
        CloseHandle(h);
        return NULL;
    }
    s->h = h;
    return s;
}

hcs_result hcs_stream_read(hcs_stream *s, void *buf, size_t n, size_t *got)
{
    DWORD rd = 0;
    if (got)
        *got = 0;
    if (!s || (!buf && n))
        return hcsi_err(HCS_ERR_POINTER, "stream read: stream or buffer is NULL");
    if (n > 0x40000000u)
        n = 0x40000000u;
    if (!ReadFile(s->h, buf, (DWORD)n, &rd, NULL)) {
        DWORD e = GetLastError();
        if (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF ||
            e == ERROR_PIPE_NOT_CONNECTED)
            return HCS_S_OK; /* the writer closed: end of stream */
        return hcsi_err(hcs_hresult_from_win32(e), "stream read: %s",
                        hcs_strerror(hcs_hresult_from_win32(e)));
    }
    if (got)
        *got = rd;
    return HCS_S_OK;
}

hcs_result hcs_stream_write(hcs_stream *s, const void *buf, size_t n)
{
    const char *p = (const char *)buf;
    if (!s || (!buf && n))
        return hcsi_err(HCS_ERR_POINTER, "stream write: stream or buffer is NULL");
    while (n > 0) {
        DWORD wr = 0, chunk = n > 0x40000000u ? 0x40000000u : (DWORD)n;
        if (!WriteFile(s->h, p, chunk, &wr, NULL)) {
            DWORD e = GetLastError();
            hcs_result hr = e == ERROR_NO_DATA ? HCS_ERR_WIN32_BROKEN_PIPE
                                               : hcs_hresult_from_win32(e);
            return hcsi_err(hr, "stream write: %s", hcs_strerror(hr));
        }
        p += wr;
        n -= wr;
    }
    return HCS_S_OK;
}

hcs_os_handle hcs_stream_os_handle(const hcs_stream *s)
{
    return s ? (hcs_os_handle)s->h : HCS_NO_OS_HANDLE;
}

void hcs_stream_close(hcs_stream *s)
{
    if (!s)
        return;
    CloseHandle(s->h);
    free(s);
}

/* Turns HCS_PROCESS_INFORMATION into info (or closes its handles). */
static void pinfo_take(const HCSI_CC_PROCESS_INFORMATION *pi,
                       hcs_process_info *info)
{
    if (!info) {
        if (pi->StdInput)
            CloseHandle(pi->StdInput);
        if (pi->StdOutput)
            CloseHandle(pi->StdOutput);
        if (pi->StdError)
            CloseHandle(pi->StdError);
        return;
    }
    info->process_id = pi->ProcessId;
    info->std_in = stream_new(pi->StdInput);
    info->std_out = stream_new(pi->StdOutput);
    info->std_err = stream_new(pi->StdError);
}

/* ------------------------------------------------------------------ */
/* events                                                              */
/* ------------------------------------------------------------------ */

hcs_result hcs_events_create(hcs_events **out) { return hcsi_events_new(out); }

hcs_result hcs_events_wait(hcs_events *q, int64_t timeout_ms, hcs_event **out)
{
    return hcsi_events_wait(q, timeout_ms, out);
}

size_t hcs_events_pending(hcs_events *q) { return hcsi_events_pending(q); }
uint64_t hcs_events_dropped(hcs_events *q) { return hcsi_events_dropped(q); }
void hcs_events_close(hcs_events *q) { hcsi_events_close(q); }

/* ------------------------------------------------------------------ */
/* objects                                                             */
/* ------------------------------------------------------------------ */

struct hcs_op {
    hcsi_obj base;
    const cc_table *t;
    HCSI_CC_OPERATION h;
    hcsi_mutex m;
    hcs_op_callback cb; /* m */
    void *cb_ctx;       /* m */
    hcs_events *q;      /* notifications (immutable after creation) */
    uint64_t tag;
    char *what; /* m: what the operation was started for */
};

struct hcs_system {
    hcsi_obj base;
    const cc_table *t;
    HCSI_CC_SYSTEM h;
    char *id;
    char *ns;
    hcsi_mutex m;
    hcs_events *q; /* m */
    uint64_t tag;  /* m */
};

struct hcs_process {
    hcsi_obj base;
    const cc_table *t;
    HCSI_CC_PROCESS h;
    uint32_t pid;
    char *system_id;
    char *ns;
    char *cmdline;
    hcsi_mutex m;
    hcs_stream *stdio[3]; /* m */
    hcs_events *q;        /* m */
    uint64_t tag;         /* m */
};

/* Drops the creator's reference of an object that never became public. */
static void obj_discard(hcsi_obj *o)
{
    hcsi_obj_unregister(o);
    hcsi_obj_unref(o);
}

/* ---- callbacks (trampolines: the context is a key) ---- */

static void CALLBACK op_complete_tramp(HCSI_CC_OPERATION h, void *ctx)
{
    hcsi_obj *o = hcsi_obj_lookup((uint64_t)(uintptr_t)ctx, HCSI_KIND_OP);
    hcs_op *op = (hcs_op *)o;
    hcs_op_callback cb;
    void *user;
    (void)h;
    if (!op)
        return; /* closed meanwhile: harmless */
    hcsi_mutex_lock(&op->m);
    cb = op->cb;
    user = op->cb_ctx;
    hcsi_mutex_unlock(&op->m);
    if (cb)
        cb(op, user);
    hcsi_obj_unref(o);
}

static int match_op_handle(const hcsi_obj *o, void *arg)
{
    return (void *)((const struct hcs_op *)o)->h == arg;
}

/* The id of the operation an event is about. Only asked of an operation
 * that is still open in libhcs (with a reference held): HCS may deliver the
 * event after its owner closed the handle, and a closed handle must not be
 * passed to HCS again. */
static uint64_t event_op_id(hcsi_obj *subject, HCSI_CC_OPERATION h)
{
    hcsi_obj *o;
    hcs_op *op;
    UINT64 id = HCSI_CC_INVALID_OPERATION_ID;
    if (subject->kind == HCSI_KIND_OP && ((hcs_op *)subject)->h == h) {
        o = subject;
        hcsi_obj_ref(o);
    } else {
        o = hcsi_obj_find(HCSI_KIND_OP, match_op_handle, (void *)h);
    }
    if (!o)
        return 0;
    op = (hcs_op *)o;
    if (op->t->fn[IX(HcsGetOperationId)])
        id = CC(op->t, HcsGetOperationId)(op->h);
    hcsi_obj_unref(o);
    return id == HCSI_CC_INVALID_OPERATION_ID ? 0 : id;
}

static void CALLBACK event_tramp(HCSI_CC_EVENT *ev, void *ctx)
{
    hcsi_obj *o = hcsi_obj_lookup((uint64_t)(uintptr_t)ctx, HCSI_KIND_ANY);
    hcs_events *q = NULL;
    const char *sysid = NULL;
    uint32_t pid = 0;
    uint64_t tag = 0, opid = 0;
    char *data = NULL;
    hcs_event *e;
    if (!o)
        return;
    if (!ev) {
        hcsi_obj_unref(o);
        return;
    }
    switch (o->kind) {
    case HCSI_KIND_SYSTEM: {
        hcs_system *s = (hcs_system *)o;
        hcsi_mutex_lock(&s->m);
        q = s->q;
        tag = s->tag;
        if (q)
            hcsi_obj_ref(&q->base);
        hcsi_mutex_unlock(&s->m);
        sysid = s->id;
        break;
    }
    case HCSI_KIND_PROCESS: {
        hcs_process *p = (hcs_process *)o;
        hcsi_mutex_lock(&p->m);
        q = p->q;
        tag = p->tag;
        if (q)
            hcsi_obj_ref(&q->base);
        hcsi_mutex_unlock(&p->m);
        sysid = p->system_id;
        pid = p->pid;
        break;
    }
    case HCSI_KIND_OP: {
        hcs_op *op = (hcs_op *)o;
        q = op->q;
        tag = op->tag;
        if (q)
            hcsi_obj_ref(&q->base);
        break;
    }
    default:
        break;
    }
    if (q) {
        if (ev->EventData)
            data = w_to_utf8_lossy(ev->EventData, (size_t)-1);
        if (ev->Operation)
            opid = event_op_id(o, ev->Operation);
        e = hcsi_event_new((uint32_t)ev->Type, data, sysid, pid, opid, tag);
        free(data);
        hcsi_events_push(q, e);
        hcsi_obj_unref(&q->base);
    }
    hcsi_obj_unref(o);
}

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
    hcsi_mutex_init(&op->m);
    hr = hcsi_obj_init(&op->base, HCSI_KIND_OP, op_destroy);
    if (HCS_FAILED(hr)) {
        hcsi_mutex_destroy(&op->m);
        free(op);
        return hr;
    }
    *out = op;
    return HCS_S_OK;
}

/* An operation on table t, with or without the completion trampoline. */
static hcs_result op_new(const cc_table *t, int with_callback, hcs_op **out)
{
    hcs_op *op;
    int ixs[3];
    hcs_result hr;
    ixs[0] = IX(HcsCreateOperation);
    ixs[1] = IX(HcsCloseOperation);
    ixs[2] = -1;
    hr = cc_has(t, ixs);
    if (HCS_FAILED(hr))
        return hr;
    hr = op_alloc(t, &op);
    if (HCS_FAILED(hr))
        return hr;
    op->h = CC(t, HcsCreateOperation)(KEYCTX(op),
                                      with_callback ? op_complete_tramp : NULL);
    if (!op->h) {
        DWORD e = GetLastError();
        obj_discard(&op->base);
        return hcsi_err(e ? hcs_hresult_from_win32(e) : HCS_ERR_OUTOFMEMORY,
                        "HcsCreateOperation failed");
    }
    *out = op;
    return HCS_S_OK;
}

/* Sets what the operation is for (for messages); takes ownership. */
static void op_set_what(hcs_op *op, char *what)
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

hcs_result hcs_op_create(hcs_op **out)
{
    const cc_table *t;
    hcs_result hr;
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_create: out is NULL");
    *out = NULL;
    hr = cc_get(&t);
    return HCS_FAILED(hr) ? hr : op_new(t, 0, out);
}

hcs_result hcs_op_create_with_callback(hcs_op_callback cb, void *ctx,
                                       hcs_op **out)
{
    const cc_table *t;
    hcs_result hr;
    if (!out || !cb)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_create_with_callback: %s is NULL",
                        out ? "cb" : "out");
    *out = NULL;
    hr = cc_get(&t);
    if (HCS_FAILED(hr))
        return hr;
    hr = op_new(t, 1, out);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_mutex_lock(&(*out)->m);
    (*out)->cb = cb;
    (*out)->cb_ctx = ctx;
    hcsi_mutex_unlock(&(*out)->m);
    return HCS_S_OK;
}

hcs_result hcs_op_create_with_events(hcs_events *q, uint32_t options,
                                     uint64_t tag, hcs_op **out)
{
    const cc_table *t;
    hcs_op *op;
    hcs_result hr;
    if (!out || !q)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_create_with_events: %s is NULL",
                        out ? "q" : "out");
    *out = NULL;
    hr = cc_need3(&t, IX(HcsCreateOperationWithNotifications), IX(HcsCloseOperation),
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
        (HCSI_CC_OPERATION_OPTIONS)options, KEYCTX(op), event_tramp);
    if (!op->h) {
        DWORD e = GetLastError();
        obj_discard(&op->base);
        return hcsi_err(e ? hcs_hresult_from_win32(e) : HCS_ERR_OUTOFMEMORY,
                        "HcsCreateOperationWithNotifications failed");
    }
    *out = op;
    return HCS_S_OK;
}

void hcs_op_close(hcs_op *op)
{
    if (!op)
        return;
    /* Late completion callbacks find no key; HcsCloseOperation runs when
     * the last call using the handle has returned (op_destroy). */
    obj_discard(&op->base);
}

hcs_result hcs_op_set_callback(hcs_op *op, hcs_op_callback cb, void *ctx)
{
    hcs_op_callback old_cb;
    void *old_ctx;
    hcs_result hr;
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_set_callback: op is NULL");
    if (!op->t->fn[IX(HcsSetOperationCallback)])
        return cc_missing(op->t, IX(HcsSetOperationCallback));
    hcsi_obj_ref(&op->base);
    hcsi_mutex_lock(&op->m);
    old_cb = op->cb;
    old_ctx = op->cb_ctx;
    op->cb = cb;
    op->cb_ctx = ctx;
    hcsi_mutex_unlock(&op->m);
    /* HCS always gets the trampoline (its callback is not optional); a NULL
     * cb only stops the delivery to the caller. */
    hr = CC(op->t, HcsSetOperationCallback)(op->h, KEYCTX(op), op_complete_tramp);
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

hcs_result hcs_op_set_context(hcs_op *op, void *ctx)
{
    void *old;
    hcs_result hr;
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_set_context: op is NULL");
    if (!op->t->fn[IX(HcsSetOperationContext)])
        return cc_missing(op->t, IX(HcsSetOperationContext));
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

hcs_result hcs_op_get_context(hcs_op *op, void **ctx)
{
    void *k;
    hcs_result hr = HCS_S_OK;
    if (!op || !ctx)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_get_context: op or ctx is NULL");
    *ctx = NULL;
    if (!op->t->fn[IX(HcsGetOperationContext)])
        return cc_missing(op->t, IX(HcsGetOperationContext));
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

hcs_result hcs_op_get_type(hcs_op *op, int *type)
{
    if (!op || !type)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_get_type: op or type is NULL");
    if (!op->t->fn[IX(HcsGetOperationType)])
        return cc_missing(op->t, IX(HcsGetOperationType));
    hcsi_obj_ref(&op->base);
    *type = (int)CC(op->t, HcsGetOperationType)(op->h);
    hcsi_obj_unref(&op->base);
    return HCS_S_OK;
}

hcs_result hcs_op_get_id(hcs_op *op, uint64_t *id)
{
    UINT64 v;
    if (!op || !id)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_get_id: op or id is NULL");
    *id = 0;
    if (!op->t->fn[IX(HcsGetOperationId)])
        return cc_missing(op->t, IX(HcsGetOperationId));
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

hcs_result hcs_op_get_system(hcs_op *op, hcs_system **out)
{
    HCSI_CC_SYSTEM h;
    hcsi_obj *o;
    if (!op || !out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_get_system: op or out is NULL");
    *out = NULL;
    if (!op->t->fn[IX(HcsGetComputeSystemFromOperation)])
        return cc_missing(op->t, IX(HcsGetComputeSystemFromOperation));
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

hcs_result hcs_op_get_process(hcs_op *op, hcs_process **out)
{
    HCSI_CC_PROCESS h;
    hcsi_obj *o;
    if (!op || !out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_get_process: op or out is NULL");
    *out = NULL;
    if (!op->t->fn[IX(HcsGetProcessFromOperation)])
        return cc_missing(op->t, IX(HcsGetProcessFromOperation));
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
                             int want_pinfo, hcs_process_info *info,
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
        return cc_missing(t, ix);
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
    chr = take_w(wdoc, &doc);
    what = op_what(op);
    if (HCS_FAILED(hr)) {
        pinfo_take(&pi, NULL);
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
        pinfo_take(&pi, NULL);
        hr = chr;
    } else {
        if (want_pinfo)
            pinfo_take(&pi, info);
        if (result)
            *result = doc;
        else
            free(doc);
    }
    free(what);
    hcsi_obj_unref(&op->base);
    return hr;
}

hcs_result hcs_op_result(hcs_op *op, char **result_json)
{
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_result: op is NULL");
    return op_collect(op, 0, 0, 0, NULL, result_json, 0);
}

hcs_result hcs_op_result_process(hcs_op *op, hcs_process_info *info,
                                 char **result_json)
{
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_result_process: op is NULL");
    return op_collect(op, 0, 0, 1, info, result_json, 0);
}

hcs_result hcs_op_wait(hcs_op *op, int64_t timeout_ms, char **result_json)
{
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_wait: op is NULL");
    return op_collect(op, 1, timeout_ms, 0, NULL, result_json, 0);
}

hcs_result hcs_op_wait_process(hcs_op *op, int64_t timeout_ms,
                               hcs_process_info *info, char **result_json)
{
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_wait_process: op is NULL");
    return op_collect(op, 1, timeout_ms, 1, info, result_json, 0);
}

hcs_result hcs_op_cancel(hcs_op *op)
{
    hcs_result hr;
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_cancel: op is NULL");
    if (!op->t->fn[IX(HcsCancelOperation)])
        return cc_missing(op->t, IX(HcsCancelOperation));
    hcsi_obj_ref(&op->base);
    hr = CC(op->t, HcsCancelOperation)(op->h);
    hcsi_obj_unref(&op->base);
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "HcsCancelOperation (best effort)");
    return hr;
}

hcs_result hcs_op_properties(hcs_op *op, const char *options_json,
                             char **result_json)
{
    uint16_t *wopt = NULL;
    PWSTR wdoc = NULL;
    char *doc = NULL;
    hcs_result hr, chr;
    if (result_json)
        *result_json = NULL;
    if (!op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_properties: op is NULL");
    if (!op->t->fn[IX(HcsGetOperationProperties)])
        return cc_missing(op->t, IX(HcsGetOperationProperties));
    hr = to_w(options_json, "operation properties options", &wopt);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&op->base);
    hr = CC(op->t, HcsGetOperationProperties)(op->h, W(wopt), &wdoc);
    hcsi_obj_unref(&op->base);
    free(wopt);
    chr = take_w(wdoc, &doc);
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

hcs_result hcs_op_add_resource(hcs_op *op, int type, const char *uri,
                               hcs_os_handle handle)
{
    uint16_t *wuri = NULL;
    hcs_result hr;
    if (!op || !uri)
        return hcsi_err(HCS_ERR_POINTER, "hcs_op_add_resource: op or uri is NULL");
    if (!op->t->fn[IX(HcsAddResourceToOperation)])
        return cc_missing(op->t, IX(HcsAddResourceToOperation));
    hr = to_w(uri, "resource uri", &wuri);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&op->base);
    hr = CC(op->t, HcsAddResourceToOperation)(op->h, (HCSI_CC_RESOURCE_TYPE)type,
                                              W(wuri), (HANDLE)handle);
    hcsi_obj_unref(&op->base);
    free(wuri);
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "add resource \"%s\" to the operation", uri);
    return hr;
}

/* Waits for op (a call that started it succeeded), then closes it. */
static hcs_result op_run(hcs_op *op, int64_t timeout_ms, int want_pinfo,
                         hcs_process_info *info, char **result)
{
    hcs_result hr = op_collect(op, 1, timeout_ms, want_pinfo, info, result, 1);
    hcs_op_close(op);
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
        return cc_missing(t, ix);
    hr = to_w(namespace_id, "namespace id", &wns);
    if (HCS_SUCCEEDED(hr))
        hr = to_w(query_json, "enumeration query", &wq);
    if (HCS_FAILED(hr)) {
        free(wns);
        return hr;
    }
    op_set_what(op, namespace_id ? fmt_what("enumerate compute systems in "
                                            "namespace \"%s\"", namespace_id)
                                 : fmt_what("enumerate compute systems"));
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
    hr = cc_get(&t);
    if (HCS_SUCCEEDED(hr))
        hr = op_new(t, 0, &op);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcs_compute_enumerate_begin(namespace_id, query_json, op);
    if (HCS_FAILED(hr)) {
        hcs_op_close(op);
        return hr;
    }
    hr = op_run(op, timeout_ms, 0, NULL, json);
    if (HCS_SUCCEEDED(hr) && !*json && !(*json = hcsi_strdup("[]")))
        return hcsi_err_oom();
    return hr;
}

hcs_result hcs_compute_enumerate(const char *query_json, int64_t timeout_ms, char **json)
{
    return hcs_compute_enumerate_in_namespace(NULL, query_json, timeout_ms, json);
}

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
    if (!(s->id = hcsi_strdup(id)) || (ns && !(s->ns = hcsi_strdup(ns)))) {
        free(s->id);
        hcsi_mutex_destroy(&s->m);
        free(s);
        return hcsi_err_oom();
    }
    hr = hcsi_obj_init(&s->base, HCSI_KIND_SYSTEM, system_destroy);
    if (HCS_FAILED(hr)) {
        free(s->id);
        free(s->ns);
        hcsi_mutex_destroy(&s->m);
        free(s);
        return hr;
    }
    *out = s;
    return HCS_S_OK;
}

/* Points the system's events at q (NULL: none); returns the old queue
 * (caller unrefs). */
static hcs_events *system_set_queue(hcs_system *s, hcs_events *q, uint64_t tag,
                                    uint64_t *old_tag)
{
    hcs_events *old;
    if (q)
        hcsi_obj_ref(&q->base);
    hcsi_mutex_lock(&s->m);
    old = s->q;
    if (old_tag)
        *old_tag = s->tag;
    s->q = q;
    s->tag = tag;
    hcsi_mutex_unlock(&s->m);
    return old;
}

hcs_result hcs_system_create_begin(const char *id, const char *config_json,
                                   const hcs_system_create_options *opts,
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
        return hcsi_err(HCS_ERR_POINTER, "hcs_system_create: out is NULL");
    *out = NULL;
    if (!id || !config_json || !op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_system_create: %s is NULL",
                        !id ? "id" : !config_json ? "config_json" : "op");
    t = op->t;
    hr = cc_has3(t, ix, IX(HcsCloseComputeSystem),
                 q && !ns ? IX(HcsSetComputeSystemCallback) : -1);
    if (HCS_FAILED(hr))
        return hr;
    hr = to_w(id, "compute system id", &wid);
    if (HCS_SUCCEEDED(hr))
        hr = to_w(config_json, "compute system configuration", &wcfg);
    if (HCS_SUCCEEDED(hr))
        hr = to_w(ns, "namespace id", &wns);
    if (HCS_SUCCEEDED(hr))
        hr = system_alloc(t, id, ns, &s);
    if (HCS_FAILED(hr))
        goto done;
    if (q)
        (void)system_set_queue(s, q, opts->event_tag, NULL);
    op_set_what(op, fmt_what("create compute system \"%s\"", id));
    hcsi_obj_ref(&op->base);
    if (ns) {
        struct hcsi_cc_create_options_1 co;
        memset(&co, 0, sizeof co);
        co.Version = HCSI_CC_CREATE_OPTIONS_VERSION_1;
        co.UserToken = (HANDLE)opts->user_token;
        if (q) {
            co.CallbackOptions = (INT32)opts->event_options;
            co.CallbackContext = KEYCTX(s);
            co.Callback = event_tramp;
        }
        hr = CC(t, HcsCreateComputeSystemInNamespace)(
            W(wns), W(wid), W(wcfg), op->h, (const HCSI_CC_CREATE_OPTIONS *)&co, &h);
    } else {
        hr = CC(t, HcsCreateComputeSystem)(W(wid), W(wcfg), op->h, NULL, &h);
    }
    hcsi_obj_unref(&op->base);
    if (HCS_FAILED(hr)) {
        hr = hcsi_core_fail(hr, NULL, "create compute system \"%s\" (%s)", id,
                            hcsi_cc_names[ix]);
        goto done;
    }
    s->h = h;
    if (q && !ns) {
        hr = CC(t, HcsSetComputeSystemCallback)(h, (HCSI_CC_EVENT_OPTIONS)opts->event_options,
                                                KEYCTX(s), event_tramp);
        if (HCS_FAILED(hr)) {
            hr = hcsi_core_fail(hr, NULL, "subscribe to compute system \"%s\"", id);
            goto done;
        }
    }
    *out = s;
    s = NULL;
done:
    if (s)
        obj_discard(&s->base); /* closes h when set */
    free(wid);
    free(wcfg);
    free(wns);
    return hr;
}

/* Fire-and-forget terminate of a system whose creation timed out. */
static void system_terminate_async(hcs_system *s)
{
    hcs_op *op;
    if (!s->h || !s->t->fn[IX(HcsTerminateComputeSystem)] ||
        HCS_FAILED(op_new(s->t, 0, &op))) {
        hcs_error_clear();
        return;
    }
    (void)CC(s->t, HcsTerminateComputeSystem)(s->h, op->h, NULL);
    hcs_op_close(op);
}

hcs_result hcs_system_create_ex(const char *id, const char *config_json,
                                const hcs_system_create_options *opts,
                                int64_t timeout_ms, hcs_system **out)
{
    const cc_table *t;
    hcs_system *s = NULL;
    hcs_op *op;
    hcs_result hr;
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_system_create: out is NULL");
    *out = NULL;
    hr = cc_get(&t);
    if (HCS_SUCCEEDED(hr))
        hr = op_new(t, 0, &op);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcs_system_create_begin(id, config_json, opts, op, &s);
    if (HCS_FAILED(hr)) {
        hcs_op_close(op);
        return hr;
    }
    hr = op_run(op, timeout_ms, 0, NULL, NULL);
    if (HCS_FAILED(hr)) {
        hcs_error *e;
        if (hr == HCS_ERR_OPERATION_TIMEOUT) {
            /* as hcsshim: do not leave a half-created system behind */
            e = hcs_error_take();
            system_terminate_async(s);
            if (e) {
                (void)hcs_error_set(e->code, e->message, e->detail);
                hcs_error_free(e);
            }
        }
        hcs_system_close(s);
        return hr;
    }
    *out = s;
    return hr;
}

hcs_result hcs_system_create(const char *id, const char *config_json,
                             int64_t timeout_ms, hcs_system **out)
{
    return hcs_system_create_ex(id, config_json, NULL, timeout_ms, out);
}

hcs_result hcs_system_open_in_namespace(const char *namespace_id,
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
        return hcsi_err(HCS_ERR_POINTER, "hcs_system_open: %s is NULL",
                        out ? "id" : "out");
    *out = NULL;
    hr = cc_need3(&t, ix, IX(HcsCloseComputeSystem), -1);
    if (HCS_FAILED(hr))
        return hr;
    hr = to_w(id, "compute system id", &wid);
    if (HCS_SUCCEEDED(hr))
        hr = to_w(namespace_id, "namespace id", &wns);
    if (HCS_SUCCEEDED(hr))
        hr = system_alloc(t, id, namespace_id, &s);
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
    *out = s;
    s = NULL;
done:
    if (s)
        obj_discard(&s->base);
    free(wid);
    free(wns);
    return hr;
}

hcs_result hcs_system_open(const char *id, hcs_system **out)
{
    return hcs_system_open_in_namespace(NULL, id, out);
}

const char *hcs_system_id(const hcs_system *s) { return s ? s->id : NULL; }

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

void hcs_system_close(hcs_system *s)
{
    if (s)
        obj_discard(&s->base);
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

static hcs_result system_begin(hcs_system *s, hcs_system_verb verb,
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
        return cc_missing(s->t, ix);
    hr = to_w(doc, "document", &wdoc);
    if (HCS_FAILED(hr))
        return hr;
    op_set_what(op, fmt_what("%s compute system \"%s\"", k_system_verbs[verb].verb,
                             s->id));
    hcsi_obj_ref(&s->base);
    hcsi_obj_ref(&op->base);
    if (verb == HCS_SYSTEM_VERB_MODIFY)
        hr = CC(s->t, HcsModifyComputeSystem)(s->h, op->h, W(wdoc), (HANDLE)identity);
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

hcs_result hcs_system_begin(hcs_system *s, hcs_system_verb verb,
                            const char *doc_json, hcs_op *op)
{
    return system_begin(s, verb, doc_json, HCS_NO_OS_HANDLE, op);
}

static hcs_result system_sync(hcs_system *s, hcs_system_verb verb,
                              const char *doc, hcs_os_handle identity,
                              int64_t timeout_ms, char **result)
{
    hcs_op *op;
    hcs_result hr;
    if (result)
        *result = NULL;
    if (!s)
        return hcsi_err(HCS_ERR_POINTER, "compute system verb: system is NULL");
    hr = op_new(s->t, 0, &op);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&s->base); /* a close meanwhile waits for this call */
    hr = system_begin(s, verb, doc, identity, op);
    if (HCS_FAILED(hr)) {
        hcs_op_close(op);
    } else {
        hr = op_run(op, timeout_ms, 0, NULL, result);
    }
    hcsi_obj_unref(&s->base);
    if ((verb == HCS_SYSTEM_VERB_SHUTDOWN || verb == HCS_SYSTEM_VERB_TERMINATE) &&
        (hr == HCS_ERR_SYSTEM_ALREADY_STOPPED ||
         hr == HCS_ERR_VMCOMPUTE_SYSTEM_ALREADY_STOPPED)) {
        hcs_error_clear();
        return HCS_ERR_S_FALSE;
    }
    return hr;
}

hcs_result hcs_system_start(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_START, o, 0, ms, NULL);
}
hcs_result hcs_system_shutdown(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_SHUTDOWN, o, 0, ms, NULL);
}
hcs_result hcs_system_terminate(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_TERMINATE, o, 0, ms, NULL);
}
hcs_result hcs_system_crash(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_CRASH, o, 0, ms, NULL);
}
hcs_result hcs_system_pause(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_PAUSE, o, 0, ms, NULL);
}
hcs_result hcs_system_resume(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_RESUME, o, 0, ms, NULL);
}
hcs_result hcs_system_save(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_SAVE, o, 0, ms, NULL);
}
hcs_result hcs_system_properties(hcs_system *s, const char *query_json,
                                 int64_t ms, char **json)
{
    if (!json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_system_properties: json is NULL");
    return system_sync(s, HCS_SYSTEM_VERB_PROPERTIES, query_json, 0, ms, json);
}
hcs_result hcs_system_modify(hcs_system *s, const char *request_json,
                             hcs_os_handle identity, int64_t ms)
{
    if (!request_json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_system_modify: request_json is NULL");
    return system_sync(s, HCS_SYSTEM_VERB_MODIFY, request_json, identity, ms, NULL);
}
hcs_result hcs_system_migration_initialize(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_MIGRATION_INITIALIZE, o, 0, ms, NULL);
}
hcs_result hcs_system_migration_start(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_MIGRATION_START, o, 0, ms, NULL);
}
hcs_result hcs_system_migration_transfer(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_MIGRATION_TRANSFER, o, 0, ms, NULL);
}
hcs_result hcs_system_migration_finalize(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_MIGRATION_FINALIZE, o, 0, ms, NULL);
}
hcs_result hcs_system_migration_cancel(hcs_system *s, const char *o, int64_t ms)
{
    return system_sync(s, HCS_SYSTEM_VERB_MIGRATION_CANCEL, o, 0, ms, NULL);
}

hcs_result hcs_system_wait(hcs_system *s, int64_t timeout_ms, char **exit_json)
{
    PWSTR wres = NULL;
    char *res = NULL;
    hcs_result hr, chr;
    DWORD dw = hcsi_core_timeout_dword(timeout_ms);
    if (exit_json)
        *exit_json = NULL;
    if (!s)
        return hcsi_err(HCS_ERR_POINTER, "hcs_system_wait: system is NULL");
    if (!s->t->fn[IX(HcsWaitForComputeSystemExit)])
        return cc_missing(s->t, IX(HcsWaitForComputeSystemExit));
    hcsi_obj_ref(&s->base);
    hr = CC(s->t, HcsWaitForComputeSystemExit)(s->h, dw, &wres);
    hcsi_obj_unref(&s->base);
    chr = take_w(wres, &res);
    if (HCS_FAILED(hr)) {
        if (hcsi_core_is_timeout(hr))
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

hcs_result hcs_system_subscribe(hcs_system *s, hcs_events *q, uint32_t options,
                                uint64_t tag)
{
    hcs_events *old;
    uint64_t old_tag = 0;
    hcs_result hr;
    if (!s || !q)
        return hcsi_err(HCS_ERR_POINTER, "hcs_system_subscribe: %s is NULL",
                        s ? "q" : "system");
    if (!s->t->fn[IX(HcsSetComputeSystemCallback)])
        return cc_missing(s->t, IX(HcsSetComputeSystemCallback));
    hcsi_obj_ref(&s->base);
    old = system_set_queue(s, q, tag, &old_tag);
    hr = CC(s->t, HcsSetComputeSystemCallback)(s->h, (HCSI_CC_EVENT_OPTIONS)options,
                                               KEYCTX(s), event_tramp);
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

/* ------------------------------------------------------------------ */
/* processes                                                           */
/* ------------------------------------------------------------------ */

static void process_destroy(hcsi_obj *o)
{
    hcs_process *p = (hcs_process *)o;
    int i;
    for (i = 0; i < 3; i++)
        hcs_stream_close(p->stdio[i]);
    if (p->h)
        CC(p->t, HcsCloseProcess)(p->h);
    if (p->q)
        hcsi_obj_unref(&p->q->base);
    hcsi_mutex_destroy(&p->m);
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
    if (!(p->system_id = hcsi_strdup(s->id)) || (s->ns && !(p->ns = hcsi_strdup(s->ns)))) {
        free(p->system_id);
        hcsi_mutex_destroy(&p->m);
        free(p);
        return hcsi_err_oom();
    }
    hr = hcsi_obj_init(&p->base, HCSI_KIND_PROCESS, process_destroy);
    if (HCS_FAILED(hr)) {
        free(p->system_id);
        free(p->ns);
        hcsi_mutex_destroy(&p->m);
        free(p);
        return hr;
    }
    *out = p;
    return HCS_S_OK;
}

hcs_result hcs_process_create_begin(hcs_system *s, const char *params_json,
                                    hcs_op *op, hcs_process **out)
{
    hcs_process *p = NULL;
    uint16_t *wparams = NULL;
    HCSI_CC_PROCESS h = NULL;
    hcs_result hr;
    int ixs[3];
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_process_create: out is NULL");
    *out = NULL;
    if (!s || !params_json || !op)
        return hcsi_err(HCS_ERR_POINTER, "hcs_process_create: %s is NULL",
                        !s ? "system" : !params_json ? "params_json" : "op");
    ixs[0] = IX(HcsCreateProcess);
    ixs[1] = IX(HcsCloseProcess);
    ixs[2] = -1;
    hr = cc_has(s->t, ixs);
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
    op_set_what(op, fmt_what("create process \"%s\" in compute system \"%s\"",
                             p->cmdline ? p->cmdline : "", s->id));
    hcsi_obj_ref(&s->base);
    hcsi_obj_ref(&op->base);
    hr = CC(s->t, HcsCreateProcess)(s->h, W(wparams), op->h, NULL, &h);
    hcsi_obj_unref(&op->base);
    hcsi_obj_unref(&s->base);
    free(wparams);
    if (HCS_FAILED(hr)) {
        hr = hcsi_core_fail(hr, NULL,
                            "create process \"%s\" in compute system \"%s\"",
                            p->cmdline ? p->cmdline : "", s->id);
        obj_discard(&p->base);
        return hr;
    }
    p->h = h;
    *out = p;
    return HCS_S_OK;
}

/* Fire-and-forget terminate of a process whose creation timed out; keeps
 * the thread's error. */
static void process_terminate_async(hcs_process *p)
{
    hcs_error *keep = hcs_error_take();
    hcs_op *op;
    if (p->h && p->t->fn[IX(HcsTerminateProcess)] && HCS_SUCCEEDED(op_new(p->t, 0, &op))) {
        (void)CC(p->t, HcsTerminateProcess)(p->h, op->h, NULL);
        hcs_op_close(op);
    }
    hcs_error_clear();
    if (keep) {
        (void)hcs_error_set(keep->code, keep->message, keep->detail);
        hcs_error_free(keep);
    }
}

hcs_result hcs_process_create(hcs_system *s, const char *params_json,
                              int64_t timeout_ms, hcs_process **out)
{
    hcs_process *p = NULL;
    hcs_process_info info;
    hcs_op *op;
    hcs_result hr;
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_process_create: out is NULL");
    *out = NULL;
    if (!s)
        return hcsi_err(HCS_ERR_POINTER, "hcs_process_create: system is NULL");
    hr = op_new(s->t, 0, &op);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcs_process_create_begin(s, params_json, op, &p);
    if (HCS_FAILED(hr)) {
        hcs_op_close(op);
        return hr;
    }
    hcsi_obj_ref(&s->base);
    hr = op_run(op, timeout_ms, 1, &info, NULL);
    hcsi_obj_unref(&s->base);
    if (HCS_FAILED(hr)) {
        if (hr == HCS_ERR_OPERATION_TIMEOUT)
            process_terminate_async(p); /* it may still start later */
        hcs_process_close(p);
        return hr;
    }
    p->pid = info.process_id;
    p->stdio[HCS_STDIN] = info.std_in;
    p->stdio[HCS_STDOUT] = info.std_out;
    p->stdio[HCS_STDERR] = info.std_err;
    *out = p;
    return HCS_S_OK;
}

hcs_result hcs_process_open(hcs_system *s, uint32_t pid, hcs_process **out)
{
    hcs_process *p = NULL;
    HCSI_CC_PROCESS h = NULL;
    hcs_result hr;
    int ixs[3];
    if (!out || !s)
        return hcsi_err(HCS_ERR_POINTER, "hcs_process_open: %s is NULL",
                        out ? "system" : "out");
    *out = NULL;
    ixs[0] = IX(HcsOpenProcess);
    ixs[1] = IX(HcsCloseProcess);
    ixs[2] = -1;
    hr = cc_has(s->t, ixs);
    if (HCS_SUCCEEDED(hr))
        hr = process_alloc(s, &p);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&s->base);
    hr = CC(s->t, HcsOpenProcess)(s->h, pid, GENERIC_ALL, &h);
    hcsi_obj_unref(&s->base);
    if (HCS_FAILED(hr)) {
        obj_discard(&p->base);
        return hcsi_core_fail(hr, NULL, "open process %lu in compute system \"%s\"",
                              (unsigned long)pid, s->id);
    }
    p->h = h;
    p->pid = pid;
    *out = p;
    return HCS_S_OK;
}

uint32_t hcs_process_pid(const hcs_process *p) { return p ? p->pid : 0; }

hcs_stream *hcs_process_stdio(hcs_process *p, int which)
{
    hcs_stream *s;
    if (!p || which < 0 || which > 2)
        return NULL;
    hcsi_mutex_lock(&p->m);
    s = p->stdio[which];
    hcsi_mutex_unlock(&p->m);
    return s;
}

void hcs_process_close(hcs_process *p)
{
    if (p)
        obj_discard(&p->base);
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

hcs_result hcs_process_begin(hcs_process *p, hcs_process_verb verb,
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
        return cc_missing(p->t, ix);
    hr = to_w(doc_json, "document", &wdoc);
    if (HCS_FAILED(hr))
        return hr;
    op_set_what(op, fmt_what("%s process %lu in compute system \"%s\"",
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

static hcs_result process_sync(hcs_process *p, hcs_process_verb verb,
                               const char *doc, int64_t timeout_ms,
                               hcs_process_info *info, char **result)
{
    hcs_op *op;
    hcs_result hr;
    if (result)
        *result = NULL;
    if (info)
        memset(info, 0, sizeof *info);
    if (!p)
        return hcsi_err(HCS_ERR_POINTER, "process verb: process is NULL");
    hr = op_new(p->t, 0, &op);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&p->base); /* a close meanwhile waits for this call */
    hr = hcs_process_begin(p, verb, doc, op);
    if (HCS_FAILED(hr))
        hcs_op_close(op);
    else
        hr = op_run(op, timeout_ms, verb == HCS_PROCESS_VERB_INFO, info, result);
    hcsi_obj_unref(&p->base);
    return hr;
}

hcs_result hcs_process_get_info(hcs_process *p, int64_t timeout_ms,
                                hcs_process_info *info, char **result_json)
{
    return process_sync(p, HCS_PROCESS_VERB_INFO, NULL, timeout_ms, info,
                        result_json);
}

hcs_result hcs_process_properties(hcs_process *p, const char *query_json,
                                  int64_t timeout_ms, char **json)
{
    if (!json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_process_properties: json is NULL");
    return process_sync(p, HCS_PROCESS_VERB_PROPERTIES, query_json, timeout_ms, NULL,
                        json);
}

hcs_result hcs_process_modify(hcs_process *p, const char *request_json,
                              int64_t timeout_ms)
{
    if (!request_json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_process_modify: request_json is NULL");
    return process_sync(p, HCS_PROCESS_VERB_MODIFY, request_json, timeout_ms, NULL,
                        NULL);
}

hcs_result hcs_process_resize(hcs_process *p, uint16_t height, uint16_t width,
                              int64_t timeout_ms)
{
    char doc[128];
    snprintf(doc, sizeof doc,
             "{\"Operation\":\"ConsoleSize\",\"ConsoleSize\":{\"Height\":%u,"
             "\"Width\":%u}}",
             (unsigned)height, (unsigned)width);
    return process_sync(p, HCS_PROCESS_VERB_MODIFY, doc, timeout_ms, NULL, NULL);
}

hcs_result hcs_process_signal(hcs_process *p, const char *options_json,
                              int64_t timeout_ms)
{
    return process_sync(p, HCS_PROCESS_VERB_SIGNAL, options_json, timeout_ms, NULL,
                        NULL);
}

hcs_result hcs_process_terminate(hcs_process *p, const char *options_json,
                                 int64_t timeout_ms)
{
    return process_sync(p, HCS_PROCESS_VERB_TERMINATE, options_json, timeout_ms,
                        NULL, NULL);
}

hcs_result hcs_process_close_stdio(hcs_process *p, int which, int64_t timeout_ms)
{
    hcs_stream *s;
    hcs_result hr = HCS_S_OK;
    if (!p || which < 0 || which > 2)
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_process_close_stdio: bad %s",
                        p ? "stream" : "process");
    if (which == HCS_STDIN) {
        /* hcsshim's CloseStdin: tell HCS first (it may hold its own copy of
         * the pipe), then close ours. A process that exited is fine. */
        hr = process_sync(p, HCS_PROCESS_VERB_MODIFY,
                          "{\"Operation\":\"CloseHandle\",\"CloseHandle\":"
                          "{\"Handle\":\"StdIn\"}}",
                          timeout_ms, NULL, NULL);
        if (hcsi_core_is_already_stopped(hr)) {
            hcs_error_clear();
            hr = HCS_S_OK;
        }
    }
    hcsi_mutex_lock(&p->m);
    s = p->stdio[which];
    p->stdio[which] = NULL;
    hcsi_mutex_unlock(&p->m);
    hcs_stream_close(s);
    return hr;
}

hcs_result hcs_process_kill(hcs_process *p, int64_t timeout_ms)
{
    const cc_table *t;
    HCSI_CC_SYSTEM hs = NULL;
    HCSI_CC_PROCESS hp = NULL;
    uint16_t *wid = NULL, *wns = NULL;
    hcs_op *op = NULL;
    hcs_result hr;
    int ixs[6];
    if (!p)
        return hcsi_err(HCS_ERR_POINTER, "hcs_process_kill: process is NULL");
    t = p->t;
    hcsi_obj_ref(&p->base);
    ixs[0] = p->ns ? IX(HcsOpenComputeSystemInNamespace) : IX(HcsOpenComputeSystem);
    ixs[1] = IX(HcsCloseComputeSystem);
    ixs[2] = IX(HcsOpenProcess);
    ixs[3] = IX(HcsCloseProcess);
    ixs[4] = IX(HcsTerminateProcess);
    ixs[5] = -1;
    hr = cc_has(t, ixs);
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
        if (hcsi_core_is_already_stopped(hr))
            goto stopped;
        hr = hcsi_core_fail(hr, NULL, "kill process %lu: open compute system \"%s\"",
                            (unsigned long)p->pid, p->system_id);
        goto done;
    }
    hr = CC(t, HcsOpenProcess)(hs, p->pid, GENERIC_ALL, &hp);
    if (HCS_FAILED(hr)) {
        if (hcsi_core_is_already_stopped(hr))
            goto stopped;
        hr = hcsi_core_fail(hr, NULL, "kill process %lu in compute system \"%s\": "
                            "open the process", (unsigned long)p->pid, p->system_id);
        goto done;
    }
    hr = op_new(t, 0, &op);
    if (HCS_FAILED(hr))
        goto done;
    op_set_what(op, fmt_what("kill process %lu in compute system \"%s\"",
                             (unsigned long)p->pid, p->system_id));
    hr = CC(t, HcsTerminateProcess)(hp, op->h, NULL);
    if (HCS_SUCCEEDED(hr)) {
        hr = op_run(op, timeout_ms, 0, NULL, NULL);
    } else {
        hcs_op_close(op);
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

hcs_result hcs_process_wait(hcs_process *p, int64_t timeout_ms,
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
        return hcsi_err(HCS_ERR_POINTER, "hcs_process_wait: process is NULL");
    if (!p->t->fn[IX(HcsWaitForProcessExit)])
        return cc_missing(p->t, IX(HcsWaitForProcessExit));
    hcsi_obj_ref(&p->base);
    hr = CC(p->t, HcsWaitForProcessExit)(p->h, dw, &wres);
    hcsi_obj_unref(&p->base);
    chr = take_w(wres, &res);
    if (HCS_FAILED(hr)) {
        if (hcsi_core_is_timeout(hr))
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
    if (exit_code && hcsi_core_parse_exit_code(res, exit_code) < 0) {
        hr = hcsi_err_detail(HCS_ERR_INVALID_JSON, res,
                             "process %lu: the exit status has a malformed ExitCode",
                             (unsigned long)p->pid);
        free(res);
        return hr;
    }
    if (status_json)
        *status_json = res;
    else
        free(res);
    return HCS_S_OK;
}

hcs_result hcs_process_subscribe(hcs_process *p, hcs_events *q, uint32_t options,
                                 uint64_t tag)
{
    hcs_events *old;
    uint64_t old_tag;
    hcs_result hr;
    if (!p || !q)
        return hcsi_err(HCS_ERR_POINTER, "hcs_process_subscribe: %s is NULL",
                        p ? "q" : "process");
    if (!p->t->fn[IX(HcsSetProcessCallback)])
        return cc_missing(p->t, IX(HcsSetProcessCallback));
    hcsi_obj_ref(&p->base);
    hcsi_obj_ref(&q->base);
    hcsi_mutex_lock(&p->m);
    old = p->q;
    old_tag = p->tag;
    p->q = q;
    p->tag = tag;
    hcsi_mutex_unlock(&p->m);
    hr = CC(p->t, HcsSetProcessCallback)(p->h, (HCSI_CC_EVENT_OPTIONS)options,
                                         KEYCTX(p), event_tramp);
    if (HCS_FAILED(hr)) {
        hcsi_mutex_lock(&p->m);
        p->q = old;
        p->tag = old_tag;
        hcsi_mutex_unlock(&p->m);
        old = q; /* drop the reference taken above */
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
        hcs_result hr = hcs_stream_read(pp->s, buf, sizeof buf, &got);
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
        if (HCS_FAILED(hcs_stream_write(pp->s, buf, rd))) {
            hcs_error_clear();
            break;
        }
    }
    (void)hcs_process_close_stdio(pp->p, HCS_STDIN, HCS_TIMEOUT_DEFAULT);
    hcs_error_clear();
    hcsi_obj_unref(&pp->p->base);
    free(pp);
}

hcs_result hcs_process_relay(hcs_process *p, hcs_os_handle in, hcs_os_handle out,
                             hcs_os_handle err)
{
    pump po, pe;
    pump *pi = NULL;
    hcsi_thread terr, tin;
    int have_err = 0, have_in = 0;
    hcs_result hr = HCS_S_OK;
    if (!p)
        return hcsi_err(HCS_ERR_POINTER, "hcs_process_relay: process is NULL");
    memset(&po, 0, sizeof po);
    memset(&pe, 0, sizeof pe);
    hcsi_obj_ref(&p->base);
    po.p = pe.p = p;
    po.s = hcs_process_stdio(p, HCS_STDOUT);
    po.os = (HANDLE)out;
    pe.s = hcs_process_stdio(p, HCS_STDERR);
    pe.os = (HANDLE)err;
    if (in && hcs_process_stdio(p, HCS_STDIN)) {
        pi = (pump *)calloc(1, sizeof *pi);
        if (pi) {
            pi->p = p;
            pi->s = hcs_process_stdio(p, HCS_STDIN);
            pi->os = (HANDLE)in;
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

/* ------------------------------------------------------------------ */
/* the service, files and access                                       */
/* ------------------------------------------------------------------ */

/* fn(wide arg) -> PWSTR result, for the synchronous string functions. */
static hcs_result sync_string_call(int ix, const char *arg, const char *arg_what,
                                   int required, char **result, const char *what)
{
    const cc_table *t;
    uint16_t *warg = NULL;
    PWSTR wres = NULL;
    char *res = NULL;
    hcs_result hr, chr;
    if (result)
        *result = NULL;
    if (required && !arg)
        return hcsi_err(HCS_ERR_POINTER, "%s: %s is NULL", what, arg_what);
    hr = cc_need3(&t, ix, -1, -1);
    if (HCS_SUCCEEDED(hr))
        hr = to_w(arg, arg_what, &warg);
    if (HCS_FAILED(hr))
        return hr;
    if (ix == IX(HcsGetServiceProperties))
        hr = CC(t, HcsGetServiceProperties)(W(warg), &wres);
    else if (ix == IX(HcsModifyServiceSettings))
        hr = CC(t, HcsModifyServiceSettings)(W(warg), &wres);
    else /* HcsGetProcessorCompatibilityFromSavedState: PCWSTR * */
        hr = CC(t, HcsGetProcessorCompatibilityFromSavedState)(W(warg),
                                                               (PCWSTR *)&wres);
    free(warg);
    chr = take_w(wres, &res);
    if (HCS_FAILED(hr)) {
        hr = hcsi_core_fail(hr, res, "%s", what);
        free(res);
        return hr;
    }
    if (HCS_FAILED(chr))
        return chr;
    if (result)
        *result = res;
    else
        free(res);
    return hr;
}

hcs_result hcs_service_properties(const char *query_json, char **json)
{
    if (!json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_service_properties: json is NULL");
    return sync_string_call(IX(HcsGetServiceProperties), query_json, "query", 0, json,
                            "get the service properties (HcsGetServiceProperties)");
}

hcs_result hcs_service_modify(const char *settings_json, char **result_json)
{
    return sync_string_call(IX(HcsModifyServiceSettings), settings_json, "settings", 1,
                            result_json,
                            "modify the service settings (HcsModifyServiceSettings)");
}

hcs_result hcs_processor_compat_from_saved_state(const char *runtime_file,
                                                 char **json)
{
    return sync_string_call(IX(HcsGetProcessorCompatibilityFromSavedState),
                            runtime_file, "runtime_file", 1, json,
                            "read the processor compatibility of a saved state "
                            "(HcsGetProcessorCompatibilityFromSavedState)");
}

/* fn(one or two wide strings) -> HRESULT. */
static hcs_result sync_path_call(int ix, const char *a, const char *b,
                                 const char *what)
{
    const cc_table *t;
    uint16_t *wa = NULL, *wb = NULL;
    hcs_result hr;
    int two = ix == IX(HcsGrantVmAccess) || ix == IX(HcsRevokeVmAccess);
    if (!a || (two && !b))
        return hcsi_err(HCS_ERR_POINTER, "%s: an argument is NULL", hcsi_cc_names[ix]);
    hr = cc_need3(&t, ix, -1, -1);
    if (HCS_SUCCEEDED(hr))
        hr = to_w(a, "argument", &wa);
    if (HCS_SUCCEEDED(hr) && two)
        hr = to_w(b, "path", &wb);
    if (HCS_FAILED(hr)) {
        free(wa);
        return hr;
    }
    if (two)
        hr = ((hcsi_cc_pfn_HcsGrantVmAccess)t->fn[ix])(W(wa), W(wb));
    else
        hr = ((hcsi_cc_pfn_HcsGrantVmGroupAccess)t->fn[ix])(W(wa));
    free(wa);
    free(wb);
    if (HCS_FAILED(hr)) {
        if (two)
            return hcsi_core_fail(hr, NULL, "%s \"%s\" for VM \"%s\" (%s)", what, b, a,
                                  hcsi_cc_names[ix]);
        return hcsi_core_fail(hr, NULL, "%s \"%s\" (%s)", what, a, hcsi_cc_names[ix]);
    }
    return hr;
}

hcs_result hcs_service_submit_wer_report(const char *settings_json)
{
    return sync_path_call(IX(HcsSubmitWerReport), settings_json, NULL,
                          "submit the WER report");
}
hcs_result hcs_guest_state_file_create(const char *path)
{
    return sync_path_call(IX(HcsCreateEmptyGuestStateFile), path, NULL,
                          "create the guest state file");
}
hcs_result hcs_runtime_state_file_create(const char *path)
{
    return sync_path_call(IX(HcsCreateEmptyRuntimeStateFile), path, NULL,
                          "create the runtime state file");
}
hcs_result hcs_vm_access_grant(const char *vm_id, const char *path)
{
    return sync_path_call(IX(HcsGrantVmAccess), vm_id, path, "grant access to");
}
hcs_result hcs_vm_access_revoke(const char *vm_id, const char *path)
{
    return sync_path_call(IX(HcsRevokeVmAccess), vm_id, path, "revoke access to");
}
hcs_result hcs_vm_group_access_grant(const char *path)
{
    return sync_path_call(IX(HcsGrantVmGroupAccess), path, NULL,
                          "grant the Virtual Machines group access to");
}
hcs_result hcs_vm_group_access_revoke(const char *path)
{
    return sync_path_call(IX(HcsRevokeVmGroupAccess), path, NULL,
                          "revoke the Virtual Machines group access to");
}
