/* hcsctl gcs run against a hostile guest (hostile_gcs.c), end to end:
 *   - a guest that never reads the stdin relay: 16 MiB piped into hcsctl,
 *     the exit code arrives while the stdin thread is blocked in a write,
 *     and hcsctl still exits at once (hcs_gcs_process_close cancels first);
 *   - a guest that stops answering (silent, or dripping an answer a byte at
 *     a time) after negotiating: --rpc-timeout bounds hcsctl, exit 125 and a
 *     clear message, in both modes (a process in the UVM and a container),
 *     also at the container's teardown;
 *   - bidi controls and invisible characters in guest text (error messages,
 *     error records, the container mode's errors, bridge warnings, gcs
 *     decode) never reach hcsctl's output raw, while the command's own
 *     stdout and stderr are relayed byte for byte.
 * POSIX only. Every wait is bounded: a hung hcsctl is killed and fails. */
#define _GNU_SOURCE 1 /* pipe2 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gcs_test_util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef HCSCTL_PATH
#  error "HCSCTL_PATH must be defined (path of hcsctl)"
#endif
#ifndef HOSTILE_GCS_PATH
#  error "HOSTILE_GCS_PATH must be defined (path of hostile_gcs)"
#endif

#define KILL_AFTER_MS 20000 /* a hung hcsctl is killed (and the test fails) */
#define PROMPT_MS 5000      /* "promptly" */
#define STDIN_BYTES ((size_t)16 << 20)
#define CAP ((size_t)1 << 20)

typedef struct run {
    char out[CAP], err[CAP];
    size_t nout, nerr;
    int status;
    int killed;
    long long ms;
} run;

static char g_dir[64];

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void take(int *fd, char *buf, size_t *n)
{
    ssize_t r;
    if (*n >= CAP - 1) {
        char sink[4096];
        r = read(*fd, sink, sizeof sink);
    } else {
        r = read(*fd, buf + *n, CAP - 1 - *n);
        if (r > 0)
            *n += (size_t)r;
    }
    if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
        close(*fd);
        *fd = -1;
    }
    buf[*n] = 0;
}

/* Runs hcsctl with argv (NULL-terminated, without argv[0]); stdin from
 * /dev/null or, with stdin_bytes, a pipe fed that much. */
static void run_hcsctl(run *r, const char *const *argv, size_t stdin_bytes)
{
    int po[2], pe[2], pi[2] = {-1, -1};
    const char *args[64];
    gt_feeder f;
    pid_t pid;
    long long t0, kill_at;
    size_t i;
    memset(r, 0, sizeof *r);
    args[0] = "hcsctl";
    for (i = 0; argv[i]; i++)
        args[i + 1] = argv[i];
    args[i + 1] = NULL;
    assert_int_equal(pipe2(po, O_CLOEXEC), 0);
    assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
    if (stdin_bytes)
        assert_int_equal(pipe2(pi, O_CLOEXEC), 0);
    t0 = now_ms();
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = stdin_bytes ? pi[0] : open("/dev/null", O_RDONLY);
        (void)setpgid(0, 0);
        dup2(in, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        execv(HCSCTL_PATH, (char *const *)args);
        _exit(121);
    }
    close(po[1]);
    close(pe[1]);
    if (stdin_bytes) {
        close(pi[0]);
        gt_feed_start(&f, pi[1], stdin_bytes);
    }
    kill_at = t0 + KILL_AFTER_MS;
    for (;;) {
        struct pollfd p[2];
        int np = 0, st;
        if (!r->ms && waitpid(pid, &st, WNOHANG) == pid) {
            r->status = st;
            r->ms = now_ms() - t0;
            kill_at = now_ms() + 2000; /* what is left to read, from the guest too */
        }
        if (po[0] < 0 && pe[0] < 0 && r->ms)
            break;
        if (now_ms() > kill_at) {
            if (r->ms)
                break; /* hcsctl is gone; a guest still holds its stderr */
            (void)kill(-pid, SIGKILL);
            (void)waitpid(pid, &r->status, 0);
            r->ms = now_ms() - t0;
            r->killed = 1;
            break;
        }
        if (po[0] >= 0) {
            p[np].fd = po[0];
            p[np].events = POLLIN;
            p[np++].revents = 0;
        }
        if (pe[0] >= 0) {
            p[np].fd = pe[0];
            p[np].events = POLLIN;
            p[np++].revents = 0;
        }
        if (np == 0) {
            usleep(10000);
            continue;
        }
        if (poll(p, (nfds_t)np, 20) > 0) {
            int k;
            for (k = 0; k < np; k++) {
                if (!p[k].revents)
                    continue;
                if (p[k].fd == po[0])
                    take(&po[0], r->out, &r->nout);
                else
                    take(&pe[0], r->err, &r->nerr);
            }
        }
    }
    if (po[0] >= 0)
        close(po[0]);
    if (pe[0] >= 0)
        close(pe[0]);
    if (stdin_bytes)
        gt_feed_join(&f); /* its pipe's reader is gone: EPIPE (SIGPIPE ignored) */
}

