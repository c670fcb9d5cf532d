/*
 * A test-double computecore.dll: the 60 functions the loader binds, with a
 * scripted world behind them and a side channel (fake_control.h) for the
 * contract tests. Built as computecore.dll next to the test executables;
 * FAKE_MINIMAL builds the mingw-w64 10 surface (52 functions) for the
 * missing-function tests.
 *
 * With mingw-w64 10 it includes the SDK's computecore.h and redeclares
 * every function from the library's own X-macro (src/compute/funcs.h) with
 * HCSI_CC_SDK_TYPES: the compiler thereby checks the library's parameter
 * lists against the SDK's prototypes for the 52 functions mingw-w64
 * declares.
 */
#define HCSI_CC_SDK_TYPES
#include <windows.h>
#include <computedefs.h>
/* The SDK prototype check needs mingw-w64 10's computecore.h (52
 * functions); newer headers declare the newer functions with their own
 * enum types, which the redeclarations below would contradict. */
#if defined(__MINGW64_VERSION_MAJOR) && __MINGW64_VERSION_MAJOR <= 10
#  include <computecore.h>
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/win/abi.h"
#include "fake_base.h"
#include "fake_control.h"


/* Parameter lists checked against the SDK (see above). */
#define FAKE_DECL(ret, name, params) ret WINAPI name params;
HCSI_CC_FUNCS(FAKE_DECL)
#undef FAKE_DECL

/* Our struct layouts equal the SDK's. */
_Static_assert(sizeof(struct hcsi_cc_event) == sizeof(HCS_EVENT), "HCS_EVENT size");
_Static_assert(offsetof(struct hcsi_cc_event, EventData) == offsetof(HCS_EVENT, EventData),
               "HCS_EVENT.EventData");
_Static_assert(offsetof(struct hcsi_cc_event, Operation) == offsetof(HCS_EVENT, Operation),
               "HCS_EVENT.Operation");
_Static_assert(sizeof(struct hcsi_cc_process_information) == sizeof(HCS_PROCESS_INFORMATION),
               "HCS_PROCESS_INFORMATION size");
_Static_assert(offsetof(struct hcsi_cc_process_information, StdError) ==
                   offsetof(HCS_PROCESS_INFORMATION, StdError),
               "HCS_PROCESS_INFORMATION.StdError");
_Static_assert(sizeof(struct hcsi_cc_create_options_1) == sizeof(HCS_CREATE_OPTIONS_1),
               "HCS_CREATE_OPTIONS_1 size");
_Static_assert(offsetof(struct hcsi_cc_create_options_1, Callback) ==
                   offsetof(HCS_CREATE_OPTIONS_1, Callback),
               "HCS_CREATE_OPTIONS_1.Callback");

#include "fake_computecore.h"

wsys *g_systems;
wproc *g_procs;
fop *g_ops;
hsys *g_syshs;
hproc *g_prochs;
static UINT64 g_next_op_id = 1;
DWORD g_next_pid = 1000;
volatile LONG g_cb_running;


/* ---- helpers ---- */

