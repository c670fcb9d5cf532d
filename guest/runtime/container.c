/*
 * hcs-gcs runtime: the container table and its lifecycle.
 *
 *   Create        bundle (config.json from OciSpecification, a network
 *                 namespace of its own unless the spec names one), stdio
 *                 pipes or a console socket, `runtime create`: the init
 *                 exists and waits for Start, reparented to the agent.
 *   init start    ExecuteProcess without OciProcess: the host's stdio
 *                 sockets are attached to the held pipes, `runtime start`.
 *   exec          ExecuteProcess with OciProcess: `runtime exec --detach`.
 *   exit          one notification per container, once the init exited and
 *                 a WaitForProcess on it was answered (or at once when the
 *                 host never got its pid). Its Type comes from what the agent
 *                 did: SIGKILL asked (ShutdownForced, SignalProcess 9) ->
 *                 ForcedExit, else SIGTERM asked -> GracefulExit, else
 *                 UnexpectedExit. Never from a race with the exit itself.
 *   Delete        `runtime delete --force`, the bundle.
 *   bridge lost   every container killed and deleted, every overlay
 *                 unmounted (hcsg_containers_cleanup).
 *
 * One mutex guards the table; runtime commands run without it while the
 * record is marked busy (CREATING / STARTING / DELETING), so requests for
 * other containers proceed.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/ctr_internal.h"

/* ---- table ---- */

ctr *hcsg_rt_find_locked(hcsg_containers *C, const char *id)
{
    ctr *c;
    for (c = C->list; c; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

static ctr *find_pid_locked(hcsg_containers *C, pid_t pid)
{
    ctr *c;
    for (c = C->list; c; c = c->next)
        if (c->init_pid == pid && pid > 0)
            return c;
    return NULL;
}

static void unlink_locked(hcsg_containers *C, ctr *c)
{
    ctr **pp;
    for (pp = &C->list; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            C->n--;
            return;
        }
}

static void free_ctr(ctr *c)
{
    if (c->netns[0])
        hcsg_net_leave(c->net, c->netns);
    hcsg_attach_close(&c->io);
    free(c);
}

/* The Go GCS's answers for a container that is not ready (0: ready). */
static int not_ready(const ctr *c, const char *id, hcsg_err *e)
{
    if (!c) {
        hcsg_err_wrap(e, HCSG_HR_SYSTEM_NOT_FOUND, "container \"%.200s\" not found", id);
        return -1;
    }
    if (c->state == ST_CREATING) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_STATE, "container \"%.200s\" is still being created",
                      id);
        return -1;
    }
    if (c->state == ST_DELETING) {
        hcsg_err_wrap(e, HCSG_HR_SYSTEM_NOT_FOUND, "container \"%.200s\" is being deleted", id);
        return -1;
    }
    return 0;
}

static const char *exit_type(const ctr *c)
{
    return c->sig_asked == SIGKILL   ? "ForcedExit"
           : c->sig_asked == SIGTERM ? "GracefulExit"
                                     : "UnexpectedExit";
}

int hcsg_rt_due_locked(ctr *c, note *n)
{
    if (c->notified || !c->exited || (c->init_started && !c->wait_answered))
        return 0;
    c->notified = 1;
    snprintf(n->id, sizeof n->id, "%s", c->id);
    snprintf(n->aid, sizeof n->aid, "%s", c->aid);
    n->type = exit_type(c);
    return 1;
}

void hcsg_rt_send_note(hcsg_containers *C, const note *n)
{
    HCSG_INFO("container %s exited: %s", n->id, n->type);
    if (C->notify)
        C->notify(C->notify_ctx, n->id, n->aid, n->type);
}

/* ---- set-up ---- */

