/* hcs-gcs bridge: the dispatch table, agent state. */
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
#include <sys/eventfd.h>

void hcsg_options_init(hcsg_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_frame = HCSG_DEFAULT_MAX_FRAME;
    o->dial_timeout_ms = 120000;
    o->stdio_timeout_ms = HCSG_DIAL_TIMEOUT_MS;
    o->kill_grace_ms = 500;
    o->max_processes = HCSG_MAX_PROCESSES;
}


/* ---- dispatch ---- */

/* The dispatch table: one handler per request type (HCSG_HANDLERS). */
#define TABLE_ENTRY(rpc, fn) {rpc, fn},
static const struct {
    uint32_t rpc;
    hcsg_handler_fn fn;
} g_table[] = {HCSG_HANDLERS(TABLE_ENTRY)};
#undef TABLE_ENTRY

static void not_impl(hcsg_err *e, uint32_t type)
{
    char ts[48];
    hcsg_type_string(type, ts, sizeof ts);
    hcsg_err_wrap(e, HCSG_HR_NOT_IMPL, "bridge: function not supported, header type: %s", ts);
}

int hcsg_agent_handle(hcsg_agent *a, uint32_t type, uint64_t id, const char *body,
                      size_t len)
{
    req r;
    hcsg_err e;
    hcsi_json *resp = NULL;
    uint32_t ver = a->protver; /* stamped at read time, as the Go GCS */
    int rc;
    memset(&r, 0, sizeof r);
    hcsg_err_clear(&e);
    r.type = type;
    r.id = id;
    r.body = body;
    r.len = len;
    a->frames++;
    if (len == 0) {
        r.parse_failed = 1;
        snprintf(r.perr, sizeof r.perr, "unexpected end of JSON input");
    } else if (HCS_FAILED(hcsi_json_parse(body, len, "request", &r.doc))) {
        const hcs_error *le = hcs_error_last();
        r.parse_failed = 1;
        snprintf(r.perr, sizeof r.perr, "%s", le && le->message ? le->message : "invalid JSON");
        hcs_error_clear();
    } else if (hcsi_json_kind_of(r.doc) == HCSI_JSON_OBJECT) {
        hcsi_json *v = hcsg_member(r.doc, "ContainerId");
        if (v && hcsi_json_kind_of(v) == HCSI_JSON_STRING)
            snprintf(r.cid, sizeof r.cid, "%s", hcsi_json_str(v, NULL));
        v = hcsg_member(r.doc, "ActivityId");
        if (v && hcsi_json_kind_of(v) == HCSI_JSON_STRING)
            snprintf(r.aid, sizeof r.aid, "%s", hcsi_json_str(v, NULL));
    }
    {
        hcsg_handler_fn fn = NULL;
        size_t i;
        for (i = 0; i < HCSI_ARRAY_LEN(g_table); i++)
            if (HCS_GCS_REQUEST_TYPE(g_table[i].rpc) == type)
                fn = g_table[i].fn;
        /* Nothing but NegotiateProtocol before it; no second one after it. */
        if (ver == 0 && type != HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_NEGOTIATE_PROTOCOL))
            fn = NULL;
        if (ver != 0 && type == HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_NEGOTIATE_PROTOCOL))
            fn = NULL;
        if (fn) {
            rc = fn(a, &r, &resp, &e);
        } else {
            /* UpdateContainer, LifecycleNotification, ModifyServiceSettings,
             * anything unknown: no handler (E_NOTIMPL, as the Go GCS). */
            not_impl(&e, type);
            rc = -1;
        }
    }
    hcsi_json_put(r.doc);
    if (rc == 0)
        hcsg_send_obj(a, HCS_GCS_RESPONSE_FOR(type), id, resp ? resp : hcsg_resp_new(0, r.aid));
    else if (rc < 0)
        hcsg_send_error(a, type, id, r.aid, &e);
    return rc == 2 ? 1 : 0;
}

typedef struct deferred {
    hcsg_agent *a;
    hcsg_handler_fn fn;
    uint32_t type;
    uint64_t id;
    char *body;
    size_t len;
} deferred;

