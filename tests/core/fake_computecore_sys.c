/*
 * The test-double computecore.dll, second half: compute systems, processes,
 * the service and the synchronous utilities, the side channel
 * (fake_computecore.h has the world both halves share).
 */
#define HCSI_CC_SDK_TYPES
#include <windows.h>
#include <computedefs.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_computecore.h"

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
    fk_fire(w, NULL, HcsEventSystemRdpEnhancedModeStateChanged, "{\"Enabled\":true}", 0);
    Sleep(20);
    fk_lock();
    w->state = SYS_STOPPED;
    snprintf(w->exit_doc, sizeof w->exit_doc, "{\"Status\":0,\"ExitType\":\"GracefulExit\"}");
    snprintf(doc, sizeof doc, "%s", w->exit_doc);
    SetEvent(w->exited);
    fk_unlock();
    fk_fire(w, NULL, HcsEventSystemExited, doc, 0);
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
    hsys *h;
    FK_HANDLE_NEW(h, MAGIC_SYS, w, g_syshs);
    return h;
}

/* A handle that is no more (closed, or a failed create does not hand it
 * out): later use is a violation. */
static void handle_dead(uint32_t *magic)
{
    fk_lock();
    *magic = MAGIC_DEAD;
    fk_live(-1);
    fk_unlock();
}

/* Whether a create that completed with hr hands out its handle: a failed
 * one only when its step says so (handle_on_failure), else the handle
 * (magic) dies. */
static int handed_out(HRESULT hr, int scripted, const fake_step *st, uint32_t *magic)
{
    if (SUCCEEDED(hr) || (scripted && st->handle_on_failure))
        return 1;
    handle_dead(magic);
    return 0;
}

/* Commits c, a call on the system handle h: E_HANDLE for a dead one, a
 * scripted failure, else S_OK (go on). */
static HRESULT sys_call(fake_call *c, hsys *h, int scripted, const fake_step *st)
{
    fk_commit(c);
    if (!fk_sys_ok(h, c->fn))
        return E_HANDLE;
    return scripted && FAILED(st->result_hr) ? st->result_hr : S_OK;
}

/* Answers with a scripted step: its result document (when asked for one)
 * and its result. */
static HRESULT scripted_result(const fake_step *st, PWSTR *result)
{
    if (result)
        *result = fk_out(st->result_doc, FK_LOCAL);
    return st->result_hr;
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
    w = fk_sys_find(sid);
    if (w && w->state != SYS_STOPPED)
        result = E_SYSTEM_ALREADY_EXISTS;
    else
        w = fk_sys_add(sid, SYS_CREATED);
    fk_unlock();
    h = hsys_new(w);
    if (opts) {
        h->cb = opts->Callback;
        h->ctx = opts->CallbackContext;
        h->opts = (int)opts->CallbackOptions;
    }
    hr = fk_op_start(fn, (fop *)operation, HcsOperationTypeCreate, &st, scripted, result,
                  NULL, POST_NONE, h, NULL);
    free(sid);
    free(cfg);
    if (handed_out(hr, scripted, &st, &h->magic))
        *computeSystem = (HCS_SYSTEM)h;
    return hr;
}

FAKE_API HRESULT WINAPI HcsCreateComputeSystem(PCWSTR id, PCWSTR configuration,
                                               HCS_OPERATION operation,
                                               const SECURITY_DESCRIPTOR *securityDescriptor,
                                               HCS_SYSTEM *computeSystem)
{
    fake_call *c = fk_rec_h("HcsCreateComputeSystem", FK_H(operation), FK_H(securityDescriptor), 0);
    fk_str(c, 0, id);
    fk_str(c, 1, configuration);
    return create_system("HcsCreateComputeSystem", c, id, configuration, operation, NULL,
                         computeSystem);
}

