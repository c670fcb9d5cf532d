/* The bridge against a scripted guest: handshake, multiplexing, faults,
 * notifications, timeouts, teardown. POSIX (socketpair + fd transport). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gcs_peer.h"
#include "gcs_test_util.h"
#include "gcs/bridge.h"

#define NEG_TYPE HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_NEGOTIATE_PROTOCOL)

#define RPC_MS 10000 /* the suites' RPC timeout unless a test needs another */

static void cfg_fast(hcs_gcs_bridge_options *c, log_sink *ls)
{
    hcs_gcs_bridge_options_init(c, HCS_GCS_BRIDGE_OPTIONS_VERSION);
    c->rpc_timeout_ms = RPC_MS;
    if (ls) {
        memset(ls, 0, sizeof *ls);
        hcsi_mutex_init(&ls->lock);
        c->log = log_sink_fn;
        c->log_ctx = ls;
    }
}

/* A bridge connected to a scripted guest that runs fn (with ctx): the
 * options of cfg_fast with rpc_ms as the RPC timeout, warnings into ls
 * (optional). */
static hcs_gcs_bridge *bridge_up(peer *p, peer_fn fn, void *ctx, log_sink *ls, int64_t rpc_ms)
{
    hcs_gcs_bridge_options c;
    hcs_gcs_bridge *b = NULL;
    assert_int_equal(peer_start(p, fn, ctx), 0);
    cfg_fast(&c, ls);
    c.rpc_timeout_ms = rpc_ms;
    assert_int_equal(peer_connect(p, &c, &b), 0);
    return b;
}

/* Closes what bridge_up opened. */
static void bridge_down(peer *p, hcs_gcs_bridge *b, log_sink *ls)
{
    hcs_gcs_bridge_close(b);
    peer_finish(p);
    if (ls)
        hcsi_mutex_destroy(&ls->lock);
}

/* ---- handshake ---- */

static int h_ok(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    (void)body;
    if ((f->type & HCS_GCS_MSG_TYPE_MASK) == HCS_GCS_MSG_REQUEST)
        peer_reply(p, f, PEER_OK);
    return 1;
}

static void test_handshake_linux(void **s)
{
    peer p;
    hcs_gcs_bridge *b;
    const hcs_gcs_capabilities *caps;
    (void)s;
    b = bridge_up(&p, h_ok, NULL, NULL, RPC_MS);
    assert_int_equal(hcs_gcs_bridge_os(b), HCS_GCS_OS_LINUX);
    assert_int_equal(hcs_gcs_bridge_protocol_version(b), 4);
    caps = hcs_gcs_bridge_capabilities(b);
    assert_true(caps->dump_stacks_supported);
    assert_string_equal(caps->runtime_os_type, "Linux");
    /* the exact first frame a real connect sends (golden live 00) */
    assert_int_equal(peer_frames(&p), 1);
    assert_int_equal(p.types[0], NEG_TYPE);
    assert_true(p.ids[0] == 0);
    assert_string_equal(p.bodies[0],
                        "{\"ContainerId\":\"\",\"ActivityId\":\"00000000-0000-0000-0000-"
                        "000000000000\",\"MinimumVersion\":4,\"MaximumVersion\":4}\n");
    /* ids continue from 1 */
    assert_int_equal(hcs_gcs_container_start(b, "c1"), 0);
    assert_true(p.ids[1] == 1);
    /* capability gate: refused locally, nothing sent */
    assert_int_equal(hcs_gcs_modify_service_settings(b, "LogForwardService",
                                                     "{\"RPCType\":\"StartLogForwarding\"}"),
                     HCS_ERR_WIN32_NOT_SUPPORTED);
    gt_expect_msg("did not advertise LogForwardingSupported");
    assert_int_equal(hcs_gcs_container_update(b, "c1", "{}"), HCS_ERR_WIN32_NOT_SUPPORTED);
    assert_int_equal(peer_frames(&p), 2);
    bridge_down(&p, b, NULL);
}

static int h_windows(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    (void)body;
    peer_reply(p, f, PEER_OK);
    return 1;
}

