/*
 * hcs-gcs end to end, control paths: negotiation, signals, waits, errors
 * and refusals, malformed input, cleanup when the host goes away, UVM
 * shutdown. A scripted host (ghost.c) drives a real agent process.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
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

#define BASE "\"ContainerId\":\"" GH_ZERO "\",\"ActivityId\":\"" GH_ZERO "\""

static void start(ghost *h, const char *const *extra)
{
    gh_start(h, 0, extra);
    gh_negotiate(h);
}

static void finish(ghost *h)
{
    int st = gh_stop(h, 10000);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    gh_cleanup(h);
}

static const char *err_message(const hcsi_json *r)
{
    const char *m = "";
    assert_int_equal(hcsi_json_get_str(r, "r", "ErrorMessage", &m, NULL), 1);
    return m;
}

/* Result of a call, with ErrorMessage checked to contain needle. */
static void expect(ghost *h, uint32_t rpc, const char *body, uint32_t hr, const char *needle)
{
    hcsi_json *r = gh_call(h, rpc, body, 10000);
    uint32_t got = (uint32_t)gh_result(r);
    if (got != hr)
        fail_msg("rpc 0x%08x %s: Result 0x%08x, want 0x%08x (%s)", rpc, body, got, hr,
                 got ? err_message(r) : "");
    if (needle && !strstr(err_message(r), needle))
        fail_msg("\"%s\" lacks \"%s\"", err_message(r), needle);
    if (hr) {
        /* Every error carries one ErrorRecord from module "gcs". */
        hcsi_json *recs = hcsi_json_get(r, "ErrorRecords"), *rec;
        const char *mod = "";
        int32_t rr = 0;
        assert_int_equal(hcsi_json_array_len(recs), 1);
        rec = hcsi_json_array_at(recs, 0);
        assert_int_equal(hcsi_json_get_i32(rec, "rec", "Result", &rr), 1);
        assert_int_equal((uint32_t)rr, hr);
        assert_int_equal(hcsi_json_get_str(rec, "rec", "ModuleName", &mod, NULL), 1);
        assert_string_equal(mod, "gcs");
    }
    hcsi_json_put(r);
}

/* Runs the agent with args (no bridge: it should exit by itself); returns
 * its exit status (-1 for a signal or a timeout) with stderr in err. */
