/*
 * The computecore.dll backend's shared private header, for the files of compute/win/:
 * the function table, the objects behind the public handles, and the
 * helpers every part uses. docs/windows-backend.md describes the model.
 */
#ifndef HCS_COMPUTE_WIN_H
#define HCS_COMPUTE_WIN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "compute/win/abi.h"
#include "compute/compute_int.h"
#include "win/loader.h"
#include "hdv/win/abi.h"

/* The loaded computecore.dll (the shared loader's slot hcsi_dll_computecore). */
typedef hcsi_dll cc_table;

#define CC(t, name) ((hcsi_cc_pfn_##name)(t)->fn[HCSI_CC_IX_##name])
#define KEYCTX(o) ((void *)(uintptr_t)(o)->base.key)
#define IX(name) HCSI_CC_IX_##name
#define w_to_utf8_lossy hcsi_w_lossy
#define to_w hcsi_w_arg
#define W(p) ((PCWSTR)(p))

struct hcs_stream {
    HANDLE h;
};

struct hcs_op {
    hcsi_obj base;
    const cc_table *t;
    HCSI_CC_OPERATION h;
    hcsi_mutex m;
    hcs_compute_op_callback cb; /* m */
    void *cb_ctx;       /* m */
    hcs_events *q;      /* notifications (immutable after creation) */
    uint64_t tag;
    char *what; /* m: what the operation was started for */
};

/* Where HcsWaitForComputeSystemExit / HcsWaitForProcessExit are missing
 * (Windows 10 1809 / Server 2019: they arrived with 21H1 / Server 2022),
 * exits are learnt from the exit events, as hcsshim always does: the
 * callback is registered at create/open and the trampoline records the
 * first exit here. All fields but cv under the owner's m. */
typedef struct hcsi_exit_track {
    int on;       /* a callback is registered: exits reach the trampoline */
    int internal; /* registered by the library (options 0), not by subscribe */
    int seen;     /* the exit event arrived (or the object was already gone) */
    char *doc;    /* its document (SystemExitStatus / ProcessStatus), or NULL */
    hcsi_cond cv;
} hcsi_exit_track;

/* Records an exit (the first one counts); doc is copied. */
void hcsi_cc_exit_record(hcsi_exit_track *x, hcsi_mutex *m, const char *doc);
/* Waits for the recorded exit: HCS_S_OK and *doc (malloc'ed copy or NULL),
 * or HCS_ERR_OPERATION_TIMEOUT (no message; the caller words it). */
hcs_result hcsi_cc_exit_wait(hcsi_exit_track *x, hcsi_mutex *m, int64_t timeout_ms,
                             char **doc);

struct hcs_system {
    hcsi_obj base;
    const cc_table *t;
    HCSI_CC_SYSTEM h;
    char *id;
    char *ns;
    hcsi_mutex m;
    hcs_events *q; /* m */
    uint64_t tag;  /* m */
    hcsi_exit_track exit;
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
    hcsi_exit_track exit;
};

hcs_result hcsi_cc_get(const cc_table **out);
hcs_result hcsi_cc_missing(const cc_table *t, int ix);
hcs_result hcsi_cc_has(const cc_table *t, const int *ixs);
/* Checks that table t has functions a, b, c (-1 = none). */
hcs_result hcsi_cc_has3(const cc_table *t, int a, int b, int c);
/* The current table with functions a, b, c (-1 = none). */
hcs_result hcsi_cc_need3(const cc_table **out, int a, int b, int c);

/* Converts a string HCS returned to UTF-8 (when out is not NULL) and frees
 * the original (LocalFree), always. */
hcs_result hcsi_cc_take_w(const WCHAR *s, char **out);
/* Drops the creator's reference of an object that never became public. */
void hcsi_cc_obj_discard(hcsi_obj *o);
/* Points a system's or process's events (*qp, *tagp, guarded by m) at q
 * with tag, taking a reference on q (NULL: none); returns the old queue with
 * the reference the object held (the caller drops it) and, when old_tag is
 * not NULL, the old tag. */
hcs_events *hcsi_cc_queue_swap(hcsi_mutex *m, hcs_events **qp, uint64_t *tagp, hcs_events *q,
                               uint64_t tag, uint64_t *old_tag);
/* Turns HCS_PROCESS_INFORMATION into info (or closes its handles). */
void hcsi_cc_pinfo_take(const HCSI_CC_PROCESS_INFORMATION *pi, hcs_compute_process_info *info);

/* HCS callbacks: the context is an object key (compute/compute_int.h). */
void CALLBACK hcsi_cc_op_complete_tramp(HCSI_CC_OPERATION h, void *ctx);
void CALLBACK hcsi_cc_event_tramp(HCSI_CC_EVENT *ev, void *ctx);

/* Operations as the other parts use them (op.c). */
hcs_result hcsi_cc_op_new(const cc_table *t, int with_callback, hcs_op **out);
/* Takes ownership of what (malloc'ed; NULL allowed). */
void hcsi_cc_op_set_what(hcs_op *op, char *what);
hcs_result hcsi_cc_op_run(hcs_op *op, int64_t timeout_ms, int want_pinfo,
                          hcs_compute_process_info *info, char **result_json);

#endif /* HCS_COMPUTE_WIN_H */
