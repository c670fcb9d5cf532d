/*
 * The HDV module on Windows: vmdevicehost.dll loaded at run time (win/loader.h),
 * every function behind hcs/hdv.h. The device interface HDV calls is one
 * static table of trampolines; the device context HDV holds is the
 * device's integer key (compute/compute_int.h), looked up on every callback.
 */
#include <stdlib.h>
#include <string.h>

#include "win/loader.h"
#include "hdv/win/abi.h"

#define VX(name) HCSI_HDV_IX_##name
#define HDV(t, name) ((hcsi_hdv_pfn_##name)(t)->fn[VX(name)])
#define KEYCTX(o) ((void *)(uintptr_t)(o)->base.key)

static hcsi_dll_slot *const g_slot = &hcsi_dll_vmdevicehost;

HCSI_DLL_LOADER_API(g_slot, hcs_hdv_load, hcs_hdv_set_dll_path, hcs_hdv_function_present)

struct hcs_hdv_device {
    hcsi_obj base;
    const hcsi_dll *t;
    HCSI_HDV_DEVICE h;
    hcs_hdv_pci_device_ops ops;
    void *ctx;
    int dead; /* the host was torn down */
    char id[37];
    struct hcs_hdv_device *next;
};

struct hcs_hdv_host {
    const hcsi_dll *t;
    HCSI_HDV_HOST h;
    hcsi_mutex m;
    hcs_hdv_device *devices; /* m */
};

/* ---- the device interface (trampolines) ---- */

static hcs_hdv_device *dev_of(void *ctx)
{
    return (hcs_hdv_device *)hcsi_obj_lookup((uint64_t)(uintptr_t)ctx, HCSI_KIND_HDV_DEVICE);
}

/* Initialize, Start, Teardown and Stop: the device's own callback (a
 * device without one succeeds); HCS_ERR_HANDLE once the device is gone. */
enum { STEP_INITIALIZE, STEP_START, STEP_TEARDOWN, STEP_STOP };

static HRESULT lifecycle(void *ctx, int step)
{
    hcs_hdv_device *d = dev_of(ctx);
    HRESULT hr = HCS_S_OK;
    if (!d)
        return HCS_ERR_HANDLE;
    if (step == STEP_INITIALIZE && d->ops.initialize)
        hr = d->ops.initialize(d->ctx);
    else if (step == STEP_START && d->ops.start)
        hr = d->ops.start(d->ctx);
    else if (step == STEP_TEARDOWN && d->ops.teardown)
        d->ops.teardown(d->ctx);
    else if (step == STEP_STOP && d->ops.stop)
        d->ops.stop(d->ctx);
    hcsi_obj_unref(&d->base);
    return hr;
}

static HRESULT CALLBACK t_initialize(void *ctx) { return lifecycle(ctx, STEP_INITIALIZE); }

static void CALLBACK t_teardown(void *ctx) { (void)lifecycle(ctx, STEP_TEARDOWN); }

static HRESULT CALLBACK t_set_configuration(void *ctx, UINT32 n, const PCWSTR *values)
{
    hcs_hdv_device *d = dev_of(ctx);
    HRESULT hr = HCS_S_OK;
    char **u = NULL;
    UINT32 i;
    if (!d)
        return HCS_ERR_HANDLE;
    if (d->ops.set_configuration) {
        u = (char **)hcsi_calloc(n ? n : 1, sizeof *u);
        if (!u) {
            hr = HCS_ERR_OUTOFMEMORY;
        } else {
            for (i = 0; i < n && hr == HCS_S_OK; i++)
                if (values && values[i] && !(u[i] = hcsi_w_lossy(values[i], (size_t)-1)))
                    hr = HCS_ERR_INVALIDARG;
            if (hr == HCS_S_OK)
                hr = d->ops.set_configuration(d->ctx, n, (const char *const *)u);
            for (i = 0; i < n; i++)
                free(u[i]);
            free(u);
        }
    }
    hcsi_obj_unref(&d->base);
    return hr;
}

