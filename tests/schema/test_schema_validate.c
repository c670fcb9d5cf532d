/* Schema layer: hcs_schema_validate(), one test per rule, each with a
 * document that breaks it; version gating against the SchemaReference data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "schema_test_util.h"

static const hcs_schema_version V20 = {2, 0}, V21 = {2, 1}, V22 = {2, 2}, V26 = {2, 6};

static void dump(const hcs_schema_report *rep)
{
    size_t i;
    for (i = 0; rep && i < rep->count; i++)
        print_message("    [%d] %s: %s\n", rep->problems[i].kind, rep->problems[i].path, rep->problems[i].message);
}

/* Validates json as type and expects exactly `count` problems, one of them
 * of `kind` at exactly `path` whose message contains `msg`. */
static void expect_n(hcs_schema_type_id type, const char *json, const hcs_schema_version *target, unsigned flags,
                     size_t count, hcs_schema_problem_kind kind, const char *path, const char *msg)
{
    hcs_schema_report *rep = NULL;
    hcs_result hr = hcs_schema_validate(type, json, strlen(json), target, flags, &rep);
    size_t i;
    int found = 0;
    assert_non_null(rep);
    for (i = 0; i < rep->count; i++)
        if (rep->problems[i].kind == kind && strcmp(rep->problems[i].path, path) == 0 &&
            strstr(rep->problems[i].message, msg))
            found = 1;
    if (!found || rep->count != count || (count ? hr != HCS_ERR_INVALID_JSON : hr != HCS_S_OK)) {
        dump(rep);
        fail_msg("%s\nexpected %zu problem(s) incl. kind %d at \"%s\" with \"%s\"; got %zu (hr 0x%08x)", json,
                 count, kind, path, msg, rep->count, (unsigned)hr);
    }
    hcs_schema_report_free(rep);
}

static void expect1(hcs_schema_type_id type, const char *json, const hcs_schema_version *target,
                    hcs_schema_problem_kind kind, const char *path, const char *msg)
{
    expect_n(type, json, target, 0, 1, kind, path, msg);
}

static void expect_ok(hcs_schema_type_id type, const char *json, const hcs_schema_version *target)
{
    hcs_schema_report *rep = NULL;
    hcs_result hr = hcs_schema_validate(type, json, strlen(json), target, 0, &rep);
    if (hr != HCS_S_OK || rep->count) {
        dump(rep);
        fail_msg("expected valid: %s", json);
    }
    hcs_schema_report_free(rep);
}

#define CS HCS_SCHEMA_S2_ComputeSystem
#define MSR HCS_SCHEMA_S2_ModifySettingRequest
#define VM(x) "{\"VirtualMachine\":" x "}"

static void test_unknown_field(void **state)
{
    (void)state;
    expect1(CS, VM("{\"Chipset\":{\"Uefi\":{},\"Bogus\":1}}"), NULL, HCS_SCHEMA_PROBLEM_UNKNOWN_FIELD,
            "VirtualMachine.Chipset.Bogus", "unknown field in Chipset");
    /* a spelling that differs only in case gets a hint */
    expect1(CS, VM("{\"chipset\":{}}"), NULL, HCS_SCHEMA_PROBLEM_UNKNOWN_FIELD, "VirtualMachine.chipset",
            "did you mean \"Chipset\"?");
}

static void test_wrong_type(void **state)
{
    (void)state;
    expect1(CS, VM("{\"StopOnReset\":\"true\"}"), NULL, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "VirtualMachine.StopOnReset",
            "expected bool, got string");
    expect1(CS, VM("{\"ComputeTopology\":{\"Memory\":{\"SizeInMB\":\"1024\"}}}"), NULL,
            HCS_SCHEMA_PROBLEM_WRONG_TYPE, "VirtualMachine.ComputeTopology.Memory.SizeInMB",
            "expected uint64, got string");
    expect1(CS, VM("{\"ComputeTopology\":{\"Memory\":{\"SizeInMB\":1e3}}}"), NULL, HCS_SCHEMA_PROBLEM_WRONG_TYPE,
            "VirtualMachine.ComputeTopology.Memory.SizeInMB", "non-integer number");
    expect1(CS, VM("{\"Devices\":{\"Scsi\":[]}}"), NULL, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "VirtualMachine.Devices.Scsi",
            "expected an object (map), got array");
    expect1(CS, "{\"Container\":{\"Storage\":{\"Layers\":{}}}}", NULL, HCS_SCHEMA_PROBLEM_WRONG_TYPE,
            "Container.Storage.Layers", "expected an array, got object");
    expect1(CS, "{\"Container\":{\"Storage\":{\"Layers\":[null]}}}", NULL, HCS_SCHEMA_PROBLEM_WRONG_TYPE,
            "Container.Storage.Layers[0]", "expected an object, got null");
    expect1(CS, "[1]", NULL, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "", "expected an object (ComputeSystem), got array");
}

