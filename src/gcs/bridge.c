/* The GCS bridge: multiplexer (send queue, read token, call table),
 * notifications, background reader, teardown, and the generic RPC calls.
 * Connection setup is in connect.c, the container and typed RPC wrappers
 * in container.c. See docs/gcs-bridge.md. */
#include "gcs/bridge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"

/* ================= logging, refs ================= */

void hcsi_gcs_log(hcs_gcs_bridge *b, hcs_gcs_log_level level, const char *fmt, ...)
{
    va_list ap;
    char *msg, *safe;
    int last = 0;
    if (!b->log)
        return;
    if (level == HCS_GCS_LOG_WARNING) {
        /* Warnings are about guest misbehaviour, which a hostile guest can
         * repeat forever: log the first ones, then only count them. */
        hcsi_mutex_lock(&b->log_lock);
        if (b->warnings_logged > HCSI_GCS_MAX_WARNINGS_LOGGED) {
            hcsi_mutex_unlock(&b->log_lock);
            return;
        }
        last = ++b->warnings_logged > HCSI_GCS_MAX_WARNINGS_LOGGED;
        hcsi_mutex_unlock(&b->log_lock);
        if (last) {
            b->log(b->log_ctx, level,
                   "too many guest anomalies: further ones are only counted "
                   "(hcs_gcs_bridge_get_statistics)");
            return;
        }
    }
    va_start(ap, fmt);
    msg = hcsi_vasprintf(fmt, ap);
    va_end(ap);
    /* Messages quote guest text: print it safely. */
    safe = msg ? hcsi_gcs_sanitize(msg, 2048) : NULL;
    if (safe)
        b->log(b->log_ctx, level, safe);
    free(safe);
    free(msg);
}

void hcsi_gcs_bridge_ref(hcs_gcs_bridge *b)
{
    hcsi_mutex_lock(&b->lock);
    b->refs++;
    hcsi_mutex_unlock(&b->lock);
}

static void bridge_destroy(hcs_gcs_bridge *b)
{
    hcsi_gcs_container *c, *cn;
    if (b->reader_started && !b->reader_joined) {
        hcsi_gcs_bridge_kill(b, "bridge released");
        hcsi_thread_join(&b->reader_thread);
    }
    for (c = b->containers; c; c = cn) {
        cn = c->next;
        free(c->id);
        hcs_gcs_notification_clear(&c->note);
        hcsi_cond_destroy(&c->cond);
        free(c);
    }
    if (b->stream)
        b->stream->ops->destroy(b->stream);
    hcsi_gcs_reader_free(&b->reader);
    hcsi_buf_free(&b->outq);
    hcsi_buf_free(&b->spare);
    hcsi_gcs_addr_free(&b->stdio_addr);
    hcs_gcs_negotiate_response_clear(&b->neg);
    free(b->dead_msg);
    free(b->uvm_id);
    free(b->uvm_config_json);
    hcsi_cond_destroy(&b->bg_cv);
    hcsi_cond_destroy(&b->flag_cv);
    hcsi_mutex_destroy(&b->lock);
    hcsi_mutex_destroy(&b->log_lock);
    free(b);
}

void hcsi_gcs_bridge_unref(hcs_gcs_bridge *b)
{
    int last;
    if (!b)
        return;
    hcsi_mutex_lock(&b->lock);
    last = --b->refs == 0;
    hcsi_mutex_unlock(&b->lock);
    if (last)
        bridge_destroy(b);
}

/* ================= call table ================= */

static size_t bucket(uint64_t id) { return (size_t)(id % HCSI_GCS_BUCKETS); }

static void table_insert(hcs_gcs_bridge *b, hcsi_gcs_call *c)
{
    size_t i = bucket(c->id);
    c->next = b->table[i];
    b->table[i] = c;
    c->in_table = 1;
    b->stats.rpcs_in_flight++;
}

int hcsi_gcs_table_remove(hcs_gcs_bridge *b, hcsi_gcs_call *c)
{
    hcsi_gcs_call **pp;
    if (!c->in_table)
        return 0;
    for (pp = &b->table[bucket(c->id)]; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            c->next = NULL;
            c->in_table = 0;
            b->stats.rpcs_in_flight--;
            return 1;
        }
    }
    return 0;
}

