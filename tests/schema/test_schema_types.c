/* Schema layer: every generated type, through its descriptor table. For each
 * struct a document with every field set (edge values: integer maxima, empty
 * objects, maps with typed keys) is synthesized from the tables; it must
 * decode strictly, encode back to the same value, and validate cleanly. Also
 * the info / lookup API and the generated counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "schema/schema_internal.h"
#include "schema_test_util.h"

static void sample_value(hcsi_buf *b, uint8_t k, uint8_t fmt, int32_t ref, int depth);

static void sample_struct(hcsi_buf *b, int32_t type, int depth)
{
    const hcsi_stype *t = &hcsi_schema_types[type];
    uint16_t i;
    hcsi_buf_putc(b, '{');
    if (depth < 3) {
        for (i = 0; i < t->nfields; i++) {
            const hcsi_sfield *f = &t->fields[i];
            if (i)
                hcsi_buf_putc(b, ',');
            hcsi_buf_printf(b, "\"%s\":", f->name);
            if (f->kind == HCSI_K_ARRAY) {
                hcsi_buf_putc(b, '[');
                sample_value(b, f->ekind, f->fmt, f->ref, depth + 1);
                hcsi_buf_putc(b, ',');
                sample_value(b, f->ekind, f->fmt, f->ref, depth + 1);
                hcsi_buf_putc(b, ']');
            } else if (f->kind == HCSI_K_MAP) {
                static const char *const keys[] = {"", "\"k\"", "\"df6d0690-79e5-55b6-a5ec-c1e2f77f580a\"",
                                                   "\"255\"", "\"65535\"", "\"4294967295\"",
                                                   "\"18446744073709551615\""};
                hcsi_buf_printf(b, "{%s:", keys[f->keyk]);
                sample_value(b, f->ekind, f->fmt, f->ref, depth + 1);
                static const char *const keys2[] = {"", "\"\"", "\"305891a9-b251-5dfe-91a2-c25d9212275b\"",
                                                    "\"0\"", "\"0\"", "\"0\"", "\"0\""};
                hcsi_buf_printf(b, ",%s:", keys2[f->keyk]);
                sample_value(b, f->ekind, f->fmt, f->ref, depth + 1);
                hcsi_buf_putc(b, '}');
            } else {
                sample_value(b, f->kind, f->fmt, f->ref, depth + 1);
            }
        }
    }
    hcsi_buf_putc(b, '}');
}

static void sample_value(hcsi_buf *b, uint8_t k, uint8_t fmt, int32_t ref, int depth)
{
    switch (k) {
    case HCSI_K_BOOL: hcsi_buf_puts(b, "true"); break;
    case HCSI_K_U8: hcsi_buf_puts(b, "255"); break;
    case HCSI_K_U16: hcsi_buf_puts(b, "65535"); break;
    case HCSI_K_U32: hcsi_buf_puts(b, "4294967295"); break;
    case HCSI_K_U64: hcsi_buf_puts(b, "18446744073709551615"); break;
    case HCSI_K_I32: hcsi_buf_puts(b, "-2147483648"); break;
    case HCSI_K_I64: hcsi_buf_puts(b, "-9223372036854775808"); break;
    case HCSI_K_F64: hcsi_buf_puts(b, "1.5"); break;
    case HCSI_K_STR:
        switch (fmt) {
        case HCSI_FMT_GUID: hcsi_buf_puts(b, "\"0110f83b-de10-5172-a266-78bca56bf50a\""); break;
        case HCSI_FMT_MAC: hcsi_buf_puts(b, "\"00-15-5D-52-C0-0A\""); break;
        case HCSI_FMT_DATETIME: hcsi_buf_puts(b, "\"2024-02-26T10:11:12.5Z\""); break;
        case HCSI_FMT_BYTE: hcsi_buf_puts(b, "\"AAECAw==\""); break;
        default: hcsi_buf_puts(b, "\"s <&> \\u00e9\""); break;
        }
        break;
    case HCSI_K_ENUM: {
        const hcsi_stype *t = &hcsi_schema_types[ref];
        hcsi_buf_putc(b, '"');
        hcsi_buf_puts(b, t->values[t->nvalues - 1]);
        hcsi_buf_putc(b, '"');
        break;
    }
    case HCSI_K_ANY: hcsi_buf_puts(b, "{\"a\":[1,\"b\",null,{}],\"c\":-2}"); break;
    case HCSI_K_OBJ: sample_struct(b, ref, depth); break;
    }
}

static void test_every_type_roundtrips(void **state)
{
    int t, structs = 0;
    (void)state;
    for (t = 0; t < HCS_SCHEMA_TYPE_COUNT; t++) {
        const hcsi_stype *st = &hcsi_schema_types[t];
        hcsi_buf b;
        char *doc, *out = NULL;
        size_t len, olen;
        void *obj;
        hcs_schema_report *rep = NULL;
        size_t i;
        if (st->is_enum)
            continue;
        hcsi_buf_init(&b, 0);
        sample_struct(&b, t, 0);
        doc = hcsi_buf_steal(&b, &len);
        obj = calloc(1, st->size);
        if (HCS_FAILED(hcs_schema_decode((hcs_schema_type_id)t, doc, len, HCS_SCHEMA_DECODE_STRICT, obj)))
            fail_msg("%s: %s\n%s", st->qname, hcs_error_last()->message, doc);
        assert_int_equal(hcs_schema_encode((hcs_schema_type_id)t, obj, 0, &out, &olen), HCS_S_OK);
        if (!st_text_equal(doc, len, out, olen))
            fail_msg("%s: round trip differs\n in: %s\nout: %s", st->qname, doc, out);
        hcs_schema_validate((hcs_schema_type_id)t, doc, len, NULL, 0, &rep);
        for (i = 0; i < rep->count; i++) {
            /* the synthesized values cannot satisfy the cross-field rules, nor
             * the types the rules give to Any members */
            const char *p = rep->problems[i].path;
            if (rep->problems[i].kind != HCS_SCHEMA_PROBLEM_RULE && !strstr(p, "Settings") &&
                !strstr(p, "HostedSystem") && !strstr(p, "GuestRequest") && !strstr(p, "Data"))
                fail_msg("%s: %s: %s", st->qname, rep->problems[i].path, rep->problems[i].message);
        }
        hcs_schema_report_free(rep);
        hcs_free(out);
        /* an empty object: decodes to all-absent, encodes to {} */
        hcs_schema_free_members((hcs_schema_type_id)t, obj);
        assert_int_equal(hcs_schema_decode((hcs_schema_type_id)t, "{}", 2, HCS_SCHEMA_DECODE_STRICT, obj), HCS_S_OK);
        assert_int_equal(hcs_schema_encode((hcs_schema_type_id)t, obj, 0, &out, NULL), HCS_S_OK);
        assert_string_equal(out, "{}");
        hcs_free(out);
        free(obj);
        free(doc);
        structs++;
    }
    assert_int_equal(structs, 215 + 115 + 28);
}