static void test_bad_enum(void **state)
{
    (void)state;
    expect1(CS, VM("{\"Devices\":{\"Scsi\":{\"p\":{\"Attachments\":{\"0\":{\"Type\":\"VHD\"}}}}}}"), NULL,
            HCS_SCHEMA_PROBLEM_BAD_ENUM, "VirtualMachine.Devices.Scsi[\"p\"].Attachments[\"0\"].Type",
            "bad AttachmentType value \"VHD\" (expected one of \"VirtualDisk\", \"Iso\", \"PassThru\")");
    expect1(CS, VM("{\"Devices\":{\"Scsi\":{\"p\":{\"Attachments\":{\"0\":{\"Type\":\"virtualdisk\"}}}}}}"), NULL,
            HCS_SCHEMA_PROBLEM_BAD_ENUM, "VirtualMachine.Devices.Scsi[\"p\"].Attachments[\"0\"].Type",
            "did you mean \"VirtualDisk\"?");
    expect1(HCS_SCHEMA_S2_System_PropertyQuery, "{\"PropertyTypes\":[\"Statistics\",\"Bogus\"]}", NULL,
            HCS_SCHEMA_PROBLEM_BAD_ENUM, "PropertyTypes[1]", "bad System_PropertyType value \"Bogus\"");
}

static void test_out_of_range(void **state)
{
    (void)state;
    expect1(CS, VM("{\"Devices\":{\"VirtualPMem\":{\"MaximumCount\":256}}}"), NULL, HCS_SCHEMA_PROBLEM_OUT_OF_RANGE,
            "VirtualMachine.Devices.VirtualPMem.MaximumCount", "256 out of range for uint8 (0..255)");
    expect1(CS, VM("{\"ComputeTopology\":{\"Processor\":{\"Count\":-1}}}"), NULL, HCS_SCHEMA_PROBLEM_OUT_OF_RANGE,
            "VirtualMachine.ComputeTopology.Processor.Count", "-1 out of range for uint32");
    expect1(CS, VM("{\"ComputeTopology\":{\"Processor\":{\"Count\":4294967296}}}"), NULL,
            HCS_SCHEMA_PROBLEM_OUT_OF_RANGE, "VirtualMachine.ComputeTopology.Processor.Count", "4294967296");
    expect1(HCS_SCHEMA_S2_ProcessStatus, "{\"LastWaitResult\":2147483648}", NULL, HCS_SCHEMA_PROBLEM_OUT_OF_RANGE,
            "LastWaitResult", "out of range for int32");
    expect_ok(HCS_SCHEMA_S2_ProcessStatus, "{\"LastWaitResult\":-2147483648,\"ExitCode\":4294967295}", NULL);
    expect_ok(CS, VM("{\"ComputeTopology\":{\"Memory\":{\"SizeInMB\":18446744073709551615}}}"), NULL);
    /* a map key with an integer key type */
    expect1(CS, VM("{\"Devices\":{\"Scsi\":{\"p\":{\"Attachments\":{\"lun0\":{}}}}}}"), NULL,
            HCS_SCHEMA_PROBLEM_BAD_FORMAT, "VirtualMachine.Devices.Scsi[\"p\"].Attachments[\"lun0\"]",
            "map key must be a uint32");
    expect1(CS, VM("{\"Devices\":{\"VirtualPMem\":{\"Devices\":{\"300\":{}}}}}"), NULL, HCS_SCHEMA_PROBLEM_BAD_FORMAT,
            "VirtualMachine.Devices.VirtualPMem.Devices[\"300\"]", "map key must be a uint8");
}

