/*
 * hcs-gcs containers end to end: a real hcs-gcs, Debian's runc, real
 * overlay mounts of a busybox-static layer, driven over the bridge the way
 * hcsshim drives the Go GCS (tests/guest/ghost.c is the host).
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctr_kit.h"

#define ALL (GH_IN | GH_OUT | GH_ERR)
/* ProcessParameters of an init start: no OciProcess. */
#define INIT "\"EmulateConsole\":false"

typedef struct env {
    ck_suite s;
    ghost h;
} env;

static int setup(void **state)
{
    *state = ck_suite_new(sizeof(env), "/tmp/hcsg-ctr-XXXXXX"); /* NULL: tests skip */
    return 0;
}

static env *begin(void **state, const char *const *extra)
{
    env *e = (env *)*state;
    if (!e)
        skip();
    ck_start(&e->h, extra);
    return e;
}

static void end(env *e)
{
    assert_int_equal(gh_stop_exited(&e->h, 15000), 0);
    gh_cleanup(&e->h);
}

/* A CombinedLayers request (Add with layer and scratch when given, or
 * Remove) for the mount point root: its response. */
static hcsi_json *layers_call(ghost *h, const char *type, const char *root, const char *layer,
                              const char *scratch)
{
    hcsi_buf b;
    hcsi_json *r;
    hcsi_buf_init(&b, 0);
    assert_int_equal(hcsi_buf_printf(&b,
                                     "{\"ContainerId\":\"" GH_ZERO "\",\"Request\":{\"RequestType\":"
                                     "\"%s\",\"ResourceType\":\"CombinedLayers\",\"Settings\":{"
                                     "\"ContainerRootPath\":\"%s\"",
                                     type, root),
                     0);
    if (layer)
        assert_int_equal(hcsi_buf_printf(&b, ",\"Layers\":[{\"Path\":\"%s\"}]", layer), 0);
    if (scratch)
        assert_int_equal(hcsi_buf_printf(&b, ",\"ScratchPath\":\"%s\"", scratch), 0);
    assert_int_equal(hcsi_buf_puts(&b, "}}}"), 0);
    assert_int_equal(hcsi_buf_putc(&b, '\0'), 0);
    r = gh_call(h, GH_MODIFY, b.data, 20000);
    hcsi_buf_free(&b);
    return r;
}

/* PropertiesV2 of container id for the JSON-quoted PropertyTypes list
 * types: asserts Result 0 and sets *props (valid until the response,
 * returned, is put). */
static hcsi_json *properties(ghost *h, const char *id, const char *types, const char **props)
{
    char body[512];
    hcsi_json *r;
    snprintf(body, sizeof body,
             "{\"ContainerId\":\"%s\",\"ActivityId\":\"" GH_ZERO
             "\",\"Query\":\"{\\\"PropertyTypes\\\":[%s]}\"}",
             id, types);
    r = gh_call(h, GH_PROPERTIES, body, 20000);
    assert_int_equal(gh_result(r), 0);
    assert_int_equal(hcsi_json_get_str(r, "r", "Properties", props, NULL), 1);
    return r;
}

/* A response with Result 0 (put). */
static void expect_ok(hcsi_json *r)
{
    assert_int_equal(gh_result(r), 0);
    hcsi_json_put(r);
}

/* The ContainerConfig of a Create for id (cfg is its JSON text): the body. */
static char *create_body(const char *id, const char *cfg)
{
    char *q = gh_quote(cfg);
    char *body = hcsi_asprintf("{\"ContainerId\":\"%s\",\"ContainerConfig\":%s}", id, q);
    free(q);
    return body;
}

/* A response refusing with E_FAIL whose message names what was wrong (each
 * needle, the second optional); put. */
static void expect_refused(hcsi_json *r, const char *needle, const char *needle2)
{
    const char *m;
    assert_int_equal(gh_result(r), (int32_t)0x80004005);
    m = gh_error_message(r);
    if (!strstr(m, needle) || (needle2 && !strstr(m, needle2)))
        fail_msg("\"%s\" does not name \"%s\"%s%s", m, needle, needle2 ? " and " : "",
                 needle2 ? needle2 : "");
    hcsi_json_put(r);
}

static void expect_type(ghost *h, const char *id, const char *want)
{
    char *t = ck_notification(h, id, 20000);
    assert_string_equal(t, want);
    free(t);
}

/* gh_read_both, the texts NUL-terminated. */
static void read_both(gh_proc *p, hcsi_buf *out, hcsi_buf *err)
{
    gh_read_both(p, out, err, 20000);
    assert_int_equal(hcsi_buf_putc(out, '\0'), 0);
    assert_int_equal(hcsi_buf_putc(err, '\0'), 0);
}