static void test_handshake_windows(void **s)
{
    peer p;
    hcs_gcs_bridge *b = NULL;
    hcs_gcs_bridge_options c;
    (void)s;
    assert_int_equal(peer_start(&p, h_windows, NULL), 0);
    p.negotiate_response =
        "{\"Result\":0,\"Version\":4,\"Capabilities\":{\"SendHostCreateMessage\":true,"
        "\"SendHostStartMessage\":true,\"GuestDefinedCapabilities\":"
        "{\"LogForwardingSupported\":true}}}";
    cfg_fast(&c, NULL);
    c.uvm_id = "11111111-2222-3333-4444-555555555555";
    assert_int_equal(peer_connect(&p, &c, &b), 0);
    /* RuntimeOsType absent -> windows (hcsshim's default) */
    assert_int_equal(hcs_gcs_bridge_os(b), HCS_GCS_OS_WINDOWS);
    assert_int_equal(peer_frames(&p), 4);
    assert_int_equal(p.types[1], HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_CREATE));
    assert_string_equal(p.bodies[1],
        "{\"ContainerId\":\"00000000-0000-0000-0000-000000000000\",\"ActivityId\":\"00000000-"
        "0000-0000-0000-000000000000\",\"ContainerConfig\":\"{\\\"SystemType\\\":\\\"Container\\\","
        "\\\"TimeZoneInformation\\\":{\\\"StandardName\\\":\\\"Coordinated Universal Time\\\","
        "\\\"StandardDate\\\":{},\\\"DaylightName\\\":\\\"Coordinated Universal Time\\\","
        "\\\"DaylightDate\\\":{}}}\"}\n");
    assert_int_equal(p.types[2], HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_START));
    assert_int_equal(p.types[3], HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_MODIFY_SETTINGS));
    assert_string_equal(p.bodies[3],
        "{\"ContainerId\":\"00000000-0000-0000-0000-000000000000\",\"ActivityId\":\"00000000-"
        "0000-0000-0000-000000000000\",\"Request\":{\"RequestType\":\"Update\",\"ResourceType\":"
        "\"HvSocket\",\"Settings\":{\"LocalAddress\":\"11111111-2222-3333-4444-555555555555\","
        "\"ParentAddress\":\"894cc2d6-9d79-424f-93fe-42969ae6d8d1\"}}}\n");
    /* the advertised capability lets ModifyServiceSettings through */
    assert_int_equal(hcs_gcs_modify_service_settings(b, "LogForwardService",
                                                     "{\"RPCType\":\"StartLogForwarding\"}"), 0);
    assert_int_equal(p.types[4], HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_MODIFY_SERVICE_SETTINGS));
    assert_int_equal(strlen(p.bodies[4]) + 16, 202);
    bridge_down(&p, b, NULL);
}

static void test_handshake_rejects(void **s)
{
    static const struct {
        const char *negotiate_response;
        hcs_result code;
        const char *msg;
    } cases[] = {
        {"{\"Result\":0,\"Version\":3,\"Capabilities\":{}}",
         HCS_ERR_UNSUPPORTED_PROTOCOL_VERSION, "protocol version 3"},
        {"{\"Result\":-1070137076,\"ErrorMessage\":\"range mismatch\"}",
         (hcs_result)0xC037010Cu, "range mismatch"},
        {"{\"Result\":0,\"Version\":\"4\"}", HCS_ERR_INVALID_JSON, "Version"},
    };
    hcs_gcs_bridge_options c;
    size_t i;
    (void)s;
    cfg_fast(&c, NULL);
    for (i = 0; i < HCSI_ARRAY_LEN(cases); i++) {
        peer p;
        hcs_gcs_bridge *b = NULL;
        assert_int_equal(peer_start(&p, NULL, NULL), 0);
        p.negotiate_response = cases[i].negotiate_response;
        assert_int_equal(peer_connect(&p, &c, &b), cases[i].code);
        assert_null(b);
        gt_expect_msg(cases[i].msg);
        peer_finish(&p);
    }
}

/* Never answers anything (not even NegotiateProtocol). */
static int h_mute(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    (void)p;
    (void)f;
    (void)body;
    return 1;
}

static void test_handshake_bounded(void **s)
{
    /* A guest that connects but never negotiates: the connection setup
     * bound (accept_timeout_ms) covers the handshake, not the 5-minute RPC
     * timeout. */
    peer p;
    hcs_gcs_bridge *b = NULL;
    hcs_gcs_bridge_options c;
    uint64_t t0;
    hcs_result hr;
    (void)s;
    hcs_gcs_bridge_options_init(&c, HCS_GCS_BRIDGE_OPTIONS_VERSION); /* rpc timeout stays at its 5-minute default */
    c.accept_timeout_ms = 300;
    assert_int_equal(peer_start(&p, h_mute, NULL), 0);
    p.auto_negotiate = 0;
    t0 = hcsi_now_ns();
    hr = peer_connect(&p, &c, &b);
    assert_int_equal(hr, HCS_ERR_OPERATION_TIMEOUT);
    assert_null(b);
    assert_true(hcsi_now_ns() - t0 < 3000000000u);
    gt_expect_msg("GCS handshake");
    gt_expect_msg("NegotiateProtocol");
    peer_finish(&p);
}

/* ---- faults ---- */

typedef struct flood_ctx {
    int n_before_close;
} flood_ctx;

/* Answers nothing; closes once n requests arrived. */
static int h_silent_then_eof(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    flood_ctx *fc = (flood_ctx *)p->ctx;
    (void)f;
    (void)body;
    return peer_frames(p) - 1 < fc->n_before_close;
}