static void test_bad_guid(void **state)
{
    (void)state;
    expect1(CS, "{\"Container\":{\"Storage\":{\"Layers\":[{\"Id\":\"8f3e7a4c-2d51-5b6e-9a07-1c4d2e6f8b9\"}]}}}", NULL,
            HCS_SCHEMA_PROBLEM_BAD_GUID, "Container.Storage.Layers[0].Id",
            "malformed GUID \"8f3e7a4c-2d51-5b6e-9a07-1c4d2e6f8b9\"");
    expect1(CS, "{\"Container\":{\"Storage\":{\"Layers\":[{\"Id\":\"{8f3e7a4c-2d51-5b6e-9a07-1c4d2e6f8b90}\"}]}}}",
            NULL, HCS_SCHEMA_PROBLEM_BAD_GUID, "Container.Storage.Layers[0].Id", "malformed GUID");
    expect1(CS, VM("{\"Devices\":{\"HvSocket\":{\"HvSocketConfig\":{\"ServiceTable\":{\"not-a-guid\":{}}}}}}"), NULL,
            HCS_SCHEMA_PROBLEM_BAD_GUID, "VirtualMachine.Devices.HvSocket.HvSocketConfig.ServiceTable[\"not-a-guid\"]",
            "malformed GUID map key");
    expect1(HCS_SCHEMA_HCN_HostComputeEndpoint, "{\"HostComputeNetwork\":\"nat\"}", NULL, HCS_SCHEMA_PROBLEM_BAD_GUID,
            "HostComputeNetwork", "malformed GUID");
    expect_ok(CS, "{\"Container\":{\"Storage\":{\"Layers\":[{\"Id\":\"8F3E7A4C-2d51-5b6e-9a07-1c4d2e6f8b90\"}]}}}", NULL);
}

static void test_bad_formats(void **state)
{
    (void)state;
    expect1(CS, VM("{\"Devices\":{\"NetworkAdapters\":{\"n\":{\"MacAddress\":\"00-15-5D-52-C0\"}}}}"), NULL,
            HCS_SCHEMA_PROBLEM_BAD_FORMAT, "VirtualMachine.Devices.NetworkAdapters[\"n\"].MacAddress",
            "malformed MAC address");
    expect_ok(CS, VM("{\"Devices\":{\"NetworkAdapters\":{\"n\":{\"MacAddress\":\"00:15:5d:52:c0:0a\"}}}}"), NULL);
    expect1(HCS_SCHEMA_S2_Statistics, "{\"Timestamp\":\"2024-13-01 10:00\"}", NULL, HCS_SCHEMA_PROBLEM_BAD_FORMAT,
            "Timestamp", "malformed date-time");
    expect_ok(HCS_SCHEMA_S2_Statistics, "{\"Timestamp\":\"2024-01-02T03:04:05.999999999+01:00\"}", NULL);
    expect1(HCS_SCHEMA_S2_RegistryValue, "{\"BinaryValue\":\"AAE\"}", NULL, HCS_SCHEMA_PROBLEM_BAD_FORMAT,
            "BinaryValue", "malformed base64");
    expect_ok(HCS_SCHEMA_S2_RegistryValue, "{\"BinaryValue\":\"AAE=\"}", NULL);
    /* an overlong UTF-8 sequence (json-c lets it through; our parser does
     * not, and HCS's UTF-16 conversion would not either) */
    expect1(CS, "{\"Owner\":\"a\xc0\x9a\",\"Container\":{}}", NULL, HCS_SCHEMA_PROBLEM_INVALID_JSON, "",
            "byte offset 11: invalid UTF-8");
    {
        hcs_s2_ComputeSystem cs;
        assert_int_equal(hcs_s2_ComputeSystem_decode("{\"Owner\":\"a\xc0\x9a\"}", 15, 0, &cs), HCS_ERR_INVALID_JSON);
        assert_non_null(strstr(hcs_error_last()->message, "byte offset 11: invalid UTF-8"));
    }
}

static void test_field_too_new(void **state)
{
    (void)state;
    expect1(CS, VM("{\"Chipset\":{\"LinuxKernelDirect\":{\"KernelFilePath\":\"k\",\"InitRdPath\":\"i\"}}}"), &V21,
            HCS_SCHEMA_PROBLEM_TOO_NEW, "VirtualMachine.Chipset.LinuxKernelDirect", "requires 2.2; target is 2.1");
    expect_ok(CS, VM("{\"Chipset\":{\"LinuxKernelDirect\":{\"KernelFilePath\":\"k\"}}}"), &V22);
    /* fields at 2.1 fail against 2.0; 2.6 fields fail against 2.2 */
    expect1(CS, VM("{\"GuestState\":{}}"), &V20, HCS_SCHEMA_PROBLEM_TOO_NEW, "VirtualMachine.GuestState",
            "requires 2.1; target is 2.0");
    expect1(CS, VM("{\"Devices\":{\"Scsi\":{\"0\":{\"Attachments\":{\"0\":{\"AlwaysAllowSparseFiles\":true}}}}}}"),
            &V22, HCS_SCHEMA_PROBLEM_TOO_NEW,
            "VirtualMachine.Devices.Scsi[\"0\"].Attachments[\"0\"].AlwaysAllowSparseFiles", "requires 2.6; target is 2.2");
    expect_ok(CS, VM("{\"Devices\":{\"Scsi\":{\"0\":{\"Attachments\":{\"0\":{\"AlwaysAllowSparseFiles\":true}}}}}}"),
              &V26);
    /* two independent too-new fields: both reported */
    expect_n(CS, VM("{\"Version\":{\"Major\":1},\"Chipset\":{\"LinuxKernelDirect\":{}}}"), &V21, 0, 2,
             HCS_SCHEMA_PROBLEM_TOO_NEW, "VirtualMachine.Version", "requires 2.5; target is 2.1");
}