/* ExecuteProcess in a container: its Result (the error is printed). */
static int32_t ex(ghost *h, const char *id, const char *extra, int pipes, gh_proc *p)
{
    if (gh_exec_in(h, id, extra, pipes, p) != 0)
        fprintf(stderr, "exec in %s: 0x%08x %s\n", id, (unsigned)p->result, p->error);
    return p->result;
}

static uint32_t exec_oci(ghost *h, const char *id, const char *process_json, int pipes,
                         gh_proc *p)
{
    char *extra = hcsi_asprintf("\"OciProcess\":%s", process_json);
    assert_int_equal(ex(h, id, extra, pipes, p), 0);
    free(extra);
    return p->pid;
}

/* The init with all three pipes: stdin read, both outputs, the exit code;
 * it is pid 1 of its own namespace with its own hostname; its write lands
 * in the scratch, not in the layer; UnexpectedExit; Delete removes the
 * bundle. */
static void test_init_pipes(void **state)
{
    env *e = begin(state, NULL);
    gh_proc p;
    hcsi_buf out, err;
    char path[512], text[4096];
    struct stat st;
    assert_int_equal(ck_create(&e->h, "c1", e->s.layer,
                               "[\"sh\",\"-c\",\"read l; echo out:$l pid:$$ host:$(hostname); "
                               "echo err >&2; echo new > /data/new.txt; exit 7\"]",
                               0, 0),
                     0);
    assert_int_equal(ex(&e->h, "c1", INIT, ALL, &p), 0);
    assert_true(p.pid > 1);
    gh_write_all(p.in, "hello\n", 6);
    shutdown(p.in, SHUT_WR);
    read_both(&p, &out, &err);
    assert_string_equal(out.data, "out:hello pid:1 host:ctr-test\n");
    assert_string_equal(err.data, "err\n");
    assert_int_equal(gh_exit_code_in(&e->h, "c1", p.pid), 7);
    expect_type(&e->h, "c1", "UnexpectedExit");
    /* The write is in the scratch's upper directory, the layer is intact. */
    ck_agent_path(&e->h, "/run/gcs/c/c1/scratch/upper/data/new.txt", path, sizeof path);
    assert_true(gh_read_file(path, text, sizeof text) >= 0);
    assert_string_equal(text, "new\n");
    snprintf(path, sizeof path, "%s/data/new.txt", e->s.layer);
    assert_int_equal(stat(path, &st), -1);
    ck_remove(&e->h, "c1");
    ck_agent_path(&e->h, "/run/gcs/c/c1", path, sizeof path);
    assert_int_equal(stat(path, &st), -1);
    gh_close_proc(&p);
    hcsi_buf_free(&out);
    hcsi_buf_free(&err);
    end(e);
}

/* The runtime reads the spec with Go's encoding/json, where keys match in
 * any case: so does the agent (the process and its terminal flag, root,
 * linux and its namespaces: no second "linux" is added beside "Linux"). */
static char *replace_all(const char *s, const char *from, const char *to)
{
    hcsi_buf b;
    const char *p;
    hcsi_buf_init(&b, 0);
    while ((p = strstr(s, from)) != NULL) {
        assert_int_equal(hcsi_buf_append(&b, s, (size_t)(p - s)), 0);
        assert_int_equal(hcsi_buf_append(&b, to, strlen(to)), 0);
        s = p + strlen(from);
    }
    assert_int_equal(hcsi_buf_append(&b, s, strlen(s) + 1), 0);
    return (char *)b.data;
}

static void test_spec_keys_any_case(void **state)
{
    env *e = begin(state, NULL);
    gh_proc p;
    hcsi_buf out, err;
    char *spec = ck_spec("/run/gcs/c/cs/rootfs",
                         "[\"sh\",\"-c\",\"echo pid:$$; [ -t 0 ] || echo notty\"]", 0, 0,
                         "ctr-case");
    char *a = replace_all(spec, "\"process\":", "\"Process\":");
    char *b = replace_all(a, "\"terminal\":", "\"Terminal\":");
    char *c = replace_all(b, "\"linux\":", "\"Linux\":");
    char *d = replace_all(c, "\"root\":", "\"ROOT\":");
    assert_int_equal(ck_create_spec(&e->h, "cs", e->s.layer, d), 0);
    assert_int_equal(ex(&e->h, "cs", INIT, GH_OUT | GH_ERR, &p), 0);
    read_both(&p, &out, &err);
    /* pid 1: the pid namespace of "Linux" applied */
    assert_string_equal(out.data, "pid:1\nnotty\n");
    assert_int_equal(gh_exit_code_in(&e->h, "cs", p.pid), 0);
    expect_type(&e->h, "cs", "UnexpectedExit");
    ck_remove(&e->h, "cs");
    gh_close_proc(&p);
    hcsi_buf_free(&out);
    hcsi_buf_free(&err);
    free(spec);
    free(a);
    free(b);
    free(c);
    free(d);
    end(e);
}