#ifndef FAKE_1809 /* from Windows 10 2004 / 21H1 (hcs-api.md: min OS) */
FAKE_API HRESULT WINAPI HcsCreateComputeSystemInNamespace(PCWSTR idNamespace, PCWSTR id,
                                                          PCWSTR configuration,
                                                          HCS_OPERATION operation,
                                                          const HCS_CREATE_OPTIONS *options,
                                                          HCS_SYSTEM *computeSystem)
{
    const HCS_CREATE_OPTIONS_1 *o = (const HCS_CREATE_OPTIONS_1 *)options;
    fake_call *c = fk_rec_h("HcsCreateComputeSystemInNamespace", FK_H(operation), 0, 0);
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
#endif

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
    w = sid ? fk_sys_find(sid) : NULL;
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

#ifndef FAKE_1809 /* from Windows 10 2004 / 21H1 (hcs-api.md: min OS) */
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
#endif

/* HcsCloseComputeSystem / HcsCloseProcess (is_proc): the handle is no more
 * once its callbacks have returned. */
static void close_handle(const char *fn, void *handle, int is_proc)
{
    hsys *hs = is_proc ? NULL : (hsys *)handle;
    hproc *hp = is_proc ? (hproc *)handle : NULL;
    fk_commit(fk_rec_h(fn, FK_H(handle), 0, 0));
    if (is_proc ? !fk_proc_ok(hp, fn) : !fk_sys_ok(hs, fn))
        return;
    if (!fk_close_waits_callbacks(fn, handle, is_proc ? &hp->cbs : &hs->cbs))
        return; /* real HCS would hang here */
    handle_dead(is_proc ? &hp->magic : &hs->magic);
}

FAKE_API void WINAPI HcsCloseComputeSystem(HCS_SYSTEM computeSystem)
{
    close_handle("HcsCloseComputeSystem", computeSystem, 0);
}

/* What a verb on a live system answers unless scripted: its result, and
 * for the properties the document (in doc, *d set). */
static HRESULT sys_state(hsys *h, int type, int post, char *doc, size_t n, const char **d)
{
    HRESULT result = S_OK;
    fk_lock();
    if (h->w->state == SYS_STOPPED && post != POST_NONE)
        result = post == POST_START ? E_INVALID_STATE : E_SYSTEM_ALREADY_STOPPED;
    if (type == HcsOperationTypeGetProperties) {
        snprintf(doc, n,
                 "{\"Id\":\"%s\",\"SystemType\":\"VirtualMachine\",\"Owner\":\"fake\","
                 "\"RuntimeId\":\"%s\",\"State\":\"%s\"}",
                 h->w->id, h->w->runtime_id, fk_state_name(h->w->state));
        *d = doc;
    }
    fk_unlock();
    return result;
}

static HRESULT proc_state(const char *fn, hproc *h, HCS_OPERATION operation, int type, int post,
                          char *doc, size_t n, const char **d);

/* A verb on a system or process (is_proc), completed by an operation. */
static HRESULT verb(const char *fn, void *handle, int is_proc, HCS_OPERATION operation,
                    PCWSTR options, int type, int post)
{
    fake_step st;
    fake_call *c = fk_rec_h(fn, FK_H(handle), FK_H(operation), 0);
    int scripted = fk_step(fn, &st);
    HRESULT result;
    char doc[512];
    const char *d = NULL;
    fk_str(c, 0, options);
    fk_commit(c);
    if (is_proc ? !fk_proc_ok((hproc *)handle, fn) : !fk_sys_ok((hsys *)handle, fn))
        return E_HANDLE;
    result = is_proc ? proc_state(fn, (hproc *)handle, operation, type, post, doc, sizeof doc, &d)
                     : sys_state((hsys *)handle, type, post, doc, sizeof doc, &d);
    return fk_op_start(fn, (fop *)operation, type, &st, scripted, result, d,
                       is_proc && FAILED(result) ? POST_NONE : post,
                       is_proc ? NULL : (hsys *)handle, is_proc ? (hproc *)handle : NULL);
}

/* The verbs that differ only in their operation type and in what their
 * completion does to the world (H: the handle type, is_proc: see verb). */
#define VERB(name, H, is_proc, type, post)                                               \
    FAKE_API HRESULT WINAPI name(H handle, HCS_OPERATION operation, PCWSTR options)      \
    {                                                                                    \
        return verb(#name, handle, is_proc, operation, options, type, post);             \
    }

VERB(HcsStartComputeSystem, HCS_SYSTEM, 0, HcsOperationTypeStart, POST_START)
VERB(HcsShutDownComputeSystem, HCS_SYSTEM, 0, HcsOperationTypeShutdown, POST_STOP)
VERB(HcsTerminateComputeSystem, HCS_SYSTEM, 0, HcsOperationTypeTerminate, POST_STOP)
VERB(HcsCrashComputeSystem, HCS_SYSTEM, 0, HcsOperationTypeCrash, POST_CRASH)
VERB(HcsPauseComputeSystem, HCS_SYSTEM, 0, HcsOperationTypePause, POST_PAUSE)
VERB(HcsResumeComputeSystem, HCS_SYSTEM, 0, HcsOperationTypeResume, POST_RESUME)
VERB(HcsSaveComputeSystem, HCS_SYSTEM, 0, HcsOperationTypeSave, POST_NONE)
VERB(HcsGetComputeSystemProperties, HCS_SYSTEM, 0, HcsOperationTypeGetProperties, POST_NONE)
#ifndef FAKE_MINIMAL
VERB(HcsInitializeLiveMigrationOnSource, HCS_SYSTEM, 0, 19, POST_LM)
VERB(HcsStartLiveMigrationOnSource, HCS_SYSTEM, 0, 19, POST_LM)
VERB(HcsStartLiveMigrationTransfer, HCS_SYSTEM, 0, 19, POST_LM)
VERB(HcsFinalizeLiveMigration, HCS_SYSTEM, 0, 19, POST_LM)
VERB(HcsCancelLiveMigration, HCS_SYSTEM, 0, 19, POST_LM)
#endif

FAKE_API HRESULT WINAPI HcsModifyComputeSystem(HCS_SYSTEM computeSystem,
                                               HCS_OPERATION operation,
                                               PCWSTR configuration, HANDLE identity)
{
    hsys *h = (hsys *)computeSystem;
    fake_step st;
    fake_call *c = fk_rec_h("HcsModifyComputeSystem", FK_H(h), FK_H(operation), FK_H(identity));
    int scripted = fk_step("HcsModifyComputeSystem", &st);
    fk_str(c, 0, configuration);
    fk_commit(c);
    if (!fk_sys_ok(h, "HcsModifyComputeSystem"))
        return E_HANDLE;
    if (!configuration)
        return E_INVALIDARG;
    return fk_op_start("HcsModifyComputeSystem", (fop *)operation, HcsOperationTypeModify, &st,
                    scripted, h->w->state == SYS_STOPPED ? E_SYSTEM_ALREADY_STOPPED : S_OK,
                    NULL, POST_NONE, h, NULL);
}

#ifndef FAKE_1809 /* from Windows 10 2004 / 21H1 (hcs-api.md: min OS) */
/* HcsWaitForComputeSystemExit / HcsWaitForProcessExit (is_proc): the
 * scripted answer, or the exit document once the system or process has
 * exited (within timeoutMs). */
static HRESULT wait_exit(const char *fn, void *handle, int is_proc, DWORD timeoutMs,
                         PWSTR *result)
{
    hsys *hs = is_proc ? NULL : (hsys *)handle;
    hproc *hp = is_proc ? (hproc *)handle : NULL;
    fake_step st;
    fake_call *c = fk_rec_h(fn, FK_H(handle), 0, 0);
    int scripted = fk_step(fn, &st);
    char doc[160];
    c->n[0] = timeoutMs;
    fk_commit(c);
    if (result)
        *result = NULL;
    if (is_proc ? !fk_proc_ok(hp, fn) : !fk_sys_ok(hs, fn))
        return E_HANDLE;
    if (scripted)
        return scripted_result(&st, result);
    if (WaitForSingleObject(is_proc ? hp->w->exited_ev : hs->w->exited, timeoutMs) !=
        WAIT_OBJECT_0)
        return E_OP_TIMEOUT;
    fk_lock();
    if (is_proc)
        snprintf(doc, sizeof doc,
                 "{\"ProcessId\":%lu,\"Exited\":true,\"ExitCode\":%lu,\"LastWaitResult\":0}",
                 (unsigned long)hp->w->pid, (unsigned long)hp->w->exit_code);
    else
        snprintf(doc, sizeof doc, "%s", hs->w->exit_doc);
    fk_unlock();
    if (result)
        *result = fk_out(doc, FK_LOCAL);
    return S_OK;
}

FAKE_API HRESULT WINAPI HcsWaitForComputeSystemExit(HCS_SYSTEM computeSystem, DWORD timeoutMs,
                                                    PWSTR *result)
{
    return wait_exit("HcsWaitForComputeSystemExit", computeSystem, 0, timeoutMs, result);
}
#endif

FAKE_API HRESULT WINAPI HcsSetComputeSystemCallback(HCS_SYSTEM computeSystem,
                                                    HCS_EVENT_OPTIONS callbackOptions,
                                                    const void *context,
                                                    HCS_EVENT_CALLBACK callback)
{
    hsys *h = (hsys *)computeSystem;
    fake_step st;
    fake_call *c = fk_rec_h("HcsSetComputeSystemCallback", FK_H(h), FK_H(context), FK_H(callback));
    int scripted = fk_step("HcsSetComputeSystemCallback", &st);
    HRESULT hr;
    c->n[0] = (uint64_t)callbackOptions;
    hr = sys_call(c, h, scripted, &st);
    if (FAILED(hr))
        return hr;
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
    hproc *h;
    FK_HANDLE_NEW(h, MAGIC_PROC, w, g_prochs);
    return h;
}

/* A pipe whose caller end is opened for overlapped I/O, as HCS opens the
 * stdio handles it hands out (hcsshim v2/utils.go treats them so); the
 * process's end is synchronous. caller_reads: the caller reads (stdout,
 * stderr), else writes (stdin). */
static BOOL overlapped_pipe(int caller_reads, HANDLE *caller, HANDLE *proc)
{
    static volatile LONG n;
    WCHAR name[96];
    swprintf(name, sizeof name / sizeof name[0], L"\\\\.\\pipe\\fakehcs-%lu-%ld",
             (unsigned long)GetCurrentProcessId(), (long)InterlockedIncrement(&n));
    *caller = CreateNamedPipeW(name,
                               (caller_reads ? PIPE_ACCESS_INBOUND : PIPE_ACCESS_OUTBOUND) |
                                   FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                               PIPE_TYPE_BYTE | PIPE_WAIT, 1, 65536, 65536, 0, NULL);
    if (*caller == INVALID_HANDLE_VALUE)
        return FALSE;
    *proc = CreateFileW(name, caller_reads ? GENERIC_WRITE : GENERIC_READ, 0, NULL,
                        OPEN_EXISTING, 0, NULL);
    if (*proc == INVALID_HANDLE_VALUE) {
        CloseHandle(*caller);
        return FALSE;
    }
    fk_io_guard_track(*caller);
    return TRUE;
}

FAKE_API HRESULT WINAPI HcsCreateProcess(HCS_SYSTEM computeSystem, PCWSTR processParameters,
                                         HCS_OPERATION operation,
                                         const SECURITY_DESCRIPTOR *securityDescriptor,
                                         HCS_PROCESS *process)
{
    hsys *h = (hsys *)computeSystem;
    fop *op = (fop *)operation;
    fake_step st;
    fake_call *c = fk_rec_h("HcsCreateProcess", FK_H(h), FK_H(operation), FK_H(securityDescriptor));
    int scripted = fk_step("HcsCreateProcess", &st);
    char *params = fk_u8(processParameters);
    wproc *p;
    hproc *ph;
    HANDLE r, w;
    HRESULT hr, result = S_OK;
    char doc[64];
    fk_str(c, 0, processParameters);
    fk_commit(c);
    *process = NULL;
    if (!fk_sys_ok(h, "HcsCreateProcess") || !fk_op_ok(op, "HcsCreateProcess")) {
        free(params);
        return E_HANDLE;
    }
    if (!params || params[0] != '{') {
        free(params);
        return E_INVALIDARG;
    }
    p = (wproc *)fk_alloc(sizeof *p);
    p->sys = h->w;
    p->exited_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    p->kill_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    (void)fk_json_str_field(params, "CommandLine", p->cmd, sizeof p->cmd);
    fk_lock();
    p->pid = scripted && st.pid ? st.pid : g_next_pid++;
    if (h->w->state != SYS_RUNNING)
        result = E_SYSTEM_ALREADY_STOPPED;
    fk_unlock();
    if (fk_json_true(params, "CreateStdInPipe") && overlapped_pipe(0, &w, &r)) {
        p->in_r = r;
        op->pi.StdInput = w;
    }
    if (fk_json_true(params, "CreateStdOutPipe") && overlapped_pipe(1, &r, &w)) {
        p->out_w = w;
        op->pi.StdOutput = r;
    }
    if (fk_json_true(params, "CreateStdErrPipe") && overlapped_pipe(1, &r, &w)) {
        p->err_w = w;
        op->pi.StdError = r;
    }
    op->pi.ProcessId = p->pid;
    free(params);
    {
        HANDLE self = GetCurrentProcess();
        if (op->pi.StdOutput)
            DuplicateHandle(self, op->pi.StdOutput, self, &p->keep_out_r, 0, FALSE,
                            DUPLICATE_SAME_ACCESS);
        if (op->pi.StdError)
            DuplicateHandle(self, op->pi.StdError, self, &p->keep_err_r, 0, FALSE,
                            DUPLICATE_SAME_ACCESS);
        if (op->pi.StdInput && scripted && st.started_anyway)
            DuplicateHandle(self, op->pi.StdInput, self, &p->keep_in_w, 0, FALSE,
                            DUPLICATE_SAME_ACCESS);
    }
    op->started_anyway = scripted && st.started_anyway;
    ph = hproc_new(p);
    op->newproc = p;
    snprintf(doc, sizeof doc, "{\"ProcessId\":%lu}", (unsigned long)p->pid);
    hr = fk_op_start("HcsCreateProcess", op, HcsOperationTypeCreateProcess, &st, scripted, result,
                  doc, POST_PROC_START, NULL, NULL);
    if (!handed_out(hr, scripted, &st, &ph->magic))
        return hr;
    if (FAILED(hr)) {
        *process = (HCS_PROCESS)ph;
        return hr;
    }
    fk_lock();
    if (op->hr >= 0 || op->started_anyway) {
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
    fake_call *c = fk_rec_h("HcsOpenProcess", FK_H(h), 0, 0);
    int scripted = fk_step("HcsOpenProcess", &st);
    wproc *p;
    HRESULT hr;
    c->n[0] = processId;
    c->n[1] = requestedAccess;
    *process = NULL;
    hr = sys_call(c, h, scripted, &st);
    if (FAILED(hr))
        return hr;
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
    close_handle("HcsCloseProcess", process, 1);
}

/* What a verb on a live process answers unless scripted (see sys_state). */
static HRESULT proc_state(const char *fn, hproc *h, HCS_OPERATION operation, int type, int post,
                          char *doc, size_t n, const char **d)
{
    HRESULT result = S_OK;
    fk_lock();
    if (h->w->exited && (post == POST_PROC_KILL || type == HcsOperationTypeSignalProcess ||
                         type == HcsOperationTypeModifyProcess))
        result = E_PROCESS_ALREADY_STOPPED;
    if (type == HcsOperationTypeGetProcessProperties) {
        /* a ProcessStatus, as hcsshim reads it (ExitCode and LastWaitResult
         * once the process has exited) */
        if (h->w->exited)
            snprintf(doc, n,
                     "{\"ProcessId\":%lu,\"ImageName\":\"fake.exe\",\"Exited\":true,"
                     "\"ExitCode\":%lu,\"LastWaitResult\":0}",
                     (unsigned long)h->w->pid, (unsigned long)h->w->exit_code);
        else
            snprintf(doc, n,
                     "{\"ProcessId\":%lu,\"ImageName\":\"fake.exe\",\"Exited\":false}",
                     (unsigned long)h->w->pid);
        *d = doc;
    }
    fk_unlock();
    /* The handle of a process whose creation failed is stale: hcsshim's
     * recovery in createProcess (internal/hcs/system.go) notes HCS answers
     * with RPC_E_NULL_CONTEXT_HANDLE; Win32 RPC_X_SS_IN_NULL_CONTEXT (1775)
     * is that code */
    if (!h->w->started && !h->w->exited)
        result = HRESULT_FROM_WIN32(1775);
    if (type == HcsOperationTypeGetProcessInfo && SUCCEEDED(result)) {
        /* HcsGetProcessInfo: the pid and fresh handles to the stdio pipes,
         * INVALID_HANDLE_VALUE for the streams the process was created
         * without (hcsshim's recovery in internal/hcs/system.go reads them) */
        fop *op = (fop *)operation;
        if (fk_op_ok(op, fn) && op->state == ST_NOT_STARTED) {
            HANDLE self = GetCurrentProcess();
            HANDLE *dst[3] = {&op->pi.StdInput, &op->pi.StdOutput, &op->pi.StdError};
            HANDLE src[3];
            int i;
            fk_lock();
            src[0] = h->w->keep_in_w;
            src[1] = h->w->keep_out_r;
            src[2] = h->w->keep_err_r;
            op->pi.ProcessId = h->w->pid;
            for (i = 0; i < 3; i++)
                if (!src[i] ||
                    !DuplicateHandle(self, src[i], self, dst[i], 0, FALSE, DUPLICATE_SAME_ACCESS))
                    *dst[i] = INVALID_HANDLE_VALUE;
                else
                    fk_io_guard_track(*dst[i]);
            fk_unlock();
        }
    }
    return result;
}

VERB(HcsTerminateProcess, HCS_PROCESS, 1, HcsOperationTypeTerminate, POST_PROC_KILL)
VERB(HcsSignalProcess, HCS_PROCESS, 1, HcsOperationTypeSignalProcess, POST_NONE)
VERB(HcsGetProcessProperties, HCS_PROCESS, 1, HcsOperationTypeGetProcessProperties, POST_NONE)
VERB(HcsModifyProcess, HCS_PROCESS, 1, HcsOperationTypeModifyProcess, POST_NONE)

FAKE_API HRESULT WINAPI HcsGetProcessInfo(HCS_PROCESS process, HCS_OPERATION operation)
{
    return verb("HcsGetProcessInfo", process, 1, operation, NULL,
                HcsOperationTypeGetProcessInfo, POST_NONE);
}

FAKE_API HRESULT WINAPI HcsSetProcessCallback(HCS_PROCESS process,
                                              HCS_EVENT_OPTIONS callbackOptions,
                                              void *context, HCS_EVENT_CALLBACK callback)
{
    hproc *h = (hproc *)process;
    fake_call *c = fk_rec_h("HcsSetProcessCallback", FK_H(h), FK_H(context), FK_H(callback));
    c->n[0] = (uint64_t)callbackOptions;
    fk_commit(c);
    if (!fk_proc_ok(h, "HcsSetProcessCallback"))
        return E_HANDLE;
    fk_lock();
    h->cb = callback;
    h->ctx = context;
    fk_unlock();
    return S_OK;
}

#ifndef FAKE_1809 /* from Windows 10 2004 / 21H1 (hcs-api.md: min OS) */
FAKE_API HRESULT WINAPI HcsWaitForProcessExit(HCS_PROCESS computeSystem, DWORD timeoutMs,
                                              PWSTR *result)
{
    return wait_exit("HcsWaitForProcessExit", computeSystem, 1, timeoutMs, result);
}
#endif

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
    if (scripted)
        return scripted_result(&st, result);
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

#ifndef FAKE_1809 /* from Windows 10 2004 / 21H1 (hcs-api.md: min OS) */
FAKE_API HRESULT WINAPI HcsGrantVmGroupAccess(PCWSTR filePath)
{
    return sync_call("HcsGrantVmGroupAccess", filePath, NULL, NULL, NULL);
}
#endif

#ifndef FAKE_1809 /* from Windows 10 2004 / 21H1 (hcs-api.md: min OS) */
FAKE_API HRESULT WINAPI HcsRevokeVmGroupAccess(PCWSTR filePath)
{
    return sync_call("HcsRevokeVmGroupAccess", filePath, NULL, NULL, NULL);
}
#endif

#ifndef FAKE_1809 /* from Windows 10 2004 / 21H1 (hcs-api.md: min OS) */
FAKE_API HRESULT WINAPI HcsGetProcessorCompatibilityFromSavedState(
    PCWSTR RuntimeFileName, PCWSTR *ProcessorFeaturesString)
{
    return sync_call("HcsGetProcessorCompatibilityFromSavedState", RuntimeFileName, NULL,
                     (PWSTR *)ProcessorFeaturesString,
                     "{\"ProcessorFeatures\":\"fake-features\"}");
}
#endif

/* ---- the side channel ---- */

/* FakeReset (fake_base.c) calls this: the world starts over. */
void fk_world_reset(void) { cc_world_reset(); }

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
        fk_op_finish(op);
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
        w = fk_sys_find(system_id);
    }
    fk_unlock();
    if ((pid && !p) || (system_id && !pid && !w))
        return;
    fk_fire(w, p, type, data, late);
}

FAKE_API int FakeCallbacksRunning(void) { return (int)g_cb_running; }

