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

static const char *const k_strict[] = {"--strict", NULL};
/* --init and --poweroff only act as PID 1: harmless here. */
static const char *const k_reconnect[] = {"--reconnect", "--init", "--poweroff", NULL};

/* Result of a call, with ErrorMessage checked to contain needle. */
static void expect(ghost *h, uint32_t rpc, const char *body, uint32_t hr, const char *needle)
{
    hcsi_json *r = gh_call(h, rpc, body, 10000);
    uint32_t got = (uint32_t)gh_result(r);
    if (got != hr)
        fail_msg("rpc 0x%08x %s: Result 0x%08x, want 0x%08x (%s)", rpc, body, got, hr,
                 got ? gh_error_message(r) : "");
    if (needle && !strstr(gh_error_message(r), needle))
        fail_msg("\"%s\" lacks \"%s\"", gh_error_message(r), needle);
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

/* run_agent_capture asserting the exit status; returns stderr (valid until
 * the next call). */
static const char *agent_stderr(const char *const *args, int want_status)
{
    static char err[8192];
    int st = run_agent_capture(args, err, sizeof err);
    if (st != want_status)
        fail_msg("exit status %d, want %d; stderr:\n%s", st, want_status, err);
    return err;
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
    gh_finish(&h);
}

static void test_activity_id_echo(void **s)
{
    ghost *h = (ghost *)*s;
    uint64_t id;
    id = gh_send(h, GH_START, "{\"ContainerId\":\"c1\",\"ActivityId\":\"11111111-2222-3333-4444-555555555555\"}");
    gh_expect_body(h, id, 5000, "{\"Result\":0,\"ActivityId\":\"11111111-2222-3333-4444-555555555555\"}");
    /* No ActivityId in the request: none in the response (omitempty);
     * keys match case-insensitively like Go's decoder. */
    id = gh_send(h, GH_START, "{\"containerid\":\"c1\"}");
    gh_expect_body(h, id, 5000, "{\"Result\":0}");
    id = gh_send(h, GH_START, "{\"activityid\":\"x\",\"ActivityId\":\"y\"}");
    gh_expect_body(h, id, 5000, "{\"Result\":0,\"ActivityId\":\"y\"}");
}

static void test_refusals(void **s)
{
    ghost *h = (ghost *)*s;
    /* Containers: 0xC037010E where the Go GCS looks a container up. */
    expect(h, GH_DELETE, "{\"ContainerId\":\"c1\",\"ActivityId\":\"" GH_ZERO "\"}",
           0xC037010Eu, "not found");
    expect(h, GH_SHUTDOWN_GRACEFUL, "{\"ContainerId\":\"c1\"}", 0xC037010Eu, NULL);
    expect(h, GH_SHUTDOWN_FORCED, "{\"ContainerId\":\"c1\"}", 0xC037010Eu, NULL);
    expect(h, GH_WAIT, "{\"ContainerId\":\"c1\",\"ProcessId\":5,\"TimeoutInMs\":1}", 0xC037010Eu,
           NULL);
    expect(h, GH_SIGNAL, "{\"ContainerId\":\"c1\",\"ProcessId\":5}", 0xC037010Eu, NULL);
    expect(h, GH_RESIZE, "{\"ContainerId\":\"c1\",\"ProcessId\":5,\"Height\":1,\"Width\":1}",
           0xC037010Eu, NULL);
    expect(h, GH_PROPERTIES, "{\"ContainerId\":\"c1\",\"Query\":\"{}\"}", 0xC037010Eu, NULL);
    expect(h, GH_EXEC,
           "{\"ContainerId\":\"c1\",\"Settings\":{\"ProcessParameters\":\"{\\\"OciProcess\\\":{}}\"}}",
           0xC037010Eu, "not found");
    /* Create: schema checks first (0xC037010D), then the runtime's E_FAIL. */
    expect(h, GH_CREATE, "{\"ContainerId\":\"c1\",\"ContainerConfig\":\"\"}", 0xC037010Du,
           "ContainerConfig");
    expect(h, GH_CREATE,
           "{\"ContainerId\":\"c1\",\"ContainerConfig\":\"{\\\"SystemType\\\":\\\"Container\\\"}\"}",
           0xC037010Du, "invalid schema version");
    expect(h, GH_CREATE,
           "{\"ContainerId\":\"c1\",\"ContainerConfig\":\"{\\\"SchemaVersion\\\":{\\\"Major\\\":2,"
           "\\\"Minor\\\":1},\\\"OciSpecification\\\":{}}\"}",
           0x80004005u, "failed to create container");
    /* Start is a no-op success in the Go GCS. */
    expect(h, GH_START, "{\"ContainerId\":\"c1\"}", 0, NULL);
    /* ModifySettings. */
    expect(h, GH_MODIFY, "{" BASE "}", 0xC037010Du, NULL);
    expect(h, GH_MODIFY, "{" BASE ",\"Request\":{\"ResourceType\":\"Bogus\"}}", 0x80004005u,
           "invalid ResourceType 'Bogus'");
    expect(h, GH_MODIFY,
           "{" BASE ",\"Request\":{\"ResourceType\":\"MappedVirtualDisk\",\"Settings\":{\"Lun\":\"1\"}}}",
           0xC037010Du, NULL);
    expect(h, GH_MODIFY,
           "{" BASE ",\"Request\":{\"ResourceType\":\"MappedVirtualDisk\",\"Settings\":{\"Lun\":300}}}",
           0xC037010Du, NULL);
    expect(h, GH_MODIFY, "{" BASE ",\"Request\":{\"ResourceType\":\"MappedVirtualDisk\"}}",
           0xC037010Du, NULL);
    expect(h, GH_MODIFY,
           "{" BASE ",\"Request\":{\"RequestType\":\"Add\",\"ResourceType\":\"MappedVirtualDisk\","
           "\"Settings\":{\"MountPath\":\"/run/x\",\"Lun\":1,\"ReadOnly\":true}}}",
           0x80004005u, "SCSI controller 0 LUN 1: the controller is not on the VMBus");
    expect(h, GH_MODIFY,
           "{" BASE ",\"Request\":{\"ResourceType\":\"Network\",\"Settings\":{\"ID\":\"a\"}}}",
           0x80004005u, "ID \"a\" is not a GUID");
    expect(h, GH_MODIFY,
           "{" BASE ",\"Request\":{\"ResourceType\":\"CombinedLayers\",\"Settings\":{}}}",
           0x80004005u, "ContainerRootPath");
    expect(h, GH_MODIFY,
           "{\"ContainerId\":\"c1\",\"Request\":{\"RequestType\":\"Update\",\"ResourceType\":"
           "\"ContainerConstraints\",\"Settings\":{\"Windows\":{},\"Linux\":{\"cpu\":{}}}}}",
           0xC037010Eu, NULL);
    /* RPCs the Linux GCS has no handler for. */
    expect(h, 0x00100E01u, "{" BASE "}", 0x80004001u, "header type: 269487617");
    expect(h, 0x00100F01u, "{" BASE "}", 0x80004001u, "header type: 269487873");
    expect(h, 0x00200101u, "{" BASE ",\"PropertyType\":\"LogForwardService\"}", 0x80004001u,
           "header type: 270532865");
}

static void test_malformed_requests(void **s)
{
    ghost *h = (ghost *)*s;
    gh_frame f;
    hcsi_json *r;
    expect(h, GH_EXEC, "not json", 0xC037010Du, "failed to unmarshal JSON in message");
    expect(h, GH_EXEC, "[1,2]", 0xC037010Du, NULL);
    expect(h, GH_WAIT, "{\"ContainerId\":5}", 0xC037010Du, NULL);
    expect(h, GH_WAIT, "{" BASE ",\"ProcessId\":-1}", 0xC037010Du, NULL);
    expect(h, GH_WAIT, "{" BASE ",\"ProcessId\":1.5}", 0xC037010Du, NULL);
    expect(h, GH_WAIT, "{" BASE ",\"ProcessId\":4294967296}", 0xC037010Du, NULL);
    expect(h, GH_SIGNAL, "{" BASE ",\"ProcessId\":1,\"Options\":7}", 0xC037010Du, NULL);
    expect(h, GH_SIGNAL, "{" BASE ",\"ProcessId\":1,\"Options\":{\"Signal\":2147483648}}",
           0xC037010Du, NULL);
    expect(h, GH_EXEC, "{" BASE ",\"Settings\":{\"ProcessParameters\":{}}}", 0xC037010Du, NULL);
    expect(h, GH_EXEC, "{" BASE ",\"Settings\":{\"ProcessParameters\":\"{\\\"CommandArgs\\\":\\\"x\\\"}\"}}",
           0xC037010Du, "ProcessParameters");
    expect(h, GH_EXEC, "{" BASE ",\"Settings\":{\"ProcessParameters\":\"\"}}", 0xC037010Du, NULL);
    expect(h, GH_PROPERTIES, "{" BASE ",\"Query\":\"{\\\"PropertyTypes\\\":7}\"}", 0xC037010Du,
           "query");
    expect(h, GH_EXEC, "{\"ocsc\":{\"TraceID\":1}}", 0xC037010Du, NULL);
    /* An empty body and a null body. */
    {
        uint64_t id = h->next_id++;
        gh_send_typed(h, 0x10100601u, id, "", 0);
        assert_int_equal(gh_recv(h, id, 5000, &f), 0);
        assert_non_null(strstr(f.body, "\"Result\":-1070137075"));
        gh_frame_free(&f);
    }
    expect(h, GH_WAIT, "null", 0xC037010Eu, NULL); /* ContainerId "" */
    /* Deep nesting and invalid UTF-8 are rejected, not crashed on. */
    {
        char deep[400];
        int i;
        for (i = 0; i < 200; i++)
            deep[i] = '[';
        for (i = 200; i < 399; i++)
            deep[i] = ']';
        deep[399] = '\0';
        expect(h, GH_EXEC, deep, 0xC037010Du, NULL);
        expect(h, GH_EXEC, "{\"ContainerId\":\"\xC3\x28\"}", 0xC037010Du, NULL);
    }
    /* The bridge still works. */
    r = gh_call(h, GH_STACKS, "{" BASE "}", 5000);
    assert_int_equal(gh_result(r), 0);
    hcsi_json_put(r);
}

static void test_bad_frame_size(void **s)
{
    ghost h;
    gh_frame f;
    char *big;
    const char *const extra[] = {"--max-frame", "4096", NULL};
    (void)s;
    /* Larger than --max-frame: an error answers that id, then the bridge
     * closes (the stream cannot be resynchronised). */
    gh_up(&h, extra);
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
    (void)gh_stop_exited(&h, 10000);
    gh_cleanup(&h);

    /* Size below the header. */
    gh_up(&h, NULL);
    {
        unsigned char hdr[16] = {0x01, 0x06, 0x10, 0x10, 8, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0};
        gh_send_bytes(&h, hdr, 16);
    }
    assert_int_equal(gh_recv(&h, 9, 5000, &f), 0);
    assert_non_null(strstr(f.body, "\"Result\":-2147024809"));
    gh_frame_free(&f);
    (void)gh_stop_exited(&h, 10000);
    gh_cleanup(&h);
}

static void test_exec_errors(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    assert_int_equal(gh_exec(h, "\"CommandArgs\":[\"no-such-program-xyz\"]", GH_OUT, &p), -1);
    assert_int_equal((uint32_t)p.result, 0x80004005u);
    assert_non_null(strstr(p.error, "executable file not found in $PATH"));
    gh_close_proc(&p);
    assert_int_equal(gh_exec(h, "\"CommandArgs\":[\"/bin/true\"],\"WorkingDirectory\":\"/no/such/dir\"",
                             0, &p), -1);
    assert_non_null(strstr(p.error, "chdir /no/such/dir"));
    assert_int_equal(gh_exec(h, "\"CommandArgs\":[\"/etc/passwd\"]", 0, &p), -1);
    assert_non_null(strstr(p.error, "fork/exec /etc/passwd"));
    assert_int_equal(gh_exec(h, "\"CommandLine\":\"/bin/echo 'unclosed\"", 0, &p), -1);
    assert_non_null(strstr(p.error, "invalid command line string"));
    assert_int_equal(gh_exec(h, "\"CommandLine\":\"\"", 0, &p), -1);
    assert_non_null(strstr(p.error, "no command"));
    assert_int_equal(gh_exec(h, "\"CommandArgs\":[\"/bin/true\"],\"User\":\"no-such-user-xyz\"", 0, &p),
                     -1);
    assert_non_null(strstr(p.error, "no-such-user-xyz"));
    /* A stdio port nobody listens on: the dial fails the request. */
    expect(h, GH_EXEC,
           "{" BASE ",\"Settings\":{\"ProcessParameters\":\"{\\\"CommandArgs\\\":[\\\"/bin/true\\\"],"
           "\\\"CreateStdOutPipe\\\":true}\",\"VsockStdioRelaySettings\":{\"StdOut\":1234}}}",
           0x80004005u, "failed creating stdout Connection");
    /* Exec with CreateInUtilityVM under a container id runs in the UVM. */
    assert_int_equal(gh_exec(h, "\"CommandArgs\":[\"/bin/true\"],\"CreateInUtilityVM\":true", 0, &p), 0);
    assert_int_equal(gh_exit_code(h, p.pid), 0);
}

static void test_exit_codes_and_user(void **s)
{
    ghost *h = (ghost *)*s;
    hcsi_buf out;
    assert_int_equal(gh_run(h, "\"CommandArgs\":[\"/bin/false\"]", NULL), 1);
    assert_int_equal(gh_run(h, "\"CommandLine\":\"/bin/sh -c 'exit 255'\"", NULL), 255);
    if (geteuid() == 0) {
        (void)gh_run(h, "\"CommandArgs\":[\"/usr/bin/id\",\"-u\"],\"User\":\"65534:65534\"", &out);
        assert_int_equal(out.len, 6);
        assert_memory_equal(out.data, "65534\n", 6);
        hcsi_buf_free(&out);
        (void)gh_run(h, "\"CommandArgs\":[\"/usr/bin/id\",\"-un\"],\"User\":\"root\"", &out);
        assert_memory_equal(out.data, "root\n", 5);
        hcsi_buf_free(&out);
    }
}

static void test_signals(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    hcsi_buf out;
    /* SIGTERM kills sleep: Go reports ExitCode -1 as uint32. */
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"30\"]", 0, &p);
    assert_int_equal(gh_signal_wait(h, p.pid, 15), 0xFFFFFFFFu);
    /* Gone now: signals and waits report 0x80070490. */
    assert_int_equal((uint32_t)gh_signal(h, p.pid, 15), 0x80070490u);
    assert_int_equal((uint32_t)gh_signal(h, 999999, 0), 0x80070490u);
    /* A trapped signal reaches the process. */
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"trap 'echo got-usr1; exit 7' USR1; "
                   "echo ready; while :; do sleep 0.02; done\"]",
               GH_OUT, &p);
    gh_slurp_until(p.out, &out, "ready", 10000);
    assert_int_equal(gh_signal(h, p.pid, 10), 0);
    assert_int_equal(gh_read_all(p.out, &out, 10000), 0);
    gh_close_proc(&p);
    assert_non_null(memmem(out.data, out.len, "got-usr1", 8));
    assert_int_equal(gh_exit_code(h, p.pid), 7);
    hcsi_buf_free(&out);
    /* No Options = kill (hcsshim's Kill()). */
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"trap '' TERM; sleep 30\"]", 0, &p);
    assert_int_equal(gh_signal_wait(h, p.pid, 0), 0xFFFFFFFFu);
    /* An invalid signal number: E_FAIL. */
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"30\"]", 0, &p);
    assert_int_equal((uint32_t)gh_signal(h, p.pid, 999), 0x80004005u);
    (void)gh_signal_wait(h, p.pid, 9);
}