static void test_enum_value_too_new(void **state)
{
    (void)state;
    expect1(HCS_SCHEMA_S2_GuestModifySettingRequest, "{\"ResourceType\":\"CimMount\"}", &V21,
            HCS_SCHEMA_PROBLEM_TOO_NEW, "ResourceType", "value \"CimMount\" requires 2.3; target is 2.1");
    expect_ok(HCS_SCHEMA_S2_GuestModifySettingRequest, "{\"ResourceType\":\"MappedVirtualDisk\"}", &V21);
    /* HCN documents gate against the HCN schema versions (2.0 .. 2.16) */
    expect1(HCS_SCHEMA_HCN_HostComputeNetwork, "{\"Type\":\"Mirrored\"}", &V20, HCS_SCHEMA_PROBLEM_TOO_NEW, "Type",
            "value \"Mirrored\" requires 2.4; target is 2.0");
    expect1(HCS_SCHEMA_HCN_L4WfpProxyPolicySetting, "{\"InboundExceptions\":{}}", &V20, HCS_SCHEMA_PROBLEM_TOO_NEW,
            "InboundExceptions", "requires 2.14; target is 2.0");
}

/* Version gating follows the SchemaReference data: every versioned field of
 * the tables fails against the version just before its own. */
static void test_gating_matches_version_data(void **state)
{
    size_t t, n = hcs_schema_type_count(), checked = 0;
    (void)state;
    for (t = 0; t < n; t++) {
        hcs_schema_type_info ti;
        size_t f;
        hcs_schema_type_get_info((hcs_schema_type_id)t, &ti);
        if (ti.is_enum || ti.ns != HCS_SCHEMA_NS_HCS)
            continue;
        for (f = 0; f < ti.field_count; f++) {
            hcs_schema_field_info fi;
            char json[256];
            hcs_schema_version before;
            hcs_schema_report *rep = NULL;
            hcs_schema_field_get_info((hcs_schema_type_id)t, f, &fi);
            if (fi.since.major == 0 || fi.since.minor == 0)
                continue;
            before.major = fi.since.major;
            before.minor = fi.since.minor - 1;
            snprintf(json, sizeof json, "{\"%s\":null}", fi.name); /* null: present, value not checked */
            hcs_schema_validate((hcs_schema_type_id)t, json, strlen(json), &before, 0, &rep);
            {
                size_t i;
                int found = 0;
                char want[64];
                snprintf(want, sizeof want, "requires %u.%u; target is %u.%u", (unsigned)fi.since.major,
                         (unsigned)fi.since.minor, (unsigned)before.major, (unsigned)before.minor);
                for (i = 0; i < rep->count; i++)
                    if (rep->problems[i].kind == HCS_SCHEMA_PROBLEM_TOO_NEW && !strcmp(rep->problems[i].path, fi.name) &&
                        !strcmp(rep->problems[i].message, want))
                        found = 1;
                if (!found)
                    fail_msg("%s.%s (since %u.%u) not gated", ti.name, fi.name, (unsigned)fi.since.major,
                             (unsigned)fi.since.minor);
            }
            hcs_schema_report_free(rep);
            hcs_schema_validate((hcs_schema_type_id)t, json, strlen(json), &fi.since, 0, &rep);
            {
                size_t i;
                for (i = 0; i < rep->count; i++)
                    if (rep->problems[i].kind == HCS_SCHEMA_PROBLEM_TOO_NEW)
                        fail_msg("%s.%s gated at its own version", ti.name, fi.name);
            }
            hcs_schema_report_free(rep);
            checked++;
        }
    }
    /* SchemaReference: 2.1: 246, 2.2: 25, 2.3: 119, 2.4: 48, 2.5: 61, 2.6: 7 (and a few swagger-only) */
    assert_true(checked >= 500);
}