static hcsi_gcs_call *table_take(hcs_gcs_bridge *b, uint64_t id)
{
    hcsi_gcs_call **pp;
    for (pp = &b->table[bucket(id)]; *pp; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            hcsi_gcs_call *c = *pp;
            hcsi_gcs_table_remove(b, c);
            return c;
        }
    }
    return NULL;
}

hcs_result hcsi_gcs_closed_error(hcs_gcs_bridge *b, const char *what)
{
    return hcsi_err(HCS_ERR_CONNECTION_CLOSED, "%s: GCS bridge closed: %s", what,
                    b->dead_msg ? b->dead_msg : "unknown reason");
}

/* ================= teardown ================= */

void hcsi_gcs_bridge_kill(hcs_gcs_bridge *b, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    size_t i;
    hcsi_gcs_container *c;
    va_start(ap, fmt);
    msg = hcsi_vasprintf(fmt, ap);
    va_end(ap);
    hcsi_mutex_lock(&b->lock);
    if (b->dead) {
        hcsi_mutex_unlock(&b->lock);
        free(msg);
        return;
    }
    b->dead = 1;
    b->dead_msg = msg; /* NULL (OOM) reads as "unknown reason" */
    /* Fail every pending call promptly. */
    for (i = 0; i < HCSI_GCS_BUCKETS; i++) {
        while (b->table[i]) {
            hcsi_gcs_call *call = b->table[i];
            hcsi_gcs_table_remove(b, call);
            if (call->async) {
                if (call->owner)
                    hcsi_gcs_process_deliver(call->owner, HCS_ERR_CONNECTION_CLOSED, 0,
                                             b->dead_msg);
                free(call);
            } else {
                call->done = 1;
                call->hr = HCS_ERR_CONNECTION_CLOSED;
                hcsi_cond_signal(&call->cond);
            }
        }
    }
    /* Containers still waiting are treated as exited (their waiters see
     * the bridge is dead). */
    for (c = b->containers; c; c = c->next)
        hcsi_cond_broadcast(&c->cond);
    hcsi_cond_broadcast(&b->bg_cv);
    hcsi_cond_broadcast(&b->flag_cv);
    hcsi_mutex_unlock(&b->lock);
    if (b->stream)
        b->stream->ops->shutdown(b->stream);
    hcsi_gcs_log(b, HCS_GCS_LOG_INFO, "GCS bridge closed: %s",
                 msg ? msg : "unknown reason");
}

/* ================= sending ================= */

hcs_result hcsi_gcs_send_call(hcs_gcs_bridge *b, uint32_t rpc, hcsi_buf *frame,
                              hcsi_gcs_call *call)
{
    hcs_result hr;
    char name[40];
    uint64_t id;
    hcsi_mutex_lock(&b->lock);
    if (b->dead) {
        hr = hcsi_gcs_closed_error(b, hcsi_gcs_type_name(HCS_GCS_MSG_REQUEST | rpc,
                                                        name, sizeof name));
        hcsi_mutex_unlock(&b->lock);
        return hr;
    }
    /* The id, the registration and the place in the output queue are
     * taken in one critical section: ids are in wire order. */
    id = call->id = b->next_id++;
    call->rpc = rpc;
    hr = hcsi_gcs_frame_finish(frame, HCS_GCS_MSG_REQUEST | rpc, id);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_buf_append(&b->outq, frame->data, frame->len);
    if (HCS_FAILED(hr)) {
        /* Nothing reached the wire and the connection is still in sync;
         * the id is simply skipped. */
        hcsi_mutex_unlock(&b->lock);
        return hr;
    }
    table_insert(b, call);
    b->issued = b->next_id;
    b->stats.frames_sent++;
    /* From here an async call may be completed and freed by a reader (or
     * a teardown) as soon as the lock is released: use `id` only.
     * Group commit: whoever finds no write in progress drains the queue,
     * so concurrent senders share one write(). */
    if (b->writing) {
        hcsi_mutex_unlock(&b->lock);
        return HCS_S_OK;
    }
    b->writing = 1;
    while (b->outq.len) {
        hcsi_buf tmp = b->outq;
        b->outq = b->spare;
        b->outq.len = 0;
        hcsi_mutex_unlock(&b->lock);
        hr = b->stream->ops->write(b->stream, tmp.data, tmp.len);
        hcsi_mutex_lock(&b->lock);
        b->spare = tmp;
        if (HCS_FAILED(hr)) {
            const hcs_error *e = hcs_error_last();
            char *msg = hcsi_strdup(e ? e->message : "error");
            b->outq.len = 0;
            b->writing = 0;
            hcsi_mutex_unlock(&b->lock);
            /* A partial frame may be on the wire: the stream is unusable;
             * every queued call fails with the reason. */
            hcsi_gcs_bridge_kill(b, "write of id %llu to the guest failed: %s",
                                 (unsigned long long)id, msg ? msg : "error");
            free(msg);
            return HCS_S_OK;
        }
    }
    b->writing = 0;
    hcsi_mutex_unlock(&b->lock);
    return HCS_S_OK;
}

