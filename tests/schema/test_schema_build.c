/* Schema layer builders: each must emit what hcsshim emits for the same
 * intent. The examples in ../shared/docs/hcs-schema.md section 6 are the
 * reference (compared as JSON values); every output must also validate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define ST_WITH_DOCS /* g_docs: the JSON examples of hcs-schema.md */
#include "schema_test_util.h"


/* Evaluates a builder call, then checks its output (argument evaluation
 * order is unspecified, hence the macro). */
#define check(call, json, type, doc)             \
    do {                                         \
        hcs_result hr_ = (call);                 \
        check_json(hr_, (json), (type), (doc));  \
    } while (0)

/* Checks a builder's output: valid as `type`, and equal to doc example
 * `doc` (1-based; 0 = no reference). Frees json. */
static void check_json(hcs_result hr, char *json, hcs_schema_type_id type, size_t doc)
{
    hcs_schema_report *rep = NULL;
    if (HCS_FAILED(hr))
        fail_msg("builder failed: %s", hcs_error_last()->message);
    assert_non_null(json);
    hcs_schema_validate(type, json, strlen(json), NULL, 0, &rep);
    if (rep->count) {
        size_t i;
        for (i = 0; i < rep->count; i++)
            print_message("  %s: %s\n", rep->problems[i].path, rep->problems[i].message);
        fail_msg("builder output does not validate: %s", json);
    }
    hcs_schema_report_free(rep);
    if (doc) {
        if (g_ndocs < doc) {
            hcs_free(json);
            skip();
        }
        if (!st_text_equal(json, strlen(json), g_docs[doc - 1], strlen(g_docs[doc - 1])))
            fail_msg("differs from hcs-schema.md example %zu\nbuilt: %s\n  doc: %s", doc, json, g_docs[doc - 1]);
    }
    hcs_free(json);
}

static void test_wcow_process_container(void **state)
{
    static const hcs_schema_layer layers[] = {
        {"8f3e7a4c-2d51-5b6e-9a07-1c4d2e6f8b90",
         "C:\\ProgramData\\containerd\\root\\io.containerd.snapshotter.v1.windows\\snapshots\\12"},
        {"0b6f2c1e-7d43-5a98-b2e1-6f0a9c3d4e57",
         "C:\\ProgramData\\containerd\\root\\io.containerd.snapshotter.v1.windows\\snapshots\\11"},
    };
    static const hcs_schema_mapped_dir mounts[] = {{"C:\\data\\web", "C:\\inetpub\\wwwroot", 1}};
    hcs_schema_wcow_container_options o;
    char *json = NULL;
    (void)state;
    o = (hcs_schema_wcow_container_options)HCS_SCHEMA_WCOW_CONTAINER_OPTIONS_INIT;
    o.owner = "containerd-shim-runhcs-v1.exe";
    o.hostname = "web-0";
    o.layers = layers;
    o.layer_count = 2;
    o.scratch_path = "\\\\?\\Volume{6a1e5b3c-9f2d-4c7e-8b0a-2d4f6e8a1c3b}\\";
    o.mounts = mounts;
    o.mount_count = 1;
    o.memory_mb = 2048;
    o.processor_count = 2;
    o.network_namespace = "4c7d2a9e-1b3f-4e6a-8d5c-9f0b2e4a6c81";
    check(hcs_schema_build_wcow_container(&o, &json), json, HCS_SCHEMA_S2_ComputeSystem, 1);

    /* Hyper-V isolated: the same container inside HostedSystem */
    assert_int_equal(hcs_schema_build_hyperv_container(&o, "uvm-1", &json), HCS_S_OK);
    assert_non_null(strstr(json, "\"HostingSystemId\":\"uvm-1\",\"HostedSystem\":{\"SchemaVersion\":{\"Major\":2,"
                                 "\"Minor\":1},\"Container\":{\"GuestOs\":{\"HostName\":\"web-0\"}"));
    check(HCS_S_OK, json, HCS_SCHEMA_S2_ComputeSystem, 0);

    /* required options */
    o.layers = NULL;
    assert_int_equal(hcs_schema_build_wcow_container(&o, &json), HCS_ERR_INVALIDARG);
    assert_string_equal(hcs_error_last()->message, "WCOW container: layers is required");
    assert_null(json);
    o.layers = layers;
    assert_int_equal(hcs_schema_build_hyperv_container(&o, NULL, &json), HCS_ERR_INVALIDARG);
}