static void *defer_main(void *arg)
{
    deferred *d = (deferred *)arg;
    hcsg_agent *a = d->a;
    req r;
    hcsg_err e;
    hcsi_json *resp = NULL;
    int rc;
    pthread_setname_np(pthread_self(), "gcs-worker");
    memset(&r, 0, sizeof r);
    hcsg_err_clear(&e);
    r.type = d->type;
    r.id = d->id;
    r.body = d->body;
    r.len = d->len;
    r.deferred = 1;
    if (HCS_FAILED(hcsi_json_parse(d->body, d->len, "request", &r.doc))) {
        hcs_error_clear(); /* parsed once already: cannot happen */
        r.parse_failed = 1;
    }
    hcsg_sniff_base(d->body, d->len, r.cid, sizeof r.cid, r.aid, sizeof r.aid);
    rc = d->fn(a, &r, &resp, &e);
    hcsi_json_put(r.doc);
    if (rc == 0)
        hcsg_send_obj(a, HCS_GCS_RESPONSE_FOR(r.type), r.id, resp ? resp : hcsg_resp_new(0, r.aid));
    else if (rc < 0)
        hcsg_send_error(a, r.type, r.id, r.aid, &e);
    free(d->body);
    free(d);
    hcsg_worker_done(a);
    return NULL;
}

/* Whether the host closed the bridge (without reading from it: the reader
 * is the one waiting). */
