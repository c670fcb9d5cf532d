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

/* Codes (mingw-w64 10's winerror.h has no HCS_E_*). */
#define E_SYSTEM_NOT_FOUND ((HRESULT)0x8037010Eu)
#define E_SYSTEM_ALREADY_EXISTS ((HRESULT)0x8037010Fu)
#define E_SYSTEM_ALREADY_STOPPED ((HRESULT)0x80370110u)
#define E_INVALID_STATE ((HRESULT)0x80370105u)
#define E_OP_NOT_STARTED ((HRESULT)0x80370115u)
#define E_OP_ALREADY_STARTED ((HRESULT)0x80370116u)
#define E_OP_PENDING ((HRESULT)0x80370117u)
#define E_OP_TIMEOUT ((HRESULT)0x80370118u)
#define E_CALLBACK_ALREADY_SET ((HRESULT)0x80370119u)
#define E_PROCESS_ALREADY_STOPPED ((HRESULT)0x8037011Fu)

#define MAGIC_OP 0x4f504f50u
#define MAGIC_SYS 0x53595353u
#define MAGIC_PROC 0x50524f43u
#define MAGIC_DEAD 0xdeaddeadu

enum { ST_NOT_STARTED, ST_PENDING, ST_DONE };
enum { SYS_CREATED, SYS_RUNNING, SYS_PAUSED, SYS_STOPPED };

typedef struct wsys {
    struct wsys *next;
    char id[160];
    char runtime_id[40];
    int state;
    HANDLE exited; /* manual reset */
    char exit_doc[160];
} wsys;

typedef struct wproc {
    struct wproc *next;
    wsys *sys;
    DWORD pid;
    int exited;
    DWORD exit_code;
    HANDLE exited_ev, kill_ev;
    HANDLE in_r, out_w, err_w; /* the process's ends */
    char cmd[2048];
} wproc;

typedef struct hsys {
    uint32_t magic;
    wsys *w;
    HCS_EVENT_CALLBACK cb;
    void *ctx;
    int opts;
    struct hsys *next_all;
} hsys;

typedef struct hproc {
    uint32_t magic;
    wproc *w;
    HCS_EVENT_CALLBACK cb;
    void *ctx;
    int stuck; /* an operation on it never completes: later ones neither */
    struct hproc *next_all;
} hproc;

typedef struct fop {
    uint32_t magic;
    int closed;
    const void *ctx;
    HCS_OPERATION_COMPLETION cb;
    HCS_EVENT_CALLBACK ncb;
    int notifications;
    int state;
    int type;
    UINT64 id;
    HRESULT hr;
    char *doc;
    HCS_PROCESS_INFORMATION pi;
    int waiters;
    int late;
    HANDLE done;
    hsys *sysh;
    hproc *proch;
    int post;        /* what completion does to the world */
    wproc *newproc;  /* CreateProcess: started at completion */
    struct fop *next_all;
} fop;

enum { POST_NONE, POST_START, POST_STOP, POST_CRASH, POST_PAUSE, POST_RESUME,
       POST_LM, POST_PROC_START, POST_PROC_KILL };

static wsys *g_systems;
static wproc *g_procs;
static fop *g_ops;
static hsys *g_syshs;
static hproc *g_prochs;
static UINT64 g_next_op_id = 1;
static DWORD g_next_pid = 1000;
static volatile LONG g_cb_running;


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

static wsys *sys_find(const char *id)
{
    wsys *s;
    for (s = g_systems; s; s = s->next)
        if (_stricmp(s->id, id) == 0)
            return s;
    return NULL;
}

static wsys *sys_add(const char *id, int state)
{
    wsys *s = (wsys *)calloc(1, sizeof *s);
    if (!s)
        abort();
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

static void world_reset(void)
{
    g_systems = NULL; /* old systems stay allocated: handles may point at them */
    sys_add("fakevm-stopped", SYS_STOPPED);
    sys_add("fakevm-running", SYS_RUNNING);
}

static const char *state_name(int st)
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
} cbjob;

static DWORD WINAPI cb_thread(void *arg)
{
    cbjob *j = (cbjob *)arg;
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
    free(j->data);
    free(j);
    InterlockedDecrement(&g_cb_running);
    return 0;
}

static void spawn_cb(HCS_OPERATION_COMPLETION ocb, HCS_EVENT_CALLBACK ecb, void *ctx,
                     HCS_OPERATION op, UINT32 type, const char *data)
{
    cbjob *j = (cbjob *)calloc(1, sizeof *j);
    HANDLE t;
    if (!j)
        return;
    j->ocb = ocb;
    j->ecb = ecb;
    j->ctx = ctx;
    j->op = op;
    j->type = type;
    j->data = w16(data);
    InterlockedIncrement(&g_cb_running);
    t = CreateThread(NULL, 0, cb_thread, j, 0, NULL);
    if (t)
        CloseHandle(t);
    else {
        InterlockedDecrement(&g_cb_running);
        free(j->data);
        free(j);
    }
}

