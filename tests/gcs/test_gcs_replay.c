/* Golden replay: the recorded hcsshim <-> Linux GCS sessions are played by
 * a scripted guest that sends the recorded guest frames and checks that
 * every frame our host sends is byte-identical to the recorded host frame,
 * after masking what golden/README.md marks non-deterministic (the random
 * "ocsc" span context, which current hcsshim and this host do not send).
 * POSIX (unix:DIR stdio, socketpair bridge). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gcs_peer.h"
#include "gcs_test_util.h"

#define CID "c0ffee00-0000-4000-8000-000000000001"
#define MAXF 64

typedef struct rframe {
    int h2g;
    unsigned char *data;
    size_t len;
} rframe;

typedef struct replay {
    rframe f[MAXF];
    int n;
    hcsi_sock sock, host_end;
    hcsi_thread t;
    char dir[128];
    char err[2048];
    int matched;
    hcsi_sock stdio[16];
    int nstdio;
} replay;

static int hexval(int c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static void load(replay *r, const char *session)
{
    char rel[128], *line, *save = NULL;
    unsigned char *text;
    size_t len = 0;
    snprintf(rel, sizeof rel, "%s/frames.jsonl", session);
    text = gt_slurp(gt_golden(rel), &len);
    assert_non_null(text);
    for (line = strtok_r((char *)text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        hcsi_json *v = NULL;
        const char *dir = NULL, *hex = NULL;
        size_t hlen = 0, i;
        rframe *f = &r->f[r->n++];
        assert_true(r->n <= MAXF);
        assert_int_equal(hcsi_json_parse(line, strlen(line), "frames.jsonl", &v), 0);
        assert_int_equal(hcsi_json_get_str(v, "l", "dir", &dir, NULL), 1);
        assert_int_equal(hcsi_json_get_str(v, "l", "hex", &hex, &hlen), 1);
        f->h2g = strcmp(dir, "host->gcs") == 0;
        f->len = hlen / 2;
        f->data = (unsigned char *)malloc(f->len);
        for (i = 0; i < f->len; i++)
            f->data[i] = (unsigned char)(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
        hcsi_json_put(v);
    }
    free(text);
}

/* The recorded host frame without its "ocsc":{...}, member (runs on the
 * replay thread: no cmocka asserts here). Returns 0 on success. */
static int masked(const rframe *f, hcsi_buf *out)
{
    const char *body = (const char *)f->data + 16;
    size_t blen = f->len - 16;
    const char *o = NULL, *end;
    hcsi_gcs_header h;
    hcsi_buf b;
    size_t i;
    for (i = 0; i + 8 <= blen; i++)
        if (memcmp(body + i, "\"ocsc\":{", 8) == 0) {
            o = body + i;
            break;
        }
    hcsi_gcs_header_unpack(f->data, &h);
    hcsi_buf_init(out, 0);
    if (!o)
        return HCS_FAILED(hcsi_gcs_frame_build(out, h.type, h.id, body, blen));
    end = (const char *)memchr(o, '}', blen - (size_t)(o - body));
    if (!end || (end[1] != ',' && end[1] != '}') || o == body || o[-1] != ',')
        return -1;
    hcsi_buf_init(&b, 0);
    if (end[1] == ',') { /* drop "ocsc":{...}, */
        hcsi_buf_append(&b, body, (size_t)(o - body));
        hcsi_buf_append(&b, end + 2, blen - (size_t)(end + 2 - body));
    } else { /* last member: drop ,"ocsc":{...} */
        hcsi_buf_append(&b, body, (size_t)(o - 1 - body));
        hcsi_buf_append(&b, end + 1, blen - (size_t)(end + 1 - body));
    }
    i = HCS_FAILED(hcsi_gcs_frame_build(out, h.type, h.id, b.data, b.len));
    hcsi_buf_free(&b);
    return (int)i;
}

