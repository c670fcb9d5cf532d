/* hcs-gcs bridge: serving a connection, signals, dialling, reconnects. */
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
#include <dirent.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "gcs/frame.h"

static hcs_result bridge_read(void *ctx, void *buf, size_t n, size_t *got)
{
    hcsg_agent *a = (hcsg_agent *)ctx;
    struct pollfd f[2];
    for (;;) {
        ssize_t r;
        hcsg_pollfd(&f[0], a->rfd, POLLIN);
        hcsg_pollfd(&f[1], a->wake_efd, POLLIN);
        if (poll(f, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return hcsi_err(HCS_ERR_FAIL, "poll: %s", strerror(errno));
        }
        if (f[1].revents)
            return hcsi_err(HCS_ERR_CONNECTION_CLOSED, "agent stopping");
        r = read(a->rfd, buf, n);
        if (r >= 0) {
            *got = (size_t)r;
            return HCS_S_OK;
        }
        if (errno == EINTR || errno == EAGAIN)
            continue;
        if (errno == ECONNRESET) {
            *got = 0;
            return HCS_S_OK;
        }
        return hcsi_err(HCS_ERR_CONNECTION_CLOSED, "bridge read: %s", strerror(errno));
    }
}

int hcsg_agent_serve(hcsg_agent *a, int rfd, int wfd)
{
    hcsi_gcs_reader rd;
    hcsi_gcs_frame f;
    int reason = STOP_LOST;
    uint32_t grace;
    size_t killed;
    char tn[40];
    {
        /* Pipes (--stdio) become non-blocking so that writes can be
         * interrupted; sockets use MSG_DONTWAIT. Never a terminal. */
        struct stat sb;
        if (fstat(wfd, &sb) == 0 && S_ISFIFO(sb.st_mode)) {
            int fl = fcntl(wfd, F_GETFL);
            if (fl >= 0)
                (void)fcntl(wfd, F_SETFL, fl | O_NONBLOCK);
        }
    }
    pthread_mutex_lock(&a->wlock);
    a->rfd = rfd;
    a->wfd = wfd;
    pthread_mutex_unlock(&a->wlock);
    a->protver = 0; /* every connection starts un-negotiated */
    /* A previous connection's loss (STOP_LOST, e.g. noticed by a reader
     * waiting for a worker) does not stop this one; a signal or a
     * shutdown does. */
    if (__atomic_load_n(&a->stop_reason, __ATOMIC_SEQ_CST) == STOP_LOST) {
        uint64_t v;
        ssize_t rr;
        __atomic_store_n(&a->stop_reason, STOP_NONE, __ATOMIC_SEQ_CST);
        rr = read(a->wake_efd, &v, sizeof v);
        rr = read(a->dial_abort_efd, &v, sizeof v);
        (void)rr;
    }
    a->shutdown_forced = 0;
    __atomic_store_n(&a->send_deadline_ns, 0, __ATOMIC_SEQ_CST);
    if (HCS_FAILED(hcsi_gcs_reader_init(&rd, bridge_read, a, a->o.max_frame))) {
        HCSG_ERROR("out of memory for the frame reader");
        return STOP_LOST;
    }
    for (;;) {
        hcs_result hr;
        int why = __atomic_load_n(&a->stop_reason, __ATOMIC_SEQ_CST);
        if (why) {
            reason = why;
            break;
        }
        hr = hcsi_gcs_reader_next(&rd, &f);
        if (hr == HCSI_GCS_EOF) {
            HCSG_INFO("bridge closed by the host");
            break;
        }
        if (HCS_FAILED(hr)) {
            const hcs_error *le = hcs_error_last();
            why = __atomic_load_n(&a->stop_reason, __ATOMIC_SEQ_CST);
            if (why) {
                reason = why;
                break;
            }
            if (hr == HCS_ERR_PROTOCOL_ERROR && rd.buf && rd.end - rd.start >= 16) {
                /* A size outside 16..max: answer that request, then give
                 * up on the stream (it cannot be resynchronised). */
                hcsi_gcs_header h;
                hcsg_err e;
                hcsi_gcs_header_unpack(rd.buf + rd.start, &h);
                hcsg_err_wrap(&e, HCSG_HR_INVALID_ARG,
                              "frame size %lu is outside 16..%lu bytes (--max-frame); "
                              "hcs-gcs closes the bridge",
                              (unsigned long)h.size, (unsigned long)a->o.max_frame);
                hcsg_send_error(a, h.type, h.id, "", &e);
            }
            HCSG_ERROR("bridge: %s", le && le->message ? le->message : "read failed");
            break;
        }
        if (hcsg_log_enabled(HCSG_LOG_TRACE))
            HCSG_TRACE("recv %s id %llu size %lu: %.*s",
                       hcsi_gcs_type_name(f.type, tn, sizeof tn), (unsigned long long)f.id,
                       (unsigned long)f.size, (int)(f.body_len > 1024 ? 1024 : f.body_len),
                       f.body);
        if (hcsg_agent_handle(a, f.type, f.id, f.body, f.body_len)) {
            reason = STOP_SHUTDOWN;
            break;
        }
    }
    hcsi_gcs_reader_free(&rd);
    /* The host's side is closed: answers still go out while it reads them,
     * but a sender blocked on a bridge nobody reads gives up after this
     * (it would hold the cleanup, which sends too). */
    hcsg_send_grace_start(a);
    /* A network Add waiting for its interface gives up now. */
    hcsg_net_cancel(a->net);
    /* Cleanup policy: the host is gone (or asked us to stop), so nothing
     * may outlive the connection. */
    /* Containers first: their inits die, their runtime state and bundles
     * go, every overlay is unmounted. */
    if (a->ctrs) {
        size_t nc = hcsg_containers_cleanup(a->ctrs);
        if (nc)
            HCSG_INFO("cleanup: %zu container%s stopped and deleted", nc, nc == 1 ? "" : "s");
    }
    grace = (reason == STOP_SHUTDOWN && a->shutdown_forced) ? 0 : a->o.kill_grace_ms;
    killed = hcsg_procs_cleanup(a->procs, grace, 5000);
    if (killed)
        HCSG_INFO("cleanup: %zu process%s stopped", killed, killed == 1 ? "" : "es");
    /* ExecuteProcess requests still in flight fail now (the cleanup closed
     * the process table); wait for them before a new connection. */
    /* Stdio dials in flight are abandoned (a host that never accepts
     * must not hold the cleanup), then the workers are waited for. */
    {
        uint64_t one = 1;
        ssize_t w = write(a->dial_abort_efd, &one, sizeof one);
        (void)w;
    }
    hcsg_storage_abort(a->storage); /* device waits give up too */
    hcsg_agent_quiesce(a);
    /* Then every mount a device Add made (after the containers and
     * processes that could hold them busy). */
    {
        size_t nm = hcsg_storage_cleanup(a->storage);
        if (nm)
            HCSG_INFO("cleanup: %zu device mount%s removed", nm, nm == 1 ? "" : "s");
    }
    /* Networking last: the containers have left its namespaces and no
     * Add is in flight; every adapter goes back, every namespace made
     * here goes. */
    {
        size_t na = hcsg_net_cleanup(a->net);
        if (na)
            HCSG_INFO("cleanup: %zu network adapter%s undone", na, na == 1 ? "" : "s");
    }
    {
        uint64_t v;
        ssize_t r = read(a->dial_abort_efd, &v, sizeof v); /* re-armed */
        (void)r;
    }
    hcsg_procs_reopen(a->procs);
    pthread_mutex_lock(&a->wlock);
    a->rfd = a->wfd = -1;
    pthread_mutex_unlock(&a->wlock);
    return reason;
}

/* ---- the process: signals, connection, reconnects ---- */

typedef struct sig_thread {
    hcsg_agent *a;
    int quit; /* atomic */
    sigset_t set;
} sig_thread;

static void *signal_main(void *arg)
{
    sig_thread *st = (sig_thread *)arg;
    pthread_setname_np(pthread_self(), "gcs-signals");
    while (!__atomic_load_n(&st->quit, __ATOMIC_SEQ_CST)) {
        struct timespec ts = {0, 200 * 1000000L};
        siginfo_t si;
        int sig = sigtimedwait(&st->set, &si, &ts);
        if (sig == SIGCHLD || sig < 0) {
            hcsg_procs_reap(st->a->procs); /* also a periodic sweep */
            continue;
        }
        HCSG_INFO("received signal %d: stopping", sig);
        hcsg_agent_stop(st->a, STOP_SIGNAL);
    }
    return NULL;
}

static int dial_bridge(hcsg_agent *a, const hcsg_options *o)
{
    uint64_t deadline = hcsi_now_ns() + (uint64_t)o->dial_timeout_ms * 1000000u;
    char addr[160];
    hcsg_err de;
    hcsg_addr_format(&o->bridge, addr, sizeof addr);
    for (;;) {
        uint64_t now = hcsi_now_ns();
        uint32_t left = now >= deadline ? 1u : (uint32_t)((deadline - now) / 1000000u) + 1u;
        /* Bounded by what is left, and abandoned by a stop (wake_efd). */
        int fd = hcsg_dial_bounded(&o->bridge, o->bridge.port, left, a->wake_efd, &de);
        if (fd >= 0) {
            HCSG_INFO("connected to the host bridge at %s", addr);
            return fd;
        }
        if (__atomic_load_n(&a->stop_reason, __ATOMIC_SEQ_CST) || hcsi_now_ns() >= deadline) {
            HCSG_ERROR("cannot connect to the host bridge at %s: %s", addr, de.msg);
            return -1;
        }
        HCSG_DEBUG("bridge dial failed (%s); retrying", de.msg);
        hcsi_sleep_ms(100); /* the Go GCS's redial interval */
    }
}

int hcsg_run(const hcsg_options *o)
{
    hcsg_agent *a;
    sig_thread st;
    pthread_t sigt;
    sigset_t set;
    int reason = STOP_LOST, status = 0;
    char addr[160];
    if (o->init) {
        if (getpid() == 1)
            hcsg_pid1_init();
        else
            HCSG_WARN("--init ignored: hcs-gcs is not PID 1");
    }
    hcsg_ensure_std_fds();
    signal(SIGPIPE, SIG_IGN);
    /* Container processes outlive the OCI runtime command that started
     * them: they are reparented to the agent, which reaps them. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        HCSG_WARN("cannot become the child subreaper (%s): container exits will be lost",
                  strerror(errno));
    /* Every thread inherits this mask; the signal thread takes them. */
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    a = hcsg_agent_new(o);
    if (!a || hcsg_procs_start(a->procs) != 0) {
        HCSG_ERROR("cannot start the agent: out of resources");
        hcsg_agent_free(a);
        return 1;
    }
    st.a = a;
    st.quit = 0;
    st.set = set;
    if (pthread_create(&sigt, NULL, signal_main, &st) != 0) {
        HCSG_ERROR("cannot start the signal thread");
        hcsg_agent_free(a);
        return 1;
    }
    if (o->use_stdio)
        snprintf(addr, sizeof addr, "stdio");
    else
        hcsg_addr_format(&o->bridge, addr, sizeof addr);
    HCSG_INFO("hcs-gcs %s starting (pid %ld, bridge %s%s)", HCSG_VERSION, (long)getpid(),
              addr, o->strict ? ", strict" : "");
    for (;;) {
        if (o->use_stdio) {
            reason = hcsg_agent_serve(a, 0, 1);
            break;
        } else {
            int fd = dial_bridge(a, o);
            if (fd < 0) {
                /* Stopped by a signal while dialling (exit 0), or the dial
                 * gave up (exit 1). */
                int why = __atomic_load_n(&a->stop_reason, __ATOMIC_SEQ_CST);
                status = why ? 0 : 1;
                reason = why ? why : STOP_DIAL;
                break;
            }
            reason = hcsg_agent_serve(a, fd, fd);
            close(fd);
        }
        if (reason != STOP_LOST || !o->reconnect)
            break;
        HCSG_INFO("bridge lost: reconnecting");
    }
    __atomic_store_n(&st.quit, 1, __ATOMIC_SEQ_CST);
    pthread_kill(sigt, SIGCHLD); /* wake its sigtimedwait now */
    pthread_join(sigt, NULL);
    HCSG_INFO("hcs-gcs exiting (%s)",
              reason == STOP_SHUTDOWN ? "UVM shutdown"
              : reason == STOP_SIGNAL ? "signal"
              : reason == STOP_DIAL   ? "cannot connect to the host bridge"
                                      : "bridge closed");
    hcsg_agent_free(a);
    if (reason == STOP_SHUTDOWN && o->poweroff) {
        if (getpid() == 1) {
            HCSG_INFO("powering off");
            sync();
            reboot(RB_POWER_OFF);
        } else {
            HCSG_WARN("--poweroff ignored: hcs-gcs is not PID 1");
        }
    }
    return status;
}
