/* GCS transports: address parsing and vsock/hvsock address packing (pure:
 * no AF_VSOCK/AF_HYPERV socket is ever created), and the fd-pair stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gcs/codec.h"
#include "gcs/transport.h"
#include "gcs_test_util.h"

#ifndef _WIN32
#  include <signal.h>
#  include <unistd.h>
#endif

static void test_parse(void **s)
{
    hcsi_gcs_addr a;
    char g[40];
    (void)s;
    assert_int_equal(hcsi_gcs_addr_parse("vsock:1073741824", &a), 0);
    assert_int_equal(a.kind, HCSI_GCS_ADDR_VSOCK);
    assert_int_equal(a.port, 0x40000000u);
    assert_int_equal(hcsi_gcs_addr_parse("vsock:0x40000000", &a), 0);
    assert_int_equal(a.port, 0x40000000u);
    assert_int_equal(hcsi_gcs_addr_parse("vsock:", &a), 0);
    assert_int_equal(a.port, HCS_GCS_VSOCK_PORT_BRIDGE);
    assert_int_equal(hcsi_gcs_addr_parse("vsock:4294967296", &a), HCS_ERR_INVALIDARG);
    gt_expect_msg("not a 32-bit port number");
    assert_int_equal(hcsi_gcs_addr_parse("vsock:-1", &a), HCS_ERR_INVALIDARG);
    assert_int_equal(hcsi_gcs_addr_parse("vsock:12x", &a), HCS_ERR_INVALIDARG);

    assert_int_equal(hcsi_gcs_addr_parse("hvsock:12345678-9abc-def0-1234-56789abcdef0", &a), 0);
    assert_int_equal(a.kind, HCSI_GCS_ADDR_HVSOCK);
    assert_false(a.has_service);
    hcs_guid_format(&a.vm_id, g, sizeof g);
    assert_string_equal(g, "12345678-9abc-def0-1234-56789abcdef0");
    assert_int_equal(hcsi_gcs_addr_parse("hvsock:12345678-9abc-def0-1234-56789abcdef0:"
                                         HCS_GCS_WINDOWS_SERVICE_ID, &a), 0);
    assert_true(a.has_service);
    hcs_guid_format(&a.service_id, g, sizeof g);
    assert_string_equal(g, HCS_GCS_WINDOWS_SERVICE_ID);
    assert_int_equal(hcsi_gcs_addr_parse("hvsock:1234", &a), HCS_ERR_INVALIDARG);
    gt_expect_msg("hvsock:VMID[:SERVICEGUID]");
    assert_int_equal(hcsi_gcs_addr_parse("hvsock:12345678-9abc-def0-1234-56789abcdef0:zz", &a),
                     HCS_ERR_INVALIDARG);
    gt_expect_msg("service id");
    assert_int_equal(hcsi_gcs_addr_parse("hvsock:12345678-9abc-def0-1234-56789abcdef0x", &a),
                     HCS_ERR_INVALIDARG);

    assert_int_equal(hcsi_gcs_addr_parse("unix:/run/uvm1/", &a), 0);
    assert_int_equal(a.kind, HCSI_GCS_ADDR_UNIX);
    assert_string_equal(a.dir, "/run/uvm1");
    hcsi_gcs_addr_free(&a);
    assert_int_equal(hcsi_gcs_addr_parse("unix:", &a), HCS_ERR_INVALIDARG);
    assert_int_equal(hcsi_gcs_addr_parse("tcp:1", &a), HCS_ERR_INVALIDARG);
    gt_expect_msg("expected vsock:PORT, hvsock:VMID[:SERVICEGUID] or unix:DIR");
    assert_int_equal(hcsi_gcs_addr_parse(NULL, &a), HCS_ERR_INVALIDARG);
}

static void test_packing(void **s)
{
    hcs_guid svc, vm;
    uint8_t b[36], v[16];
    char g[37];
    static const uint8_t want_svc[16] = {0x00, 0x00, 0x00, 0x40, 0xcb, 0xfa, 0xe6, 0x11,
                                         0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3};
    (void)s;
    /* the spec's example: port 0x40000000 -> service GUID bytes */
    hcsi_gcs_vsock_service_guid(0x40000000u, &svc);
    hcs_guid_format(&svc, g, sizeof g);
    assert_string_equal(g, HCS_GCS_LINUX_SERVICE_ID);
    assert_int_equal(hcs_guid_parse("a42e7cda-d03f-480c-9cc2-a4de20abb878", &vm), 0);
    hcsi_gcs_pack_sockaddr_hv(&vm, &svc, b);
    assert_int_equal(b[0] | (b[1] << 8), 34); /* AF_HYPERV */
    assert_int_equal(b[2], 0);
    assert_int_equal(b[3], 0);
    assert_int_equal(b[4], 0xda); /* VmId Data1 little-endian */
    assert_int_equal(b[7], 0xa4);
    assert_memory_equal(b + 20, want_svc, 16);
    /* the stdio GUID text of a port, as StdioRelaySettings carries it */
    hcsi_gcs_port_guid(0x40000002u, g);
    assert_string_equal(g, "40000002-facb-11e6-bd58-64006a7986d3");
    /* sockaddr_vm: family 40, port then cid, host byte order */
    hcsi_gcs_pack_sockaddr_vm(HCSI_VMADDR_CID_ANY, 0x40000001u, v);
    {
        uint16_t fam;
        uint32_t port, cid;
        memcpy(&fam, v, 2);
        memcpy(&port, v + 4, 4);
        memcpy(&cid, v + 8, 4);
        assert_int_equal(fam, 40);
        assert_int_equal(port, 0x40000001u);
        assert_int_equal(cid, 0xFFFFFFFFu);
        assert_int_equal(v[2] | v[3] | v[12] | v[13] | v[14] | v[15], 0);
    }
}

