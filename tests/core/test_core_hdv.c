/* Contract tests under wine: hcs/hdv.h against the test-double
 * vmdevicehost.dll, which plays the VM (guest memory, doorbells) and
 * vmdevicehost (calling the device interface). All 17 functions are
 * reached (the last test checks the tally); the example device of
 * examples/hdv answers the guest's MMIO and raises its interrupt. */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hdv/win/abi.h"
#include "counter.h"
#include "fake_client.h"
#include "fake_ext.h"
#include "hcs.h"
#include "core_test_util.h"

static fake_ext X;

typedef const hcsi_hdv_pci_device_interface *(*dev_fn)(int i, void **ctx);
typedef int (*ring_fn)(int bar, uint64_t offset, uint64_t value);
typedef BYTE *(*mem_fn)(void);

#define contains assert_contains
#define INST "0e7a0001-c0de-4000-8000-000000000001"

/* A compute system to attach to: the computecore double's running VM. */
static hcs_system *g_sys;

static int setup(void **state)
{
    (void)state;
    fake_ext_setup(&X);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_ext_teardown(&X);
    return 0;
}

static int g_inits, g_teardowns;
static char g_config[256];

static hcs_result rec_init(void *ctx)
{
    (void)ctx;
    g_inits++;
    return HCS_S_OK;
}

static void rec_teardown(void *ctx)
{
    (void)ctx;
    g_teardowns++;
}

static hcs_result rec_config(void *ctx, size_t n, const char *const *values)
{
    size_t i;
    (void)ctx;
    g_config[0] = 0;
    for (i = 0; i < n; i++) {
        strncat(g_config, values[i] ? values[i] : "(null)", sizeof g_config - strlen(g_config) - 2);
        strcat(g_config, ";");
    }
    return HCS_S_OK;
}

static void test_example_device(void **state)
{
    dev_fn devs = (dev_fn)fake_ext_proc(&X, "FakeHdvDevice");
    hcs_hdv_host *host = NULL;
    counter_device c;
    const hcsi_hdv_pci_device_interface *itf;
    hcsi_hdv_pci_pnp_id pnp;
    UINT32 bars[6], v = 0;
    void *ctx = NULL;
    BYTE buf[4];
    const fake_call *call;
    (void)state;
    memset(&c, 0, sizeof c);
    c.msi_address = 0xFEE00000u;
    c.msi_data = 0x41;
    assert_int_equal(hcs_hdv_host_create(g_sys, 0, &host), HCS_S_OK);
    assert_int_not_equal(fake_ext_nth(&X, "HdvInitializeDeviceHost", 0)->h[0], 0);
    assert_int_equal(counter_create(host, INST, &c), HCS_S_OK);
    call = fake_ext_nth(&X, "HdvCreateDeviceInstance", 0);
    assert_int_equal(call->n[0], 1); /* HdvDeviceTypePCI */
    assert_int_equal(call->n[1] & 0xFFFFFFFFu, 0x0e7a0001u);
    assert_true(call->h[0] != 0 && call->h[0] < 0x100000u); /* the context is a key */
    /* vmdevicehost talks to the device */
    itf = devs(0, &ctx);
    assert_non_null(itf);
    assert_int_equal(itf->Version, 1);
    assert_int_equal(itf->Initialize(ctx), S_OK);
    memset(&pnp, 0, sizeof pnp);
    memset(bars, 0, sizeof bars);
    assert_int_equal(itf->GetDetails(ctx, &pnp, 6, bars), S_OK);
    assert_int_equal(pnp.VendorID, 0x1414);
    assert_int_equal(pnp.DeviceID, 0xC0DE);
    assert_int_equal(pnp.BaseClass, 0xFF);
    assert_int_equal(bars[0], 0xFFFFF000u);
    assert_int_equal(itf->Start(ctx), S_OK);
    assert_int_equal(c.started, 1);
    assert_int_equal(itf->ReadConfigSpace(ctx, 0, &v), S_OK);
    assert_int_equal(v, 0xC0DE1414u);
    assert_int_equal(itf->WriteConfigSpace(ctx, 4, 6), S_OK); /* NULL op: accepted */
    v = 7;
    assert_int_equal(itf->WriteInterceptedMemory(ctx, 0, 0, 4, (const BYTE *)&v), S_OK);
    v = 9;
    assert_int_equal(itf->WriteInterceptedMemory(ctx, 0, 0, 4, (const BYTE *)&v), S_OK);
    assert_int_equal(itf->ReadInterceptedMemory(ctx, 0, 0, 4, buf), S_OK);
    assert_int_equal(buf[0], 2);
    assert_int_equal(itf->ReadInterceptedMemory(ctx, 0, 4, 4, buf), S_OK);
    assert_int_equal(buf[0], 9);
    assert_int_equal(itf->ReadInterceptedMemory(ctx, 1, 0, 4, buf), E_INVALIDARG);
    /* RING: the device raises its MSI through the library */
    assert_int_equal(itf->WriteInterceptedMemory(ctx, 0, 8, 4, (const BYTE *)&v), S_OK);
    assert_int_equal(c.last_interrupt, HCS_S_OK);
    call = fake_ext_nth(&X, "HdvDeliverGuestInterrupt", 0);
    assert_int_equal(call->n[0], 0xFEE00000u);
    assert_int_equal(call->n[1], 0x41);
    itf->Stop(ctx);
    assert_int_equal(c.started, 0);
    assert_int_equal(hcs_hdv_host_teardown(host), HCS_S_OK);
    /* a callback after teardown finds nothing */
    assert_int_equal(itf->Start(ctx), HCS_ERR_HANDLE);
    assert_int_equal(hcs_hdv_deliver_interrupt(c.dev, 1, 2), HCS_ERR_HANDLE);
}