static HRESULT CALLBACK t_get_details(void *ctx, hcsi_hdv_pci_pnp_id *pnp, UINT32 nbars,
                                      UINT32 *bars)
{
    hcs_hdv_device *d = dev_of(ctx);
    hcs_hdv_pci_pnp_id id;
    uint32_t b[HCS_HDV_PCI_BAR_COUNT];
    HRESULT hr = HCS_S_OK;
    UINT32 i;
    if (!d)
        return HCS_ERR_HANDLE;
    memset(&id, 0, sizeof id);
    memset(b, 0, sizeof b);
    if (d->ops.get_details)
        hr = d->ops.get_details(d->ctx, &id, b);
    if (hr == HCS_S_OK) {
        if (pnp) {
            pnp->VendorID = id.vendor_id;
            pnp->DeviceID = id.device_id;
            pnp->RevisionID = id.revision_id;
            pnp->ProgIf = id.prog_if;
            pnp->SubClass = id.sub_class;
            pnp->BaseClass = id.base_class;
            pnp->SubVendorID = id.sub_vendor_id;
            pnp->SubSystemID = id.sub_system_id;
        }
        for (i = 0; bars && i < nbars && i < HCS_HDV_PCI_BAR_COUNT; i++)
            bars[i] = b[i];
    }
    hcsi_obj_unref(&d->base);
    return hr;
}

static HRESULT CALLBACK t_start(void *ctx) { return lifecycle(ctx, STEP_START); }

static void CALLBACK t_stop(void *ctx) { (void)lifecycle(ctx, STEP_STOP); }

static HRESULT CALLBACK t_read_config(void *ctx, UINT32 offset, UINT32 *value)
{
    hcs_hdv_device *d = dev_of(ctx);
    HRESULT hr = HCS_S_OK;
    uint32_t v = 0xFFFFFFFFu;
    if (!d)
        return HCS_ERR_HANDLE;
    if (d->ops.read_config_space)
        hr = d->ops.read_config_space(d->ctx, offset, &v);
    if (value)
        *value = v;
    hcsi_obj_unref(&d->base);
    return hr;
}

static HRESULT CALLBACK t_write_config(void *ctx, UINT32 offset, UINT32 value)
{
    hcs_hdv_device *d = dev_of(ctx);
    HRESULT hr = HCS_S_OK;
    if (!d)
        return HCS_ERR_HANDLE;
    if (d->ops.write_config_space)
        hr = d->ops.write_config_space(d->ctx, offset, value);
    hcsi_obj_unref(&d->base);
    return hr;
}

/* ReadInterceptedMemory (into) and WriteInterceptedMemory (from): the
 * device's callback; a device without a read callback reads all ones. */
static HRESULT intercepted(void *ctx, int write, INT32 bar, UINT64 offset, UINT64 length,
                           BYTE *into, const BYTE *from)
{
    hcs_hdv_device *d = dev_of(ctx);
    HRESULT hr = HCS_S_OK;
    if (!d)
        return HCS_ERR_HANDLE;
    if (write && d->ops.write_intercepted_memory)
        hr = d->ops.write_intercepted_memory(d->ctx, (int)bar, offset, length, from);
    else if (!write && d->ops.read_intercepted_memory)
        hr = d->ops.read_intercepted_memory(d->ctx, (int)bar, offset, length, into);
    else if (!write && into && length)
        memset(into, 0xFF, (size_t)length);
    hcsi_obj_unref(&d->base);
    return hr;
}

static HRESULT CALLBACK t_read_mem(void *ctx, INT32 bar, UINT64 offset, UINT64 length,
                                   BYTE *value)
{
    return intercepted(ctx, 0, bar, offset, length, value, NULL);
}

static HRESULT CALLBACK t_write_mem(void *ctx, INT32 bar, UINT64 offset, UINT64 length,
                                    const BYTE *value)
{
    return intercepted(ctx, 1, bar, offset, length, NULL, value);
}

static const hcsi_hdv_pci_device_interface k_interface = {
    HCSI_HDV_PCI_INTERFACE_VERSION_1, t_initialize, t_teardown, t_set_configuration,
    t_get_details, t_start, t_stop, t_read_config, t_write_config, t_read_mem, t_write_mem};

/* ---- host ---- */

static hcs_result host_new(const hcsi_dll *t, HCSI_HDV_HOST h, hcs_hdv_host **out)
{
    hcs_hdv_host *host = (hcs_hdv_host *)calloc(1, sizeof *host);
    if (!host) {
        (void)HDV(t, HdvTeardownDeviceHost)(h);
        return hcsi_err_oom();
    }
    host->t = t;
    host->h = h;
    hcsi_mutex_init(&host->m);
    *out = host;
    return HCS_S_OK;
}

