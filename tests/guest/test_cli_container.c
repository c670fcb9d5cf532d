/*
 * hcsctl gcs run's container mode against a real hcs-gcs with runc:
 * exit codes, --hostname/--user/--read-only/--scratch, a guest error that
 * names the path, usage errors, and the teardown when hcsctl gets SIGINT.
 * The agent runs in a private mount namespace with its own /run (as in a
 * utility VM), spawned by hcsctl itself.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctr_kit.h"

typedef struct env {
    ck_suite s;
    char spawn[1024];
    char sd[128], log[160];
} env;

static int setup(void **state)
{
    env *e = (env *)ck_suite_new(sizeof(env), "/tmp/hcsg-cli-XXXXXX");
    if (!e)
        return 0;
    snprintf(e->sd, sizeof e->sd, "%s/sd", e->s.dir);
    assert_int_equal(mkdir(e->sd, 0700), 0);
    snprintf(e->log, sizeof e->log, "%s/agent.log", e->s.dir);
    snprintf(e->spawn, sizeof e->spawn,
             "unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run "
             "&& exec \"$@\"' vm %s --stdio --stdio-dir %s --log-level info --log-file %s",
             gh_agent_path(), e->sd, e->log);
    *state = e;
    return 0;
}

typedef struct run {
    int status;   /* exit status, or 128+signal */
    char out[4096], err[8192];
} run;

/* Runs hcsctl with argv (after "gcs run --spawn S --stdio-dir D"), stdin
 * from in; sig: sent to hcsctl after delay_ms (0: none). */
