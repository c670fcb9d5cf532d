/*
 * hcs-gcs benchmark: a container's lifecycle through libhcs's bridge and the
 * agent against the floor, `runc run` of the same container (docs/hcs-gcs.md,
 * "Benchmark: container lifecycle").
 *
 *   lifecycle  CombinedLayers Add -> Create -> init start -> exit code and
 *              exit notification -> CombinedLayers Remove ->
 *              DeleteContainerState, init /bin/true in a busybox layer;
 *              the whole and each phase are timed
 *   floor      fork/exec + wait of `runc --root R run --bundle B ID`, the
 *              same spec (same encoder call) on the same kind of overlay
 *   direct     the agent's runc commands run here (create, start, the init
 *              reaped as its subreaper, delete --force): splits the gap into
 *              the runc CLI's cost and what the bridge and the agent add
 *   runc       `runc --version`: one runc process start-up
 *
 * usage: bench_gcs_container [--iterations N] [--agent PATH] [--runc PATH]
 *                            [--json]
 *
 * Needs root, runc and busybox-static (else it says why and exits 0). It
 * runs in a mount namespace of its own with a private tmpfs on /run, as the
 * container tests do; the agent is a spawned `hcs-gcs --stdio` (no
 * AF_VSOCK). Every way out (SIGINT/SIGTERM/SIGHUP: after the current
 * iteration) closes the bridge, so the agent removes what is left, deletes
 * a floor container, unmounts the overlays and the tmpfs, and removes the
 * cgroup parents runc made during the run.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hcs/error.h"
#include "hcs/gcs.h"
#include "hcs/gcs_oci.h"

#include "bench_util.h"

#ifndef HCS_GCS_AGENT_PATH
#define HCS_GCS_AGENT_PATH "hcs-gcs"
#endif

#define MIN_ITERS 50
#define MAX_ITERS 1000
#define WARMUP 3
#define CMD_TIMEOUT_MS 30000
#define WAIT_TIMEOUT_MS 30000
#define TARGET_RATIO 1.3

#define WORK "/run/hcsg-bench"
#define LAYER WORK "/layer"
#define STDIO_DIR WORK "/stdio"
#define FLOOR_DIR WORK "/floor"
#define FLOOR_ROOT WORK "/runc-floor"
#define AGENT_RT_ROOT "/run/gcs/runtime"
#define AGENT_STATE "/run/gcs/c"

static const char *const k_true[] = {"/bin/true", NULL};
static const char *const k_false[] = {"/bin/false", NULL};

enum { PH_ADD, PH_CREATE, PH_START, PH_EXIT, PH_REMOVE, PH_DELETE, PH_N };
static const char *const k_phase[PH_N] = {
    "layers Add (overlay mount)        ",
    "Create (bundle, runc create)      ",
    "init start                        ",
    "exit (exit code + notification)   ",
    "layers Remove (overlay unmount)   ",
    "DeleteContainerState              ",
};

/* ---- state torn down on every way out ---- */

static volatile sig_atomic_t g_stop;
static const char *g_runc = "/usr/sbin/runc";
static pid_t g_agent = -1;
static hcs_gcs_bridge *g_bridge;
static int g_in_ns;
static char g_floor_id[64];     /* a floor container that may exist */
static char g_floor_bundle[256]; /* its bundle (overlay at rootfs) */
static int g_floor_mounted;
static char g_cg_new[16][128];  /* cgroup parents that did not exist */
static size_t g_cg_n;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* The time since *t, and *t = now. */
static double lap(double *t)
{
    double n = now_us(), d = n - *t;
    *t = n;
    return d;
}

/* ---- processes ---- */

/* Waits at most timeout_ms for pid, our child (then SIGKILL). 0 with
 * *status, or -1. */
static int wait_child(pid_t pid, const char *what, int timeout_ms, int *status)
{
    double deadline = now_us() + (double)timeout_ms * 1000.0;
    struct pollfd f = {(int)syscall(SYS_pidfd_open, pid, 0), POLLIN, 0};
    pid_t w;
    int killed = 0;
    while ((w = waitpid(pid, status, WNOHANG)) == 0 || (w < 0 && errno == EINTR)) {
        double left = deadline - now_us();
        if (left <= 0) {
            fprintf(stderr, "bench_gcs_container: %s did not finish within %d ms: killed\n",
                    what, timeout_ms);
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            killed = 1;
            break;
        }
        /* Without a pidfd (Linux < 5.3), poll every millisecond. */
        (void)poll(&f, f.fd >= 0, f.fd >= 0 ? (int)(left / 1000.0) + 1 : 1);
    }
    if (f.fd >= 0)
        close(f.fd);
    if (w != pid && !killed)
        fprintf(stderr, "bench_gcs_container: waiting for %s: %s\n", what, strerror(errno));
    return w == pid && !killed ? 0 : -1;
}

