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
#include "storage/storage.h"
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
    hcsg_storage *storage; /* hot-added devices and their mounts */
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
/* The RPCs served and their handlers, listed once (an X-macro: the
 * prototypes below and dispatch.c's table are made from it). */
#define HCSG_HANDLERS(X)                                       \
    X(HCS_GCS_RPC_NEGOTIATE_PROTOCOL, hcsg_h_negotiate)        \
    X(HCS_GCS_RPC_CREATE, hcsg_h_create)                       \
    X(HCS_GCS_RPC_START, hcsg_h_start)                         \
    X(HCS_GCS_RPC_SHUTDOWN_GRACEFUL, hcsg_h_shutdown_graceful) \
    X(HCS_GCS_RPC_SHUTDOWN_FORCED, hcsg_h_shutdown_forced)     \
    X(HCS_GCS_RPC_EXECUTE_PROCESS, hcsg_h_exec)                \
    X(HCS_GCS_RPC_WAIT_FOR_PROCESS, hcsg_h_wait)               \
    X(HCS_GCS_RPC_SIGNAL_PROCESS, hcsg_h_signal)               \
    X(HCS_GCS_RPC_RESIZE_CONSOLE, hcsg_h_resize)               \
    X(HCS_GCS_RPC_GET_PROPERTIES, hcsg_h_properties)           \
    X(HCS_GCS_RPC_MODIFY_SETTINGS, hcsg_h_modify)              \
    X(HCS_GCS_RPC_DUMP_STACKS, hcsg_h_stacks)                  \
    X(HCS_GCS_RPC_DELETE_CONTAINER_STATE, hcsg_h_delete)
#define HCSG_HANDLER_PROTOTYPE(rpc, fn) \
    int fn(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e);
HCSG_HANDLERS(HCSG_HANDLER_PROTOTYPE)
#undef HCSG_HANDLER_PROTOTYPE
/* ModifySettings of a device resource (storage/request.c): on a worker. */
int hcsg_h_modify_storage(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e,
                          const char *resource_type, const char *request_type,
                          const hcsi_json *settings);

/* Runs the handler fn for r again on a worker thread (a copy of the
 * request), where it may wait (OCI runtime commands, stdio dials); the
 * worker sends what it returns. At most HCSG_MAX_EXEC_WORKERS at once: the
 * reader waits for a slot (back-pressure). Returns 1 (answered later) or
 * -1 with e. */
int hcsg_defer(hcsg_agent *a, req *r, hcsg_handler_fn fn, hcsg_err *e);
/* Takes a worker slot, waiting while all HCSG_MAX_EXEC_WORKERS are busy
 * (back-pressure); 0, or -1 with e when the agent is stopping. */
int hcsg_worker_slot(hcsg_agent *a, hcsg_err *e);
/* Gives a slot back (its worker is done). */
void hcsg_worker_done(hcsg_agent *a);
/* Runs fn(arg) on a detached worker thread that owns the slot the caller
 * took; 0, or -1 (the slot given back) when no thread can be started. */
int hcsg_worker_start(hcsg_agent *a, void *(*fn)(void *), void *arg);
/* A request about container cid, which must exist (a dry run has none):
 * 0, or -1 with e. */
int hcsg_need_container(hcsg_agent *a, const char *cid, hcsg_err *e);
/* For a handler whose container work may wait: on the reader, checks
 * container cid (hcsg_need_container) and hands r to a worker (hcsg_defer:
 * 1, or -1 with e); on that worker, 0: go on. */
int hcsg_defer_for(hcsg_agent *a, req *r, const char *cid, hcsg_handler_fn fn, hcsg_err *e);
/* The WaitForProcess success response. */
void hcsg_wait_answer(hcsg_agent *a, uint64_t id, const char *aid, uint32_t code);
/* Container exit notification (hcsg_notify_fn). */
void hcsg_send_notification(void *ctx, const char *id, const char *aid, const char *type);

/* ---- PID 1 (pid1.c) ---- */
void hcsg_ensure_std_fds(void);
void hcsg_pid1_init(void);

#endif
