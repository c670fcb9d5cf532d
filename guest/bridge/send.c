/* hcs-gcs bridge: writing frames, responses and error responses. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bridge/agent_internal.h"
#include <poll.h>
#include <sys/socket.h>

#include "gcs/frame.h"

/* ---- sending ---- */

/* Writes a whole frame; a stop request interrupts it (a host that stopped
 * reading must not keep the agent from cleaning up). 0 or -1. */
void hcsg_send_grace_start(hcsg_agent *a)
{
    uint64_t none = 0;
    (void)__atomic_compare_exchange_n(&a->send_deadline_ns, &none,
                                      hcsi_now_ns() + HCSG_SEND_AFTER_EOF_MS * 1000000ull, 0,
                                      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static ssize_t bridge_put(void *ctx, const void *p, size_t n)
{
    hcsg_agent *a = (hcsg_agent *)ctx;
    ssize_t w = send(a->wfd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w < 0 && errno == ENOTSOCK)
        w = write(a->wfd, p, n); /* --stdio on pipes (made non-blocking) */
    return w;
}

/* The bridge is full: waits for room (0), or gives up (-1). */
static int bridge_blocked(void *ctx)
{
    hcsg_agent *a = (hcsg_agent *)ctx;
    struct pollfd f[3];
    uint64_t dl;
    hcsg_pollfd(&f[0], a->wfd, POLLOUT);
    hcsg_pollfd(&f[1], a->wake_efd, POLLIN);
    /* The host closing its side is seen here too: the blocked sender may
     * be the reader itself. */
    hcsg_pollfd(&f[2], a->rfd, POLLRDHUP);
    /* In slices: a host that closed its side and stopped reading is given
     * up at send_deadline_ns. */
    if (poll(f, a->rfd >= 0 ? 3 : 2, 100) < 0 && errno != EINTR)
        return -1;
    if (f[1].revents)
        return -1; /* stopping */
    if (f[2].revents & (POLLRDHUP | POLLHUP))
        hcsg_send_grace_start(a);
    dl = __atomic_load_n(&a->send_deadline_ns, __ATOMIC_SEQ_CST);
    if (dl && hcsi_now_ns() >= dl)
        return -1;
    return 0;
}

static int write_frame(hcsg_agent *a, const unsigned char *p, size_t n)
{
    return hcsg_write_loop(p, n, bridge_put, bridge_blocked, a);
}

int hcsg_bridge_send(void *ctx, uint32_t type, uint64_t id, const char *body,
                       size_t len)
{
    hcsg_agent *a = (hcsg_agent *)ctx;
    hcsi_buf f;
    int rc = -1;
    hcsi_buf_init(&f, 0);
    if (HCS_FAILED(hcsi_gcs_frame_build(&f, type, id, body, len))) {
        HCSG_ERROR("out of memory framing the response to id %llu", (unsigned long long)id);
        hcsi_buf_free(&f);
        return -1;
    }
    pthread_mutex_lock(&a->wlock);
    if (a->wfd >= 0)
        rc = write_frame(a, (const unsigned char *)f.data, f.len);
    pthread_mutex_unlock(&a->wlock);
    hcsi_buf_free(&f);
    if (rc != 0)
        HCSG_DEBUG("cannot send response id %llu: bridge closed or agent stopping",
                   (unsigned long long)id);
    return rc;
}

void hcsg_send_obj(hcsg_agent *a, uint32_t type, uint64_t id, hcsi_json *o)
{
    char *text;
    size_t len = 0;
    char tn[40];
    if (!o) {
        HCSG_ERROR("out of memory building the response to id %llu",
                   (unsigned long long)id);
        return;
    }
    text = hcsg_resp_text(o, &len);
    hcsi_json_put(o);
    if (!text) {
        HCSG_ERROR("cannot serialise the response to id %llu", (unsigned long long)id);
        return;
    }
    if (hcsg_log_enabled(HCSG_LOG_TRACE))
        HCSG_TRACE("send %s id %llu size %zu: %.*s",
                   hcsi_gcs_type_name(type, tn, sizeof tn), (unsigned long long)id,
                   len + HCS_GCS_HEADER_SIZE, (int)(len > 1024 ? 1024 : len), text);
    a->sink(a->sink_ctx, type, id, text, len);
    free(text);
}

void hcsg_send_error(hcsg_agent *a, uint32_t req_type, uint64_t id,
                       const char *aid, const hcsg_err *e)
{
    char tn[40];
    HCSG_DEBUG("%s id %llu failed: 0x%08x %s",
               hcsi_gcs_type_name(req_type, tn, sizeof tn), (unsigned long long)id,
               (unsigned)e->hr, e->msg);
    hcsg_send_obj(a, HCS_GCS_RESPONSE_FOR(req_type), id, hcsg_resp_error(e, aid));
}

/* WaitForProcess answers from the process manager. */
void hcsg_wait_done(void *ctx, uint64_t id, const char *aid, int32_t hr,
                      uint32_t code, pid_t pid)
{
    hcsg_agent *a = (hcsg_agent *)ctx;
    uint32_t t = HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_WAIT_FOR_PROCESS);
    if (hr != 0) {
        hcsg_err e;
        hcsg_err_bare(&e, hr);
        hcsg_send_error(a, t, id, aid, &e);
        return;
    }
    hcsg_wait_answer(a, id, aid, code);
    /* After the answer: a container's exit notification may follow it. */
    if (a->ctrs)
        hcsg_ctr_wait_answered(a->ctrs, pid);
}

void hcsg_send_notification(void *ctx, const char *id, const char *aid, const char *type)
{
    hcsg_agent *a = (hcsg_agent *)ctx;
    hcsi_json *o = hcsi_json_object();
    char *text;
    size_t len = 0;
    /* ContainerNotification, Go field order (golden live-container 14). */
    if (!o || HCS_FAILED(hcsi_json_set_str(o, "ContainerId", id)) ||
        HCS_FAILED(hcsi_json_set_str(o, "ActivityId", aid)) ||
        HCS_FAILED(hcsi_json_set_str(o, "Type", type)) ||
        HCS_FAILED(hcsi_json_set_str(o, "Operation", "None")) ||
        HCS_FAILED(hcsi_json_set_int(o, "Result", 0))) {
        hcsi_json_put(o);
        HCSG_ERROR("out of memory: the exit notification of %s is lost", id);
        return;
    }
    text = hcsg_resp_text(o, &len);
    hcsi_json_put(o);
    if (!text) {
        HCSG_ERROR("out of memory: the exit notification of %s is lost", id);
        return;
    }
    a->sink(a->sink_ctx, HCS_GCS_NOTIFY_CONTAINER, 0, text, len);
    free(text);
}

void hcsg_wait_answer(hcsg_agent *a, uint64_t id, const char *aid, uint32_t code)
{
    uint32_t t = HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_WAIT_FOR_PROCESS);
    {
        hcsi_json *o = hcsg_resp_new(0, aid);
        if (o && HCS_FAILED(hcsi_json_set_uint(o, "ExitCode", code))) {
            hcsi_json_put(o);
            o = NULL;
        }
        hcsg_send_obj(a, HCS_GCS_RESPONSE_FOR(t), id, o);
    }
}