static void test_children_of_too_new_field_not_repeated(void **state)
{
    (void)state;
    /* LinuxKernelDirect's own fields are 2.2 as well: one problem, not four */
    expect1(CS,
            VM("{\"Chipset\":{\"LinuxKernelDirect\":{\"KernelFilePath\":\"k\",\"InitRdPath\":\"i\",\"KernelCmdLine\":\"c\"}}}"),
            &V21, HCS_SCHEMA_PROBLEM_TOO_NEW, "VirtualMachine.Chipset.LinuxKernelDirect", "requires 2.2");
}

static void test_one_of_system_kind(void **state)
{
    (void)state;
    expect1(CS, "{\"Owner\":\"x\"}", NULL, HCS_SCHEMA_PROBLEM_RULE, "",
            "exactly one of Container, VirtualMachine or HostedSystem is required; none is set");
    expect1(CS, "{\"Container\":{},\"VirtualMachine\":{}}", NULL, HCS_SCHEMA_PROBLEM_RULE, "",
            "is allowed; found Container and VirtualMachine");
    expect1(CS, "{\"HostedSystem\":{\"Container\":{}}}", NULL, HCS_SCHEMA_PROBLEM_RULE, "HostedSystem",
            "HostedSystem requires HostingSystemId");
    /* HostedSystem (Any in the schema) is checked as a HostedSystem document */
    expect1(CS, "{\"HostingSystemId\":\"uvm\",\"HostedSystem\":{\"Container\":{\"Storage\":{\"Path\":3}}}}", NULL,
            HCS_SCHEMA_PROBLEM_WRONG_TYPE, "HostedSystem.Container.Storage.Path", "expected string, got integer");
    expect_ok(CS, "{\"HostingSystemId\":\"uvm\",\"HostedSystem\":{\"SchemaVersion\":{\"Major\":2,\"Minor\":1},"
                  "\"Container\":{}}}", NULL);
}

static void test_resource_path_grammar(void **state)
{
    (void)state;
    expect1(MSR, "{\"ResourcePath\":\"VirtualMachine/Devices/Scsi/0/Attachment/1\",\"RequestType\":\"Add\"}", NULL,
            HCS_SCHEMA_PROBLEM_RULE, "ResourcePath",
            "unknown resource path \"VirtualMachine/Devices/Scsi/0/Attachment/1\" (closest known: "
            "VirtualMachine/Devices/Scsi/{name}/Attachments/{u32})");
    expect1(MSR, "{\"ResourcePath\":\"VirtualMachine/Devices/Scsi/0/Attachments/x1\",\"RequestType\":\"Remove\"}",
            NULL, HCS_SCHEMA_PROBLEM_RULE, "ResourcePath", "segment 6 \"x1\" must be a uint32 (LUN)");
    expect1(MSR, "{\"ResourcePath\":\"VirtualMachine/Devices/ComPorts/2\",\"RequestType\":\"Remove\"}", NULL,
            HCS_SCHEMA_PROBLEM_RULE, "ResourcePath", "segment 4 \"2\" must be 0 or 1");
    expect1(MSR, "{\"ResourcePath\":\"VirtualMachine/Devices/HvSocket/HvSocketConfig/ServiceTable/abc\","
                 "\"RequestType\":\"Remove\"}", NULL, HCS_SCHEMA_PROBLEM_RULE, "ResourcePath", "must be a GUID");
    /* the RequestTypes a path allows */
    expect1(MSR, "{\"ResourcePath\":\"VirtualMachine/ComputeTopology/Gpu\",\"RequestType\":\"Add\",\"Settings\":{}}",
            NULL, HCS_SCHEMA_PROBLEM_RULE, "RequestType",
            "RequestType \"Add\" is not allowed for VirtualMachine/ComputeTopology/Gpu (allowed: Update)");
    expect1(MSR, "{\"ResourcePath\":\"VirtualMachine/Devices/Plan9/Shares\",\"Settings\":{}}", NULL,
            HCS_SCHEMA_PROBLEM_RULE, "", "RequestType is required");
    /* the Settings type a path implies */
    expect1(MSR, "{\"ResourcePath\":\"VirtualMachine/Devices/Scsi/0/Attachments/1\",\"RequestType\":\"Add\","
                 "\"Settings\":{\"Type\":\"VirtualDisk\",\"Path\":\"a.vhdx\",\"ReadOnly\":\"yes\"}}",
            NULL, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "Settings.ReadOnly", "expected bool");
    expect1(MSR, "{\"ResourcePath\":\"VirtualMachine/Devices/Plan9/Shares\",\"RequestType\":\"Add\","
                 "\"Settings\":{\"Name\":\"s\",\"MountPath\":\"/x\"}}",
            NULL, HCS_SCHEMA_PROBLEM_UNKNOWN_FIELD, "Settings.MountPath", "unknown field in Plan9Share");
    expect1(MSR, "{\"ResourcePath\":\"VirtualMachine/ComputeTopology/Memory/SizeInMB\",\"RequestType\":\"Update\","
                 "\"Settings\":\"4096\"}",
            NULL, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "Settings", "expected uint64, got string");
    expect1(MSR, "{\"ResourcePath\":\"VirtualMachine/Devices/NetworkAdapters/n\",\"RequestType\":\"Add\"}", NULL,
            HCS_SCHEMA_PROBLEM_RULE, "", "Add requires Settings (NetworkAdapter)");
    expect1(MSR, "{\"ResourcePath\":\"VirtualMachine/Devices/MappedPipes/p\",\"RequestType\":\"Add\",\"Settings\":{}}",
            NULL, HCS_SCHEMA_PROBLEM_RULE, "Settings", "takes no Settings");
    expect1(MSR, "{\"RequestType\":\"Add\"}", NULL, HCS_SCHEMA_PROBLEM_RULE, "",
            "needs a ResourcePath, a GuestRequest or both");
    expect_ok(MSR, "{\"ResourcePath\":\"VirtualMachine/ComputeTopology/Memory/SizeInMB\",\"RequestType\":\"Update\","
                   "\"Settings\":4096}", NULL);
    expect_ok(MSR, "{\"ResourcePath\":\"VirtualMachine/Devices/Scsi/0/Attachments/1\",\"RequestType\":\"Remove\"}", NULL);
    expect_ok(MSR, "{\"ResourcePath\":\"Container/MappedDirectories\",\"RequestType\":\"Add\","
                   "\"Settings\":{\"HostPath\":\"C:\\\\x\",\"ContainerPath\":\"C:\\\\y\"}}", NULL);
}

