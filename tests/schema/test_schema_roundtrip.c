/* Schema layer: decode -> encode round trips of every example document in
 * ../shared/docs/hcs-schema.md and every HCS document carried by the golden
 * GCS bridge frames (../shared/golden), plus presence / 64-bit / unknown-field
 * semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define ST_WITH_DOCS /* g_docs: the JSON examples of hcs-schema.md */
#include "schema_test_util.h"

static int g_checked; /* documents round-tripped by the current test */
static int g_exact;   /* 1: the re-encoded document must be byte-identical */

/* Decode strictly (no member may be unknown), encode, compare as values;
 * and the validator must find nothing (no version target). */
static void roundtrip(const char *what, const char *tname, const char *json, size_t len)
{
    hcs_schema_type_id id;
    void *obj;
    char *out = NULL;
    size_t olen = 0;
    hcs_schema_type_info ti;
    hcs_schema_report *rep = NULL;
    hcs_result hr;

    if (!hcs_schema_type_lookup(tname, &id))
        fail_msg("%s: no type %s", what, tname);
    assert_int_equal(hcs_schema_type_get_info(id, &ti), HCS_S_OK);
    obj = calloc(1, ti.struct_size);
    assert_non_null(obj);
    hr = hcs_schema_decode(id, json, len, HCS_SCHEMA_DECODE_STRICT, obj);
    if (HCS_FAILED(hr))
        fail_msg("%s: decode as %s failed: %s\n%.*s", what, tname, hcs_error_last()->message, (int)len, json);
    hr = hcs_schema_encode(id, obj, 0, &out, &olen);
    if (HCS_FAILED(hr))
        fail_msg("%s: encode failed: %s", what, hcs_error_last()->message);
    if (!st_text_equal(json, len, out, olen))
        fail_msg("%s: round trip differs\n in: %.*s\nout: %s", what, (int)len, json, out);
    /* hcsshim's own bytes (compact Go encoding): we reproduce them exactly */
    if (g_exact && (olen != len || memcmp(out, json, len) != 0))
        fail_msg("%s: not byte-identical\n in: %.*s\nout: %s", what, (int)len, json, out);
    hr = hcs_schema_validate(id, json, len, NULL, 0, &rep);
    if (HCS_FAILED(hr) || rep->count) {
        size_t i;
        for (i = 0; rep && i < rep->count; i++)
            print_message("  %s: %s\n", rep->problems[i].path, rep->problems[i].message);
        fail_msg("%s: validation of %s reported problems", what, tname);
    }
    hcs_schema_report_free(rep);
    hcs_free(out);
    hcs_schema_free_members(id, obj);
    free(obj);
    g_checked++;
}

/* Round-trips member `key` of obj: an embedded document, or a JSON string
 * holding one (hcsshim's AnyInString). */
static void roundtrip_member(const char *what, const char *tname, const hcsi_json *obj, const char *key)
{
    hcsi_json *m = hcsi_json_get(obj, key);
    char *text = NULL;
    if (!m)
        fail_msg("%s: no member %s", what, key);
    if (hcsi_json_kind_of(m) == HCSI_JSON_STRING) {
        size_t n;
        const char *s = hcsi_json_str(m, &n);
        roundtrip(what, tname, s, n);
        return;
    }
    assert_int_equal(hcsi_json_to_string(m, 0, &text), HCS_S_OK);
    roundtrip(what, tname, text, strlen(text));
    free(text);
}

/* ---------------------------------------------------------------- doc examples */

static const char *const doc_types[] = {
    "ComputeSystem",            /* 6.1 process-isolated Windows container */
    "ComputeSystem",            /* 6.2 LCOW utility VM */
    "ModifySettingRequest",     /* SCSI hot-add */
    "ModifySettingRequest",     /* guest-only MappedVirtualDisk */
    "ModifySettingRequest",     /* VPMem layer */
    "ModifySettingRequest",     /* NIC hot-add */
    NULL,                       /* bridge ContainerCreate: its ContainerConfig, below */
    "hcn.HostComputeNetwork",   /* 6.3 */
    "hcn.HostComputeEndpoint",  /* 6.4 */
    "hcn.HostComputeNamespace",
    "hcn.HostComputeQuery",
    "System_PropertyQuery",
    "ProcessParameters",
};