/* ---- the read token ---- */

#define HCSI_GCS_QUIET_NS 1000000u /* background reader idle after callers */
#define HCSI_GCS_BG_TICK_NS 1000000u

static int read_one(hcs_gcs_bridge *b, hcsi_gcs_call *own);

/* Wakes one waiter that still needs an answer, so that it takes the free
 * token and reads (lock held). */
static void promote_locked(hcs_gcs_bridge *b)
{
    hcsi_gcs_call *f;
    if (b->rd_owner)
        return;
    /* Process and container waiters take a free token themselves. */
    hcsi_cond_broadcast(&b->flag_cv);
    for (f = b->followers; f; f = f->fnext) {
        if (!f->done) {
            hcsi_cond_signal(&f->cond);
            return;
        }
    }
}

static void follower_remove(hcs_gcs_bridge *b, hcsi_gcs_call *c)
{
    hcsi_gcs_call **pp;
    for (pp = &b->followers; *pp; pp = &(*pp)->fnext) {
        if (*pp == c) {
            *pp = c->fnext;
            c->fnext = NULL;
            return;
        }
    }
}

/* Reads and dispatches frames as the token holder (lock not held) until
 * `own` is answered (NULL: what is already buffered), the deadline passes
 * or the bridge dies; then dispatches whatever complete frames are still
 * buffered, so nothing waits for the next read. */
static void lead_read(hcs_gcs_bridge *b, hcsi_gcs_call *own, uint64_t deadline)
{
    int rc;
    b->rd_deadline = deadline;
    for (;;) {
        rc = read_one(b, own);
        if (rc != 1)
            break;
        if (!own && !hcsi_gcs_reader_has_frame(&b->reader))
            break;
    }
    b->rd_deadline = UINT64_MAX;
    while (rc > 0 && hcsi_gcs_reader_has_frame(&b->reader))
        rc = read_one(b, NULL);
}

/* Takes the free read token (lock held), reads as its holder without the
 * lock (lead_read), then gives the token back to the next waiter. */
static void read_as_owner_locked(hcs_gcs_bridge *b, hcsi_gcs_call *own, uint64_t deadline)
{
    b->rd_owner = 1;
    hcsi_mutex_unlock(&b->lock);
    lead_read(b, own, deadline);
    hcsi_mutex_lock(&b->lock);
    b->rd_owner = 0;
    promote_locked(b);
}

/* Waits for a registered sync call; the call leaves the table either way.
 * While no one else reads, the waiter reads the stream itself. */
