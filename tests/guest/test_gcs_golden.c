/*
 * Replay of ../shared/golden/live-uvm-processes against a real hcs-gcs: the
 * recorded host frames are sent as recorded (process ids rewritten to ours)
 * and every guest frame is compared with the Linux GCS's recording: type,
 * id, keys and their order, values, HRESULTs, ModuleName. Masked as the
 * golden README says: ProcessId values, GuestStacks text, ErrorMessage and
 * ErrorRecords wording (StackTrace, FileName, Line, FunctionName). Frames
 * with nothing to mask must match byte for byte, Size included.
 *
 * With --strict the session matches completely. Without it, hcs-gcs
 * delivers signals to UVM processes (an extension): the SignalProcess of
 * frame 17 succeeds and the wait of frame 19 reports the killed sleep's
 * ExitCode 4294967295 (Go's -1); everything else is identical.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ghost.h"

typedef struct gframe {
    int h2g;
    uint32_t type;
    uint64_t id;
    unsigned char *bytes;
    size_t len;
} gframe;

typedef struct golden {
    gframe f[64];
    size_t n;
} golden;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static const char *golden_dir(void)
{
    const char *dir = getenv("HCS_GOLDEN_DIR");
    return dir && *dir ? dir : "../shared/golden";
}

static void load(golden *g, const char *name)
{
    const char *dir = golden_dir();
    char path[1024];
    FILE *fp;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    memset(g, 0, sizeof *g);
    snprintf(path, sizeof path, "%s/%s/frames.jsonl", dir, name);
    fp = fopen(path, "r");
    if (!fp)
        fail_msg("cannot open %s", path);
    while ((n = getline(&line, &cap, fp)) > 0) {
        hcsi_json *o = NULL;
        const char *d = "", *hex = "";
        size_t hl = 0, i;
        gframe *f = &g->f[g->n++];
        assert_true(g->n < 64);
        assert_int_equal(hcsi_json_parse(line, (size_t)n, "frames.jsonl", &o), 0);
        assert_int_equal(hcsi_json_get_str(o, "f", "dir", &d, NULL), 1);
        assert_int_equal(hcsi_json_get_str(o, "f", "hex", &hex, &hl), 1);
        f->h2g = strcmp(d, "host->gcs") == 0;
        f->len = hl / 2;
        f->bytes = (unsigned char *)malloc(f->len + 1);
        assert_non_null(f->bytes);
        for (i = 0; i < f->len; i++)
            f->bytes[i] = (unsigned char)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
        f->bytes[f->len] = 0;
        f->type = (uint32_t)f->bytes[0] | (uint32_t)f->bytes[1] << 8 |
                  (uint32_t)f->bytes[2] << 16 | (uint32_t)f->bytes[3] << 24;
        for (i = 0; i < 8; i++)
            f->id |= (uint64_t)f->bytes[8 + i] << (8 * i);
        hcsi_json_put(o);
    }
    free(line);
    fclose(fp);
}

static void unload(golden *g)
{
    size_t i;
    for (i = 0; i < g->n; i++)
        free(g->f[i].bytes);
}

/* Recorded pid -> ours. */
typedef struct pidmap {
    uint32_t rec[16], ours[16];
    size_t n;
} pidmap;

static uint32_t map_pid(const pidmap *m, uint32_t rec)
{
    size_t i;
    for (i = 0; i < m->n; i++)
        if (m->rec[i] == rec)
            return m->ours[i];
    fail_msg("recorded pid %lu was never started", (unsigned long)rec);
    return 0;
}

static int json_equal(const hcsi_json *a, const hcsi_json *b)
{
    char *x = NULL, *y = NULL;
    int eq;
    assert_int_equal(hcsi_json_to_string(a, 0, &x), 0);
    assert_int_equal(hcsi_json_to_string(b, 0, &y), 0);
    eq = strcmp(x, y) == 0;
    free(x);
    free(y);
    return eq;
}

/* Compares a guest body with the recording (masks as documented). Returns
 * 1 when a mask was needed (so the bytes cannot be compared). */