#ifndef _WIN32
typedef struct rd_arg {
    hcsi_gcs_stream *st;
    size_t got;
    hcs_result hr;
} rd_arg;

static void blocked_read(void *arg)
{
    rd_arg *a = (rd_arg *)arg;
    char buf[16];
    a->hr = a->st->ops->read(a->st, buf, sizeof buf, &a->got);
}

/* Pipes as a transport (hcsctl --spawn): data flows both ways, and
 * shutdown wakes a reader blocked on a pipe that never delivers. */
static void test_fd_pair(void **s)
{
    int a[2], b[2];
    hcsi_gcs_stream *st = NULL;
    hcsi_thread t;
    rd_arg ra;
    char buf[8];
    size_t got = 0;
    (void)s;
    assert_int_equal(pipe(a), 0);
    assert_int_equal(pipe(b), 0);
    /* reads a[0], writes b[1] */
    assert_int_equal(hcsi_gcs_stream_from_fds(a[0], b[1], 1, &st), 0);
    assert_int_equal(st->ops->write(st, "ping", 4), 0);
    assert_int_equal(read(b[0], buf, 4), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(write(a[1], "pong", 4), 4);
    assert_int_equal(st->ops->read(st, buf, sizeof buf, &got), 0);
    assert_int_equal(got, 4);
    memset(&ra, 0, sizeof ra);
    ra.st = st;
    ra.got = 99;
    assert_int_equal(hcsi_thread_start(&t, blocked_read, &ra), 0);
    hcsi_sleep_ms(50);
    st->ops->shutdown(st);
    hcsi_thread_join(&t);
    assert_int_equal(ra.hr, 0);
    assert_int_equal(ra.got, 0); /* reads as EOF */
    assert_int_equal(st->ops->write(st, "x", 1), HCS_ERR_CONNECTION_CLOSED);
    st->ops->destroy(st);
    close(a[1]);
    close(b[0]);
    assert_int_equal(hcsi_gcs_stream_from_fds(-1, 1, 0, &st), HCS_ERR_INVALIDARG);
}

/* A guest gone from a pipe transport: the write fails (the bridge would
 * tear down) without SIGPIPE, whose default action stays in place and
 * would kill this test; a SIGPIPE the caller already had pending (blocked)
 * is left for it. */
static void test_fd_pair_closed_reader_no_sigpipe(void **s)
{
    int a[2], b[2];
    hcsi_gcs_stream *st = NULL;
    struct sigaction dfl, before, now;
    sigset_t pipe_set, old, pending;
    (void)s;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    assert_int_equal(sigaction(SIGPIPE, &dfl, &before), 0);
    assert_int_equal(hcsi_net_init(), 0);
    assert_int_equal(pipe(a), 0);
    assert_int_equal(pipe(b), 0);
    assert_int_equal(hcsi_gcs_stream_from_fds(a[0], b[1], 1, &st), 0);
    close(b[0]); /* the guest's read end */
    assert_int_equal(st->ops->write(st, "ping", 4), HCS_ERR_CONNECTION_CLOSED);
    gt_expect_msg("write: Broken pipe");
    assert_int_equal(sigpending(&pending), 0);
    assert_false(sigismember(&pending, SIGPIPE));
    assert_int_equal(sigaction(SIGPIPE, NULL, &now), 0);
    assert_true(now.sa_handler == SIG_DFL);

    /* the caller's own pending SIGPIPE survives the library's write */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    assert_int_equal(pthread_sigmask(SIG_BLOCK, &pipe_set, &old), 0);
    assert_int_equal(raise(SIGPIPE), 0);
    assert_int_equal(st->ops->write(st, "ping", 4), HCS_ERR_CONNECTION_CLOSED);
    assert_int_equal(sigpending(&pending), 0);
    assert_true(sigismember(&pending, SIGPIPE));
    {
        int sig = 0;
        assert_int_equal(sigwait(&pipe_set, &sig), 0);
        assert_int_equal(sig, SIGPIPE);
    }
    assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
    st->ops->destroy(st);
    close(a[1]);
    assert_int_equal(sigaction(SIGPIPE, &before, NULL), 0);
}

/* unix:DIR port space: port P is DIR/P. */
static void test_unix_port_space(void **s)
{
    hcsi_gcs_addr a;
    hcsi_sock l, c, x;
    char tmpl[] = "/tmp/hcsaddrXXXXXX", path[128];
    char addr[64];
    (void)s;
    assert_non_null(mkdtemp(tmpl));
    snprintf(addr, sizeof addr, "unix:%s", tmpl);
    assert_int_equal(hcsi_gcs_addr_parse(addr, &a), 0);
    assert_int_equal(hcsi_gcs_addr_listen_port(&a, 0x40000003u, &l), 0);
    snprintf(path, sizeof path, "%s/1073741827", tmpl);
    assert_int_equal(hcsi_sock_connect_unix(path, &c), 0);
    assert_int_equal(hcsi_sock_accept(l, 1000, &x), 0);
    hcsi_sock_close(x);
    hcsi_sock_close(c);
    hcsi_sock_close(l);
    hcsi_gcs_addr_unlink_port(&a, 0x40000003u);
    assert_int_equal(access(path, F_OK), -1);
    /* the bridge endpoint is DIR/1073741824 */
    assert_int_equal(hcsi_gcs_addr_listen_bridge(&a, 0, &l), 0);
    snprintf(path, sizeof path, "%s/1073741824", tmpl);
    assert_int_equal(access(path, F_OK), 0);
    hcsi_sock_close(l);
    hcsi_gcs_addr_unlink_port(&a, 0x40000000u);
    hcsi_gcs_addr_free(&a);
    rmdir(tmpl);
}
#endif

/* The wrong-OS address kinds fail cleanly without creating a socket. */
static void test_wrong_os_kind(void **s)
{
    hcsi_gcs_addr a;
    hcsi_sock l;
    (void)s;
#ifdef _WIN32
    assert_int_equal(hcsi_gcs_addr_parse("vsock:5", &a), 0);
    assert_int_equal(hcsi_gcs_addr_listen_port(&a, 5, &l), HCS_ERR_WIN32_NOT_SUPPORTED);
    gt_expect_msg("AF_VSOCK is Linux-only");
#else
    assert_int_equal(hcsi_gcs_addr_parse("hvsock:12345678-9abc-def0-1234-56789abcdef0", &a), 0);
    assert_int_equal(hcsi_gcs_addr_listen_port(&a, 5, &l), HCS_ERR_WIN32_NOT_SUPPORTED);
    gt_expect_msg("AF_HYPERV is Windows-only");
#endif
    hcsi_gcs_addr_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_packing),
#ifndef _WIN32
        cmocka_unit_test(test_fd_pair),
        cmocka_unit_test(test_fd_pair_closed_reader_no_sigpipe),
        cmocka_unit_test(test_unix_port_space),
#endif
        cmocka_unit_test(test_wrong_os_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