static hcs_result call_wait(hcs_gcs_bridge *b, hcsi_gcs_call *c, int64_t timeout_ms,
                            const char *what, char **resp, size_t *resp_len)
{
    hcs_result hr = HCS_S_OK;
    uint64_t deadline;
    int timed_out = 0;
    char name[40];
    *resp = NULL;
    if (timeout_ms == HCS_TIMEOUT_DEFAULT)
        timeout_ms = b->rpc_timeout_ms;
    deadline = hcsi_deadline_ms(timeout_ms);
    hcsi_mutex_lock(&b->lock);
    b->sync_waiters++;
    while (!c->done) {
        if (!b->rd_owner && !b->dead) {
            read_as_owner_locked(b, c, deadline);
        } else {
            c->fnext = b->followers;
            b->followers = c;
            if (timeout_ms < 0)
                hcsi_cond_wait(&c->cond, &b->lock);
            else
                hcsi_cond_wait_until(&c->cond, &b->lock, deadline);
            follower_remove(b, c);
        }
        if (!c->done && timeout_ms >= 0 && hcsi_now_ns() >= deadline) {
            /* The connection survives: a late answer to this id is
             * recognised (id < issued) and dropped. */
            hcsi_gcs_table_remove(b, c);
            c->done = 1;
            timed_out = 1;
        }
    }
    if (--b->sync_waiters == 0)
        b->quiet_until = hcsi_now_ns() + HCSI_GCS_QUIET_NS;
    promote_locked(b);
    /* names are formatted only for errors (snprintf is not free) */
    if (!what && (timed_out || HCS_FAILED(c->hr)))
        what = hcsi_gcs_type_name(HCS_GCS_MSG_REQUEST | c->rpc, name, sizeof name);
    if (timed_out)
        hr = hcsi_err(HCS_ERR_OPERATION_TIMEOUT,
                      "%s (id %llu): no response from the guest within %lld ms",
                      what, (unsigned long long)c->id, (long long)timeout_ms);
    else if (c->hr == HCS_ERR_CONNECTION_CLOSED)
        hr = hcsi_err(HCS_ERR_CONNECTION_CLOSED, "%s (id %llu): GCS bridge closed: %s",
                      what, (unsigned long long)c->id,
                      b->dead_msg ? b->dead_msg : "unknown reason");
    else if (HCS_FAILED(c->hr))
        hr = hcsi_err(c->hr, "%s (id %llu): %s", what, (unsigned long long)c->id,
                      hcs_strerror(c->hr));
    hcsi_mutex_unlock(&b->lock);
    if (HCS_FAILED(hr)) {
        free(c->body);
        c->body = NULL;
        return hr;
    }
    *resp = c->body;
    if (resp_len)
        *resp_len = c->body_len;
    c->body = NULL;
    return HCS_S_OK;
}

int hcsi_gcs_wait_flag_locked(hcs_gcs_bridge *b, const int *flag, uint64_t deadline)
{
    int timed_out = 0;
    b->sync_waiters++;
    while (!*flag && !b->dead) {
        if (!b->rd_owner && !b->dead) {
            /* Nobody reads: this waiter does (no hand-off to the
             * background reader, which stays off while callers wait). */
            read_as_owner_locked(b, NULL, deadline);
        } else if (deadline == UINT64_MAX) {
            /* Woken by an exit delivered, the token freed, or death. */
            hcsi_cond_wait(&b->flag_cv, &b->lock);
        } else {
            hcsi_cond_wait_until(&b->flag_cv, &b->lock, deadline);
        }
        if (!*flag && !b->dead && deadline != UINT64_MAX && hcsi_now_ns() >= deadline) {
            timed_out = 1;
            break;
        }
    }
    if (--b->sync_waiters == 0)
        b->quiet_until = hcsi_now_ns() + HCSI_GCS_QUIET_NS;
    promote_locked(b);
    return timed_out ? 0 : 1;
}

hcs_result hcsi_gcs_call_sync(hcs_gcs_bridge *b, uint32_t rpc, hcsi_buf *frame,
                              int64_t timeout_ms, const char *what, char **resp,
                              size_t *resp_len)
{
    hcsi_gcs_call c;
    hcs_result hr;
    memset(&c, 0, sizeof c);
    *resp = NULL;
    hcsi_cond_init(&c.cond);
    hr = hcsi_gcs_send_call(b, rpc, frame, &c);
    if (HCS_SUCCEEDED(hr))
        hr = call_wait(b, &c, timeout_ms, what, resp, resp_len);
    hcsi_cond_destroy(&c.cond);
    return hr;
}

/* ---- asynchronous RPCs (public) ---- */

struct hcs_gcs_call {
    hcs_gcs_bridge *b; /* holds a reference */
    hcsi_gcs_call c;
};

/* Frames a caller's request body for rpc, which must be a procedure code
 * (not a message type); fn names the public call in messages. frame is
 * freed on failure. */