static void test_doc_examples(void **state)
{
    size_t i;
    (void)state;
    if (!g_ndocs)
        skip();
    assert_int_equal(g_ndocs, sizeof doc_types / sizeof doc_types[0]);
    g_checked = 0;
    for (i = 0; i < g_ndocs; i++) {
        char what[64];
        snprintf(what, sizeof what, "hcs-schema.md example %zu", i + 1);
        if (doc_types[i]) {
            roundtrip(what, doc_types[i], g_docs[i], strlen(g_docs[i]));
        } else {
            hcsi_json *j = NULL;
            assert_int_equal(hcsi_json_parse(g_docs[i], strlen(g_docs[i]), "doc", &j), HCS_S_OK);
            roundtrip_member(what, "guest.LCOWContainerConfig", j, "ContainerConfig");
            hcsi_json_put(j);
        }
    }
    assert_int_equal(g_checked, 13);
}

/* The LCOW example declares schema 2.1 but uses LinuxKernelDirect (2.2), as
 * hcsshim does: gating against 2.1 reports exactly that, once. */
static void test_doc_lcow_version_gate(void **state)
{
    hcs_schema_version v21 = {2, 1}, v22 = {2, 2};
    hcs_schema_report *rep = NULL;
    (void)state;
    if (g_ndocs < 2)
        skip();
    assert_int_equal(hcs_schema_validate(HCS_SCHEMA_S2_ComputeSystem, g_docs[1], strlen(g_docs[1]), &v21, 0, &rep),
                     HCS_ERR_INVALID_JSON);
    assert_int_equal(rep->count, 1);
    assert_int_equal(rep->problems[0].kind, HCS_SCHEMA_PROBLEM_TOO_NEW);
    assert_string_equal(rep->problems[0].path, "VirtualMachine.Chipset.LinuxKernelDirect");
    assert_string_equal(rep->problems[0].message, "requires 2.2; target is 2.1");
    hcs_schema_report_free(rep);
    assert_int_equal(hcs_schema_validate(HCS_SCHEMA_S2_ComputeSystem, g_docs[1], strlen(g_docs[1]), &v22, 0, &rep),
                     HCS_S_OK);
    assert_int_equal(rep->count, 0);
    hcs_schema_report_free(rep);
    /* The WCOW example only uses 2.0/2.1 fields. */
    assert_int_equal(hcs_schema_validate(HCS_SCHEMA_S2_ComputeSystem, g_docs[0], strlen(g_docs[0]), &v21, 0, NULL),
                     HCS_S_OK);
}

/* ---------------------------------------------------------------- golden frames */

static void golden_body(const char *what, unsigned type, const hcsi_json *body)
{
    g_exact = 1;
    switch (type) {
    case 0x10100101u: { /* Create */
        hcsi_json *cc = hcsi_json_get(body, "ContainerConfig");
        const char *s = cc ? hcsi_json_str(cc, NULL) : "";
        roundtrip_member(what, strstr(s, "\"SystemType\"") ? "guest.UvmConfig" : "guest.LCOWContainerConfig",
                         body, "ContainerConfig");
        break;
    }
    case 0x10100501u: /* ExecuteProcess */
        roundtrip_member(what, "guest.LCOWProcessParameters", hcsi_json_get(body, "Settings"), "ProcessParameters");
        break;
    case 0x10100901u: /* GetProperties */
        roundtrip_member(what, "System_PropertyQuery", body, "Query");
        break;
    case 0x20100901u: /* GetProperties response */
        roundtrip_member(what, "Properties", body, "Properties");
        break;
    case 0x10100a01u: /* ModifySettings */
        roundtrip_member(what, "guest.ModificationRequest", body, "Request");
        break;
    case 0x20100b01u: /* NegotiateProtocol response */
        roundtrip_member(what, "guest.GcsCapabilities", body, "Capabilities");
        break;
    default:
        break;
    }
    g_exact = 0;
}