static int run_agent_capture(const char *const *args, char *err, size_t errlen)
{
    const char *argv[24];
    int n = 0, pfd[2], st = 0;
    size_t len = 0;
    pid_t pid;
    uint64_t end = gh_now_ms() + 10000;
    argv[n++] = gh_agent_path();
    while (*args && n < 23)
        argv[n++] = *args++;
    argv[n] = NULL;
    assert_int_equal(pipe(pfd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(pfd[1], 2);
        close(pfd[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    for (;;) {
        struct pollfd p;
        ssize_t r;
        p.fd = pfd[0];
        p.events = POLLIN;
        if (gh_now_ms() >= end || poll(&p, 1, (int)(end - gh_now_ms())) <= 0)
            break;
        r = read(pfd[0], err + len, errlen - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == errlen - 1)
            break;
    }
    err[len] = '\0';
    close(pfd[0]);
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (gh_now_ms() >= end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        usleep(10000);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_negotiation(void **s)
{
    ghost h;
    gh_frame f;
    uint64_t id;
    (void)s;
    gh_start(&h, 0, NULL);
    /* Anything before NegotiateProtocol: E_NOTIMPL naming the type. */
    expect(&h, GH_EXEC, "{" BASE "}", 0x80004001u,
           "bridge: function not supported, header type: ComputeSystemExecuteProcessV1");
    /* Out of range versions. */
    expect(&h, GH_NEGOTIATE, "{\"ContainerId\":\"\",\"ActivityId\":\"" GH_ZERO
                             "\",\"MinimumVersion\":5,\"MaximumVersion\":9}",
           0xC037010Cu, NULL);
    expect(&h, GH_NEGOTIATE, "{\"ContainerId\":\"\",\"ActivityId\":\"" GH_ZERO
                             "\",\"MinimumVersion\":1,\"MaximumVersion\":3}",
           0xC037010Cu, NULL);
    expect(&h, GH_NEGOTIATE, "{\"MinimumVersion\":\"4\"}", 0xC037010Du, NULL);
    /* The exact bytes of the Linux GCS's answer (golden live-uvm 01). */
    id = gh_send(&h, GH_NEGOTIATE, "{\"ContainerId\":\"\",\"ActivityId\":\"" GH_ZERO
                                   "\",\"MinimumVersion\":1,\"MaximumVersion\":7}");
    assert_int_equal(gh_recv(&h, id, 5000, &f), 0);
    assert_int_equal(f.type, 0x20100b01u);
    assert_string_equal(
        f.body,
        "{\"Result\":0,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"Version\":4,"
        "\"Capabilities\":{\"SupportedSchemaVersions\":[{\"Major\":2,\"Minor\":1}],"
        "\"RuntimeOsType\":\"Linux\",\"GuestDefinedCapabilities\":{"
        "\"NamespaceAddRequestSupported\":true,\"SignalProcessSupported\":true,"
        "\"DumpStacksSupported\":true,\"DeleteContainerStateSupported\":true}}}");
    gh_frame_free(&f);
    /* Only once per connection. */
    expect(&h, GH_NEGOTIATE, "{\"ContainerId\":\"\",\"MinimumVersion\":4,\"MaximumVersion\":4}",
           0x80004001u, "ComputeSystemNegotiateProtocolV1");
    finish(&h);
}

static void test_activity_id_echo(void **s)
{
    ghost h;
    gh_frame f;
    uint64_t id;
    (void)s;
    start(&h, NULL);
    id = gh_send(&h, GH_START, "{\"ContainerId\":\"c1\",\"ActivityId\":\"11111111-2222-3333-4444-555555555555\"}");
    assert_int_equal(gh_recv(&h, id, 5000, &f), 0);
    assert_string_equal(f.body, "{\"Result\":0,\"ActivityId\":\"11111111-2222-3333-4444-555555555555\"}");
    gh_frame_free(&f);
    /* No ActivityId in the request: none in the response (omitempty);
     * keys match case-insensitively like Go's decoder. */
    id = gh_send(&h, GH_START, "{\"containerid\":\"c1\"}");
    assert_int_equal(gh_recv(&h, id, 5000, &f), 0);
    assert_string_equal(f.body, "{\"Result\":0}");
    gh_frame_free(&f);
    id = gh_send(&h, GH_START, "{\"activityid\":\"x\",\"ActivityId\":\"y\"}");
    assert_int_equal(gh_recv(&h, id, 5000, &f), 0);
    assert_string_equal(f.body, "{\"Result\":0,\"ActivityId\":\"y\"}");
    gh_frame_free(&f);
    finish(&h);
}

static void test_refusals(void **s)
{
    ghost h;
    (void)s;
    start(&h, NULL);
    /* Containers: 0xC037010E where the Go GCS looks a container up. */
    expect(&h, GH_DELETE, "{\"ContainerId\":\"c1\",\"ActivityId\":\"" GH_ZERO "\"}",
           0xC037010Eu, "not found");
    expect(&h, GH_SHUTDOWN_GRACEFUL, "{\"ContainerId\":\"c1\"}", 0xC037010Eu, NULL);
    expect(&h, GH_SHUTDOWN_FORCED, "{\"ContainerId\":\"c1\"}", 0xC037010Eu, NULL);
    expect(&h, GH_WAIT, "{\"ContainerId\":\"c1\",\"ProcessId\":5,\"TimeoutInMs\":1}", 0xC037010Eu,
           NULL);
    expect(&h, GH_SIGNAL, "{\"ContainerId\":\"c1\",\"ProcessId\":5}", 0xC037010Eu, NULL);
    expect(&h, GH_RESIZE, "{\"ContainerId\":\"c1\",\"ProcessId\":5,\"Height\":1,\"Width\":1}",
           0xC037010Eu, NULL);
    expect(&h, GH_PROPERTIES, "{\"ContainerId\":\"c1\",\"Query\":\"{}\"}", 0xC037010Eu, NULL);
    expect(&h, GH_EXEC,
           "{\"ContainerId\":\"c1\",\"Settings\":{\"ProcessParameters\":\"{\\\"OciProcess\\\":{}}\"}}",
           0xC037010Eu, "not found");
    /* Create: schema checks first (0xC037010D), then the runtime's E_FAIL. */
    expect(&h, GH_CREATE, "{\"ContainerId\":\"c1\",\"ContainerConfig\":\"\"}", 0xC037010Du,
           "ContainerConfig");
    expect(&h, GH_CREATE,
           "{\"ContainerId\":\"c1\",\"ContainerConfig\":\"{\\\"SystemType\\\":\\\"Container\\\"}\"}",
           0xC037010Du, "invalid schema version");
    expect(&h, GH_CREATE,
           "{\"ContainerId\":\"c1\",\"ContainerConfig\":\"{\\\"SchemaVersion\\\":{\\\"Major\\\":2,"
           "\\\"Minor\\\":1},\\\"OciSpecification\\\":{}}\"}",
           0x80004005u, "failed to create container");
    /* Start is a no-op success in the Go GCS. */
    expect(&h, GH_START, "{\"ContainerId\":\"c1\"}", 0, NULL);
    /* ModifySettings. */
    expect(&h, GH_MODIFY, "{" BASE "}", 0xC037010Du, NULL);
    expect(&h, GH_MODIFY, "{" BASE ",\"Request\":{\"ResourceType\":\"Bogus\"}}", 0x80004005u,
           "invalid ResourceType 'Bogus'");
    expect(&h, GH_MODIFY,
           "{" BASE ",\"Request\":{\"ResourceType\":\"MappedVirtualDisk\",\"Settings\":{\"Lun\":\"1\"}}}",
           0xC037010Du, NULL);
    expect(&h, GH_MODIFY,
           "{" BASE ",\"Request\":{\"ResourceType\":\"MappedVirtualDisk\",\"Settings\":{\"Lun\":300}}}",
           0xC037010Du, NULL);
    expect(&h, GH_MODIFY, "{" BASE ",\"Request\":{\"ResourceType\":\"MappedVirtualDisk\"}}",
           0xC037010Du, NULL);
    expect(&h, GH_MODIFY,
           "{" BASE ",\"Request\":{\"RequestType\":\"Add\",\"ResourceType\":\"MappedVirtualDisk\","
           "\"Settings\":{\"MountPath\":\"/run/x\",\"Lun\":1,\"ReadOnly\":true}}}",
           0x80004005u, "device hot-add");
    expect(&h, GH_MODIFY,
           "{" BASE ",\"Request\":{\"ResourceType\":\"Network\",\"Settings\":{\"ID\":\"a\"}}}",
           0x80004005u, "ID \"a\" is not a GUID");
    expect(&h, GH_MODIFY,
           "{" BASE ",\"Request\":{\"ResourceType\":\"CombinedLayers\",\"Settings\":{}}}",
           0x80004005u, "ContainerRootPath");
    expect(&h, GH_MODIFY,
           "{\"ContainerId\":\"c1\",\"Request\":{\"RequestType\":\"Update\",\"ResourceType\":"
           "\"ContainerConstraints\",\"Settings\":{\"Windows\":{},\"Linux\":{\"cpu\":{}}}}}",
           0xC037010Eu, NULL);
    /* RPCs the Linux GCS has no handler for. */
    expect(&h, 0x00100E01u, "{" BASE "}", 0x80004001u, "header type: 269487617");
    expect(&h, 0x00100F01u, "{" BASE "}", 0x80004001u, "header type: 269487873");
    expect(&h, 0x00200101u, "{" BASE ",\"PropertyType\":\"LogForwardService\"}", 0x80004001u,
           "header type: 270532865");
    finish(&h);
}

static void test_malformed_requests(void **s)
{
    ghost h;
    gh_frame f;
    hcsi_json *r;
    (void)s;
    start(&h, NULL);
    expect(&h, GH_EXEC, "not json", 0xC037010Du, "failed to unmarshal JSON in message");
    expect(&h, GH_EXEC, "[1,2]", 0xC037010Du, NULL);
    expect(&h, GH_WAIT, "{\"ContainerId\":5}", 0xC037010Du, NULL);
    expect(&h, GH_WAIT, "{" BASE ",\"ProcessId\":-1}", 0xC037010Du, NULL);
    expect(&h, GH_WAIT, "{" BASE ",\"ProcessId\":1.5}", 0xC037010Du, NULL);
    expect(&h, GH_WAIT, "{" BASE ",\"ProcessId\":4294967296}", 0xC037010Du, NULL);
    expect(&h, GH_SIGNAL, "{" BASE ",\"ProcessId\":1,\"Options\":7}", 0xC037010Du, NULL);
    expect(&h, GH_SIGNAL, "{" BASE ",\"ProcessId\":1,\"Options\":{\"Signal\":2147483648}}",
           0xC037010Du, NULL);
    expect(&h, GH_EXEC, "{" BASE ",\"Settings\":{\"ProcessParameters\":{}}}", 0xC037010Du, NULL);
    expect(&h, GH_EXEC, "{" BASE ",\"Settings\":{\"ProcessParameters\":\"{\\\"CommandArgs\\\":\\\"x\\\"}\"}}",
           0xC037010Du, "ProcessParameters");
    expect(&h, GH_EXEC, "{" BASE ",\"Settings\":{\"ProcessParameters\":\"\"}}", 0xC037010Du, NULL);
    expect(&h, GH_PROPERTIES, "{" BASE ",\"Query\":\"{\\\"PropertyTypes\\\":7}\"}", 0xC037010Du,
           "query");
    expect(&h, GH_EXEC, "{\"ocsc\":{\"TraceID\":1}}", 0xC037010Du, NULL);
    /* An empty body and a null body. */
    {
        uint64_t id = h.next_id++;
        gh_send_typed(&h, 0x10100601u, id, "", 0);
        assert_int_equal(gh_recv(&h, id, 5000, &f), 0);
        assert_non_null(strstr(f.body, "\"Result\":-1070137075"));
        gh_frame_free(&f);
    }
    expect(&h, GH_WAIT, "null", 0xC037010Eu, NULL); /* ContainerId "" */
    /* Deep nesting and invalid UTF-8 are rejected, not crashed on. */
    {
        char deep[400];
        int i;
        for (i = 0; i < 200; i++)
            deep[i] = '[';
        for (i = 200; i < 399; i++)
            deep[i] = ']';
        deep[399] = '\0';
        expect(&h, GH_EXEC, deep, 0xC037010Du, NULL);
        expect(&h, GH_EXEC, "{\"ContainerId\":\"\xC3\x28\"}", 0xC037010Du, NULL);
    }
    /* The bridge still works. */
    r = gh_call(&h, GH_STACKS, "{" BASE "}", 5000);
    assert_int_equal(gh_result(r), 0);
    hcsi_json_put(r);
    finish(&h);
}

static void test_bad_frame_size(void **s)
{
    ghost h;
    gh_frame f;
    char *big;
    const char *const extra[] = {"--max-frame", "4096", NULL};
    int st;
    (void)s;
    /* Larger than --max-frame: an error answers that id, then the bridge
     * closes (the stream cannot be resynchronised). */
    start(&h, extra);
    big = (char *)malloc(8192);
    assert_non_null(big);
    memset(big, ' ', 8192);
    big[0] = '{';
    big[8190] = '}';
    big[8191] = '\n';
    {
        /* The agent answers after the header and closes: the rest of the
         * body may meet a closed socket. */
        unsigned char hdr[16] = {0x01, 0x06, 0x10, 0x10, 0x10, 0x20, 0, 0,
                                 77, 0, 0, 0, 0, 0, 0, 0}; /* size 8208 */
        gh_send_bytes(&h, hdr, 16);
        (void)gh_send_bytes_lenient(&h, big, 8192);
    }
    free(big);
    assert_int_equal(gh_recv(&h, 77, 5000, &f), 0);
    assert_int_equal(f.type, 0x20100601u);
    assert_non_null(strstr(f.body, "\"Result\":-2147024809"));
    assert_non_null(strstr(f.body, "8208"));
    gh_frame_free(&f);
    st = gh_stop(&h, 10000);
    assert_true(WIFEXITED(st));
    gh_cleanup(&h);

    /* Size below the header. */
    start(&h, NULL);
    {
        unsigned char hdr[16] = {0x01, 0x06, 0x10, 0x10, 8, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0};
        gh_send_bytes(&h, hdr, 16);
    }
    assert_int_equal(gh_recv(&h, 9, 5000, &f), 0);
    assert_non_null(strstr(f.body, "\"Result\":-2147024809"));
    gh_frame_free(&f);
    st = gh_stop(&h, 10000);
    assert_true(WIFEXITED(st));
    gh_cleanup(&h);
}

static void test_exec_errors(void **s)
{
    ghost h;
    gh_proc p;
    (void)s;
    start(&h, NULL);
    assert_int_equal(gh_exec(&h, "\"CommandArgs\":[\"no-such-program-xyz\"]", GH_OUT, &p), -1);
    assert_int_equal((uint32_t)p.result, 0x80004005u);
    assert_non_null(strstr(p.error, "executable file not found in $PATH"));
    gh_close_proc(&p);
    assert_int_equal(gh_exec(&h, "\"CommandArgs\":[\"/bin/true\"],\"WorkingDirectory\":\"/no/such/dir\"",
                             0, &p), -1);
    assert_non_null(strstr(p.error, "chdir /no/such/dir"));
    assert_int_equal(gh_exec(&h, "\"CommandArgs\":[\"/etc/passwd\"]", 0, &p), -1);
    assert_non_null(strstr(p.error, "fork/exec /etc/passwd"));
    assert_int_equal(gh_exec(&h, "\"CommandLine\":\"/bin/echo 'unclosed\"", 0, &p), -1);
    assert_non_null(strstr(p.error, "invalid command line string"));
    assert_int_equal(gh_exec(&h, "\"CommandLine\":\"\"", 0, &p), -1);
    assert_non_null(strstr(p.error, "no command"));
    assert_int_equal(gh_exec(&h, "\"CommandArgs\":[\"/bin/true\"],\"User\":\"no-such-user-xyz\"", 0, &p),
                     -1);
    assert_non_null(strstr(p.error, "no-such-user-xyz"));
    /* A stdio port nobody listens on: the dial fails the request. */
    expect(&h, GH_EXEC,
           "{" BASE ",\"Settings\":{\"ProcessParameters\":\"{\\\"CommandArgs\\\":[\\\"/bin/true\\\"],"
           "\\\"CreateStdOutPipe\\\":true}\",\"VsockStdioRelaySettings\":{\"StdOut\":1234}}}",
           0x80004005u, "failed creating stdout Connection");
    /* Exec with CreateInUtilityVM under a container id runs in the UVM. */
    assert_int_equal(gh_exec(&h, "\"CommandArgs\":[\"/bin/true\"],\"CreateInUtilityVM\":true", 0, &p), 0);
    {
        uint32_t code = 9;
        assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
        assert_int_equal(code, 0);
    }
    finish(&h);
}

static void test_exit_codes_and_user(void **s)
{
    ghost h;
    gh_proc p;
    uint32_t code = 0;
    hcsi_buf out;
    (void)s;
    start(&h, NULL);
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/false\"]", 0, &p);
    assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
    assert_int_equal(code, 1);
    gh_exec_ok(&h, "\"CommandLine\":\"/bin/sh -c 'exit 255'\"", 0, &p);
    assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
    assert_int_equal(code, 255);
    if (geteuid() == 0) {
        gh_exec_ok(&h, "\"CommandArgs\":[\"/usr/bin/id\",\"-u\"],\"User\":\"65534:65534\"", GH_OUT, &p);
        hcsi_buf_init(&out, 0);
        assert_int_equal(gh_read_all(p.out, &out, 10000), 0);
        gh_close_proc(&p);
        assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
        assert_int_equal(out.len, 6);
        assert_memory_equal(out.data, "65534\n", 6);
        hcsi_buf_free(&out);
        gh_exec_ok(&h, "\"CommandArgs\":[\"/usr/bin/id\",\"-un\"],\"User\":\"root\"", GH_OUT, &p);
        hcsi_buf_init(&out, 0);
        assert_int_equal(gh_read_all(p.out, &out, 10000), 0);
        gh_close_proc(&p);
        assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
        assert_memory_equal(out.data, "root\n", 5);
        hcsi_buf_free(&out);
    }
    finish(&h);
}

static void test_signals(void **s)
{
    ghost h;
    gh_proc p;
    uint32_t code = 0;
    hcsi_buf out;
    (void)s;
    start(&h, NULL);
    /* SIGTERM kills sleep: Go reports ExitCode -1 as uint32. */
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sleep\",\"30\"]", 0, &p);
    assert_int_equal(gh_signal(&h, p.pid, 15), 0);
    assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
    assert_int_equal(code, 0xFFFFFFFFu);
    /* Gone now: signals and waits report 0x80070490. */
    assert_int_equal((uint32_t)gh_signal(&h, p.pid, 15), 0x80070490u);
    assert_int_equal((uint32_t)gh_signal(&h, 999999, 0), 0x80070490u);
    /* A trapped signal reaches the process. */
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"trap 'echo got-usr1; exit 7' USR1; "
                   "echo ready; while :; do sleep 0.02; done\"]",
               GH_OUT, &p);
    hcsi_buf_init(&out, 0);
    assert_int_equal(gh_read_until(p.out, &out, "ready", 10000), 0);
    assert_int_equal(gh_signal(&h, p.pid, 10), 0);
    assert_int_equal(gh_read_all(p.out, &out, 10000), 0);
    gh_close_proc(&p);
    assert_non_null(memmem(out.data, out.len, "got-usr1", 8));
    assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
    assert_int_equal(code, 7);
    hcsi_buf_free(&out);
    /* No Options = kill (hcsshim's Kill()). */
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"trap '' TERM; sleep 30\"]", 0, &p);
    assert_int_equal(gh_signal(&h, p.pid, 0), 0);
    assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
    assert_int_equal(code, 0xFFFFFFFFu);
    /* An invalid signal number: E_FAIL. */
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sleep\",\"30\"]", 0, &p);
    assert_int_equal((uint32_t)gh_signal(&h, p.pid, 999), 0x80004005u);
    assert_int_equal(gh_signal(&h, p.pid, 9), 0);
    assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
    finish(&h);
}

static void test_wait_timeout(void **s)
{
    ghost h;
    gh_proc p;
    uint32_t code = 0;
    uint64_t t0;
    gh_frame f;
    uint64_t w1, w2;
    char body[256];
    (void)s;
    start(&h, NULL);
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sleep\",\"30\"]", 0, &p);
    t0 = gh_now_ms();
    assert_int_equal((uint32_t)gh_wait(&h, p.pid, 150, NULL, 10000), 0xC0370109u);
    assert_true(gh_now_ms() - t0 >= 140);
    assert_true(gh_now_ms() - t0 < 3000);
    assert_int_equal((uint32_t)gh_wait(&h, p.pid, 0, NULL, 10000), 0xC0370109u);
    /* Two concurrent infinite waits both get the exit code. */
    snprintf(body, sizeof body, "{" BASE ",\"ProcessId\":%lu,\"TimeoutInMs\":4294967295}",
             (unsigned long)p.pid);
    w1 = gh_send(&h, GH_WAIT, body);
    w2 = gh_send(&h, GH_WAIT, body);
    assert_int_equal(gh_recv(&h, w1, 200, &f), -1);
    assert_int_equal(gh_signal(&h, p.pid, 9), 0);
    assert_int_equal(gh_recv(&h, w1, 5000, &f), 0);
    assert_non_null(strstr(f.body, "\"ExitCode\":4294967295"));
    gh_frame_free(&f);
    assert_int_equal(gh_recv(&h, w2, 5000, &f), 0);
    assert_non_null(strstr(f.body, "\"ExitCode\":4294967295"));
    gh_frame_free(&f);
    assert_int_equal((uint32_t)gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0x80070490u);
    finish(&h);
}