typedef struct caller_arg {
    hcs_gcs_bridge *b;
    hcs_result hr;
    char msg[512];
    int n;
    int idx;
} caller_arg;

static void call_dump(void *arg)
{
    caller_arg *a = (caller_arg *)arg;
    char *st = NULL;
    a->hr = hcs_gcs_bridge_dump_stacks(a->b, &st);
    if (HCS_FAILED(a->hr) && hcs_error_last())
        snprintf(a->msg, sizeof a->msg, "%s", hcs_error_last()->message);
    hcs_free(st);
}

static void test_eof_many_in_flight(void **s)
{
    enum { N = 24 };
    peer p;
    flood_ctx fc;
    hcs_gcs_bridge *b;
    hcsi_thread t[N];
    caller_arg a[N];
    hcs_gcs_bridge_stats st;
    uint64_t t0;
    int i;
    (void)s;
    fc.n_before_close = N;
    b = bridge_up(&p, h_silent_then_eof, &fc, NULL, 60000);
    for (i = 0; i < N; i++) {
        memset(&a[i], 0, sizeof a[i]);
        a[i].b = b;
        assert_int_equal(hcsi_thread_start(&t[i], call_dump, &a[i]), 0);
    }
    assert_true(peer_wait_frames(&p, N + 1, 10000));
    t0 = hcsi_now_ns();
    for (i = 0; i < N; i++)
        hcsi_thread_join(&t[i]);
    /* promptly: far below the 60 s RPC timeout */
    assert_true(hcsi_now_ns() - t0 < 5000000000ull);
    for (i = 0; i < N; i++) {
        assert_int_equal(a[i].hr, HCS_ERR_CONNECTION_CLOSED);
        if (!strstr(a[i].msg, "the guest closed the connection (EOF)"))
            fail_msg("%s", a[i].msg);
    }
    assert_false(hcs_gcs_bridge_is_alive(b));
    hcs_gcs_bridge_get_statistics(b, &st);
    assert_int_equal(st.rpcs_in_flight, 0);
    /* later calls fail at once with the same reason */
    assert_int_equal(hcs_gcs_container_start(b, "x"), HCS_ERR_CONNECTION_CLOSED);
    gt_expect_msg("EOF");
    bridge_down(&p, b, NULL);
}

/* Sends a canned byte sequence when the first post-handshake request
 * arrives. */
typedef struct raw_ctx {
    unsigned char data[128];
    size_t len;
    int close_after;
} raw_ctx;

static int h_raw(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    raw_ctx *rc = (raw_ctx *)p->ctx;
    (void)f;
    (void)body;
    peer_send_raw(p, rc->data, rc->len);
    return !rc->close_after;
}

static void expect_fault(raw_ctx *rc, hcs_result want_call, const char *needle)
{
    peer p;
    hcs_gcs_bridge *b = bridge_up(&p, h_raw, rc, NULL, RPC_MS);
    char *st = NULL;
    assert_int_equal(hcs_gcs_bridge_dump_stacks(b, &st), want_call);
    gt_expect_msg(needle);
    assert_false(hcs_gcs_bridge_is_alive(b));
    bridge_down(&p, b, NULL);
}

static void test_bad_sizes_and_truncation(void **s)
{
    raw_ctx rc;
    (void)s;
    memset(&rc, 0, sizeof rc);
    hcsi_gcs_header_pack(rc.data, 0x20100c01u, 15, 1);
    rc.len = 16;
    expect_fault(&rc, HCS_ERR_CONNECTION_CLOSED, "size 15 is smaller than the 16-byte header");
    hcsi_gcs_header_pack(rc.data, 0x20100c01u, 65537, 1);
    expect_fault(&rc, HCS_ERR_CONNECTION_CLOSED, "size 65537 exceeds the 65536-byte limit");
    /* offset of the bad frame is the stream offset past the handshake */
    expect_fault(&rc, HCS_ERR_CONNECTION_CLOSED, "byte offset 342");
    rc.len = 7;
    rc.close_after = 1;
    expect_fault(&rc, HCS_ERR_CONNECTION_CLOSED, "truncated header (stream ended after 7 of 16");
    hcsi_gcs_header_pack(rc.data, 0x20100c01u, 40, 1);
    memcpy(rc.data + 16, "{\"Result\":0", 11);
    rc.len = 27;
    expect_fault(&rc, HCS_ERR_CONNECTION_CLOSED, "truncated body (stream ended after 11 of 24");
    /* a request from the guest is a protocol error */
    rc.close_after = 0;
    hcsi_gcs_header_pack(rc.data, 0x10100101u, 18, 0);
    memcpy(rc.data + 16, "{}", 2);
    rc.len = 18;
    expect_fault(&rc, HCS_ERR_CONNECTION_CLOSED, "unexpected Request(Create)");
    /* a response to an id never sent */
    hcsi_gcs_header_pack(rc.data, 0x20100c01u, 18, 999);
    expect_fault(&rc, HCS_ERR_CONNECTION_CLOSED, "answers id 999, which was never sent");
}

