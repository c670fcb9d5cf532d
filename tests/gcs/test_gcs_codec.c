/* GCS codecs: every golden host request reproduced byte for byte; the
 * decoders on golden guest frames and on hostile bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gcs/codec.h"
#include "gcs/frame.h"
#include "gcs_test_util.h"

#define CID "c0ffee00-0000-4000-8000-000000000001"
#define NULLCID HCS_GCS_NULL_CONTAINER_ID

/* Compares an encoded body with NN-name.body.json and its frame (with the
 * INDEX id = NN) with NN-name.frame.bin. */
static void check_golden(const char *name, uint64_t id, hcs_result hr, char *body,
                         size_t len)
{
    char rel[256];
    unsigned char *want, *frame_want;
    size_t wlen = 0, flen = 0, got_flen = 0;
    void *frame = NULL;
    const char *path;
    if (HCS_FAILED(hr))
        fail_msg("%s: encoder failed: %s", name, hcs_error_last()->message);
    assert_non_null(body);
    assert_int_equal(strlen(body), len);
    snprintf(rel, sizeof rel, "host-requests/%s.body.json", name);
    path = gt_golden(rel);
    if (!path)
        skip();
    want = gt_slurp(path, &wlen);
    if (!want)
        fail_msg("missing %s", path);
    if (wlen != len || memcmp(want, body, len) != 0)
        fail_msg("%s differs:\n got: %s\nwant: %s", name, body, (char *)want);
    snprintf(rel, sizeof rel, "host-requests/%s.frame.bin", name);
    frame_want = gt_slurp(gt_golden(rel), &flen);
    assert_non_null(frame_want);
    /* the type comes from the golden header (golden_type checks it) */
    {
        hcsi_gcs_header h;
        hcsi_gcs_header_unpack(frame_want, &h);
        assert_int_equal(hcs_gcs_encode_frame(h.type, id, body, len, &frame,
                                              &got_flen), 0);
    }
    assert_int_equal(got_flen, flen);
    assert_memory_equal(frame, frame_want, flen);
    hcs_free(frame);
    free(frame_want);
    free(want);
    hcs_free(body);
}

/* The encoder must run before its output is read (argument order). */
#define GOLDEN(name, id, call)                                                 \
    do {                                                                       \
        hcs_result hr_ = (call);                                              \
        check_golden(name, id, hr_, b, n);                                     \
    } while (0)

static uint32_t golden_type(const char *name)
{
    char rel[256];
    unsigned char *d;
    size_t n = 0;
    hcsi_gcs_header h;
    snprintf(rel, sizeof rel, "host-requests/%s.frame.bin", name);
    if (!gt_golden(rel))
        return 0;
    d = gt_slurp(gt_golden(rel), &n);
    assert_non_null(d);
    hcsi_gcs_header_unpack(d, &h);
    free(d);
    return h.type;
}

static void test_golden_negotiate(void **s)
{
    hcs_gcs_negotiate_request r;
    char *b = NULL;
    size_t n = 0;
    (void)s;
    memset(&r, 0, sizeof r);
    r.base.container_id = NULLCID;
    r.minimum_version = r.maximum_version = 4;
    GOLDEN("00-NegotiateProtocol", 0, hcs_gcs_encode_negotiate(&r, &b, &n));
    r.base.activity_id = "11111111-2222-3333-4444-555555555555";
    GOLDEN("01-NegotiateProtocol-with-ActivityId", 1, hcs_gcs_encode_negotiate(&r, &b, &n));
    r.base.activity_id = NULL;
    r.base.ocsc_json = "{\"TraceID\": \"0123456789abcdef0123456789abcdef\",\n"
                       " \"SpanID\":\"0123456789abcdef\", \"TraceOptions\":1}";
    GOLDEN("02-NegotiateProtocol-with-ocsc", 2, hcs_gcs_encode_negotiate(&r, &b, &n));
    assert_int_equal(golden_type("00-NegotiateProtocol") & 0x0FFFFFFFu,
                     HCS_GCS_RPC_NEGOTIATE_PROTOCOL);
}