static hcs_result raw_request(const char *fn, uint32_t rpc, const char *body, size_t len,
                              hcsi_buf *frame)
{
    hcs_result hr;
    hcsi_buf_init(frame, 0);
    if (rpc & HCS_GCS_MSG_TYPE_MASK)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "%s: 0x%08lx is a message type, not a procedure code", fn,
                        (unsigned long)rpc);
    hr = hcsi_buf_reserve(frame, HCS_GCS_HEADER_SIZE + len);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_gcs_frame_begin(frame);
    if (HCS_SUCCEEDED(hr) && len)
        hr = hcsi_buf_append(frame, body, len);
    if (HCS_FAILED(hr))
        hcsi_buf_free(frame);
    return hr;
}

hcs_result hcs_gcs_rpc_begin(hcs_gcs_bridge *b, uint32_t rpc, const char *body, size_t len,
                             hcs_gcs_call **out)
{
    hcs_gcs_call *call;
    hcsi_buf frame;
    hcs_result hr;
    if (!b || !out || (!body && len))
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_gcs_rpc_begin: NULL argument");
    *out = NULL;
    hr = raw_request("hcs_gcs_rpc_begin", rpc, body, len, &frame);
    if (HCS_FAILED(hr))
        return hr;
    call = (hcs_gcs_call *)hcsi_calloc(1, sizeof *call);
    if (!call) {
        hcsi_buf_free(&frame);
        return hcsi_err_oom();
    }
    hcsi_cond_init(&call->c.cond);
    hcsi_gcs_bridge_ref(b);
    call->b = b;
    hr = hcsi_gcs_send_call(b, rpc, &frame, &call->c);
    hcsi_buf_free(&frame);
    if (HCS_FAILED(hr)) {
        hcs_error *e = hcs_error_take();
        hcsi_cond_destroy(&call->c.cond);
        hcsi_gcs_bridge_unref(b);
        free(call);
        hr = hcsi_err_restore(e, hr);
        return hr;
    }
    *out = call;
    return HCS_S_OK;
}

hcs_result hcs_gcs_rpc_end(hcs_gcs_call *call, int64_t timeout_ms, char **response,
                           size_t *response_len)
{
    hcs_result hr;
    char *dummy = NULL;
    if (!call)
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_gcs_rpc_end: NULL call");
    hr = call_wait(call->b, &call->c, timeout_ms, NULL, response ? response : &dummy,
                   response_len);
    free(dummy);
    hcsi_cond_destroy(&call->c.cond);
    {
        hcs_error *e = HCS_FAILED(hr) ? hcs_error_take() : NULL;
        hcsi_gcs_bridge_unref(call->b);
        free(call);
        hr = hcsi_err_restore(e, hr);
    }
    return hr;
}

/* ================= receiving ================= */

static void deliver_wait(hcs_gcs_bridge *b, hcsi_gcs_call *c, const char *body,
                         size_t len)
{
    hcs_gcs_wait_for_process_response w;
    hcs_result hr;
    char *msg = NULL;
    uint32_t code = 0;
    hr = hcs_gcs_decode_wait_for_process_response(body, len, &w);
    if (HCS_FAILED(hr)) {
        const hcs_error *e = hcs_error_last();
        msg = hcsi_strdup(e ? e->message : "WaitForProcess response did not decode");
    } else if (w.base.result != 0 && w.base.result != HCS_GCS_HR_NOT_FOUND) {
        hr = hcsi_gcs_guest_error("WaitForProcess", &w.base);
        msg = hcsi_strdup(hcs_error_last()->message);
    } else {
        /* 0x80070490: the process is already gone; hcsshim treats that as
         * an exit with the reported code. */
        hr = HCS_S_OK;
        code = w.exit_code;
    }
    hcs_gcs_wait_for_process_response_clear(&w);
    hcsi_mutex_lock(&b->lock);
    if (c->owner)
        hcsi_gcs_process_deliver(c->owner, hr, code, msg);
    hcsi_mutex_unlock(&b->lock);
    free(msg);
    free(c);
}

/* Completes the call a response answers (or drops/refuses it). Returns
 * 1 when the reader should stop: the bridge is dead or `own` is done. */