/* Replies with a fixed body to every request. */
static int h_body(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    (void)body;
    peer_reply(p, f, (const char *)p->ctx);
    return 1;
}

static void test_bad_json_survives(void **s)
{
    static const char *const bad[] = {
        "{\"Result\":0,",                 /* malformed */
        "{\"Result\":\"zero\"}",          /* wrong type */
        "{\"Result\":0,\"GuestStacks\":5}", /* wrong type of a typed field */
        "[1,2]",                          /* not an object */
        "",                               /* empty */
    };
    size_t i;
    (void)s;
    for (i = 0; i < HCSI_ARRAY_LEN(bad); i++) {
        peer p;
        hcs_gcs_bridge *b = bridge_up(&p, h_body, (void *)bad[i], NULL, RPC_MS);
        char *st = NULL;
        assert_int_equal(hcs_gcs_bridge_dump_stacks(b, &st), HCS_ERR_INVALID_JSON);
        gt_expect_msg("DumpStacks");
        assert_null(st);
        /* framing is intact: the connection stays up */
        assert_true(hcs_gcs_bridge_is_alive(b));
        p.ctx = (void *)"{\"Result\":0,\"GuestStacks\":\"ok\"}";
        assert_int_equal(hcs_gcs_bridge_dump_stacks(b, &st), 0);
        assert_string_equal(st, "ok");
        hcs_free(st);
        bridge_down(&p, b, NULL);
    }
}

static void test_guest_error_detail(void **s)
{
    peer p;
    hcs_gcs_bridge *b;
    const hcs_error *e;
    (void)s;
    b = bridge_up(&p, h_body,
                  (void *)"{\"Result\":-1070137074,\"ErrorMessage\":\"HRESULT: 0xc037010e\","
                          "\"ErrorRecords\":[{\"Result\":-1070137074,\"Message\":\"m\","
                          "\"ModuleName\":\"gcs\",\"FileName\":\"\",\"Line\":4294967295}]}",
                  NULL, RPC_MS);
    assert_int_equal(hcs_gcs_container_delete_state(b, "nope"), (hcs_result)0xC037010Eu);
    e = hcs_error_last();
    assert_non_null(strstr(e->message, "DeleteContainerState: guest returned 0xC037010E"));
    assert_non_null(e->detail);
    assert_non_null(strstr(e->detail, "\"ModuleName\":\"gcs\""));
    /* hcsshim's special case: Shutdown* on a missing container succeeds */
    assert_int_equal(hcs_gcs_container_shutdown(b, "nope", 1), 0);
    bridge_down(&p, b, NULL);
}

/* Never answers the first request after the handshake; answers the rest,
 * and sends the late answer to the first one when asked. */
typedef struct late_ctx {
    hcsi_gcs_frame first;
    int have_first;
} late_ctx;

static int h_late(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    late_ctx *lc = (late_ctx *)p->ctx;
    (void)body;
    if (!lc->have_first) {
        lc->first = *f;
        lc->have_first = 1;
        return 1;
    }
    if (strstr(body, "\"send-late\"")) {
        hcsi_gcs_frame g = lc->first;
        peer_reply(p, &g, "{\"Result\":0,\"GuestStacks\":\"late\"}");
    }
    peer_reply(p, f, "{\"Result\":0,\"GuestStacks\":\"fresh\"}");
    return 1;
}

static void test_timeout_survives(void **s)
{
    peer p;
    late_ctx lc;
    hcs_gcs_bridge *b;
    hcs_gcs_bridge_stats st;
    log_sink ls;
    char *resp = NULL;
    uint64_t t0;
    hcs_result hr;
    const char *late_req = "{\"ContainerId\":\"send-late\"}";
    (void)s;
    memset(&lc, 0, sizeof lc);
    b = bridge_up(&p, h_late, &lc, &ls, 200);
    t0 = hcsi_now_ns();
    hr = hcs_gcs_rpc(b, HCS_GCS_RPC_DUMP_STACKS, "{}", 2, HCS_TIMEOUT_DEFAULT, &resp, NULL);
    assert_int_equal(hr, HCS_ERR_OPERATION_TIMEOUT);
    gt_expect_msg("no response from the guest within 200 ms");
    assert_true(hcsi_now_ns() - t0 >= 190000000ull);
    assert_true(hcs_gcs_bridge_is_alive(b));
    /* the late answer arrives before this call's answer: dropped, counted */
    hr = hcs_gcs_rpc(b, HCS_GCS_RPC_DUMP_STACKS, late_req, strlen(late_req), 5000, &resp, NULL);
    assert_int_equal(hr, 0);
    assert_non_null(strstr(resp, "fresh"));
    hcs_free(resp);
    hcs_gcs_bridge_get_statistics(b, &st);
    assert_int_equal(st.late_responses, 1);
    assert_true(hcs_gcs_bridge_is_alive(b));
    assert_non_null(strstr(ls.all, "dropping Response(DumpStacks) for id 1"));
    bridge_down(&p, b, &ls);
}