/* Fires an event to the handles of a system (proc == NULL) or process. */
static void fire(wsys *w, wproc *p, UINT32 type, const char *data, int late)
{
    hsys *hs;
    hproc *hp;
    fk_lock();
    if (!p) {
        for (hs = g_syshs; hs; hs = hs->next_all)
            if ((!w || hs->w == w) && hs->cb && (hs->magic == MAGIC_SYS || late))
                spawn_cb(NULL, hs->cb, hs->ctx, NULL, type, data);
    }
    if (p || !w) {
        for (hp = g_prochs; hp; hp = hp->next_all)
            if ((!p || hp->w == p) && hp->cb && (hp->magic == MAGIC_PROC || late))
                spawn_cb(NULL, hp->cb, hp->ctx, NULL, type, data);
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
    if (p->out_w)
        CloseHandle(p->out_w);
    if (p->err_w)
        CloseHandle(p->err_w);
    if (p->in_r)
        CloseHandle(p->in_r);
    p->out_w = p->err_w = p->in_r = NULL;
    p->exited = 1;
    p->exit_code = code;
    SetEvent(p->exited_ev);
    fk_unlock();
    snprintf(doc, sizeof doc, "{\"ProcessId\":%lu,\"Exited\":true,\"ExitCode\":%lu,"
             "\"LastWaitResult\":0}", (unsigned long)p->pid, (unsigned long)code);
    fire(p->sys, p, HcsEventProcessExited, doc, 0);
    return 0;
}

/* Minimal JSON field readers for ProcessParameters. */
static int json_str_field(const char *json, const char *key, char *out, size_t n)
{
    char pat[64];
    const char *p;
    size_t k = 0;
    snprintf(pat, sizeof pat, "\"%s\"", key);
    p = json ? strstr(json, pat) : NULL;
    if (!p)
        return 0;
    p += strlen(pat);
    while (*p == ' ' || *p == ':')
        p++;
    if (*p != '"')
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

static int json_true(const char *json, const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\"", key);
    p = json ? strstr(json, pat) : NULL;
    if (!p)
        return 0;
    p += strlen(pat);
    while (*p == ' ' || *p == ':')
        p++;
    return strncmp(p, "true", 4) == 0;
}

/* ---- operations ---- */

static int op_ok(fop *op, const char *fn)
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

static int sys_ok(hsys *h, const char *fn)
{
    if (h && h->magic == MAGIC_SYS)
        return 1;
    fk_violation("%s: compute system handle %p %s", fn, (void *)h,
              h && h->magic == MAGIC_DEAD ? "used after HcsCloseComputeSystem" : "invalid");
    return 0;
}

static int proc_ok(hproc *h, const char *fn)
{
    if (h && h->magic == MAGIC_PROC)
        return 1;
    fk_violation("%s: process handle %p %s", fn, (void *)h,
              h && h->magic == MAGIC_DEAD ? "used after HcsCloseProcess" : "invalid");
    return 0;
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
            fire(w, NULL, HcsEventSystemCrashInitiated, "{\"CrashReport\":\"fake\"}", 0);
        fk_lock();
        w->state = SYS_STOPPED;
        snprintf(w->exit_doc, sizeof w->exit_doc,
                 "{\"Status\":%s,\"ExitType\":\"%s\"}",
                 op->post == POST_CRASH ? "-2147023895" : "0",
                 op->post == POST_CRASH ? "UnexpectedExit" : "GracefulExit");
        snprintf(doc, sizeof doc, "%s", w->exit_doc);
        SetEvent(w->exited);
        fk_unlock();
        fire(w, NULL, HcsEventSystemExited, doc, 0);
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
            spawn_cb(NULL, op->sysh->cb, op->sysh->ctx, (HCS_OPERATION)op,
                     0x80000003u, "{\"Event\":\"MigrationDone\"}");
        fk_unlock();
        break;
    case POST_PROC_START:
        if (SUCCEEDED(op->hr) && op->newproc) {
            HANDLE t = CreateThread(NULL, 0, proc_thread, op->newproc, 0, NULL);
            if (t)
                CloseHandle(t);
        }
        break;
    case POST_PROC_KILL:
        SetEvent(op->proch->w->kill_ev);
        break;
    default:
        break;
    }
}