static void test_golden_host_requests(void **state)
{
    static const struct { const char *file; unsigned type; } files[] = {
        {"03-Create-UVM-null-container", 0x10100101u},
        {"04-Create-LCOW-container", 0x10100101u},
        {"08-ExecuteProcess-UVM-echo-stdout", 0x10100501u},
        {"09-ExecuteProcess-UVM-all-pipes-tty", 0x10100501u},
        {"10-ExecuteProcess-container-OciProcess", 0x10100501u},
        {"15-GetProperties-v1-ProcessList", 0x10100901u},
        {"16-GetProperties-v2-ProcessList-Statistics", 0x10100901u},
        {"17-ModifySettings-UVM-MappedVirtualDisk-Add", 0x10100a01u},
        {"18-ModifySettings-container-ContainerConstraints-Update", 0x10100a01u},
    };
    size_t i;
    (void)state;
    {
        char *idx = tu_golden("host-requests/INDEX.tsv") ? tu_slurp(tu_golden("host-requests/INDEX.tsv"), NULL) : NULL;
        if (!idx)
            skip();
        free(idx);
    }
    g_checked = 0;
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[256];
        size_t n = 0;
        char *body;
        hcsi_json *j = NULL;
        snprintf(rel, sizeof rel, "host-requests/%s.body.json", files[i].file);
        body = tu_slurp(tu_golden(rel), &n);
        assert_non_null(body);
        assert_int_equal(hcsi_json_parse(body, n, rel, &j), HCS_S_OK);
        golden_body(rel, files[i].type, j);
        hcsi_json_put(j);
        free(body);
    }
    assert_int_equal(g_checked, 9);
}

static void golden_jsonl(const char *rel, int expect)
{
    size_t n;
    char *text = tu_slurp(tu_golden(rel), &n), *line, *next;
    int lineno = 0;
    if (!text)
        skip();
    g_checked = 0;
    for (line = text; line && *line; line = next) {
        hcsi_json *fr = NULL, *body = NULL;
        const char *b, *ts;
        size_t bl;
        char what[300];
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        lineno++;
        if (!*line)
            continue;
        assert_int_equal(hcsi_json_parse(line, strlen(line), rel, &fr), HCS_S_OK);
        ts = hcsi_json_str(hcsi_json_get(fr, "type"), NULL);
        b = hcsi_json_str(hcsi_json_get(fr, "body"), &bl);
        snprintf(what, sizeof what, "%s line %d", rel, lineno);
        assert_int_equal(hcsi_json_parse(b, bl, what, &body), HCS_S_OK);
        golden_body(what, (unsigned)strtoul(ts, NULL, 16), body);
        hcsi_json_put(body);
        hcsi_json_put(fr);
    }
    free(text);
    assert_int_equal(g_checked, expect);
}

static void test_golden_live_uvm(void **state)
{
    (void)state;
    /* NegotiateProtocol response, 4 ExecuteProcess, 1 Create */
    golden_jsonl("live-uvm-processes/frames.jsonl", 6);
}

static void test_golden_live_container(void **state)
{
    (void)state;
    /* Negotiate response, 2 ModifySettings, Create, ExecuteProcess,
     * GetProperties request + response */
    golden_jsonl("live-container/frames.jsonl", 7);
}

/* ---------------------------------------------------------------- semantics */