static void test_guest_request_settings(void **state)
{
    (void)state;
    expect1(MSR, "{\"GuestRequest\":{\"RequestType\":\"Add\",\"ResourceType\":\"MappedVirtualDisk\","
                 "\"Settings\":{\"MountPath\":\"/run/mounts/m1\",\"Lun\":300}}}",
            NULL, HCS_SCHEMA_PROBLEM_OUT_OF_RANGE, "GuestRequest.Settings.Lun", "300 out of range for uint8");
    /* the WCOW variant is chosen when its fields fit better */
    expect_ok(MSR, "{\"GuestRequest\":{\"RequestType\":\"Add\",\"ResourceType\":\"MappedVirtualDisk\","
                   "\"Settings\":{\"ContainerPath\":\"C:\\\\data\",\"Lun\":-1}}}", NULL);
    expect1(MSR, "{\"GuestRequest\":{\"RequestType\":\"PreAdd\",\"ResourceType\":\"Bogus\"}}", NULL,
            HCS_SCHEMA_PROBLEM_BAD_ENUM, "GuestRequest.ResourceType", "bad guest.ResourceType value \"Bogus\"");
    expect1(HCS_SCHEMA_GS_ModificationRequest,
            "{\"RequestType\":\"Add\",\"ResourceType\":\"Network\",\"Settings\":{\"ID\":\"x\",\"IPConfigs\":"
            "[{\"IPAddress\":\"10.0.0.2\",\"PrefixLength\":\"24\"}]}}",
            NULL, HCS_SCHEMA_PROBLEM_WRONG_TYPE, "Settings.IPConfigs[0].PrefixLength", "expected uint8, got string");
}