static void test_golden_create(void **s)
{
    hcs_gcs_create_request r;
    hcs_gcs_time_zone tz;
    char *b = NULL, *cfg = NULL;
    size_t n = 0;
    (void)s;
    memset(&r, 0, sizeof r);
    memset(&tz, 0, sizeof tz);
    tz.bias = 480;
    tz.standard_name = "Pacific Standard Time";
    tz.daylight_name = "Pacific Daylight Time";
    tz.daylight_bias = -60;
    assert_int_equal(hcs_gcs_encode_uvm_config(&tz, &cfg), 0);
    r.base.container_id = NULLCID;
    r.container_config_json = cfg;
    GOLDEN("03-Create-UVM-null-container", 3, hcs_gcs_encode_create(&r, &b, &n));
    hcs_free(cfg);

    assert_int_equal(hcs_gcs_encode_lcow_container_config(
                         "/run/gcs/c/" CID,
                         "{ \"ociVersion\": \"1.1.0\",\n  \"process\": {\"user\":{\"uid\":0,\"gid\":0},"
                         "\"args\":[\"/bin/sh\",\"-c\",\"echo hi\"],\"env\":[\"PATH=/usr/bin:/bin\"],"
                         "\"cwd\":\"/\"},\"root\":{\"path\":\"/run/gcs/c/" CID "/rootfs\"},"
                         "\"linux\":{ }}",
                         "/run/gcs/c/" CID "/scratch", &cfg), 0);
    r.base.container_id = CID;
    r.container_config_json = cfg;
    GOLDEN("04-Create-LCOW-container", 4, hcs_gcs_encode_create(&r, &b, &n));
    hcs_free(cfg);
}

static void test_golden_base_only(void **s)
{
    hcs_gcs_request_base r;
    char *b = NULL;
    size_t n = 0;
    (void)s;
    memset(&r, 0, sizeof r);
    r.container_id = CID;
    GOLDEN("05-Start-container", 5, hcs_gcs_encode_base(&r, &b, &n));
    GOLDEN("06-ShutdownGraceful-container", 6, hcs_gcs_encode_base(&r, &b, &n));
    GOLDEN("07-ShutdownForced-container", 7, hcs_gcs_encode_base(&r, &b, &n));
    GOLDEN("20-DeleteContainerState", 20, hcs_gcs_encode_base(&r, &b, &n));
    r.container_id = NULLCID;
    GOLDEN("19-DumpStacks", 19, hcs_gcs_encode_base(&r, &b, &n));
}

static void test_golden_execute(void **s)
{
    hcs_gcs_execute_process_request r;
    static const char *const args[] = {"/bin/echo", "hello", NULL};
    static const char *const env[] = {"PATH=/usr/bin:/bin", NULL};
    char *b = NULL;
    size_t n = 0;
    (void)s;
    memset(&r, 0, sizeof r);
    r.base.container_id = NULLCID;
    r.params.command_args = args;
    r.params.working_directory = "/";
    r.params.environment = env;
    r.params.create_stdout_pipe = 1;
    r.stdout_port = 0x40000001u;
    GOLDEN("08-ExecuteProcess-UVM-echo-stdout", 8, hcs_gcs_encode_execute_process(&r, &b, &n));

    memset(&r, 0, sizeof r);
    r.base.container_id = NULLCID;
    r.params.command_line = "/bin/sh";
    r.params.working_directory = "/";
    r.params.emulate_console = 1;
    r.params.create_stdin_pipe = r.params.create_stdout_pipe = r.params.create_stderr_pipe = 1;
    r.params.console_height = 24;
    r.params.console_width = 80;
    r.stdin_port = 0x40000001u;
    r.stdout_port = 0x40000002u;
    r.stderr_port = 0x40000003u;
    GOLDEN("09-ExecuteProcess-UVM-all-pipes-tty", 9, hcs_gcs_encode_execute_process(&r, &b, &n));

    memset(&r, 0, sizeof r);
    r.base.container_id = CID;
    r.params.create_stdout_pipe = r.params.create_stderr_pipe = 1;
    r.params.oci_process_json = "{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"/bin/ls\",\"/\"],"
                                "\"env\":[\"PATH=/usr/bin:/bin\"],\"cwd\":\"/\"}";
    r.stdout_port = 0x40000004u;
    r.stderr_port = 0x40000005u;
    GOLDEN("10-ExecuteProcess-container-OciProcess", 10, hcs_gcs_encode_execute_process(&r, &b, &n));
}

static void test_golden_process_ops(void **s)
{
    hcs_gcs_wait_for_process_request w;
    hcs_gcs_signal_process_request sg;
    hcs_gcs_resize_console_request rz;
    char *b = NULL;
    size_t n = 0;
    (void)s;
    memset(&w, 0, sizeof w);
    w.base.container_id = NULLCID;
    w.process_id = 42;
    w.timeout_ms = HCS_GCS_INFINITE_WAIT;
    GOLDEN("11-WaitForProcess-infinite", 11, hcs_gcs_encode_wait_for_process(&w, &b, &n));
    memset(&sg, 0, sizeof sg);
    sg.base.container_id = CID;
    sg.process_id = 42;
    sg.has_options = 1;
    sg.signal = 15;
    GOLDEN("12-SignalProcess-SIGTERM", 12, hcs_gcs_encode_signal_process(&sg, &b, &n));
    sg.has_options = 0;
    GOLDEN("13-SignalProcess-Kill-nil-options", 13, hcs_gcs_encode_signal_process(&sg, &b, &n));
    memset(&rz, 0, sizeof rz);
    rz.base.container_id = NULLCID;
    rz.process_id = 42;
    rz.height = 24;
    rz.width = 80;
    GOLDEN("14-ResizeConsole", 14, hcs_gcs_encode_resize_console(&rz, &b, &n));
}