static void test_lcow_uvm(void **state)
{
    hcs_schema_lcow_uvm_options o;
    char *json = NULL;
    (void)state;
    o = (hcs_schema_lcow_uvm_options)HCS_SCHEMA_LCOW_UVM_OPTIONS_INIT;
    o.owner = "containerd-shim-runhcs-v1.exe";
    o.boot_dir = "C:\\Program Files\\Linux Containers";
    check(hcs_schema_build_lcow_uvm(&o, &json), json, HCS_SCHEMA_S2_ComputeSystem, 2);

    /* rootfs.vhd: VPMem device 0 and root= first on the command line */
    o.rootfs_vhd = "rootfs.vhd";
    assert_int_equal(hcs_schema_build_lcow_uvm(&o, &json), HCS_S_OK);
    assert_non_null(strstr(json, "\"KernelCmdLine\":\"root=/dev/pmem0 ro rootwait init=/init initcall_blacklist="));
    assert_non_null(strstr(json, "\"VirtualPMem\":{\"Devices\":{\"0\":{\"HostPath\":\"C:\\\\Program Files\\\\Linux "
                                 "Containers\\\\rootfs.vhd\",\"ReadOnly\":true,\"ImageFormat\":\"Vhd1\"}}"));
    assert_null(strstr(json, "InitRdPath"));
    check(HCS_S_OK, json, HCS_SCHEMA_S2_ComputeSystem, 0);

    /* UEFI boot */
    o.rootfs_vhd = NULL;
    o.uefi_boot = 1;
    o.processor_count = 4;
    o.scsi_controllers = 4;
    assert_int_equal(hcs_schema_build_lcow_uvm(&o, &json), HCS_S_OK);
    assert_non_null(strstr(json, "\"Uefi\":{\"BootThis\":{\"DeviceType\":\"VmbFs\",\"DevicePath\":\"\\\\kernel\","
                                 "\"OptionalData\":\" initcall_blacklist"));
    assert_non_null(strstr(json, "nr_cpus=4"));
    assert_non_null(strstr(json, "\"305891a9-b251-5dfe-91a2-c25d9212275b\":{}"));
    check(HCS_S_OK, json, HCS_SCHEMA_S2_ComputeSystem, 0);

    o.scsi_controllers = 5;
    assert_int_equal(hcs_schema_build_lcow_uvm(&o, &json), HCS_ERR_INVALIDARG);
    o.scsi_controllers = 1;
    o.boot_dir = NULL;
    assert_int_equal(hcs_schema_build_lcow_uvm(&o, &json), HCS_ERR_INVALIDARG);
}

static void test_wcow_uvm(void **state)
{
    hcs_schema_wcow_uvm_options o;
    char *json = NULL;
    (void)state;
    o = (hcs_schema_wcow_uvm_options)HCS_SCHEMA_WCOW_UVM_OPTIONS_INIT;
    o.owner = "containerd-shim-runhcs-v1.exe";
    o.uvm_folder = "C:\\layers\\base";
    o.scratch_vhdx = "C:\\state\\uvm\\sandbox.vhdx";
    assert_int_equal(hcs_schema_build_wcow_uvm(&o, &json), HCS_S_OK);
    assert_string_equal(
        json,
        "{\"Owner\":\"containerd-shim-runhcs-v1.exe\",\"SchemaVersion\":{\"Major\":2,\"Minor\":1},"
        "\"VirtualMachine\":{\"StopOnReset\":true,\"Chipset\":{\"Uefi\":{\"BootThis\":{\"DeviceType\":\"VmbFs\","
        "\"DevicePath\":\"\\\\EFI\\\\Microsoft\\\\Boot\\\\bootmgfw.efi\"}}},\"ComputeTopology\":{\"Memory\":"
        "{\"SizeInMB\":1024,\"AllowOvercommit\":true,\"EnableHotHint\":true},\"Processor\":{\"Count\":2}},"
        "\"Devices\":{\"Scsi\":{\"df6d0690-79e5-55b6-a5ec-c1e2f77f580a\":{\"Attachments\":{\"0\":{\"Type\":"
        "\"VirtualDisk\",\"Path\":\"C:\\\\state\\\\uvm\\\\sandbox.vhdx\"}}}},\"HvSocket\":{\"HvSocketConfig\":"
        "{\"DefaultBindSecurityDescriptor\":\"D:P(A;;FA;;;SY)(A;;FA;;;BA)\"}},\"VirtualSmb\":{\"Shares\":[{\"Name\":"
        "\"os\",\"Path\":\"C:\\\\layers\\\\base\\\\UtilityVM\\\\Files\",\"Options\":{\"ReadOnly\":true,\"ShareRead\":"
        "true,\"CacheIo\":true,\"TakeBackupPrivilege\":true,\"PseudoOplocks\":true}}],\"DirectFileMappingInMB\":1024}}},"
        "\"ShouldTerminateOnLastHandleClosed\":true}");
    check(HCS_S_OK, json, HCS_SCHEMA_S2_ComputeSystem, 0);
}

