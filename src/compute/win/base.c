/*
 * The computecore.dll backend of hcs/compute.h (compute/win/: base.c the
 * loader, strings, streams, event queues and HCS callbacks; op.c, system.c,
 * process.c, service.c the API by object).
 * docs/windows-backend.md describes the model; the rules in short:
 *   - LoadLibraryExW(System32 only) + GetProcAddress per function, each
 *     optional; tables are never freed (objects keep the table they were
 *     made with);
 *   - one operation per call; a handle (operation, system, process) is
 *     closed only when the last call using it has returned;
 *   - HCS's callback context is an integer key (compute/compute_int.h), never a pointer;
 *   - strings HCS returns are converted to UTF-8 and freed with LocalFree
 *     here, never handed out.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/win/compute_win.h"

/* ------------------------------------------------------------------ */
/* loader (the shared one of win/loader.h, slot hcsi_dll_computecore)         */
/* ------------------------------------------------------------------ */


static hcsi_dll_slot *const g_cc = &hcsi_dll_computecore;

hcs_result hcsi_cc_get(const cc_table **out) { return hcsi_dll_get(g_cc, out); }
hcs_result hcsi_cc_missing(const cc_table *t, int ix) { return hcsi_dll_missing(t, ix); }
hcs_result hcsi_cc_has(const cc_table *t, const int *ixs) { return hcsi_dll_has(t, ixs); }

/* Checks that table t has functions a, b, c (-1 = none). */
hcs_result hcsi_cc_has3(const cc_table *t, int a, int b, int c)
{
    return hcsi_dll_has3(t, a, b, c);
}

/* The current table with functions a, b, c (-1 = none). */
hcs_result hcsi_cc_need3(const cc_table **out, int a, int b, int c)
{
    return hcsi_dll_need(g_cc, out, a, b, c);
}


HCSI_DLL_LOADER_API(g_cc, hcs_compute_load, hcs_compute_set_dll_path,
                    hcs_compute_function_present)

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


/* Converts a string HCS returned to UTF-8 (when out is not NULL) and frees
 * the original (LocalFree), always. */
hcs_result hcsi_cc_take_w(const WCHAR *s, char **out)
{
    return hcsi_w_take(s, HCSI_W_LOCAL, "result document from computecore.dll", out);
}

/* ------------------------------------------------------------------ */
/* streams                                                             */
/* ------------------------------------------------------------------ */


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

/* One ReadFile / WriteFile that is defined on the handles HCS hands out:
 * they are opened for overlapped I/O (hcsshim v2/utils.go gives them to
 * winio.MakeOpenFile), and without an OVERLAPPED a call on such a handle can
 * report completion before the data is there (Win32 ReadFile remarks).
 * With one, and GetOverlappedResult, the call works on overlapped and
 * synchronous handles alike. */
static BOOL stream_io(HANDLE h, void *buf, DWORD n, DWORD *done, int write)
{
    OVERLAPPED ov;
    BOOL ok;
    DWORD e;
    *done = 0;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!ov.hEvent)
        return FALSE;
    ok = write ? WriteFile(h, buf, n, NULL, &ov) : ReadFile(h, buf, n, NULL, &ov);
    if (ok || GetLastError() == ERROR_IO_PENDING)
        ok = GetOverlappedResult(h, &ov, done, TRUE);
    e = GetLastError();
    CloseHandle(ov.hEvent);
    SetLastError(e);
    return ok;
}

