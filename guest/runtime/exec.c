/* hcs-gcs runtime: a container's processes (the init's start, execs,
 * signals) and what the runtime reports or changes about it (processes,
 * statistics, resources). See container.c for the lifecycle. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/ctr_internal.h"

/* ---- processes ---- */

int hcsg_rt_resolve_user(hcsi_json *process, const char *rootfs, hcsg_err *e)
{
    /* Keys as the runtime reads them (Go: any case). */
    hcsi_json *user = hcsg_member(process, "user"), *groups, *nv;
    const char *name = NULL;
    hcsg_user u;
    size_t i;
    nv = hcsg_member(user, "username");
    if (hcsi_json_kind_of(user) != HCSI_JSON_OBJECT || hcsi_json_kind_of(nv) != HCSI_JSON_STRING ||
        !*(name = hcsi_json_str(nv, NULL)))
        return 0;
    if (hcsg_user_lookup_root(rootfs, name, &u, e) != 0) {
        hcsg_err_prefix(e, "user \"%.200s\" of the container", name);
        return -1;
    }
    groups = hcsi_json_array();
    if (!groups || HCS_FAILED(hcsi_json_set_uint(user, "uid", (uint64_t)u.uid)) ||
        HCS_FAILED(hcsi_json_set_uint(user, "gid", (uint64_t)u.gid))) {
        hcsi_json_put(groups);
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    for (i = 0; i < u.ngroups; i++)
        if (u.groups[i] != u.gid && HCS_FAILED(hcsi_json_append(groups, hcsi_json_uint(u.groups[i])))) {
            hcsi_json_put(groups);
            hcsg_err_plain(e, "out of memory");
            return -1;
        }
    if (HCS_FAILED(hcsi_json_set(user, "additionalGids", groups))) {
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    return 0;
}

int hcsg_ctr_start_init(hcsg_containers *C, const char *id, int socks[3], pid_t *pid,
                        hcsg_err *e)
{
    ctr *c;
    hcsg_attach at;
    const char *args[3];
    int sc;
    c = hcsg_rt_lock_ready(C, id, e);
    if (!c) {
        hcsg_rt_close3(socks);
        return -1;
    }
    if (c->state != ST_CREATED || c->exited) {
        pid_t ip = c->init_pid;
        int exited = c->exited, created = c->state == ST_CREATED;
        pthread_mutex_unlock(&C->m);
        hcsg_rt_close3(socks);
        if (exited && created)
            hcsg_err_wrap(e, HCSG_HR_ALREADY_STOPPED, "container \"%.200s\" was stopped "
                          "before its init process was started", id);
        else
            hcsg_err_plain(e, "container \"%.200s\": the init process was already started "
                              "(pid %ld); run more processes with an OciProcess", id, (long)ip);
        return -1;
    }
    c->state = ST_STARTING;
    /* The host gets the pid: its exit is reported after its wait is
     * answered, even if it exits before the start command returns. */
    c->init_started = 1;
    at = c->io;
    hcsg_attach_init(&c->io);
    pthread_mutex_unlock(&C->m);
    at.in_sock = socks[0];
    at.out_sock = socks[1];
    at.err_sock = socks[2];
    socks[0] = socks[1] = socks[2] = -1;
    if (hcsg_proc_attach(C->procs, c->init_pid, &at, e) != 0)
        goto fail;
    args[0] = "start";
    args[1] = id;
    args[2] = NULL;
    sc = c->hooks ? 0 : hcsg_shortcut_start(&C->oci, id, c->init_pid, C->oci.timeout_ms, e);
    if (sc < 0 || (sc == 0 && hcsg_oci_run(&C->oci, args, NULL, c->log, NULL, e) != 0)) {
        hcsg_err_prefix(e, "failed to start container %s", id);
        /* Its stdio is attached for good: the container cannot be started
         * again; stop the init so that its exit is reported. */
        (void)kill(c->init_pid, SIGKILL);
        goto fail;
    }
    pthread_mutex_lock(&C->m);
    c->state = ST_RUNNING;
    c->init_started = 1;
    *pid = c->init_pid;
    pthread_mutex_unlock(&C->m);
    HCSG_INFO("started container %s (init pid %ld)", id, (long)*pid);
    return 0;
fail:
    {
        note n;
        int due;
        pthread_mutex_lock(&C->m);
        c->state = ST_RUNNING; /* not startable again */
        c->init_started = 0;   /* the host never got the pid */
        due = hcsg_rt_due_locked(c, &n);
        pthread_mutex_unlock(&C->m);
        if (due)
            hcsg_rt_send_note(C, &n);
    }
    return -1;
}

int hcsg_ctr_exec(hcsg_containers *C, const char *id, const char *oci_process, int socks[3],
                  pid_t *pid, hcsg_err *e)
{
    ctr *c;
    hcsi_json *proc = NULL;
    hcsg_attach at;
    char argv0[80], pf[PATH_MAX + 32], pidf[PATH_MAX + 32], bundle[PATH_MAX], log[PATH_MAX];
    char sock[PATH_MAX], rootfs[PATH_MAX], *text = NULL;
    int want[3], child[3] = {-1, -1, -1}, tty = 0, lfd = -1, i, rc = -1, started = 0;
    uint16_t rows = 0, cols = 0;
    unsigned seq;
    hcsg_attach_init(&at);
    *pid = 0;
    for (i = 0; i < 3; i++)
        want[i] = socks[i] >= 0;
    c = hcsg_rt_lock_ready(C, id, e);
    if (!c) {
        hcsg_rt_close3(socks);
        return -1;
    }
    if (c->state != ST_RUNNING || c->exited) {
        int created = (c->state == ST_CREATED || c->state == ST_STARTING) && !c->exited;
        pthread_mutex_unlock(&C->m);
        hcsg_rt_close3(socks);
        if (created)
            hcsg_err_wrap(e, HCSG_HR_INVALID_STATE, "container \"%.200s\" is not running: "
                          "start its init process first (ExecuteProcess without OciProcess)",
                          id);
        else
            hcsg_err_wrap(e, HCSG_HR_ALREADY_STOPPED, "container \"%.200s\" has stopped", id);
        return -1;
    }
    seq = ++c->seq;
    snprintf(bundle, sizeof bundle, "%s", c->bundle);
    snprintf(log, sizeof log, "%s", c->log);
    snprintf(rootfs, sizeof rootfs, "%s", c->rootfs);
    pthread_mutex_unlock(&C->m);

    if (HCS_FAILED(hcsi_json_parse(oci_process, strlen(oci_process), "OciProcess", &proc)) ||
        hcsi_json_kind_of(proc) != HCSI_JSON_OBJECT) {
        hcs_error_clear();
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "OciProcess is not a JSON object");
        goto out;
    }
    hcsg_rt_process_facts(proc, &tty, argv0, sizeof argv0, &rows, &cols);
    snprintf(pf, sizeof pf, "%s/process-%u.json", bundle, seq);
    snprintf(pidf, sizeof pidf, "%s/process-%u.pid", bundle, seq);
    if (hcsg_rt_resolve_user(proc, rootfs, e) != 0)
        goto out;
    if (HCS_FAILED(hcsi_json_to_string(proc, 0, &text))) {
        hcs_error_clear();
        hcsg_err_plain(e, "out of memory");
        goto out;
    }
    if (hcsg_write_file(pf, text, strlen(text), e) != 0)
        goto out;
    if (hcsg_rt_stdio(C, tty, want, child, &at, &lfd, sock, sizeof sock, e) != 0)
        goto out;
    {
        const char *args[12] = {"exec", "--detach", "--pid-file", pidf, "--process", pf};
        hcsg_rt_args_end(args, 6, tty, sock, id);
        if (hcsg_oci_run(&C->oci, args, child, log, NULL, e) != 0) {
            hcsg_err_prefix(e, "failed to exec in container %s", id);
            goto out;
        }
        started = 1; /* detached: running until we track or kill it */
    }
    hcsg_rt_close3(child);
    if (tty) {
        at.master = hcsg_console_receive(lfd, CONSOLE_TIMEOUT_MS, e);
        if (at.master < 0)
            goto out;
        if (rows && cols)
            (void)hcsg_console_resize(at.master, rows, cols);
    }
    if (hcsg_rt_read_pid_file(pidf, pid, e) != 0)
        goto out;
    at.in_sock = socks[0];
    at.out_sock = socks[1];
    at.err_sock = socks[2];
    socks[0] = socks[1] = socks[2] = -1;
    rc = hcsg_proc_adopt(C->procs, *pid, id, tty, argv0, &at, e);
    if (rc == 0)
        HCSG_INFO("container %s: exec process %ld (%s)%s", id, (long)*pid, argv0,
                  tty ? " with a tty" : "");
out:
    if (rc != 0 && started) {
        /* It runs, but nobody can reach it: it goes (the agent, its
         * subreaper, reaps it). */
        pid_t k = *pid;
        hcsg_err ignore;
        if (k <= 0 && hcsg_rt_read_pid_file(pidf, &k, &ignore) != 0)
            k = 0;
        if (k > 0) {
            HCSG_WARN("container %s: exec process %ld could not be tracked: killed", id,
                      (long)k);
            (void)kill(k, SIGKILL);
        }
        *pid = 0;
    }
    hcsg_attach_close(&at);
    hcsg_rt_close3(child);
    hcsg_rt_close3(socks);
    if (lfd >= 0) {
        close(lfd);
        (void)unlink(sock);
    }
    (void)unlink(pf);
    (void)unlink(pidf);
    hcsi_json_put(proc);
    free(text);
    return rc;
}

/* Records what the agent asked of the init (the exit type). Lock held. */
static void note_signal_locked(ctr *c, int sig)
{
    if (sig == SIGKILL)
        c->sig_asked = SIGKILL;
    else if (sig == SIGTERM && c->sig_asked != SIGKILL)
        c->sig_asked = SIGTERM;
}

int hcsg_ctr_shutdown(hcsg_containers *C, const char *id, int forced, hcsg_err *e)
{
    ctr *c;
    int sig = forced ? SIGKILL : SIGTERM;
    c = hcsg_rt_lock_ready(C, id, e);
    if (!c)
        return -1;
    if (c->exited) {
        pthread_mutex_unlock(&C->m); /* already stopped: nothing to do */
        return 0;
    }
    if (kill(c->init_pid, sig) != 0) {
        int err = errno;
        pthread_mutex_unlock(&C->m);
        if (err == ESRCH)
            return 0; /* exited, its exit not yet handled: nothing to do */
        hcsg_err_plain(e, "failed to signal container %s: %s", id, strerror(err));
        return -1;
    }
    /* Recorded once delivered, still under the lock: the exit handler
     * cannot decide the exit type in between. */
    note_signal_locked(c, sig);
    pthread_mutex_unlock(&C->m);
    HCSG_INFO("container %s: %s sent to its init", id, forced ? "SIGKILL" : "SIGTERM");
    return 0;
}

int hcsg_ctr_signal(hcsg_containers *C, const char *id, pid_t pid, int sig, hcsg_err *e)
{
    ctr *c;
    c = hcsg_rt_lock_ready(C, id, e);
    if (!c)
        return -1;
    int noted = 0, prev = c->sig_asked, rc;
    if (pid == c->init_pid && !c->exited) {
        /* Before the signal, so that the exit it causes sees it. */
        note_signal_locked(c, sig);
        noted = 1;
    }
    pthread_mutex_unlock(&C->m);
    rc = hcsg_proc_signal(C->procs, id, pid, sig, e);
    if (rc != 0 && noted) {
        /* Not delivered: not asked. */
        pthread_mutex_lock(&C->m);
        c = hcsg_rt_find_locked(C, id);
        if (c && !c->exited)
            c->sig_asked = prev;
        pthread_mutex_unlock(&C->m);
    }
    return rc;
}

/* ---- properties and constraints ---- */

int hcsg_ctr_properties(hcsg_containers *C, const char *id, int want_list, int want_stats,
                        hcsi_json *props, hcsg_err *e)
{
    char log[PATH_MAX];
    ctr *c;
    c = hcsg_rt_lock_ready(C, id, e);
    if (!c)
        return -1;
    snprintf(log, sizeof log, "%s", c->log);
    pthread_mutex_unlock(&C->m);
    if (want_list) {
        const char *args[] = {"ps", "--format", "json", id, NULL};
        char *out = NULL;
        hcsi_json *pids = NULL, *arr = hcsi_json_array();
        size_t i, n;
        if (!arr)
            goto oom;
        if (hcsg_oci_run(&C->oci, args, NULL, log, &out, e) != 0) {
            hcsi_json_put(arr);
            hcsg_err_prefix(e, "failed to list the processes of container %s", id);
            return -1;
        }
        if (HCS_FAILED(hcsi_json_parse(out, strlen(out), "ps", &pids)) ||
            hcsi_json_kind_of(pids) != HCSI_JSON_ARRAY) {
            hcs_error_clear();
            hcsi_json_put(pids);
            pids = NULL; /* a stopped container lists nothing */
        }
        free(out);
        n = hcsi_json_array_len(pids);
        for (i = 0; i < n; i++) {
            hcsi_json *d = hcsi_json_object(), *v = hcsi_json_array_at(pids, i);
            if (!d || hcsi_json_kind_of(v) != HCSI_JSON_INT ||
                HCS_FAILED(hcsi_json_set_int(d, "ProcessId", hcsi_json_i64(v)))) {
                hcsi_json_put(d);
                continue;
            }
            /* append takes d, also when it fails */
            if (HCS_FAILED(hcsi_json_append(arr, d)))
                continue;
        }
        hcsi_json_put(pids);
        if (HCS_FAILED(hcsi_json_set(props, "ProcessList", arr)))
            goto oom;
    }
    if (want_stats) {
        const char *args[] = {"events", "--stats", id, NULL};
        char *out = NULL;
        hcsi_json *ev = NULL, *m;
        if (hcsg_oci_run(&C->oci, args, NULL, log, &out, e) != 0) {
            hcsg_err_prefix(e, "failed to get the statistics of container %s", id);
            return -1;
        }
        if (HCS_FAILED(hcsi_json_parse(out, strlen(out), "events", &ev))) {
            hcs_error_clear();
            free(out);
            hcsg_err_plain(e, "the OCI runtime's statistics of %s are not JSON", id);
            return -1;
        }
        free(out);
        m = hcsg_metrics_from_runtime(hcsi_json_get(ev, "data"));
        hcsi_json_put(ev);
        if (!m || HCS_FAILED(hcsi_json_set(props, "LCOWMetrics", m)))
            goto oom;
    }
    return 0;
oom:
    hcsg_err_plain(e, "out of memory");
    return -1;
}

int hcsg_ctr_update(hcsg_containers *C, const char *id, const char *res, hcsg_err *e)
{
    char path[PATH_MAX + 32], log[PATH_MAX];
    const char *args[5];
    ctr *c;
    unsigned seq;
    int rc;
    c = hcsg_rt_lock_ready(C, id, e);
    if (!c)
        return -1;
    seq = ++c->seq;
    snprintf(path, sizeof path, "%s/resources-%u.json", c->bundle, seq);
    snprintf(log, sizeof log, "%s", c->log);
    pthread_mutex_unlock(&C->m);
    if (!res || !*res || strcmp(res, "null") == 0)
        return 0; /* nothing for Linux */
    if (hcsg_write_file(path, res, strlen(res), e) != 0)
        return -1;
    args[0] = "update";
    args[1] = "--resources";
    args[2] = path;
    args[3] = id;
    args[4] = NULL;
    rc = hcsg_oci_run(&C->oci, args, NULL, log, NULL, e);
    if (rc != 0)
        hcsg_err_prefix(e, "failed to update the resources of container %s", id);
    (void)unlink(path);
    return rc;
}