static void expect_exit(const run *r, int code, long long max_ms)
{
    if (r->killed)
        fail_msg("hcsctl hung: killed after %lld ms\nstderr:\n%s", r->ms, r->err);
    if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != code)
        fail_msg("hcsctl: status 0x%x, expected exit %d\nstdout:\n%s\nstderr:\n%s", r->status,
                 code, r->out, r->err);
    if (r->ms > max_ms)
        fail_msg("hcsctl took %lld ms (bound %lld ms)\nstderr:\n%s", r->ms, max_ms, r->err);
}

static void expect_in(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("no \"%s\" in:\n%s", needle, text);
}

static char *spawn_cmd(char *buf, size_t n, const char *mode)
{
    snprintf(buf, n, "%s --stdio-dir %s %s", HOSTILE_GCS_PATH, g_dir, mode);
    return buf;
}

/* ---- 1: a guest that never reads stdin ---- */

static void test_stdin_never_read(void **s)
{
    run *r = (run *)malloc(sizeof *r);
    char spawn[512];
    const char *argv[] = {"gcs", "run", "--spawn", NULL, "--stdio-dir", g_dir, "--",
                          "/bin/true", NULL};
    const char *q;
    (void)s;
    assert_non_null(r);
    argv[3] = spawn_cmd(spawn, sizeof spawn, "--stdin-sink");
    run_hcsctl(r, argv, STDIN_BYTES);
    expect_exit(r, 0, PROMPT_MS);
    /* the exit code came while the host's stdin writer was stuck */
    q = strstr(r->err, "hostile_gcs: ");
    assert_non_null(q);
    assert_true(strtol(q + strlen("hostile_gcs: "), NULL, 10) > 0);
    fprintf(stderr, "stdin never read, 16 MiB: hcsctl exited in %lld ms\n", r->ms);
    free(r);
}

/* ---- 5: a guest that stops answering ---- */

static void silent(const char *mode, const char *const *extra, int code, const char *what)
{
    run *r = (run *)malloc(sizeof *r);
    char spawn[512];
    const char *argv[32];
    size_t n = 0, i;
    assert_non_null(r);
    argv[n++] = "gcs";
    argv[n++] = "run";
    argv[n++] = "--rpc-timeout";
    argv[n++] = "2";
    argv[n++] = "--spawn";
    argv[n++] = spawn_cmd(spawn, sizeof spawn, mode);
    argv[n++] = "--stdio-dir";
    argv[n++] = g_dir;
    for (i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n++] = "--";
    argv[n++] = "/bin/true";
    argv[n] = NULL;
    run_hcsctl(r, argv, 0);
    expect_exit(r, code, PROMPT_MS);
    assert_true(r->ms >= 1900); /* it did wait for the answer */
    expect_in(r->err, what);
    expect_in(r->err, "no response from the guest within 2000 ms");
    if (code == 125)
        expect_in(r->err, "hcsctl: gcs run: the guest stopped answering; giving it up\n");
    fprintf(stderr, "%s%s%s: hcsctl exited %d in %lld ms\n", mode, extra ? " " : "",
            extra ? extra[0] : "", code, r->ms);
    free(r);
}

static const char *const g_ctr[] = {"--rootfs", "/nonexistent/rootfs", NULL};

static void test_rpc_timeout_uvm(void **s)
{
    (void)s;
    silent("--stall 1", NULL, 125, "start COMMAND: ExecuteProcess");
    silent("--stall 1 --drip", NULL, 125, "start COMMAND: ExecuteProcess");
}