/* Exec with an OCI process (env, cwd, user), signals with 128+n exit codes,
 * ProcessList, Statistics, a second init start refused while the container
 * stays usable, graceful stop ignored by a pid-1 sleep, forced stop. */
static void test_exec_signals_properties(void **state)
{
    env *e = begin(state, NULL);
    gh_proc init, x, s, x2, held;
    hcsi_buf out, err;
    uint32_t code = 0;
    hcsi_json *r;
    gh_frame f;
    uint64_t held_id;
    const char *props = NULL;
    char want[64];
    assert_int_equal(ck_create(&e->h, "c2", e->s.layer, "[\"sleep\",\"1000\"]", 0, 0), 0);
    assert_int_equal(ex(&e->h, "c2", INIT, 0, &init), 0);
    exec_oci(&e->h, "c2",
             "{\"args\":[\"sh\",\"-c\",\"echo $A; pwd; id -u; id -g\"],\"env\":[\"A=b\","
             "\"PATH=/bin\"],\"cwd\":\"/data\",\"user\":{\"uid\":65534,\"gid\":65534}}",
             GH_OUT | GH_ERR, &x);
    read_both(&x, &out, &err);
    assert_string_equal(out.data, "b\n/data\n65534\n65534\n");
    assert_string_equal(err.data, "");
    assert_int_equal(gh_exit_code_in(&e->h, "c2", x.pid), 0);
    hcsi_buf_free(&out);
    hcsi_buf_free(&err);
    /* A user name, resolved in the container's /etc/passwd and /etc/group
     * (runc ignores "username"); an unknown one is named in the error. */
    exec_oci(&e->h, "c2",
             "{\"args\":[\"id\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\","
             "\"user\":{\"uid\":0,\"gid\":0,\"username\":\"nobody\"}}",
             GH_OUT, &x);
    read_both(&x, &out, &err);
    if (!strstr(out.data, "uid=65534(nobody) gid=65534(nogroup) groups=50(staff)"))
        fail_msg("id: %s", out.data);

    (void)gh_exit_code_in(&e->h, "c2", x.pid);
    hcsi_buf_free(&out);
    hcsi_buf_free(&err);
    assert_int_equal(ex(&e->h, "c2",
                        "\"OciProcess\":{\"args\":[\"id\"],\"cwd\":\"/\","
                        "\"user\":{\"uid\":0,\"gid\":0,\"username\":\"ghost\"}}",
                        0, &s),
                     (int32_t)0x80004005);
    assert_non_null(strstr(s.error, "ghost"));
    /* A second init start: a clear error; the container stays usable. */
    assert_int_equal(ex(&e->h, "c2", INIT, 0, &s), (int32_t)0x80004005);
    assert_non_null(strstr(s.error, "already started"));
    exec_oci(&e->h, "c2", "{\"args\":[\"sleep\",\"100\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"]}", 0, &s);
    /* ProcessList: the init and the sleep (pids of the UVM). */
    r = properties(&e->h, "c2", "\\\"ProcessList\\\",\\\"Statistics\\\"", &props);
    snprintf(want, sizeof want, "{\"ProcessId\":%u}", init.pid);
    assert_non_null(strstr(props, want));
    snprintf(want, sizeof want, "{\"ProcessId\":%u}", s.pid);
    assert_non_null(strstr(props, want));
    assert_non_null(strstr(props, "\"LCOWMetrics\":{"));
    assert_non_null(strstr(props, "\"pids\":{\"current\":"));
    assert_non_null(strstr(props, "\"memory\":{"));
    hcsi_json_put(r);
    /* DumpStacks shows the container and its runtime. */
    r = gh_call(&e->h, GH_STACKS, "{\"ContainerId\":\"" GH_ZERO "\"}", 20000);
    assert_int_equal(hcsi_json_get_str(r, "r", "GuestStacks", &props, NULL), 1);
    assert_non_null(strstr(props, "containers: 1 (runtime "));
    assert_non_null(strstr(props, "  c2: running, init pid "));
    hcsi_json_put(r);
    /* SIGTERM to the exec'd sleep: 128 + 15. */
    assert_int_equal(gh_signal_in(&e->h, "c2", s.pid, 15), 0);
    assert_int_equal(gh_exit_code_in(&e->h, "c2", s.pid), 143);
    /* A process of another owner is not found. */
    assert_int_equal(gh_signal_in(&e->h, "c2", (uint32_t)getpid(), 15), (int32_t)0x80070490);
    /* An exec nobody will wait for. */
    exec_oci(&e->h, "c2", "{\"args\":[\"sleep\",\"100\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"]}", 0, &x2);
    /* An exec whose output the host never drains: its wait stays pending
     * (the drain rule) until the Delete answers it with the exit code. */
    exec_oci(&e->h, "c2", "{\"args\":[\"sh\",\"-c\",\"echo held; exit 7\"],\"cwd\":\"/\","
             "\"env\":[\"PATH=/bin\"]}", GH_OUT, &held);
    held_id = gh_send_wait_in(&e->h, "c2", held.pid, 0xFFFFFFFFu);
    assert_int_equal(gh_recv(&e->h, held_id, 300, &f), -1);
    /* Graceful: a pid-1 sleep has no SIGTERM handler and keeps running. */
    assert_int_equal(ck_simple(&e->h, GH_SHUTDOWN_GRACEFUL, "c2", NULL), 0);
    assert_int_equal(gh_wait_in(&e->h, "c2", init.pid, 300, &code, 20000), (int32_t)0xC0370109);
    /* Deleting a running container is refused. */
    assert_int_equal(ck_simple(&e->h, GH_DELETE, "c2", NULL), (int32_t)0x80370105);
    assert_int_equal(ck_simple(&e->h, GH_SHUTDOWN_FORCED, "c2", NULL), 0);
    assert_int_equal(gh_exit_code_in(&e->h, "c2", init.pid), 137);
    expect_type(&e->h, "c2", "ForcedExit");
    /* After the exit, shutting down again is a success (as recorded). */
    assert_int_equal(ck_simple(&e->h, GH_SHUTDOWN_FORCED, "c2", NULL), 0);
    ck_remove(&e->h, "c2");
    gh_expect_body(&e->h, held_id, 5000, "{\"Result\":0,\"ActivityId\":\"" GH_ZERO "\",\"ExitCode\":7}");
    gh_close_proc(&held);
    /* Nothing of the container stays tracked, not even an exec nobody
     * waited for (DumpStacks lists every tracked process). */
    r = gh_call(&e->h, GH_STACKS, "{\"ContainerId\":\"" GH_ZERO "\"}", 20000);
    assert_int_equal(gh_result(r), 0);
    assert_int_equal(hcsi_json_get_str(r, "r", "GuestStacks", &props, NULL), 1);
    if (strstr(props, "in container c2"))
        fail_msg("still tracked after Delete:\n%s", props);
    hcsi_json_put(r);
    gh_close_proc(&x);
    gh_close_proc(&s);
    gh_close_proc(&init);
    end(e);
}

