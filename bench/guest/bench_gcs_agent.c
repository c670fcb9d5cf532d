/*
 * hcs-gcs benchmark: the guest agent measured through libhcs's bridge.
 *
 *   exec+wait    ExecuteProcess + WaitForProcess round trip of /bin/true
 *                (no stdio), then of /bin/echo with stdout read to EOF,
 *                median/p90 of N, each against its floor measured in the
 *                same run, interleaved: posix_spawn + waitpid of the same
 *                program (with a pipe read to EOF for the stdout case)
 *   start-up     fork/exec of the agent to a negotiated bridge (--stdio)
 *   RSS          the agent's VmRSS idle and after 100 exec+wait cycles
 *   size         the hcs-gcs binary (and its text/data/bss)
 *
 * usage: bench_gcs_agent [--agent PATH] [--iterations N] [--json]
 * Everything runs on this machine: a --stdio agent on a socketpair, stdio
 * relays over unix sockets in a temporary directory.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hcs/gcs.h"
#include "hcs/error.h"

#include "bench_util.h"

#ifndef HCS_GCS_AGENT_PATH
#define HCS_GCS_AGENT_PATH "hcs-gcs"
#endif

typedef struct agent {
    pid_t pid;
    hcs_gcs_bridge *b;
    char dir[64];
} agent;

static void die(const char *what, hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    fprintf(stderr, "bench_gcs_agent: %s: 0x%08x %s\n", what, (unsigned)hr,
            e && e->message ? e->message : "");
    exit(1);
}

static void agent_up(agent *a, const char *path)
{
    int sv[2];
    hcs_gcs_bridge_options cfg;
    char addr[96];
    hcs_result hr;
    snprintf(a->dir, sizeof a->dir, "/tmp/hcsg-bench-XXXXXX");
    if (!mkdtemp(a->dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(addr, sizeof addr, "unix:%s", a->dir);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        perror("socketpair");
        exit(1);
    }
    a->pid = fork();
    if (a->pid == 0) {
        dup2(sv[1], 0);
        dup2(sv[1], 1);
        execl(path, path, "--stdio", "--stdio-dir", a->dir, "--log-level", "error",
              (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    hcs_gcs_bridge_options_init(&cfg, HCS_GCS_BRIDGE_OPTIONS_VERSION);
    cfg.stdio_address = addr;
    hr = hcs_gcs_connect_fds(sv[0], sv[0], 1, &cfg, &a->b);
    if (HCS_FAILED(hr))
        die("connect", hr);
}

static void agent_down(agent *a)
{
    char cmd[128];
    int st;
    hcs_gcs_bridge_close(a->b);
    waitpid(a->pid, &st, 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", a->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", a->dir);
}

static void exec_wait(agent *a, int with_stdout)
{
    static const char *const argv_true[] = {"/bin/true", NULL};
    static const char *const argv_echo[] = {"/bin/echo", "x", NULL};
    hcs_gcs_process_options c;
    hcs_gcs_process *p = NULL;
    uint32_t code = 1;
    hcs_result hr;
    hcs_gcs_process_options_init(&c, HCS_GCS_PROCESS_OPTIONS_VERSION);
    c.argv = with_stdout ? argv_echo : argv_true;
    c.use_stdout = with_stdout;
    hr = hcs_gcs_process_start(a->b, &c, &p);
    if (HCS_FAILED(hr))
        die("process_start", hr);
    if (with_stdout) {
        char buf[64];
        size_t got;
        do {
            got = 0;
            hr = hcs_gcs_process_read(p, 1, buf, sizeof buf, &got);
            if (HCS_FAILED(hr))
                die("read", hr);
        } while (got);
    }
    hr = hcs_gcs_process_wait(p, 30000, &code);
    if (HCS_FAILED(hr) || code != 0)
        die("wait", hr);
    hcs_gcs_process_close(p);
}

extern char **environ;

/* The floor: what any process start costs on this machine, with nothing
 * of ours in the way. */