static void test_rpc_timeout_container(void **s)
{
    (void)s;
    silent("--stall 1", g_ctr, 125, "mount the layers: ModifySettings Add CombinedLayers");
    silent("--stall 2 --drip", g_ctr, 125, "not torn down: the guest stopped answering");
    silent("--stall 4", g_ctr, 125, "start COMMAND: ExecuteProcess");
    /* at the teardown (ShutdownForced), after the command exited 0 */
    silent("--stall 6", g_ctr, 0, "not torn down: the guest stopped answering");
}

static void test_rpc_timeout_usage(void **s)
{
    run *r = (run *)malloc(sizeof *r);
    const char *zero[] = {"gcs", "run", "--listen", "unix:/tmp", "--rpc-timeout", "0", "--",
                          "true", NULL};
    const char *word[] = {"gcs", "run", "--listen", "unix:/tmp", "--rpc-timeout", "abc", "--",
                          "true", NULL};
    const char *help[] = {"gcs", "--help", NULL};
    (void)s;
    assert_non_null(r);
    run_hcsctl(r, zero, 0);
    expect_exit(r, 2, PROMPT_MS);
    expect_in(r->err, "--rpc-timeout \"0\" is not 1..86400 seconds");
    run_hcsctl(r, word, 0);
    expect_exit(r, 2, PROMPT_MS);
    run_hcsctl(r, help, 0);
    expect_exit(r, 0, PROMPT_MS);
    expect_in(r->out, "--rpc-timeout SECONDS");
    free(r);
}

/* ---- 4: bidi and invisible characters ---- */

/* The UTF-8 of each invisible character hostile_gcs sends. */
static const char *const g_raw[] = {
    "\xE2\x80\xAE", /* U+202E RLO */
    "\xE2\x80\xAC", /* U+202C PDF */
    "\xE2\x81\xA6", /* U+2066 LRI */
    "\xE2\x81\xA9", /* U+2069 PDI */
    "\xE2\x80\x8B", /* U+200B ZWSP */
    "\xE2\x80\x8F", /* U+200F RLM */
    "\xEF\xBB\xBF", /* U+FEFF BOM */
    "\xC2\xAD",     /* U+00AD soft hyphen */
    "\xD8\x9C",     /* U+061C ALM */
    "\xE2\x80\xA8", /* U+2028 line separator */
    "\xF3\xA0\x81\x81", /* U+E0041 tag A */
};
#define N_RAW (sizeof g_raw / sizeof g_raw[0])

static void expect_no_raw(const char *text, size_t n, const char *where)
{
    size_t i, k;
    for (k = 0; k < N_RAW; k++) {
        size_t len = strlen(g_raw[k]);
        for (i = 0; i + len <= n; i++)
            if (memcmp(text + i, g_raw[k], len) == 0)
                fail_msg("%s: raw invisible character #%zu at byte %zu:\n%s", where, k, i,
                         text);
    }
}

static void bidi(const char *const *extra, const char *cmd, int code, run *r)
{
    char spawn[512];
    const char *argv[32];
    size_t n = 0, i;
    argv[n++] = "gcs";
    argv[n++] = "run";
    argv[n++] = "--spawn";
    argv[n++] = spawn_cmd(spawn, sizeof spawn, "--bidi");
    argv[n++] = "--stdio-dir";
    argv[n++] = g_dir;
    for (i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n++] = "--";
    argv[n++] = cmd;
    argv[n] = NULL;
    run_hcsctl(r, argv, 0);
    expect_exit(r, code, PROMPT_MS);
}

static void test_bidi_errors(void **s)
{
    run *r = (run *)malloc(sizeof *r);
    (void)s;
    assert_non_null(r);
    /* ExecuteProcess fails: message and records */
    bidi(NULL, "fail", 125, r);
    expect_no_raw(r->err, r->nerr, "exec error");
    expect_no_raw(r->out, r->nout, "exec error stdout");
    expect_in(r->err, "start COMMAND: ExecuteProcess: guest returned 0x80070005: denied ");
    expect_in(r->err, "\\u202");
    expect_in(r->err, "hcsctl: guest error records: ");
    /* the container mode's errors (CombinedLayers Add) */
    bidi(g_ctr, "/bin/true", 125, r);
    expect_no_raw(r->err, r->nerr, "container error");
    expect_in(r->err, "hcsctl: gcs run: mount the layers: ");
    expect_in(r->err, "hcsctl: guest error records: ");
    /* the same with --json */
    {
        const char *j[] = {"--json", NULL};
        bidi(j, "fail", 125, r);
        expect_no_raw(r->err, r->nerr, "exec error --json");
        expect_in(r->err, "{\"exit_code\":null,\"error\":true}");
    }
    free(r);
}