static void test_hcn_policy_settings(void **state)
{
    (void)state;
    /* PortMapping's Protocol is a number on the wire (6 = TCP) */
    expect1(HCS_SCHEMA_HCN_HostComputeEndpoint,
            "{\"Policies\":[{\"Type\":\"PortMapping\",\"Settings\":{\"Protocol\":\"TCP\",\"InternalPort\":80}}]}", NULL,
            HCS_SCHEMA_PROBLEM_WRONG_TYPE, "Policies[0].Settings.Protocol", "expected uint32, got string");
    expect1(HCS_SCHEMA_HCN_HostComputeEndpoint,
            "{\"Policies\":[{\"Type\":\"PortMapping\",\"Settings\":{\"Protocol\":6,\"InternalPort\":65536}}]}", NULL,
            HCS_SCHEMA_PROBLEM_OUT_OF_RANGE, "Policies[0].Settings.InternalPort", "out of range for uint16");
    expect1(HCS_SCHEMA_HCN_HostComputeNetwork,
            "{\"Policies\":[{\"Type\":\"NetAdapterName\",\"Settings\":{\"NetworkAdapterNam\":\"eth0\"}}]}", NULL,
            HCS_SCHEMA_PROBLEM_UNKNOWN_FIELD, "Policies[0].Settings.NetworkAdapterNam",
            "unknown field in hcn.NetAdapterNameNetworkPolicySetting");
    expect1(HCS_SCHEMA_HCN_HostComputeNamespace,
            "{\"Resources\":[{\"Type\":\"Endpoint\",\"Data\":{\"ID\":\"not-a-guid\",\"Foo\":1}}]}", NULL,
            HCS_SCHEMA_PROBLEM_UNKNOWN_FIELD, "Resources[0].Data.Foo", "unknown field");
    expect1(HCS_SCHEMA_HCN_HostComputeNetwork, "{\"Flags\":\"EnableNonPersistent\"}", NULL,
            HCS_SCHEMA_PROBLEM_WRONG_TYPE, "Flags", "expected uint32, got string");
    expect_ok(HCS_SCHEMA_HCN_HostComputeNetwork, "{\"Flags\":8,\"Type\":\"NAT\"}", NULL);
}

static void test_hcn_query_filter(void **state)
{
    (void)state;
    expect1(HCS_SCHEMA_HCN_HostComputeQuery, "{\"SchemaVersion\":{\"Major\":2,\"Minor\":0},\"Filter\":\"Name=nat\"}",
            NULL, HCS_SCHEMA_PROBLEM_RULE, "Filter", "Filter must hold a JSON object encoded as a string");
    expect_ok(HCS_SCHEMA_HCN_HostComputeQuery, "{\"SchemaVersion\":{\"Major\":2,\"Minor\":0},\"Filter\":\"{\\\"Name\\\":\\\"nat\\\"}\"}",
              NULL);
}

static void test_console_size(void **state)
{
    (void)state;
    expect1(HCS_SCHEMA_S2_ProcessParameters, "{\"ConsoleSize\":[24]}", NULL, HCS_SCHEMA_PROBLEM_RULE, "ConsoleSize",
            "exactly 2 elements");
    expect1(HCS_SCHEMA_S2_ProcessParameters, "{\"ConsoleSize\":[24,70000]}", NULL, HCS_SCHEMA_PROBLEM_OUT_OF_RANGE,
            "ConsoleSize[1]", "out of range for uint16");
}

static void test_published_only(void **state)
{
    (void)state;
    expect_ok(CS, VM("{\"ComputeTopology\":{\"Memory\":{\"SizeInMB\":1024,\"Backing\":\"Virtual\"}}}"), NULL);
    expect_n(CS, VM("{\"ComputeTopology\":{\"Memory\":{\"SizeInMB\":1024,\"Backing\":\"Virtual\"}}}"), NULL,
             HCS_SCHEMA_VALIDATE_PUBLISHED_ONLY, 1, HCS_SCHEMA_PROBLEM_UNPUBLISHED,
             "VirtualMachine.ComputeTopology.Memory.Backing", "not in the published schema");
    expect_n(HCS_SCHEMA_S2_System_PropertyQuery, "{\"PropertyTypes\":[\"SystemGUID\"]}", NULL,
             HCS_SCHEMA_VALIDATE_PUBLISHED_ONLY, 1, HCS_SCHEMA_PROBLEM_UNPUBLISHED, "PropertyTypes[0]",
             "value \"SystemGUID\" is not in the published schema");
}

static void test_invalid_json(void **state)
{
    (void)state;
    expect1(CS, "{\"Owner\":}", NULL, HCS_SCHEMA_PROBLEM_INVALID_JSON, "", "invalid JSON at byte offset");
    expect1(CS, "", NULL, HCS_SCHEMA_PROBLEM_INVALID_JSON, "", "");
}

static void test_every_problem_reported(void **state)
{
    hcs_schema_report *rep = NULL;
    static const char doc[] =
        "{\"Owner\":1,\"VirtualMachine\":{\"StopOnReset\":1,\"Bogus\":2,\"Chipset\":{\"LinuxKernelDirect\":{}},"
        "\"Devices\":{\"VirtualPMem\":{\"MaximumCount\":999,\"ImageFormat\":\"Vhd1\"}}},\"Container\":{}}";
    (void)state;
    assert_int_equal(hcs_schema_validate(CS, doc, sizeof doc - 1, &V21, 0, &rep), HCS_ERR_INVALID_JSON);
    /* Owner type, StopOnReset type, Bogus, LinuxKernelDirect too new, MaximumCount range,
     * ImageFormat unknown in VirtualPMemController, two system kinds */
    if (rep->count != 7) {
        dump(rep);
        fail_msg("got %zu problems", rep->count);
    }
    /* the thread's error names the first one */
    assert_non_null(strstr(hcs_error_last()->message, "ComputeSystem: Owner: expected string, got integer (7 problems)"));
    hcs_schema_report_free(rep);
}

