/* The HDV module on other systems: every call fails with
 * HCS_ERR_WIN32_NOT_SUPPORTED "<function>: the Host Compute Service is only
 * available on Windows". tests/core/test_core_stub.c checks every function
 * of hcs/hdv.h. */
#include <stddef.h>
#include <string.h>

#include "hdv/hdv_int.h"

#define NW(fn) hcsi_core_not_windows(fn)

hcs_result hcs_hdv_load(void) { return NW("hcs_hdv_load"); }
HCSI_STUB(hcs_hdv_set_dll_path, (const char *dll_path), HCSI_STUB_NO_OUTPUT)
int hcs_hdv_function_present(const char *name)
{
    return hcsi_stub_function_present(hcsi_hdv_names, HCSI_HDV_COUNT, name);
}

HCSI_STUB(hcs_hdv_host_create, (hcs_system *s, uint32_t flags, hcs_hdv_host **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_hdv_host_create_for_proxy, (const char *vm_id, void *proxy, hcs_hdv_host **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_hdv_host_teardown, (hcs_hdv_host *h), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_hdv_proxy_device_host, (hcs_system *s, void *device_host, uint32_t target_pid,
          uint64_t *ipc_section),
          HCSI_STUB_CLEAR(ipc_section))

HCSI_STUB(hcs_hdv_device_create, (hcs_hdv_host *h, const char *class_id,
          const char *instance_id, const hcs_hdv_pci_device_ops *ops, void *ctx,
          hcs_hdv_device **out),
          HCSI_STUB_CLEAR(out))

HCSI_STUB(hcs_hdv_read_guest_memory, (hcs_hdv_device *d, uint64_t gpa, void *buf, uint32_t n),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_hdv_write_guest_memory, (hcs_hdv_device *d, uint64_t gpa, const void *buf,
          uint32_t n),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_hdv_aperture_create, (hcs_hdv_device *d, uint64_t gpa, uint32_t n,
          int write_protected, void **mapped),
          HCSI_STUB_CLEAR(mapped))

HCSI_STUB(hcs_hdv_aperture_destroy, (hcs_hdv_device *d, void *mapped), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_hdv_deliver_interrupt, (hcs_hdv_device *d, uint64_t msi_address, uint32_t msi_data),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_hdv_doorbell_register, (hcs_hdv_device *d, int bar, uint64_t offset,
          uint64_t trigger_value, uint64_t flags, hcs_os_handle event),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_hdv_doorbell_unregister, (hcs_hdv_device *d, int bar, uint64_t offset,
          uint64_t trigger_value, uint64_t flags),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_hdv_doorbell_page_register, (hcs_hdv_device *d, int bar, uint64_t page_index,
          hcs_os_handle event),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_hdv_doorbell_page_unregister, (hcs_hdv_device *d, int bar, uint64_t page_index),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_hdv_mmio_range_create, (hcs_hdv_device *d, int bar, uint64_t offset_pages,
          uint64_t length_pages, uint32_t flags, hcs_os_handle section,
          uint64_t section_offset_pages),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_hdv_mmio_range_destroy, (hcs_hdv_device *d, int bar, uint64_t offset_pages),
          HCSI_STUB_NO_OUTPUT)