hcs_result hcs_hdv_host_create(hcs_system *s, uint32_t flags, hcs_hdv_host **out)
{
    const hcsi_dll *t;
    HCSI_HDV_HOST h = NULL;
    HCSI_CC_SYSTEM sys;
    int ix;
    hcs_result hr;
    if (out)
        *out = NULL;
    if (!s || !out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_hdv_host_create: %s is NULL", s ? "out" : "s");
    hr = hcsi_dll_get(g_slot, &t);
    if (HCS_FAILED(hr))
        return hr;
    ix = flags == 0 && t->fn[VX(HdvInitializeDeviceHost)] ? VX(HdvInitializeDeviceHost)
                                                            : VX(HdvInitializeDeviceHostEx);
    hr = hcsi_dll_need(g_slot, &t, ix, VX(HdvTeardownDeviceHost), -1);
    if (HCS_FAILED(hr))
        return hr;
    sys = hcsi_system_acquire(s);
    if (ix == VX(HdvInitializeDeviceHost))
        hr = HDV(t, HdvInitializeDeviceHost)(sys, &h);
    else
        hr = HDV(t, HdvInitializeDeviceHostEx)(sys, (INT32)flags, &h);
    hcsi_system_release(s);
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "create a device host for compute system \"%s\" (%s)",
                              hcs_compute_system_id(s), hcsi_hdv_names[ix]);
    return host_new(t, h, out);
}

hcs_result hcs_hdv_host_create_for_proxy(const char *vm_id, void *proxy, hcs_hdv_host **out)
{
    const hcsi_dll *t;
    HCSI_HDV_HOST h = NULL;
    GUID g;
    hcs_result hr;
    if (out)
        *out = NULL;
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_hdv_host_create_for_proxy: out is NULL");
    hr = hcsi_dll_need(g_slot, &t, VX(HdvInitializeDeviceHostForProxy),
                       VX(HdvTeardownDeviceHost), -1);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_guid_arg(vm_id, 0, "vm_id", &g);
    if (HCS_FAILED(hr))
        return hr;
    hr = HDV(t, HdvInitializeDeviceHostForProxy)(&g, proxy, &h);
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "create a proxy device host for VM \"%s\" "
                                        "(HdvInitializeDeviceHostForProxy)", vm_id);
    return host_new(t, h, out);
}

hcs_result hcs_hdv_host_teardown(hcs_hdv_host *host)
{
    hcs_hdv_device *d, *next;
    hcs_result hr;
    if (!host)
        return HCS_S_OK;
    hr = HDV(host->t, HdvTeardownDeviceHost)(host->h);
    hcsi_mutex_lock(&host->m);
    d = host->devices;
    host->devices = NULL;
    hcsi_mutex_unlock(&host->m);
    for (; d; d = next) {
        next = d->next;
        d->dead = 1;
        hcsi_obj_unregister(&d->base); /* late callbacks find nothing */
        hcsi_obj_unref(&d->base);
    }
    hcsi_mutex_destroy(&host->m);
    free(host);
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "tear down the device host (HdvTeardownDeviceHost)");
    return hr;
}

hcs_result hcs_hdv_proxy_device_host(hcs_system *s, void *device_host, uint32_t target_pid,
                                     uint64_t *ipc_section)
{
    const hcsi_dll *t;
    UINT64 sec = 0;
    HCSI_CC_SYSTEM sys;
    hcs_result hr;
    if (ipc_section)
        *ipc_section = 0;
    if (!s)
        return hcsi_err(HCS_ERR_POINTER, "hcs_hdv_proxy_device_host: s is NULL");
    hr = hcsi_dll_need(g_slot, &t, VX(HdvProxyDeviceHost), -1, -1);
    if (HCS_FAILED(hr))
        return hr;
    sys = hcsi_system_acquire(s);
    hr = HDV(t, HdvProxyDeviceHost)(sys, device_host, (DWORD)target_pid, &sec);
    hcsi_system_release(s);
    if (HCS_FAILED(hr))
        return hcsi_core_fail(hr, NULL, "proxy the device host of compute system \"%s\" to "
                                        "process %lu (HdvProxyDeviceHost)",
                              hcs_compute_system_id(s), (unsigned long)target_pid);
    if (ipc_section)
        *ipc_section = sec;
    return hr;
}

/* ---- devices ---- */

static void dev_destroy(hcsi_obj *o) { free(o); }