static int compare_body(const char *want_s, size_t wl, const char *got_s, size_t gl,
                        pidmap *m, uint32_t *got_pid, const char *ctx)
{
    hcsi_json *want = NULL, *got = NULL;
    hcsi_json_iter iw, ig;
    const char *kw, *kg;
    hcsi_json *vw, *vg;
    int masked = 0;
    (void)m;
    assert_int_equal(hcsi_json_parse(want_s, wl, "recorded", &want), 0);
    if (HCS_FAILED(hcsi_json_parse(got_s, gl, "ours", &got)))
        fail_msg("%s: our body is not JSON: %s", ctx, got_s);
    hcsi_json_iter_init(want, &iw);
    hcsi_json_iter_init(got, &ig);
    for (;;) {
        int a = hcsi_json_iter_next(&iw, &kw, &vw);
        int b = hcsi_json_iter_next(&ig, &kg, &vg);
        if (!a && !b)
            break;
        if (a != b || strcmp(kw, kg) != 0)
            fail_msg("%s: keys differ (%s vs %s)\n want %s\n got  %s", ctx, a ? kw : "(end)",
                     b ? kg : "(end)", want_s, got_s);
        if (strcmp(kw, "ProcessId") == 0) {
            assert_int_equal(hcsi_json_kind_of(vg), HCSI_JSON_INT);
            *got_pid = (uint32_t)hcsi_json_i64(vg);
            masked = 1;
        } else if (strcmp(kw, "GuestStacks") == 0 || strcmp(kw, "ErrorMessage") == 0) {
            assert_int_equal(hcsi_json_kind_of(vg), HCSI_JSON_STRING);
            masked = 1;
        } else if (strcmp(kw, "ErrorRecords") == 0) {
            size_t i;
            assert_int_equal(hcsi_json_array_len(vg), hcsi_json_array_len(vw));
            for (i = 0; i < hcsi_json_array_len(vw); i++) {
                hcsi_json *rw = hcsi_json_array_at(vw, i), *rg = hcsi_json_array_at(vg, i);
                if (!json_equal(hcsi_json_get(rw, "Result"), hcsi_json_get(rg, "Result")) ||
                    !json_equal(hcsi_json_get(rw, "ModuleName"), hcsi_json_get(rg, "ModuleName")))
                    fail_msg("%s: ErrorRecords[%zu] differ\n want %s\n got  %s", ctx, i, want_s,
                             got_s);
                assert_int_equal(hcsi_json_kind_of(hcsi_json_get(rg, "Message")), HCSI_JSON_STRING);
            }
            masked = 1;
        } else if (!json_equal(vw, vg)) {
            fail_msg("%s: %s differs\n want %s\n got  %s", ctx, kw, want_s, got_s);
        }
    }
    hcsi_json_put(want);
    hcsi_json_put(got);
    return masked;
}

/* Maps the ProcessId of a recorded exec response (want) to ours. */
static void map_add(pidmap *m, const char *want, uint32_t ours)
{
    const char *k = "\"ProcessId\":";
    const char *p = strstr(want, k);
    assert_non_null(p);
    assert_true(m->n < 16);
    m->rec[m->n] = (uint32_t)strtoul(p + strlen(k), NULL, 10);
    m->ours[m->n++] = ours;
}

/* Rewrites "ProcessId":<recorded> in a host body to our pid. */
static char *rewrite_pid(const char *body, size_t len, const pidmap *m, size_t *out_len)
{
    const char *k = "\"ProcessId\":";
    const char *p = memmem(body, len, k, strlen(k));
    char *out;
    unsigned long rec;
    char *end;
    if (!p) {
        out = (char *)malloc(len + 1);
        memcpy(out, body, len);
        out[len] = 0;
        *out_len = len;
        return out;
    }
    rec = strtoul(p + strlen(k), &end, 10);
    out = hcsi_asprintf("%.*s%lu%.*s", (int)(p + strlen(k) - body), body,
                        (unsigned long)map_pid(m, (uint32_t)rec), (int)(body + len - end), end);
    assert_non_null(out);
    *out_len = strlen(out);
    return out;
}

/* The stdio of a recorded exec: listen on its ports before sending. */
typedef struct relay_set {
    int lis[3];
    int fd[3];
} relay_set;

static void prepare_relays(ghost *h, const char *body, size_t len, relay_set *rs)
{
    hcsi_json *o = NULL, *st, *rel;
    static const char *const keys[3] = {"StdIn", "StdOut", "StdErr"};
    int i;
    assert_int_equal(hcsi_json_parse(body, len, "exec", &o), 0);
    st = hcsi_json_get(o, "Settings");
    rel = hcsi_json_get(st, "VsockStdioRelaySettings");
    for (i = 0; i < 3; i++) {
        uint32_t port = 0;
        rs->lis[i] = rs->fd[i] = -1;
        if (hcsi_json_get_u32(rel, "relay", keys[i], &port) == 1)
            rs->lis[i] = gh_listen(h, port);
    }
    hcsi_json_put(o);
}