static void test_callbacks_and_defaults(void **state)
{
    dev_fn devs = (dev_fn)fake_ext_proc(&X, "FakeHdvDevice");
    hcs_hdv_pci_device_ops ops;
    hcs_hdv_host *host = NULL;
    hcs_hdv_device *d = NULL;
    const hcsi_hdv_pci_device_interface *itf;
    static const WCHAR v1[] = L"caf\x00e9", v2[] = L"x=1";
    const PCWSTR values[2] = {v1, v2};
    hcsi_hdv_pci_pnp_id pnp;
    UINT32 bars[6], v = 0;
    BYTE buf[2];
    void *ctx = NULL;
    (void)state;
    g_inits = g_teardowns = 0;
    memset(&ops, 0, sizeof ops);
    ops.initialize = rec_init;
    ops.teardown = rec_teardown;
    ops.set_configuration = rec_config;
    assert_int_equal(hcs_hdv_host_create(g_sys, HCS_HDV_HOST_FLAG_INIT_COM_SECURITY, &host), HCS_S_OK);
    assert_int_equal(fake_ext_nth(&X, "HdvInitializeDeviceHostEx", 0)->n[0], 1);
    assert_int_equal(hcs_hdv_device_create(host, INST, INST, &ops, NULL, &d), HCS_S_OK);
    itf = devs(0, &ctx);
    assert_int_equal(itf->Initialize(ctx), S_OK);
    assert_int_equal(g_inits, 1);
    assert_int_equal(itf->SetConfiguration(ctx, 2, values), S_OK);
    assert_string_equal(g_config, "caf\xc3\xa9;x=1;");
    memset(bars, 0xAA, sizeof bars);
    assert_int_equal(itf->GetDetails(ctx, &pnp, 6, bars), S_OK); /* NULL: zeros */
    assert_int_equal(pnp.VendorID, 0);
    assert_int_equal(bars[0], 0);
    assert_int_equal(itf->ReadConfigSpace(ctx, 0, &v), S_OK);
    assert_int_equal(v, 0xFFFFFFFFu);
    assert_int_equal(itf->ReadInterceptedMemory(ctx, 0, 0, 2, buf), S_OK);
    assert_int_equal(buf[1], 0xFF);
    assert_int_equal(itf->Start(ctx), S_OK);
    /* bad ids never reach the DLL */
    assert_int_equal(hcs_hdv_device_create(host, "nope", INST, &ops, NULL, &d), HCS_ERR_INVALIDARG);
    assert_null(d);
    /* teardown runs the device's Teardown (the double does, as vmdevicehost) */
    assert_int_equal(hcs_hdv_host_teardown(host), HCS_S_OK);
    assert_int_equal(g_teardowns, 1);
}