static void test_properties_and_stacks(void **s)
{
    ghost h;
    gh_proc p;
    hcsi_json *r;
    const char *props = "", *stacks = "";
    char want[64];
    const char *const strict[] = {"--strict", NULL};
    uint32_t code;
    (void)s;
    start(&h, NULL);
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sleep\",\"30\"]", 0, &p);
    r = gh_call(&h, GH_PROPERTIES,
                "{" BASE ",\"Query\":\"{\\\"PropertyTypes\\\":[\\\"ProcessList\\\",\\\"Statistics\\\"]}\"}",
                5000);
    assert_int_equal(gh_result(r), 0);
    assert_int_equal(hcsi_json_get_str(r, "r", "Properties", &props, NULL), 1);
    snprintf(want, sizeof want, "{\"ProcessList\":[{\"ProcessId\":%lu}]}", (unsigned long)p.pid);
    assert_string_equal(props, want);
    hcsi_json_put(r);
    r = gh_call(&h, GH_PROPERTIES, "{" BASE ",\"Query\":\"\"}", 5000);
    assert_int_equal(hcsi_json_get_str(r, "r", "Properties", &props, NULL), 1);
    assert_string_equal(props, "{}");
    hcsi_json_put(r);
    r = gh_call(&h, GH_STACKS, "{" BASE "}", 5000);
    assert_int_equal(gh_result(r), 0);
    assert_int_equal(hcsi_json_get_str(r, "r", "GuestStacks", &stacks, NULL), 1);
    assert_non_null(strstr(stacks, "hcs-gcs"));
    snprintf(want, sizeof want, "pid %lu /bin/sleep: running", (unsigned long)p.pid);
    assert_non_null(strstr(stacks, want));
    hcsi_json_put(r);
    assert_int_equal(gh_signal(&h, p.pid, 9), 0);
    assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
    finish(&h);

    /* --strict: the Go GCS's refusals for UVM signals, resize, properties. */
    start(&h, strict);
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sleep\",\"0.2\"]", 0, &p);
    assert_int_equal((uint32_t)gh_signal(&h, p.pid, 0), 0xC037010Eu);
    expect(&h, GH_RESIZE, "{" BASE ",\"ProcessId\":1,\"Height\":1,\"Width\":1}", 0xC037010Eu, NULL);
    expect(&h, GH_PROPERTIES, "{" BASE ",\"Query\":\"{}\"}", 0x80004005u,
           "getPropertiesV2 is not supported against the UVM");
    assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
    assert_int_equal(code, 0);
    finish(&h);
}