/* A graceful stop the init honours: GracefulExit. This agent always runs
 * runc's own start and delete (--no-runtime-shortcuts): both paths are
 * exercised. */
static void test_graceful(void **state)
{
    const char *const extra[] = {"--no-runtime-shortcuts", NULL};
    env *e = begin(state, extra);
    gh_proc init;
    assert_int_equal(ck_create(&e->h, "c3", e->s.layer,
                               "[\"sh\",\"-c\",\"trap 'exit 0' TERM; while true; do sleep 0.05; "
                               "done\"]",
                               0, 0),
                     0);
    assert_int_equal(ex(&e->h, "c3", INIT, 0, &init), 0);
    usleep(200000); /* the trap is set */
    assert_int_equal(ck_simple(&e->h, GH_SHUTDOWN_GRACEFUL, "c3", NULL), 0);
    assert_int_equal(gh_exit_code_in(&e->h, "c3", init.pid), 0);
    expect_type(&e->h, "c3", "GracefulExit");
    ck_remove(&e->h, "c3");
    end(e);
}

/* A terminal exec: consoleSize applied at start, ResizeConsole followed. */
static void test_tty_resize(void **state)
{
    env *e = begin(state, NULL);
    gh_proc init, t;
    hcsi_buf b;
    assert_int_equal(ck_create(&e->h, "c4", e->s.layer, "[\"sleep\",\"1000\"]", 0, 0), 0);
    assert_int_equal(ex(&e->h, "c4", INIT, 0, &init), 0);
    exec_oci(&e->h, "c4",
             "{\"terminal\":true,\"consoleSize\":{\"height\":30,\"width\":100},"
             "\"args\":[\"sh\",\"-c\",\"stty size; read x; stty size\"],\"cwd\":\"/\","
             "\"env\":[\"PATH=/bin\"]}",
             GH_IN | GH_OUT, &t);
    gh_slurp_until(t.out, &b, "30 100", 20000);
    expect_ok(gh_resize_in(&e->h, "c4", t.pid, 40, 120, 20000));
    gh_write_all(t.in, "\n", 1);
    assert_int_equal(gh_read_until(t.out, &b, "40 120", 20000), 0);
    shutdown(t.in, SHUT_WR);
    hcsi_buf_free(&b);
    hcsi_buf_init(&b, 0);
    assert_int_equal(gh_read_all(t.out, &b, 20000), 0);
    close(t.out);
    t.out = -1;
    assert_int_equal(gh_exit_code_in(&e->h, "c4", t.pid), 0);
    hcsi_buf_free(&b);
    assert_int_equal(ck_simple(&e->h, GH_SHUTDOWN_FORCED, "c4", NULL), 0);
    (void)gh_exit_code_in(&e->h, "c4", init.pid);
    expect_type(&e->h, "c4", "ForcedExit");
    ck_remove(&e->h, "c4");
    gh_close_proc(&t);
    end(e);
}