static void test_wait_timeout(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    uint64_t t0;
    gh_frame f;
    uint64_t w1, w2;
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"30\"]", 0, &p);
    t0 = gh_now_ms();
    assert_int_equal((uint32_t)gh_wait(h, p.pid, 150, NULL, 10000), 0xC0370109u);
    assert_true(gh_now_ms() - t0 >= 140);
    assert_true(gh_now_ms() - t0 < 3000);
    assert_int_equal((uint32_t)gh_wait(h, p.pid, 0, NULL, 10000), 0xC0370109u);
    /* Two concurrent infinite waits both get the exit code. */
    w1 = gh_send_wait_in(h, GH_ZERO, p.pid, 0xFFFFFFFFu);
    w2 = gh_send_wait_in(h, GH_ZERO, p.pid, 0xFFFFFFFFu);
    assert_int_equal(gh_recv(h, w1, 200, &f), -1);
    assert_int_equal(gh_signal(h, p.pid, 9), 0);
    assert_int_equal(gh_recv(h, w1, 5000, &f), 0);
    assert_non_null(strstr(f.body, "\"ExitCode\":4294967295"));
    gh_frame_free(&f);
    assert_int_equal(gh_recv(h, w2, 5000, &f), 0);
    assert_non_null(strstr(f.body, "\"ExitCode\":4294967295"));
    gh_frame_free(&f);
    assert_int_equal((uint32_t)gh_wait(h, p.pid, 0xFFFFFFFFu, NULL, 10000), 0x80070490u);
}