/* Notifications: waiter routing, unknown and duplicate tolerated. */
static int h_notify(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    if (f->type == HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_START) && strstr(body, "\"c1\"")) {
        const char *n1 = "{\"ContainerId\":\"ghost\",\"Type\":\"UnexpectedExit\"}";
        const char *n2 = "{\"ContainerId\":\"c1\",\"ActivityId\":\"00000000-0000-0000-0000-"
                         "000000000000\",\"Type\":\"GracefulExit\",\"Operation\":\"None\","
                         "\"Result\":0}";
        const char *bad = "{\"ContainerId\":7}";
        peer_send(p, HCS_GCS_NOTIFY_CONTAINER, 0, n1);
        peer_send(p, HCS_GCS_NOTIFY_CONTAINER, 0, n2);
        peer_send(p, HCS_GCS_NOTIFY_CONTAINER, 0, n2); /* duplicate */
        peer_send(p, HCS_GCS_NOTIFY_CONTAINER, 0, bad);
        peer_send(p, 0x30100201u, 0, "{}");              /* unknown notify type */
    }
    peer_reply(p, f, PEER_OK);
    return 1;
}

static void test_notifications(void **s)
{
    peer p;
    hcs_gcs_bridge *b;
    hcs_gcs_bridge_stats st;
    hcs_gcs_notification n;
    log_sink ls;
    (void)s;
    b = bridge_up(&p, h_notify, NULL, &ls, RPC_MS);
    assert_int_equal(hcs_gcs_container_create(b, "c1", "{}"), 0);
    /* the same id again is refused locally */
    assert_int_equal(hcs_gcs_container_create(b, "c1", "{}"), HCS_ERR_SYSTEM_ALREADY_EXISTS);
    assert_int_equal(hcs_gcs_container_wait(b, "c1", 10, NULL), HCS_ERR_OPERATION_TIMEOUT);
    assert_int_equal(hcs_gcs_container_start(b, "c1"), 0);
    assert_int_equal(hcs_gcs_container_wait(b, "c1", 5000, &n), 0);
    assert_string_equal(n.type, "GracefulExit");
    assert_string_equal(n.container_id, "c1");
    hcs_gcs_notification_clear(&n);
    /* the rest of the burst was handled before this response */
    assert_int_equal(hcs_gcs_container_start(b, "c2"), 0);
    hcs_gcs_bridge_get_statistics(b, &st);
    assert_int_equal(st.unknown_notifications, 2);
    assert_int_equal(st.duplicate_notifications, 1);
    assert_int_equal(st.malformed_notifications, 1);
    assert_true(hcs_gcs_bridge_is_alive(b));
    assert_non_null(strstr(ls.all, "unknown-container notification (UnexpectedExit) for container \"ghost\""));
    assert_non_null(strstr(ls.all, "duplicate notification (GracefulExit) for container \"c1\""));
    assert_int_equal(hcs_gcs_container_wait(b, "nope", 0, NULL), HCS_ERR_SYSTEM_NOT_FOUND);
    /* the waiter is dropped by DeleteContainerState */
    assert_int_equal(hcs_gcs_container_delete_state(b, "c1"), 0);
    assert_int_equal(hcs_gcs_container_wait(b, "c1", 0, NULL), HCS_ERR_SYSTEM_NOT_FOUND);
    bridge_down(&p, b, &ls);
}

/* A hostile guest: control characters in its error text and in ids it
 * quotes, and a flood of junk notifications before it answers. */
static int h_hostile(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    int i;
    (void)body;
    if (f->type == HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_START)) {
        for (i = 0; i < 500; i++)
            peer_send(p, HCS_GCS_NOTIFY_CONTAINER, 0,
                      "{\"ContainerId\":\"x\\u001b[2J\\nforged\",\"Type\":\"Exit\"}");
        peer_reply(p, f, PEER_OK);
        return 1;
    }
    peer_reply(p, f,
               "{\"Result\":-2147467259,\"ErrorMessage\":\"\\u001b[31mRED\\nfake: line\\u0000tail\","
               "\"ErrorRecords\":[{\"Result\":-2147467259,\"Message\":\"raw\"}]}");
    return 1;
}