static void op_finish(fop *op)
{
    HCS_OPERATION_COMPLETION cb;
    HCS_EVENT_CALLBACK ncb, scb = NULL;
    const void *ctx;
    void *sctx = NULL;
    int deliver;
    fk_lock();
    if (op->state == ST_DONE) {
        fk_unlock();
        return;
    }
    fk_unlock();
    if (SUCCEEDED(op->hr))
        apply_post(op);
    else if (op->newproc) { /* a failed CreateProcess: no process */
        wproc *p = op->newproc;
        CloseHandle(p->in_r);
        CloseHandle(p->out_w);
        CloseHandle(p->err_w);
        p->in_r = p->out_w = p->err_w = NULL;
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
    }
    SetEvent(op->done);
    if (deliver) {
        if (cb)
            spawn_cb(cb, NULL, (void *)ctx, (HCS_OPERATION)op, 0, NULL);
        if (ncb)
            spawn_cb(NULL, ncb, (void *)ctx, (HCS_OPERATION)op, HcsEventOperationCallback,
                     NULL);
        if (scb)
            spawn_cb(NULL, scb, sctx, (HCS_OPERATION)op, HcsEventOperationCallback, NULL);
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
    op_finish(d->op);
    free(d);
    return 0;
}

/* Starts op with the result of step (or hr/doc when the step has none). */
static HRESULT op_start(const char *fn, fop *op, int type, const fake_step *st, int scripted,
                        HRESULT hr, const char *doc, int post, hsys *sysh, hproc *proch)
{
    int pending;
    if (!op_ok(op, fn))
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
        op_finish(op);
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
    fop *op = (fop *)calloc(1, sizeof *op);
    if (!op)
        return NULL;
    op->magic = MAGIC_OP;
    op->type = HcsOperationTypeNone;
    op->id = HCSI_CC_INVALID_OPERATION_ID;
    op->done = CreateEventW(NULL, TRUE, FALSE, NULL);
    fk_lock();
    op->next_all = g_ops;
    g_ops = op;
    fk_live(1);
    fk_unlock();
    return op;
}

FAKE_API HCS_OPERATION WINAPI HcsCreateOperation(const void *context,
                                                 HCS_OPERATION_COMPLETION callback)
{
    fake_call *c = fk_rec("HcsCreateOperation");
    fop *op = op_new();
    c->h[0] = (uint64_t)(uintptr_t)context;
    c->h[1] = (uint64_t)(uintptr_t)callback;
    c->h[2] = (uint64_t)(uintptr_t)op;
    fk_commit(c);
    if (!op)
        return NULL;
    op->ctx = context;
    op->cb = callback;
    return (HCS_OPERATION)op;
}

#ifndef FAKE_MINIMAL
FAKE_API HCS_OPERATION WINAPI HcsCreateOperationWithNotifications(
    HCSI_CC_OPERATION_OPTIONS eventTypes, const void *context, HCS_EVENT_CALLBACK callback)
{
    fake_call *c = fk_rec("HcsCreateOperationWithNotifications");
    fop *op = op_new();
    c->n[0] = (uint64_t)eventTypes;
    c->h[0] = (uint64_t)(uintptr_t)context;
    c->h[1] = (uint64_t)(uintptr_t)callback;
    c->h[2] = (uint64_t)(uintptr_t)op;
    fk_commit(c);
    if (!op)
        return NULL;
    op->ctx = context;
    op->ncb = callback;
    op->notifications = eventTypes;
    return (HCS_OPERATION)op;
}
#endif

FAKE_API void WINAPI HcsCloseOperation(HCS_OPERATION operation)
{
    fop *op = (fop *)operation;
    fake_call *c = fk_rec("HcsCloseOperation");
    c->h[0] = (uint64_t)(uintptr_t)op;
    fk_commit(c);
    if (!op_ok(op, "HcsCloseOperation"))
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
    fop *op = (fop *)operation;
    fake_call *c = fk_rec("HcsGetOperationContext");
    c->h[0] = (uint64_t)(uintptr_t)op;
    fk_commit(c);
    return op_ok(op, "HcsGetOperationContext") ? (void *)op->ctx : NULL;
}

FAKE_API HRESULT WINAPI HcsSetOperationContext(HCS_OPERATION operation, const void *context)
{
    fop *op = (fop *)operation;
    fake_call *c = fk_rec("HcsSetOperationContext");
    c->h[0] = (uint64_t)(uintptr_t)op;
    c->h[1] = (uint64_t)(uintptr_t)context;
    fk_commit(c);
    if (!op_ok(op, "HcsSetOperationContext"))
        return E_HANDLE;
    fk_lock();
    op->ctx = context;
    fk_unlock();
    return S_OK;
}

FAKE_API HCS_SYSTEM WINAPI HcsGetComputeSystemFromOperation(HCS_OPERATION operation)
{
    fop *op = (fop *)operation;
    fake_call *c = fk_rec("HcsGetComputeSystemFromOperation");
    c->h[0] = (uint64_t)(uintptr_t)op;
    fk_commit(c);
    return op_ok(op, "HcsGetComputeSystemFromOperation") ? (HCS_SYSTEM)op->sysh : NULL;
}

FAKE_API HCS_PROCESS WINAPI HcsGetProcessFromOperation(HCS_OPERATION operation)
{
    fop *op = (fop *)operation;
    fake_call *c = fk_rec("HcsGetProcessFromOperation");
    c->h[0] = (uint64_t)(uintptr_t)op;
    fk_commit(c);
    return op_ok(op, "HcsGetProcessFromOperation") ? (HCS_PROCESS)op->proch : NULL;
}

FAKE_API HCS_OPERATION_TYPE WINAPI HcsGetOperationType(HCS_OPERATION operation)
{
    fop *op = (fop *)operation;
    fake_call *c = fk_rec("HcsGetOperationType");
    c->h[0] = (uint64_t)(uintptr_t)op;
    fk_commit(c);
    return op_ok(op, "HcsGetOperationType") ? (HCS_OPERATION_TYPE)op->type
                                            : HcsOperationTypeNone;
}

FAKE_API UINT64 WINAPI HcsGetOperationId(HCS_OPERATION operation)
{
    fop *op = (fop *)operation;
    fake_call *c = fk_rec("HcsGetOperationId");
    c->h[0] = (uint64_t)(uintptr_t)op;
    fk_commit(c);
    return op_ok(op, "HcsGetOperationId") ? op->id : HCSI_CC_INVALID_OPERATION_ID;
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
    fop *op = (fop *)operation;
    int st;
    fake_call *c = fk_rec(fn);
    c->h[0] = (uint64_t)(uintptr_t)op;
    fk_commit(c);
    if (doc)
        *doc = NULL;
    if (!op_ok(op, fn))
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
    fake_call *c = fk_rec("HcsAddResourceToOperation");
    int scripted = fk_step("HcsAddResourceToOperation", &st);
    c->h[0] = (uint64_t)(uintptr_t)op;
    c->h[1] = (uint64_t)(uintptr_t)handle;
    c->n[0] = (uint64_t)type;
    fk_str(c, 0, uri);
    fk_commit(c);
    if (!op_ok(op, "HcsAddResourceToOperation"))
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
    fake_call *c = fk_rec(fn);
    DWORD w;
    c->h[0] = (uint64_t)(uintptr_t)op;
    c->n[0] = timeoutMs;
    fk_commit(c);
    if (doc)
        *doc = NULL;
    if (!op_ok(op, fn))
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
    fop *op = (fop *)operation;
    fake_call *c = fk_rec("HcsSetOperationCallback");
    c->h[0] = (uint64_t)(uintptr_t)op;
    c->h[1] = (uint64_t)(uintptr_t)context;
    c->h[2] = (uint64_t)(uintptr_t)callback;
    fk_commit(c);
    if (!op_ok(op, "HcsSetOperationCallback"))
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
    fop *op = (fop *)operation;
    fake_step st;
    fake_call *c = fk_rec("HcsCancelOperation");
    int scripted = fk_step("HcsCancelOperation", &st);
    c->h[0] = (uint64_t)(uintptr_t)op;
    fk_commit(c);
    if (!op_ok(op, "HcsCancelOperation"))
        return E_HANDLE;
    return scripted ? st.result_hr : E_NOTIMPL; /* as documented */
}

#ifndef FAKE_MINIMAL
FAKE_API HRESULT WINAPI HcsGetOperationProperties(HCS_OPERATION operation, PCWSTR options,
                                                  PWSTR *resultDocument)
{
    fop *op = (fop *)operation;
    char doc[160];
    fake_call *c = fk_rec("HcsGetOperationProperties");
    c->h[0] = (uint64_t)(uintptr_t)op;
    fk_str(c, 0, options);
    fk_commit(c);
    *resultDocument = NULL;
    if (!op_ok(op, "HcsGetOperationProperties"))
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
                 s[1] ? "," : "", w->id, w->id, state_name(w->state));
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

FAKE_API HRESULT WINAPI HcsEnumerateComputeSystems(PCWSTR query, HCS_OPERATION operation)
{
    fake_step st;
    fake_call *c = fk_rec("HcsEnumerateComputeSystems");
    int scripted = fk_step("HcsEnumerateComputeSystems", &st);
    char *list = list_systems();
    HRESULT hr;
    c->h[0] = (uint64_t)(uintptr_t)operation;
    fk_str(c, 0, query);
    fk_commit(c);
    hr = op_start("HcsEnumerateComputeSystems", (fop *)operation, HcsOperationTypeEnumerate,
                  &st, scripted, S_OK, list, POST_NONE, NULL, NULL);
    free(list);
    return hr;
}

FAKE_API HRESULT WINAPI HcsEnumerateComputeSystemsInNamespace(PCWSTR idNamespace,
                                                              PCWSTR query,
                                                              HCS_OPERATION operation)
{
    fake_step st;
    fake_call *c = fk_rec("HcsEnumerateComputeSystemsInNamespace");
    int scripted = fk_step("HcsEnumerateComputeSystemsInNamespace", &st);
    char *list = list_systems();
    HRESULT hr;
    c->h[0] = (uint64_t)(uintptr_t)operation;
    fk_str(c, 0, idNamespace);
    fk_str(c, 1, query);
    fk_commit(c);
    hr = op_start("HcsEnumerateComputeSystemsInNamespace", (fop *)operation,
                  HcsOperationTypeEnumerate, &st, scripted, S_OK, list, POST_NONE, NULL, NULL);
    free(list);
    return hr;
}

/* ---- compute systems ---- */

/* FAKE_HCS_AUTO_EXIT_MS (for the CLI tests, one process per command): once
 * a callback is registered on a system, after that delay it sends an
 * RdpEnhancedModeStateChanged event, then stops and sends SystemExited. */
static DWORD WINAPI auto_exit_thread(void *arg)
{
    wsys *w = (wsys *)arg;
    char ms[32], doc[160];
    DWORD n = GetEnvironmentVariableA("FAKE_HCS_AUTO_EXIT_MS", ms, sizeof ms);
    Sleep(n && n < sizeof ms ? (DWORD)atoi(ms) : 0);
    fire(w, NULL, HcsEventSystemRdpEnhancedModeStateChanged, "{\"Enabled\":true}", 0);
    Sleep(20);
    fk_lock();
    w->state = SYS_STOPPED;
    snprintf(w->exit_doc, sizeof w->exit_doc, "{\"Status\":0,\"ExitType\":\"GracefulExit\"}");
    snprintf(doc, sizeof doc, "%s", w->exit_doc);
    SetEvent(w->exited);
    fk_unlock();
    fire(w, NULL, HcsEventSystemExited, doc, 0);
    return 0;
}

static void auto_exit_schedule(wsys *w)
{
    char ms[32];
    HANDLE t;
    if (!GetEnvironmentVariableA("FAKE_HCS_AUTO_EXIT_MS", ms, sizeof ms))
        return;
    t = CreateThread(NULL, 0, auto_exit_thread, w, 0, NULL);
    if (t)
        CloseHandle(t);
}

static hsys *hsys_new(wsys *w)
{
    hsys *h = (hsys *)calloc(1, sizeof *h);
    if (!h)
        abort();
    h->magic = MAGIC_SYS;
    h->w = w;
    fk_lock();
    h->next_all = g_syshs;
    g_syshs = h;
    fk_live(1);
    fk_unlock();
    return h;
}

static HRESULT create_system(const char *fn, fake_call *c, PCWSTR id, PCWSTR configuration,
                             HCS_OPERATION operation, const HCS_CREATE_OPTIONS_1 *opts,
                             HCS_SYSTEM *computeSystem)
{
    fake_step st;
    int scripted = fk_step(fn, &st);
    char *sid = fk_u8(id);
    char *cfg = fk_u8(configuration);
    HRESULT result = S_OK, hr;
    wsys *w;
    hsys *h;
    *computeSystem = NULL;
    fk_commit(c);
    if (!sid || !*sid || !cfg || cfg[0] != '{') {
        free(sid);
        free(cfg);
        return E_INVALIDARG;
    }
    fk_lock();
    w = sys_find(sid);
    if (w && w->state != SYS_STOPPED)
        result = E_SYSTEM_ALREADY_EXISTS;
    else
        w = sys_add(sid, SYS_CREATED);
    fk_unlock();
    h = hsys_new(w);
    if (opts) {
        h->cb = opts->Callback;
        h->ctx = opts->CallbackContext;
        h->opts = (int)opts->CallbackOptions;
    }
    hr = op_start(fn, (fop *)operation, HcsOperationTypeCreate, &st, scripted, result,
                  NULL, POST_NONE, h, NULL);
    free(sid);
    free(cfg);
    if (FAILED(hr)) {
        fk_lock();
        h->magic = MAGIC_DEAD;
        fk_live(-1);
        fk_unlock();
        return hr;
    }
    *computeSystem = (HCS_SYSTEM)h;
    return hr;
}

FAKE_API HRESULT WINAPI HcsCreateComputeSystem(PCWSTR id, PCWSTR configuration,
                                               HCS_OPERATION operation,
                                               const SECURITY_DESCRIPTOR *securityDescriptor,
                                               HCS_SYSTEM *computeSystem)
{
    fake_call *c = fk_rec("HcsCreateComputeSystem");
    c->h[0] = (uint64_t)(uintptr_t)operation;
    c->h[1] = (uint64_t)(uintptr_t)securityDescriptor;
    fk_str(c, 0, id);
    fk_str(c, 1, configuration);
    return create_system("HcsCreateComputeSystem", c, id, configuration, operation, NULL,
                         computeSystem);
}

FAKE_API HRESULT WINAPI HcsCreateComputeSystemInNamespace(PCWSTR idNamespace, PCWSTR id,
                                                          PCWSTR configuration,
                                                          HCS_OPERATION operation,
                                                          const HCS_CREATE_OPTIONS *options,
                                                          HCS_SYSTEM *computeSystem)
{
    const HCS_CREATE_OPTIONS_1 *o = (const HCS_CREATE_OPTIONS_1 *)options;
    fake_call *c = fk_rec("HcsCreateComputeSystemInNamespace");
    c->h[0] = (uint64_t)(uintptr_t)operation;
    fk_str(c, 0, idNamespace);
    fk_str(c, 1, id);
    fk_str(c, 2, configuration);
    if (o) {
        c->n[0] = (uint64_t)o->Version;
        c->n[1] = (uint64_t)o->CallbackOptions;
        c->h[1] = (uint64_t)(uintptr_t)o->CallbackContext;
        c->h[2] = (uint64_t)(uintptr_t)o->Callback;
        c->h[3] = (uint64_t)(uintptr_t)o->UserToken;
    }
    if (o && o->Version != HcsCreateOptions_1) {
        fk_commit(c);
        return E_INVALIDARG;
    }
    return create_system("HcsCreateComputeSystemInNamespace", c, id, configuration,
                         operation, o, computeSystem);
}

static HRESULT open_system(const char *fn, fake_call *c, PCWSTR id, DWORD access,
                           HCS_SYSTEM *computeSystem)
{
    fake_step st;
    int scripted = fk_step(fn, &st);
    char *sid = fk_u8(id);
    wsys *w;
    c->n[0] = access;
    fk_commit(c);
    *computeSystem = NULL;
    if (scripted && FAILED(st.result_hr)) {
        free(sid);
        return st.result_hr;
    }
    if (access != GENERIC_ALL)
        fk_violation("%s: requestedAccess 0x%lx, documented: GENERIC_ALL", fn,
                  (unsigned long)access);
    fk_lock();
    w = sid ? sys_find(sid) : NULL;
    fk_unlock();
    free(sid);
    if (!w)
        return E_SYSTEM_NOT_FOUND;
    *computeSystem = (HCS_SYSTEM)hsys_new(w);
    return S_OK;
}

FAKE_API HRESULT WINAPI HcsOpenComputeSystem(PCWSTR id, DWORD requestedAccess,
                                             HCS_SYSTEM *computeSystem)
{
    fake_call *c = fk_rec("HcsOpenComputeSystem");
    fk_str(c, 0, id);
    return open_system("HcsOpenComputeSystem", c, id, requestedAccess, computeSystem);
}

FAKE_API HRESULT WINAPI HcsOpenComputeSystemInNamespace(PCWSTR idNamespace, PCWSTR id,
                                                        DWORD requestedAccess,
                                                        HCS_SYSTEM *computeSystem)
{
    fake_call *c = fk_rec("HcsOpenComputeSystemInNamespace");
    fk_str(c, 0, idNamespace);
    fk_str(c, 1, id);
    return open_system("HcsOpenComputeSystemInNamespace", c, id, requestedAccess,
                       computeSystem);
}

FAKE_API void WINAPI HcsCloseComputeSystem(HCS_SYSTEM computeSystem)
{
    hsys *h = (hsys *)computeSystem;
    fake_call *c = fk_rec("HcsCloseComputeSystem");
    c->h[0] = (uint64_t)(uintptr_t)h;
    fk_commit(c);
    if (!sys_ok(h, "HcsCloseComputeSystem"))
        return;
    fk_lock();
    h->magic = MAGIC_DEAD;
    fk_live(-1);
    fk_unlock();
}

static HRESULT sys_verb(const char *fn, HCS_SYSTEM computeSystem, HCS_OPERATION operation,
                        PCWSTR options, int type, int post)
{
    hsys *h = (hsys *)computeSystem;
    fake_step st;
    fake_call *c = fk_rec(fn);
    int scripted = fk_step(fn, &st);
    HRESULT result = S_OK;
    char doc[512];
    const char *d = NULL;
    c->h[0] = (uint64_t)(uintptr_t)h;
    c->h[1] = (uint64_t)(uintptr_t)operation;
    fk_str(c, 0, options);
    fk_commit(c);
    if (!sys_ok(h, fn))
        return E_HANDLE;
    fk_lock();
    if (h->w->state == SYS_STOPPED && post != POST_NONE)
        result = post == POST_START ? E_INVALID_STATE : E_SYSTEM_ALREADY_STOPPED;
    if (type == HcsOperationTypeGetProperties) {
        snprintf(doc, sizeof doc,
                 "{\"Id\":\"%s\",\"SystemType\":\"VirtualMachine\",\"Owner\":\"fake\","
                 "\"RuntimeId\":\"%s\",\"State\":\"%s\"}",
                 h->w->id, h->w->runtime_id, state_name(h->w->state));
        d = doc;
    }
    fk_unlock();
    return op_start(fn, (fop *)operation, type, &st, scripted, result, d, post, h, NULL);
}

#define SYS_VERB(name, type, post)                                                          \
    FAKE_API HRESULT WINAPI name(HCS_SYSTEM computeSystem, HCS_OPERATION operation,         \
                                 PCWSTR options)                                            \
    {                                                                                      \
        return sys_verb(#name, computeSystem, operation, options, type, post);             \
    }

SYS_VERB(HcsStartComputeSystem, HcsOperationTypeStart, POST_START)
SYS_VERB(HcsShutDownComputeSystem, HcsOperationTypeShutdown, POST_STOP)
SYS_VERB(HcsTerminateComputeSystem, HcsOperationTypeTerminate, POST_STOP)
SYS_VERB(HcsCrashComputeSystem, HcsOperationTypeCrash, POST_CRASH)
SYS_VERB(HcsPauseComputeSystem, HcsOperationTypePause, POST_PAUSE)
SYS_VERB(HcsResumeComputeSystem, HcsOperationTypeResume, POST_RESUME)
SYS_VERB(HcsSaveComputeSystem, HcsOperationTypeSave, POST_NONE)
SYS_VERB(HcsGetComputeSystemProperties, HcsOperationTypeGetProperties, POST_NONE)
#ifndef FAKE_MINIMAL
SYS_VERB(HcsInitializeLiveMigrationOnSource, 19, POST_LM)
SYS_VERB(HcsStartLiveMigrationOnSource, 19, POST_LM)
SYS_VERB(HcsStartLiveMigrationTransfer, 19, POST_LM)
SYS_VERB(HcsFinalizeLiveMigration, 19, POST_LM)
SYS_VERB(HcsCancelLiveMigration, 19, POST_LM)
#endif

FAKE_API HRESULT WINAPI HcsModifyComputeSystem(HCS_SYSTEM computeSystem,
                                               HCS_OPERATION operation,
                                               PCWSTR configuration, HANDLE identity)
{
    hsys *h = (hsys *)computeSystem;
    fake_step st;
    fake_call *c = fk_rec("HcsModifyComputeSystem");
    int scripted = fk_step("HcsModifyComputeSystem", &st);
    c->h[0] = (uint64_t)(uintptr_t)h;
    c->h[1] = (uint64_t)(uintptr_t)operation;
    c->h[2] = (uint64_t)(uintptr_t)identity;
    fk_str(c, 0, configuration);
    fk_commit(c);
    if (!sys_ok(h, "HcsModifyComputeSystem"))
        return E_HANDLE;
    if (!configuration)
        return E_INVALIDARG;
    return op_start("HcsModifyComputeSystem", (fop *)operation, HcsOperationTypeModify, &st,
                    scripted, h->w->state == SYS_STOPPED ? E_SYSTEM_ALREADY_STOPPED : S_OK,
                    NULL, POST_NONE, h, NULL);
}

FAKE_API HRESULT WINAPI HcsWaitForComputeSystemExit(HCS_SYSTEM computeSystem, DWORD timeoutMs,
                                                    PWSTR *result)
{
    hsys *h = (hsys *)computeSystem;
    fake_step st;
    fake_call *c = fk_rec("HcsWaitForComputeSystemExit");
    int scripted = fk_step("HcsWaitForComputeSystemExit", &st);
    char doc[160];
    c->h[0] = (uint64_t)(uintptr_t)h;
    c->n[0] = timeoutMs;
    fk_commit(c);
    if (result)
        *result = NULL;
    if (!sys_ok(h, "HcsWaitForComputeSystemExit"))
        return E_HANDLE;
    if (scripted) {
        if (result)
            *result = fk_out(st.result_doc, FK_LOCAL);
        return st.result_hr;
    }
    if (WaitForSingleObject(h->w->exited, timeoutMs) != WAIT_OBJECT_0)
        return E_OP_TIMEOUT;
    fk_lock();
    snprintf(doc, sizeof doc, "%s", h->w->exit_doc);
    fk_unlock();
    if (result)
        *result = fk_out(doc, FK_LOCAL);
    return S_OK;
}

FAKE_API HRESULT WINAPI HcsSetComputeSystemCallback(HCS_SYSTEM computeSystem,
                                                    HCS_EVENT_OPTIONS callbackOptions,
                                                    const void *context,
                                                    HCS_EVENT_CALLBACK callback)
{
    hsys *h = (hsys *)computeSystem;
    fake_step st;
    fake_call *c = fk_rec("HcsSetComputeSystemCallback");
    int scripted = fk_step("HcsSetComputeSystemCallback", &st);
    c->h[0] = (uint64_t)(uintptr_t)h;
    c->h[1] = (uint64_t)(uintptr_t)context;
    c->h[2] = (uint64_t)(uintptr_t)callback;
    c->n[0] = (uint64_t)callbackOptions;
    fk_commit(c);
    if (!sys_ok(h, "HcsSetComputeSystemCallback"))
        return E_HANDLE;
    if (scripted && FAILED(st.result_hr))
        return st.result_hr;
    fk_lock();
    h->cb = callback;
    h->ctx = (void *)context;
    h->opts = (int)callbackOptions;
    fk_unlock();
    auto_exit_schedule(h->w);
    return S_OK;
}

/* ---- processes ---- */

static hproc *hproc_new(wproc *w)
{
    hproc *h = (hproc *)calloc(1, sizeof *h);
    if (!h)
        abort();
    h->magic = MAGIC_PROC;
    h->w = w;
    fk_lock();
    h->next_all = g_prochs;
    g_prochs = h;
    fk_live(1);
    fk_unlock();
    return h;
}

FAKE_API HRESULT WINAPI HcsCreateProcess(HCS_SYSTEM computeSystem, PCWSTR processParameters,
                                         HCS_OPERATION operation,
                                         const SECURITY_DESCRIPTOR *securityDescriptor,
                                         HCS_PROCESS *process)
{
    hsys *h = (hsys *)computeSystem;
    fop *op = (fop *)operation;
    fake_step st;
    fake_call *c = fk_rec("HcsCreateProcess");
    int scripted = fk_step("HcsCreateProcess", &st);
    char *params = fk_u8(processParameters);
    wproc *p;
    hproc *ph;
    HANDLE r, w;
    HRESULT hr, result = S_OK;
    char doc[64];
    c->h[0] = (uint64_t)(uintptr_t)h;
    c->h[1] = (uint64_t)(uintptr_t)operation;
    c->h[2] = (uint64_t)(uintptr_t)securityDescriptor;
    fk_str(c, 0, processParameters);
    fk_commit(c);
    *process = NULL;
    if (!sys_ok(h, "HcsCreateProcess") || !op_ok(op, "HcsCreateProcess")) {
        free(params);
        return E_HANDLE;
    }
    if (!params || params[0] != '{') {
        free(params);
        return E_INVALIDARG;
    }
    p = (wproc *)calloc(1, sizeof *p);
    if (!p)
        abort();
    p->sys = h->w;
    p->exited_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    p->kill_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    (void)json_str_field(params, "CommandLine", p->cmd, sizeof p->cmd);
    fk_lock();
    p->pid = scripted && st.pid ? st.pid : g_next_pid++;
    if (h->w->state != SYS_RUNNING)
        result = E_SYSTEM_ALREADY_STOPPED;
    fk_unlock();
    if (json_true(params, "CreateStdInPipe") && CreatePipe(&r, &w, NULL, 0)) {
        p->in_r = r;
        op->pi.StdInput = w;
    }
    if (json_true(params, "CreateStdOutPipe") && CreatePipe(&r, &w, NULL, 0)) {
        p->out_w = w;
        op->pi.StdOutput = r;
    }
    if (json_true(params, "CreateStdErrPipe") && CreatePipe(&r, &w, NULL, 0)) {
        p->err_w = w;
        op->pi.StdError = r;
    }
    op->pi.ProcessId = p->pid;
    free(params);
    ph = hproc_new(p);
    op->newproc = p;
    snprintf(doc, sizeof doc, "{\"ProcessId\":%lu}", (unsigned long)p->pid);
    hr = op_start("HcsCreateProcess", op, HcsOperationTypeCreateProcess, &st, scripted, result,
                  doc, POST_PROC_START, NULL, NULL);
    if (FAILED(hr)) {
        fk_lock();
        ph->magic = MAGIC_DEAD;
        fk_live(-1);
        fk_unlock();
        return hr;
    }
    fk_lock();
    if (op->hr >= 0) {
        p->next = g_procs;
        g_procs = p;
    }
    op->proch = ph;
    fk_unlock();
    *process = (HCS_PROCESS)ph;
    return hr;
}

FAKE_API HRESULT WINAPI HcsOpenProcess(HCS_SYSTEM computeSystem, DWORD processId,
                                       DWORD requestedAccess, HCS_PROCESS *process)
{
    hsys *h = (hsys *)computeSystem;
    fake_step st;
    fake_call *c = fk_rec("HcsOpenProcess");
    int scripted = fk_step("HcsOpenProcess", &st);
    wproc *p;
    c->h[0] = (uint64_t)(uintptr_t)h;
    c->n[0] = processId;
    c->n[1] = requestedAccess;
    fk_commit(c);
    *process = NULL;
    if (!sys_ok(h, "HcsOpenProcess"))
        return E_HANDLE;
    if (scripted && FAILED(st.result_hr))
        return st.result_hr;
    fk_lock();
    for (p = g_procs; p; p = p->next)
        if (p->pid == processId && p->sys == h->w)
            break;
    fk_unlock();
    if (!p)
        return HRESULT_FROM_WIN32(ERROR_NOT_FOUND);
    *process = (HCS_PROCESS)hproc_new(p);
    return S_OK;
}

FAKE_API void WINAPI HcsCloseProcess(HCS_PROCESS process)
{
    hproc *h = (hproc *)process;
    fake_call *c = fk_rec("HcsCloseProcess");
    c->h[0] = (uint64_t)(uintptr_t)h;
    fk_commit(c);
    if (!proc_ok(h, "HcsCloseProcess"))
        return;
    fk_lock();
    h->magic = MAGIC_DEAD;
    fk_live(-1);
    fk_unlock();
}

static HRESULT proc_verb(const char *fn, HCS_PROCESS process, HCS_OPERATION operation,
                         PCWSTR options, int type, int post)
{
    hproc *h = (hproc *)process;
    fake_step st;
    fake_call *c = fk_rec(fn);
    int scripted = fk_step(fn, &st);
    HRESULT result = S_OK;
    char doc[256];
    const char *d = NULL;
    c->h[0] = (uint64_t)(uintptr_t)h;
    c->h[1] = (uint64_t)(uintptr_t)operation;
    fk_str(c, 0, options);
    fk_commit(c);
    if (!proc_ok(h, fn))
        return E_HANDLE;
    fk_lock();
    if (h->w->exited && (post == POST_PROC_KILL || type == HcsOperationTypeSignalProcess ||
                         type == HcsOperationTypeModifyProcess))
        result = E_PROCESS_ALREADY_STOPPED;
    if (type == HcsOperationTypeGetProcessProperties) {
        snprintf(doc, sizeof doc,
                 "{\"ProcessId\":%lu,\"ImageName\":\"fake.exe\",\"Exited\":%s}",
                 (unsigned long)h->w->pid, h->w->exited ? "true" : "false");
        d = doc;
    }
    fk_unlock();
    if (type == HcsOperationTypeGetProcessInfo) {
        fop *op = (fop *)operation;
        if (op_ok(op, fn) && op->state == ST_NOT_STARTED)
            op->pi.ProcessId = h->w->pid;
    }
    return op_start(fn, (fop *)operation, type, &st, scripted, result, d,
                    FAILED(result) ? POST_NONE : post, NULL, h);
}

FAKE_API HRESULT WINAPI HcsTerminateProcess(HCS_PROCESS process, HCS_OPERATION operation,
                                            PCWSTR options)
{
    return proc_verb("HcsTerminateProcess", process, operation, options,
                     HcsOperationTypeTerminate, POST_PROC_KILL);
}

FAKE_API HRESULT WINAPI HcsSignalProcess(HCS_PROCESS process, HCS_OPERATION operation,
                                         PCWSTR options)
{
    return proc_verb("HcsSignalProcess", process, operation, options,
                     HcsOperationTypeSignalProcess, POST_NONE);
}

FAKE_API HRESULT WINAPI HcsGetProcessInfo(HCS_PROCESS process, HCS_OPERATION operation)
{
    return proc_verb("HcsGetProcessInfo", process, operation, NULL,
                     HcsOperationTypeGetProcessInfo, POST_NONE);
}

FAKE_API HRESULT WINAPI HcsGetProcessProperties(HCS_PROCESS process, HCS_OPERATION operation,
                                                PCWSTR propertyQuery)
{
    return proc_verb("HcsGetProcessProperties", process, operation, propertyQuery,
                     HcsOperationTypeGetProcessProperties, POST_NONE);
}

FAKE_API HRESULT WINAPI HcsModifyProcess(HCS_PROCESS process, HCS_OPERATION operation,
                                         PCWSTR settings)
{
    return proc_verb("HcsModifyProcess", process, operation, settings,
                     HcsOperationTypeModifyProcess, POST_NONE);
}

FAKE_API HRESULT WINAPI HcsSetProcessCallback(HCS_PROCESS process,
                                              HCS_EVENT_OPTIONS callbackOptions,
                                              void *context, HCS_EVENT_CALLBACK callback)
{
    hproc *h = (hproc *)process;
    fake_call *c = fk_rec("HcsSetProcessCallback");
    c->h[0] = (uint64_t)(uintptr_t)h;
    c->h[1] = (uint64_t)(uintptr_t)context;
    c->h[2] = (uint64_t)(uintptr_t)callback;
    c->n[0] = (uint64_t)callbackOptions;
    fk_commit(c);
    if (!proc_ok(h, "HcsSetProcessCallback"))
        return E_HANDLE;
    fk_lock();
    h->cb = callback;
    h->ctx = context;
    fk_unlock();
    return S_OK;
}

FAKE_API HRESULT WINAPI HcsWaitForProcessExit(HCS_PROCESS computeSystem, DWORD timeoutMs,
                                              PWSTR *result)
{
    hproc *h = (hproc *)computeSystem;
    fake_step st;
    fake_call *c = fk_rec("HcsWaitForProcessExit");
    int scripted = fk_step("HcsWaitForProcessExit", &st);
    char doc[160];
    c->h[0] = (uint64_t)(uintptr_t)h;
    c->n[0] = timeoutMs;
    fk_commit(c);
    if (result)
        *result = NULL;
    if (!proc_ok(h, "HcsWaitForProcessExit"))
        return E_HANDLE;
    if (scripted) {
        if (result)
            *result = fk_out(st.result_doc, FK_LOCAL);
        return st.result_hr;
    }
    if (WaitForSingleObject(h->w->exited_ev, timeoutMs) != WAIT_OBJECT_0)
        return E_OP_TIMEOUT;
    snprintf(doc, sizeof doc,
             "{\"ProcessId\":%lu,\"Exited\":true,\"ExitCode\":%lu,\"LastWaitResult\":0}",
             (unsigned long)h->w->pid, (unsigned long)h->w->exit_code);
    if (result)
        *result = fk_out(doc, FK_LOCAL);
    return S_OK;
}

/* ---- the service and the synchronous utilities ---- */

static HRESULT sync_call(const char *fn, PCWSTR a, PCWSTR b, PWSTR *result,
                         const char *default_doc)
{
    fake_step st;
    fake_call *c = fk_rec(fn);
    int scripted = fk_step(fn, &st);
    fk_str(c, 0, a);
    fk_str(c, 1, b);
    fk_commit(c);
    if (result)
        *result = NULL;
    if (scripted) {
        if (result)
            *result = fk_out(st.result_doc, FK_LOCAL);
        return st.result_hr;
    }
    if (result)
        *result = fk_out(default_doc, FK_LOCAL);
    return S_OK;
}

FAKE_API HRESULT WINAPI HcsGetServiceProperties(PCWSTR propertyQuery, PWSTR *result)
{
    return sync_call("HcsGetServiceProperties", propertyQuery, NULL, result,
                     "{\"SupportedSchemaVersions\":[{\"Major\":2,\"Minor\":1}]}");
}

FAKE_API HRESULT WINAPI HcsModifyServiceSettings(PCWSTR settings, PWSTR *result)
{
    return sync_call("HcsModifyServiceSettings", settings, NULL, result, NULL);
}

FAKE_API HRESULT WINAPI HcsSubmitWerReport(PCWSTR settings)
{
    return sync_call("HcsSubmitWerReport", settings, NULL, NULL, NULL);
}

FAKE_API HRESULT WINAPI HcsCreateEmptyGuestStateFile(PCWSTR guestStateFilePath)
{
    return sync_call("HcsCreateEmptyGuestStateFile", guestStateFilePath, NULL, NULL, NULL);
}

FAKE_API HRESULT WINAPI HcsCreateEmptyRuntimeStateFile(PCWSTR runtimeStateFilePath)
{
    return sync_call("HcsCreateEmptyRuntimeStateFile", runtimeStateFilePath, NULL, NULL,
                     NULL);
}

FAKE_API HRESULT WINAPI HcsGrantVmAccess(PCWSTR vmId, PCWSTR filePath)
{
    return sync_call("HcsGrantVmAccess", vmId, filePath, NULL, NULL);
}

FAKE_API HRESULT WINAPI HcsRevokeVmAccess(PCWSTR vmId, PCWSTR filePath)
{
    return sync_call("HcsRevokeVmAccess", vmId, filePath, NULL, NULL);
}

FAKE_API HRESULT WINAPI HcsGrantVmGroupAccess(PCWSTR filePath)
{
    return sync_call("HcsGrantVmGroupAccess", filePath, NULL, NULL, NULL);
}

FAKE_API HRESULT WINAPI HcsRevokeVmGroupAccess(PCWSTR filePath)
{
    return sync_call("HcsRevokeVmGroupAccess", filePath, NULL, NULL, NULL);
}

FAKE_API HRESULT WINAPI HcsGetProcessorCompatibilityFromSavedState(
    PCWSTR RuntimeFileName, PCWSTR *ProcessorFeaturesString)
{
    return sync_call("HcsGetProcessorCompatibilityFromSavedState", RuntimeFileName, NULL,
                     (PWSTR *)ProcessorFeaturesString,
                     "{\"ProcessorFeatures\":\"fake-features\"}");
}

/* ---- the side channel ---- */

/* FakeReset (fake_base.c) calls this: the world starts over. */
void fk_world_reset(void) { world_reset(); }

FAKE_API void FakeCompleteAll(void)
{
    fop *op;
    for (;;) {
        fk_lock();
        for (op = g_ops; op; op = op->next_all)
            if (op->state == ST_PENDING)
                break;
        if (op && op->proch)
            op->proch->stuck = 0;
        fk_unlock();
        if (!op)
            break;
        op_finish(op);
    }
}

FAKE_API void FakeFire(const char *system_id, uint32_t pid, uint32_t type, const char *data,
                       int late)
{
    wsys *w = NULL;
    wproc *p = NULL;
    fk_lock();
    if (pid) {
        for (p = g_procs; p; p = p->next)
            if (p->pid == pid)
                break;
    } else if (system_id) {
        w = sys_find(system_id);
    }
    fk_unlock();
    if ((pid && !p) || (system_id && !pid && !w))
        return;
    fire(w, p, type, data, late);
}

FAKE_API int FakeCallbacksRunning(void) { return (int)g_cb_running; }