static void test_properties_and_stacks(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    hcsi_json *r;
    const char *props = "", *stacks = "";
    char want[64];
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"30\"]", 0, &p);
    r = gh_call(h, GH_PROPERTIES,
                "{" BASE ",\"Query\":\"{\\\"PropertyTypes\\\":[\\\"ProcessList\\\",\\\"Statistics\\\"]}\"}",
                5000);
    assert_int_equal(gh_result(r), 0);
    assert_int_equal(hcsi_json_get_str(r, "r", "Properties", &props, NULL), 1);
    snprintf(want, sizeof want, "{\"ProcessList\":[{\"ProcessId\":%lu}]}", (unsigned long)p.pid);
    assert_string_equal(props, want);
    hcsi_json_put(r);
    r = gh_call(h, GH_PROPERTIES, "{" BASE ",\"Query\":\"\"}", 5000);
    assert_int_equal(hcsi_json_get_str(r, "r", "Properties", &props, NULL), 1);
    assert_string_equal(props, "{}");
    hcsi_json_put(r);
    r = gh_call(h, GH_STACKS, "{" BASE "}", 5000);
    assert_int_equal(gh_result(r), 0);
    assert_int_equal(hcsi_json_get_str(r, "r", "GuestStacks", &stacks, NULL), 1);
    assert_non_null(strstr(stacks, "hcs-gcs"));
    snprintf(want, sizeof want, "pid %lu /bin/sleep: running", (unsigned long)p.pid);
    assert_non_null(strstr(stacks, want));
    hcsi_json_put(r);
    (void)gh_signal_wait(h, p.pid, 9);
}