/* Accepts the agent's dials (it dials before it answers the exec). */
static void accept_relays(relay_set *rs, int timeout_ms)
{
    int i;
    for (i = 0; i < 3; i++) {
        if (rs->lis[i] < 0)
            continue;
        rs->fd[i] = gh_accept(rs->lis[i], timeout_ms);
        assert_true(rs->fd[i] >= 0);
        close(rs->lis[i]);
        rs->lis[i] = -1;
    }
}

/* Feeds stdin and reads the outputs of accepted relays to EOF. */
static void run_relays(relay_set *rs, hcsi_buf out[2])
{
    int i;
    if (rs->fd[0] >= 0) {
        gh_write_all(rs->fd[0], "golden\n", 7);
        shutdown(rs->fd[0], SHUT_WR);
    }
    for (i = 1; i < 3; i++) {
        if (rs->fd[i] < 0)
            continue;
        assert_int_equal(gh_read_all(rs->fd[i], &out[i - 1], 10000), 0);
    }
    for (i = 0; i < 3; i++)
        if (rs->fd[i] >= 0)
            close(rs->fd[i]);
}

/* Sends a recorded host frame (pids mapped to ours); for an exec, listens
 * on the stdio ports it names first. Returns 1 for an exec. */
static int send_recorded(ghost *h, const gframe *f, const pidmap *m, relay_set *rs)
{
    size_t blen;
    char *body = rewrite_pid((const char *)f->bytes + 16, f->len - 16, m, &blen);
    int is_exec = f->type == 0x10100501u;
    if (is_exec)
        prepare_relays(h, body, blen, rs);
    gh_send_typed(h, f->type, f->id, body, blen);
    free(body);
    return is_exec;
}

/* GH_CASE arguments: with --strict or without. */
static const int k_strict = 1, k_extended = 0;

static void test_replay_live_uvm(void **s)
{
    int strict = GH_CASE_INT(s);
    golden g;
    ghost h;
    pidmap m;
    size_t i;
    int exec_no = 0;
    const char *const extra[] = {"--strict", "--runtime-root", "/run/gcs/runtime", NULL};
    static const char *const want_out[3][2] = {
        {"hello\n", ""}, {"golden\n", ""}, {"out\n", "err\n"}};
    load(&g, "live-uvm-processes");
    assert_int_equal(g.n, 26);
    memset(&m, 0, sizeof m);
    /* As root the agent gets its own /run/gcs (the recorded Create must not
     * leave a bundle directory on this machine). */
    gh_start_ex(&h, 0, strict ? extra : extra + 1, geteuid() == 0 ? gh_vm_prefix : NULL, NULL);
    for (i = 0; i < g.n; i++) {
        gframe *f = &g.f[i];
        char ctx[64];
        snprintf(ctx, sizeof ctx, "frame %02zu (id %llu)", i, (unsigned long long)f->id);
        if (f->h2g) {
            relay_set rs;
            if (send_recorded(&h, f, &m, &rs)) {
                hcsi_buf out[2];
                gh_frame r;
                uint32_t pid = 0;
                /* The exec response is the next recorded frame. */
                hcsi_buf_init(&out[0], 0);
                hcsi_buf_init(&out[1], 0);
                assert_true(i + 1 < g.n && !g.f[i + 1].h2g);
                accept_relays(&rs, 5000);
                assert_int_equal(gh_recv(&h, f->id, 10000, &r), 0);
                i++;
                snprintf(ctx, sizeof ctx, "frame %02zu (id %llu)", i, (unsigned long long)f->id);
                assert_int_equal(r.type, g.f[i].type);
                compare_body((const char *)g.f[i].bytes + 16, g.f[i].len - 16, r.body, r.len, &m,
                             &pid, ctx);
                map_add(&m, (const char *)g.f[i].bytes + 16, pid);
                gh_frame_free(&r);
                run_relays(&rs, out);
                if (exec_no < 3) {
                    assert_int_equal(out[0].len, strlen(want_out[exec_no][0]));
                    assert_memory_equal(out[0].data ? out[0].data : "", want_out[exec_no][0],
                                        out[0].len);
                    assert_int_equal(out[1].len, strlen(want_out[exec_no][1]));
                    if (out[1].len)
                        assert_memory_equal(out[1].data, want_out[exec_no][1], out[1].len);
                }
                exec_no++;
                hcsi_buf_free(&out[0]);
                hcsi_buf_free(&out[1]);
            }
        } else {
            gh_frame r;
            uint32_t pid = 0;
            int masked;
            const char *want = (const char *)f->bytes + 16;
            size_t wl = f->len - 16;
            if (gh_recv(&h, f->id, 15000, &r) != 0)
                fail_msg("%s: no response", ctx);
            assert_int_equal(r.type, f->type);
            if (!strict && f->id == 9) {
                /* Extension: the signal is delivered. */
                assert_string_equal(r.body, "{\"Result\":0,\"ActivityId\":\"" GH_ZERO "\"}");
            } else if (!strict && f->id == 8) {
                assert_string_equal(r.body, "{\"Result\":0,\"ActivityId\":\"" GH_ZERO
                                            "\",\"ExitCode\":4294967295}");
            } else {
                masked = compare_body(want, wl, r.body, r.len, &m, &pid, ctx);
                if (!masked) {
                    /* Nothing masked: byte-exact, Size included. */
                    assert_int_equal(r.len, wl);
                    assert_memory_equal(r.body, want, wl);
                }
            }
            gh_frame_free(&r);
        }
    }
    assert_int_equal(gh_stop_exited(&h, 10000), 0);
    gh_cleanup(&h);
    unload(&g);
}