static void test_counts(void **state)
{
    int t, n[3][2] = {{0, 0}, {0, 0}, {0, 0}}, overlay = 0;
    (void)state;
    for (t = 0; t < HCS_SCHEMA_TYPE_COUNT; t++) {
        hcs_schema_type_info ti;
        assert_int_equal(hcs_schema_type_get_info((hcs_schema_type_id)t, &ti), HCS_S_OK);
        n[ti.ns][ti.is_enum]++;
        if (ti.ns == HCS_SCHEMA_NS_HCS && ti.overlay)
            overlay++;
    }
    /* HCS: the 243 swagger definitions (184 objects + 59 enums), the 10 newer
     * SchemaReference types, and 35 overlay types from hcsshim */
    assert_int_equal(n[HCS_SCHEMA_NS_HCS][0] + n[HCS_SCHEMA_NS_HCS][1] - overlay, 243 + 10);
    assert_int_equal(overlay, 26 + 9);
    /* HCN: HNS_Schema.md's 114 structs + 41 enums, plus Globals */
    assert_int_equal(n[HCS_SCHEMA_NS_HCN][0], 115);
    assert_int_equal(n[HCS_SCHEMA_NS_HCN][1], 41);
    assert_true(n[HCS_SCHEMA_NS_GUEST][0] >= 25);
    assert_int_equal((int)hcs_schema_type_count(), HCS_SCHEMA_TYPE_COUNT);
}

