/*
 * GCS bridge internals shared by bridge.c (multiplexer, notifications,
 * RPCs), connect.c (setup, handshake, listener), container.c (containers,
 * typed RPC wrappers) and process.c (processes, stdio relay).
 *
 * Locking: one mutex per bridge (b->lock) guards the call table, the
 * container table, process wait state, counters, the read token and the
 * dead flag, id assignment and the output queue (so ids are in wire
 * order). Nothing blocks while holding b->lock except condition waits on
 * it; writes happen outside it (one writer at a time, group commit).
 */
#ifndef HCS_GCS_BRIDGE_H
#define HCS_GCS_BRIDGE_H

#include "gcs/codec.h"
#include "gcs/frame.h"
#include "gcs/pio.h"
#include "gcs/transport.h"
#include "hcs/gcs.h"

#define HCSI_GCS_BUCKETS 64

typedef struct hcsi_gcs_call {
    struct hcsi_gcs_call *next; /* hash chain */
    uint64_t id;
    uint32_t rpc;
    int in_table;
    int done;
    hcs_result hr;      /* set when done without a body */
    char *body;         /* response body (malloc, NUL-terminated) */
    size_t body_len;
    hcsi_cond cond;     /* sync calls: signalled when done */
    int async;          /* WaitForProcess: delivered to owner, then freed */
    struct hcsi_gcs_call *fnext; /* list of waiters that do not read */
    hcs_gcs_process *owner;
} hcsi_gcs_call;

typedef struct hcsi_gcs_container {
    struct hcsi_gcs_container *next;
    char *id;
    int exited;               /* notification received */
    /* process.terminal of the Create spec (1/0), -1 when it did not say:
     * the init start (no OCI process) takes its tty setting from it. */
    int init_tty;
    hcs_gcs_notification note;
    hcsi_cond cond;
} hcsi_gcs_container;

#define HCSI_GCS_MAX_WARNINGS_LOGGED 100

struct hcs_gcs_bridge {
    hcsi_mutex lock;
    hcsi_mutex log_lock;  /* guards warnings_logged (log may run unlocked) */
    unsigned warnings_logged;
    int refs;
    hcsi_gcs_stream *stream;
    hcsi_gcs_reader reader;
    hcsi_thread reader_thread;
    int reader_started, reader_joined;

    uint64_t next_id; /* next request id */
    hcsi_buf outq;    /* frames waiting for the active writer */
    hcsi_buf spare;   /* the other buffer of the pair */
    int writing;      /* a thread is draining outq */

    /* The read token (lock): whoever holds it reads and dispatches frames.
     * A waiting caller takes it when free (no extra thread hop on the
     * answer); the background thread reads only when no caller waits. */
    int rd_owner;
    int sync_waiters;
    hcsi_gcs_call *followers;  /* waiters blocked while another reads */
    uint64_t quiet_until;      /* background stays off until then */
    hcsi_cond bg_cv;
    hcsi_cond flag_cv;         /* process/container waiters: an exit, the token freed, death */
    uint64_t rd_deadline;      /* token holder only: read deadline */
    uint64_t issued;  /* lock: every id below was sent */
    hcsi_gcs_call *table[HCSI_GCS_BUCKETS];

    int dead;
    char *dead_msg; /* immutable once dead is set */

    hcsi_gcs_container *containers;
    uint32_t next_port;

    /* configuration (copied) */
    int64_t rpc_timeout_ms;
    int64_t stdio_timeout_ms;
    hcs_gcs_log_fn log;
    void *log_ctx;
    int has_stdio_addr;
    hcsi_gcs_addr stdio_addr;
    char *uvm_id;
    char *uvm_config_json;

    /* what the guest said */
    hcs_gcs_negotiate_response neg;
    hcs_gcs_os os;

    hcs_gcs_bridge_stats stats;
};

struct hcs_gcs_process {
    hcs_gcs_bridge *b;          /* holds a reference */
    char *container_id;         /* as sent */
    uint32_t pid;
    hcsi_sock io[3];            /* stdin, stdout, stderr */
    uint32_t port[3];
    /* WaitForProcess outcome (guarded by b->lock) */
    hcsi_gcs_call *wait_call;
    int exited;
    uint32_t exit_code;
    hcs_result wait_hr;
    char *wait_msg;
    hcsi_cond cond;
    /* bounded, cancellable stdio calls (pio.h); pio.lock also guards
     * stdin_closed */
    hcsi_gcs_pio pio;
    int stdin_closed;           /* hcs_gcs_process_close_stdin was called */
    /* stdin relay thread of hcs_gcs_process_relay */
    hcsi_thread stdin_thread;
    int stdin_thread_running;
    hcs_os_handle stdin_src;
};