hcs_result hcs_compute_stream_read(hcs_stream *s, void *buf, size_t n, size_t *got)
{
    DWORD rd = 0;
    if (got)
        *got = 0;
    if (!s || (!buf && n))
        return hcsi_err(HCS_ERR_POINTER, "stream read: stream or buffer is NULL");
    if (n > 0x40000000u)
        n = 0x40000000u;
    if (!stream_io(s->h, buf, (DWORD)n, &rd, 0)) {
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

hcs_result hcs_compute_stream_write(hcs_stream *s, const void *buf, size_t n)
{
    const char *p = (const char *)buf;
    if (!s || (!buf && n))
        return hcsi_err(HCS_ERR_POINTER, "stream write: stream or buffer is NULL");
    while (n > 0) {
        DWORD wr = 0, chunk = n > 0x40000000u ? 0x40000000u : (DWORD)n;
        if (!stream_io(s->h, (void *)p, chunk, &wr, 1)) {
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

hcs_os_handle hcs_compute_stream_os_handle(const hcs_stream *s)
{
    return s && s->h ? (hcs_os_handle)s->h : HCS_OS_HANDLE_NONE;
}

void hcs_compute_stream_close(hcs_stream *s)
{
    if (!s)
        return;
    CloseHandle(s->h);
    free(s);
}

/* Turns HCS_PROCESS_INFORMATION into info (or closes its handles). */
void hcsi_cc_pinfo_take(const HCSI_CC_PROCESS_INFORMATION *pi,
                       hcs_compute_process_info *info)
{
    if (!info) {
        /* HcsGetProcessInfo gives INVALID_HANDLE_VALUE for streams the
         * process has not got: not a handle to close */
        const HANDLE h[3] = {pi->StdInput, pi->StdOutput, pi->StdError};
        int i;
        for (i = 0; i < 3; i++)
            if (h[i] && h[i] != INVALID_HANDLE_VALUE)
                CloseHandle(h[i]);
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

hcs_result hcs_compute_events_create(hcs_events **out) { return hcsi_events_new(out); }

hcs_result hcs_compute_events_wait(hcs_events *q, int64_t timeout_ms, hcs_event **out)
{
    return hcsi_events_wait(q, timeout_ms, out);
}

size_t hcs_compute_events_pending(hcs_events *q) { return hcsi_events_pending(q); }
uint64_t hcs_compute_events_dropped(hcs_events *q) { return hcsi_events_dropped(q); }
void hcs_compute_events_close(hcs_events *q) { hcsi_events_close(q); }

/* ------------------------------------------------------------------ */
/* objects                                                             */
/* ------------------------------------------------------------------ */


/* Drops the creator's reference of an object that never became public. */
void hcsi_cc_obj_discard(hcsi_obj *o)
{
    hcsi_obj_unregister(o);
    hcsi_obj_unref(o);
}

/* ---- callbacks (trampolines: the context is a key) ---- */

void CALLBACK hcsi_cc_op_complete_tramp(HCSI_CC_OPERATION h, void *ctx)
{
    hcsi_obj *o;
    hcs_op *op;
    hcs_compute_op_callback cb;
    void *user;
    (void)h;
    hcsi_obj_callback_enter();
    o = hcsi_obj_lookup((uint64_t)(uintptr_t)ctx, HCSI_KIND_OP);
    op = (hcs_op *)o;
    if (!op) {
        hcsi_obj_callback_leave();
        return; /* closed meanwhile: harmless */
    }
    hcsi_mutex_lock(&op->m);
    cb = op->cb;
    user = op->cb_ctx;
    hcsi_mutex_unlock(&op->m);
    if (cb)
        cb(op, user);
    hcsi_obj_unref(o);
    hcsi_obj_callback_leave();
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

/* TEST ONLY (compute_int.h): runs between an event's delivery to its queue
 * and the trampoline's last reference, to reproduce a consumer that closes
 * the handle in that window. */
static void (*volatile g_tramp_hook)(void);

void hcsi_cc_set_event_tramp_hook(void (*hook)(void)) { g_tramp_hook = hook; }

static void event_tramp(HCSI_CC_EVENT *ev, hcsi_obj *o);

void CALLBACK hcsi_cc_event_tramp(HCSI_CC_EVENT *ev, void *ctx)
{
    hcsi_obj *o;
    hcsi_obj_callback_enter();
    o = hcsi_obj_lookup((uint64_t)(uintptr_t)ctx, HCSI_KIND_ANY);
    if (o)
        event_tramp(ev, o);
    hcsi_obj_callback_leave();
}

void hcsi_cc_exit_record(hcsi_exit_track *x, hcsi_mutex *m, const char *doc)
{
    hcsi_mutex_lock(m);
    if (!x->seen) {
        x->seen = 1;
        x->doc = doc ? hcsi_strdup(doc) : NULL;
        hcsi_cond_broadcast(&x->cv);
    }
    hcsi_mutex_unlock(m);
}

hcs_result hcsi_cc_exit_wait(hcsi_exit_track *x, hcsi_mutex *m, int64_t timeout_ms,
                             char **doc)
{
    uint64_t deadline = timeout_ms < 0 ? 0 : hcsi_now_ns() + (uint64_t)timeout_ms * 1000000u;
    hcs_result hr = HCS_S_OK;
    if (doc)
        *doc = NULL;
    hcsi_mutex_lock(m);
    while (!x->seen) {
        if (timeout_ms < 0) {
            hcsi_cond_wait(&x->cv, m);
        } else if (hcsi_cond_wait_until(&x->cv, m, deadline) && !x->seen) {
            hr = HCS_ERR_OPERATION_TIMEOUT;
            break;
        }
    }
    if (HCS_SUCCEEDED(hr) && doc && x->doc && !(*doc = hcsi_strdup(x->doc)))
        hr = hcsi_err_oom();
    hcsi_mutex_unlock(m);
    return hr;
}

hcs_events *hcsi_cc_queue_swap(hcsi_mutex *m, hcs_events **qp, uint64_t *tagp, hcs_events *q,
                               uint64_t tag, uint64_t *old_tag)
{
    hcs_events *old;
    if (q)
        hcsi_obj_ref(&q->base);
    hcsi_mutex_lock(m);
    old = *qp;
    if (old_tag)
        *old_tag = *tagp;
    *qp = q;
    *tagp = tag;
    hcsi_mutex_unlock(m);
    return old;
}

/* The queue an object's events go to (with a reference) and their tag, read
 * under the object's lock m (NULL: fields that do not change). */
static hcs_events *queue_of(hcsi_mutex *m, hcs_events *const *qp, const uint64_t *tagp,
                            uint64_t *tag)
{
    hcs_events *q;
    if (m)
        hcsi_mutex_lock(m);
    q = *qp;
    *tag = *tagp;
    if (q)
        hcsi_obj_ref(&q->base);
    if (m)
        hcsi_mutex_unlock(m);
    return q;
}

static void event_tramp(HCSI_CC_EVENT *ev, hcsi_obj *o)
{
    hcs_events *q = NULL;
    const char *sysid = NULL;
    uint32_t pid = 0;
    uint64_t tag = 0, opid = 0;
    char *data = NULL;
    hcs_event *e;
    if (!ev) {
        hcsi_obj_unref(o);
        return;
    }
    switch (o->kind) {
    case HCSI_KIND_SYSTEM: {
        hcs_system *s = (hcs_system *)o;
        q = queue_of(&s->m, &s->q, &s->tag, &tag);
        sysid = s->id;
        break;
    }
    case HCSI_KIND_PROCESS: {
        hcs_process *p = (hcs_process *)o;
        q = queue_of(&p->m, &p->q, &p->tag, &tag);
        sysid = p->system_id;
        pid = p->pid;
        break;
    }
    case HCSI_KIND_OP: /* its queue is set once, at creation */
        q = queue_of(NULL, &((hcs_op *)o)->q, &((hcs_op *)o)->tag, &tag);
        break;
    default:
        break;
    }
    if (ev->EventData && (q || ev->Type == HCS_EVENT_SYSTEM_EXITED ||
                          ev->Type == HCS_EVENT_PROCESS_EXITED))
        data = w_to_utf8_lossy(ev->EventData, (size_t)-1);
    /* the exit, for the waits on builds without HcsWaitFor*Exit */
    if (o->kind == HCSI_KIND_SYSTEM && ev->Type == HCS_EVENT_SYSTEM_EXITED)
        hcsi_cc_exit_record(&((hcs_system *)o)->exit, &((hcs_system *)o)->m, data);
    else if (o->kind == HCSI_KIND_PROCESS && ev->Type == HCS_EVENT_PROCESS_EXITED)
        hcsi_cc_exit_record(&((hcs_process *)o)->exit, &((hcs_process *)o)->m, data);
    if (q) {
        if (ev->Operation)
            opid = event_op_id(o, ev->Operation);
        e = hcsi_event_new((uint32_t)ev->Type, data, sysid, pid, opid, tag);
        hcsi_events_push(q, e);
        hcsi_obj_unref(&q->base);
    }
    free(data);
    if (g_tramp_hook)
        g_tramp_hook();
    hcsi_obj_unref(o);
}