static WCHAR *w16(const char *s)
{
    int n;
    WCHAR *w;
    if (!s)
        return NULL;
    n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    w = (WCHAR *)malloc((n > 0 ? (size_t)n : 1) * sizeof(WCHAR));
    if (!w)
        return NULL;
    if (n <= 0)
        w[0] = 0;
    else
        MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

static char *dupstr(const char *s)
{
    char *d;
    if (!s)
        return NULL;
    d = (char *)malloc(strlen(s) + 1);
    if (d)
        strcpy(d, s);
    return d;
}

/* ---- the world ---- */

wsys *fk_sys_find(const char *id)
{
    wsys *s;
    for (s = g_systems; s; s = s->next)
        if (_stricmp(s->id, id) == 0)
            return s;
    return NULL;
}

wsys *fk_sys_add(const char *id, int state)
{
    wsys *s = (wsys *)fk_alloc(sizeof *s);
    static unsigned n;
    snprintf(s->id, sizeof s->id, "%s", id);
    snprintf(s->runtime_id, sizeof s->runtime_id, "5f2ad8c4-0000-4000-8000-%012u", ++n);
    s->state = state;
    s->exited = CreateEventW(NULL, TRUE, state == SYS_STOPPED, NULL);
    if (state == SYS_STOPPED)
        snprintf(s->exit_doc, sizeof s->exit_doc, "{\"Status\":0,\"ExitType\":\"GracefulExit\"}");
    s->next = g_systems;
    g_systems = s;
    return s;
}

/* One handle's callbacks run one after the other, in the order they were
 * raised (each on a thread of its own): an exit is never delivered before
 * the state change raised ahead of it, whatever the threads' start order
 * on a loaded machine. Slots per handle, under fk_lock. */
typedef struct cbseq {
    const void *owner;
    LONG next, done;
} cbseq;
static cbseq g_cbseq[512];

static cbseq *seq_of(const void *owner)
{
    size_t i, free_slot = sizeof g_cbseq / sizeof g_cbseq[0];
    for (i = 0; i < sizeof g_cbseq / sizeof g_cbseq[0]; i++) {
        if (g_cbseq[i].owner == owner)
            return &g_cbseq[i];
        if (!g_cbseq[i].owner && free_slot == sizeof g_cbseq / sizeof g_cbseq[0])
            free_slot = i;
    }
    if (free_slot == sizeof g_cbseq / sizeof g_cbseq[0])
        return NULL; /* full: no ordering for this handle */
    g_cbseq[free_slot].owner = owner;
    g_cbseq[free_slot].next = g_cbseq[free_slot].done = 0;
    return &g_cbseq[free_slot];
}

void cc_world_reset(void)
{
    memset(g_cbseq, 0, sizeof g_cbseq);
    g_systems = NULL; /* old systems stay allocated: handles may point at them */
    fk_sys_add("fakevm-stopped", SYS_STOPPED);
    fk_sys_add("fakevm-running", SYS_RUNNING);
}

const char *fk_state_name(int st)
{
    switch (st) {
    case SYS_CREATED: return "Created";
    case SYS_RUNNING: return "Running";
    case SYS_PAUSED: return "Paused";
    default: return "Stopped";
    }
}

/* ---- callbacks, from new threads ---- */

typedef struct cbjob {
    HCS_OPERATION_COMPLETION ocb;
    HCS_EVENT_CALLBACK ecb;
    void *ctx;
    HCS_OPERATION op;
    UINT32 type;
    WCHAR *data;
    const void *owner;   /* the handle the callback belongs to */
    volatile LONG *cbs;  /* its running-callback count */
    LONG seq;            /* its place among the handle's callbacks */
} cbjob;

/* The handle whose callback this thread is running (NULL: none). */
static _Thread_local const void *t_cb_owner;


int fk_close_waits_callbacks(const char *fn, const void *h, volatile LONG *cbs)
{
    int i;
    /* Real HCS: HcsCloseComputeSystem / HcsCloseProcess / HcsCloseOperation
     * wait for the handle's callbacks in progress to return (hcsshim
     * internal/hcs/v2 system.go and process.go close only after their
     * callbacks are unregistered; WSL's HcsVirtualMachine.cpp, and the
     * deadlock fixed in microsoft/WSL PR #41269 when a callback closed its
     * own handle). */
    if (t_cb_owner == h) {
        fk_violation("%s(%p) on a callback of the same handle: real HCS waits for that "
                     "callback to return, i.e. for itself",
                     fn, h);
        return 0;
    }
    for (i = 0; i < 1000 && *cbs > 0; i++)
        Sleep(10);
    if (*cbs > 0)
        fk_violation("%s(%p): its callbacks still ran 10 s later", fn, h);
    return 1;
}

static DWORD WINAPI cb_thread(void *arg)
{
    cbjob *j = (cbjob *)arg;
    int i;
    for (i = 0; j->owner && i < 5000; i++) { /* its turn (at most 5 s) */
        cbseq *q;
        int turn;
        fk_lock();
        q = seq_of(j->owner);
        turn = !q || q->done >= j->seq;
        fk_unlock();
        if (turn)
            break;
        Sleep(1);
    }
    t_cb_owner = j->owner;
    if (j->ocb) {
        j->ocb(j->op, j->ctx);
    } else if (j->ecb) {
        HCS_EVENT ev;
        memset(&ev, 0, sizeof ev);
        ev.Type = (HCS_EVENT_TYPE)j->type;
        ev.EventData = j->data;
        ev.Operation = j->op;
        j->ecb(&ev, j->ctx);
    }
    t_cb_owner = NULL;
    if (j->owner) {
        cbseq *q;
        fk_lock();
        q = seq_of(j->owner);
        if (q && q->done < j->seq + 1)
            q->done = j->seq + 1;
        fk_unlock();
    }
    if (j->cbs)
        InterlockedDecrement(j->cbs);
    free(j->data);
    free(j);
    InterlockedDecrement(&g_cb_running);
    return 0;
}

static void spawn_cb(const void *owner, volatile LONG *cbs, HCS_OPERATION_COMPLETION ocb,
                     HCS_EVENT_CALLBACK ecb, void *ctx, HCS_OPERATION op, UINT32 type,
                     const char *data)
{
    cbjob *j = (cbjob *)fk_alloc(sizeof *j);
    HANDLE t;
    j->ocb = ocb;
    j->ecb = ecb;
    j->ctx = ctx;
    j->op = op;
    j->type = type;
    j->data = w16(data);
    j->owner = owner;
    j->cbs = cbs;
    if (owner) {
        cbseq *q;
        fk_lock();
        q = seq_of(owner);
        j->seq = q ? q->next++ : 0;
        fk_unlock();
    }
    InterlockedIncrement(&g_cb_running);
    if (cbs)
        InterlockedIncrement(cbs);
    t = CreateThread(NULL, 0, cb_thread, j, 0, NULL);
    if (t)
        CloseHandle(t);
    else {
        InterlockedDecrement(&g_cb_running);
        if (cbs)
            InterlockedDecrement(cbs);
        free(j->data);
        free(j);
    }
}

/* Fires an event to the handles of a system (proc == NULL) or process. */
void fk_fire(wsys *w, wproc *p, UINT32 type, const char *data, int late)
{
    hsys *hs;
    hproc *hp;
    fk_lock();
    if (!p) {
        for (hs = g_syshs; hs; hs = hs->next_all)
            if ((!w || hs->w == w) && hs->cb && (hs->magic == MAGIC_SYS || late))
                spawn_cb(hs, &hs->cbs, NULL, hs->cb, hs->ctx, NULL, type, data);
    }
    if (p || !w) {
        for (hp = g_prochs; hp; hp = hp->next_all)
            if ((!p || hp->w == p) && hp->cb && (hp->magic == MAGIC_PROC || late))
                spawn_cb(hp, &hp->cbs, NULL, hp->cb, hp->ctx, NULL, type, data);
    }
    fk_unlock();
}

/* ---- processes (the mini shell) ---- */

static void proc_write(HANDLE h, const char *s, size_t n)
{
    DWORD wr;
    if (h)
        while (n > 0 && WriteFile(h, s, (DWORD)n, &wr, NULL)) {
            s += wr;
            n -= wr;
        }
}

static int proc_killed(wproc *p) { return WaitForSingleObject(p->kill_ev, 0) == WAIT_OBJECT_0; }

static DWORD WINAPI proc_thread(void *arg)
{
    wproc *p = (wproc *)arg;
    char cmd[2048], *seg, *next;
    DWORD code = 0;
    char doc[160];
    snprintf(cmd, sizeof cmd, "%s", p->cmd);
    for (seg = cmd; seg && !proc_killed(p); seg = next) {
        char *amp = strstr(seg, "&&");
        next = strchr(seg, ';');
        if (amp && (!next || amp < next)) {
            *amp = 0;
            next = amp + 2;
        } else if (next) {
            *next++ = 0;
        }
        {
            size_t len = strlen(seg);
            while (len > 0 && seg[len - 1] == ' ')
                seg[--len] = 0;
        }
        while (*seg == ' ')
            seg++;
        if (strncmp(seg, "echo ", 5) == 0 || strncmp(seg, "err ", 4) == 0) {
            int out = seg[0] == 'e' && seg[1] == 'c';
            const char *text = seg + (out ? 5 : 4);
            proc_write(out ? p->out_w : p->err_w, text, strlen(text));
            proc_write(out ? p->out_w : p->err_w, "\n", 1);
        } else if (strcmp(seg, "cat") == 0) {
            char buf[4096];
            for (;;) {
                DWORD avail = 0, rd = 0;
                if (proc_killed(p) || !p->in_r)
                    break;
                if (!PeekNamedPipe(p->in_r, NULL, 0, NULL, &avail, NULL))
                    break; /* the writer closed: EOF */
                if (avail == 0) {
                    WaitForSingleObject(p->kill_ev, 5);
                    continue;
                }
                if (!ReadFile(p->in_r, buf, avail < sizeof buf ? avail : sizeof buf, &rd,
                              NULL) || rd == 0)
                    break;
                proc_write(p->out_w, buf, rd);
            }
        } else if (strncmp(seg, "sleep ", 6) == 0) {
            WaitForSingleObject(p->kill_ev, (DWORD)atoi(seg + 6));
        } else if (strcmp(seg, "hang") == 0) {
            WaitForSingleObject(p->kill_ev, INFINITE);
        } else if (strncmp(seg, "exit ", 5) == 0) {
            code = (DWORD)strtoul(seg + 5, NULL, 10);
            break;
        }
    }
    if (proc_killed(p))
        code = 137;
    fk_lock();
    {
        /* the process's ends, and the copies HCS kept of the caller's */
        HANDLE *ends[6] = {&p->out_w, &p->err_w, &p->in_r,
                           &p->keep_in_w, &p->keep_out_r, &p->keep_err_r};
        int i;
        for (i = 0; i < 6; i++) {
            if (*ends[i])
                CloseHandle(*ends[i]);
            *ends[i] = NULL;
        }
    }
    p->exited = 1;
    p->exit_code = code;
    SetEvent(p->exited_ev);
    fk_unlock();
    snprintf(doc, sizeof doc, "{\"ProcessId\":%lu,\"Exited\":true,\"ExitCode\":%lu,"
             "\"LastWaitResult\":0}", (unsigned long)p->pid, (unsigned long)code);
    fk_fire(p->sys, p, HcsEventProcessExited, doc, 0);
    return 0;
}

/* Minimal JSON field readers for ProcessParameters. */

/* Where the value of "key" starts in json (NULL: no such key). */
static const char *json_value(const char *json, const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\"", key);
    p = json ? strstr(json, pat) : NULL;
    if (!p)
        return NULL;
    p += strlen(pat);
    while (*p == ' ' || *p == ':')
        p++;
    return p;
}