static void test_golden_properties_modify(void **s)
{
    hcs_gcs_get_properties_request g;
    hcs_gcs_modify_settings_request m;
    static const char *const t1[] = {"ProcessList", NULL};
    static const char *const t2[] = {"ProcessList", "Statistics", NULL};
    char *b = NULL, *q = NULL;
    size_t n = 0;
    (void)s;
    memset(&g, 0, sizeof g);
    g.base.container_id = CID;
    assert_int_equal(hcs_gcs_encode_property_query(t1, &q), 0);
    g.query_json = q;
    GOLDEN("15-GetProperties-v1-ProcessList", 15, hcs_gcs_encode_get_properties(&g, &b, &n));
    hcs_free(q);
    assert_int_equal(hcs_gcs_encode_property_query(t2, &q), 0);
    g.query_json = q;
    GOLDEN("16-GetProperties-v2-ProcessList-Statistics", 16, hcs_gcs_encode_get_properties(&g, &b, &n));
    hcs_free(q);

    memset(&m, 0, sizeof m);
    m.base.container_id = NULLCID;
    m.request_type = "Add";
    m.resource_type = "MappedVirtualDisk";
    m.settings_json = "{\"MountPath\":\"/run/mounts/scsi/m0\",\"Lun\":1,\"ReadOnly\":true}";
    GOLDEN("17-ModifySettings-UVM-MappedVirtualDisk-Add", 17, hcs_gcs_encode_modify_settings(&m, &b, &n));
    m.base.container_id = CID;
    m.request_type = "Update";
    m.resource_type = "ContainerConstraints";
    m.settings_json = "{\"Windows\":{},\"Linux\":{\"cpu\":{\"shares\":512}}}";
    GOLDEN("18-ModifySettings-container-ContainerConstraints-Update", 18, hcs_gcs_encode_modify_settings(&m, &b, &n));
}

/* An encoder succeeded and wrote exactly want (out is freed). */
static void expect_out(hcs_result hr, char *out, const char *want)
{
    if (HCS_FAILED(hr))
        fail_msg("encoder failed: %s", hcs_error_last()->message);
    assert_string_equal(out, want);
    hcs_free(out);
}

/* A macro so that out is read after call has set it. */
#define EXPECT_OUT(call, out, want)                                            \
    do {                                                                       \
        hcs_result hr_ = (call);                                              \
        expect_out(hr_, out, want);                                            \
    } while (0)