hcsg_containers *hcsg_containers_new(const hcsg_rt_config *cfg, hcsg_procs *procs,
                                     hcsg_notify_fn notify, void *ctx, hcsg_err *e)
{
    hcsg_containers *C = (hcsg_containers *)calloc(1, sizeof *C);
    const char *rt = cfg && cfg->runtime ? cfg->runtime : "runc";
    if (!C) {
        hcsg_err_plain(e, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&C->m, NULL);
    C->procs = procs;
    C->notify = notify;
    C->notify_ctx = ctx;
    C->oci.procs = procs;
    C->oci.timeout_ms = 60000;
    C->oci.no_shortcuts = cfg ? cfg->no_shortcuts : 0;
    snprintf(C->oci.path, sizeof C->oci.path, "%s", rt);
    snprintf(C->oci.root, sizeof C->oci.root, "%s",
             cfg && cfg->runtime_root ? cfg->runtime_root : "/run/hcs-gcs/runtime");
    snprintf(C->state_root, sizeof C->state_root, "%s",
             cfg && cfg->state_root ? cfg->state_root : "/run/gcs/c");
    C->layers = hcsg_layers_new(C->state_root);
    if (!C->layers) {
        hcsg_containers_free(C);
        hcsg_err_plain(e, "out of memory");
        return NULL;
    }
    if (!strchr(rt, '/')) {
        hcsg_err le;
        char *p = hcsg_lookpath(rt, &le);
        if (p) {
            snprintf(C->oci.path, sizeof C->oci.path, "%s", p);
            free(p);
        } else {
            HCSG_WARN("OCI runtime %s not found (%s): containers will fail to start", rt, le.msg);
        }
    }
    return C;
}

void hcsg_containers_free(hcsg_containers *C)
{
    if (!C)
        return;
    while (C->list) {
        ctr *c = C->list;
        C->list = c->next;
        free_ctr(c);
    }
    hcsg_layers_free(C->layers);
    pthread_mutex_destroy(&C->m);
    free(C);
}

hcsg_layers *hcsg_containers_layers(hcsg_containers *C) { return C->layers; }

void hcsg_containers_set_net(hcsg_containers *C, hcsg_net *net) { C->net = net; }

size_t hcsg_containers_count(hcsg_containers *C)
{
    return hcsg_locked_size(&C->m, &C->n);
}

/* ---- helpers ---- */

int hcsg_rt_read_pid_file(const char *path, pid_t *pid, hcsg_err *e)
{
    char buf[32];
    FILE *f = fopen(path, "re");
    long v = 0;
    size_t n;
    if (!f) {
        hcsg_err_plain(e, "OCI runtime wrote no pid file %s: %s", path, strerror(errno));
        return -1;
    }
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    v = strtol(buf, NULL, 10);
    if (v <= 1 || v > 0x7FFFFFFF) {
        hcsg_err_plain(e, "OCI runtime pid file %s holds no pid", path);
        return -1;
    }
    *pid = (pid_t)v;
    return 0;
}

/* Pipes for the requested streams: child ends in child[], agent ends in at. */
/* Pipes for the requested streams: child ends in child[], ours in at. */
static int make_pipes(const int want[3], int child[3], hcsg_attach *at, hcsg_err *e)
{
    int i, p[2];
    for (i = 0; i < 3; i++) {
        child[i] = -1;
        if (!want[i])
            continue;
        if (pipe2(p, O_CLOEXEC) != 0) {
            hcsg_err_plain(e, "pipe: %s", strerror(errno));
            return -1;
        }
        if (i == 0) {
            child[0] = p[0];
            at->in_w = p[1];
        } else {
            child[i] = p[1];
            if (i == 1)
                at->out_r = p[0];
            else
                at->err_r = p[0];
        }
    }
    return 0;
}

int hcsg_rt_stdio(hcsg_containers *C, int tty, const int want[3], int child[3], hcsg_attach *at,
                  int *lfd, char *sock, size_t sn, hcsg_err *e)
{
    if (!tty)
        return make_pipes(want, child, at, e);
    *lfd = hcsg_console_listen(C->oci.root,
                               __atomic_add_fetch(&C->console_seq, 1, __ATOMIC_SEQ_CST), sock,
                               sn, e);
    return *lfd < 0 ? -1 : 0;
}

void hcsg_rt_args_end(const char **args, size_t n, int tty, const char *sock, const char *id)
{
    if (tty) {
        args[n++] = "--console-socket";
        args[n++] = sock;
    }
    args[n++] = id;
    args[n] = NULL;
}

void hcsg_rt_close3(int fd[3])
{
    int i;
    for (i = 0; i < 3; i++)
        if (fd[i] >= 0) {
            close(fd[i]);
            fd[i] = -1;
        }
}

/* process.terminal, process.args[0] and process.consoleSize of an OCI
 * Process object. */
void hcsg_rt_process_facts(const hcsi_json *proc, int *tty, char *argv0, size_t n,
                          uint16_t *rows, uint16_t *cols)
{
    /* Keys as the runtime reads them (Go: any case). */
    hcsi_json *t, *args, *cs, *h, *w;
    *tty = 0;
    snprintf(argv0, n, "?");
    if (!proc)
        return;
    t = hcsg_member(proc, "terminal");
    if (hcsi_json_kind_of(t) == HCSI_JSON_BOOL)
        *tty = hcsi_json_boolval(t);
    args = hcsg_member(proc, "args");
    if (hcsi_json_kind_of(args) == HCSI_JSON_ARRAY && hcsi_json_array_len(args) &&
        hcsi_json_kind_of(hcsi_json_array_at(args, 0)) == HCSI_JSON_STRING)
        snprintf(argv0, n, "%s", hcsi_json_str(hcsi_json_array_at(args, 0), NULL));
    cs = hcsg_member(proc, "consoleSize");
    h = hcsg_member(cs, "height");
    w = hcsg_member(cs, "width");
    if (rows && hcsi_json_kind_of(h) == HCSI_JSON_INT && hcsi_json_kind_of(w) == HCSI_JSON_INT &&
        hcsi_json_i64(h) >= 0 && hcsi_json_i64(h) <= 65535 && hcsi_json_i64(w) >= 0 &&
        hcsi_json_i64(w) <= 65535) {
        *rows = (uint16_t)hcsi_json_i64(h);
        *cols = (uint16_t)hcsi_json_i64(w);
    }
}

/* Sets *v to o's member key (Go's lookup), first adding a new empty one
 * (make) when there is none: 0; -1 out of memory; -2 with e (what is not a
 * kind) when the member is of another kind. */
static int member_or_new(hcsi_json *o, const char *key, hcsi_json *(*make)(void),
                         hcsi_json_kind kind, const char *what, hcsi_json **v, hcsg_err *e)
{
    *v = hcsg_member(o, key);
    if (!*v) {
        *v = make();
        if (!*v || HCS_FAILED(hcsi_json_set(o, key, *v)))
            return -1;
    }
    if (hcsi_json_kind_of(*v) != kind) {
        hcsg_err_plain(e, "OciSpecification.%s is not %s", what,
                       kind == HCSI_JSON_OBJECT ? "an object" : "an array");
        return -2;
    }
    return 0;
}

/* The spec the runtime gets: the host's, with a network namespace of the
 * container's own unless the spec names one (the Go GCS shares one
 * namespace between all containers, and a second container then fails),
 * or the agent's namespace for the adapters the spec names
 * (hcsg_net_spec_join). */
static char *prepare_spec(const char *text, const char *bundle, int *tty, char *argv0, size_t n,
                          char *rootfs, size_t rn, int *hooks, hcsg_net *net, ctr *c,
                          hcsg_err *e)
{
    hcsi_json *spec = NULL, *linux_ = NULL, *ns = NULL;
    char *out = NULL;
    size_t i, k;
    int has_net = 0, rc;
    if (!text || !*text) {
        hcsg_err_plain(e, "OciSpecification is missing");
        return NULL;
    }
    if (HCS_FAILED(hcsi_json_parse(text, strlen(text), "OciSpecification", &spec)) ||
        hcsi_json_kind_of(spec) != HCSI_JSON_OBJECT) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_JSON, "OciSpecification is not a JSON object");
        hcs_error_clear();
        hcsi_json_put(spec);
        return NULL;
    }
    hcsg_rt_process_facts(hcsg_member(spec, "process"), tty, argv0, n, NULL, NULL);
    if (!hcsg_member(spec, "process") || !hcsg_member(spec, "root")) {
        hcsg_err_plain(e, "OciSpecification has no %s",
                       hcsg_member(spec, "process") ? "root" : "process");
        goto done;
    }
    {
        /* root.path: absolute, or relative to the bundle (OCI). */
        hcsi_json *pv = hcsg_member(hcsg_member(spec, "root"), "path");
        const char *rp = hcsi_json_kind_of(pv) == HCSI_JSON_STRING ? hcsi_json_str(pv, NULL) : NULL;
        if (!rp || !*rp) {
            hcsg_err_plain(e, "OciSpecification.root.path is missing");
            goto done;
        }
        if (rp[0] == '/')
            snprintf(rootfs, rn, "%s", rp);
        else
            snprintf(rootfs, rn, "%s/%s", bundle, rp);
    }
    if (hcsg_rt_resolve_user(hcsg_member(spec, "process"), rootfs, e) != 0)
        goto done;
    /* The runtime decodes with Go's encoding/json: keys match ignoring
     * case, so must ours. Hooks and Intel RDT leave the stopped container's
     * removal to the runtime itself (shortcut.c does neither). */
    linux_ = hcsg_member(spec, "linux");
    *hooks = hcsg_member(spec, "hooks") != NULL ||
             (linux_ && hcsg_member(linux_, "intelRdt") != NULL);
    rc = member_or_new(spec, "linux", hcsi_json_object, HCSI_JSON_OBJECT, "linux", &linux_, e);
    if (rc == 0)
        rc = member_or_new(linux_, "namespaces", hcsi_json_array, HCSI_JSON_ARRAY,
                           "linux.namespaces", &ns, e);
    if (rc == -1)
        goto oom;
    if (rc != 0)
        goto done;
    k = hcsi_json_array_len(ns);
    for (i = 0; i < k; i++) {
        hcsi_json *t = hcsg_member(hcsi_json_array_at(ns, i), "type");
        if (hcsi_json_kind_of(t) == HCSI_JSON_STRING && strcmp(hcsi_json_str(t, NULL), "network") == 0)
            has_net = 1;
    }
    hcs_error_clear();
    switch (hcsg_net_spec_join(net, spec, ns, c->netns, e)) {
    case -1:
        c->net = net; /* a reference was taken: the record gives it back */
        goto done;
    case 1:
        c->net = net;
        has_net = 1;
        break;
    default:
        break;
    }
    hcs_error_clear();
    if (!has_net) {
        hcsi_json *o = hcsi_json_object();
        if (!o || HCS_FAILED(hcsi_json_set_str(o, "type", "network")) ||
            HCS_FAILED(hcsi_json_append(ns, o)))
            goto oom;
    }
    if (HCS_FAILED(hcsi_json_to_string(spec, 0, &out)))
        goto oom;
    goto done;