/* Every recorded host request vector (golden/host-requests) gets a
 * response of the right type and a Result, on a negotiated connection. */
static void test_host_request_vectors(void **s)
{
    const char *dir = golden_dir();
    char path[1024], line[512];
    FILE *idx;
    ghost h;
    int n = 0;
    (void)s;
    snprintf(path, sizeof path, "%s/host-requests/INDEX.tsv", dir);
    idx = fopen(path, "r");
    assert_non_null(idx);
    /* As root the agent gets its own /run/gcs: the Create vector's bundle
     * directory must not land on this machine. */
    gh_start_ex(&h, 0, NULL, geteuid() == 0 ? gh_vm_prefix : NULL, NULL);
    gh_negotiate(&h);
    while (fgets(line, sizeof line, idx)) {
        char file[256], fp[1200];
        unsigned char buf[8192];
        long len;
        uint32_t type;
        gh_frame r;
        uint64_t id;
        if (line[0] == '#' || sscanf(line, "%255s", file) != 1)
            continue;
        snprintf(fp, sizeof fp, "%s/host-requests/%s.frame.bin", dir, file);
        len = gh_read_file(fp, (char *)buf, sizeof buf);
        assert_true(len >= 16);
        type = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
               (uint32_t)buf[3] << 24;
        id = 1000 + (uint64_t)n;
        gh_send_typed(&h, type, id, (const char *)buf + 16, (size_t)len - 16);
        /* ExecuteProcess vectors name stdio ports nobody listens on here
         * (or a container): the agent answers with an error either way. */
        if (gh_recv(&h, id, 10000, &r) != 0)
            fail_msg("%s: no response", file);
        assert_int_equal(r.type, 0x20000000u | (type & 0x0FFFFFFFu));
        assert_non_null(strstr(r.body, "\"Result\":"));
        if (strstr(file, "NegotiateProtocol"))
            assert_non_null(strstr(r.body, "\"Result\":-2147467263")); /* only once */
        if (strstr(file, "Start-container"))
            assert_non_null(strstr(r.body, "\"Result\":0,")); /* a no-op in Go too */
        else if (strstr(file, "container") || strstr(file, "Container"))
            if (strstr(r.body, "\"Result\":0,"))
                fail_msg("%s: unexpected success %s", file, r.body);
        gh_frame_free(&r);
        n++;
    }
    fclose(idx);
    assert_int_equal(n, 21);
    (void)gh_stop_exited(&h, 10000);
    gh_cleanup(&h);
}

/* Container tests need root (mounts, namespaces, runc). Under CI=true a
 * missing privilege fails the test; elsewhere it is skipped, saying why. */
static int need_root(void)
{
    if (geteuid() == 0 && access("/usr/sbin/runc", X_OK) == 0)
        return 1;
    return gh_unavailable("container", "container tests need root and Debian's runc",
                          geteuid() != 0 ? "not root" : "no /usr/sbin/runc");
}

/* golden/live-container replayed against hcs-gcs with Debian's runc: the
 * layer is the machine's own root ("/", as recorded), the init reads a line
 * and echoes it. Every response the recording has is answered the same
 * (pids mapped), the init's stdio is relayed, and the exit notification is
 * byte-identical (UnexpectedExit: the init exited by itself). */
