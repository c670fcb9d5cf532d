/*
 * A scripted GCS guest for tests: runs on its own thread over one end of a
 * socketpair, reads the host's frames and calls a handler for each one.
 * The host side connects with hcs_gcs_connect_fds on the other end.
 * POSIX only (the bridge's fd transport and unix:DIR stdio).
 */
#ifndef GCS_PEER_H
#define GCS_PEER_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcs/frame.h"
#include "gcs/pio.h"
#include "hcs.h"
#include "base/internal.h"
#include "base/json.h"
#include "base/platform.h"

#define PEER_LINUX_NEGOTIATE                                                              \
    "{\"Result\":0,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"Version\":4,"  \
    "\"Capabilities\":{\"SupportedSchemaVersions\":[{\"Major\":2,\"Minor\":1}],"           \
    "\"RuntimeOsType\":\"Linux\",\"GuestDefinedCapabilities\":{"                           \
    "\"NamespaceAddRequestSupported\":true,\"SignalProcessSupported\":true,"               \
    "\"DumpStacksSupported\":true,\"DeleteContainerStateSupported\":true}}}"

#define PEER_OK "{\"Result\":0,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\"}"

typedef struct peer peer;
/* Called on the peer thread for each host frame after the handshake
 * (return 0 to stop the peer: it then closes its end). body is
 * NUL-terminated. */
typedef int (*peer_fn)(peer *p, const hcsi_gcs_frame *f, const char *body);

#define PEER_MAX_LOG 64

struct peer {
    hcsi_sock host_end, sock;
    hcsi_thread thread;
    hcsi_mutex lock;
    peer_fn fn;
    void *ctx;
    const char *negotiate_response; /* NULL: PEER_LINUX_NEGOTIATE */
    int auto_negotiate;
    /* what the host sent */
    int frames;
    uint32_t types[PEER_MAX_LOG];
    uint64_t ids[PEER_MAX_LOG];
    char *bodies[PEER_MAX_LOG];
    int closed; /* the host closed its end */
    int stopped;
};

static inline void peer_send(peer *p, uint32_t type, uint64_t id, const char *body)
{
    hcsi_mutex_lock(&p->lock);
    if (HCS_FAILED(hcsi_gcs_frame_write_sock(p->sock, type, id, body, strlen(body)))) {
        /* the host may have gone: tests assert on the host side */
    }
    hcsi_mutex_unlock(&p->lock);
}

static inline void peer_send_raw(peer *p, const void *data, size_t n)
{
    hcsi_mutex_lock(&p->lock);
    if (HCS_FAILED(hcsi_sock_write_full(p->sock, data, n))) {
    }
    hcsi_mutex_unlock(&p->lock);
}

static inline void peer_reply(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    peer_send(p, HCS_GCS_RESPONSE_FOR(f->type), f->id, body);
}

static inline void peer_main(void *arg)
{
    peer *p = (peer *)arg;
    hcsi_gcs_reader r;
    if (HCS_FAILED(hcsi_gcs_reader_init_sock(&r, p->sock, 16u << 20)))
        return;
    for (;;) {
        hcsi_gcs_frame f;
        char *body;
        int keep = 1;
        hcs_result hr = hcsi_gcs_reader_next(&r, &f);
        if (hr != HCS_S_OK) {
            hcsi_mutex_lock(&p->lock);
            p->closed = 1;
            hcsi_mutex_unlock(&p->lock);
            break;
        }
        body = hcsi_strndup(f.body, f.body_len);
        hcsi_mutex_lock(&p->lock);
        if (p->frames < PEER_MAX_LOG) {
            p->types[p->frames] = f.type;
            p->ids[p->frames] = f.id;
            p->bodies[p->frames] = hcsi_strdup(body);
        }
        p->frames++;
        hcsi_mutex_unlock(&p->lock);
        if (p->auto_negotiate &&
            f.type == HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_NEGOTIATE_PROTOCOL))
            peer_reply(p, &f, p->negotiate_response ? p->negotiate_response
                                                    : PEER_LINUX_NEGOTIATE);
        else if (p->fn)
            keep = p->fn(p, &f, body);
        free(body);
        if (!keep)
            break;
    }
    hcsi_gcs_reader_free(&r);
    hcsi_mutex_lock(&p->lock);
    p->stopped = 1;
    hcsi_mutex_unlock(&p->lock);
    hcsi_sock_shutdown_both(p->sock);
}

/* Starts the peer; p->host_end is the host's fd. */
static inline int peer_start(peer *p, peer_fn fn, void *ctx)
{
    hcsi_sock sv[2];
    memset(p, 0, sizeof *p);
    if (HCS_FAILED(hcsi_net_init()) || HCS_FAILED(hcsi_sock_pair(sv)))
        return -1;
    p->host_end = sv[0];
    p->sock = sv[1];
    p->fn = fn;
    p->ctx = ctx;
    p->auto_negotiate = 1;
    hcsi_mutex_init(&p->lock);
    return HCS_FAILED(hcsi_thread_start(&p->thread, peer_main, p)) ? -1 : 0;
}

/* Joins the peer thread (after the host closed or the handler stopped)
 * and frees its log. */
static inline void peer_finish(peer *p)
{
    int i;
    hcsi_thread_join(&p->thread);
    hcsi_sock_close(p->sock);
    for (i = 0; i < p->frames && i < PEER_MAX_LOG; i++)
        free(p->bodies[i]);
    hcsi_mutex_destroy(&p->lock);
}

static inline int peer_frames(peer *p) { return hcsi_gcs_locked_int(&p->lock, &p->frames); }

/* Waits (bounded) until the peer has seen n frames. */
static inline int peer_wait_frames(peer *p, int n, int ms)
{
    uint64_t dl = hcsi_deadline_ms(ms);
    while (peer_frames(p) < n) {
        if (hcsi_now_ns() > dl)
            return 0;
        hcsi_sleep_ms(1);
    }
    return 1;
}

/* Connects a bridge to a started peer. */
static inline hcs_result peer_connect(peer *p, const hcs_gcs_bridge_options *cfg, hcs_gcs_bridge **b)
{
    return hcs_gcs_connect_fds((hcs_os_handle)p->host_end, (hcs_os_handle)p->host_end, 1, cfg, b);
}

/* A JSON member of a request body as a string/uint (tests only). */
static inline uint64_t peer_json_u64(const char *body, const char *key)
{
    hcsi_json *v = NULL;
    uint64_t out = 0;
    if (HCS_SUCCEEDED(hcsi_json_parse(body, strlen(body), "peer", &v)))
        hcsi_json_get_u64(v, "peer", key, &out);
    hcsi_json_put(v);
    return out;
}

/* Collects log lines (thread-safe) for assertions. */
typedef struct log_sink {
    hcsi_mutex lock;
    int count;
    char last[512];
    char all[8192];
} log_sink;

static inline void log_sink_fn(void *ctx, hcs_gcs_log_level level, const char *msg)
{
    log_sink *s = (log_sink *)ctx;
    size_t n;
    (void)level;
    hcsi_mutex_lock(&s->lock);
    s->count++;
    snprintf(s->last, sizeof s->last, "%s", msg);
    n = strlen(s->all);
    if (n + strlen(msg) + 2 < sizeof s->all) {
        strcat(s->all, msg);
        strcat(s->all, "\n");
    }
    hcsi_mutex_unlock(&s->lock);
}

#endif
