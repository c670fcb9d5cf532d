/*
 * hcs-gcs bridge internals shared by the bridge (guest/bridge) and the
 * request handlers (guest/handlers).
 *
 * Threads: one reader (the serving thread) handles requests in arrival
 * order, the way the Go GCS stamps its protocol version at read time; work
 * that waits (dialling stdio, running the OCI runtime) goes to worker
 * threads (hcsg_agent_async) and WaitForProcess is answered by the process
 * manager when the process is done. Responses are whole frames written
 * under one lock, in completion order.
 */
#ifndef HCS_GUEST_AGENT_INTERNAL_H
#define HCS_GUEST_AGENT_INTERNAL_H

#include <pthread.h>

#include "gcs.h"
#include "net/net.h"
#include "runtime/runtime.h"
#include "hcs/schema.h"

#define NULL_CID HCS_GCS_NULL_CONTAINER_ID

enum { STOP_NONE = 0, STOP_LOST = 1, STOP_SHUTDOWN = 2, STOP_SIGNAL = 3, STOP_DIAL = 4 };

struct hcsg_agent {
    hcsg_options o;
    hcsg_procs *procs;
    pthread_mutex_t wlock; /* one frame at a time on the bridge */
    int rfd, wfd;
    int wake_efd;          /* wakes the reader (stop) */
    /* Once the host's side reached EOF: the time after which a sender
     * blocked on a full bridge gives up (0: none). Atomic. */
    uint64_t send_deadline_ns;
    hcsg_send_fn sink;
    void *sink_ctx;
    uint32_t protver;      /* 0 until NegotiateProtocol, then 4 */
    int dry_run;
    int stop_reason;
    int shutdown_forced;   /* UVM ShutdownForced (no SIGTERM grace) */
    pthread_mutex_t xm;    /* exec workers */
    pthread_cond_t xcv;
    unsigned exec_workers;
    uint64_t start_ns;
    uint64_t frames;
    hcsg_containers *ctrs; /* containers, layers, the OCI runtime */
    hcsg_net *net;         /* network adapters and namespaces */
    int dial_abort_efd;    /* readable: stdio dials in flight give up */
};

/* One request being handled. */
typedef struct req {
    uint32_t type;
    uint64_t id;
    const char *body;
    size_t len;
    hcsi_json *doc;       /* the parsed body (any JSON value) or NULL */
    int parse_failed;
    char perr[512];
    char cid[256];        /* sniffed ContainerId / ActivityId */
    char aid[256];
    int deferred;         /* running on a worker (hcsg_defer) */
} req;


/* ---- sending (send.c) ---- */
int hcsg_bridge_send(void *ctx, uint32_t type, uint64_t id, const char *body, size_t len);
/* The host's side is closed: from now on a send blocked on the full
 * bridge gives up after HCSG_SEND_AFTER_EOF_MS (the first call counts). */
void hcsg_send_grace_start(hcsg_agent *a);
/* Serialises and sends o (takes it; NULL = out of memory, logged). */
void hcsg_send_obj(hcsg_agent *a, uint32_t type, uint64_t id, hcsi_json *o);
void hcsg_send_error(hcsg_agent *a, uint32_t req_type, uint64_t id, const char *aid,
                     const hcsg_err *e);
/* The process manager's WaitForProcess answers. */
void hcsg_wait_done(void *ctx, uint64_t id, const char *aid, int32_t hr, uint32_t code,
                    pid_t pid);

/* ---- request decoding (request.c) ---- */
int hcsg_req_object(req *r, hcsg_err *e, const char *tname, hcsi_json **obj);
int hcsg_req_base(req *r, hcsg_err *e, const char *tname, hcsi_json **obj, hcsg_base *b);
int hcsg_fail_unmarshal(req *r, hcsg_err *e);
void hcsg_err_no_container(hcsg_err *e, const char *cid);
int hcsg_has_key(const hcsi_json *obj, const char *key);
/* Decodes (or with out NULL only checks) o as the generated guest type, with
 * Go encoding/json semantics and messages naming gostruct.Field; out is
 * released with hcs_schema_free_members(type, out). 0 or -1 with e. */
int hcsg_decode_typed(hcsg_err *e, const hcsi_json *o, hcs_schema_type_id type,
                      const char *gostruct, void *out);

/* ---- handlers (guest/handlers) ----
 * Each returns 0 with *resp (success), -1 with e (error response), or 1
 * (answered later / no answer); 2 asks the agent to stop (UVM shutdown). */
typedef int (*hcsg_handler_fn)(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_negotiate(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_create(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_start(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_shutdown_graceful(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_shutdown_forced(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_exec(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_wait(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_signal(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_resize(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_properties(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_modify(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_stacks(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
int hcsg_h_delete(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);

/* Runs the handler fn for r again on a worker thread (a copy of the
 * request), where it may wait (OCI runtime commands, stdio dials); the
 * worker sends what it returns. At most HCSG_MAX_EXEC_WORKERS at once: the
 * reader waits for a slot (back-pressure). Returns 1 (answered later) or
 * -1 with e. */
int hcsg_defer(hcsg_agent *a, req *r, hcsg_handler_fn fn, hcsg_err *e);
/* Takes a worker slot, waiting while all HCSG_MAX_EXEC_WORKERS are busy
 * (back-pressure); 0, or -1 with e when the agent is stopping. */
int hcsg_worker_slot(hcsg_agent *a, hcsg_err *e);
/* The WaitForProcess success response. */
void hcsg_wait_answer(hcsg_agent *a, uint64_t id, const char *aid, uint32_t code);
/* Container exit notification (hcsg_notify_fn). */
void hcsg_send_notification(void *ctx, const char *id, const char *aid, const char *type);

/* ---- PID 1 (pid1.c) ---- */
void hcsg_ensure_std_fds(void);
void hcsg_pid1_init(void);

#endif