static void test_hostile_text(void **s)
{
    peer p;
    hcs_gcs_bridge *b;
    hcs_gcs_bridge_stats st;
    log_sink ls;
    char *stacks = NULL;
    const char *m;
    (void)s;
    b = bridge_up(&p, h_hostile, NULL, &ls, RPC_MS);
    assert_int_equal(hcs_gcs_bridge_dump_stacks(b, &stacks), HCS_ERR_FAIL);
    m = hcs_error_last()->message;
    /* printable, nothing after the NUL lost, no forged line */
    assert_null(strchr(m, '\x1b'));
    assert_null(strchr(m, '\n'));
    assert_non_null(strstr(m, "\\x1B[31mRED\\x0Afake: line\xEF\xBF\xBDtail"));
    /* the raw records are still in the detail */
    assert_non_null(hcs_error_last()->detail);
    assert_non_null(strstr(hcs_error_last()->detail, "\"Message\":\"raw\""));
    /* 500 junk notifications: counted, but only the first ones logged */
    assert_int_equal(hcs_gcs_container_start(b, "c1"), 0);
    hcs_gcs_bridge_get_statistics(b, &st);
    assert_int_equal(st.unknown_notifications, 500);
    assert_true(ls.count <= HCSI_GCS_MAX_WARNINGS_LOGGED + 1);
    assert_non_null(strstr(ls.all, "\\x1B[2J\\x0Aforged"));
    assert_null(strchr(ls.all, '\x1b'));
    assert_non_null(strstr(ls.last, "further ones are only counted"));
    bridge_down(&p, b, &ls);
}

static void wait_container(void *arg)
{
    caller_arg *a = (caller_arg *)arg;
    a->hr = hcs_gcs_container_wait(a->b, "c9", HCS_TIMEOUT_INFINITE, NULL);
    if (hcs_error_last())
        snprintf(a->msg, sizeof a->msg, "%s", hcs_error_last()->message);
}

static void test_close_wakes_waiters(void **s)
{
    peer p;
    hcs_gcs_bridge *b;
    hcsi_thread t;
    caller_arg a;
    (void)s;
    b = bridge_up(&p, h_ok, NULL, NULL, RPC_MS);
    assert_int_equal(hcs_gcs_container_create(b, "c9", "{}"), 0);
    memset(&a, 0, sizeof a);
    a.b = b;
    assert_int_equal(hcsi_thread_start(&t, wait_container, &a), 0);
    hcsi_sleep_ms(50);
    hcs_gcs_bridge_shutdown(b, "test teardown");
    hcsi_thread_join(&t);
    assert_int_equal(a.hr, HCS_ERR_CONNECTION_CLOSED);
    assert_non_null(strstr(a.msg, "test teardown"));
    bridge_down(&p, b, NULL);
}

/* A guest that sends faster than the host reads: a burst far larger than
 * the socket buffers before the answer. */
static int h_burst(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    int i;
    (void)body;
    for (i = 0; i < 20000; i++)
        peer_send(p, HCS_GCS_NOTIFY_CONTAINER, 0,
                  "{\"ContainerId\":\"nobody\",\"Type\":\"UnexpectedExit\","
                  "\"Operation\":\"None\",\"Result\":0}");
    peer_reply(p, f, "{\"Result\":0,\"GuestStacks\":\"after-burst\"}");
    return 1;
}

static void test_fast_guest(void **s)
{
    peer p;
    hcs_gcs_bridge *b;
    hcs_gcs_bridge_stats st;
    char *stacks = NULL;
    (void)s;
    b = bridge_up(&p, h_burst, NULL, NULL, RPC_MS);
    assert_int_equal(hcs_gcs_bridge_dump_stacks(b, &stacks), 0);
    assert_string_equal(stacks, "after-burst");
    hcs_free(stacks);
    hcs_gcs_bridge_get_statistics(b, &st);
    assert_int_equal(st.unknown_notifications, 20000);
    assert_int_equal(st.frames_received, 20002);
    assert_true(hcs_gcs_bridge_is_alive(b));
    bridge_down(&p, b, NULL);
}

/* ---- concurrency: many threads x many RPCs, answers out of order ---- */

typedef struct echo_ctx {
    hcsi_gcs_frame held[4];
    char *held_body[4];
    int n_held;
} echo_ctx;

/* Echoes ContainerId back in GuestStacks; holds up to 3 requests and
 * answers them in reverse order to scramble the response order. */