/* --strict: the Go GCS's refusals for UVM signals, resize, properties. */
static void test_strict_refusals(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc p;
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"0.2\"]", 0, &p);
    assert_int_equal((uint32_t)gh_signal(h, p.pid, 0), 0xC037010Eu);
    expect(h, GH_RESIZE, "{" BASE ",\"ProcessId\":1,\"Height\":1,\"Width\":1}", 0xC037010Eu, NULL);
    expect(h, GH_PROPERTIES, "{" BASE ",\"Query\":\"{}\"}", 0x80004005u,
           "getPropertiesV2 is not supported against the UVM");
    assert_int_equal(gh_exit_code(h, p.pid), 0);
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
        long len, i;
        pid_t pid = (pid_t)atol(e->d_name);
        if (pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        len = gh_read_file(path, buf, sizeof buf);
        for (i = 0; i < len; i += (long)strlen(buf + i) + 1)
            if (strcmp(buf + i, arg) == 0 && gh_pid_alive(pid))
                n++;
    }
    closedir(d);
    return n;
}

static void test_host_disconnect_cleanup(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc a, b, c;
    uint64_t t0;
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    /* Ignores SIGTERM: needs the SIGKILL after the grace period. */
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"trap '' TERM; echo x; sleep 60\"]",
               GH_IN | GH_OUT | GH_ERR, &b);
    /* A whole process group (background child). */
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"sleep 60 & wait\"]", GH_OUT, &c);
    /* An exec in flight when the host leaves. */
    gh_send(h, GH_EXEC, "{" BASE ",\"Settings\":{\"ProcessParameters\":\"{\\\"CommandArgs\\\":"
                        "[\\\"/bin/sleep\\\",\\\"61.0937\\\"]}\"}}");
    t0 = gh_now_ms();
    assert_int_equal(gh_stop_exited(h, 10000), 0);
    assert_true(gh_now_ms() - t0 < 8000);
    wait_gone((pid_t)a.pid, 2000);
    wait_gone((pid_t)b.pid, 2000);
    wait_gone((pid_t)c.pid, 2000);
    assert_int_equal(count_with_arg("61.0937"), 0); /* nothing started late */
    /* The relays were shut down: our ends see EOF. */
    (void)gh_drain(b.out, 5000);
    gh_close_proc(&a);
    gh_close_proc(&b);
    gh_close_proc(&c);
}

