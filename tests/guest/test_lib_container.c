/*
 * Containers end to end through libhcs's public bridge API (hcs/gcs.h,
 * hcs/gcs_oci.h) against a real hcs-gcs with runc: the layers, a spec from
 * the library's builders, Create, the init, an exec with an OCI process, a
 * terminal exec resized through hcs_gcs_process_resize, statistics and the
 * process list, the exit notification's type through
 * hcs_gcs_container_wait, then Remove and Delete. The agent is spawned
 * with --stdio in a private mount namespace (its own /run).
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctr_kit.h"
#include "hcs/gcs.h"

typedef struct env {
    ck_suite s;
    pid_t agent;
    hcs_gcs_bridge *b;
} env;

#define OK(x)                                                                         \
    do {                                                                              \
        hcs_result hr_ = (x);                                                         \
        if (HCS_FAILED(hr_))                                                          \
            fail_msg("%s: 0x%08x %s", #x, (unsigned)hr_,                              \
                     hcs_error_last() && hcs_error_last()->message                    \
                         ? hcs_error_last()->message                                  \
                         : "");                                                       \
    } while (0)

static int setup(void **state)
{
    env *e = (env *)ck_suite_new(sizeof(env), "/tmp/hcsg-lib-XXXXXX");
    hcs_gcs_bridge_options cfg;
    char addr[96];
    int sv[2];
    if (!e)
        return 0;
    snprintf(addr, sizeof addr, "unix:%s", e->s.dir);
    hcs_gcs_bridge_options_init(&cfg, HCS_GCS_BRIDGE_OPTIONS_VERSION);
    cfg.rpc_timeout_ms = 60000;
    cfg.stdio_timeout_ms = 15000;
    cfg.stdio_address = addr;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    e->agent = fork();
    assert_true(e->agent >= 0);
    if (e->agent == 0) {
        dup2(sv[1], 0);
        dup2(sv[1], 1);
        execlp("unshare", "unshare", "-m", "--propagation", "private", "sh", "-c",
               "mount -t tmpfs -o mode=0755 tmpfs /run && exec \"$@\"", "vm", gh_agent_path(),
               "--stdio", "--stdio-dir", e->s.dir, "--log-level", "warn", (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    OK(hcs_gcs_connect_fds(sv[0], sv[0], 1, &cfg, &e->b));
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = (env *)*state;
    int st, rc = 0;
    if (!e)
        return 0;
    hcs_gcs_bridge_close(e->b);
    if (waitpid(e->agent, &st, 0) != e->agent || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "the agent did not exit cleanly\n");
        rc = -1;
    }
    (void)ck_suite_teardown(state);
    return rc;
}

/* Reads stream to EOF (bounded by 20 s per read). */
static void read_all(hcs_gcs_process *p, int stream, char *out, size_t n)
{
    size_t off = 0, got = 0;
    for (;;) {
        OK(hcs_gcs_process_read_timeout(p, stream, out + off, n - 1 - off, &got, 20000));
        if (got == 0)
            break;
        off += got;
        assert_true(off < n - 1);
    }
    out[off] = '\0';
}

/* Reads until needle appears. */
static void read_until(hcs_gcs_process *p, const char *needle, char *out, size_t n)
{
    size_t off = 0, got = 0;
    out[0] = '\0';
    while (!strstr(out, needle)) {
        OK(hcs_gcs_process_read_timeout(p, 1, out + off, n - 1 - off, &got, 20000));
        if (got == 0)
            fail_msg("EOF before \"%s\": %s", needle, out);
        off += got;
        out[off] = '\0';
        assert_true(off < n - 1);
    }
}