hcs_result hcs_hdv_device_create(hcs_hdv_host *host, const char *class_id,
                                 const char *instance_id, const hcs_hdv_pci_device_ops *ops,
                                 void *ctx, hcs_hdv_device **out)
{
    hcs_hdv_device *d;
    GUID cls, inst;
    HCSI_HDV_DEVICE h = NULL;
    hcs_result hr;
    if (out)
        *out = NULL;
    if (!host || !out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_hdv_device_create: %s is NULL",
                        host ? "out" : "host");
    if (!host->t->fn[VX(HdvCreateDeviceInstance)])
        return hcsi_dll_missing(host->t, VX(HdvCreateDeviceInstance));
    hr = hcsi_guid_arg(class_id, 0, "class_id", &cls);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_guid_arg(instance_id, 0, "instance_id", &inst);
    if (HCS_FAILED(hr))
        return hr;
    d = (hcs_hdv_device *)calloc(1, sizeof *d);
    if (!d)
        return hcsi_err_oom();
    d->t = host->t;
    if (ops)
        d->ops = *ops;
    d->ctx = ctx;
    hcsi_guid_text(&inst, d->id);
    hr = hcsi_obj_init(&d->base, HCSI_KIND_HDV_DEVICE, dev_destroy);
    if (HCS_FAILED(hr)) {
        free(d);
        return hr;
    }
    hr = HDV(host->t, HdvCreateDeviceInstance)(host->h, HCSI_HDV_DEVICE_TYPE_PCI, &cls, &inst,
                                               &k_interface, KEYCTX(d), &h);
    if (HCS_FAILED(hr)) {
        hcsi_obj_unregister(&d->base);
        hcsi_obj_unref(&d->base);
        return hcsi_core_fail(hr, NULL, "create PCI device instance \"%s\" "
                                        "(HdvCreateDeviceInstance)", instance_id);
    }
    d->h = h;
    hcsi_mutex_lock(&host->m);
    d->next = host->devices;
    host->devices = d;
    hcsi_mutex_unlock(&host->m);
    *out = d;
    return HCS_S_OK;
}

/* Checks d and that its DLL has function ix. */
static hcs_result dev_check(hcs_hdv_device *d, int ix)
{
    if (!d)
        return hcsi_err(HCS_ERR_POINTER, "%s: device is NULL", hcsi_hdv_names[ix]);
    if (d->dead)
        return hcsi_err(HCS_ERR_HANDLE, "%s: device \"%s\": its host was torn down",
                        hcsi_hdv_names[ix], d->id);
    if (!d->t->fn[ix])
        return hcsi_dll_missing(d->t, ix);
    return HCS_S_OK;
}

static hcs_result dev_fail(hcs_hdv_device *d, hcs_result hr, int ix, const char *what)
{
    return hcsi_core_fail(hr, NULL, "%s (device \"%s\", %s)", what, d->id, hcsi_hdv_names[ix]);
}

#define DEV_CALL(ix, what, call)                                                       \
    do {                                                                               \
        hcs_result hr_ = dev_check(d, ix);                                             \
        if (HCS_FAILED(hr_))                                                           \
            return hr_;                                                                \
        hr_ = call;                                                                    \
        return HCS_FAILED(hr_) ? dev_fail(d, hr_, ix, what) : hr_;                     \
    } while (0)

hcs_result hcs_hdv_read_guest_memory(hcs_hdv_device *d, uint64_t gpa, void *buf, uint32_t n)
{
    if (!buf && n)
        return hcsi_err(HCS_ERR_POINTER, "hcs_hdv_read_guest_memory: buf is NULL");
    DEV_CALL(VX(HdvReadGuestMemory), "read guest memory",
             HDV(d->t, HdvReadGuestMemory)(d->h, gpa, n, (BYTE *)buf));
}

hcs_result hcs_hdv_write_guest_memory(hcs_hdv_device *d, uint64_t gpa, const void *buf,
                                      uint32_t n)
{
    if (!buf && n)
        return hcsi_err(HCS_ERR_POINTER, "hcs_hdv_write_guest_memory: buf is NULL");
    DEV_CALL(VX(HdvWriteGuestMemory), "write guest memory",
             HDV(d->t, HdvWriteGuestMemory)(d->h, gpa, n, (const BYTE *)buf));
}

hcs_result hcs_hdv_aperture_create(hcs_hdv_device *d, uint64_t gpa, uint32_t n,
                                   int write_protected, void **mapped)
{
    if (!mapped)
        return hcsi_err(HCS_ERR_POINTER, "hcs_hdv_aperture_create: mapped is NULL");
    *mapped = NULL;
    DEV_CALL(VX(HdvCreateGuestMemoryAperture), "map guest memory",
             HDV(d->t, HdvCreateGuestMemoryAperture)(d->h, gpa, n,
                                                     write_protected ? TRUE : FALSE, mapped));
}