/* The guest dials the requested stdio ports before answering. */
static void dial_stdio(replay *r, const char *body)
{
    static const char *const keys[3] = {"StdIn", "StdOut", "StdErr"};
    hcsi_json *v = NULL, *st = NULL, *relay = NULL;
    int i;
    if (HCS_FAILED(hcsi_json_parse(body, strlen(body), "exec", &v)))
        return;
    hcsi_json_get_obj(v, "e", "Settings", &st);
    if (st)
        hcsi_json_get_obj(st, "e", "VsockStdioRelaySettings", &relay);
    for (i = 0; relay && i < 3; i++) {
        uint32_t port;
        char path[256];
        hcsi_sock s;
        if (hcsi_json_get_u32(relay, "r", keys[i], &port) != 1)
            continue;
        snprintf(path, sizeof path, "%s/%lu", r->dir, (unsigned long)port);
        if (HCS_SUCCEEDED(hcsi_sock_connect_unix(path, &s))) {
            if (i > 0)
                hcsi_sock_shutdown_write(s); /* no output recorded */
            r->stdio[r->nstdio++] = s;
        }
    }
    hcsi_json_put(v);
}

static void replay_main(void *arg)
{
    replay *r = (replay *)arg;
    hcsi_gcs_reader rd;
    int i;
    char tn[40];
    hcsi_gcs_reader_init_sock(&rd, r->sock, 1u << 20);
    for (i = 0; i < r->n; i++) {
        rframe *f = &r->f[i];
        hcsi_gcs_frame got;
        hcsi_buf want;
        hcs_result hr;
        if (!f->h2g) {
            hcsi_sock_write_full(r->sock, f->data, f->len);
            continue;
        }
        hr = hcsi_gcs_reader_next(&rd, &got);
        if (hr != HCS_S_OK) {
            snprintf(r->err, sizeof r->err, "frame %02d: the host sent nothing (0x%08lx)", i,
                     (unsigned long)(uint32_t)hr);
            break;
        }
        if (masked(f, &want) != 0) {
            snprintf(r->err, sizeof r->err, "frame %02d: cannot mask the recording", i);
            break;
        }
        if (got.size != want.len ||
            memcmp(want.data + 16, got.body, got.body_len) != 0) {
            snprintf(r->err, sizeof r->err,
                     "frame %02d (%s id %llu) differs:\n got (%lu): %.*s\nwant (%lu): %.*s", i,
                     hcsi_gcs_type_name(got.type, tn, sizeof tn),
                     (unsigned long long)got.id, (unsigned long)got.size, (int)got.body_len,
                     got.body, (unsigned long)want.len, (int)(want.len - 16), want.data + 16);
            hcsi_buf_free(&want);
            break;
        }
        {
            /* header bytes too: type, size, id */
            unsigned char hdr[16];
            hcsi_gcs_header_pack(hdr, got.type, got.size, got.id);
            if (memcmp(hdr, want.data, 16) != 0) {
                snprintf(r->err, sizeof r->err, "frame %02d: header differs", i);
                hcsi_buf_free(&want);
                break;
            }
        }
        hcsi_buf_free(&want);
        if (got.type == HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_EXECUTE_PROCESS)) {
            char *b = hcsi_strndup(got.body, got.body_len);
            dial_stdio(r, b);
            free(b);
        }
        r->matched++;
    }
    /* wait for the host to hang up, then release the stdio ends */
    {
        hcsi_gcs_frame extra;
        hcs_result hr;
        while ((hr = hcsi_gcs_reader_next(&rd, &extra)) == HCS_S_OK) {
            if (!r->err[0])
                snprintf(r->err, sizeof r->err, "the host sent an extra %s (id %llu)",
                         hcsi_gcs_type_name(extra.type, tn, sizeof tn),
                         (unsigned long long)extra.id);
        }
    }
    hcsi_gcs_reader_free(&rd);
    for (i = 0; i < r->nstdio; i++)
        hcsi_sock_close(r->stdio[i]);
    hcsi_sock_shutdown_both(r->sock);
}