static void test_replay_live_container(void **s)
{
    const char *const extra[] = {"--runtime-root", "/run/gcs/runtime", NULL};
    golden g;
    ghost h;
    pidmap m;
    relay_set rs;
    size_t i;
    int have_relays = 0;
    (void)s;
    if (!need_root())
        skip();
    load(&g, "live-container");
    assert_int_equal(g.n, 21);
    memset(&m, 0, sizeof m);
    memset(&rs, 0, sizeof rs);
    gh_start_ex(&h, 0, extra, gh_vm_prefix, NULL);
    for (i = 0; i < g.n; i++) {
        gframe *f = &g.f[i];
        char ctx[64];
        snprintf(ctx, sizeof ctx, "frame %02zu (id %llu)", i, (unsigned long long)f->id);
        if (f->h2g) {
            if (send_recorded(&h, f, &m, &rs)) {
                accept_relays(&rs, 10000);
                have_relays = 1;
            }
        } else {
            gh_frame r;
            uint32_t pid = 0;
            const char *want = (const char *)f->bytes + 16;
            size_t wl = f->len - 16;
            if (f->type == 0x20100601u && have_relays) {
                /* The init waits for a line: feed it now, after the
                 * recorded ProcessList, and read its output to EOF. */
                hcsi_buf out, err;
                hcsi_buf_init(&out, 0);
                hcsi_buf_init(&err, 0);
                gh_write_all(rs.fd[0], "golden\n", 7);
                shutdown(rs.fd[0], SHUT_WR);
                assert_int_equal(gh_read_all(rs.fd[1], &out, 10000), 0);
                assert_int_equal(gh_read_all(rs.fd[2], &err, 10000), 0);
                assert_int_equal(out.len, strlen("init-started\ngot:golden\n"));
                assert_memory_equal(out.data, "init-started\ngot:golden\n", out.len);
                assert_int_equal(err.len, 0);
                close(rs.fd[0]);
                close(rs.fd[1]);
                close(rs.fd[2]);
                hcsi_buf_free(&out);
                hcsi_buf_free(&err);
                have_relays = 0;
            }
            if ((f->type >> 28) == 3 ? gh_recv_notification(&h, 20000, &r) != 0
                                     : gh_recv(&h, f->id, 20000, &r) != 0)
                fail_msg("%s: no frame", ctx);
            if (r.type != f->type && f->type == 0x30100101u)
                fail_msg("%s: type 0x%08x, want the notification: %s", ctx, r.type, r.body);
            assert_int_equal(r.type, f->type);
            if (f->type == 0x20100501u) {
                compare_body(want, wl, r.body, r.len, &m, &pid, ctx);
                map_add(&m, want, pid);
            } else if (f->type == 0x20100901u) {
                /* Properties is a string: its ProcessList names our pid. */
                char expect[160];
                hcsi_json *v = NULL;
                const char *props = NULL;
                assert_int_equal(m.n, 1);
                snprintf(expect, sizeof expect, "{\"ProcessList\":[{\"ProcessId\":%u}]}",
                         (unsigned)m.ours[0]);
                assert_int_equal(hcsi_json_parse(r.body, r.len, "resp", &v), 0);
                assert_int_equal(hcsi_json_get_str(v, "r", "Properties", &props, NULL), 1);
                if (strcmp(props, expect) != 0)
                    fail_msg("%s: Properties %s, want %s", ctx, props, expect);
                hcsi_json_put(v);
            } else if (!compare_body(want, wl, r.body, r.len, &m, &pid, ctx)) {
                if (r.len != wl || memcmp(r.body, want, wl) != 0)
                    fail_msg("%s: got %s\nwant %.*s", ctx, r.body, (int)wl, want);
            }
            gh_frame_free(&r);
        }
    }
    {
        gh_frame r;
        assert_int_equal(gh_recv_notification(&h, 300, &r), -1); /* exactly one */
    }
    assert_int_equal(gh_stop_exited(&h, 15000), 0);
    gh_cleanup(&h);
    unload(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        GH_CASE("test_replay_live_uvm_strict", test_replay_live_uvm, &k_strict),
        GH_CASE("test_replay_live_uvm_extended", test_replay_live_uvm, &k_extended),
        cmocka_unit_test(test_host_request_vectors),
        cmocka_unit_test(test_replay_live_container),
    };
    return cmocka_run_group_tests_name("hcs-gcs golden", tests, NULL, NULL);
}