/* 0 when status is exit want, else -1 (printed, with runc's stderr). */
static int check_exit(const char *what, int status, int want)
{
    char buf[2048];
    size_t n = 0;
    FILE *f;
    if (WIFEXITED(status) && WEXITSTATUS(status) == want)
        return 0;
    fprintf(stderr, "bench_gcs_container: %s: %s %d, expected exit %d\n", what,
            WIFEXITED(status) ? "exit" : "signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), want);
    if ((f = fopen(WORK "/runc-stderr", "re")) != NULL) {
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    if (n)
        fprintf(stderr, "  runc said: %s%s", buf, buf[n - 1] == '\n' ? "" : "\n");
    return -1;
}

/* fork/exec argv with stdin/stdout on /dev/null and stderr into
 * WORK/runc-stderr, environment PATH only (what the agent gives runc),
 * then waits for it (bounded). 0 with *status, or -1. */
static int run_cmd(const char *const *argv, int *status)
{
    static char *const envp[] = {
        (char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    char what[128];
    pid_t pid = -1;
    int dn = open("/dev/null", O_RDWR | O_CLOEXEC);
    int ef = open(WORK "/runc-stderr", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (dn >= 0 && (pid = fork()) == 0) {
        dup2(dn, 0);
        dup2(dn, 1);
        dup2(ef >= 0 ? ef : dn, 2);
        execve(argv[0], (char *const *)argv, envp);
        _exit(127);
    }
    if (ef >= 0)
        close(ef);
    if (dn < 0)
        return -1;
    close(dn);
    if (pid < 0)
        return -1;
    snprintf(what, sizeof what, "%s %s %s", argv[0], argv[1], argv[2] ? argv[2] : "");
    return wait_child(pid, what, CMD_TIMEOUT_MS, status);
}

/* Runs a runc command; 0 when it exited 0, else -1 (printed). */
static int runc_ok(const char *const *argv)
{
    char what[160];
    int status = 0, last = 3;
    while (argv[last + 1])
        last++;
    snprintf(what, sizeof what, "runc %s %s", argv[3], argv[last]);
    return run_cmd(argv, &status) == 0 ? check_exit(what, status, 0) : -1;
}

/* ---- files ---- */

static int write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "we");
    int ok;
    if (!f)
        return -1;
    ok = fputs(text, f) >= 0;
    if (fchmod(fileno(f), mode) != 0)
        ok = 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[65536];
    ssize_t n = -1;
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0)
        n = -1;
    return n == 0 ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    (void)(flag == FTW_DP ? rmdir(path) : unlink(path));
    return 0;
}

/* rm -rf that stays on one file system (a mount below is left alone). */
static void remove_tree(const char *path)
{
    (void)nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* The busybox layer (as tests/guest/ctr_kit.c builds it). */
static int make_layer(void)
{
    static const char *const dirs[] = {"bin", "proc", "dev", "sys", "tmp", "etc", "root"};
    static const char *const tools[] = {"sh", "true", "false"};
    char p[256];
    size_t i;
    if (mkdir(LAYER, 0755) != 0)
        return -1;
    for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", LAYER, dirs[i]);
        if (mkdir(p, 0755) != 0)
            return -1;
    }
    if (copy_file("/bin/busybox", LAYER "/bin/busybox", 0755) != 0)
        return -1;
    for (i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        snprintf(p, sizeof p, "%s/bin/%s", LAYER, tools[i]);
        if (symlink("busybox", p) != 0)
            return -1;
    }
    return write_file(LAYER "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644);
}

/* ---- cgroup parents runc makes for cgroupsPath /containers/<id> ---- */

static void cgroups_note(void)
{
    DIR *d = opendir("/sys/fs/cgroup");
    struct dirent *de;
    struct stat st;
    char p[128];
    if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) { /* v2 */
        if (stat("/sys/fs/cgroup/containers", &st) != 0)
            snprintf(g_cg_new[g_cg_n++], sizeof g_cg_new[0], "/sys/fs/cgroup/containers");
    }
    while (d && (de = readdir(d)) != NULL && g_cg_n < 16) {
        if (de->d_name[0] == '.' || strlen(de->d_name) > 64)
            continue;
        snprintf(p, sizeof p, "/sys/fs/cgroup/%.64s/cgroup.procs", de->d_name);
        if (stat(p, &st) != 0)
            continue; /* not a hierarchy (or a symlink to one we also list) */
        snprintf(p, sizeof p, "/sys/fs/cgroup/%.64s/containers", de->d_name);
        if (stat(p, &st) != 0)
            snprintf(g_cg_new[g_cg_n++], sizeof g_cg_new[0], "%s", p);
    }
    if (d)
        closedir(d);
}

static void cgroups_restore(void)
{
    size_t i;
    for (i = 0; i < g_cg_n; i++)
        (void)rmdir(g_cg_new[i]); /* only when empty: another user keeps it */
}

/* ---- teardown ---- */

static void floor_teardown(void)
{
    char rtdir[256];
    struct stat st;
    if (g_floor_id[0]) {
        snprintf(rtdir, sizeof rtdir, "%s/%s", FLOOR_ROOT, g_floor_id);
        if (stat(rtdir, &st) == 0) {
            const char *argv[] = {g_runc, "--root", FLOOR_ROOT, "delete", "--force",
                                  g_floor_id, NULL};
            int status;
            (void)run_cmd(argv, &status);
        }
        g_floor_id[0] = '\0';
    }
    if (g_floor_mounted) {
        char root[300];
        snprintf(root, sizeof root, "%s/rootfs", g_floor_bundle);
        if (umount2(root, 0) != 0)
            (void)umount2(root, MNT_DETACH);
        g_floor_mounted = 0;
    }
    if (g_floor_bundle[0]) {
        remove_tree(g_floor_bundle);
        g_floor_bundle[0] = '\0';
    }
}

static void agent_down(void)
{
    int st;
    if (g_bridge) {
        /* EOF on the bridge: the agent kills, deletes and unmounts what is
         * left, then exits 0. */
        hcs_gcs_bridge_close(g_bridge);
        g_bridge = NULL;
    }
    if (g_agent > 0)
        (void)wait_child(g_agent, "the agent", 15000, &st);
    g_agent = -1;
}

static void cleanup_all(void)
{
    agent_down();
    floor_teardown();
    if (g_in_ns) {
        remove_tree(WORK);
        remove_tree("/run/gcs");
        if (umount2("/run", 0) != 0)
            (void)umount2("/run", MNT_DETACH);
        g_in_ns = 0;
    }
    cgroups_restore();
}

static void fail_hr(const char *what, hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    fprintf(stderr, "bench_gcs_container: %s: 0x%08x %s\n", what, (unsigned)hr,
            e && e->message ? e->message : "");
}

/* ---- the namespace ---- */

/* A mount namespace of our own, nothing propagating back, a private tmpfs
 * on /run. 0, or -1 with why (environment: skip). */
static int enter_namespace(char *why, size_t n)
{
    if (unshare(CLONE_NEWNS) != 0) {
        snprintf(why, n, "unshare(CLONE_NEWNS): %s", strerror(errno));
        return -1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        snprintf(why, n, "making / private in the new namespace: %s", strerror(errno));
        return -1;
    }
    if (mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") != 0) {
        snprintf(why, n, "tmpfs on /run: %s", strerror(errno));
        return -1;
    }
    g_in_ns = 1;
    return 0;
}

/* ---- the agent ---- */

static int agent_up(const char *path)
{
    int sv[2];
    hcs_gcs_bridge_options cfg;
    hcs_result hr;
    if (mkdir(STDIO_DIR, 0700) != 0 && errno != EEXIST)
        return -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        perror("socketpair");
        return -1;
    }
    g_agent = fork();
    if (g_agent == 0) {
        /* Its own process group: a terminal's ^C reaches the benchmark,
         * which then closes the bridge (the agent cleans up in order). */
        (void)setpgid(0, 0);
        dup2(sv[1], 0);
        dup2(sv[1], 1);
        execl(path, path, "--stdio", "--stdio-dir", STDIO_DIR, "--runtime", g_runc,
              "--runtime-root", AGENT_RT_ROOT, "--state-root", AGENT_STATE, "--log-level",
              "error", (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    if (g_agent < 0) {
        close(sv[0]);
        perror("fork");
        return -1;
    }
    hcs_gcs_bridge_options_init(&cfg, HCS_GCS_BRIDGE_OPTIONS_VERSION);
    cfg.stdio_address = "unix:" STDIO_DIR;
    cfg.accept_timeout_ms = 30000;
    cfg.rpc_timeout_ms = 60000;
    hr = hcs_gcs_connect_fds(sv[0], sv[0], 1, &cfg, &g_bridge);
    if (HCS_FAILED(hr)) {
        fail_hr("connect to the agent", hr);
        g_bridge = NULL;
        return -1;
    }
    return 0;
}

/* The same spec for both sides: the library's LCOW defaults (namespaces,
 * mounts, masked paths, cgroupsPath /containers/<id>, a network namespace
 * of its own), the init argv, the rootfs. Caller frees with hcs_free. */
static char *make_spec(const char *id, const char *root, const char *const *argv)
{
    hcs_gcs_oci_spec_options so;
    char *spec = NULL;
    hcs_result hr;
    hcs_gcs_oci_spec_options_init(&so, HCS_GCS_OCI_SPEC_OPTIONS_VERSION);
    so.process.args = argv;
    so.container_id = id;
    so.root_path = root;
    hr = hcs_gcs_encode_oci_spec(&so, &spec);
    if (HCS_FAILED(hr)) {
        fail_hr("hcs_gcs_encode_oci_spec", hr);
        return NULL;
    }
    return spec;
}

/* Create: the spec and the container document are built by the library,
 * as a host does (microseconds), and timed with the RPC. */
static hcs_result create(const char *id, const char *bundle, const char *root,
                         const char *const *argv)
{
    char *spec = make_spec(id, root, argv), *config = NULL;
    hcs_result hr = HCS_ERR_INVALIDARG;
    if (spec && HCS_FAILED(hr = hcs_gcs_encode_lcow_container_config(bundle, spec, NULL,
                                                                      &config)))
        fail_hr("hcs_gcs_encode_lcow_container_config", hr);
    if (config)
        hr = hcs_gcs_container_create(g_bridge, id, config);
    hcs_free(config);
    hcs_free(spec);
    return hr;
}

/* The exit: the init's exit code (WaitForProcess, sent by process_start)
 * and the container's exit notification. */
static hcs_result wait_exit(hcs_gcs_process *p, const char *id, uint32_t *code,
                            hcs_gcs_notification *note)
{
    hcs_result hr = hcs_gcs_process_wait(p, WAIT_TIMEOUT_MS, code);
    return HCS_FAILED(hr) ? hr : hcs_gcs_container_wait(g_bridge, id, WAIT_TIMEOUT_MS, note);
}

/* One lifecycle through the bridge; ph[] gets each phase in us. 0 or -1
 * (already reported; what exists was torn down as far as possible). */
static int lifecycle(const char *id, const char *const *argv, int want_code, double ph[PH_N])
{
    char bundle[128], root[160], scratch[160];
    const char *layers[] = {LAYER, NULL};
    hcs_gcs_combined_layers cl, rm;
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    hcs_gcs_notification note;
    int added = 0, created = 0, rc = -1;
    uint32_t code = 0xFFFFFFFFu;
    hcs_result hr;
    double t0;
    memset(&note, 0, sizeof note);
    snprintf(bundle, sizeof bundle, "%s/%s", AGENT_STATE, id);
    snprintf(root, sizeof root, "%s/rootfs", bundle);
    snprintf(scratch, sizeof scratch, "%s/scratch", bundle);
    memset(&cl, 0, sizeof cl);
    cl.container_id = id;
    cl.container_root_path = root;
    rm = cl;
    cl.layer_paths = layers;
    cl.scratch_path = scratch;
    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.container_id = id; /* no OCI process: the init */
#define STEP(phase, what, call)                                                              \
    do {                                                                                     \
        t0 = now_us();                                                                       \
        hr = (call);                                                                         \
        ph[phase] = now_us() - t0;                                                           \
        if (HCS_FAILED(hr)) {                                                                \
            fail_hr(what, hr);                                                               \
            goto out;                                                                        \
        }                                                                                    \
    } while (0)
    STEP(PH_ADD, "CombinedLayers Add", hcs_gcs_modify_combined_layers(g_bridge, "Add", &cl));
    added = 1;
    STEP(PH_CREATE, "Create", create(id, bundle, root, argv));
    created = 1;
    STEP(PH_START, "init start (ExecuteProcess)", hcs_gcs_process_start(g_bridge, &pc, &p));
    STEP(PH_EXIT, "the init's exit", wait_exit(p, id, &code, &note));
    if (code != (uint32_t)want_code) {
        fprintf(stderr, "bench_gcs_container: %s: init %s exited %lu, expected %lu\n", id,
                argv[0], (unsigned long)code, (unsigned long)(uint32_t)want_code);
        goto out;
    }
    if (!note.type || strcmp(note.type, "UnexpectedExit") != 0) {
        fprintf(stderr, "bench_gcs_container: %s: notification \"%s\", expected "
                        "UnexpectedExit\n", id, note.type ? note.type : "");
        goto out;
    }
    hcs_gcs_process_close(p);
    p = NULL;
    STEP(PH_REMOVE, "CombinedLayers Remove",
         hcs_gcs_modify_combined_layers(g_bridge, "Remove", &rm));
    added = 0;
    STEP(PH_DELETE, "DeleteContainerState", hcs_gcs_container_delete_state(g_bridge, id));
    created = 0;
    rc = 0;
#undef STEP
out:
    if (p)
        hcs_gcs_process_close(p);
    hcs_gcs_notification_clear(&note);
    if (created) { /* hcsshim's teardown order */
        (void)hcs_gcs_container_shutdown(g_bridge, id, 1);
        (void)hcs_gcs_container_wait(g_bridge, id, 10000, NULL);
    }
    if (added)
        (void)hcs_gcs_modify_combined_layers(g_bridge, "Remove", &rm);
    if (created)
        (void)hcs_gcs_container_delete_state(g_bridge, id);
    return rc;
}

/* ---- the floor: runc directly ---- */

/* The overlay of the layer with a scratch at B/rootfs and B/config.json
 * (the spec the lifecycle sends), B = FLOOR_DIR/id. 0 or -1 (reported). */
static int floor_prepare(const char *id, const char *const *argv)
{
    char p[384], opts[768], root[300], *spec = NULL;
    int rc = -1;
    snprintf(g_floor_bundle, sizeof g_floor_bundle, "%s/%s", FLOOR_DIR, id);
    snprintf(root, sizeof root, "%s/rootfs", g_floor_bundle);
    snprintf(p, sizeof p, "%s/scratch", g_floor_bundle);
    if (mkdir(g_floor_bundle, 0700) != 0 || mkdir(root, 0755) != 0 || mkdir(p, 0755) != 0) {
        fprintf(stderr, "bench_gcs_container: mkdir under %s: %s\n", g_floor_bundle,
                strerror(errno));
        return -1;
    }
    snprintf(p, sizeof p, "%s/scratch/upper", g_floor_bundle);
    (void)mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/scratch/work", g_floor_bundle);
    (void)mkdir(p, 0755);
    snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s/scratch/upper,workdir=%s/scratch/work",
             LAYER, g_floor_bundle, g_floor_bundle);
    if (mount("overlay", root, "overlay", 0, opts) != 0) {
        fprintf(stderr, "bench_gcs_container: overlay at %s: %s\n", root, strerror(errno));
        return -1;
    }
    g_floor_mounted = 1;
    spec = make_spec(id, root, argv);
    snprintf(p, sizeof p, "%s/config.json", g_floor_bundle);
    if (!spec || write_file(p, spec, 0600) != 0)
        fprintf(stderr, "bench_gcs_container: cannot write %s\n", p);
    else
        rc = 0;
    hcs_free(spec);
    return rc;
}

/* The floor: overlay + bundle (into *fs_us), `runc run` (into *run_us),
 * unmount + removal (added to *fs_us). 0 or -1 (reported, torn down). */
static int floor_run(const char *id, const char *const *argv, int want_code, double *run_us,
                     double *fs_us)
{
    const char *cmd[] = {g_runc, "--root", FLOOR_ROOT, "run", "--bundle", NULL, id, NULL};
    char p[384], what[128];
    struct stat st;
    int status = 0;
    double t0, t1, t2, t3;
    t0 = now_us();
    if (floor_prepare(id, argv) != 0)
        goto fail;
    t1 = now_us();
    cmd[5] = g_floor_bundle;
    snprintf(g_floor_id, sizeof g_floor_id, "%s", id);
    snprintf(what, sizeof what, "runc run %s (%s)", id, argv[0]);
    if (run_cmd(cmd, &status) != 0 || check_exit(what, status, want_code) != 0)
        goto fail;
    /* runc run deletes a container whose init exited; when it did not,
     * the delete counts. */
    snprintf(p, sizeof p, "%s/%s", FLOOR_ROOT, id);
    if (stat(p, &st) == 0) {
        const char *del[] = {g_runc, "--root", FLOOR_ROOT, "delete", "--force", id, NULL};
        if (runc_ok(del) != 0)
            goto fail;
    }
    g_floor_id[0] = '\0';
    t2 = now_us();
    snprintf(p, sizeof p, "%s/rootfs", g_floor_bundle);
    if (umount2(p, 0) != 0) {
        fprintf(stderr, "bench_gcs_container: unmount %s: %s\n", p, strerror(errno));
        goto fail;
    }
    g_floor_mounted = 0;
    remove_tree(g_floor_bundle);
    g_floor_bundle[0] = '\0';
    t3 = now_us();
    *run_us = t2 - t1;
    *fs_us = (t1 - t0) + (t3 - t2);
    return 0;
fail:
    floor_teardown();
    return -1;
}

/* The agent's runc commands without the agent: `runc create` (pid file),
 * `runc start`, the init reaped (we are its subreaper, as the agent is),
 * `runc delete --force`. ph[]: PH_ADD = overlay + bundle, PH_CREATE,
 * PH_START, PH_EXIT, PH_REMOVE = unmount + removal, PH_DELETE. */
static int direct_run(const char *id, const char *const *argv, int want_code, double ph[PH_N])
{
    char pidf[320], what[32];
    const char *create[] = {g_runc, "--root", FLOOR_ROOT, "create", "--bundle", NULL,
                            "--pid-file", pidf, id, NULL};
    const char *start[] = {g_runc, "--root", FLOOR_ROOT, "start", id, NULL};
    const char *del[] = {g_runc, "--root", FLOOR_ROOT, "delete", "--force", id, NULL};
    FILE *f;
    long pid = 0;
    int status = 0;
    double t = now_us();
    if (floor_prepare(id, argv) != 0)
        goto fail;
    ph[PH_ADD] = lap(&t);
    snprintf(pidf, sizeof pidf, "%s/init.pid", g_floor_bundle);
    create[5] = g_floor_bundle;
    snprintf(g_floor_id, sizeof g_floor_id, "%s", id);
    if (runc_ok(create) != 0)
        goto fail;
    ph[PH_CREATE] = lap(&t);
    if ((f = fopen(pidf, "re")) == NULL || fscanf(f, "%ld", &pid) != 1 || pid <= 1) {
        fprintf(stderr, "bench_gcs_container: runc create %s wrote no pid to %s\n", id, pidf);
        if (f)
            fclose(f);
        goto fail;
    }
    fclose(f);
    t = now_us();
    if (runc_ok(start) != 0)
        goto fail;
    ph[PH_START] = lap(&t);
    if (wait_child((pid_t)pid, "the init", WAIT_TIMEOUT_MS, &status) != 0)
        goto fail;
    ph[PH_EXIT] = lap(&t);
    snprintf(what, sizeof what, "init %.20s", argv[0]);
    if (check_exit(what, status, want_code) != 0)
        goto fail;
    t = now_us(); /* as the agent's Remove: unmount, remove the mount point */
    snprintf(pidf, sizeof pidf, "%s/rootfs", g_floor_bundle);
    if (umount2(pidf, 0) != 0) {
        fprintf(stderr, "bench_gcs_container: unmount %s: %s\n", pidf, strerror(errno));
        goto fail;
    }
    g_floor_mounted = 0;
    (void)rmdir(pidf);
    ph[PH_REMOVE] = lap(&t);
    if (runc_ok(del) != 0) /* as the agent's Delete: runc delete, the bundle */
        goto fail;
    g_floor_id[0] = '\0';
    remove_tree(g_floor_bundle);
    g_floor_bundle[0] = '\0';
    ph[PH_DELETE] = lap(&t);
    return 0;
fail:
    floor_teardown();
    return -1;
}

/* Orphans that came to us as subreaper (none expected). */
static void reap_strays(void)
{
    int st;
    pid_t w;
    while ((w = waitpid(-1, &st, WNOHANG)) > 0)
        if (w == g_agent) {
            fprintf(stderr, "bench_gcs_container: the agent exited unexpectedly\n");
            g_agent = -1;
        }
}

static int runc_version(double *us)
{
    const char *cmd[] = {g_runc, "--version", NULL};
    int status = 0;
    double t0 = now_us();
    if (run_cmd(cmd, &status) != 0 || check_exit("runc --version", status, 0) != 0)
        return -1;
    *us = now_us() - t0;
    return 0;
}

/* ---- main ---- */

static const char *find_runc(void)
{
    static char buf[512];
    const char *path = getenv("PATH");
    if (access("/usr/sbin/runc", X_OK) == 0)
        return "/usr/sbin/runc";
    while (path && *path) {
        const char *c = strchr(path, ':');
        size_t l = c ? (size_t)(c - path) : strlen(path);
        if (l && l < 400) {
            snprintf(buf, sizeof buf, "%.*s/runc", (int)l, path);
            if (access(buf, X_OK) == 0)
                return buf;
        }
        path = c ? c + 1 : NULL;
    }
    return NULL;
}

static int skip(const char *why)
{
    printf("bench_gcs_container: skipped: %s (a benchmark, not a test: exit 0)\n", why);
    return 0;
}

/* The samples: a row of N per series. */
enum {
    S_LIFE = 0, /* + phase */
    S_LIFE_TOTAL = PH_N,
    S_DIRECT, /* + phase */
    S_DIRECT_TOTAL = S_DIRECT + PH_N,
    S_FLOOR,
    S_FLOOR_FS, /* floor + overlay mount/unmount + bundle write/removal */
    S_VERSION,
    S_N
};

/* The two paths measured phase by phase: their container ids' prefix,
 * their runner and their first series. */
static const struct {
    const char *prefix;
    int (*run)(const char *id, const char *const *argv, int want_code, double ph[PH_N]);
    int base;
} k_phased[2] = {{"direct", direct_run, S_DIRECT}, {"bench", lifecycle, S_LIFE}};

static const char *const k_direct[PH_N] = {
    "overlay mount + config.json", "runc create", "runc start",
    "init reaped (subreaper)", "unmount", "runc delete --force + rm",
};

static void report(const double *d, size_t n, int json, const char *agent)
{
    static const char *const key[PH_N] = {"layers_add", "create", "start", "exit",
                                          "layers_remove", "delete"};
#define ROW(s) (d + (size_t)(s) * n)
#define MED(s) pct(ROW(s), n, 0.5)
#define P90(s) pct(ROW(s), n, 0.9)
    double mt = MED(S_LIFE_TOTAL), mf = MED(S_FLOOR), mfs = MED(S_FLOOR_FS);
    double md = MED(S_DIRECT_TOTAL), sum = 0, dsum = 0;
    int k, above = mt / mf > TARGET_RATIO;
    if (json) {
        printf("{\"iterations\":%zu,\"lifecycle_median_us\":%.0f,\"lifecycle_p90_us\":%.0f,"
               "\"floor_runc_run_median_us\":%.0f,\"floor_runc_run_p90_us\":%.0f,"
               "\"ratio\":%.3f,\"target_ratio\":%.2f,\"above_target\":%s,"
               "\"floor_with_fs_median_us\":%.0f,\"floor_with_fs_p90_us\":%.0f,"
               "\"ratio_with_fs\":%.3f,\"direct_median_us\":%.0f,\"direct_p90_us\":%.0f,"
               "\"runc_version_median_us\":%.0f,\"runc_version_p90_us\":%.0f,\"phases\":{",
               n, mt, P90(S_LIFE_TOTAL), mf, P90(S_FLOOR), mt / mf, TARGET_RATIO,
               above ? "true" : "false", mfs, P90(S_FLOOR_FS), mt / mfs, md,
               P90(S_DIRECT_TOTAL), MED(S_VERSION), P90(S_VERSION));
        for (k = 0; k < PH_N; k++)
            printf("%s\"%s\":{\"median_us\":%.0f,\"p90_us\":%.0f,\"direct_median_us\":%.0f,"
                   "\"direct_p90_us\":%.0f}", k ? "," : "", key[k], MED(S_LIFE + k),
                   P90(S_LIFE + k), MED(S_DIRECT + k), P90(S_DIRECT + k));
        printf("}}\n");
        return;
    }
    printf("container lifecycle: median %.1f ms (p90 %.1f), floor runc run %.1f ms (p90 %.1f), "
           "ratio %.2f (target <= %.1f)%s\n", mt / 1e3, P90(S_LIFE_TOTAL) / 1e3, mf / 1e3,
           P90(S_FLOOR) / 1e3, mt / mf, TARGET_RATIO, above ? "  ABOVE TARGET" : "");
    printf("  n=%zu, the three runs interleaved in a rotating order after %d warm-ups each; "
           "agent %s, %s\n", n, WARMUP, agent, g_runc);
    printf("  lifecycle: Add layers -> Create -> init start -> exit code + notification -> "
           "Remove layers -> DeleteContainerState, init /bin/true\n");
    printf("  floor:     fork/exec + wait of `runc --root R run --bundle B ID`, the same spec on "
           "the same kind of overlay\n");
    printf("  floor with the overlay mount/unmount and bundle write/removal: median %.1f ms "
           "(p90 %.1f), ratio %.2f\n", mfs / 1e3, P90(S_FLOOR_FS) / 1e3, mt / mfs);
    printf("  the agent's runc commands run directly (create, start, reap, delete): median "
           "%.1f ms (p90 %.1f), ratio to it %.2f\n", md / 1e3, P90(S_DIRECT_TOTAL) / 1e3,
           mt / md);
    printf("  phases, median / p90 in ms      through bridge + agent      |  runc directly\n");
    for (k = 0; k < PH_N; k++) {
        sum += MED(S_LIFE + k);
        dsum += MED(S_DIRECT + k);
        printf("    %s %7.1f / %7.1f  |  %7.1f / %7.1f  %s\n", k_phase[k],
               MED(S_LIFE + k) / 1e3, P90(S_LIFE + k) / 1e3, MED(S_DIRECT + k) / 1e3,
               P90(S_DIRECT + k) / 1e3, k_direct[k]);
    }
    printf("    sum of the phase medians           %7.1f           |  %7.1f\n", sum / 1e3,
           dsum / 1e3);
    printf("  one runc process start-up (`runc --version`): median %.1f ms (p90 %.1f); the "
           "agent runs it once (create; it starts and deletes a runc container itself), the floor once\n", MED(S_VERSION) / 1e3,
           P90(S_VERSION) / 1e3);
#undef ROW
#undef MED
#undef P90
}

int main(int argc, char **argv)
{
    const char *agent = HCS_GCS_AGENT_PATH, *runc_opt = NULL;
    int iters = MIN_ITERS, json = 0, i, k, rc = 1;
    double *d = NULL, p1[PH_N], a, b;
    size_t n;
    char why[256], id[64];
    struct sigaction sa;
    if (bench_options(argc, argv, &agent, &iters, &json, "--runc", &runc_opt) != 0) {
        fprintf(stderr, "usage: bench_gcs_container [--iterations N (%d..%d)] "
                        "[--agent PATH] [--runc PATH] [--json]\n", MIN_ITERS, MAX_ITERS);
        return 2;
    }
    iters = iters < MIN_ITERS ? MIN_ITERS : iters > MAX_ITERS ? MAX_ITERS : iters;
    n = (size_t)iters;

    if (geteuid() != 0)
        return skip("needs root (mount namespaces, overlays, runc)");
    g_runc = runc_opt ? runc_opt : find_runc();
    if (!g_runc || access(g_runc, X_OK) != 0)
        return skip("no runc (apt-get install runc)");
    if (access("/bin/busybox", X_OK) != 0)
        return skip("no /bin/busybox (apt-get install busybox-static)");
    if (access(agent, X_OK) != 0) {
        fprintf(stderr, "bench_gcs_container: agent %s: %s\n", agent, strerror(errno));
        return 1;
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Before any thread: unshare(CLONE_NEWNS) needs an unshared fs. */
    if (enter_namespace(why, sizeof why) != 0) {
        cleanup_all();
        return skip(why);
    }
    /* The inits of `runc create` come to us when runc exits, as they come
     * to the agent. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        fprintf(stderr, "bench_gcs_container: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
        goto done;
    }
    cgroups_note();
    if (mkdir(WORK, 0755) != 0 || make_layer() != 0 || mkdir(FLOOR_DIR, 0755) != 0) {
        fprintf(stderr, "bench_gcs_container: cannot build the layer under %s: %s\n", WORK,
                strerror(errno));
        goto done;
    }
    d = (double *)calloc(S_N * n, sizeof *d);
    if (!d || agent_up(agent) != 0)
        goto done;

    /* Sanity: an exit code travels every way (/bin/false -> 1). If the
     * overlay or runc itself cannot work here, that is the environment. */
    if (floor_run("floor-sanity", k_false, 1, &a, &b) != 0) {
        fprintf(stderr, "bench_gcs_container: runc cannot run the busybox container here "
                        "(see above)\n");
        goto done;
    }
    for (k = 0; k < 2; k++) {
        snprintf(id, sizeof id, "%s-sanity", k_phased[k].prefix);
        if (k_phased[k].run(id, k_false, 1, p1) != 0)
            goto done;
    }
    for (i = 0; i < WARMUP && !g_stop; i++) {
        snprintf(id, sizeof id, "floor-w%d", i);
        if (floor_run(id, k_true, 0, &a, &b) != 0)
            goto done;
        for (k = 0; k < 2; k++) {
            snprintf(id, sizeof id, "%s-w%d", k_phased[k].prefix, i);
            if (k_phased[k].run(id, k_true, 0, p1) != 0)
                goto done;
        }
    }
    reap_strays();

    for (i = 0; i < iters && !g_stop; i++) {
        int step, which, base;
        double t0;
        /* The three containers in a rotating order, then runc --version. */
        for (step = 0; step < 3; step++) {
            which = (step + i) % 3;
            if (which == 0) {
                snprintf(id, sizeof id, "floor-%d", i);
                if (floor_run(id, k_true, 0, &a, &b) != 0)
                    goto done;
                d[S_FLOOR * n + (size_t)i] = a;
                d[S_FLOOR_FS * n + (size_t)i] = a + b;
                continue;
            }
            snprintf(id, sizeof id, "%s-%d", k_phased[which - 1].prefix, i);
            t0 = now_us();
            if (k_phased[which - 1].run(id, k_true, 0, p1) != 0)
                goto done;
            base = k_phased[which - 1].base;
            d[(size_t)(base + PH_N) * n + (size_t)i] = now_us() - t0;
            for (k = 0; k < PH_N; k++)
                d[(size_t)(base + k) * n + (size_t)i] = p1[k];
        }
        if (runc_version(&d[S_VERSION * n + (size_t)i]) != 0)
            goto done;
        reap_strays();
        if (g_agent < 0)
            goto done;
    }
    if (g_stop) {
        fprintf(stderr, "bench_gcs_container: interrupted after %d iterations\n", i);
        goto done;
    }
    report(d, n, json, agent);
    rc = 0;
done:
    cleanup_all();
    free(d);
    return g_stop && rc != 0 ? 130 : rc;
}