/* Shapes from the spec's §9 examples (no golden file). */
static void test_spec_shapes(void **s)
{
    hcs_gcs_execute_process_request e;
    hcs_gcs_modify_service_settings_request ms;
    hcs_gcs_negotiate_request ng;
    hcs_gcs_signal_process_request sg;
    hcs_gcs_update_container_request uc;
    hcs_gcs_create_request cr;
    hcs_gcs_time_zone tz;
    hcs_gcs_system_time zero;
    char *b = NULL, *cfg = NULL;
    static const char *const env[] = {"B=2", "A=1", "B=3", "C", NULL};
    (void)s;
    /* WCOW exec: GUID relay, Windows path escaping */
    memset(&e, 0, sizeof e);
    e.base.container_id = NULLCID;
    e.params.command_line = "cmd.exe /c echo hello";
    e.params.working_directory = "C:\\";
    e.params.create_stdout_pipe = e.params.create_stderr_pipe = 1;
    e.relay = HCS_GCS_RELAY_HVSOCK;
    e.stdout_port = 0x40000001u;
    e.stderr_port = 0x40000002u;
    EXPECT_OUT(hcs_gcs_encode_execute_process(&e, &b, NULL), b,
               "{\"ContainerId\":\"00000000-0000-0000-0000-000000000000\",\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"Settings\":{\"ProcessParameters\":\"{\\\"CommandLine\\\":\\\"cmd.exe /c echo hello\\\",\\\"WorkingDirectory\\\":\\\"C:\\\\\\\\\\\",\\\"CreateStdOutPipe\\\":true,\\\"CreateStdErrPipe\\\":true}\",\"StdioRelaySettings\":{\"StdOut\":\"40000001-facb-11e6-bd58-64006a7986d3\",\"StdErr\":\"40000002-facb-11e6-bd58-64006a7986d3\"}}}\n");
    /* no pipes: the relay object is still present; env sorted, last wins;
     * HTML characters escaped in the inner document only */
    memset(&e, 0, sizeof e);
    e.base.container_id = "c<1>";
    e.params.command_line = "a<b&c>";
    e.params.environment = env;
    EXPECT_OUT(hcs_gcs_encode_execute_process(&e, &b, NULL), b,
               "{\"ContainerId\":\"c<1>\",\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"Settings\":{\"ProcessParameters\":\"{\\\"CommandLine\\\":\\\"a\\\\u003cb\\\\u0026c\\\\u003e\\\",\\\"Environment\\\":{\\\"A\\\":\\\"1\\\",\\\"B\\\":\\\"3\\\",\\\"C\\\":\\\"\\\"}}\",\"VsockStdioRelaySettings\":{}}}\n");
    /* raw ProcessParameters override + CreateInUtilityVm */
    memset(&e, 0, sizeof e);
    e.base.container_id = "c1";
    e.process_parameters_json = " { \"CreateStdInPipe\" : true } ";
    EXPECT_OUT(hcs_gcs_encode_execute_process(&e, &b, NULL), b,
               "{\"ContainerId\":\"c1\",\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"Settings\":{\"ProcessParameters\":\"{\\\"CreateStdInPipe\\\":true}\",\"VsockStdioRelaySettings\":{}}}\n");
    /* ModifyServiceSettings, 202 bytes as in the spec */
    memset(&ms, 0, sizeof ms);
    ms.base.container_id = NULLCID;
    ms.property_type = "LogForwardService";
    ms.settings_json = "{\"RPCType\":\"StartLogForwarding\"}";
    assert_int_equal(hcs_gcs_encode_modify_service_settings(&ms, &b, NULL), 0);
    assert_int_equal(strlen(b) + 16, 202);
    hcs_free(b);
    /* real connect: ContainerId "" -> 125-byte frame */
    memset(&ng, 0, sizeof ng);
    ng.minimum_version = ng.maximum_version = 4;
    assert_int_equal(hcs_gcs_encode_negotiate(&ng, &b, NULL), 0);
    assert_int_equal(strlen(b) + 16, 125);
    hcs_free(b);
    /* otsc after ocsc; Windows signal; empty Options for signal 0 */
    memset(&sg, 0, sizeof sg);
    sg.base.container_id = "c1";
    sg.base.otsc_json = "{\"traceparent\":\"00-ab-cd-01\"}";
    sg.process_id = 7;
    sg.has_options = 1;
    sg.windows_signal = "CtrlC";
    EXPECT_OUT(hcs_gcs_encode_signal_process(&sg, &b, NULL), b,
               "{\"ContainerId\":\"c1\",\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"otsc\":{\"traceparent\":\"00-ab-cd-01\"},\"ProcessId\":7,\"Options\":{\"Signal\":\"CtrlC\"}}\n");
    sg.base.otsc_json = NULL;
    sg.windows_signal = NULL;
    EXPECT_OUT(hcs_gcs_encode_signal_process(&sg, &b, NULL), b,
               "{\"ContainerId\":\"c1\",\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"ProcessId\":7,\"Options\":{}}\n");
    /* UpdateContainer: Resources double-encoded */
    memset(&uc, 0, sizeof uc);
    uc.base.container_id = "c1";
    uc.resources_json = "{\"a\":1}";
    EXPECT_OUT(hcs_gcs_encode_update_container(&uc, &b, NULL), b,
               "{\"ContainerId\":\"c1\",\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"Resources\":\"{\\\"a\\\":1}\"}\n");
    /* UTC null-container Create from the spec (Size 336) */
    memset(&tz, 0, sizeof tz);
    memset(&zero, 0, sizeof zero);
    tz.standard_name = tz.daylight_name = "Coordinated Universal Time";
    tz.standard_date = tz.daylight_date = &zero;
    assert_int_equal(hcs_gcs_encode_uvm_config(&tz, &cfg), 0);
    memset(&cr, 0, sizeof cr);
    cr.base.container_id = NULLCID;
    cr.container_config_json = cfg;
    assert_int_equal(hcs_gcs_encode_create(&cr, &b, NULL), 0);
    assert_int_equal(strlen(b) + 16, 336);
    hcs_free(b);
    hcs_free(cfg);
    assert_int_equal(hcs_gcs_encode_uvm_config(NULL, &cfg), 0);
    assert_string_equal(cfg, "{\"SystemType\":\"Container\",\"TimeZoneInformation\":null}");
    hcs_free(cfg);
}