static void test_scsi(void **state)
{
    hcs_schema_scsi_options o;
    hcs_schema_scsi_guest_options g;
    char *json = NULL;
    (void)state;
    o = (hcs_schema_scsi_options)HCS_SCHEMA_SCSI_OPTIONS_INIT;
    o.controller = 0;
    o.lun = 1;
    o.host_path = "C:\\ProgramData\\containerd\\state\\io.containerd.runtime.v2.task\\k8s.io\\abc\\sandbox.vhdx";
    check(hcs_schema_build_scsi(&o, &json), json, HCS_SCHEMA_S2_ModifySettingRequest, 3);
    g = (hcs_schema_scsi_guest_options)HCS_SCHEMA_SCSI_GUEST_OPTIONS_INIT;
    g.lun = 1;
    g.mount_path = "/run/mounts/scsi/m1";
    check(hcs_schema_build_scsi_guest(&g, &json), json, HCS_SCHEMA_S2_ModifySettingRequest, 4);
    /* Windows guest */
    g.mount_path = NULL;
    g.container_path = "C:\\data";
    assert_int_equal(hcs_schema_build_scsi_guest(&g, &json), HCS_S_OK);
    assert_string_equal(json, "{\"GuestRequest\":{\"RequestType\":\"Add\",\"ResourceType\":\"MappedVirtualDisk\","
                              "\"Settings\":{\"ContainerPath\":\"C:\\\\data\",\"Lun\":1}}}");
    check(HCS_S_OK, json, HCS_SCHEMA_S2_ModifySettingRequest, 0);
    /* remove: no Settings */
    o.request = HCS_SCHEMA_REQUEST_REMOVE;
    o.controller = 2;
    assert_int_equal(hcs_schema_build_scsi(&o, &json), HCS_S_OK);
    assert_string_equal(json, "{\"ResourcePath\":\"VirtualMachine/Devices/Scsi/b5d2d8d4-3a75-51bf-945b-3444dc6b8579/"
                              "Attachments/1\",\"RequestType\":\"Remove\"}");
    check(HCS_S_OK, json, HCS_SCHEMA_S2_ModifySettingRequest, 0);
    o.controller = 4;
    assert_int_equal(hcs_schema_build_scsi(&o, &json), HCS_ERR_INVALIDARG);
    assert_string_equal(hcs_schema_scsi_controller_guid(1), "0110f83b-de10-5172-a266-78bca56bf50a");
    assert_null(hcs_schema_scsi_controller_guid(4));
}

static void test_vpmem(void **state)
{
    hcs_schema_vpmem_options o;
    char *json = NULL;
    (void)state;
    o = (hcs_schema_vpmem_options)HCS_SCHEMA_VPMEM_OPTIONS_INIT;
    o.host_path = "C:\\\xe2\x80\xa6\\layer.vhd"; /* the doc's "C:\…\layer.vhd" */
    o.mount_path = "/run/layers/p0";
    check(hcs_schema_build_vpmem(&o, &json), json, HCS_SCHEMA_S2_ModifySettingRequest, 5);
    o.device = 3;
    assert_int_equal(hcs_schema_build_vpmem(&o, &json), HCS_S_OK);
    assert_non_null(strstr(json, "\"Settings\":{\"DeviceNumber\":3,\"MountPath\":\"/run/layers/p0\"}"));
    check(HCS_S_OK, json, HCS_SCHEMA_S2_ModifySettingRequest, 0);
}

static void test_nic(void **state)
{
    static const hcs_ip_config ips[] = {{"192.168.100.10", 24}};
    static const hcs_ip_route routes[] = {{"192.168.100.1", "0.0.0.0/0", 0}};
    hcs_schema_nic_options o;
    char *json = NULL;
    (void)state;
    o = (hcs_schema_nic_options)HCS_SCHEMA_NIC_OPTIONS_INIT;
    o.endpoint_id = "3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60";
    o.mac_address = "00-15-5D-52-C0-0A";
    o.namespace_id = "4c7d2a9e-1b3f-4e6a-8d5c-9f0b2e4a6c81";
    o.dns_servers = "192.168.100.1";
    o.ip_configs = ips;
    o.ip_config_count = 1;
    o.routes = routes;
    o.route_count = 1;
    check(hcs_schema_build_nic(&o, &json), json, HCS_SCHEMA_S2_ModifySettingRequest, 6);
    o.namespace_id = NULL;
    assert_int_equal(hcs_schema_build_nic(&o, &json), HCS_S_OK);
    assert_null(strstr(json, "GuestRequest"));
    check(HCS_S_OK, json, HCS_SCHEMA_S2_ModifySettingRequest, 0);
}