static hcs_gcs_bridge *replay_start(replay *r, const char *session)
{
    hcsi_sock sv[2];
    char tmpl[] = "/tmp/hcsrplXXXXXX";
    char addr[160];
    hcs_gcs_bridge_options c;
    hcs_gcs_bridge *b = NULL;
    memset(r, 0, sizeof *r);
    load(r, session);
    assert_non_null(mkdtemp(tmpl));
    snprintf(r->dir, sizeof r->dir, "%s", tmpl);
    snprintf(addr, sizeof addr, "unix:%s", tmpl);
    assert_int_equal(hcsi_sock_pair(sv), 0);
    r->host_end = sv[0];
    r->sock = sv[1];
    assert_int_equal(hcsi_thread_start(&r->t, replay_main, r), 0);
    hcs_gcs_bridge_options_init(&c, HCS_GCS_BRIDGE_OPTIONS_VERSION);
    c.rpc_timeout_ms = 10000;
    c.stdio_timeout_ms = 5000;
    c.stdio_address = addr;
    if (HCS_FAILED(hcs_gcs_connect_fds(sv[0], sv[0], 1, &c, &b)))
        fail_msg("connect: %s (replay: %s)", hcs_error_last()->message, r->err);
    return b;
}

static void replay_end(replay *r, hcs_gcs_bridge *b, int expect_matched)
{
    int i;
    hcs_gcs_bridge_close(b);
    hcsi_thread_join(&r->t);
    hcsi_sock_close(r->sock);
    for (i = 0; i < r->n; i++)
        free(r->f[i].data);
    rmdir(r->dir);
    if (r->err[0])
        fail_msg("%s", r->err);
    assert_int_equal(r->matched, expect_matched);
}