static void test_encode_rejects(void **s)
{
    hcs_gcs_modify_settings_request m;
    hcs_gcs_create_request c;
    char *b = (char *)"x";
    (void)s;
    memset(&m, 0, sizeof m);
    m.settings_json = "{\"a\":}";
    assert_int_equal(hcs_gcs_encode_modify_settings(&m, &b, NULL), HCS_ERR_INVALID_JSON);
    assert_null(b);
    gt_expect_msg("Settings");
    memset(&c, 0, sizeof c);
    c.container_config_json = "{} {}";
    assert_int_equal(hcs_gcs_encode_create(&c, &b, NULL), HCS_ERR_INVALID_JSON);
    gt_expect_msg("ContainerConfig");
    assert_int_equal(hcs_gcs_encode_create(NULL, &b, NULL), HCS_ERR_INVALIDARG);
}

static void test_raw_compaction(void **s)
{
    hcsi_buf b;
    (void)s;
    hcsi_buf_init(&b, 0);
    assert_int_equal(hcsi_gcs_append_raw(&b, " { \"a b\" : [ 1.50 , \"x\\\" <y>\" ,"
                                              "\"\xE2\x80\xA8\" ] }\n", "t", 1), 0);
    assert_string_equal(b.data, "{\"a b\":[1.50,\"x\\\" \\u003cy\\u003e\",\"\\u2028\"]}");
    b.len = 0;
    assert_int_equal(hcsi_gcs_append_raw(&b, "\"<&>\"", "t", 0), 0);
    assert_string_equal(b.data, "\"<&>\"");
    hcsi_buf_free(&b);
}

/* ---- decoders ---- */

static void test_decode_negotiate(void **s)
{
    hcs_gcs_negotiate_response r;
    const char *body =
        "{\"Result\":0,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"Version\":4,"
        "\"Capabilities\":{\"SupportedSchemaVersions\":[{\"Major\":2,\"Minor\":1}],"
        "\"RuntimeOsType\":\"Linux\",\"GuestDefinedCapabilities\":{\"NamespaceAddRequestSupported\":true,"
        "\"SignalProcessSupported\":true,\"DumpStacksSupported\":true,\"DeleteContainerStateSupported\":true}}}";
    (void)s;
    assert_int_equal(hcs_gcs_decode_negotiate_response(body, strlen(body), &r), 0);
    assert_int_equal(r.base.result, 0);
    assert_int_equal(r.version, 4);
    assert_true(r.has_capabilities);
    assert_string_equal(r.capabilities.runtime_os_type, "Linux");
    assert_int_equal(r.capabilities.supported_schema_version_count, 1);
    assert_int_equal(r.capabilities.supported_schema_versions[0].major, 2);
    assert_int_equal(r.capabilities.supported_schema_versions[0].minor, 1);
    assert_true(r.capabilities.has_guest_defined);
    assert_true(r.capabilities.dump_stacks_supported);
    assert_true(r.capabilities.delete_container_state_supported);
    assert_false(r.capabilities.log_forwarding_supported);
    assert_false(r.capabilities.send_host_create_message);
    assert_non_null(strstr(r.capabilities_json, "\"RuntimeOsType\":\"Linux\""));
    hcs_gcs_negotiate_response_clear(&r);
    hcs_gcs_negotiate_response_clear(&r); /* idempotent */

    /* lenient: case-insensitive keys, unknown keys, missing optionals,
     * null GuestDefinedCapabilities, trailing newline */
    body = "{\"result\":0,\"VERSION\":4,\"Extra\":[1,{\"x\":null}],"
           "\"Capabilities\":{\"SendHostCreateMessage\":true,\"GuestDefinedCapabilities\":null,"
           "\"Unknown\":\"x\"}}\n";
    assert_int_equal(hcs_gcs_decode_negotiate_response(body, strlen(body), &r), 0);
    assert_int_equal(r.version, 4);
    assert_true(r.capabilities.send_host_create_message);
    assert_true(r.capabilities.has_guest_defined);
    assert_null(r.capabilities.guest_defined_json);
    assert_null(r.capabilities.runtime_os_type);
    hcs_gcs_negotiate_response_clear(&r);
}