static void test_presence(void **state)
{
    /* "Plan9": {} and 0 survive; absent stays absent. */
    static const char in[] =
        "{\"VirtualMachine\":{\"Devices\":{\"Plan9\":{},\"Scsi\":{\"c\":{}},\"Keyboard\":{}},"
        "\"ComputeTopology\":{\"Memory\":{\"SizeInMB\":0,\"AllowOvercommit\":false}}},"
        "\"Owner\":\"\",\"ShouldTerminateOnLastHandleClosed\":false}";
    hcs_s2_ComputeSystem cs;
    char *out = NULL;
    (void)state;
    assert_int_equal(hcs_s2_ComputeSystem_decode(in, sizeof in - 1, HCS_SCHEMA_DECODE_STRICT, &cs), HCS_S_OK);
    assert_non_null(cs.VirtualMachine->Devices->Plan9);
    assert_null(cs.VirtualMachine->Devices->VirtualSmb);
    assert_int_equal(cs.VirtualMachine->Devices->Scsi.n, 1);
    assert_string_equal(cs.VirtualMachine->Devices->Scsi.keys[0], "c");
    assert_true(cs.VirtualMachine->ComputeTopology->Memory->SizeInMB.set);
    assert_false(cs.VirtualMachine->ComputeTopology->Memory->EnableHotHint.set);
    assert_true(cs.ShouldTerminateOnLastHandleClosed.set);
    assert_int_equal(cs.ShouldTerminateOnLastHandleClosed.v, 0);
    assert_null(cs.Container);
    assert_int_equal(hcs_s2_ComputeSystem_encode(&cs, 0, &out), HCS_S_OK);
    assert_true(st_text_equal(in, sizeof in - 1, out, strlen(out)));
    hcs_free(out);
    hcs_s2_ComputeSystem_dispose(&cs);
    assert_null(cs.VirtualMachine);
}

static void test_int64_exact(void **state)
{
    static const char in[] =
        "{\"SizeInMB\":18446744073709551615,\"Backing\":\"Virtual\",\"LowMmioGapInMB\":9007199254740993}";
    static const char neg[] = "{\"Count\":1,\"Weight\":9223372036854775807,\"Maximum\":-9223372036854775808}";
    hcs_s2_VirtualMachine_Memory m;
    hcs_s2_Container_Processor p;
    char *out = NULL;
    (void)state;
    assert_int_equal(hcs_s2_VirtualMachine_Memory_decode(in, sizeof in - 1, 0, &m), HCS_S_OK);
    assert_true(m.SizeInMB.v == UINT64_MAX);
    assert_true(m.LowMmioGapInMB.v == 9007199254740993ull);
    assert_int_equal(m.Backing.v, HCS_S2_MemoryBackingType_Virtual);
    assert_int_equal(hcs_s2_VirtualMachine_Memory_encode(&m, 0, &out), HCS_S_OK);
    assert_string_equal(out, in);
    hcs_free(out);
    hcs_s2_VirtualMachine_Memory_dispose(&m);
    assert_int_equal(hcs_s2_Container_Processor_decode(neg, sizeof neg - 1, 0, &p), HCS_S_OK);
    assert_true(p.Maximum.v == INT64_MIN);
    assert_true(p.Weight.v == INT64_MAX);
    assert_int_equal(hcs_s2_Container_Processor_encode(&p, 0, &out), HCS_S_OK);
    assert_string_equal(out, neg);
    hcs_free(out);
    hcs_s2_Container_Processor_dispose(&p);
}