static void test_guest_memory_and_doorbells(void **state)
{
    ring_fn ring = (ring_fn)fake_ext_proc(&X, "FakeHdvRing");
    mem_fn mem = (mem_fn)fake_ext_proc(&X, "FakeHdvMemory");
    hcs_hdv_host *host = NULL;
    hcs_hdv_device *d = NULL;
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    char out[16];
    void *ap = NULL;
    (void)state;
    assert_int_equal(hcs_hdv_host_create(g_sys, 0, &host), HCS_S_OK);
    assert_int_equal(hcs_hdv_device_create(host, INST, INST, NULL, NULL, &d), HCS_S_OK);
    assert_int_equal(hcs_hdv_write_guest_memory(d, 0x1000, "hello guest", 12), HCS_S_OK);
    assert_string_equal((char *)mem() + 0x1000, "hello guest");
    memset(out, 0, sizeof out);
    assert_int_equal(hcs_hdv_read_guest_memory(d, 0x1000, out, 12), HCS_S_OK);
    assert_string_equal(out, "hello guest");
    assert_int_equal(hcs_hdv_read_guest_memory(d, (uint64_t)1 << 40, out, 4),
                     hcs_hresult_from_win32(487));
    contains(hcs_error_last()->message, "read guest memory (device \"" INST "\", HdvReadGuestMemory)");
    assert_int_equal(hcs_hdv_aperture_create(d, 0x1000, 4096, 1, &ap), HCS_S_OK);
    assert_memory_equal(ap, "hello", 5);
    assert_int_equal(fake_ext_nth(&X, "HdvCreateGuestMemoryAperture", 0)->n[1], ((uint64_t)1 << 32) | 4096);
    assert_int_equal(hcs_hdv_aperture_destroy(d, ap), HCS_S_OK);
    /* doorbells: the guest writes 5 at BAR0+0x40 */
    assert_int_equal(hcs_hdv_doorbell_register(d, 0, 0x40, 5, HCS_HDV_DOORBELL_SIZE_DWORD,
                                               (hcs_os_handle)ev), HCS_S_OK);
    assert_int_equal(ring(0, 0x40, 4), 0);
    assert_int_equal(ring(0, 0x40, 5), 1);
    assert_int_equal(WaitForSingleObject(ev, 1000), WAIT_OBJECT_0);
    assert_int_equal(hcs_hdv_doorbell_unregister(d, 0, 0x40, 5, HCS_HDV_DOORBELL_SIZE_DWORD), HCS_S_OK);
    assert_int_equal(ring(0, 0x40, 5), 0);
    assert_int_equal(hcs_hdv_doorbell_page_register(d, 2, 3, (hcs_os_handle)ev), HCS_S_OK);
    assert_int_equal(ring(2, 3 * 4096 + 12, 0), 1);
    assert_int_equal(WaitForSingleObject(ev, 1000), WAIT_OBJECT_0);
    assert_int_equal(hcs_hdv_doorbell_page_unregister(d, 2, 3), HCS_S_OK);
    assert_int_equal(hcs_hdv_doorbell_register(d, 6, 0, 0, 0, (hcs_os_handle)ev), HCS_ERR_INVALIDARG);
    /* section-backed MMIO */
    assert_int_equal(hcs_hdv_mmio_range_create(d, 1, 2, 4, HCS_HDV_MMIO_WRITEABLE,
                                               (hcs_os_handle)ev, 8), HCS_S_OK);
    assert_int_equal(fake_ext_nth(&X, "HdvCreateSectionBackedMmioRange", 0)->n[1],
                     ((uint64_t)1 << 32) | 4);
    assert_int_equal(hcs_hdv_mmio_range_destroy(d, 1, 2), HCS_S_OK);
    assert_int_equal(hcs_hdv_host_teardown(host), HCS_S_OK);
    CloseHandle(ev);
}

static void test_proxy_and_errors(void **state)
{
    hcs_hdv_host *host = NULL;
    uint64_t sec = 0;
    (void)state;
    assert_int_equal(hcs_hdv_host_create_for_proxy(INST, (void *)0x1234, &host), HCS_S_OK);
    assert_int_equal(fake_ext_nth(&X, "HdvInitializeDeviceHostForProxy", 0)->h[0], 0x1234);
    assert_int_equal(hcs_hdv_host_teardown(host), HCS_S_OK);
    assert_int_equal(hcs_hdv_proxy_device_host(g_sys, (void *)0x99, 4242, &sec), HCS_S_OK);
    assert_int_equal(sec, 0x5ec7);
    assert_int_equal(fake_ext_nth(&X, "HdvProxyDeviceHost", 0)->n[0], 4242);
    fake_ext_push(&X, "HdvInitializeDeviceHost", HCS_ERR_ACCESSDENIED, NULL);
    assert_int_equal(hcs_hdv_host_create(g_sys, 0, &host), HCS_ERR_ACCESSDENIED);
    assert_null(host);
    contains(hcs_error_last()->message,
             "create a device host for compute system \"fakevm-running\" (HdvInitializeDeviceHost)");
    assert_int_equal(hcs_hdv_host_create(NULL, 0, &host), HCS_ERR_POINTER);
    assert_int_equal(hcs_hdv_host_teardown(NULL), HCS_S_OK);
    assert_int_equal(hcs_hdv_function_count(), 17);
    assert_int_equal(hcs_hdv_function_present("HdvRegisterDoorbellPage"), 1);
    assert_int_equal(hcs_hdv_set_dll_path(fake_ext_path("nope\\vmdevicehost.dll")), HCS_S_OK);
    assert_int_equal(hcs_hdv_host_create(g_sys, 0, &host), HCS_ERR_WIN32_MOD_NOT_FOUND);
    contains(hcs_error_last()->message, "vmdevicehost.dll could not be loaded from \"");
    assert_int_equal(hcs_hdv_set_dll_path(fake_ext_path("vmdevicehost.dll")), HCS_S_OK);
    assert_int_equal(hcs_hdv_load(), HCS_S_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_example_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callbacks_and_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_memory_and_doorbells, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_and_errors, setup, teardown),
        cmocka_unit_test(fake_ext_every_function_reached),
    };
    int rc;
    fake_ext_track(hcsi_hdv_names, HCSI_HDV_COUNT);
    if (fake_load("computecore.dll") != 0 || HCS_FAILED(hcs_compute_system_open("fakevm-running", &g_sys)))
        return 1;
    if (fake_ext_load(&X, "vmdevicehost.dll", hcs_hdv_set_dll_path, hcs_hdv_load,
                      L"vmdevicehost.dll") != 0)
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    hcs_compute_system_close(g_sys);
    return rc;
}
