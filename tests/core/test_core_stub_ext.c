/* Not on Windows: every function of hcs/network.h, hcs/storage.h and
 * hcs/hdv.h that returns a result fails with HCS_ERR_WIN32_NOT_SUPPORTED,
 * names itself and says the Host Compute Service is only available on
 * Windows; outputs are cleared; nothing can be created. (The builders and
 * names, which work everywhere, are in test_core_net_common.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hcs.h"
#include "core_test_util.h"

static int g_checked;

/* a call, named after its function; check: any result, named by hand */
#define CHECK(fn, ...) check(fn(__VA_ARGS__), #fn)
#define check(hr, fn) assert_not_windows(hr, fn, &g_checked)
#define KIND(prefix, type)                                                              \
    do {                                                                                \
        type *h = (type *)1;                                                            \
        json = (char *)1;                                                               \
        check(prefix##_list(NULL, &json), #prefix "_list");                            \
        assert_null(json);                                                              \
        check(prefix##_get("id", NULL, &json), #prefix "_get");                         \
        check(prefix##_open("id", &h), #prefix "_open");                                \
        assert_null(h);                                                                 \
        check(prefix##_modify(NULL, "{}"), #prefix "_modify");                          \
        check(prefix##_properties(NULL, NULL, &json), #prefix "_properties");           \
        check(prefix##_delete("id"), #prefix "_delete");                                \
        prefix##_close(NULL);                                                           \
        assert_null(prefix##_id(NULL));                                                 \
    } while (0)

static void test_network(void **state)
{
    char *json = NULL;
    hcs_network *n = (hcs_network *)1;
    hcs_endpoint *e = (hcs_endpoint *)1;
    hcs_namespace *ns = (hcs_namespace *)1;
    hcs_lb *lb = (hcs_lb *)1;
    hcs_route *rt = (hcs_route *)1;
    hcs_gns *g = (hcs_gns *)1;
    hcs_net_subscription *sub = (hcs_net_subscription *)1;
    hcs_port_reservation *r = (hcs_port_reservation *)1;
    hcs_port_range_entry *entries = (hcs_port_range_entry *)1;
    size_t count = 1;
    uint16_t start = 1, end = 1;
    uint32_t ma = 1, mi = 1;
    (void)state;
    g_checked = 0;
    check(hcs_net_load(), "hcs_net_load");
    check(hcs_net_set_dll_path("x"), "hcs_net_set_dll_path");
    assert_int_equal(hcs_net_function_present("HcnCreateNetwork"), 0);
    KIND(hcs_net_network, hcs_network);
    KIND(hcs_net_endpoint, hcs_endpoint);
    KIND(hcs_net_namespace, hcs_namespace);
    KIND(hcs_net_lb, hcs_lb);
    KIND(hcs_net_route, hcs_route);
    check(hcs_net_network_create(NULL, "{}", &n), "hcs_net_network_create");
    check(hcs_net_namespace_create(NULL, "{}", &ns), "hcs_net_namespace_create");
    check(hcs_net_lb_create(NULL, "{}", &lb), "hcs_net_lb_create");
    check(hcs_net_route_create(NULL, "{}", &rt), "hcs_net_route_create");
    check(hcs_net_endpoint_create(NULL, NULL, "{}", &e), "hcs_net_endpoint_create");
    assert_null(n);
    assert_null(ns);
    assert_null(lb);
    assert_null(rt);
    assert_null(e);
    check(hcs_net_endpoint_stats(NULL, NULL, &json), "hcs_net_endpoint_stats");
    check(hcs_net_endpoint_addresses(NULL, NULL, &json), "hcs_net_endpoint_addresses");
    check(hcs_net_namespace_add_endpoint("a", "b"), "hcs_net_namespace_add_endpoint");
    check(hcs_net_namespace_remove_endpoint("a", "b"), "hcs_net_namespace_remove_endpoint");
    check(hcs_net_subscribe(NULL, 0, &sub), "hcs_net_subscribe");
    assert_null(sub);
    hcs_net_unsubscribe(NULL);
    check(hcs_net_gns_create(NULL, "{}", &g), "hcs_net_gns_create");
    assert_null(g);
    check(hcs_net_gns_modify(NULL, "{}"), "hcs_net_gns_modify");
    check(hcs_net_gns_delete("id"), "hcs_net_gns_delete");
    assert_null(hcs_net_gns_id(NULL));
    hcs_net_gns_close(NULL);
    check(hcs_net_gns_subscribe(NULL, NULL, 0, &sub), "hcs_net_gns_subscribe");
    check(hcs_net_gns_reserve_port(NULL, 1, 1, 80, &r), "hcs_net_gns_reserve_port");
    assert_null(r);
    check(hcs_net_gns_reserve_port_range(NULL, 4, &start, &end, &r), "hcs_net_gns_reserve_port_range");
    assert_int_equal(start, 0);
    check(hcs_net_port_reservation_release(NULL), "hcs_net_port_reservation_release");
    check(hcs_net_port_reservations_list(&entries, &count), "hcs_net_port_reservations_list");
    assert_null(entries);
    assert_int_equal(count, 0);
    check(hcs_net_hns_version(&ma, &mi), "hcs_net_hns_version");
    assert_int_equal(ma, 0);
    check(hcs_net_feature_require(HCS_NET_FEATURE_DSR), "hcs_net_feature_require");
    assert_int_equal(g_checked, 2 + 5 * 6 + 5 + 4 + 1 + 3 + 4 + 3);
}

static void test_storage(void **state)
{
    char *json = (char *)1;
    static const char *const privs[] = {"SeBackupPrivilege"};
    (void)state;
    g_checked = 0;
    check(hcs_layer_load(), "hcs_layer_load");
    CHECK(hcs_layer_set_dll_path, "x");
    assert_int_equal(hcs_layer_function_present("HcsImportLayer"), 0);
    CHECK(hcs_layer_import, "l", "s", "{}");
    CHECK(hcs_layer_export, "l", "e", "{}", NULL);
    CHECK(hcs_layer_export_legacy_writable, "m", "f", "e", "{}");
    CHECK(hcs_layer_destroy, "l");
    CHECK(hcs_layer_setup_base, "l", 0, "{}");
    CHECK(hcs_layer_setup_base_volume, "l", "v", "{}");
    CHECK(hcs_layer_init_writable, "l", "{}", NULL);
    CHECK(hcs_layer_init_legacy_writable, "m", "f", "{}", NULL);
    CHECK(hcs_layer_attach_filter, "l", "{}");
    CHECK(hcs_layer_detach_filter, "l");
    CHECK(hcs_layer_attach_overlay, "v", "{}");
    CHECK(hcs_layer_detach_overlay, "v", "{}");
    CHECK(hcs_layer_format_vhd, 0);
    CHECK(hcs_layer_format_vhd_file, "a.vhdx", HCS_VHD_HANDLE_AUTO);
    CHECK(hcs_layer_vhd_mount_path, 0, &json);
    assert_null(json);
    CHECK(hcs_layer_vhd_mount_path_file, "a.vhdx", &json);
    CHECK(hcs_layer_privileges_enable_list, privs, 1);
    check(hcs_layer_privileges_enable(), "hcs_layer_privileges_enable");
    assert_int_equal(hcs_layer_windows_build(), 0);
    assert_int_equal(g_checked, 20);
}

static int on_init(void *ctx)
{
    (void)ctx;
    return 0;
}

static void test_hdv(void **state)
{
    hcs_hdv_host *h = (hcs_hdv_host *)1;
    hcs_hdv_device *d = (hcs_hdv_device *)1;
    hcs_hdv_pci_device_ops ops;
    void *mapped = (void *)1;
    uint64_t sec = 1;
    char buf[4];
    (void)state;
    g_checked = 0;
    memset(&ops, 0, sizeof ops);
    ops.initialize = on_init;
    check(hcs_hdv_load(), "hcs_hdv_load");
    CHECK(hcs_hdv_set_dll_path, "x");
    assert_int_equal(hcs_hdv_function_present("HdvTeardownDeviceHost"), 0);
    CHECK(hcs_hdv_host_create, NULL, 0, &h);
    assert_null(h);
    h = (hcs_hdv_host *)1;
    CHECK(hcs_hdv_host_create_for_proxy, "id", NULL, &h);
    assert_null(h);
    CHECK(hcs_hdv_host_teardown, NULL);
    CHECK(hcs_hdv_proxy_device_host, NULL, NULL, 4, &sec);
    assert_int_equal(sec, 0);
    CHECK(hcs_hdv_device_create, NULL, "c", "i", &ops, NULL, &d);
    assert_null(d);
    CHECK(hcs_hdv_read_guest_memory, NULL, 0, buf, 4);
    CHECK(hcs_hdv_write_guest_memory, NULL, 0, buf, 4);
    CHECK(hcs_hdv_aperture_create, NULL, 0, 4096, 0, &mapped);
    assert_null(mapped);
    CHECK(hcs_hdv_aperture_destroy, NULL, NULL);
    CHECK(hcs_hdv_deliver_interrupt, NULL, 0xFEE00000u, 0x41);
    CHECK(hcs_hdv_doorbell_register, NULL, 0, 0, 1, 0, 0);
    CHECK(hcs_hdv_doorbell_unregister, NULL, 0, 0, 1, 0);
    CHECK(hcs_hdv_doorbell_page_register, NULL, 0, 0, 0);
    CHECK(hcs_hdv_doorbell_page_unregister, NULL, 0, 0);
    CHECK(hcs_hdv_mmio_range_create, NULL, 0, 0, 1, 0, 0, 0);
    CHECK(hcs_hdv_mmio_range_destroy, NULL, 0, 0);
    assert_int_equal(g_checked, 18);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_network),
        cmocka_unit_test(test_storage),
        cmocka_unit_test(test_hdv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