static void test_uvm_shutdown(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc a;
    gh_frame f;
    uint64_t id;
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    /* The null container: no response, the agent stops cleanly. */
    id = gh_send(h, GH_SHUTDOWN_FORCED, "{" BASE "}");
    assert_int_equal(gh_recv(h, id, 3000, &f), -1);
    assert_int_equal(gh_stop_exited(h, 10000), 0);
    wait_gone((pid_t)a.pid, 2000);
}

static void test_agent_killed(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc a;
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    /* SIGKILL leaves no chance to clean up: the children die with it
     * (parent-death signal from the long-lived spawner thread). */
    kill(h->agent, SIGKILL);
    waitpid(h->agent, NULL, 0);
    h->agent = 0;
    wait_gone((pid_t)a.pid, 3000);
}

static void test_sigterm_cleanup(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc a;
    int st;
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    kill(h->agent, SIGTERM);
    st = gh_reap(h, 10000);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    wait_gone((pid_t)a.pid, 2000);
}

static void test_reconnect(void **s)
{
    ghost *h = (ghost *)*s;
    gh_proc a;
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    /* The host drops the bridge: the agent cleans up and dials again. */
    close(h->br);
    h->br = gh_accept(h->listener, 10000);
    assert_true(h->br >= 0);
    wait_gone((pid_t)a.pid, 3000);
    /* A new connection starts un-negotiated. */
    expect(h, GH_STACKS, "{" BASE "}", 0x80004001u, NULL);
    gh_negotiate(h);
    assert_int_equal(gh_run(h, "\"CommandArgs\":[\"/bin/true\"]", NULL), 0);
    /* Only a UVM shutdown ends a reconnecting agent. */
    gh_send(h, GH_SHUTDOWN_GRACEFUL, "{" BASE "}");
    assert_int_equal(gh_stop_exited(h, 10000), 0);
}