static void test_unknown_kept_or_reported(void **state)
{
    static const char in[] =
        "{\"Type\":\"VirtualDisk\",\"FutureField\":{\"x\":[1,2]},\"Path\":\"a.vhdx\",\"Later\":true}";
    static const char want[] =
        "{\"Type\":\"VirtualDisk\",\"Path\":\"a.vhdx\",\"FutureField\":{\"x\":[1,2]},\"Later\":true}";
    hcs_s2_Attachment a;
    char *out = NULL;
    (void)state;
    /* lenient: kept and re-emitted */
    assert_int_equal(hcs_s2_Attachment_decode(in, sizeof in - 1, 0, &a), HCS_S_OK);
    assert_non_null(a._unknown);
    assert_int_equal(hcs_s2_Attachment_encode(&a, 0, &out), HCS_S_OK);
    assert_string_equal(out, want);
    hcs_free(out);
    assert_int_equal(hcs_s2_Attachment_encode(&a, HCS_SCHEMA_ENCODE_DROP_UNKNOWN, &out), HCS_S_OK);
    assert_string_equal(out, "{\"Type\":\"VirtualDisk\",\"Path\":\"a.vhdx\"}");
    hcs_free(out);
    hcs_s2_Attachment_dispose(&a);
    /* strict: reported with its path */
    assert_int_equal(hcs_s2_Attachment_decode(in, sizeof in - 1, HCS_SCHEMA_DECODE_STRICT, &a), HCS_ERR_INVALID_JSON);
    assert_string_equal(hcs_error_last()->message, "decoding Attachment: FutureField: unknown field");
    /* dropped on request */
    assert_int_equal(hcs_s2_Attachment_decode(in, sizeof in - 1, HCS_SCHEMA_DECODE_DROP_UNKNOWN, &a), HCS_S_OK);
    assert_null(a._unknown);
    hcs_s2_Attachment_dispose(&a);
}

static void test_unknown_enum_kept(void **state)
{
    static const char in[] = "{\"Type\":\"FutureDisk\",\"CachingMode\":\"ReadOnlyCached\"}";
    hcs_s2_Attachment a;
    char *out = NULL;
    (void)state;
    assert_int_equal(hcs_s2_Attachment_decode(in, sizeof in - 1, HCS_SCHEMA_DECODE_STRICT, &a), HCS_S_OK);
    assert_int_equal(a.Type.v, HCS_S2_AttachmentType__RAW);
    assert_string_equal(a.Type.raw, "FutureDisk");
    assert_int_equal(a.CachingMode.v, HCS_S2_CachingMode_ReadOnlyCached);
    assert_int_equal(hcs_s2_Attachment_encode(&a, 0, &out), HCS_S_OK);
    assert_string_equal(out, in);
    hcs_free(out);
    hcs_s2_Attachment_dispose(&a);
}