static void floor_spawn(int with_stdout)
{
    static char *const argv_true[] = {"/bin/true", NULL};
    static char *const argv_echo[] = {"/bin/echo", "x", NULL};
    posix_spawn_file_actions_t fa;
    int pfd[2] = {-1, -1}, st;
    pid_t pid;
    posix_spawn_file_actions_init(&fa);
    if (with_stdout) {
        if (pipe2(pfd, O_CLOEXEC) != 0) {
            perror("pipe2");
            exit(1);
        }
        posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    }
    if (posix_spawn(&pid, with_stdout ? argv_echo[0] : argv_true[0], &fa, NULL,
                    with_stdout ? argv_echo : argv_true, environ) != 0) {
        perror("posix_spawn");
        exit(1);
    }
    posix_spawn_file_actions_destroy(&fa);
    if (with_stdout) {
        char buf[64];
        ssize_t n;
        close(pfd[1]);
        while ((n = read(pfd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
            ;
        close(pfd[0]);
    }
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "bench_gcs_agent: floor process failed\n");
        exit(1);
    }
}

/* Runs n rounds of `ours` and of the floor, alternating (so drift in the
 * machine's speed hits both alike), and keeps both samples. */
static void measure(agent *a, int with_stdout, int n, double *ours, double *fl)
{
    int i;
    for (i = 0; i < n; i++) {
        double t0 = now_us();
        exec_wait(a, with_stdout);
        ours[i] = now_us() - t0;
        t0 = now_us();
        floor_spawn(with_stdout);
        fl[i] = now_us() - t0;
    }
}

static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    FILE *f;
    long v = -1;
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
            break;
    fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    const char *path = HCS_GCS_AGENT_PATH;
    int iters = 300, json = 0, i;
    double *t, *f;
    double med_plain, p90_plain, fmed_plain, fp90_plain;
    double med_out, p90_out, fmed_out, fp90_out, med_start, p90_start;
    long rss_idle, rss_after;
    struct stat st;
    agent a;
    if (bench_options(argc, argv, &path, &iters, &json, NULL, NULL) != 0) {
        fprintf(stderr, "usage: bench_gcs_agent [--agent PATH] [--iterations N] [--json]\n");
        return 2;
    }
    if (iters < 200)
        iters = 200;
    signal(SIGPIPE, SIG_IGN);
    t = (double *)calloc((size_t)iters, sizeof *t);
    f = (double *)calloc((size_t)iters, sizeof *f);
    if (!t || !f)
        return 1;

    /* start-up: spawn to negotiated bridge */
    for (i = 0; i < 50; i++) {
        double t0 = now_us();
        agent_up(&a, path);
        t[i] = now_us() - t0;
        agent_down(&a);
    }
    med_start = pct(t, 50, 0.5);
    p90_start = pct(t, 50, 0.9);

    agent_up(&a, path);
    usleep(50000);
    rss_idle = rss_kb(a.pid);
    for (i = 0; i < 20; i++) { /* warm-up, both sides */
        exec_wait(&a, i & 1);
        floor_spawn(i & 1);
    }
    measure(&a, 0, iters, t, f);
    med_plain = pct(t, (size_t)iters, 0.5);
    p90_plain = pct(t, (size_t)iters, 0.9);
    fmed_plain = pct(f, (size_t)iters, 0.5);
    fp90_plain = pct(f, (size_t)iters, 0.9);
    measure(&a, 1, iters, t, f);
    med_out = pct(t, (size_t)iters, 0.5);
    p90_out = pct(t, (size_t)iters, 0.9);
    fmed_out = pct(f, (size_t)iters, 0.5);
    fp90_out = pct(f, (size_t)iters, 0.9);
    agent_down(&a);

    /* RSS after exactly 100 exec+wait cycles on a fresh agent */
    agent_up(&a, path);
    for (i = 0; i < 100; i++)
        exec_wait(&a, i & 1);
    usleep(50000);
    rss_after = rss_kb(a.pid);
    agent_down(&a);

    if (stat(path, &st) != 0) {
        perror(path);
        return 1;
    }
    if (json) {
        printf("{\"iterations\":%d,"
               "\"exec_wait_median_us\":%.0f,\"exec_wait_p90_us\":%.0f,"
               "\"floor_spawn_wait_median_us\":%.0f,\"floor_spawn_wait_p90_us\":%.0f,"
               "\"exec_wait_ratio\":%.3f,"
               "\"exec_wait_stdout_median_us\":%.0f,\"exec_wait_stdout_p90_us\":%.0f,"
               "\"floor_spawn_pipe_wait_median_us\":%.0f,\"floor_spawn_pipe_wait_p90_us\":%.0f,"
               "\"exec_wait_stdout_ratio\":%.3f,"
               "\"startup_median_us\":%.0f,\"startup_p90_us\":%.0f,"
               "\"rss_idle_kb\":%ld,\"rss_after_100_execs_kb\":%ld,\"binary_bytes\":%lld}\n",
               iters, med_plain, p90_plain, fmed_plain, fp90_plain, med_plain / fmed_plain,
               med_out, p90_out, fmed_out, fp90_out, med_out / fmed_out, med_start, p90_start,
               rss_idle, rss_after, (long long)st.st_size);
    } else {
        printf("hcs-gcs benchmark (%s), n=%d each, interleaved with its floor\n", path, iters);
        printf("  exec+wait, /bin/true, no stdio            : median %6.0f us  p90 %6.0f us\n",
               med_plain, p90_plain);
        printf("    floor: posix_spawn + waitpid            : median %6.0f us  p90 %6.0f us\n",
               fmed_plain, fp90_plain);
        printf("    ratio (target <= 1.2)                   : %.2f\n", med_plain / fmed_plain);
        printf("  exec+wait, /bin/echo, stdout read to EOF  : median %6.0f us  p90 %6.0f us\n",
               med_out, p90_out);
        printf("    floor: posix_spawn + pipe + waitpid     : median %6.0f us  p90 %6.0f us\n",
               fmed_out, fp90_out);
        printf("    ratio (target <= 1.2)                   : %.2f\n", med_out / fmed_out);
        printf("  agent start-up (spawn -> negotiated)      : median %6.0f us  p90 %6.0f us  (n=50)\n",
               med_start, p90_start);
        printf("  agent RSS idle                            : %ld kB\n", rss_idle);
        printf("  agent RSS after 100 exec+wait             : %ld kB\n", rss_after);
        printf("  binary size                               : %lld bytes\n", (long long)st.st_size);
    }
    free(t);
    free(f);
    return 0;
}