static void test_decode_errors(void **s)
{
    hcs_gcs_response_base b;
    hcs_gcs_wait_for_process_response w;
    hcs_gcs_get_properties_response g;
    hcs_gcs_notification nt;
    const char *body =
        "{\"Result\":-1070137074,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\","
        "\"ErrorMessage\":\"HRESULT: 0xc037010e\",\"ErrorRecords\":[{\"Result\":-1070137074,"
        "\"Message\":\"HRESULT: 0xc037010e\",\"ModuleName\":\"gcs\",\"FileName\":\"\",\"Line\":4294967295}]}";
    (void)s;
    assert_int_equal(hcs_gcs_decode_response_base(body, strlen(body), &b), 0);
    assert_int_equal((uint32_t)b.result, 0xC037010Eu);
    assert_string_equal(b.error_message, "HRESULT: 0xc037010e");
    assert_int_equal(b.error_record_count, 1);
    assert_int_equal((uint32_t)b.error_records[0].result, 0xC037010Eu);
    assert_string_equal(b.error_records[0].module_name, "gcs");
    assert_int_equal(b.error_records[0].line, 4294967295u);
    assert_null(b.error_records[0].stack_trace);
    assert_non_null(strstr(b.error_records_json, "\"ModuleName\":\"gcs\""));
    /* the error for a failed RPC carries the records as detail */
    assert_int_equal(hcsi_gcs_guest_error("SignalProcess", &b), (hcs_result)0xC037010Eu);
    gt_expect_msg("SignalProcess: guest returned 0xC037010E: HRESULT: 0xc037010e");
    assert_non_null(hcs_error_last()->detail);
    assert_non_null(strstr(hcs_error_last()->detail, "\"Line\":4294967295"));
    hcs_gcs_response_base_clear(&b);

    /* unsigned Result form accepted */
    body = "{\"Result\":3224830222}";
    assert_int_equal(hcs_gcs_decode_response_base(body, strlen(body), &b), 0);
    assert_int_equal((uint32_t)b.result, 0xC037010Eu);
    hcs_gcs_response_base_clear(&b);

    /* wrong JSON types and ranges */
    body = "{\"Result\":\"0\"}";
    assert_int_equal(hcs_gcs_decode_response_base(body, strlen(body), &b), HCS_ERR_INVALID_JSON);
    gt_expect_msg("Result");
    body = "{\"Result\":4294967296}";
    assert_int_equal(hcs_gcs_decode_response_base(body, strlen(body), &b), HCS_ERR_INVALID_JSON);
    body = "{\"Result\":0,\"ErrorRecords\":{}}";
    assert_int_equal(hcs_gcs_decode_response_base(body, strlen(body), &b), HCS_ERR_INVALID_JSON);
    gt_expect_msg("ErrorRecords");
    body = "{\"Result\":0,\"ErrorRecords\":[1]}";
    assert_int_equal(hcs_gcs_decode_response_base(body, strlen(body), &b), HCS_ERR_INVALID_JSON);
    gt_expect_msg("ErrorRecords[0]");
    body = "{\"ExitCode\":-1}";
    assert_int_equal(hcs_gcs_decode_wait_for_process_response(body, strlen(body), &w),
                     HCS_ERR_INVALID_JSON);
    gt_expect_msg("ExitCode");
    body = "[]";
    assert_int_equal(hcs_gcs_decode_response_base(body, strlen(body), &b), HCS_ERR_INVALID_JSON);
    gt_expect_msg("expected a JSON object");
    body = "{\"Result\":0";
    assert_int_equal(hcs_gcs_decode_response_base(body, strlen(body), &b), HCS_ERR_INVALID_JSON);
    assert_int_equal(hcs_gcs_decode_response_base("", 0, &b), HCS_ERR_INVALID_JSON);

    /* double-encoded Properties */
    body = "{\"Result\":0,\"Properties\":\"{\\\"ProcessList\\\":[{\\\"ProcessId\\\":28}]}\"}";
    assert_int_equal(hcs_gcs_decode_get_properties_response(body, strlen(body), &g), 0);
    assert_string_equal(g.properties_json, "{\"ProcessList\":[{\"ProcessId\":28}]}");
    hcs_gcs_get_properties_response_clear(&g);
    body = "{\"Result\":0,\"Properties\":{\"ProcessList\":[]}}";
    assert_int_equal(hcs_gcs_decode_get_properties_response(body, strlen(body), &g),
                     HCS_ERR_INVALID_JSON);
    body = "{\"Result\":0,\"Properties\":\"\"}";
    assert_int_equal(hcs_gcs_decode_get_properties_response(body, strlen(body), &g),
                     HCS_ERR_INVALID_JSON);
    gt_expect_msg("Properties");

    /* notification */
    body = "{\"ContainerId\":\"c1\",\"ActivityId\":\"00000000-0000-0000-0000-000000000000\","
           "\"Type\":\"UnexpectedExit\",\"Operation\":\"None\",\"Result\":0}";
    assert_int_equal(hcs_gcs_decode_notification(body, strlen(body), &nt), 0);
    assert_string_equal(nt.container_id, "c1");
    assert_string_equal(nt.type, "UnexpectedExit");
    assert_string_equal(nt.operation, "None");
    assert_null(nt.result_info_json);
    hcs_gcs_notification_clear(&nt);
    body = "{\"ContainerId\":5}";
    assert_int_equal(hcs_gcs_decode_notification(body, strlen(body), &nt), HCS_ERR_INVALID_JSON);
    assert_null(nt.container_id);
    body = "{}";
    assert_int_equal(hcs_gcs_decode_notification(body, strlen(body), &nt), 0);
    assert_string_equal(nt.container_id, "");
    hcs_gcs_notification_clear(&nt);
}