/* Ids and states: duplicate, unknown, invalid, still being created, not
 * started, the bundle outside the state root, the schema version. */
static void test_ids_and_states(void **state)
{
    env *e = begin(state, NULL);
    gh_proc p;
    char *msg = NULL, body[512];
    uint64_t id;
    gh_frame f;
    hcsi_json *r;
    uint32_t code = 0;
    assert_int_equal(ck_create(&e->h, "dup", e->s.layer, "[\"sleep\",\"1000\"]", 0, 0), 0);
    /* Exec before the init started: invalid state. */
    assert_int_equal(ex(&e->h, "dup",
                                "\"OciProcess\":{\"args\":[\"true\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"]}", 0, &p),
                     (int32_t)0x80370105);
    /* Same id again (its layers are already mounted: the Create is what fails). */
    {
        char *b2 = create_body("dup", "{\"SchemaVersion\":{\"Major\":2,\"Minor\":1},"
                                      "\"OciBundlePath\":\"/run/gcs/c/dup\",\"OciSpecification\":{}}");
        r = gh_call(&e->h, GH_CREATE, b2, 20000);
        assert_int_equal(gh_result(r), (int32_t)0xC037010F);
        hcsi_json_put(r);
        free(b2);
    }
    /* Unknown ids. */
    assert_int_equal(ck_simple(&e->h, GH_SHUTDOWN_GRACEFUL, "nope", NULL), (int32_t)0xC037010E);
    assert_int_equal(ck_simple(&e->h, GH_DELETE, "nope", &msg), (int32_t)0xC037010E);
    assert_non_null(strstr(msg, "\"nope\" not found"));
    free(msg);
    assert_int_equal(gh_wait_in(&e->h, "nope", 5, 10, &code, 20000), (int32_t)0xC037010E);
    assert_int_equal(gh_signal_in(&e->h, "nope", 5, 9), (int32_t)0xC037010E);
    /* Invalid id, bundle outside the state root, old schema. */
    {
        static const struct {
            const char *cid, *bundle, *ver;
            uint32_t hr;
            const char *text;
        } bad[] = {
            {"../x", "/run/gcs/c/x", "1", 0x80070057u, "invalid container id"},
            {"okid", "/etc/okid", "1", 0x80004005u, "outside the agent's state root"},
            {"okid", "/run/gcs/c/../../etc", "1", 0x80004005u, "normalised"},
            {"okid", "/run/gcs/c/okid", "0", 0xC037010Du, "invalid schema version"},
        };
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            char *cfg = hcsi_asprintf("{\"SchemaVersion\":{\"Major\":2,\"Minor\":%s},"
                                      "\"OciBundlePath\":\"%s\",\"OciSpecification\":{}}",
                                      bad[i].ver, bad[i].bundle);
            char *b2 = create_body(bad[i].cid, cfg);
            r = gh_call(&e->h, GH_CREATE, b2, 20000);
            if ((uint32_t)gh_result(r) != bad[i].hr)
                fail_msg("case %zu: 0x%08x", i, (unsigned)gh_result(r));
            if (!strstr(gh_error_message(r), bad[i].text))
                fail_msg("case %zu: %s", i, gh_error_message(r));
            hcsi_json_put(r);
            free(b2);
            free(cfg);
        }
    }
    /* A request racing a Create still in progress: 0x80370105. */
    {
        char *spec = ck_spec("/run/gcs/c/dup/rootfs", "[\"true\"]", 0, 0, "h");
        char *cfg = hcsi_asprintf("{\"SchemaVersion\":{\"Major\":2,\"Minor\":1},"
                                  "\"OciBundlePath\":\"/run/gcs/c/race\",\"OciSpecification\":%s}",
                                  spec);
        char *b2 = create_body("race", cfg);
        id = gh_send(&e->h, GH_CREATE, b2);
        assert_int_equal(ck_simple(&e->h, GH_SHUTDOWN_FORCED, "race", &msg), (int32_t)0x80370105);
        assert_non_null(strstr(msg, "still being created"));
        free(msg);
        assert_int_equal(gh_recv(&e->h, id, 20000, &f), 0);
        gh_frame_free(&f);
        free(b2);
        free(cfg);
        free(spec);
        /* It shares dup's rootfs; it never starts. Delete kills its init. */
        assert_int_equal(ck_simple(&e->h, GH_DELETE, "race", NULL), 0);
        expect_type(&e->h, "race", "UnexpectedExit");
    }
    /* dup: created, never started: Delete stops it, one notification. */
    snprintf(body, sizeof body, "%s", "dup");
    assert_int_equal(ck_simple(&e->h, GH_SHUTDOWN_FORCED, body, NULL), 0);
    expect_type(&e->h, "dup", "ForcedExit");
    ck_remove(&e->h, "dup");
    end(e);
}