static void test_lookup_and_info(void **state)
{
    hcs_schema_type_id id;
    hcs_schema_type_info ti;
    hcs_schema_field_info fi;
    hcs_schema_enum_value_info vi;
    size_t i;
    int found = 0;
    (void)state;
    assert_true(hcs_schema_type_lookup("ComputeSystem", &id));
    assert_int_equal(id, HCS_SCHEMA_S2_ComputeSystem);
    assert_true(hcs_schema_type_lookup("hcn.HostComputeNetwork", &id));
    assert_int_equal(id, HCS_SCHEMA_HCN_HostComputeNetwork);
    assert_true(hcs_schema_type_lookup("HostComputeNetwork", &id)); /* unambiguous short name */
    assert_int_equal(id, HCS_SCHEMA_HCN_HostComputeNetwork);
    assert_true(hcs_schema_type_lookup("Version", &id)); /* HCS wins */
    assert_int_equal(id, HCS_SCHEMA_S2_Version);
    assert_true(hcs_schema_type_lookup("hcn.Version", &id));
    assert_int_equal(id, HCS_SCHEMA_HCN_Version);
    assert_true(hcs_schema_type_lookup("guest.LCOWMappedVirtualDisk", &id));
    assert_false(hcs_schema_type_lookup("NoSuchType", &id));
    assert_false(hcs_schema_type_lookup(NULL, &id));

    assert_int_equal(hcs_schema_type_get_info(HCS_SCHEMA_S2_Scsi, &ti), HCS_S_OK);
    assert_string_equal(ti.qualified_name, "Scsi");
    assert_int_equal(ti.struct_size, sizeof(hcs_s2_Scsi));
    assert_int_equal(hcs_schema_field_get_info(HCS_SCHEMA_S2_Scsi, 0, &fi), HCS_S_OK);
    assert_string_equal(fi.name, "Attachments");
    assert_string_equal(fi.type, "Map<uint32, Attachment>");
    assert_int_equal(fi.since.major, 2);
    assert_int_equal(fi.since.minor, 0);
    assert_int_equal(fi.ref, HCS_SCHEMA_S2_Attachment);

    for (i = 0; hcs_schema_field_get_info(HCS_SCHEMA_S2_HvSocketSystemConfig, i, &fi) == HCS_S_OK; i++)
        if (strcmp(fi.name, "ServiceTable") == 0) {
            assert_string_equal(fi.type, "Map<Guid, HvSocketServiceConfig>");
            found = 1;
        }
    assert_true(found);
    assert_int_equal(hcs_schema_field_get_info(HCS_SCHEMA_S2_Scsi, 99, &fi), HCS_ERR_INVALIDARG);

    /* overlay fields carry their reason */
    for (i = 0; hcs_schema_field_get_info(HCS_SCHEMA_S2_Plan9Share, i, &fi) == HCS_S_OK; i++)
        if (strcmp(fi.name, "Flags") == 0) {
            assert_true(fi.overlay);
            assert_non_null(strstr(fi.note, "Plan9ShareFlags"));
        }
    /* HCN numeric enums */
    assert_int_equal(hcs_schema_type_get_info(HCS_SCHEMA_HCN_NatFlags, &ti), HCS_S_OK);
    assert_true(ti.numeric);
    for (i = 0; hcs_schema_field_get_info(HCS_SCHEMA_HCN_PortMappingPolicySetting, i, &fi) == HCS_S_OK; i++)
        if (strcmp(fi.name, "Protocol") == 0)
            assert_string_equal(fi.type, "uint32 (hcn.ProtocolType as a number)");

    assert_int_equal(hcs_schema_enum_value_get_info(HCS_SCHEMA_S2_ModifyResourceType, 6, &vi), HCS_S_OK);
    assert_string_equal(vi.name, "CimMount");
    assert_int_equal(vi.since.minor, 3);
    assert_string_equal(hcs_s2_AttachmentType_to_string(HCS_S2_AttachmentType_Iso), "Iso");
    assert_int_equal(hcs_s2_AttachmentType_from_string("PassThru"), HCS_S2_AttachmentType_PassThru);
    assert_int_equal(hcs_s2_AttachmentType_from_string("passthru"), -1);
    assert_null(hcs_schema_enum_to_string(HCS_SCHEMA_S2_AttachmentType, 3));
    assert_null(hcs_schema_enum_to_string(HCS_SCHEMA_S2_Scsi, 0));
    assert_string_equal(hcs_schema_enum_to_string(HCS_SCHEMA_S2_OsType, HCS_S2_OsType_Empty), "");
}