static void test_plan9_and_vsmb(void **state)
{
    static const char *const files[] = {"a.txt"};
    hcs_schema_plan9_options p;
    hcs_schema_vsmb_options v;
    char *json = NULL;
    (void)state;
    p = (hcs_schema_plan9_options)HCS_SCHEMA_PLAN9_OPTIONS_INIT;
    p.name = "1";
    p.host_path = "C:\\share";
    p.mount_path = "/mounts/m1";
    p.read_only = 1;
    assert_int_equal(hcs_schema_build_plan9(&p, &json), HCS_S_OK);
    assert_string_equal(json,
                        "{\"ResourcePath\":\"VirtualMachine/Devices/Plan9/Shares\",\"RequestType\":\"Add\",\"Settings\":"
                        "{\"Name\":\"1\",\"AccessName\":\"1\",\"Path\":\"C:\\\\share\",\"Port\":564,\"Flags\":5},"
                        "\"GuestRequest\":{\"RequestType\":\"Add\",\"ResourceType\":\"MappedDirectory\",\"Settings\":"
                        "{\"MountPath\":\"/mounts/m1\",\"Port\":564,\"ShareName\":\"1\",\"ReadOnly\":true}}}");
    check(HCS_S_OK, json, HCS_SCHEMA_S2_ModifySettingRequest, 0);

    v = (hcs_schema_vsmb_options)HCS_SCHEMA_VSMB_OPTIONS_INIT;
    v.name = "s1";
    v.host_path = "C:\\dir";
    v.read_only = 1;
    v.allowed_files = files;
    v.allowed_file_count = 1;
    assert_int_equal(hcs_schema_build_vsmb(&v, &json), HCS_S_OK);
    assert_string_equal(json,
                        "{\"ResourcePath\":\"VirtualMachine/Devices/VirtualSmb/Shares\",\"RequestType\":\"Add\","
                        "\"Settings\":{\"Name\":\"s1\",\"Path\":\"C:\\\\dir\",\"AllowedFiles\":[\"a.txt\"],\"Options\":"
                        "{\"ReadOnly\":true,\"ShareRead\":true,\"CacheIo\":true,\"RestrictFileAccess\":true,"
                        "\"PseudoOplocks\":true,\"SingleFileMapping\":true}}}");
    check(HCS_S_OK, json, HCS_SCHEMA_S2_ModifySettingRequest, 0);
    v.request = HCS_SCHEMA_REQUEST_REMOVE;
    assert_int_equal(hcs_schema_build_vsmb(&v, &json), HCS_S_OK);
    assert_string_equal(json, "{\"ResourcePath\":\"VirtualMachine/Devices/VirtualSmb/Shares\",\"RequestType\":"
                              "\"Remove\",\"Settings\":{\"Name\":\"s1\"}}");
    check(HCS_S_OK, json, HCS_SCHEMA_S2_ModifySettingRequest, 0);
}