/* Bad documents and layers: no process in the spec, a missing layer, the
 * same root twice, Remove of what was never added, a read-only rootfs and
 * a read-only overlay (no scratch). */
static void test_bad_inputs(void **state)
{
    env *e = begin(state, NULL);
    char *msg = NULL, *b2;
    gh_proc p;
    hcsi_buf out, err;
    /* Missing layer: the path is named. */
    expect_refused(layers_call(&e->h, "Add", "/run/gcs/c/m/rootfs", "/nonexistent/layer",
                               "/run/gcs/c/m/scratch"),
                   "/nonexistent/layer", NULL);
    /* A mount point outside the state root: refused, named. */
    expect_refused(layers_call(&e->h, "Add", "/etc", e->s.layer, NULL),
                   "\"/etc\" is outside the agent's state root", NULL);
    /* Remove of something never added: success, as the Go GCS. */
    expect_ok(layers_call(&e->h, "Remove", "/run/gcs/c/never/rootfs", NULL, NULL));
    /* Read-only rootfs in the spec. */
    assert_int_equal(ck_create(&e->h, "ro", e->s.layer,
                               "[\"sh\",\"-c\",\"echo x > /data/f || exit 3\"]", 0, 1),
                     0);
    assert_int_equal(ex(&e->h, "ro", INIT, GH_OUT | GH_ERR, &p), 0);
    read_both(&p, &out, &err);
    assert_non_null(strstr(err.data, "Read-only file system"));
    assert_int_equal(gh_exit_code_in(&e->h, "ro", p.pid), 3);
    expect_type(&e->h, "ro", "UnexpectedExit");
    hcsi_buf_free(&out);
    hcsi_buf_free(&err);
    gh_close_proc(&p);
    /* The same root again: already mounted, the path is named. */
    expect_refused(layers_call(&e->h, "Add", "/run/gcs/c/ro/rootfs", e->s.layer, NULL),
                   "/run/gcs/c/ro/rootfs", "already mounted");
    ck_remove(&e->h, "ro");
    /* A read-only overlay (no ScratchPath), and a spec without a process. */
    expect_ok(layers_call(&e->h, "Add", "/run/gcs/c/np/rootfs", e->s.layer, NULL));
    b2 = create_body("np", "{\"SchemaVersion\":{\"Major\":2,\"Minor\":1},\"OciBundlePath\":"
                           "\"/run/gcs/c/np\",\"OciSpecification\":{\"root\":{\"path\":"
                           "\"/run/gcs/c/np/rootfs\"}}}");
    expect_refused(gh_call(&e->h, GH_CREATE, b2, 20000), "no process", NULL);
    free(b2);
    /* The failed Create left nothing: the id is free again. */
    assert_int_equal(ck_simple(&e->h, GH_DELETE, "np", &msg), (int32_t)0xC037010E);
    free(msg);
    expect_ok(layers_call(&e->h, "Remove", "/run/gcs/c/np/rootfs", NULL, NULL));
    end(e);
}

/* A symbolic link inside the state root (as a container could plant in its
 * scratch) must not lead a mount or a bundle outside it: refused before
 * anything is created at the link's target. */
static void test_symlink_escape(void **state)
{
    env *e = begin(state, NULL);
    char evil[512], link[600], target[512], probe[600], *b2;
    struct stat st;
    snprintf(target, sizeof target, "%s/outside", e->s.dir);
    assert_int_equal(mkdir(target, 0755), 0);
    ck_agent_path(&e->h, "/run/gcs", evil, sizeof evil);
    (void)mkdir(evil, 0755);
    ck_agent_path(&e->h, "/run/gcs/c", evil, sizeof evil);
    (void)mkdir(evil, 0755);
    ck_agent_path(&e->h, "/run/gcs/c/evil", evil, sizeof evil);
    assert_int_equal(mkdir(evil, 0755), 0);
    snprintf(link, sizeof link, "%s/link", evil);
    assert_int_equal(symlink(target, link), 0);
    /* A mount point through the link. */
    expect_refused(layers_call(&e->h, "Add", "/run/gcs/c/evil/link/rootfs", e->s.layer,
                               "/run/gcs/c/evil/scratch"),
                   "resolves to", NULL);
    snprintf(probe, sizeof probe, "%s/rootfs", target);
    assert_int_equal(stat(probe, &st), -1);
    /* A bundle through the link. */
    b2 = create_body("evil", "{\"SchemaVersion\":{\"Major\":2,\"Minor\":1},\"OciBundlePath\":"
                             "\"/run/gcs/c/evil/link/b\",\"OciSpecification\":{\"process\":{"
                             "\"args\":[\"true\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"}}}");
    expect_refused(gh_call(&e->h, GH_CREATE, b2, 20000), "resolves to", NULL);
    snprintf(probe, sizeof probe, "%s/b", target);
    assert_int_equal(stat(probe, &st), -1);
    free(b2);
    end(e);
}