/* Every gcs->host frame of the live recordings decodes. */
static void decode_live_dir(const char *dir)
{
    char rel[256];
    int i, n = 0;
    for (i = 0; i < 64; i++) {
        int id;
        const char *kinds[] = {"resp", "notify"};
        size_t k;
        for (k = 0; k < 2; k++) {
            for (id = 0; id < 32; id++) {
                unsigned char *d;
                size_t len = 0, used = 0;
                hcs_gcs_frame f;
                hcs_result hr;
                snprintf(rel, sizeof rel, "%s/%02d-g2h-%s-id%d.frame.bin", dir, i, kinds[k], id);
                d = gt_slurp(gt_golden(rel), &len);
                if (!d)
                    continue;
                assert_int_equal(hcs_gcs_frame_parse(d, len, 0, &f, &used), 0);
                assert_int_equal(used, len);
                switch (f.type & 0x0FFFFFFFu) {
                case HCS_GCS_RPC_NEGOTIATE_PROTOCOL: {
                    hcs_gcs_negotiate_response r;
                    hr = hcs_gcs_decode_negotiate_response(f.body, f.body_len, &r);
                    hcs_gcs_negotiate_response_clear(&r);
                    break;
                }
                case HCS_GCS_RPC_EXECUTE_PROCESS: {
                    hcs_gcs_execute_process_response r;
                    hr = hcs_gcs_decode_execute_process_response(f.body, f.body_len, &r);
                    if (HCS_SUCCEEDED(hr) && r.base.result == 0)
                        assert_true(r.process_id > 0);
                    hcs_gcs_execute_process_response_clear(&r);
                    break;
                }
                case HCS_GCS_RPC_DUMP_STACKS: {
                    hcs_gcs_dump_stacks_response r;
                    hr = hcs_gcs_decode_dump_stacks_response(f.body, f.body_len, &r);
                    assert_non_null(r.guest_stacks);
                    assert_non_null(strstr(r.guest_stacks, "goroutine"));
                    hcs_gcs_dump_stacks_response_clear(&r);
                    break;
                }
                case HCS_GCS_RPC_CREATE: {
                    hcs_gcs_create_response r;
                    hr = hcs_gcs_decode_create_response(f.body, f.body_len, &r);
                    if (r.base.result)
                        assert_true(r.base.error_records && r.base.error_records[0].stack_trace);
                    hcs_gcs_create_response_clear(&r);
                    break;
                }
                default:
                    if (f.type == HCS_GCS_NOTIFY_CONTAINER) {
                        hcs_gcs_notification nt;
                        hr = hcs_gcs_decode_notification(f.body, f.body_len, &nt);
                        assert_string_equal(nt.type, "UnexpectedExit");
                        hcs_gcs_notification_clear(&nt);
                    } else {
                        hcs_gcs_response_base r;
                        hr = hcs_gcs_decode_response_base(f.body, f.body_len, &r);
                        hcs_gcs_response_base_clear(&r);
                    }
                }
                if (HCS_FAILED(hr))
                    fail_msg("%s: %s", rel, hcs_error_last()->message);
                free(d);
                n++;
            }
        }
    }
    assert_true(n >= 10);
}

static void test_decode_live(void **s)
{
    (void)s;
    if (!gt_golden("x"))
        skip();
    decode_live_dir("live-container");
    decode_live_dir("live-uvm-processes");
}