static void wait_gone(pid_t pid, int timeout_ms)
{
    uint64_t end = gh_now_ms() + (uint64_t)timeout_ms;
    while (gh_pid_alive(pid)) {
        if (gh_now_ms() > end)
            fail_msg("process %ld still alive", (long)pid);
        usleep(10000);
    }
}

/* Live processes whose command line contains arg (as one argument). */
static int count_with_arg(const char *arg)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[4096];
        FILE *f;
        size_t len, i;
        pid_t pid = (pid_t)atol(e->d_name);
        if (pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        f = fopen(path, "r");
        if (!f)
            continue;
        len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        for (i = 0; i < len; i += strlen(buf + i) + 1)
            if (strcmp(buf + i, arg) == 0 && gh_pid_alive(pid))
                n++;
    }
    closedir(d);
    return n;
}

static void test_host_disconnect_cleanup(void **s)
{
    ghost h;
    gh_proc a, b, c;
    int st;
    uint64_t t0;
    (void)s;
    start(&h, NULL);
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    /* Ignores SIGTERM: needs the SIGKILL after the grace period. */
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"trap '' TERM; echo x; sleep 60\"]",
               GH_IN | GH_OUT | GH_ERR, &b);
    /* A whole process group (background child). */
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"sleep 60 & wait\"]", GH_OUT, &c);
    /* An exec in flight when the host leaves. */
    gh_send(&h, GH_EXEC, "{" BASE ",\"Settings\":{\"ProcessParameters\":\"{\\\"CommandArgs\\\":"
                         "[\\\"/bin/sleep\\\",\\\"61.0937\\\"]}\"}}");
    t0 = gh_now_ms();
    st = gh_stop(&h, 10000);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_true(gh_now_ms() - t0 < 8000);
    wait_gone((pid_t)a.pid, 2000);
    wait_gone((pid_t)b.pid, 2000);
    wait_gone((pid_t)c.pid, 2000);
    assert_int_equal(count_with_arg("61.0937"), 0); /* nothing started late */
    {
        /* The relays were shut down: our ends see EOF. */
        hcsi_buf out;
        hcsi_buf_init(&out, 0);
        assert_int_equal(gh_read_all(b.out, &out, 5000), 0);
        hcsi_buf_free(&out);
    }
    gh_close_proc(&a);
    gh_close_proc(&b);
    gh_close_proc(&c);
    gh_cleanup(&h);
}