static void test_bidi_warning_and_relay(void **s)
{
    run *r = (run *)malloc(sizeof *r);
    static const char relayed[] =
        "out \xE2\x80\xAE" "LIAF\xE2\x80\xAC \xE2\x81\xA6x\xE2\x81\xA9 \xE2\x80\x8B\xEF\xBB\xBF"
        "\xC2\xAD\xD8\x9C\xE2\x80\xA8\xF3\xA0\x81\x81\n";
    const char *line;
    (void)s;
    assert_non_null(r);
    bidi(NULL, "/bin/true", 0, r);
    /* the command's output is relayed byte for byte (binary-safe) */
    assert_int_equal(r->nout, sizeof relayed - 1);
    assert_memory_equal(r->out, relayed, sizeof relayed - 1);
    /* stderr: the relayed bytes, and hcsctl's own lines escaped */
    assert_non_null(strstr(r->err, relayed));
    expect_in(r->err, "hcsctl: gcs: ignoring unknown-container notification");
    for (line = r->err; *line; ) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (strncmp(line, "hcsctl:", 7) == 0)
            expect_no_raw(line, len, "hcsctl's line");
        line += len + (end ? 1 : 0);
    }
    free(r);
}

static void test_bidi_decode(void **s)
{
    run *r = (run *)malloc(sizeof *r);
    static const char body[] = "{\"ErrorMessage\":\"\xE2\x80\xAE" "evil \xE2\x81\xA6\xE2\x80\x8B"
                               "\xEF\xBB\xBF\xC2\xAD\xD8\x9C\xE2\x80\xA8\xF3\xA0\x81\x81\"}";
    unsigned char h[16];
    char path[128];
    FILE *fp;
    uint32_t size = (uint32_t)(16 + sizeof body - 1);
    int i;
    const char *text[] = {"gcs", "decode", NULL, NULL};
    const char *json[] = {"--json", "gcs", "decode", NULL, NULL};
    (void)s;
    assert_non_null(r);
    memset(h, 0, sizeof h);
    for (i = 0; i < 4; i++) {
        h[i] = (unsigned char)(0x20100501u >> (8 * i));
        h[4 + i] = (unsigned char)(size >> (8 * i));
    }
    h[8] = 7;
    snprintf(path, sizeof path, "%s/bidi.frame", g_dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(h, 1, 16, fp), 16);
    assert_int_equal(fwrite(body, 1, sizeof body - 1, fp), sizeof body - 1);
    fclose(fp);
    text[2] = path;
    run_hcsctl(r, text, 0);
    expect_exit(r, 0, PROMPT_MS);
    expect_no_raw(r->out, r->nout, "gcs decode");
    expect_in(r->out, "Response(ExecuteProcess) id=7 ");
    expect_in(r->out, "\\u202eevil \\u2066\\u200b\\ufeff\\u00ad\\u061c\\u2028\\U000e0041");
    json[3] = path;
    run_hcsctl(r, json, 0);
    expect_exit(r, 0, PROMPT_MS);
    expect_no_raw(r->out, r->nout, "gcs decode --json");
    /* JSON escapes: the same string, a surrogate pair above U+FFFF */
    expect_in(r->out, "\\u202eevil \\u2066\\u200b\\ufeff\\u00ad\\u061c\\u2028\\udb40\\udc41");
    unlink(path);
    free(r);
}

static int setup(void **s)
{
    (void)s;
    snprintf(g_dir, sizeof g_dir, "/tmp/hcs-hostile-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **s)
{
    char cmd[128];
    (void)s;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdin_never_read),
        cmocka_unit_test(test_rpc_timeout_uvm),
        cmocka_unit_test(test_rpc_timeout_container),
        cmocka_unit_test(test_rpc_timeout_usage),
        cmocka_unit_test(test_bidi_errors),
        cmocka_unit_test(test_bidi_warning_and_relay),
        cmocka_unit_test(test_bidi_decode),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, setup, teardown);
}