/* Typed ModifySettings documents (hcsshim's guestresource shapes). */
static void test_resource_documents(void **s)
{
    hcs_gcs_mapped_virtual_disk d;
    hcs_gcs_mapped_directory md;
    hcs_gcs_combined_layers cl;
    hcs_gcs_network_adapter na;
    hcs_gcs_vpmem_device vp;
    hcs_ip_config ip = {"10.0.0.2", 24};
    hcs_ip_route rt = {"10.0.0.1", "0.0.0.0/0", 0};
    static const char *const opts[] = {"noatime", NULL};
    static const char *const layers[] = {"/run/layers/p0", "/run/layers/p1", NULL};
    char *doc = NULL;
    (void)s;
    memset(&d, 0, sizeof d);
    d.mount_path = "/run/mounts/scsi/m0";
    d.lun = 1;
    d.read_only = 1;
    /* the Settings of golden 17 */
    EXPECT_OUT(hcs_gcs_encode_mapped_virtual_disk(&d, &doc), doc,
               "{\"MountPath\":\"/run/mounts/scsi/m0\",\"Lun\":1,\"ReadOnly\":true}");
    d.controller = 2;
    d.partition = 3;
    d.options = opts;
    d.ensure_filesystem = 1;
    d.filesystem = "ext4";
    EXPECT_OUT(hcs_gcs_encode_mapped_virtual_disk(&d, &doc), doc,
               "{\"MountPath\":\"/run/mounts/scsi/m0\",\"Lun\":1,\"Controller\":2,"
               "\"Partition\":3,\"ReadOnly\":true,\"Options\":[\"noatime\"],"
               "\"EnsureFilesystem\":true,\"Filesystem\":\"ext4\"}");
    memset(&md, 0, sizeof md);
    md.mount_path = "/run/mounts/m1";
    md.port = 564;
    md.share_name = "share";
    EXPECT_OUT(hcs_gcs_encode_mapped_directory(&md, &doc), doc,
               "{\"MountPath\":\"/run/mounts/m1\",\"Port\":564,\"ShareName\":\"share\"}");
    memset(&cl, 0, sizeof cl);
    cl.container_id = "c1";
    cl.container_root_path = "/run/gcs/c/c1/rootfs";
    cl.layer_paths = layers;
    cl.scratch_path = "/run/gcs/c/c1/scratch";
    EXPECT_OUT(hcs_gcs_encode_combined_layers(&cl, &doc), doc,
               "{\"ContainerID\":\"c1\",\"ContainerRootPath\":\"/run/gcs/c/c1/rootfs\","
               "\"Layers\":[{\"Path\":\"/run/layers/p0\"},{\"Path\":\"/run/layers/p1\"}],"
               "\"ScratchPath\":\"/run/gcs/c/c1/scratch\"}");
    memset(&na, 0, sizeof na);
    na.namespace_id = "ns";
    na.id = "eth0";
    na.mac_address = "00-15-5D-00-00-01";
    na.dns_server_list = "10.0.0.1,8.8.8.8";
    na.encap_overhead = 50;
    na.ip_configs = &ip;
    na.ip_config_count = 1;
    na.routes = &rt;
    na.route_count = 1;
    na.enable_low_metric = 1;
    EXPECT_OUT(hcs_gcs_encode_network_adapter(&na, &doc), doc,
               "{\"NamespaceID\":\"ns\",\"ID\":\"eth0\",\"MacAddress\":\"00-15-5D-00-00-01\","
               "\"DNSServerList\":\"10.0.0.1,8.8.8.8\",\"EncapOverhead\":50,"
               "\"IPConfigs\":[{\"IPAddress\":\"10.0.0.2\",\"PrefixLength\":24}],"
               "\"Routes\":[{\"NextHop\":\"10.0.0.1\",\"DestinationPrefix\":\"0.0.0.0/0\"}],"
               "\"EnableLowMetric\":true}");
    memset(&vp, 0, sizeof vp);
    vp.device_number = 3;
    vp.mount_path = "/run/layers/p3";
    vp.has_mapping = 1;
    vp.device_offset_in_bytes = 4096;
    vp.device_size_in_bytes = 1ull << 33;
    EXPECT_OUT(hcs_gcs_encode_vpmem_device(&vp, &doc), doc,
               "{\"DeviceNumber\":3,\"MountPath\":\"/run/layers/p3\",\"MappingInfo\":"
               "{\"DeviceOffsetInBytes\":4096,\"DeviceSizeInBytes\":8589934592}}");
    assert_int_equal(hcs_gcs_encode_vpmem_device(NULL, &doc), HCS_ERR_INVALIDARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_negotiate),
        cmocka_unit_test(test_golden_create),
        cmocka_unit_test(test_golden_base_only),
        cmocka_unit_test(test_golden_execute),
        cmocka_unit_test(test_golden_process_ops),
        cmocka_unit_test(test_golden_properties_modify),
        cmocka_unit_test(test_spec_shapes),
        cmocka_unit_test(test_encode_rejects),
        cmocka_unit_test(test_raw_compaction),
        cmocka_unit_test(test_decode_negotiate),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_decode_live),
        cmocka_unit_test(test_resource_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