static void test_uvm_shutdown(void **s)
{
    ghost h;
    gh_proc a;
    gh_frame f;
    uint64_t id;
    int st;
    (void)s;
    start(&h, NULL);
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    /* The null container: no response, the agent stops cleanly. */
    id = gh_send(&h, GH_SHUTDOWN_FORCED, "{" BASE "}");
    assert_int_equal(gh_recv(&h, id, 3000, &f), -1);
    st = gh_stop(&h, 10000);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    wait_gone((pid_t)a.pid, 2000);
    gh_cleanup(&h);
}

static void test_agent_killed(void **s)
{
    ghost h;
    gh_proc a;
    (void)s;
    start(&h, NULL);
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    /* SIGKILL leaves no chance to clean up: the children die with it
     * (parent-death signal from the long-lived spawner thread). */
    kill(h.agent, SIGKILL);
    waitpid(h.agent, NULL, 0);
    h.agent = 0;
    wait_gone((pid_t)a.pid, 3000);
    gh_cleanup(&h);
}

static void test_sigterm_cleanup(void **s)
{
    ghost h;
    gh_proc a;
    int st;
    (void)s;
    start(&h, NULL);
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    kill(h.agent, SIGTERM);
    {
        uint64_t end = gh_now_ms() + 10000;
        pid_t r;
        while ((r = waitpid(h.agent, &st, WNOHANG)) == 0 && gh_now_ms() < end)
            usleep(10000);
        assert_int_equal(r, h.agent);
        h.agent = 0;
    }
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    wait_gone((pid_t)a.pid, 2000);
    gh_cleanup(&h);
}