static void test_lifecycle(void **state)
{
    env *e = (env *)*state;
    const char *id = "c0ffee00-0000-4000-8000-0000000000aa";
    const char *layers[2];
    const char *init_args[] = {"sleep", "1000", NULL};
    const char *x_args[] = {"sh", "-c", "echo $GREETING from $(hostname); exit 3", NULL};
    const char *x_env[] = {"GREETING=hi", NULL};
    const char *t_args[] = {"sh", "-c", "stty size; read l; stty size", NULL};
    hcs_gcs_combined_layers cl;
    hcs_gcs_oci_spec_options so;
    hcs_gcs_oci_process_options po;
    hcs_gcs_process_options pc;
    hcs_gcs_process *init = NULL, *x = NULL, *t = NULL;
    hcs_gcs_notification n;
    hcs_gcs_process_info *list = NULL;
    size_t nlist = 0, i;
    char *spec = NULL, *cfg = NULL, *props = NULL, *ociproc = NULL, out[4096];
    uint32_t code = 0;
    int found = 0;
    if (!e)
        skip();
    layers[0] = e->s.layer;
    layers[1] = NULL;
    memset(&cl, 0, sizeof cl);
    cl.container_id = id;
    cl.container_root_path = "/run/gcs/c/c0ffee00-0000-4000-8000-0000000000aa/rootfs";
    cl.layer_paths = layers;
    cl.scratch_path = "/run/gcs/c/c0ffee00-0000-4000-8000-0000000000aa/scratch";
    OK(hcs_gcs_modify_combined_layers(e->b, "Add", &cl));
    hcs_gcs_oci_spec_options_init(&so, HCS_GCS_OCI_SPEC_OPTIONS_VERSION);
    so.process.args = init_args;
    so.container_id = id;
    so.hostname = "libbox";
    OK(hcs_gcs_encode_oci_spec(&so, &spec));
    OK(hcs_gcs_encode_lcow_container_config("/run/gcs/c/c0ffee00-0000-4000-8000-0000000000aa",
                                            spec, NULL, &cfg));
    OK(hcs_gcs_container_create(e->b, id, cfg));
    OK(hcs_gcs_container_start(e->b, id));
    /* The init: no OCI process, no stdio. */
    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.container_id = id;
    OK(hcs_gcs_process_start(e->b, &pc, &init));
    /* An exec with an OCI process from the builder. */
    hcs_gcs_oci_process_options_init(&po, HCS_GCS_OCI_PROCESS_OPTIONS_VERSION);
    po.args = x_args;
    po.env = x_env;
    OK(hcs_gcs_encode_oci_process(&po, &ociproc));
    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.container_id = id;
    pc.oci_process_json = ociproc;
    pc.use_stdout = pc.use_stderr = 1;
    OK(hcs_gcs_process_start(e->b, &pc, &x));
    read_all(x, 1, out, sizeof out);
    assert_string_equal(out, "hi from libbox\n");
    read_all(x, 2, out, sizeof out);
    assert_string_equal(out, "");
    OK(hcs_gcs_process_wait(x, 20000, &code));
    assert_int_equal(code, 3);
    hcs_free(ociproc);
    ociproc = NULL;
    /* A terminal exec: size from the OCI process, then a resize. */
    hcs_gcs_oci_process_options_init(&po, HCS_GCS_OCI_PROCESS_OPTIONS_VERSION);
    po.args = t_args;
    po.terminal = 1;
    po.console_height = 25;
    po.console_width = 90;
    OK(hcs_gcs_encode_oci_process(&po, &ociproc));
    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.container_id = id;
    pc.oci_process_json = ociproc;
    pc.tty = 1;
    pc.use_stdin = pc.use_stdout = 1;
    OK(hcs_gcs_process_start(e->b, &pc, &t));
    read_until(t, "25 90", out, sizeof out);
    OK(hcs_gcs_process_resize(t, 40, 120));
    OK(hcs_gcs_process_write_stdin(t, "\n", 1));
    read_until(t, "40 120", out, sizeof out);
    OK(hcs_gcs_process_close_stdin(t));
    read_all(t, 1, out, sizeof out);
    OK(hcs_gcs_process_wait(t, 20000, &code));
    assert_int_equal(code, 0);
    /* The process list names the init; statistics come as LCOWMetrics. */
    OK(hcs_gcs_container_get_process_list(e->b, id, &list, &nlist));
    for (i = 0; i < nlist; i++)
        found |= list[i].process_id == hcs_gcs_process_pid(init);
    assert_true(found);
    hcs_gcs_process_list_free(list, nlist);
    OK(hcs_gcs_container_get_properties(e->b, id, "{\"PropertyTypes\":[\"Statistics\"]}", &props));
    assert_non_null(strstr(props, "\"LCOWMetrics\""));
    assert_non_null(strstr(props, "\"memory\""));
    hcs_free(props);
    /* Stop: the notification says what the host asked for. */
    OK(hcs_gcs_container_shutdown(e->b, id, 1));
    OK(hcs_gcs_process_wait(init, 20000, &code));
    assert_int_equal(code, 137);
    memset(&n, 0, sizeof n);
    OK(hcs_gcs_container_wait(e->b, id, 20000, &n));
    assert_string_equal(n.type, "ForcedExit");
    hcs_gcs_notification_clear(&n);
    OK(hcs_gcs_modify_combined_layers(e->b, "Remove", &cl));
    {
        /* While it exists, runc's cgroups for it exist (cgroupsPath
         * /containers/<id>, the builder's default)... */
        char cg[256];
        int v1 = access("/sys/fs/cgroup/pids/cgroup.procs", F_OK) == 0; /* v1 or hybrid */
        snprintf(cg, sizeof cg, v1 ? "/sys/fs/cgroup/pids/containers/%s"
                                   : "/sys/fs/cgroup/containers/%s", id);
        assert_int_equal(access(cg, F_OK), 0);
        OK(hcs_gcs_container_delete_state(e->b, id));
        /* ...and Delete removed them (the agent's shortcut or runc). */
        assert_int_equal(access(cg, F_OK), -1);
    }
    /* Gone: the guest no longer knows it. */
    assert_int_equal(hcs_gcs_container_get_properties(e->b, id, "{\"PropertyTypes\":[\"ProcessList\"]}",
                                            &props),
                     (hcs_result)0xC037010E);
    hcs_gcs_process_close(t);
    hcs_gcs_process_close(x);
    hcs_gcs_process_close(init);
    hcs_free(ociproc);
    hcs_free(spec);
    hcs_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests_name("containers through libhcs", tests, setup, teardown);
}