static int on_response(hcs_gcs_bridge *b, const hcsi_gcs_frame *f, hcsi_gcs_call *own)
{
    hcsi_gcs_call *c;
    char name[40];
    int stop;
    /* Copied before locking so that taking the call and completing it is
     * one critical section (a timing-out waiter never sees a half-done
     * call). */
    char *copy = hcsi_strndup(f->body, f->body_len);
    hcsi_mutex_lock(&b->lock);
    b->stats.frames_received++;
    if (b->dead) {
        hcsi_mutex_unlock(&b->lock);
        free(copy);
        return 1;
    }
    c = table_take(b, f->id);
    if (!c) {
        int late = f->id < b->issued;
        if (late)
            b->stats.late_responses++;
        stop = own && own->done;
        hcsi_mutex_unlock(&b->lock);
        free(copy);
        if (late) {
            hcsi_gcs_log(b, HCS_GCS_LOG_WARNING,
                         "dropping %s for id %llu: its call already ended "
                         "(timed out or abandoned)",
                         hcsi_gcs_type_name(f->type, name, sizeof name),
                         (unsigned long long)f->id);
            return stop;
        }
        hcsi_gcs_bridge_kill(b,
                             "protocol error: %s at byte offset %llu answers id "
                             "%llu, which was never sent",
                             hcsi_gcs_type_name(f->type, name, sizeof name),
                             (unsigned long long)f->offset, (unsigned long long)f->id);
        return 1;
    }
    if (c->async) {
        hcsi_mutex_unlock(&b->lock);
        free(copy);
        deliver_wait(b, c, f->body, f->body_len);
        hcsi_mutex_lock(&b->lock);
        stop = b->dead || (own && own->done);
        hcsi_mutex_unlock(&b->lock);
        return stop;
    }
    c->done = 1;
    if (copy) {
        c->body = copy;
        c->body_len = f->body_len;
    } else {
        c->hr = HCS_ERR_OUTOFMEMORY;
    }
    hcsi_cond_signal(&c->cond);
    stop = own && own->done;
    hcsi_mutex_unlock(&b->lock);
    return stop;
}