static void test_reconnect(void **s)
{
    ghost h;
    gh_proc a, b;
    uint32_t code = 1;
    int st;
    /* --init and --poweroff only act as PID 1: harmless here. */
    const char *const extra[] = {"--reconnect", "--init", "--poweroff", NULL};
    (void)s;
    start(&h, extra);
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    /* The host drops the bridge: the agent cleans up and dials again. */
    close(h.br);
    h.br = gh_accept(h.listener, 10000);
    assert_true(h.br >= 0);
    wait_gone((pid_t)a.pid, 3000);
    /* A new connection starts un-negotiated. */
    expect(&h, GH_STACKS, "{" BASE "}", 0x80004001u, NULL);
    gh_negotiate(&h);
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/true\"]", 0, &b);
    assert_int_equal(gh_wait(&h, b.pid, 0xFFFFFFFFu, &code, 10000), 0);
    assert_int_equal(code, 0);
    /* Only a UVM shutdown ends a reconnecting agent. */
    gh_send(&h, GH_SHUTDOWN_GRACEFUL, "{" BASE "}");
    st = gh_stop(&h, 10000);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    gh_cleanup(&h);
}

/* As PID 1 (a private pid + mount namespace, where permitted): --init
 * mounts what processes need, and --poweroff's reboot() ends the
 * namespace's init with SIGINT (the kernel's rule for reboot there). */