static int h_echo(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    echo_ctx *e = (echo_ctx *)p->ctx;
    int i;
    e->held[e->n_held] = *f;
    e->held_body[e->n_held] = hcsi_strdup(body);
    e->n_held++;
    /* hold while more requests keep coming (never stall the callers) */
    if (e->n_held < 3 && !strstr(body, "flush") &&
        hcsi_sock_wait_readable(p->sock, 2) == HCS_S_OK)
        return 1;
    for (i = e->n_held - 1; i >= 0; i--) {
        hcsi_json *v = NULL;
        const char *cid = "";
        char resp[256];
        if (HCS_SUCCEEDED(hcsi_json_parse(e->held_body[i], strlen(e->held_body[i]), "echo", &v)))
            hcsi_json_get_str(v, "echo", "ContainerId", &cid, NULL);
        snprintf(resp, sizeof resp, "{\"Result\":0,\"GuestStacks\":\"%s\"}", cid);
        peer_reply(p, &e->held[i], resp);
        hcsi_json_put(v);
        free(e->held_body[i]);
    }
    e->n_held = 0;
    return 1;
}

#define CONC_THREADS 16
#define CONC_CALLS 300

static void conc_caller(void *arg)
{
    caller_arg *a = (caller_arg *)arg;
    int i;
    a->hr = HCS_S_OK;
    for (i = 0; i < a->n; i++) {
        char body[128], *resp = NULL, want[64];
        size_t len = 0;
        hcs_result hr;
        snprintf(want, sizeof want, "t%d-i%d%s", a->idx, i, i == a->n - 1 ? "-flush" : "");
        snprintf(body, sizeof body, "{\"ContainerId\":\"%s\"}", want);
        hr = hcs_gcs_rpc(a->b, HCS_GCS_RPC_DUMP_STACKS, body, strlen(body), 20000, &resp, &len);
        if (HCS_FAILED(hr)) {
            a->hr = hr;
            snprintf(a->msg, sizeof a->msg, "%s", hcs_error_last()->message);
            return;
        }
        if (!strstr(resp, want)) {
            a->hr = HCS_ERR_FAIL;
            snprintf(a->msg, sizeof a->msg, "call %s got %s", want, resp);
            hcs_free(resp);
            return;
        }
        hcs_free(resp);
    }
}

/* n threads, each making calls conc_caller RPCs on b; returns once all
 * are done (their outcomes in a). */
static void run_callers(hcs_gcs_bridge *b, caller_arg *a, hcsi_thread *t, int n, int calls)
{
    int i;
    for (i = 0; i < n; i++) {
        memset(&a[i], 0, sizeof a[i]);
        a[i].b = b;
        a[i].n = calls;
        a[i].idx = i;
        assert_int_equal(hcsi_thread_start(&t[i], conc_caller, &a[i]), 0);
    }
    for (i = 0; i < n; i++)
        hcsi_thread_join(&t[i]);
}

static void test_concurrency(void **s)
{
    peer p;
    echo_ctx e;
    hcs_gcs_bridge *b;
    hcsi_thread t[CONC_THREADS];
    caller_arg a[CONC_THREADS];
    hcs_gcs_bridge_stats st;
    int i;
    (void)s;
    memset(&e, 0, sizeof e);
    b = bridge_up(&p, h_echo, &e, NULL, RPC_MS);
    run_callers(b, a, t, CONC_THREADS, CONC_CALLS);
    for (i = 0; i < CONC_THREADS; i++)
        if (HCS_FAILED(a[i].hr))
            fail_msg("thread %d: %s", i, a[i].msg);
    hcs_gcs_bridge_get_statistics(b, &st);
    assert_int_equal(st.frames_sent, 1 + CONC_THREADS * CONC_CALLS);
    assert_int_equal(st.rpcs_in_flight, 0);
    assert_int_equal(st.late_responses, 0);
    bridge_down(&p, b, NULL);
}

/* ids are strictly increasing in wire order under contention */
static void test_ids_in_wire_order(void **s)
{
    peer p;
    echo_ctx e;
    hcs_gcs_bridge *b;
    hcsi_thread t[4];
    caller_arg a[4];
    int i;
    (void)s;
    memset(&e, 0, sizeof e);
    b = bridge_up(&p, h_echo, &e, NULL, RPC_MS);
    run_callers(b, a, t, 4, 4);
    bridge_down(&p, b, NULL);
    assert_true(p.frames >= 17);
    for (i = 0; i < 17 && i < PEER_MAX_LOG; i++)
        assert_true(p.ids[i] == (uint64_t)i);
}