static void test_hcn(void **state)
{
    static const hcs_schema_hcn_port_mapping pm[] = {{6, 80, 8080, NULL, 0}};
    static const hcs_schema_hcn_subnet sub[] = {{"192.168.100.0/24", "192.168.100.1", 0, 0}};
    static const char *const search[] = {"svc.cluster.local"};
    static const char *const servers[] = {"192.168.100.1"};
    static const char *const eps[] = {"3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60"};
    hcs_schema_hcn_network_options n;
    hcs_schema_hcn_endpoint_options e;
    hcs_schema_hcn_namespace_options ns;
    char *json = NULL;
    (void)state;
    n = (hcs_schema_hcn_network_options)HCS_SCHEMA_HCN_NETWORK_OPTIONS_INIT;
    n.name = "nat-test";
    n.subnets = sub;
    n.subnet_count = 1;
    n.mac_pool_start = "00-15-5D-52-C0-00";
    n.mac_pool_end = "00-15-5D-52-CF-FF";
    check(hcs_schema_build_hcn_network(&n, &json), json, HCS_SCHEMA_HCN_HostComputeNetwork, 8);

    e = (hcs_schema_hcn_endpoint_options)HCS_SCHEMA_HCN_ENDPOINT_OPTIONS_INIT;
    e.name = "web-0_eth0";
    e.network_id = "b5b5f3ea-3c2a-4d7e-9c8e-2f1a7d6b4e30";
    e.port_mappings = pm;
    e.port_mapping_count = 1;
    e.ip_address = "192.168.100.10";
    e.prefix_length = 24;
    e.gateway = "192.168.100.1";
    e.dns_search = search;
    e.dns_search_count = 1;
    e.dns_servers = servers;
    e.dns_server_count = 1;
    check(hcs_schema_build_hcn_endpoint(&e, &json), json, HCS_SCHEMA_HCN_HostComputeEndpoint, 9);

    ns = (hcs_schema_hcn_namespace_options)HCS_SCHEMA_HCN_NAMESPACE_OPTIONS_INIT;
    ns.endpoint_ids = eps;
    ns.endpoint_count = 1;
    check(hcs_schema_build_hcn_namespace(&ns, &json), json, HCS_SCHEMA_HCN_HostComputeNamespace, 10);
    ns.type = "Container";
    assert_int_equal(hcs_schema_build_hcn_namespace(&ns, &json), HCS_ERR_INVALIDARG);

    check(hcs_schema_build_hcn_query("{\"Name\": \"nat-test\"}", 0, &json), json, HCS_SCHEMA_HCN_HostComputeQuery, 11);
    assert_int_equal(hcs_schema_build_hcn_query("[1]", 0, &json), HCS_ERR_INVALIDARG);
    assert_int_equal(hcs_schema_build_hcn_query(NULL, 1, &json), HCS_S_OK);
    assert_string_equal(json, "{\"SchemaVersion\":{\"Major\":2,\"Minor\":0},\"Flags\":1}");
    hcs_free(json);

    /* an endpoint with nothing but the network: Dns/Health/SchemaVersion as Go emits them */
    e = (hcs_schema_hcn_endpoint_options)HCS_SCHEMA_HCN_ENDPOINT_OPTIONS_INIT;
    e.network_id = "b5b5f3ea-3c2a-4d7e-9c8e-2f1a7d6b4e30";
    assert_int_equal(hcs_schema_build_hcn_endpoint(&e, &json), HCS_S_OK);
    assert_string_equal(json, "{\"Health\":{\"Extra\":{}},\"SchemaVersion\":{\"Major\":2,\"Minor\":0},"
                              "\"HostComputeNetwork\":\"b5b5f3ea-3c2a-4d7e-9c8e-2f1a7d6b4e30\",\"Dns\":{}}");
    hcs_free(json);
}

/* Option structs are versioned: 0 (never initialised) and an unknown
 * version are refused with a message naming the struct. */
static void test_options_version(void **state)
{
    hcs_schema_vpmem_options o = HCS_SCHEMA_VPMEM_OPTIONS_INIT;
    hcs_schema_hcn_lb_options lb;
    char *json = NULL;
    (void)state;
    assert_int_equal(o.version, HCS_SCHEMA_VPMEM_OPTIONS_VERSION);
    o.host_path = "C:\\l.vhdx";
    o.version = 0;
    assert_int_equal(hcs_schema_build_vpmem(&o, &json), HCS_ERR_INVALIDARG);
    assert_null(json);
    assert_non_null(strstr(hcs_error_last()->message, "hcs_schema_vpmem_options: version is 0"));
    assert_non_null(strstr(hcs_error_last()->message, "HCS_SCHEMA_VPMEM_OPTIONS_INIT"));
    o.version = HCS_SCHEMA_VPMEM_OPTIONS_VERSION + 1;
    assert_int_equal(hcs_schema_build_vpmem(&o, &json), HCS_ERR_INVALIDARG);
    assert_non_null(strstr(hcs_error_last()->message, "is not one this library knows"));
    o.version = HCS_SCHEMA_VPMEM_OPTIONS_VERSION;
    assert_int_equal(hcs_schema_build_vpmem(&o, &json), HCS_S_OK);
    hcs_free(json);
    memset(&lb, 0, sizeof lb);
    assert_int_equal(hcs_schema_build_hcn_lb(&lb, &json), HCS_ERR_INVALIDARG);
    assert_non_null(strstr(hcs_error_last()->message, "hcs_schema_hcn_lb_options"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_version),
        cmocka_unit_test(test_wcow_process_container),
        cmocka_unit_test(test_lcow_uvm),
        cmocka_unit_test(test_wcow_uvm),
        cmocka_unit_test(test_scsi),
        cmocka_unit_test(test_vpmem),
        cmocka_unit_test(test_nic),
        cmocka_unit_test(test_plan9_and_vsmb),
        cmocka_unit_test(test_hcn),
    };
    return cmocka_run_group_tests(tests, load_docs, free_docs);
}