oom:
    hcsg_err_plain(e, "out of memory");
done:
    hcsi_json_put(spec);
    return out;
}

static void remove_files(const ctr *c)
{
    char p[PATH_MAX + 32];
    static const char *const names[] = {"config.json", "init.pid", "runtime-log.json"};
    size_t i;
    for (i = 0; i < HCSI_ARRAY_LEN(names); i++) {
        snprintf(p, sizeof p, "%s/%s", c->bundle, names[i]);
        (void)unlink(p);
    }
}

/* stopped: the init is known to be dead (reaped). */
static int runtime_delete(hcsg_containers *C, const ctr *c, int stopped)
{
    /* A stopped container without hooks: its cgroups and state go without
     * a runc process (shortcut.c); anything else is runc's. */
    if (stopped && !c->hooks && hcsg_shortcut_delete(&C->oci, c->id) == 1)
        return 0;
    const char *args[] = {"delete", "--force", c->id, NULL};
    hcsg_err e;
    hcsg_err_clear(&e);
    if (hcsg_oci_run(&C->oci, args, NULL, c->log, NULL, &e) != 0) {
        HCSG_WARN("container %s: %s", c->id, e.msg);
        return -1;
    }
    return 0;
}

/* ---- Create ---- */

int hcsg_ctr_reserve(hcsg_containers *C, const char *id, const char *aid,
                     const hcs_gs_LCOWContainerConfig *cfg, hcsg_err *e)
{
    ctr *c;
    if (hcsg_check_id(id, e) != 0)
        return -1;
    if (!cfg->OciBundlePath || !*cfg->OciBundlePath) {
        hcsg_err_plain(e, "failed to create container: OciBundlePath is empty");
        return -1;
    }
    if (hcsg_check_path_under(C->state_root, cfg->OciBundlePath, "OciBundlePath", e) != 0) {
        hcsg_err_prefix(e, "failed to create container");
        return -1;
    }
    c = (ctr *)calloc(1, sizeof *c);
    if (!c) {
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    hcsg_attach_init(&c->io);
    snprintf(c->id, sizeof c->id, "%s", id);
    snprintf(c->aid, sizeof c->aid, "%s", aid ? aid : "");
    snprintf(c->bundle, sizeof c->bundle, "%s", cfg->OciBundlePath);
    snprintf(c->log, sizeof c->log, "%s/runtime-log.json", c->bundle);
    c->state = ST_CREATING;
    pthread_mutex_lock(&C->m);
    if (hcsg_rt_find_locked(C, id)) {
        pthread_mutex_unlock(&C->m);
        free_ctr(c);
        hcsg_err_wrap(e, HCSG_HR_ALREADY_EXISTS, "container \"%.200s\" already exists", id);
        return -1;
    }
    if (C->closing || C->n >= MAX_CONTAINERS) {
        pthread_mutex_unlock(&C->m);
        free_ctr(c);
        hcsg_err_plain(e, "failed to create container %s: %s", id,
                       C->closing ? "the agent is cleaning up"
                                  : "too many containers (256)");
        return -1;
    }
    c->next = C->list;
    C->list = c;
    C->n++;
    pthread_mutex_unlock(&C->m);
    return 0;
}

void hcsg_ctr_unreserve(hcsg_containers *C, const char *id)
{
    ctr *c;
    pthread_mutex_lock(&C->m);
    c = hcsg_rt_find_locked(C, id);
    if (c && c->state == ST_CREATING)
        unlink_locked(C, c);
    else
        c = NULL;
    pthread_mutex_unlock(&C->m);
    if (c)
        free_ctr(c);
}

int hcsg_ctr_create(hcsg_containers *C, const char *id, const hcs_gs_LCOWContainerConfig *cfg,
                    hcsg_err *e)
{
    ctr *c;
    char *spec = NULL, argv0[80], path[PATH_MAX + 32], pidf[PATH_MAX + 32], sock[PATH_MAX];
    int want[3] = {1, 1, 1}, child[3] = {-1, -1, -1}, lfd = -1, tty = 0;
    pid_t pid = 0;
    int created = 0;
    char existing[PATH_MAX];
    struct stat st;
    pthread_mutex_lock(&C->m);
    c = hcsg_rt_find_locked(C, id);
    pthread_mutex_unlock(&C->m);
    if (!c || c->state != ST_CREATING) {
        hcsg_err_plain(e, "failed to create container %s: it was not reserved", id);
        return -1;
    }
    /* The deepest directory of the bundle path that exists already: a
     * failed Create removes what it made below it. */
    snprintf(existing, sizeof existing, "%s", c->bundle);
    while (stat(existing, &st) != 0 && strrchr(existing, '/') && strrchr(existing, '/') != existing)
        *strrchr(existing, '/') = '\0';
    spec = prepare_spec(cfg->OciSpecification, c->bundle, &tty, argv0, sizeof argv0, c->rootfs,
                        sizeof c->rootfs, &c->hooks, C->net, c, e);
    /* Links on the way must not lead the bundle outside the state root. */
    if (!spec || hcsg_mkdir_p_under(C->state_root, c->bundle, 0700, "OciBundlePath", e) != 0 ||
        hcsg_mkdir_p(C->oci.root, 0700, e) != 0)
        goto fail;
    snprintf(path, sizeof path, "%s/config.json", c->bundle);
    if (hcsg_write_file(path, spec, strlen(spec), e) != 0)
        goto fail;
    snprintf(pidf, sizeof pidf, "%s/init.pid", c->bundle);
    c->tty = tty;
    if (hcsg_rt_stdio(C, tty, want, child, &c->io, &lfd, sock, sizeof sock, e) != 0)
        goto fail;
    {
        const char *args[10] = {"create", "--bundle", c->bundle, "--pid-file", pidf};
        hcsg_rt_args_end(args, 5, tty, sock, id);
        if (hcsg_oci_run(&C->oci, args, child, c->log, NULL, e) != 0) {
            char state[PATH_MAX + 300];
            hcsg_err_prefix(e, "failed to create container %s", id);
            /* A runtime that failed cleans up after itself, one that was
             * killed at the timeout may not have: what it left (state, a
             * waiting init, cgroups) goes with a forced delete. */
            snprintf(state, sizeof state, "%s/%s", C->oci.root, id);
            if (stat(state, &st) == 0)
                created = 1;
            goto fail;
        }
        created = 1;
    }
    hcsg_rt_close3(child);
    if (tty) {
        c->io.master = hcsg_console_receive(lfd, CONSOLE_TIMEOUT_MS, e);
        if (c->io.master < 0)
            goto fail;
    }
    if (hcsg_rt_read_pid_file(pidf, &pid, e) != 0)
        goto fail;
    /* Known before it is tracked: an exit reported at once is not lost. */
    pthread_mutex_lock(&C->m);
    c->init_pid = pid;
    pthread_mutex_unlock(&C->m);
    if (hcsg_proc_adopt(C->procs, pid, id, tty, argv0, NULL, e) != 0)
        goto fail;
    if (lfd >= 0) {
        close(lfd);
        (void)unlink(sock);
    }
    free(spec);
    pthread_mutex_lock(&C->m);
    c->init_pid = pid;
    c->state = ST_CREATED;
    pthread_mutex_unlock(&C->m);
    HCSG_INFO("created container %s (init pid %ld%s)", id, (long)pid, tty ? ", tty" : "");
    return 0;
fail:
    if (strncmp(e->msg, "failed to create container", 26) != 0 &&
        strstr(e->msg, "failed to create container") == NULL)
        hcsg_err_prefix(e, "failed to create container %s", id);
    hcsg_rt_close3(child);
    if (lfd >= 0) {
        close(lfd);
        (void)unlink(sock);
    }
    free(spec);
    if (created) {
        if (pid > 0)
            (void)kill(pid, SIGKILL);
        (void)runtime_delete(C, c, 0);
        if (pid > 0)
            hcsg_proc_forget(C->procs, pid);
    }
    remove_files(c);
    {
        char d[PATH_MAX];
        size_t el = strlen(existing);
        snprintf(d, sizeof d, "%s", c->bundle);
        while (strlen(d) > el && rmdir(d) == 0 && strrchr(d, '/'))
            *strrchr(d, '/') = '\0'; /* ours, and empty again */
    }
    pthread_mutex_lock(&C->m);
    unlink_locked(C, c);
    pthread_mutex_unlock(&C->m);
    free_ctr(c);
    return -1;
}

int hcsg_ctr_lookup(hcsg_containers *C, const char *id, hcsg_err *e)
{
    if (!hcsg_rt_lock_ready(C, id, e))
        return -1;
    pthread_mutex_unlock(&C->m);
    return 0;
}

/* ---- exits, Delete, cleanup ---- */

void hcsg_ctr_wait_answered(hcsg_containers *C, pid_t pid)
{
    ctr *c;
    note n;
    int due = 0;
    pthread_mutex_lock(&C->m);
    c = find_pid_locked(C, pid);
    if (c) {
        c->wait_answered = 1;
        due = hcsg_rt_due_locked(c, &n);
    }
    pthread_mutex_unlock(&C->m);
    if (due)
        hcsg_rt_send_note(C, &n);
}

void hcsg_ctr_process_exited(void *ctx, pid_t pid, int status)
{
    hcsg_containers *C = (hcsg_containers *)ctx;
    ctr *c;
    note n;
    int due = 0;
    pthread_mutex_lock(&C->m);
    c = find_pid_locked(C, pid);
    if (c && !c->exited) {
        c->exited = 1;
        c->status = status;
        due = hcsg_rt_due_locked(c, &n);
    }
    pthread_mutex_unlock(&C->m);
    if (due)
        hcsg_rt_send_note(C, &n);
}

/* Kills the init and waits (bounded) until it is reaped. */
/* Only while it is tracked and running: a reaped init's pid may belong
 * to someone else now. */
static int init_running(hcsg_containers *C, const ctr *c)
{
    return c->init_pid > 0 && hcsg_proc_state(C->procs, c->init_pid, NULL) == 0;
}

static void kill_init(hcsg_containers *C, const ctr *c)
{
    if (init_running(C, c))
        (void)kill(c->init_pid, SIGKILL);
}

static void wait_init_gone(hcsg_containers *C, const ctr *c, uint64_t deadline)
{
    while (init_running(C, c) && hcsi_now_ns() < deadline)
        hcsi_sleep_ms(10);
}

#define STOP_INIT_NS 5000000000ull

static void stop_init(hcsg_containers *C, ctr *c)
{
    kill_init(C, c);
    wait_init_gone(C, c, hcsi_now_ns() + STOP_INIT_NS);
}

static void remove_state(hcsg_containers *C, ctr *c, int whole_bundle)
{
    /* Reaped (or never tracked): nothing of the init is left to stop. */
    int stopped = c->init_pid > 0 && hcsg_proc_state(C->procs, c->init_pid, NULL) != 0;
    (void)runtime_delete(C, c, stopped);
    /* The init and every exec: nothing of the container stays tracked. */
    (void)hcsg_proc_forget_owner(C->procs, c->id);
    remove_files(c);
    if (whole_bundle && hcsg_remove_tree(c->bundle) != 0)
        HCSG_WARN("container %s: bundle %s not fully removed: %s", c->id, c->bundle,
                  strerror(errno));
}

ctr *hcsg_rt_lock_ready(hcsg_containers *C, const char *id, hcsg_err *e)
{
    ctr *c;
    pthread_mutex_lock(&C->m);
    c = hcsg_rt_find_locked(C, id);
    if (not_ready(c, id, e) != 0) {
        pthread_mutex_unlock(&C->m);
        return NULL;
    }
    return c;
}

int hcsg_ctr_delete(hcsg_containers *C, const char *id, hcsg_err *e)
{
    ctr *c;
    note n;
    int due = 0;
    c = hcsg_rt_lock_ready(C, id, e);
    if (!c)
        return -1;
    if (c->state == ST_STARTING) {
        pthread_mutex_unlock(&C->m);
        hcsg_err_wrap(e, HCSG_HR_INVALID_STATE, "container \"%.200s\" is being started", id);
        return -1;
    }
    if (!c->exited && c->state != ST_CREATED) {
        pthread_mutex_unlock(&C->m);
        hcsg_err_wrap(e, HCSG_HR_INVALID_STATE, "container \"%.200s\" is still running: shut "
                      "it down first", id);
        return -1;
    }
    c->state = ST_DELETING;
    pthread_mutex_unlock(&C->m);
    stop_init(C, c); /* created, never started (a no-op once it exited) */
    /* A scratch in the bundle may still back a mounted overlay (layers not
     * removed yet): then only the agent's own files go. */
    remove_state(C, c, !hcsg_layers_under(C->layers, c->bundle));
    pthread_mutex_lock(&C->m);
    /* The host waits for the notification; it must not be lost. */
    c->wait_answered = 1;
    c->exited = 1;
    due = hcsg_rt_due_locked(c, &n);
    unlink_locked(C, c);
    pthread_mutex_unlock(&C->m);
    if (due)
        hcsg_rt_send_note(C, &n);
    HCSG_INFO("deleted container %s", id);
    free_ctr(c);
    return 0;
}

size_t hcsg_containers_cleanup(hcsg_containers *C)
{
    size_t n = 0, m;
    ctr *dead = NULL, *c;
    pthread_mutex_lock(&C->m);
    C->closing = 1;
    for (;;) {
        c = C->list;
        /* Records in use by a worker (Create, Start, Delete) are left to it. */
        while (c && (c->state == ST_CREATING || c->state == ST_STARTING ||
                     c->state == ST_DELETING))
            c = c->next;
        if (!c) {
            if (!C->list)
                break;
            /* A Create or Start in flight: it finishes (or fails) on its own,
             * bounded by the runtime command's timeout. */
            pthread_mutex_unlock(&C->m);
            hcsi_sleep_ms(10);
            pthread_mutex_lock(&C->m);
            continue;
        }
        unlink_locked(C, c);
        c->next = dead;
        dead = c;
    }
    pthread_mutex_unlock(&C->m);
    /* Every init dies (its pid namespace with it), then the overlays go,
     * then the runtime state and the bundles (never while an overlay still
     * uses a scratch directory inside one). */
    {
        /* All killed first, then waited for against one deadline: N
         * containers cost one bound, not N. */
        uint64_t deadline = hcsi_now_ns() + STOP_INIT_NS;
        for (c = dead; c; c = c->next)
            kill_init(C, c);
        for (c = dead; c; c = c->next)
            wait_init_gone(C, c, deadline);
    }
    m = hcsg_layers_cleanup(C->layers);
    if (m)
        HCSG_INFO("cleanup: %zu overlay%s unmounted", m, m == 1 ? "" : "s");
    while (dead) {
        c = dead;
        dead = c->next;
        remove_state(C, c, 1);
        HCSG_INFO("cleanup: container %s killed and deleted", c->id);
        free_ctr(c);
        n++;
    }
    pthread_mutex_lock(&C->m);
    C->closing = 0;
    pthread_mutex_unlock(&C->m);
    return n;
}

void hcsg_containers_dump(hcsg_containers *C, hcsi_buf *b)
{
    static const char *const st[] = {"creating", "created", "starting", "running",
                                     "deleting"};
    ctr *c;
    pthread_mutex_lock(&C->m);
    hcsi_buf_printf(b, "containers: %zu (runtime %s, root %s)\n", C->n, C->oci.path,
                    C->oci.root);
    for (c = C->list; c; c = c->next)
        hcsi_buf_printf(b, "  %s: %s%s, init pid %ld%s\n", c->id, st[c->state],
                        c->exited ? " (init exited)" : "", (long)c->init_pid,
                        c->notified ? ", notified" : "");
    pthread_mutex_unlock(&C->m);
}