hcsi_gcs_container *hcsi_gcs_find_container(hcs_gcs_bridge *b, const char *id)
{
    hcsi_gcs_container *c;
    for (c = b->containers; c; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

static void on_notification(hcs_gcs_bridge *b, const hcsi_gcs_frame *f)
{
    hcs_gcs_notification n;
    hcsi_gcs_container *c;
    hcs_result hr;
    char name[40];
    if (f->type != HCS_GCS_NOTIFY_CONTAINER) {
        hcsi_mutex_lock(&b->lock);
        b->stats.frames_received++;
        b->stats.unknown_notifications++;
        hcsi_mutex_unlock(&b->lock);
        hcsi_gcs_log(b, HCS_GCS_LOG_WARNING, "ignoring %s at byte offset %llu",
                     hcsi_gcs_type_name(f->type, name, sizeof name),
                     (unsigned long long)f->offset);
        return;
    }
    hr = hcs_gcs_decode_notification(f->body, f->body_len, &n);
    if (HCS_FAILED(hr)) {
        const hcs_error *e = hcs_error_last();
        hcsi_mutex_lock(&b->lock);
        b->stats.frames_received++;
        b->stats.malformed_notifications++;
        hcsi_mutex_unlock(&b->lock);
        hcsi_gcs_log(b, HCS_GCS_LOG_WARNING,
                     "ignoring malformed notification at byte offset %llu: %s",
                     (unsigned long long)f->offset, e ? e->message : "");
        return;
    }
    hcsi_mutex_lock(&b->lock);
    b->stats.frames_received++;
    c = hcsi_gcs_find_container(b, n.container_id);
    if (c && !c->exited) {
        c->exited = 1;
        hcsi_cond_broadcast(&b->flag_cv);
        c->note = n; /* moved */
        memset(&n, 0, sizeof n);
        hcsi_cond_broadcast(&c->cond);
        hcsi_mutex_unlock(&b->lock);
        return;
    }
    if (c)
        b->stats.duplicate_notifications++;
    else
        b->stats.unknown_notifications++;
    hcsi_mutex_unlock(&b->lock);
    /* hcsshim kills the bridge here; tolerating is safer. */
    hcsi_gcs_log(b, HCS_GCS_LOG_WARNING,
                 "ignoring %s notification (%s) for container \"%s\"",
                 c ? "duplicate" : "unknown-container", n.type, n.container_id);
    hcs_gcs_notification_clear(&n);
}

/* Reads one frame and dispatches it (token held, lock not held).
 * 1: dispatched, go on; 2: dispatched and `own` is answered; 0: the token
 * holder's read deadline passed; -1: the bridge is down (EOF, error,
 * protocol error). */
static int read_one(hcs_gcs_bridge *b, hcsi_gcs_call *own)
{
    hcsi_gcs_frame f;
    char name[40];
    int dead;
    hcs_result hr = hcsi_gcs_reader_next(&b->reader, &f);
    if (hr == HCS_ERR_OPERATION_TIMEOUT) {
        hcs_error_clear();
        return 0; /* buffered bytes stay for the next reader */
    }
    if (hr == HCSI_GCS_EOF) {
        hcsi_gcs_bridge_kill(b, "the guest closed the connection (EOF)");
        return -1;
    }
    if (HCS_FAILED(hr)) {
        const hcs_error *e = hcs_error_last();
        hcsi_gcs_bridge_kill(b, "%s%s", hr == HCS_ERR_PROTOCOL_ERROR ? "protocol error: " : "",
                             e ? e->message : hcs_strerror(hr));
        return -1;
    }
    switch (f.type & HCS_GCS_MSG_TYPE_MASK) {
    case HCS_GCS_MSG_RESPONSE:
        if (on_response(b, &f, own)) {
            hcsi_mutex_lock(&b->lock);
            dead = b->dead;
            hcsi_mutex_unlock(&b->lock);
            return dead ? -1 : 2;
        }
        return 1;
    case HCS_GCS_MSG_NOTIFY:
        on_notification(b, &f);
        break;
    default:
        hcsi_gcs_bridge_kill(b,
                             "protocol error: unexpected %s (id %llu) from the "
                             "guest at byte offset %llu",
                             hcsi_gcs_type_name(f.type, name, sizeof name),
                             (unsigned long long)f.id, (unsigned long long)f.offset);
        return -1;
    }
    hcsi_mutex_lock(&b->lock);
    dead = b->dead;
    hcsi_mutex_unlock(&b->lock);
    return dead ? -1 : 1;
}

/* The reader's read function: honours the token holder's deadline, so a
 * guest that stalls mid-frame cannot hold a caller past its timeout. */
static hcs_result bridge_read_fn(void *ctx, void *buf, size_t n, size_t *got)
{
    hcs_gcs_bridge *b = (hcs_gcs_bridge *)ctx;
    hcsi_gcs_stream *s = b->stream;
    if (b->rd_deadline != UINT64_MAX) {
        uint64_t now = hcsi_now_ns();
        int64_t ms = now >= b->rd_deadline
                         ? 0
                         : (int64_t)((b->rd_deadline - now + 999999u) / 1000000u);
        hcs_result hr = s->ops->wait_readable(s, ms);
        if (hr == HCS_ERR_CONNECTION_TIMEOUT)
            return hcsi_err(HCS_ERR_OPERATION_TIMEOUT, "read deadline passed");
        if (HCS_FAILED(hr))
            return hr;
    }
    return s->ops->read(s, buf, n, got);
}

/* The background reader: reads when no caller waits (notifications,
 * WaitForProcess answers, EOF while idle). It stays off for a moment after
 * callers finish, so back-to-back calls never hand the token over. */
static void bg_main(void *arg)
{
    hcs_gcs_bridge *b = (hcs_gcs_bridge *)arg;
    hcsi_mutex_lock(&b->lock);
    while (!b->dead) {
        uint64_t now = hcsi_now_ns();
        hcs_result hr;
        if (b->rd_owner || b->sync_waiters > 0 || now < b->quiet_until) {
            promote_locked(b); /* safety net: a waiter must be reading */
            hcsi_cond_wait_until(&b->bg_cv, &b->lock, now + HCSI_GCS_BG_TICK_NS);
            continue;
        }
        hcsi_mutex_unlock(&b->lock);
        /* Wait for data without the token: callers may take it meanwhile. */
        hr = b->stream->ops->wait_readable(b->stream, HCS_TIMEOUT_INFINITE);
        hcsi_mutex_lock(&b->lock);
        if (HCS_FAILED(hr)) {
            const hcs_error *e = hcs_error_last();
            char *msg = hcsi_strdup(e ? e->message : "wait failed");
            hcsi_mutex_unlock(&b->lock);
            hcsi_gcs_bridge_kill(b, "reading from the guest failed: %s", msg ? msg : "");
            free(msg);
            hcsi_mutex_lock(&b->lock);
            continue;
        }
        if (b->dead || b->rd_owner || b->sync_waiters > 0)
            continue;
        read_as_owner_locked(b, NULL, UINT64_MAX);
    }
    hcsi_mutex_unlock(&b->lock);
}

hcs_result hcsi_gcs_bridge_start_io(hcs_gcs_bridge *b, uint32_t max_message_size)
{
    hcs_result hr = hcsi_gcs_reader_init(&b->reader, bridge_read_fn, b, max_message_size);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcsi_thread_start(&b->reader_thread, bg_main, b);
    if (HCS_FAILED(hr))
        return hr;
    b->reader_started = 1;
    return HCS_S_OK;
}

/* ================= typed RPCs ================= */

hcs_result hcsi_gcs_rpc_typed(hcs_gcs_bridge *b, uint32_t rpc, const char *what,
                              hcsi_gcs_enc_fn enc, const void *req,
                              int64_t timeout_ms, char **resp, size_t *resp_len)
{
    hcsi_buf frame;
    char *body = NULL;
    size_t len = 0;
    hcs_gcs_response_base base;
    hcs_result hr;
    if (resp)
        *resp = NULL;
    hcsi_buf_init(&frame, 0);
    hr = hcsi_gcs_frame_begin(&frame);
    if (HCS_SUCCEEDED(hr))
        hr = enc(&frame, req);
    if (HCS_FAILED(hr)) {
        hcsi_buf_free(&frame);
        return hcsi_err_wrap(hr, "%s", what);
    }
    hr = hcsi_gcs_call_sync(b, rpc, &frame, timeout_ms, what, &body, &len);
    hcsi_buf_free(&frame);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcs_gcs_decode_response_base(body, len, &base);
    if (HCS_FAILED(hr)) {
        free(body);
        return hcsi_err_wrap(hr, "%s", what);
    }
    if (base.result != 0) {
        hr = hcsi_gcs_guest_error(what, &base);
        hcs_gcs_response_base_clear(&base);
        free(body);
        return hr;
    }
    hcs_gcs_response_base_clear(&base);
    if (resp) {
        *resp = body;
        if (resp_len)
            *resp_len = len;
    } else {
        free(body);
    }
    return HCS_S_OK;
}

hcs_result hcsi_gcs_rpc_call(hcs_gcs_bridge *b, uint32_t rpc, const char *what,
                             hcsi_gcs_enc_fn enc, const void *req)
{
    return hcsi_gcs_rpc_typed(b, rpc, what, enc, req, HCS_TIMEOUT_DEFAULT, NULL, NULL);
}

hcs_result hcsi_gcs_rpc_decode(hcs_gcs_bridge *b, uint32_t rpc, const char *what,
                               hcsi_gcs_enc_fn enc, const void *req, hcsi_gcs_dec_fn dec,
                               void *resp)
{
    char *body = NULL;
    size_t len = 0;
    hcs_result hr = hcsi_gcs_rpc_typed(b, rpc, what, enc, req, HCS_TIMEOUT_DEFAULT, &body,
                                       &len);
    if (HCS_FAILED(hr))
        return hr;
    hr = dec(body, len, resp);
    free(body);
    return HCS_FAILED(hr) ? hcsi_err_wrap(hr, "%s", what) : HCS_S_OK;
}

hcs_result hcs_gcs_rpc(hcs_gcs_bridge *b, uint32_t rpc, const char *body, size_t len,
                       int64_t timeout_ms, char **response, size_t *response_len)
{
    hcsi_buf frame;
    hcs_result hr;
    if (!b || !response || (!body && len))
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_gcs_rpc: NULL argument");
    *response = NULL;
    hr = raw_request("hcs_gcs_rpc", rpc, body, len, &frame);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcsi_gcs_call_sync(b, rpc, &frame, timeout_ms, NULL, response, response_len);
    hcsi_buf_free(&frame);
    return hr;
}