static void test_wrong_types_have_paths(void **state)
{
    static const struct { const char *json; const char *msg; } cases[] = {
        {"{\"VirtualMachine\":{\"Chipset\":{\"LinuxKernelDirect\":{\"KernelFilePath\":7}}}}",
         "decoding ComputeSystem: VirtualMachine.Chipset.LinuxKernelDirect.KernelFilePath: expected string, got integer"},
        {"{\"VirtualMachine\":{\"Devices\":{\"Scsi\":{\"ctl\":{\"Attachments\":{\"0\":{\"ReadOnly\":\"yes\"}}}}}}}",
         "decoding ComputeSystem: VirtualMachine.Devices.Scsi[\"ctl\"].Attachments[\"0\"].ReadOnly: expected bool, got string"},
        {"{\"Container\":{\"Storage\":{\"Layers\":[{\"Id\":\"x\"},{\"Path\":[]}]}}}",
         "decoding ComputeSystem: Container.Storage.Layers[1].Path: expected string, got array"},
        {"{\"VirtualMachine\":{\"Devices\":{\"VirtualPMem\":{\"MaximumCount\":256}}}}",
         "decoding ComputeSystem: VirtualMachine.Devices.VirtualPMem.MaximumCount: 256 out of range for uint8 (0..255)"},
        {"{\"VirtualMachine\":{\"ComputeTopology\":{\"Memory\":{\"SizeInMB\":-1}}}}",
         "decoding ComputeSystem: VirtualMachine.ComputeTopology.Memory.SizeInMB: -1 out of range for uint64 (0..18446744073709551615)"},
        {"{\"VirtualMachine\":{\"ComputeTopology\":{\"Memory\":{\"SizeInMB\":1.5}}}}",
         "decoding ComputeSystem: VirtualMachine.ComputeTopology.Memory.SizeInMB: expected uint64, got a non-integer number"},
        {"{\"VirtualMachine\":[]}", "decoding ComputeSystem: VirtualMachine: expected an object (VirtualMachine), got array"},
        {"[]", "decoding ComputeSystem: expected an object (ComputeSystem), got array"},
        {"{\"Owner\":", "decoding ComputeSystem: invalid JSON"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hcs_s2_ComputeSystem cs;
        hcs_result hr = hcs_s2_ComputeSystem_decode(cases[i].json, strlen(cases[i].json), 0, &cs);
        assert_int_equal(hr, HCS_ERR_INVALID_JSON);
        if (strncmp(hcs_error_last()->message, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, hcs_error_last()->message, cases[i].msg);
        /* nothing left to free after a failure */
        assert_null(cs.VirtualMachine);
        assert_null(cs.Container);
    }
}

static void test_null_is_absent(void **state)
{
    static const char in[] = "{\"Owner\":null,\"VirtualMachine\":null,\"SchemaVersion\":{\"Major\":2,\"Minor\":1}}";
    hcs_s2_ComputeSystem cs;
    char *out = NULL;
    (void)state;
    assert_int_equal(hcs_s2_ComputeSystem_decode(in, sizeof in - 1, 0, &cs), HCS_S_OK);
    assert_null(cs.Owner);
    assert_null(cs.VirtualMachine);
    assert_int_equal(hcs_s2_ComputeSystem_encode(&cs, 0, &out), HCS_S_OK);
    assert_string_equal(out, "{\"SchemaVersion\":{\"Major\":2,\"Minor\":1}}");
    hcs_free(out);
    hcs_s2_ComputeSystem_dispose(&cs);
}

static void test_alias_spelling(void **state)
{
    /* HCN: hcsshim sends "ID", the docs say "Id": both decode, "ID" is emitted. */
    static const char docs[] = "{\"Id\":\"3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60\"}";
    hcs_hcn_NamespaceResourceEndpoint e;
    char *out = NULL;
    (void)state;
    assert_int_equal(hcs_hcn_NamespaceResourceEndpoint_decode(docs, sizeof docs - 1, HCS_SCHEMA_DECODE_STRICT, &e),
                     HCS_S_OK);
    assert_int_equal(hcs_hcn_NamespaceResourceEndpoint_encode(&e, 0, &out), HCS_S_OK);
    assert_string_equal(out, "{\"ID\":\"3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60\"}");
    hcs_free(out);
    hcs_hcn_NamespaceResourceEndpoint_dispose(&e);
}

static void test_html_escape(void **state)
{
    static const char in[] = "{\"CommandLine\":\"a <b> & c\"}";
    hcs_s2_ProcessParameters p;
    char *out = NULL;
    (void)state;
    assert_int_equal(hcs_s2_ProcessParameters_decode(in, sizeof in - 1, 0, &p), HCS_S_OK);
    assert_int_equal(hcs_s2_ProcessParameters_encode(&p, 0, &out), HCS_S_OK);
    assert_string_equal(out, "{\"CommandLine\":\"a \\u003cb\\u003e \\u0026 c\"}");
    hcs_free(out);
    assert_int_equal(hcs_s2_ProcessParameters_encode(&p, HCS_SCHEMA_ENCODE_NO_HTML_ESCAPE, &out), HCS_S_OK);
    assert_string_equal(out, in);
    hcs_free(out);
    hcs_s2_ProcessParameters_dispose(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_examples),
        cmocka_unit_test(test_doc_lcow_version_gate),
        cmocka_unit_test(test_golden_host_requests),
        cmocka_unit_test(test_golden_live_uvm),
        cmocka_unit_test(test_golden_live_container),
        cmocka_unit_test(test_presence),
        cmocka_unit_test(test_int64_exact),
        cmocka_unit_test(test_unknown_kept_or_reported),
        cmocka_unit_test(test_unknown_enum_kept),
        cmocka_unit_test(test_wrong_types_have_paths),
        cmocka_unit_test(test_null_is_absent),
        cmocka_unit_test(test_alias_spelling),
        cmocka_unit_test(test_html_escape),
    };
    return cmocka_run_group_tests(tests, load_docs, free_docs);
}