#define OK(call)                                                                 \
    do {                                                                         \
        hcs_result hr_ = (call);                                                \
        if (HCS_FAILED(hr_))                                                     \
            fail_msg("%s: %s (replay: %s)", #call, hcs_error_last()->message, r.err); \
    } while (0)

static void test_replay_uvm_processes(void **s)
{
    replay r;
    hcs_gcs_bridge *b;
    hcs_gcs_process_options pc;
    hcs_gcs_process *p;
    static const char *const echo[] = {"/bin/echo", "hello", NULL};
    static const char *const cat[] = {"/bin/cat", NULL};
    static const char *const sleep2[] = {"/bin/sleep", "2", NULL};
    static const char *const env[] = {"PATH=/usr/bin:/bin", NULL};
    uint32_t code = 99;
    char *stacks = NULL;
    const hcs_error *e;
    (void)s;
    if (!gt_golden("x"))
        skip();
    b = replay_start(&r, "live-uvm-processes");

    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.argv = echo;
    pc.cwd = "/";
    pc.env = env;
    pc.use_stdout = 1;
    OK(hcs_gcs_process_start(b, &pc, &p));
    OK(hcs_gcs_process_wait(p, 5000, &code));
    assert_int_equal(code, 0);
    assert_int_equal(hcs_gcs_process_pid(p), 18);
    hcs_gcs_process_close(p);

    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.argv = cat;
    pc.cwd = "/";
    pc.use_stdin = pc.use_stdout = 1;
    OK(hcs_gcs_process_start(b, &pc, &p));
    OK(hcs_gcs_process_wait(p, 5000, &code));
    hcs_gcs_process_close(p);

    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.command_line = "/bin/sh -c \"echo out; echo err >&2; exit 3\"";
    pc.cwd = "/";
    pc.use_stdout = pc.use_stderr = 1;
    OK(hcs_gcs_process_start(b, &pc, &p));
    OK(hcs_gcs_process_wait(p, 5000, &code));
    assert_int_equal(code, 3);
    hcs_gcs_process_close(p);

    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.argv = sleep2;
    pc.cwd = "/";
    OK(hcs_gcs_process_start(b, &pc, &p));
    /* the Linux GCS refuses signals to UVM processes */
    assert_int_equal(hcs_gcs_process_kill(p), (hcs_result)0xC037010Eu);
    OK(hcs_gcs_process_wait(p, 5000, &code));
    assert_int_equal(code, 0);
    hcs_gcs_process_close(p);

    OK(hcs_gcs_bridge_dump_stacks(b, &stacks));
    assert_non_null(strstr(stacks, "goroutine"));
    hcs_free(stacks);

    assert_int_equal(hcs_gcs_container_delete_state(b, CID), (hcs_result)0xC037010Eu);
    e = hcs_error_last();
    assert_non_null(e->detail);
    assert_non_null(strstr(e->detail, "\"ModuleName\":\"gcs\""));

    {
        char *cfg = NULL;
        OK(hcs_gcs_encode_lcow_container_config(
            "/run/gcs/c/" CID,
            "{\"ociVersion\":\"1.1.0\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
            "\"args\":[\"/bin/true\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"linux\":{}}",
            "", &cfg));
        assert_int_equal(hcs_gcs_container_create(b, CID, cfg), (hcs_result)0x80004005u);
        e = hcs_error_last();
        assert_non_null(strstr(e->message, "invalid rootfs"));
        assert_non_null(strstr(e->detail, "\"StackTrace\""));
        hcs_free(cfg);
        /* the failed Create dropped its exit waiter */
        assert_int_equal(hcs_gcs_container_wait(b, CID, 0, NULL), HCS_ERR_SYSTEM_NOT_FOUND);
    }
    replay_end(&r, b, 13);
}

static void test_replay_container(void **s)
{
    replay r;
    hcs_gcs_bridge *b;
    hcs_gcs_process_options pc;
    hcs_gcs_process *p;
    hcs_gcs_combined_layers cl;
    hcs_gcs_process_info *list = NULL;
    hcs_gcs_notification n;
    static const char *const layers[] = {"/", NULL};
    size_t count = 0;
    uint32_t code = 99;
    char *cfg = NULL;
    (void)s;
    if (!gt_golden("x"))
        skip();
    b = replay_start(&r, "live-container");

    memset(&cl, 0, sizeof cl);
    cl.container_id = CID;
    cl.container_root_path = "/run/gcs/c/" CID "/rootfs";
    cl.layer_paths = layers;
    cl.scratch_path = "/run/gcs/c/" CID "/scratch";
    OK(hcs_gcs_modify_combined_layers(b, "Add", &cl));

    OK(hcs_gcs_encode_lcow_container_config(
        "/run/gcs/c/" CID,
        "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
        "\"args\":[\"/bin/sh\",\"-c\",\"echo init-started; read line; echo got:$line\"],"
        "\"env\":[\"PATH=/usr/bin:/bin\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/run/gcs/c/" CID
        "/rootfs\"},\"hostname\":\"ctr\",\"mounts\":[{\"destination\":\"/proc\",\"type\":"
        "\"proc\",\"source\":\"proc\"}],\"linux\":{\"namespaces\":[{\"type\":\"pid\"},"
        "{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}]}}",
        "/run/gcs/c/" CID "/scratch", &cfg));
    OK(hcs_gcs_container_create(b, CID, cfg));
    hcs_free(cfg);
    OK(hcs_gcs_container_start(b, CID));

    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.container_id = CID; /* no OciProcess: start the init */
    pc.use_stdin = pc.use_stdout = pc.use_stderr = 1;
    OK(hcs_gcs_process_start(b, &pc, &p));
    assert_int_equal(hcs_gcs_process_pid(p), 28);

    OK(hcs_gcs_container_get_process_list(b, CID, &list, &count));
    assert_int_equal(count, 1);
    assert_int_equal(list[0].process_id, 28);
    hcs_gcs_process_list_free(list, count);

    OK(hcs_gcs_process_wait(p, 5000, &code));
    assert_int_equal(code, 0);
    OK(hcs_gcs_container_wait(b, CID, 5000, &n));
    assert_string_equal(n.type, "UnexpectedExit");
    assert_string_equal(n.operation, "None");
    hcs_gcs_notification_clear(&n);
    hcs_gcs_process_close(p);

    OK(hcs_gcs_container_shutdown(b, CID, 1));
    memset(&cl, 0, sizeof cl);
    cl.container_id = CID;
    cl.container_root_path = "/run/gcs/c/" CID "/rootfs";
    OK(hcs_gcs_modify_combined_layers(b, "Remove", &cl));
    OK(hcs_gcs_container_delete_state(b, CID));
    replay_end(&r, b, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_uvm_processes),
        cmocka_unit_test(test_replay_container),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
