/* The HDV module on other systems: every call fails with
 * HCS_ERR_WIN32_NOT_SUPPORTED "<function>: the Host Compute Service is only
 * available on Windows". tests/core/test_core_stub.c checks every function
 * of hcs/hdv.h. */
#include <stddef.h>
#include <string.h>

#include "hdv/hdv_int.h"

#define NW(fn) hcsi_core_not_windows(fn)

hcs_result hcs_hdv_load(void) { return NW("hcs_hdv_load"); }
hcs_result hcs_hdv_set_dll_path(const char *dll_path)
{
    (void)dll_path;
    return NW("hcs_hdv_set_dll_path");
}
int hcs_hdv_function_present(const char *name)
{
    size_t i;
    for (i = 0; name && i < HCSI_HDV_COUNT; i++)
        if (strcmp(hcsi_hdv_names[i], name) == 0)
            return 0;
    return -1;
}

hcs_result hcs_hdv_host_create(hcs_system *s, uint32_t flags, hcs_hdv_host **out)
{
    (void)s;
    (void)flags;
    if (out)
        *out = NULL;
    return NW("hcs_hdv_host_create");
}

hcs_result hcs_hdv_host_create_for_proxy(const char *vm_id, void *proxy, hcs_hdv_host **out)
{
    (void)vm_id;
    (void)proxy;
    if (out)
        *out = NULL;
    return NW("hcs_hdv_host_create_for_proxy");
}

hcs_result hcs_hdv_host_teardown(hcs_hdv_host *h)
{
    (void)h;
    return NW("hcs_hdv_host_teardown");
}

hcs_result hcs_hdv_proxy_device_host(hcs_system *s, void *device_host, uint32_t target_pid,
                                     uint64_t *ipc_section)
{
    (void)s;
    (void)device_host;
    (void)target_pid;
    if (ipc_section)
        *ipc_section = 0;
    return NW("hcs_hdv_proxy_device_host");
}

hcs_result hcs_hdv_device_create(hcs_hdv_host *h, const char *class_id,
                                 const char *instance_id, const hcs_hdv_pci_device_ops *ops,
                                 void *ctx, hcs_hdv_device **out)
{
    (void)h;
    (void)class_id;
    (void)instance_id;
    (void)ops;
    (void)ctx;
    if (out)
        *out = NULL;
    return NW("hcs_hdv_device_create");
}

hcs_result hcs_hdv_read_guest_memory(hcs_hdv_device *d, uint64_t gpa, void *buf, uint32_t n)
{
    (void)d;
    (void)gpa;
    (void)buf;
    (void)n;
    return NW("hcs_hdv_read_guest_memory");
}

hcs_result hcs_hdv_write_guest_memory(hcs_hdv_device *d, uint64_t gpa, const void *buf,
                                      uint32_t n)
{
    (void)d;
    (void)gpa;
    (void)buf;
    (void)n;
    return NW("hcs_hdv_write_guest_memory");
}

hcs_result hcs_hdv_aperture_create(hcs_hdv_device *d, uint64_t gpa, uint32_t n,
                                   int write_protected, void **mapped)
{
    (void)d;
    (void)gpa;
    (void)n;
    (void)write_protected;
    if (mapped)
        *mapped = NULL;
    return NW("hcs_hdv_aperture_create");
}

hcs_result hcs_hdv_aperture_destroy(hcs_hdv_device *d, void *mapped)
{
    (void)d;
    (void)mapped;
    return NW("hcs_hdv_aperture_destroy");
}

hcs_result hcs_hdv_deliver_interrupt(hcs_hdv_device *d, uint64_t msi_address,
                                     uint32_t msi_data)
{
    (void)d;
    (void)msi_address;
    (void)msi_data;
    return NW("hcs_hdv_deliver_interrupt");
}

hcs_result hcs_hdv_doorbell_register(hcs_hdv_device *d, int bar, uint64_t offset,
                                     uint64_t trigger_value, uint64_t flags,
                                     hcs_os_handle event)
{
    (void)d;
    (void)bar;
    (void)offset;
    (void)trigger_value;
    (void)flags;
    (void)event;
    return NW("hcs_hdv_doorbell_register");
}

hcs_result hcs_hdv_doorbell_unregister(hcs_hdv_device *d, int bar, uint64_t offset,
                                       uint64_t trigger_value, uint64_t flags)
{
    (void)d;
    (void)bar;
    (void)offset;
    (void)trigger_value;
    (void)flags;
    return NW("hcs_hdv_doorbell_unregister");
}

hcs_result hcs_hdv_doorbell_page_register(hcs_hdv_device *d, int bar, uint64_t page_index,
                                          hcs_os_handle event)
{
    (void)d;
    (void)bar;
    (void)page_index;
    (void)event;
    return NW("hcs_hdv_doorbell_page_register");
}

hcs_result hcs_hdv_doorbell_page_unregister(hcs_hdv_device *d, int bar, uint64_t page_index)
{
    (void)d;
    (void)bar;
    (void)page_index;
    return NW("hcs_hdv_doorbell_page_unregister");
}

hcs_result hcs_hdv_mmio_range_create(hcs_hdv_device *d, int bar, uint64_t offset_pages,
                                     uint64_t length_pages, uint32_t flags,
                                     hcs_os_handle section, uint64_t section_offset_pages)
{
    (void)d;
    (void)bar;
    (void)offset_pages;
    (void)length_pages;
    (void)flags;
    (void)section;
    (void)section_offset_pages;
    return NW("hcs_hdv_mmio_range_create");
}

hcs_result hcs_hdv_mmio_range_destroy(hcs_hdv_device *d, int bar, uint64_t offset_pages)
{
    (void)d;
    (void)bar;
    (void)offset_pages;
    return NW("hcs_hdv_mmio_range_destroy");
}