/* A runtime that fails its create after leaving state behind (as one
 * killed at the agent's timeout would): the failed Create still removes
 * that state with a forced delete, and the id is free again. */
static void test_failed_create_cleans_runtime(void **state)
{
    env *e = (env *)*state;
    char script[300], log[300], arg[320], text[4096];
    const char *extra[5];
    FILE *f;
    char *msg = NULL;
    if (!e)
        skip();
    snprintf(script, sizeof script, "%s/fake-runtime", e->s.dir);
    snprintf(log, sizeof log, "%s/fake-runtime.log", e->s.dir);
    f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f,
            "#!/bin/sh\n"
            "root=\n"
            "while [ $# -gt 0 ]; do\n"
            "  case \"$1\" in\n"
            "  --root) root=$2; shift 2 ;;\n"
            "  --log|--log-format) shift 2 ;;\n"
            "  create) shift; id=\n"
            "    while [ $# -gt 0 ]; do case \"$1\" in --*) shift 2 ;; *) id=$1; shift ;; esac; done\n"
            "    mkdir -p \"$root/$id\" && echo '{}' > \"$root/$id/state.json\"\n"
            "    echo \"create $id\" >> '%s'; exit 1 ;;\n"
            "  delete) shift; [ \"$1\" = --force ] && shift\n"
            "    echo \"delete $1 $(test -d \"$root/$1\" && echo had-state)\" >> '%s'\n"
            "    rm -rf \"$root/$1\"; exit 0 ;;\n"
            "  *) echo \"unexpected $*\" >> '%s'; exit 2 ;;\n"
            "  esac\n"
            "done\n",
            log, log, log);
    fclose(f);
    assert_int_equal(chmod(script, 0755), 0);
    snprintf(arg, sizeof arg, "%s", script);
    extra[0] = "--runtime";
    extra[1] = arg;
    extra[2] = "--state-root"; /* with a trailing slash: the same root */
    extra[3] = "/run/gcs/c/";
    extra[4] = NULL;
    ck_start(&e->h, extra);
    assert_int_equal(ck_create(&e->h, "bad", e->s.layer, "[\"true\"]", 0, 0), (int32_t)0x80004005);
    assert_true(gh_read_file(log, text, sizeof text) >= 0);
    assert_string_equal(text, "create bad\ndelete bad had-state\n");
    /* Nothing is tracked: the id is unknown, its layers go. */
    assert_int_equal(ck_simple(&e->h, GH_DELETE, "bad", &msg), (int32_t)0xC037010E);
    free(msg);
    expect_ok(layers_call(&e->h, "Remove", "/run/gcs/c/bad/rootfs", NULL, NULL));
    end(e);
}

static void net_ns_of(pid_t pid, char *out, size_t n)
{
    char p[64];
    ssize_t l;
    snprintf(p, sizeof p, "/proc/%ld/ns/net", (long)pid);
    l = readlink(p, out, n - 1);
    assert_true(l > 0);
    out[l] = '\0';
}

/* Two containers at once, each in a network namespace of its own; a
 * constraints update reaches the container's cgroup (Statistics). */