/* One thread keeps many RPCs in flight and collects them in any order. */
static void test_async_pipelined(void **s)
{
    enum { N = 64 };
    peer p;
    echo_ctx e;
    hcs_gcs_bridge *b;
    hcs_gcs_call *calls[N];
    int i;
    (void)s;
    memset(&e, 0, sizeof e);
    b = bridge_up(&p, h_echo, &e, NULL, RPC_MS);
    for (i = 0; i < N; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"ContainerId\":\"a%d%s\"}", i, i == N - 1 ? "-flush" : "");
        assert_int_equal(hcs_gcs_rpc_begin(b, HCS_GCS_RPC_DUMP_STACKS, body, strlen(body),
                                           &calls[i]), 0);
    }
    for (i = N - 1; i >= 0; i--) {
        char *resp = NULL, want[32];
        snprintf(want, sizeof want, "\"a%d", i);
        assert_int_equal(hcs_gcs_rpc_end(calls[i], 10000, &resp, NULL), 0);
        assert_non_null(strstr(resp, want));
        hcs_free(resp);
    }
    /* a begun call ends with the teardown reason */
    p.ctx = &e;
    assert_int_equal(hcs_gcs_rpc_begin(b, HCS_GCS_RPC_DUMP_STACKS, "{}", 2, &calls[0]), 0);
    hcs_gcs_bridge_shutdown(b, "gone");
    assert_int_equal(hcs_gcs_rpc_end(calls[0], 1000, NULL, NULL), HCS_ERR_CONNECTION_CLOSED);
    gt_expect_msg("gone");
    assert_int_equal(hcs_gcs_rpc_begin(b, HCS_GCS_RPC_DUMP_STACKS, "{}", 2, &calls[0]),
                     HCS_ERR_CONNECTION_CLOSED);
    bridge_down(&p, b, NULL);
    for (i = 0; i < e.n_held; i++)
        free(e.held_body[i]);
}

/* Typed helpers end to end: bodies as hcsshim sends them, properties
 * unwrapped. */
static int h_props(peer *p, const hcsi_gcs_frame *f, const char *body)
{
    (void)body;
    if (f->type == HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_GET_PROPERTIES)) {
        if (strstr(body, "Statistics"))
            peer_reply(p, f, "{\"Result\":0,\"Properties\":\"{\\\"LCOWMetrics\\\":"
                             "{\\\"memory\\\":{\\\"usage\\\":7}}}\"}");
        else
            peer_reply(p, f, "{\"Result\":0,\"Properties\":\"{\\\"ProcessList\\\":"
                             "[{\\\"ProcessId\\\":28,\\\"ImageName\\\":\\\"sh\\\"},"
                             "{\\\"ProcessId\\\":29}]}\"}");
        return 1;
    }
    peer_reply(p, f, PEER_OK);
    return 1;
}

static void test_typed_helpers(void **s)
{
    peer p;
    hcs_gcs_bridge *b;
    hcs_gcs_mapped_virtual_disk d;
    hcs_gcs_process_info *list = NULL;
    size_t n = 0;
    char *st = NULL;
    (void)s;
    b = bridge_up(&p, h_props, NULL, NULL, RPC_MS);
    memset(&d, 0, sizeof d);
    d.mount_path = "/run/mounts/scsi/m0";
    d.lun = 1;
    d.read_only = 1;
    assert_int_equal(hcs_gcs_modify_mapped_virtual_disk(b, "Add", &d), 0);
    /* golden 17's body */
    assert_string_equal(p.bodies[1],
        "{\"ContainerId\":\"00000000-0000-0000-0000-000000000000\",\"ActivityId\":\"00000000-"
        "0000-0000-0000-000000000000\",\"Request\":{\"RequestType\":\"Add\",\"ResourceType\":"
        "\"MappedVirtualDisk\",\"Settings\":{\"MountPath\":\"/run/mounts/scsi/m0\",\"Lun\":1,"
        "\"ReadOnly\":true}}}\n");
    assert_int_equal(hcs_gcs_container_get_process_list(b, "c1", &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].process_id, 28);
    assert_string_equal(list[0].image_name, "sh");
    assert_null(list[1].image_name);
    hcs_gcs_process_list_free(list, n);
    assert_non_null(strstr(p.bodies[2], "\"Query\":\"{\\\"PropertyTypes\\\":[\\\"ProcessList\\\"]}\""));
    assert_int_equal(hcs_gcs_container_get_statistics(b, "c1", &st), 0);
    assert_string_equal(st, "{\"memory\":{\"usage\":7}}");
    hcs_free(st);
    bridge_down(&p, b, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_linux),
        cmocka_unit_test(test_handshake_windows),
        cmocka_unit_test(test_handshake_rejects),
        cmocka_unit_test(test_handshake_bounded),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_eof_many_in_flight),
        cmocka_unit_test(test_bad_sizes_and_truncation),
        cmocka_unit_test(test_bad_json_survives),
        cmocka_unit_test(test_guest_error_detail),
        cmocka_unit_test(test_timeout_survives),
        cmocka_unit_test(test_notifications),
        cmocka_unit_test(test_close_wakes_waiters),
        cmocka_unit_test(test_fast_guest),
        cmocka_unit_test(test_concurrency),
        cmocka_unit_test(test_ids_in_wire_order),
        cmocka_unit_test(test_async_pipelined),
        cmocka_unit_test(test_typed_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
