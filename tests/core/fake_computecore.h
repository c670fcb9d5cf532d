/*
 * The test-double computecore.dll's world, shared by its two halves:
 * fake_computecore.c (operations, callbacks, the mini shell, enumeration)
 * and fake_computecore_sys.c (compute systems, processes, the service
 * calls, the side channel). Windows only, like the DLL.
 */
#ifndef FAKE_COMPUTECORE_H
#define FAKE_COMPUTECORE_H

#include <stddef.h>

#include "compute/win/abi.h"
#include "fake_base.h"
#include "fake_control.h"

/* Codes (mingw-w64 10's winerror.h has no HCS_E_*). */
/* An id that names no system: the 0xC037 form, ERROR_VMCOMPUTE_SYSTEM_NOT_FOUND,
 * which is what hcsshim matches (internal/hcs/errors.go
 * ErrComputeSystemDoesNotExist = 0xc037010e). */
#define E_SYSTEM_NOT_FOUND ((HRESULT)0xC037010Eu)
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
    /* Copies of the caller's ends that HCS keeps, so that HcsGetProcessInfo
     * can hand out fresh handles (NULL: not requested). Only for
     * started_anyway processes for stdin: a kept stdin writer would hold the
     * process's stdin open after the caller closed its own. */
    HANDLE keep_in_w, keep_out_r, keep_err_r;
    int started; /* it ran: a create that failed leaves a stale handle */
    char cmd[2048];
} wproc;

typedef struct hsys {
    uint32_t magic;
    wsys *w;
    HCS_EVENT_CALLBACK cb;
    void *ctx;
    int opts;
    volatile LONG cbs; /* its callbacks running now */
    struct hsys *next_all;
} hsys;

typedef struct hproc {
    uint32_t magic;
    wproc *w;
    HCS_EVENT_CALLBACK cb;
    void *ctx;
    int stuck; /* an operation on it never completes: later ones neither */
    volatile LONG cbs; /* its callbacks running now */
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
    int started_anyway; /* CreateProcess: started even though hr fails */
    volatile LONG cbs;  /* its callbacks running now */
    struct fop *next_all;
} fop;

/* Puts h, a new handle, at the head of head (the list of all the handles
 * of its type) and counts it live. Macros here: the three handle types are
 * distinct structs. */
#define FK_LINK_LIVE(head, h)                                                     \
    do {                                                                          \
        fk_lock();                                                                \
        (h)->next_all = (head);                                                   \
        (head) = (h);                                                             \
        fk_live(1);                                                               \
        fk_unlock();                                                              \
    } while (0)
/* h = a new system or process handle (magic m) to world, linked as above. */
#define FK_HANDLE_NEW(h, m, world, head)                                          \
    do {                                                                          \
        (h) = fk_alloc(sizeof *(h));                                              \
        (h)->magic = (m);                                                         \
        (h)->w = (world);                                                         \
        FK_LINK_LIVE(head, h);                                                    \
    } while (0)

enum { POST_NONE, POST_START, POST_STOP, POST_CRASH, POST_PAUSE, POST_RESUME,
       POST_LM, POST_PROC_START, POST_PROC_KILL };

extern volatile LONG g_cb_running;
extern DWORD g_next_pid;
extern fop *g_ops;
extern hproc *g_prochs;
extern wproc *g_procs;
extern hsys *g_syshs;
extern wsys *g_systems;

void fk_fire(wsys *w, wproc *p, UINT32 type, const char *data, int late);
int fk_json_str_field(const char *json, const char *key, char *out, size_t n);
int fk_json_true(const char *json, const char *key);
void fk_op_finish(fop *op);
int fk_op_ok(fop *op, const char *fn);
HRESULT fk_op_start(const char *fn, fop *op, int type, const fake_step *st, int scripted,
                        HRESULT hr, const char *doc, int post, hsys *sysh, hproc *proch);
int fk_proc_ok(hproc *h, const char *fn);
const char *fk_state_name(int st);
wsys *fk_sys_add(const char *id, int state);
wsys *fk_sys_find(const char *id);
int fk_sys_ok(hsys *h, const char *fn);
void cc_world_reset(void);

/* The HcsClose* rule of real HCS: a close waits until the handle's running
 * callbacks have returned. Returns 0 (after recording a violation) when
 * called on one of those callbacks -- real HCS would wait for itself there
 * -- else waits for them (at most 10 s) and returns 1. */
int fk_close_waits_callbacks(const char *fn, const void *h, volatile LONG *cbs);

/* fake_io_guard.c: h is a stdio handle handed out (opened overlapped, as
 * HCS opens them); a ReadFile/WriteFile on it without an OVERLAPPED from
 * the test program or libhcs.dll is refused and recorded as a violation. */
void fk_io_guard_track(HANDLE h);

#endif /* FAKE_COMPUTECORE_H */