static void test_pid1_init_poweroff(void **s)
{
    ghost h;
    gh_proc p;
    hcsi_buf out;
    uint32_t code = 1;
    int st;
    const char *const prefix[] = {"unshare", "-p", "-f", "-m", "--propagation", "private", NULL};
    const char *const extra[] = {"--init", "--poweroff", NULL};
    (void)s;
    if (system("unshare -p -f -m --propagation private true >/dev/null 2>&1") != 0) {
        print_message("unshare is not permitted here: skipped\n");
        skip();
    }
    /* Not under /tmp: --init mounts a tmpfs there. */
    gh_start_ex(&h, 0, extra, prefix, "/var/tmp/hcsg-init-XXXXXX");
    gh_negotiate(&h);
    gh_exec_ok(&h,
               "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"cat /proc/1/comm; test -c /dev/null && "
               "echo devnull; tty; grep -c ' /dev/pts devpts' /proc/self/mounts\"],"
               "\"EmulateConsole\":true",
               GH_OUT, &p);
    hcsi_buf_init(&out, 0);
    assert_int_equal(gh_read_all(p.out, &out, 10000), 0);
    gh_close_proc(&p);
    assert_int_equal(gh_wait(&h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
    assert_int_equal(code, 0);
    assert_int_equal(hcsi_buf_putc(&out, 0), 0);
    assert_non_null(strstr(out.data, "hcs-gcs"));   /* we are PID 1 */
    assert_non_null(strstr(out.data, "devnull"));
    assert_non_null(strstr(out.data, "/dev/pts/"));
    hcsi_buf_free(&out);
    gh_send(&h, GH_SHUTDOWN_FORCED, "{" BASE "}");
    st = gh_stop(&h, 10000);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGINT);
    gh_cleanup(&h);
}

/* A host that stops reading its bridge, then does `host_action`: a
 * process runs (it must not survive), thousands of DumpStacks answers
 * (~600 bytes each) fill the bridge until the agent blocks writing, then
 * the agent must exit on its own within timeout_ms. */
static void stuck_host(int use_sigterm, uint64_t timeout_ms)
{
    ghost h;
    gh_proc a;
    int i, st, small = 4096;
    pid_t r;
    uint64_t end;
    start(&h, NULL);
    gh_exec_ok(&h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    setsockopt(h.br, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    for (i = 0; i < 3000; i++) {
        struct pollfd p;
        p.fd = h.br;
        p.events = POLLOUT;
        if (poll(&p, 1, 200) <= 0)
            break; /* the agent stopped reading too: it is blocked */
        gh_send(&h, GH_STACKS, "{" BASE "}");
    }
    if (use_sigterm)
        kill(h.agent, SIGTERM);
    else
        assert_int_equal(shutdown(h.br, SHUT_WR), 0);
    end = gh_now_ms() + timeout_ms;
    while ((r = waitpid(h.agent, &st, WNOHANG)) == 0 && gh_now_ms() < end)
        usleep(10000);
    assert_int_equal(r, h.agent);
    h.agent = 0;
    assert_true(WIFEXITED(st));
    wait_gone((pid_t)a.pid, 2000);
    gh_cleanup(&h);
}

/* SIGTERM still makes a blocked agent clean up and exit. */
static void test_stuck_host_sigterm(void **s)
{
    (void)s;
    stuck_host(1, 10000);
}

/* A half-close (EOF) with nothing read: the agent gives up the answers
 * nobody reads (2 s send grace), cleans up and exits by itself. */
static void test_stuck_host_half_close(void **s)
{
    (void)s;
    stuck_host(0, 15000);
}

/* The process cap is checked and the slot reserved under one lock: a burst
 * of concurrent ExecuteProcess requests gets exactly --max-processes
 * successes; the rest are refused with E_FAIL "too many processes". */
static void test_process_cap_burst(void **s)
{
    enum { CAP = 4, BURST = 24 };
    const char *const extra[] = {"--max-processes", "4", NULL};
    ghost h;
    uint64_t ids[BURST];
    int i, ok = 0, refused = 0, round;
    (void)s;
    for (round = 0; round < 3; round++) {
        ok = refused = 0;
        start(&h, extra);
        for (i = 0; i < BURST; i++)
            ids[i] = gh_send(&h, GH_EXEC,
                             "{" BASE ",\"Settings\":{\"ProcessParameters\":\"{\\\"CommandArgs\\\":"
                             "[\\\"/bin/sleep\\\",\\\"60\\\"]}\"}}");
        for (i = 0; i < BURST; i++) {
            gh_frame f;
            assert_int_equal(gh_recv(&h, ids[i], 10000, &f), 0);
            if (strstr(f.body, "\"Result\":0,") && strstr(f.body, "\"ProcessId\":")) {
                ok++;
            } else {
                if (!strstr(f.body, "\"Result\":-2147467259") ||
                    !strstr(f.body, "too many processes (4 tracked"))
                    fail_msg("unexpected answer: %s", f.body);
                refused++;
            }
            gh_frame_free(&f);
        }
        assert_int_equal(ok, CAP);
        assert_int_equal(refused, BURST - CAP);
        finish(&h);
    }
    {
        /* The option is validated like the others. */
        const char *const bad[] = {"--max-processes", "0", NULL};
        char err[4096];
        assert_int_equal(run_agent_capture(bad, err, sizeof err), 2);
        assert_non_null(strstr(err, "--max-processes"));
    }
}

/* --stdio without --stdio-dir is refused at start-up (exit 2). */
static void test_stdio_needs_dir(void **s)
{
    const char *const args[] = {"--stdio", NULL};
    char err[4096];
    (void)s;
    assert_int_equal(run_agent_capture(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "--stdio needs --stdio-dir DIR"));
}

/* State and runtime roots are compared as text: one spelling each. */
static void test_roots_normalised(void **s)
{
    const char *const dots[] = {"--state-root", "/run/../etc", "--stdio", NULL};
    const char *const dslash[] = {"--runtime-root", "/run//gcs", "--stdio", NULL};
    const char *const rel[] = {"--state-root", "run/gcs", "--stdio", NULL};
    char err[4096];
    (void)s;
    assert_int_equal(run_agent_capture(dots, err, sizeof err), 2);
    assert_non_null(strstr(err, "bad --state-root \"/run/../etc\" (a normalised absolute path"));
    assert_int_equal(run_agent_capture(dslash, err, sizeof err), 2);
    assert_non_null(strstr(err, "bad --runtime-root \"/run//gcs\""));
    assert_int_equal(run_agent_capture(rel, err, sizeof err), 2);
    assert_non_null(strstr(err, "an absolute path"));
}

/* A bridge dial that gives up logs why the agent exits (not "signal") and
 * exits 1. */
static void test_dial_timeout_reason(void **s)
{
    char dir[] = "/tmp/hcsg-dial-XXXXXX", addr[64], err[8192];
    const char *args[] = {"--connect", addr, "--dial-timeout", "0", "--log-level", "info", NULL};
    (void)s;
    assert_non_null(mkdtemp(dir));
    snprintf(addr, sizeof addr, "unix:%s", dir);
    assert_int_equal(run_agent_capture(args, err, sizeof err), 1);
    rmdir(dir);
    assert_non_null(strstr(err, "cannot connect to the host bridge"));
    if (strstr(err, "exiting (signal)"))
        fail_msg("wrong exit reason logged:\n%s", err);
    assert_non_null(strstr(err, "hcs-gcs exiting (cannot connect to the host bridge)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiation),
        cmocka_unit_test(test_activity_id_echo),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_malformed_requests),
        cmocka_unit_test(test_bad_frame_size),
        cmocka_unit_test(test_roots_normalised),
        cmocka_unit_test(test_exec_errors),
        cmocka_unit_test(test_exit_codes_and_user),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_wait_timeout),
        cmocka_unit_test(test_properties_and_stacks),
        cmocka_unit_test(test_host_disconnect_cleanup),
        cmocka_unit_test(test_uvm_shutdown),
        cmocka_unit_test(test_agent_killed),
        cmocka_unit_test(test_sigterm_cleanup),
        cmocka_unit_test(test_reconnect),
        cmocka_unit_test(test_pid1_init_poweroff),
        cmocka_unit_test(test_stuck_host_sigterm),
        cmocka_unit_test(test_stuck_host_half_close),
        cmocka_unit_test(test_process_cap_burst),
        cmocka_unit_test(test_stdio_needs_dir),
        cmocka_unit_test(test_dial_timeout_reason),
    };
    return cmocka_run_group_tests_name("hcs-gcs control", tests, NULL, NULL);
}