/* As PID 1 (a private pid + mount namespace, where permitted): --init
 * mounts what processes need, and --poweroff's reboot() ends the
 * namespace's init with SIGINT (the kernel's rule for reboot there). */
static void test_pid1_init_poweroff(void **s)
{
    ghost h;
    hcsi_buf out;
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
    assert_int_equal(gh_run(&h,
                            "\"CommandArgs\":[\"/bin/sh\",\"-c\",\"cat /proc/1/comm; test -c "
                            "/dev/null && echo devnull; tty; grep -c ' /dev/pts devpts' "
                            "/proc/self/mounts\"],\"EmulateConsole\":true",
                            &out),
                     0);
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
static void stuck_host(ghost *h, int use_sigterm, int timeout_ms)
{
    gh_proc a;
    int i, small = 4096;
    gh_exec_ok(h, "\"CommandArgs\":[\"/bin/sleep\",\"60\"]", 0, &a);
    setsockopt(h->br, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    for (i = 0; i < 3000; i++) {
        struct pollfd p;
        p.fd = h->br;
        p.events = POLLOUT;
        if (poll(&p, 1, 200) <= 0)
            break; /* the agent stopped reading too: it is blocked */
        gh_send(h, GH_STACKS, "{" BASE "}");
    }
    if (use_sigterm)
        kill(h->agent, SIGTERM);
    else
        assert_int_equal(shutdown(h->br, SHUT_WR), 0);
    assert_true(WIFEXITED(gh_reap(h, timeout_ms)));
    wait_gone((pid_t)a.pid, 2000);
}

/* SIGTERM still makes a blocked agent clean up and exit. */
static void test_stuck_host_sigterm(void **s)
{
    stuck_host((ghost *)*s, 1, 10000);
}

/* A half-close (EOF) with nothing read: the agent gives up the answers
 * nobody reads (2 s send grace), cleans up and exits by itself. */
static void test_stuck_host_half_close(void **s)
{
    stuck_host((ghost *)*s, 0, 15000);
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
        gh_up(&h, extra);
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
        gh_finish(&h);
    }
    {
        /* The option is validated like the others. */
        const char *const bad[] = {"--max-processes", "0", NULL};
        assert_non_null(strstr(agent_stderr(bad, 2), "--max-processes"));
    }
}

/* --stdio without --stdio-dir is refused at start-up (exit 2). */
static void test_stdio_needs_dir(void **s)
{
    const char *const args[] = {"--stdio", NULL};
    (void)s;
    assert_non_null(strstr(agent_stderr(args, 2), "--stdio needs --stdio-dir DIR"));
}

/* State and runtime roots are compared as text: one spelling each. */
static void test_roots_normalised(void **s)
{
    static const struct {
        const char *args[4];
        const char *needle;
    } cases[] = {
        {{"--state-root", "/run/../etc", "--stdio", NULL},
         "bad --state-root \"/run/../etc\" (a normalised absolute path"},
        {{"--runtime-root", "/run//gcs", "--stdio", NULL}, "bad --runtime-root \"/run//gcs\""},
        {{"--state-root", "run/gcs", "--stdio", NULL}, "an absolute path"},
    };
    size_t i;
    (void)s;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_non_null(strstr(agent_stderr(cases[i].args, 2), cases[i].needle));
}

/* A bridge dial that gives up logs why the agent exits (not "signal") and
 * exits 1. */
static void test_dial_timeout_reason(void **s)
{
    char dir[] = "/tmp/hcsg-dial-XXXXXX", addr[64];
    const char *args[] = {"--connect", addr, "--dial-timeout", "0", "--log-level", "info", NULL};
    const char *err;
    (void)s;
    assert_non_null(mkdtemp(dir));
    snprintf(addr, sizeof addr, "unix:%s", dir);
    err = agent_stderr(args, 1);
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
        GH_TEST(test_activity_id_echo),
        GH_TEST(test_refusals),
        GH_TEST(test_malformed_requests),
        cmocka_unit_test(test_bad_frame_size),
        cmocka_unit_test(test_roots_normalised),
        GH_TEST(test_exec_errors),
        GH_TEST(test_exit_codes_and_user),
        GH_TEST(test_signals),
        GH_TEST(test_wait_timeout),
        GH_TEST(test_properties_and_stacks),
        GH_TEST_ARGS(test_strict_refusals, k_strict),
        GH_TEST(test_host_disconnect_cleanup),
        GH_TEST(test_uvm_shutdown),
        GH_TEST(test_agent_killed),
        GH_TEST(test_sigterm_cleanup),
        GH_TEST_ARGS(test_reconnect, k_reconnect),
        cmocka_unit_test(test_pid1_init_poweroff),
        GH_TEST(test_stuck_host_sigterm),
        GH_TEST(test_stuck_host_half_close),
        cmocka_unit_test(test_process_cap_burst),
        cmocka_unit_test(test_stdio_needs_dir),
        cmocka_unit_test(test_dial_timeout_reason),
    };
    return cmocka_run_group_tests_name("hcs-gcs control", tests, NULL, NULL);
}