static void test_two_containers_constraints(void **state)
{
    env *e = begin(state, NULL);
    gh_proc a, b;
    char na[64], nb[64], nu[64];
    hcsi_json *r;
    const char *props = NULL;
    assert_int_equal(ck_create(&e->h, "ca", e->s.layer, "[\"sleep\",\"1000\"]", 0, 0), 0);
    assert_int_equal(ck_create(&e->h, "cb", e->s.layer, "[\"sleep\",\"1000\"]", 0, 0), 0);
    assert_int_equal(ex(&e->h, "ca", INIT, 0, &a), 0);
    assert_int_equal(ex(&e->h, "cb", INIT, 0, &b), 0);
    net_ns_of((pid_t)a.pid, na, sizeof na);
    net_ns_of((pid_t)b.pid, nb, sizeof nb);
    net_ns_of(e->h.agent, nu, sizeof nu);
    assert_string_not_equal(na, nb);
    assert_string_not_equal(na, nu);
    expect_ok(gh_call(&e->h, GH_MODIFY,
                      "{\"ContainerId\":\"ca\",\"ActivityId\":\"" GH_ZERO "\",\"Request\":{"
                      "\"RequestType\":\"Update\",\"ResourceType\":\"ContainerConstraints\","
                      "\"Settings\":{\"Windows\":{},\"Linux\":{\"memory\":{\"limit\":67108864},"
                      "\"cpu\":{\"shares\":512}}}}}",
                      20000));
    r = properties(&e->h, "ca", "\\\"Statistics\\\"", &props);
    assert_non_null(strstr(props, "\"limit\":67108864"));
    hcsi_json_put(r);
    assert_int_equal(ck_simple(&e->h, GH_SHUTDOWN_FORCED, "ca", NULL), 0);
    assert_int_equal(ck_simple(&e->h, GH_SHUTDOWN_FORCED, "cb", NULL), 0);
    (void)gh_exit_code_in(&e->h, "ca", a.pid);
    (void)gh_exit_code_in(&e->h, "cb", b.pid);
    {
        /* One each, in either order. */
        int k, seen_a = 0, seen_b = 0;
        for (k = 0; k < 2; k++) {
            gh_frame f;
            assert_int_equal(gh_recv_notification(&e->h, 20000, &f), 0);
            assert_non_null(strstr(f.body, "\"Type\":\"ForcedExit\""));
            seen_a += strstr(f.body, "\"ContainerId\":\"ca\"") != NULL;
            seen_b += strstr(f.body, "\"ContainerId\":\"cb\"") != NULL;
            gh_frame_free(&f);
        }
        assert_int_equal(seen_a, 1);
        assert_int_equal(seen_b, 1);
    }
    ck_remove(&e->h, "ca");
    ck_remove(&e->h, "cb");
    end(e);
}

/* The host goes away with two containers running (one with an exec): the
 * agent kills them, deletes their runtime state and unmounts every overlay
 * before it dials again (--reconnect keeps it alive to be inspected). */
static void test_disconnect_cleanup(void **state)
{
    env *e = (env *)*state;
    char rt[128], arg[160], path[512], line[1024];
    const char *extra[] = {"--reconnect", "--runtime-root", NULL, NULL};
    gh_proc a, b, x;
    int i, clean = 0;
    if (!e)
        skip();
    snprintf(rt, sizeof rt, "%s/runtime", e->s.dir);
    snprintf(arg, sizeof arg, "%s", rt);
    extra[2] = arg;
    ck_start(&e->h, extra);
    assert_int_equal(ck_create(&e->h, "d1", e->s.layer, "[\"sleep\",\"1000\"]", 0, 0), 0);
    assert_int_equal(ck_create(&e->h, "d2", e->s.layer, "[\"sleep\",\"1000\"]", 0, 0), 0);
    assert_int_equal(ex(&e->h, "d1", INIT, 0, &a), 0);
    assert_int_equal(ex(&e->h, "d2", INIT, 0, &b), 0);
    exec_oci(&e->h, "d1", "{\"args\":[\"sleep\",\"100\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"]}", 0, &x);
    assert_true(gh_pid_alive((pid_t)a.pid) && gh_pid_alive((pid_t)x.pid));
    close(e->h.br);
    e->h.br = -1;
    for (i = 0; i < 500 && !clean; i++) {
        FILE *f;
        DIR *d;
        struct dirent *de;
        int overlays = 0, states = 0;
        usleep(20000);
        if (gh_pid_alive((pid_t)a.pid) || gh_pid_alive((pid_t)b.pid) ||
            gh_pid_alive((pid_t)x.pid))
            continue;
        snprintf(path, sizeof path, "/proc/%ld/mountinfo", (long)e->h.agent);
        f = fopen(path, "r");
        assert_non_null(f);
        while (fgets(line, sizeof line, f))
            if (strstr(line, " - overlay "))
                overlays++;
        fclose(f);
        d = opendir(rt);
        if (d) {
            while ((de = readdir(d)) != NULL)
                if (de->d_name[0] != '.')
                    states++;
            closedir(d);
        }
        ck_agent_path(&e->h, "/run/gcs/c/d1", path, sizeof path);
        clean = overlays == 0 && states == 0 && access(path, F_OK) != 0;
    }
    assert_true(clean);
    (void)gh_stop(&e->h, 2000); /* it is redialling: killed */
    gh_cleanup(&e->h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_pipes),
        cmocka_unit_test(test_spec_keys_any_case),
        cmocka_unit_test(test_exec_signals_properties),
        cmocka_unit_test(test_graceful),
        cmocka_unit_test(test_tty_resize),
        cmocka_unit_test(test_ids_and_states),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_failed_create_cleans_runtime),
        cmocka_unit_test(test_symlink_escape),
        cmocka_unit_test(test_two_containers_constraints),
        cmocka_unit_test(test_disconnect_cleanup),
    };
    return cmocka_run_group_tests_name("hcs-gcs containers", tests, setup, ck_suite_teardown);
}