hcs_result hcs_hdv_aperture_destroy(hcs_hdv_device *d, void *mapped)
{
    DEV_CALL(VX(HdvDestroyGuestMemoryAperture), "unmap guest memory",
             HDV(d->t, HdvDestroyGuestMemoryAperture)(d->h, mapped));
}

hcs_result hcs_hdv_deliver_interrupt(hcs_hdv_device *d, uint64_t msi_address,
                                     uint32_t msi_data)
{
    DEV_CALL(VX(HdvDeliverGuestInterrupt), "deliver an interrupt",
             HDV(d->t, HdvDeliverGuestInterrupt)(d->h, msi_address, msi_data));
}

static hcs_result check_bar(int bar, const char *fn)
{
    if (bar < 0 || bar >= HCS_HDV_PCI_BAR_COUNT)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: BAR %d is not 0..5", fn, bar);
    return HCS_S_OK;
}

#define BAR_CHECK(bar, fn)                                                             \
    do {                                                                               \
        hcs_result b_ = check_bar(bar, fn);                                            \
        if (HCS_FAILED(b_))                                                            \
            return b_;                                                                 \
    } while (0)

hcs_result hcs_hdv_doorbell_register(hcs_hdv_device *d, int bar, uint64_t offset,
                                     uint64_t trigger_value, uint64_t flags,
                                     hcs_os_handle event)
{
    BAR_CHECK(bar, "hcs_hdv_doorbell_register");
    DEV_CALL(VX(HdvRegisterDoorbell), "register a doorbell",
             HDV(d->t, HdvRegisterDoorbell)(d->h, bar, offset, trigger_value, flags,
                                            (HANDLE)HCSI_OS_HANDLE_PTR(event)));
}

hcs_result hcs_hdv_doorbell_unregister(hcs_hdv_device *d, int bar, uint64_t offset,
                                       uint64_t trigger_value, uint64_t flags)
{
    BAR_CHECK(bar, "hcs_hdv_doorbell_unregister");
    DEV_CALL(VX(HdvUnregisterDoorbell), "unregister a doorbell",
             HDV(d->t, HdvUnregisterDoorbell)(d->h, bar, offset, trigger_value, flags));
}

hcs_result hcs_hdv_doorbell_page_register(hcs_hdv_device *d, int bar, uint64_t page_index,
                                          hcs_os_handle event)
{
    BAR_CHECK(bar, "hcs_hdv_doorbell_page_register");
    DEV_CALL(VX(HdvRegisterDoorbellPage), "register a doorbell page",
             HDV(d->t, HdvRegisterDoorbellPage)(d->h, bar, page_index, (HANDLE)HCSI_OS_HANDLE_PTR(event)));
}

hcs_result hcs_hdv_doorbell_page_unregister(hcs_hdv_device *d, int bar, uint64_t page_index)
{
    BAR_CHECK(bar, "hcs_hdv_doorbell_page_unregister");
    DEV_CALL(VX(HdvUnregisterDoorbellPage), "unregister a doorbell page",
             HDV(d->t, HdvUnregisterDoorbellPage)(d->h, bar, page_index));
}

hcs_result hcs_hdv_mmio_range_create(hcs_hdv_device *d, int bar, uint64_t offset_pages,
                                     uint64_t length_pages, uint32_t flags,
                                     hcs_os_handle section, uint64_t section_offset_pages)
{
    BAR_CHECK(bar, "hcs_hdv_mmio_range_create");
    DEV_CALL(VX(HdvCreateSectionBackedMmioRange), "map a section-backed MMIO range",
             HDV(d->t, HdvCreateSectionBackedMmioRange)(d->h, bar, offset_pages, length_pages,
                                                        (INT32)flags, (HANDLE)HCSI_OS_HANDLE_PTR(section),
                                                        section_offset_pages));
}

hcs_result hcs_hdv_mmio_range_destroy(hcs_hdv_device *d, int bar, uint64_t offset_pages)
{
    BAR_CHECK(bar, "hcs_hdv_mmio_range_destroy");
    DEV_CALL(VX(HdvDestroySectionBackedMmioRange), "unmap a section-backed MMIO range",
             HDV(d->t, HdvDestroySectionBackedMmioRange)(d->h, bar, offset_pages));
}