/* References (the last one frees the bridge). */
void hcsi_gcs_bridge_ref(hcs_gcs_bridge *b);
void hcsi_gcs_bridge_unref(hcs_gcs_bridge *b);

/* printf-style log through the configured callback. */
void hcsi_gcs_log(hcs_gcs_bridge *b, hcs_gcs_log_level level, const char *fmt, ...)
    HCSI_PRINTF(3, 4);

/* Tears the bridge down with a reason (idempotent). */
void hcsi_gcs_bridge_kill(hcs_gcs_bridge *b, const char *fmt, ...) HCSI_PRINTF(2, 3);

/* Sends a frame built with hcsi_gcs_frame_begin + body: assigns the next
 * id and registers call (sync or async) before it can be answered. A write
 * failure kills the bridge (the call then completes with its reason).
 * Fails, with the call not registered, when the bridge is already dead
 * (HCS_ERR_CONNECTION_CLOSED) or out of memory. */
hcs_result hcsi_gcs_send_call(hcs_gcs_bridge *b, uint32_t rpc, hcsi_buf *frame,
                              hcsi_gcs_call *call);

/* A complete synchronous RPC: frame -> raw response body (caller frees).
 * `what` names the call in errors. */
/* Waits (lock held) until *flag is set (its setter broadcasts
 * b->flag_cv), or the bridge is dead, reading the stream itself while no one else
 * does. deadline: hcsi_now_ns() units or UINT64_MAX. 1 when set or dead,
 * 0 on timeout. */
int hcsi_gcs_wait_flag_locked(hcs_gcs_bridge *b, const int *flag, uint64_t deadline);
hcs_result hcsi_gcs_call_sync(hcs_gcs_bridge *b, uint32_t rpc, hcsi_buf *frame,
                              int64_t timeout_ms, const char *what, char **resp,
                              size_t *resp_len);

typedef hcs_result (*hcsi_gcs_enc_fn)(hcsi_buf *b, const void *req);

/* Encodes req into a new frame and runs it; then decodes the response
 * base and turns Result != 0 into the guest's error. *resp (optional)
 * receives the body for further decoding. */
hcs_result hcsi_gcs_rpc_typed(hcs_gcs_bridge *b, uint32_t rpc, const char *what,
                              hcsi_gcs_enc_fn enc, const void *req,
                              int64_t timeout_ms, char **resp, size_t *resp_len);
/* hcsi_gcs_rpc_typed with the bridge's RPC timeout, the body dropped. */
hcs_result hcsi_gcs_rpc_call(hcs_gcs_bridge *b, uint32_t rpc, const char *what,
                             hcsi_gcs_enc_fn enc, const void *req);
/* The same with the body decoded into *resp by dec (a decoding failure is
 * wrapped with what; dec clears resp on failure). */
hcs_result hcsi_gcs_rpc_decode(hcs_gcs_bridge *b, uint32_t rpc, const char *what,
                               hcsi_gcs_enc_fn enc, const void *req, hcsi_gcs_dec_fn dec,
                               void *resp);

/* Fails with HCS_ERR_CONNECTION_CLOSED and the reason when dead (call
 * with b->lock held). */
hcs_result hcsi_gcs_closed_error(hcs_gcs_bridge *b, const char *what);

/* Removes a call from the table (b->lock held); 1 if it was there. */
int hcsi_gcs_table_remove(hcs_gcs_bridge *b, hcsi_gcs_call *c);

/* Starts reading: the frame reader (incoming limit max_message_size) and
 * the background thread (connect.c calls it before the handshake). */
hcs_result hcsi_gcs_bridge_start_io(hcs_gcs_bridge *b, uint32_t max_message_size);

/* The exit-waiter record of a container id, or NULL (b->lock held). */
hcsi_gcs_container *hcsi_gcs_find_container(hcs_gcs_bridge *b, const char *id);

/* An RPC whose request is RequestBase only (container_id NULL: the null
 * container), with the bridge's RPC timeout. */
hcs_result hcsi_gcs_base_rpc(hcs_gcs_bridge *b, uint32_t rpc, const char *what,
                             const char *container_id);

/* Delivers a WaitForProcess outcome to the owning process (b->lock held). */
void hcsi_gcs_process_deliver(hcs_gcs_process *p, hcs_result hr, uint32_t exit_code,
                              const char *msg);

#endif /* HCS_GCS_BRIDGE_H */