static int peer_gone(hcsg_agent *a)
{
    struct pollfd f;
    if (a->rfd < 0)
        return 0;
    hcsg_pollfd(&f, a->rfd, POLLRDHUP);
    return poll(&f, 1, 0) > 0 && (f.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

int hcsg_worker_slot(hcsg_agent *a, hcsg_err *e)
{
    pthread_mutex_lock(&a->xm);
    while (a->exec_workers >= HCSG_MAX_EXEC_WORKERS &&
           !__atomic_load_n(&a->stop_reason, __ATOMIC_SEQ_CST)) {
        /* The reader waits here, so a host that hangs up must be noticed
         * here too: every workers may be stuck (dials bounded only by
         * --stdio-timeout). */
        struct timespec ts;
        uint64_t t = hcsi_now_ns() + 100000000u;
        ts.tv_sec = (time_t)(t / 1000000000u);
        ts.tv_nsec = (long)(t % 1000000000u);
        pthread_cond_timedwait(&a->xcv, &a->xm, &ts);
        if (a->exec_workers >= HCSG_MAX_EXEC_WORKERS && peer_gone(a)) {
            pthread_mutex_unlock(&a->xm);
            HCSG_INFO("the host closed the bridge while every worker was busy: stopping");
            hcsg_agent_stop(a, STOP_LOST);
            pthread_mutex_lock(&a->xm);
        }
    }
    if (__atomic_load_n(&a->stop_reason, __ATOMIC_SEQ_CST)) {
        pthread_mutex_unlock(&a->xm);
        hcsg_err_plain(e, "the agent is stopping");
        return -1;
    }
    a->exec_workers++;
    pthread_mutex_unlock(&a->xm);
    return 0;
}

void hcsg_worker_done(hcsg_agent *a)
{
    pthread_mutex_lock(&a->xm);
    a->exec_workers--;
    pthread_cond_broadcast(&a->xcv);
    pthread_mutex_unlock(&a->xm);
}

int hcsg_worker_start(hcsg_agent *a, void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    pthread_t t;
    int rc;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256u * 1024u);
    rc = pthread_create(&t, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        hcsg_worker_done(a);
        return -1;
    }
    return 0;
}

int hcsg_need_container(hcsg_agent *a, const char *cid, hcsg_err *e)
{
    if (a->dry_run) {
        hcsg_err_no_container(e, cid);
        return -1;
    }
    return hcsg_ctr_lookup(a->ctrs, cid, e) != 0 ? -1 : 0;
}

int hcsg_defer_for(hcsg_agent *a, req *r, const char *cid, hcsg_handler_fn fn, hcsg_err *e)
{
    if (r->deferred)
        return 0;
    if (hcsg_need_container(a, cid, e) != 0)
        return -1;
    return hcsg_defer(a, r, fn, e);
}

int hcsg_defer(hcsg_agent *a, req *r, hcsg_handler_fn fn, hcsg_err *e)
{
    deferred *d = (deferred *)calloc(1, sizeof *d);
    if (!d || !(d->body = (char *)malloc(r->len + 1))) {
        free(d);
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    memcpy(d->body, r->body, r->len);
    d->body[r->len] = '\0';
    d->len = r->len;
    d->a = a;
    d->fn = fn;
    d->type = r->type;
    d->id = r->id;
    if (hcsg_worker_slot(a, e) != 0) {
        free(d->body);
        free(d);
        return -1;
    }
    if (hcsg_worker_start(a, defer_main, d) != 0) {
        free(d->body);
        free(d);
        hcsg_err_plain(e, "cannot start a worker thread: out of resources");
        return -1;
    }
    return 1;
}

void hcsg_agent_quiesce(hcsg_agent *a)
{
    pthread_mutex_lock(&a->xm);
    while (a->exec_workers > 0)
        pthread_cond_wait(&a->xcv, &a->xm);
    pthread_mutex_unlock(&a->xm);
}

/* ---- lifecycle ---- */

hcsg_agent *hcsg_agent_new(const hcsg_options *o)
{
    hcsg_agent *a = (hcsg_agent *)calloc(1, sizeof *a);
    pthread_condattr_t ca;
    if (!a)
        return NULL;
    a->o = *o;
    a->rfd = a->wfd = -1;
    a->wake_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    a->dial_abort_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    a->procs = hcsg_procs_new(hcsg_wait_done, a);
    if (a->procs && o->max_processes)
        hcsg_procs_set_max(a->procs, o->max_processes);
    if (a->procs) {
        hcsg_rt_config rc;
        hcsg_err e;
        hcsg_err_clear(&e);
        rc.runtime = o->runtime[0] ? o->runtime : NULL;
        rc.runtime_root = o->runtime_root[0] ? o->runtime_root : NULL;
        rc.state_root = o->state_root[0] ? o->state_root : NULL;
        rc.no_shortcuts = o->no_runtime_shortcuts;
        a->ctrs = hcsg_containers_new(&rc, a->procs, hcsg_send_notification, a, &e);
        if (a->ctrs)
            hcsg_procs_set_exit_fn(a->procs, hcsg_ctr_process_exited, a->ctrs);
    }
    if (a->procs) {
        hcsg_storage_config sc;
        memset(&sc, 0, sizeof sc);
        sc.sysfs_root = o->sysfs_root;
        sc.dev_root = o->dev_root;
        sc.proc_root = o->proc_root;
        sc.device_timeout_ms = o->device_timeout_ms;
        sc.procs = a->procs;
        sc.ports = &a->o.stdio;
        sc.dial_timeout_ms = o->stdio_timeout_ms;
        sc.abort_fd = a->dial_abort_efd;
        sc.strict = o->strict;
        a->storage = hcsg_storage_new(&sc);
    }
    a->net = hcsg_net_new(o->netns_dir, o->netns_etc_dir);
    if (a->ctrs)
        hcsg_containers_set_net(a->ctrs, a->net);
    if (a->wake_efd < 0 || a->dial_abort_efd < 0 || !a->procs || !a->ctrs || !a->storage ||
        !a->net) {
        if (a->wake_efd >= 0)
            close(a->wake_efd);
        if (a->dial_abort_efd >= 0)
            close(a->dial_abort_efd);
        hcsg_storage_free(a->storage);
        hcsg_containers_free(a->ctrs);
        hcsg_net_free(a->net);
        hcsg_procs_free(a->procs);
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->wlock, NULL);
    pthread_mutex_init(&a->xm, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&a->xcv, &ca);
    pthread_condattr_destroy(&ca);
    a->sink = hcsg_bridge_send;
    a->sink_ctx = a;
    a->start_ns = hcsi_now_ns();
    return a;
}

void hcsg_agent_free(hcsg_agent *a)
{
    if (!a)
        return;
    hcsg_agent_quiesce(a);
    if (!hcsg_procs_free(a->procs))
        return; /* a relay may still answer through a: the agent is exiting */
    hcsg_containers_free(a->ctrs);
    hcsg_storage_free(a->storage); /* unmounts what is left */
    hcsg_net_free(a->net); /* after the containers: they leave its namespaces */
    close(a->wake_efd);
    close(a->dial_abort_efd);
    pthread_mutex_destroy(&a->wlock);
    pthread_mutex_destroy(&a->xm);
    pthread_cond_destroy(&a->xcv);
    free(a);
}

void hcsg_agent_set_sink(hcsg_agent *a, hcsg_send_fn fn, void *ctx)
{
    a->sink = fn ? fn : hcsg_bridge_send;
    a->sink_ctx = fn ? ctx : a;
}

void hcsg_agent_set_dry_run(hcsg_agent *a, int dry) { a->dry_run = dry; }

void hcsg_agent_stop(hcsg_agent *a, int why)
{
    uint64_t one = 1;
    ssize_t w;
    __atomic_store_n(&a->stop_reason, why, __ATOMIC_SEQ_CST);
    w = write(a->wake_efd, &one, sizeof one);
    (void)w;
    /* Dials in flight give up; a reader waiting for a worker slot wakes. */
    w = write(a->dial_abort_efd, &one, sizeof one);
    (void)w;
    pthread_mutex_lock(&a->xm);
    pthread_cond_broadcast(&a->xcv);
    pthread_mutex_unlock(&a->xm);
}

/* The reader's read function: the bridge, or the stop event. */