static void hcsctl(env *e, const char *const *args, const char *in, int sig, int delay_ms,
                   run *r)
{
    const char *argv[64];
    int n = 0, op[2], ep[2], ip[2];
    pid_t pid;
    ssize_t got;
    size_t o = 0, k = 0;
    int st;
    (void)truncate(e->log, 0); /* each run's agent log on its own */
    argv[n++] = HCSCTL_PATH;
    argv[n++] = "gcs";
    argv[n++] = "run";
    argv[n++] = "--spawn";
    argv[n++] = e->spawn;
    argv[n++] = "--stdio-dir";
    argv[n++] = e->sd;
    while (*args && n < 62)
        argv[n++] = *args++;
    argv[n] = NULL;
    assert_int_equal(pipe(op), 0);
    assert_int_equal(pipe(ep), 0);
    assert_int_equal(pipe(ip), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        dup2(ip[0], 0);
        dup2(op[1], 1);
        dup2(ep[1], 2);
        close(ip[1]);
        close(op[0]);
        close(ep[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(ip[0]);
    close(op[1]);
    close(ep[1]);
    if (in && *in)
        assert_int_equal(write(ip[1], in, strlen(in)), (ssize_t)strlen(in));
    close(ip[1]);
    if (sig) {
        usleep((useconds_t)delay_ms * 1000);
        kill(pid, sig);
    }
    while ((got = read(op[0], r->out + o, sizeof r->out - 1 - o)) > 0)
        o += (size_t)got;
    r->out[o] = '\0';
    while ((got = read(ep[0], r->err + k, sizeof r->err - 1 - k)) > 0)
        k += (size_t)got;
    r->err[k] = '\0';
    close(op[0]);
    close(ep[0]);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The text of a file (a static buffer), NULL when it cannot be read. */
static char *slurp(const char *path)
{
    static char buf[65536];
    return gh_read_file(path, buf, sizeof buf) < 0 ? NULL : buf;
}

#define E(s) ((env *)*(s))

/* The agent log of the last run holds each of the NULL-terminated needles
 * (the lifecycle steps it logs). */
static void expect_log(env *e, const char *const *needles)
{
    const char *log = slurp(e->log);
    assert_non_null(log);
    for (; *needles; needles++)
        if (!strstr(log, *needles))
            fail_msg("the agent log lacks \"%s\":\n%s", *needles, log);
}

static const char *const k_undone[] = {"unmounted overlay", "deleted container", NULL};
static const char *const k_unmounted[] = {"unmounted overlay", NULL};

static void test_exit_code_and_stdio(void **s)
{
    env *e = E(s);
    run r;
    const char *args[] = {"--rootfs", NULL, "--hostname", "box1", "--env", "X=y", "--cwd",
                          "/data", "--",  "sh", "-c",
                          "read l; echo \"$l $(hostname) $$ $X $(pwd)\"; echo oops >&2; exit 42",
                          NULL};
    if (!e)
        skip();
    args[1] = e->s.layer;
    hcsctl(e, args, "hello\n", 0, 0, &r);
    if (r.status != 42)
        fail_msg("status %d, stderr: %s", r.status, r.err);
    assert_string_equal(r.out, "hello box1 1 y /data\n");
    assert_non_null(strstr(r.err, "oops\n"));
    /* The whole lifecycle ran and was undone. */
    expect_log(e, k_undone);
}

static void test_user_readonly_scratch(void **s)
{
    env *e = E(s);
    run r;
    char scratch[128], path[256];
    const char *a1[] = {"--rootfs", NULL, "--user", "65534:65534", "--", "id", "-u", NULL};
    const char *a0[] = {"--rootfs", NULL, "--user", "nobody", "--", "id", NULL};
    const char *a2[] = {"--rootfs", NULL, "--read-only", "--",
                        "sh", "-c", "echo x > /data/f || exit 9", NULL};
    const char *a3[] = {"--rootfs", NULL, "--scratch", scratch, "--",
                        "sh", "-c", "echo kept > /data/f", NULL};
    struct stat st;
    if (!e)
        skip();
    a0[1] = a1[1] = a2[1] = a3[1] = e->s.layer;
    /* A name: the guest resolves it in the container's /etc/passwd. */
    hcsctl(e, a0, NULL, 0, 0, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "uid=65534(nobody) gid=65534(nogroup) groups=50(staff)"));
    hcsctl(e, a1, NULL, 0, 0, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "65534\n");
    hcsctl(e, a2, NULL, 0, 0, &r);
    assert_int_equal(r.status, 9);
    assert_non_null(strstr(r.err, "Read-only file system"));
    snprintf(scratch, sizeof scratch, "%s/scratch", e->s.dir);
    hcsctl(e, a3, NULL, 0, 0, &r);
    assert_int_equal(r.status, 0);
    snprintf(path, sizeof path, "%s/upper/data/f", scratch);
    assert_string_equal(slurp(path), "kept\n");
    snprintf(path, sizeof path, "%s/data/f", e->s.layer);
    assert_int_equal(stat(path, &st), -1); /* the image is untouched */
}

static void test_errors(void **s)
{
    env *e = E(s);
    run r;
    const char *bad_layer[] = {"--rootfs", "/nonexistent/rootfs", "--", "true", NULL};
    const char *no_ctr[] = {"--user", "1", "--", "true", NULL};
    const char *relative[] = {"--rootfs", "rel", "--", "true", NULL};
    const char *no_cmd[] = {"--rootfs", NULL, "--", "/bin/nonexistent", NULL};
    if (!e)
        skip();
    hcsctl(e, bad_layer, NULL, 0, 0, &r);
    assert_int_equal(r.status, 125);
    assert_non_null(strstr(r.err, "/nonexistent/rootfs"));
    hcsctl(e, no_ctr, NULL, 0, 0, &r);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--rootfs"));
    hcsctl(e, relative, NULL, 0, 0, &r);
    assert_int_equal(r.status, 2);
    /* A command the container does not have: runc's message (its Create
     * fails), and the layers are unmounted again. */
    no_cmd[1] = e->s.layer;
    hcsctl(e, no_cmd, NULL, 0, 0, &r);
    assert_int_equal(r.status, 125);
    assert_non_null(strstr(r.err, "/bin/nonexistent"));
    expect_log(e, k_unmounted);
}

static void test_sigint_teardown(void **s)
{
    env *e = E(s);
    run r;
    const char *args[] = {"--rootfs", NULL, "--", "sleep", "100", NULL};
    static const char *const torn_down[] = {"SIGKILL sent to its init", "ForcedExit",
                                            "unmounted overlay", "deleted container", NULL};
    if (!e)
        skip();
    args[1] = e->s.layer;
    hcsctl(e, args, NULL, SIGINT, 1500, &r);
    assert_int_equal(r.status, 130);
    assert_non_null(strstr(r.err, "torn down"));
    expect_log(e, torn_down);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_code_and_stdio),
        cmocka_unit_test(test_user_readonly_scratch),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_sigint_teardown),
    };
    return cmocka_run_group_tests_name("hcsctl gcs run containers", tests, setup, ck_suite_teardown);
}