int fk_json_str_field(const char *json, const char *key, char *out, size_t n)
{
    const char *p = json_value(json, key);
    size_t k = 0;
    if (!p || *p != '"')
        return 0;
    p++;
    while (*p && *p != '"' && k + 1 < n) {
        if (*p == '\\' && p[1]) {
            p++;
            out[k++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
        } else {
            out[k++] = *p;
        }
        p++;
    }
    out[k] = 0;
    return 1;
}

int fk_json_true(const char *json, const char *key)
{
    const char *p = json_value(json, key);
    return p && strncmp(p, "true", 4) == 0;
}

/* ---- operations ---- */

int fk_op_ok(fop *op, const char *fn)
{
    if (!op) {
        fk_violation("%s: NULL operation", fn);
        return 0;
    }
    if (op->magic == MAGIC_DEAD) {
        fk_violation("%s: operation %p used after HcsCloseOperation", fn, (void *)op);
        return 0;
    }
    if (op->magic != MAGIC_OP) {
        fk_violation("%s: %p is not an operation", fn, (void *)op);
        return 0;
    }
    return 1;
}

/* A system or process handle (magic: what h holds, 0 for NULL) is live
 * when it holds want; else a violation, naming its close when it was. */
static int handle_ok(const char *fn, const void *h, uint32_t magic, uint32_t want,
                     const char *kind, const char *close)
{
    if (h && magic == want)
        return 1;
    fk_violation("%s: %s handle %p %s%s", fn, kind, h,
                 h && magic == MAGIC_DEAD ? "used after " : "invalid",
                 h && magic == MAGIC_DEAD ? close : "");
    return 0;
}

int fk_sys_ok(hsys *h, const char *fn)
{
    return handle_ok(fn, h, h ? h->magic : 0, MAGIC_SYS, "compute system",
                     "HcsCloseComputeSystem");
}

int fk_proc_ok(hproc *h, const char *fn)
{
    return handle_ok(fn, h, h ? h->magic : 0, MAGIC_PROC, "process", "HcsCloseProcess");
}

/* The process runs: a thread of its own plays the mini shell. */
static void proc_start(wproc *p)
{
    HANDLE t;
    p->started = 1;
    t = CreateThread(NULL, 0, proc_thread, p, 0, NULL);
    if (t)
        CloseHandle(t);
}

static void apply_post(fop *op)
{
    wsys *w = op->sysh ? op->sysh->w : op->proch ? op->proch->w->sys : NULL;
    char doc[160];
    switch (op->post) {
    case POST_START:
        fk_lock();
        w->state = SYS_RUNNING;
        fk_unlock();
        break;
    case POST_STOP:
    case POST_CRASH:
        if (op->post == POST_CRASH)
            fk_fire(w, NULL, HcsEventSystemCrashInitiated, "{\"CrashReport\":\"fake\"}", 0);
        fk_lock();
        w->state = SYS_STOPPED;
        snprintf(w->exit_doc, sizeof w->exit_doc,
                 "{\"Status\":%s,\"ExitType\":\"%s\"}",
                 op->post == POST_CRASH ? "-2147023895" : "0",
                 op->post == POST_CRASH ? "UnexpectedExit" : "GracefulExit");
        snprintf(doc, sizeof doc, "%s", w->exit_doc);
        SetEvent(w->exited);
        fk_unlock();
        fk_fire(w, NULL, HcsEventSystemExited, doc, 0);
        break;
    case POST_PAUSE:
        fk_lock();
        w->state = SYS_PAUSED;
        fk_unlock();
        break;
    case POST_RESUME:
        fk_lock();
        w->state = SYS_RUNNING;
        fk_unlock();
        break;
    case POST_LM:
        fk_lock();
        if (op->sysh && op->sysh->cb && (op->sysh->opts & 0x4))
            spawn_cb(op->sysh, &op->sysh->cbs, NULL, op->sysh->cb, op->sysh->ctx,
                     (HCS_OPERATION)op, 0x80000003u, "{\"Event\":\"MigrationDone\"}");
        fk_unlock();
        break;
    case POST_PROC_START:
        if (SUCCEEDED(op->hr) && op->newproc)
            proc_start(op->newproc);
        break;
    case POST_PROC_KILL:
        SetEvent(op->proch->w->kill_ev);
        break;
    default:
        break;
    }
}

void fk_op_finish(fop *op)
{
    HCS_OPERATION_COMPLETION cb;
    HCS_EVENT_CALLBACK ncb, scb = NULL;
    const void *ctx;
    void *sctx = NULL;
    hsys *sh = NULL;
    int deliver;
    fk_lock();
    if (op->state == ST_DONE) {
        fk_unlock();
        return;
    }
    fk_unlock();
    if (SUCCEEDED(op->hr)) {
        apply_post(op);
    } else if (op->newproc) {
        if (op->started_anyway) {
            /* the wait reports a failure, the process runs all the same */
            proc_start(op->newproc);
        } else { /* a failed CreateProcess: no process */
            wproc *p = op->newproc;
            CloseHandle(p->in_r);
            CloseHandle(p->out_w);
            CloseHandle(p->err_w);
            p->in_r = p->out_w = p->err_w = NULL;
        }
        /* a failed CreateProcess hands out none of the caller's ends */
        if (op->pi.StdInput)
            CloseHandle(op->pi.StdInput);
        if (op->pi.StdOutput)
            CloseHandle(op->pi.StdOutput);
        if (op->pi.StdError)
            CloseHandle(op->pi.StdError);
        memset(&op->pi, 0, sizeof op->pi);
    }
    fk_lock();
    op->state = ST_DONE;
    cb = op->cb;
    ncb = op->ncb;
    ctx = op->ctx;
    deliver = !op->closed || op->late;
    if (op->sysh && op->sysh->magic == MAGIC_SYS && (op->sysh->opts & 1)) {
        scb = op->sysh->cb;
        sctx = op->sysh->ctx;
        sh = op->sysh;
    }
    SetEvent(op->done);
    if (deliver) {
        if (cb)
            spawn_cb(op, &op->cbs, cb, NULL, (void *)ctx, (HCS_OPERATION)op, 0, NULL);
        if (ncb)
            spawn_cb(op, &op->cbs, NULL, ncb, (void *)ctx, (HCS_OPERATION)op,
                     HcsEventOperationCallback, NULL);
        if (scb)
            spawn_cb(sh, &sh->cbs, NULL, scb, sctx, (HCS_OPERATION)op,
                     HcsEventOperationCallback, NULL);
    }
    fk_unlock();
}

typedef struct delayed {
    fop *op;
    int ms;
} delayed;

static DWORD WINAPI delay_thread(void *arg)
{
    delayed *d = (delayed *)arg;
    Sleep((DWORD)d->ms);
    fk_op_finish(d->op);
    free(d);
    return 0;
}

/* Starts op with the result of step (or hr/doc when the step has none). */
HRESULT fk_op_start(const char *fn, fop *op, int type, const fake_step *st, int scripted,
                        HRESULT hr, const char *doc, int post, hsys *sysh, hproc *proch)
{
    int pending;
    if (!fk_op_ok(op, fn))
        return E_HANDLE;
    fk_lock();
    if (op->state != ST_NOT_STARTED) {
        fk_unlock();
        fk_violation("%s: operation %p used a second time", fn, (void *)op);
        return E_OP_ALREADY_STARTED;
    }
    if (scripted && FAILED(st->call_hr)) {
        fk_unlock();
        return st->call_hr;
    }
    op->state = ST_PENDING;
    op->type = type;
    op->id = g_next_op_id++;
    op->hr = scripted ? st->result_hr : hr;
    op->doc = dupstr(scripted && st->result_doc ? st->result_doc : scripted && FAILED(st->result_hr) ? NULL : doc);
    op->post = post;
    op->sysh = sysh;
    op->proch = proch;
    op->late = scripted && st->late_callback;
    pending = scripted ? st->pending_ms : 0;
    if (proch && proch->stuck)
        pending = FAKE_PENDING_NEVER;
    if (proch && pending == FAKE_PENDING_NEVER)
        proch->stuck = 1;
    fk_unlock();
    if (pending == 0) {
        fk_op_finish(op);
    } else if (pending > 0) {
        delayed *d = (delayed *)malloc(sizeof *d);
        HANDLE t;
        d->op = op;
        d->ms = pending;
        t = CreateThread(NULL, 0, delay_thread, d, 0, NULL);
        if (t)
            CloseHandle(t);
    }
    return scripted ? st->call_hr : S_OK;
}

static fop *op_new(void)
{
    fop *op = (fop *)fk_alloc(sizeof *op);
    op->magic = MAGIC_OP;
    op->type = HcsOperationTypeNone;
    op->id = HCSI_CC_INVALID_OPERATION_ID;
    op->done = CreateEventW(NULL, TRUE, FALSE, NULL);
    FK_LINK_LIVE(g_ops, op);
    return op;
}

/* HcsCreateOperation[WithNotifications]: the new operation, recorded as
 * h[2] after the context and callback. */
static fop *op_create(const char *fn, const void *context, uint64_t callback, uint64_t events)
{
    fop *op = op_new();
    fake_call *c = fk_rec_h(fn, FK_H(context), callback, FK_H(op));
    c->n[0] = events;
    fk_commit(c);
    op->ctx = context;
    return op;
}

FAKE_API HCS_OPERATION WINAPI HcsCreateOperation(const void *context,
                                                 HCS_OPERATION_COMPLETION callback)
{
    fop *op = op_create("HcsCreateOperation", context, FK_H(callback), 0);
    op->cb = callback;
    return (HCS_OPERATION)op;
}

#ifndef FAKE_MINIMAL
FAKE_API HCS_OPERATION WINAPI HcsCreateOperationWithNotifications(
    HCSI_CC_OPERATION_OPTIONS eventTypes, const void *context, HCS_EVENT_CALLBACK callback)
{
    fop *op = op_create("HcsCreateOperationWithNotifications", context, FK_H(callback),
                        (uint64_t)eventTypes);
    op->ncb = callback;
    op->notifications = eventTypes;
    return (HCS_OPERATION)op;
}
#endif

/* Records fn(operation, h1, h2) and returns the operation when it is one
 * (else NULL, after the violation). */
static fop *op_call(const char *fn, HCS_OPERATION operation, uint64_t h1, uint64_t h2)
{
    fop *op = (fop *)operation;
    fk_commit(fk_rec_h(fn, FK_H(op), h1, h2));
    return fk_op_ok(op, fn) ? op : NULL;
}

FAKE_API void WINAPI HcsCloseOperation(HCS_OPERATION operation)
{
    fop *op = op_call("HcsCloseOperation", operation, 0, 0);
    if (!op)
        return;
    fk_lock();
    if (op->waiters > 0) {
        fk_unlock();
        fk_violation("HcsCloseOperation: operation %p closed while %d thread(s) wait on it",
                  (void *)op, op->waiters);
        fk_lock();
    }
    op->magic = MAGIC_DEAD;
    op->closed = 1;
    fk_live(-1);
    fk_unlock();
}

FAKE_API void *WINAPI HcsGetOperationContext(HCS_OPERATION operation)
{
    fop *op = op_call("HcsGetOperationContext", operation, 0, 0);
    return op ? (void *)op->ctx : NULL;
}

FAKE_API HRESULT WINAPI HcsSetOperationContext(HCS_OPERATION operation, const void *context)
{
    fop *op = op_call("HcsSetOperationContext", operation, FK_H(context), 0);
    if (!op)
        return E_HANDLE;
    fk_lock();
    op->ctx = context;
    fk_unlock();
    return S_OK;
}

FAKE_API HCS_SYSTEM WINAPI HcsGetComputeSystemFromOperation(HCS_OPERATION operation)
{
    fop *op = op_call("HcsGetComputeSystemFromOperation", operation, 0, 0);
    return op ? (HCS_SYSTEM)op->sysh : NULL;
}

FAKE_API HCS_PROCESS WINAPI HcsGetProcessFromOperation(HCS_OPERATION operation)
{
    fop *op = op_call("HcsGetProcessFromOperation", operation, 0, 0);
    return op ? (HCS_PROCESS)op->proch : NULL;
}

FAKE_API HCS_OPERATION_TYPE WINAPI HcsGetOperationType(HCS_OPERATION operation)
{
    fop *op = op_call("HcsGetOperationType", operation, 0, 0);
    return op ? (HCS_OPERATION_TYPE)op->type : HcsOperationTypeNone;
}

FAKE_API UINT64 WINAPI HcsGetOperationId(HCS_OPERATION operation)
{
    fop *op = op_call("HcsGetOperationId", operation, 0, 0);
    return op ? op->id : HCSI_CC_INVALID_OPERATION_ID;
}

/* The result once done: hr, the document, the process information. */
static HRESULT op_result(fop *op, HCS_PROCESS_INFORMATION *pi, PWSTR *doc)
{
    HRESULT hr;
    char *d;
    if (doc)
        *doc = NULL;
    if (pi)
        memset(pi, 0, sizeof *pi);
    fk_lock();
    hr = op->hr;
    d = dupstr(op->doc);
    if (pi) {
        *pi = op->pi;
        /* the handles are handed out once: the caller owns them */
        op->pi.StdInput = op->pi.StdOutput = op->pi.StdError = NULL;
    }
    fk_unlock();
    if (doc)
        *doc = fk_out(d, FK_LOCAL);
    free(d);
    return hr;
}

static HRESULT op_get(const char *fn, HCS_OPERATION operation, HCS_PROCESS_INFORMATION *pi,
                      PWSTR *doc)
{
    fop *op = op_call(fn, operation, 0, 0);
    int st;
    if (doc)
        *doc = NULL;
    if (!op)
        return E_HANDLE;
    fk_lock();
    st = op->state;
    fk_unlock();
    if (st == ST_NOT_STARTED)
        return E_OP_NOT_STARTED;
    if (st == ST_PENDING)
        return E_OP_PENDING;
    return op_result(op, pi, doc);
}

FAKE_API HRESULT WINAPI HcsGetOperationResult(HCS_OPERATION operation, PWSTR *resultDocument)
{
    return op_get("HcsGetOperationResult", operation, NULL, resultDocument);
}

FAKE_API HRESULT WINAPI HcsGetOperationResultAndProcessInfo(
    HCS_OPERATION operation, HCS_PROCESS_INFORMATION *processInformation,
    PWSTR *resultDocument)
{
    return op_get("HcsGetOperationResultAndProcessInfo", operation, processInformation,
                  resultDocument);
}

#ifndef FAKE_MINIMAL
FAKE_API HRESULT WINAPI HcsAddResourceToOperation(HCS_OPERATION operation,
                                                  HCSI_CC_RESOURCE_TYPE type, PCWSTR uri,
                                                  HANDLE handle)
{
    fop *op = (fop *)operation;
    fake_step st;
    fake_call *c = fk_rec_h("HcsAddResourceToOperation", FK_H(op), FK_H(handle), 0);
    int scripted = fk_step("HcsAddResourceToOperation", &st);
    c->n[0] = (uint64_t)type;
    fk_str(c, 0, uri);
    fk_commit(c);
    if (!fk_op_ok(op, "HcsAddResourceToOperation"))
        return E_HANDLE;
    if (op->state != ST_NOT_STARTED)
        return E_OP_ALREADY_STARTED;
    return scripted ? st.result_hr : S_OK;
}
#endif

static HRESULT op_wait(const char *fn, HCS_OPERATION operation, DWORD timeoutMs,
                       HCS_PROCESS_INFORMATION *pi, PWSTR *doc)
{
    fop *op = (fop *)operation;
    fake_call *c = fk_rec_h(fn, FK_H(op), 0, 0);
    DWORD w;
    c->n[0] = timeoutMs;
    fk_commit(c);
    if (doc)
        *doc = NULL;
    if (!fk_op_ok(op, fn))
        return E_HANDLE;
    fk_lock();
    if (op->state == ST_NOT_STARTED) {
        fk_unlock();
        return E_OP_NOT_STARTED;
    }
    op->waiters++;
    fk_unlock();
    w = WaitForSingleObject(op->done, timeoutMs);
    fk_lock();
    op->waiters--;
    fk_unlock();
    if (w != WAIT_OBJECT_0)
        return E_OP_TIMEOUT;
    return op_result(op, pi, doc);
}

FAKE_API HRESULT WINAPI HcsWaitForOperationResult(HCS_OPERATION operation, DWORD timeoutMs,
                                                  PWSTR *resultDocument)
{
    return op_wait("HcsWaitForOperationResult", operation, timeoutMs, NULL, resultDocument);
}

FAKE_API HRESULT WINAPI HcsWaitForOperationResultAndProcessInfo(
    HCS_OPERATION operation, DWORD timeoutMs, HCS_PROCESS_INFORMATION *processInformation,
    PWSTR *resultDocument)
{
    return op_wait("HcsWaitForOperationResultAndProcessInfo", operation, timeoutMs,
                   processInformation, resultDocument);
}

FAKE_API HRESULT WINAPI HcsSetOperationCallback(HCS_OPERATION operation, const void *context,
                                                HCS_OPERATION_COMPLETION callback)
{
    fop *op = op_call("HcsSetOperationCallback", operation, FK_H(context), FK_H(callback));
    if (!op)
        return E_HANDLE;
    fk_lock();
    if (op->sysh && (op->sysh->opts & 1)) {
        fk_unlock();
        return E_CALLBACK_ALREADY_SET;
    }
    op->ctx = context;
    op->cb = callback;
    fk_unlock();
    return S_OK;
}

FAKE_API HRESULT WINAPI HcsCancelOperation(HCS_OPERATION operation)
{
    fake_step st;
    int scripted = fk_step("HcsCancelOperation", &st);
    if (!op_call("HcsCancelOperation", operation, 0, 0))
        return E_HANDLE;
    return scripted ? st.result_hr : E_NOTIMPL; /* as documented */
}

#ifndef FAKE_MINIMAL
FAKE_API HRESULT WINAPI HcsGetOperationProperties(HCS_OPERATION operation, PCWSTR options,
                                                  PWSTR *resultDocument)
{
    fop *op = (fop *)operation;
    char doc[160];
    fake_call *c = fk_rec_h("HcsGetOperationProperties", FK_H(op), 0, 0);
    fk_str(c, 0, options);
    fk_commit(c);
    *resultDocument = NULL;
    if (!fk_op_ok(op, "HcsGetOperationProperties"))
        return E_HANDLE;
    snprintf(doc, sizeof doc, "{\"Id\":%llu,\"Type\":%d,\"State\":\"%s\"}",
             (unsigned long long)(op->id == HCSI_CC_INVALID_OPERATION_ID ? 0 : op->id),
             op->type,
             op->state == ST_DONE ? "Completed" : op->state == ST_PENDING ? "Pending"
                                                                          : "NotStarted");
    *resultDocument = fk_out(doc, FK_LOCAL);
    return S_OK;
}
#endif

/* ---- enumeration ---- */

static char *list_systems(void)
{
    size_t cap = 256, len;
    char *s = (char *)malloc(cap);
    wsys *w;
    if (!s)
        return NULL;
    strcpy(s, "[");
    fk_lock();
    for (w = g_systems; w; w = w->next) {
        char item[512];
        snprintf(item, sizeof item,
                 "%s{\"Id\":\"%s\",\"SystemType\":\"VirtualMachine\",\"Name\":\"%s\","
                 "\"Owner\":\"fake\",\"State\":\"%s\",\"RuntimeId\":"
                 "\"00000000-0000-0000-0000-000000000000\"}",
                 s[1] ? "," : "", w->id, w->id, fk_state_name(w->state));
        len = strlen(s) + strlen(item) + 2;
        if (len > cap) {
            char *n = (char *)realloc(s, len * 2);
            if (!n)
                break;
            s = n;
            cap = len * 2;
        }
        strcat(s, item);
    }
    fk_unlock();
    strcat(s, "]");
    return s;
}

/* HcsEnumerateComputeSystems[InNamespace] (with_ns: the namespace is
 * string 0, the query string 1). */
static HRESULT enumerate(const char *fn, int with_ns, PCWSTR ns, PCWSTR query,
                         HCS_OPERATION operation)
{
    fake_step st;
    fake_call *c = fk_rec_h(fn, FK_H(operation), 0, 0);
    int scripted = fk_step(fn, &st);
    char *list = list_systems();
    HRESULT hr;
    if (with_ns)
        fk_str(c, 0, ns);
    fk_str(c, with_ns, query);
    fk_commit(c);
    hr = fk_op_start(fn, (fop *)operation, HcsOperationTypeEnumerate, &st, scripted, S_OK,
                     list, POST_NONE, NULL, NULL);
    free(list);
    return hr;
}

FAKE_API HRESULT WINAPI HcsEnumerateComputeSystems(PCWSTR query, HCS_OPERATION operation)
{
    return enumerate("HcsEnumerateComputeSystems", 0, NULL, query, operation);
}

#ifndef FAKE_1809 /* from Windows 10 2004 / 21H1 (hcs-api.md: min OS) */
FAKE_API HRESULT WINAPI HcsEnumerateComputeSystemsInNamespace(PCWSTR idNamespace,
                                                              PCWSTR query,
                                                              HCS_OPERATION operation)
{
    return enumerate("HcsEnumerateComputeSystemsInNamespace", 1, idNamespace, query,
                     operation);
}
#endif