static void test_typed_build_and_encode(void **state)
{
    /* Building a document by hand with borrowed memory. */
    hcs_s2_Attachment att = {0};
    char *keys[] = {"0"};
    hcs_s2_Scsi scsi = {0};
    char *out = NULL;
    (void)state;
    att.Type = (hcs_schema_enum)HCS_SCHEMA_ENUM(HCS_S2_AttachmentType_VirtualDisk);
    att.Path = "C:\\s.vhdx";
    att.ReadOnly = (hcs_schema_bool)HCS_SCHEMA_SET(1);
    scsi.Attachments.keys = keys;
    scsi.Attachments.values = &att;
    scsi.Attachments.n = 1;
    assert_int_equal(hcs_s2_Scsi_encode(&scsi, 0, &out), HCS_S_OK);
    assert_string_equal(out, "{\"Attachments\":{\"0\":{\"Type\":\"VirtualDisk\",\"Path\":\"C:\\\\s.vhdx\",\"ReadOnly\":true}}}");
    hcs_free(out);
    /* an invalid enum value is an encode error naming the path */
    att.Type.v = 42;
    assert_int_equal(hcs_s2_Scsi_encode(&scsi, 0, &out), HCS_ERR_INVALIDARG);
    assert_null(out);
    assert_string_equal(hcs_error_last()->message, "encoding: Attachments[\"0\"].Type: invalid AttachmentType value 42");
    /* malformed raw JSON in an Any member */
    {
        hcs_s2_ModifySettingRequest m = {0};
        m.ResourcePath = "VirtualMachine/Devices/Plan9/Shares";
        m.Settings = "{\"Name\":";
        assert_int_equal(hcs_s2_ModifySettingRequest_encode(&m, 0, &out), HCS_ERR_INVALIDARG);
        assert_non_null(strstr(hcs_error_last()->message, "encoding: Settings: malformed raw JSON"));
        m.Settings = " [1, 2 ,{\"a\" : null}] ";
        assert_int_equal(hcs_s2_ModifySettingRequest_encode(&m, 0, &out), HCS_S_OK);
        assert_string_equal(out, "{\"ResourcePath\":\"VirtualMachine/Devices/Plan9/Shares\",\"Settings\":[1,2,{\"a\":null}]}");
        hcs_free(out);
    }
    /* empty array vs absent array */
    {
        hcs_s2_Storage st = {0};
        st.Layers.set = 1;
        assert_int_equal(hcs_s2_Storage_encode(&st, 0, &out), HCS_S_OK);
        assert_string_equal(out, "{\"Layers\":[]}");
        hcs_free(out);
    }
}

static void test_guest_settings_type(void **state)
{
    hcs_schema_type_id id;
    (void)state;
    assert_true(hcs_schema_guest_settings_type("MappedVirtualDisk", 0, &id));
    assert_int_equal(id, HCS_SCHEMA_GS_LCOWMappedVirtualDisk);
    assert_true(hcs_schema_guest_settings_type("MappedVirtualDisk", 1, &id));
    assert_int_equal(id, HCS_SCHEMA_GS_WCOWMappedVirtualDisk);
    assert_true(hcs_schema_guest_settings_type("VPMemDevice", 1, &id));
    assert_int_equal(id, HCS_SCHEMA_GS_LCOWMappedVPMemDevice);
    assert_true(hcs_schema_guest_settings_type("NetworkNamespace", 0, &id));
    assert_int_equal(id, HCS_SCHEMA_HCN_HostComputeNamespace);
    assert_false(hcs_schema_guest_settings_type("PodCgroupMemoryLimit", 0, &id));
    assert_false(hcs_schema_guest_settings_type("Bogus", 0, &id));
}

static void test_bad_arguments(void **state)
{
    char *out = (char *)1;
    hcs_s2_Scsi s = {0};
    (void)state;
    assert_int_equal(hcs_schema_encode(HCS_SCHEMA_S2_AttachmentType, &s, 0, &out, NULL), HCS_ERR_INVALIDARG);
    assert_null(out);
    assert_int_equal(hcs_schema_encode((hcs_schema_type_id)-1, &s, 0, &out, NULL), HCS_ERR_INVALIDARG);
    assert_int_equal(hcs_schema_decode(HCS_SCHEMA_TYPE_COUNT, "{}", 2, 0, &s), HCS_ERR_INVALIDARG);
    assert_int_equal(hcs_schema_decode(HCS_SCHEMA_S2_Scsi, NULL, 2, 0, &s), HCS_ERR_INVALIDARG);
    assert_int_equal(hcs_schema_validate(HCS_SCHEMA_S2_OsType, "{}", 2, NULL, 0, NULL), HCS_ERR_INVALIDARG);
    hcs_schema_free_members(HCS_SCHEMA_S2_Scsi, NULL);
    hcs_schema_init(HCS_SCHEMA_S2_Scsi, &s);
    assert_null(s.Attachments.keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_roundtrips),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_lookup_and_info),
        cmocka_unit_test(test_typed_build_and_encode),
        cmocka_unit_test(test_guest_settings_type),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