static void test_problem_limit(void **state)
{
    hcsi_buf b;
    char *doc;
    size_t i, len;
    hcs_schema_report *rep = NULL;
    (void)state;
    hcsi_buf_init(&b, 0);
    hcsi_buf_puts(&b, "{\"VirtualMachine\":{},\"Owner\":\"o\",\"Bad\":[");
    for (i = 0; i < 10; i++)
        hcsi_buf_puts(&b, "1,");
    hcsi_buf_puts(&b, "1]");
    for (i = 0; i < 1500; i++)
        hcsi_buf_printf(&b, ",\"U%zu\":1", i);
    hcsi_buf_puts(&b, "}");
    doc = hcsi_buf_steal(&b, &len);
    assert_int_equal(hcs_schema_validate(CS, doc, len, NULL, 0, &rep), HCS_ERR_INVALID_JSON);
    assert_int_equal(rep->count, HCS_SCHEMA_MAX_PROBLEMS + 1);
    assert_int_equal(rep->problems[rep->count - 1].kind, HCS_SCHEMA_PROBLEM_LIMIT);
    hcs_schema_report_free(rep);
    free(doc);
}

static void test_deep_nesting_bounded(void **state)
{
    hcsi_buf b;
    char *doc;
    size_t i, len;
    hcs_schema_report *rep = NULL;
    hcs_s2_ComputeSystem cs;
    (void)state;
    hcsi_buf_init(&b, 0);
    hcsi_buf_puts(&b, "{\"HostingSystemId\":\"u\",\"HostedSystem\":");
    for (i = 0; i < 200; i++)
        hcsi_buf_puts(&b, "[");
    for (i = 0; i < 200; i++)
        hcsi_buf_puts(&b, "]");
    hcsi_buf_puts(&b, "}");
    doc = hcsi_buf_steal(&b, &len);
    assert_int_equal(hcs_schema_validate(CS, doc, len, NULL, 0, &rep), HCS_ERR_INVALID_JSON);
    assert_int_equal(rep->problems[0].kind, HCS_SCHEMA_PROBLEM_INVALID_JSON);
    hcs_schema_report_free(rep);
    assert_int_equal(hcs_s2_ComputeSystem_decode(doc, len, 0, &cs), HCS_ERR_INVALID_JSON);
    free(doc);
}

static void test_version_parse(void **state)
{
    hcs_schema_version v;
    (void)state;
    assert_int_equal(hcs_schema_version_parse("2.1", &v), HCS_S_OK);
    assert_int_equal(v.major, 2);
    assert_int_equal(v.minor, 1);
    assert_int_equal(hcs_schema_version_parse("2.16", &v), HCS_S_OK);
    assert_int_equal(v.minor, 16);
    assert_int_equal(hcs_schema_version_parse("2", &v), HCS_ERR_INVALIDARG);
    assert_int_equal(hcs_schema_version_parse("2.1.0", &v), HCS_ERR_INVALIDARG);
    assert_int_equal(hcs_schema_version_parse("v2.1", &v), HCS_ERR_INVALIDARG);
    assert_int_equal(hcs_schema_version_parse("2.300", &v), HCS_ERR_INVALIDARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_bad_enum),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_bad_guid),
        cmocka_unit_test(test_bad_formats),
        cmocka_unit_test(test_field_too_new),
        cmocka_unit_test(test_enum_value_too_new),
        cmocka_unit_test(test_gating_matches_version_data),
        cmocka_unit_test(test_children_of_too_new_field_not_repeated),
        cmocka_unit_test(test_one_of_system_kind),
        cmocka_unit_test(test_resource_path_grammar),
        cmocka_unit_test(test_guest_request_settings),
        cmocka_unit_test(test_hcn_policy_settings),
        cmocka_unit_test(test_hcn_query_filter),
        cmocka_unit_test(test_console_size),
        cmocka_unit_test(test_published_only),
        cmocka_unit_test(test_invalid_json),
        cmocka_unit_test(test_every_problem_reported),
        cmocka_unit_test(test_problem_limit),
        cmocka_unit_test(test_deep_nesting_bounded),
        cmocka_unit_test(test_version_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
