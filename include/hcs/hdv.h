/*
 * libhcs — Hyper-V device virtualization (HDV, vmdevicehost.dll): a device
 * host attached to a compute system, emulated PCI device instances whose
 * behaviour the caller implements (a table of callbacks), guest memory
 * access and apertures, doorbells, section-backed MMIO ranges and guest
 * interrupts. Design: docs/windows-backend.md; a small example device is
 * in examples/hdv/.
 *
 * The declarations are libhcs's own: mingw-w64 ships no
 * hypervdevicevirtualization.h. Covered: the 13 functions of the SDK
 * header, the 2 documented proxy functions and the 2 doorbell-page
 * exports (shared/docs/hcs-api.md section 5).
 *
 * Platforms:
 *   - Windows: vmdevicehost.dll is loaded at run time from System32 on the
 *     first call (a missing function: HCS_ERR_WIN32_PROC_NOT_FOUND naming
 *     it; a missing DLL: HCS_ERR_WIN32_MOD_NOT_FOUND).
 *   - Elsewhere: every function returning hcs_result fails with
 *     HCS_ERR_WIN32_NOT_SUPPORTED ("<function>: the Host Compute Service is
 *     only available on Windows").
 *
 * Ownership:
 *   - hcs_hdv_host: caller owns; hcs_hdv_host_teardown releases it and
 *     every device created on it.
 *   - hcs_hdv_device: owned by its host (valid until the host's teardown);
 *     never freed by the caller.
 *   - The ops table and ctx given to hcs_hdv_device_create are copied /
 *     kept: ctx must stay valid until the host's teardown returned.
 *   - OS handles (events, sections) passed in stay the caller's; HDV
 *     duplicates what it keeps.
 *
 * Threads: the device callbacks run on vmdevicehost's threads, possibly
 * concurrently; HDV's device context is an integer key, so a callback
 * arriving after teardown is dropped. Callbacks must not call
 * hcs_hdv_host_teardown.
 */
#ifndef HCS_HDV_H
#define HCS_HDV_H

#include "hcs/common.h"
#include "hcs/compute.h"
#include "hcs/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hcs_hdv_host hcs_hdv_host;
typedef struct hcs_hdv_device hcs_hdv_device;

/* ---- loader ---- */

HCS_API hcs_result hcs_hdv_load(void);
/* TEST ONLY: load vmdevicehost.dll from dll_path (NULL: System32). The
 * environment variable HCS_TEST_VMDEVICEHOST_PATH does the same. */
HCS_API hcs_result hcs_hdv_set_dll_path(const char *dll_path);
/* The 17 functions the loader binds, by index (names static). */
HCS_API size_t hcs_hdv_function_count(void);
HCS_API const char *hcs_hdv_function_name(size_t index);
/* 1 exported, 0 not (or no DLL, or not Windows), -1 unknown name. */
HCS_API int hcs_hdv_function_present(const char *name);

/* ---- device host ---- */

#define HCS_HDV_HOST_FLAG_NONE 0u
#define HCS_HDV_HOST_FLAG_INIT_COM_SECURITY 1u

/* HdvInitializeDeviceHost (flags 0) / HdvInitializeDeviceHostEx: a device
 * host for compute system s (which must stay open while the host exists). */
HCS_API hcs_result hcs_hdv_host_create(hcs_system *s, uint32_t flags,
                                       hcs_hdv_host **out);
/* HdvInitializeDeviceHostForProxy: a host for VM vm_id served through a
 * proxy (proxy: the proxy's IUnknown*). */
HCS_API hcs_result hcs_hdv_host_create_for_proxy(const char *vm_id,
                                                 void *proxy,
                                                 hcs_hdv_host **out);
/* HdvTeardownDeviceHost; releases h and its devices (also when HDV
 * reports a failure, which is returned). NULL: HCS_S_OK. */
HCS_API hcs_result hcs_hdv_host_teardown(hcs_hdv_host *h);
/* HdvProxyDeviceHost: lets process target_pid host devices of s through
 * device_host (an IUnknown*); *ipc_section the IPC section handle. */
HCS_API hcs_result hcs_hdv_proxy_device_host(hcs_system *s, void *device_host,
                                             uint32_t target_pid,
                                             uint64_t *ipc_section);

/* ---- emulated PCI devices ---- */

#define HCS_HDV_PCI_BAR_COUNT 6

typedef struct hcs_hdv_pci_pnp_id {
    uint16_t vendor_id;
    uint16_t device_id;
    uint8_t revision_id;
    uint8_t prog_if;
    uint8_t sub_class;
    uint8_t base_class;
    uint16_t sub_vendor_id;
    uint16_t sub_system_id;
} hcs_hdv_pci_pnp_id;

/* The device's behaviour (HDV_PCI_DEVICE_INTERFACE version 1). Every
 * member is optional: a NULL initialize / start / set_configuration /
 * write_config_space / write_intercepted_memory succeeds doing nothing, a
 * NULL get_details reports a zero PnP id and no BARs, a NULL read returns
 * all ones. A callback's failure code goes back to HDV. */
typedef struct hcs_hdv_pci_device_ops {
    hcs_result (*initialize)(void *ctx);
    void (*teardown)(void *ctx);
    /* values: the configuration strings, UTF-8 (valid during the call) */
    hcs_result (*set_configuration)(void *ctx, size_t count,
                                    const char *const *values);
    /* bars: the size mask of each BAR, as a probe of the BAR reads back */
    hcs_result (*get_details)(void *ctx, hcs_hdv_pci_pnp_id *pnp_id,
                              uint32_t bars[HCS_HDV_PCI_BAR_COUNT]);
    hcs_result (*start)(void *ctx);
    void (*stop)(void *ctx);
    hcs_result (*read_config_space)(void *ctx, uint32_t offset,
                                    uint32_t *value);
    hcs_result (*write_config_space)(void *ctx, uint32_t offset,
                                     uint32_t value);
    hcs_result (*read_intercepted_memory)(void *ctx, int bar, uint64_t offset,
                                          uint64_t length, uint8_t *value);
    hcs_result (*write_intercepted_memory)(void *ctx, int bar,
                                           uint64_t offset, uint64_t length,
                                           const uint8_t *value);
} hcs_hdv_pci_device_ops;

/* HdvCreateDeviceInstance (HdvDeviceTypePCI): class_id and instance_id are
 * GUIDs (the instance id is what the VM's FlexibleIov / VirtualPci device
 * refers to). ops is copied; ctx is passed to every callback. */
HCS_API hcs_result hcs_hdv_device_create(hcs_hdv_host *h, const char *class_id,
                                         const char *instance_id,
                                         const hcs_hdv_pci_device_ops *ops,
                                         void *ctx, hcs_hdv_device **out);

/* ---- what a device does to its guest ---- */

/* HdvReadGuestMemory / HdvWriteGuestMemory (guest physical addresses). */
HCS_API hcs_result hcs_hdv_read_guest_memory(hcs_hdv_device *d, uint64_t gpa,
                                             void *buf, uint32_t n);
HCS_API hcs_result hcs_hdv_write_guest_memory(hcs_hdv_device *d, uint64_t gpa,
                                              const void *buf, uint32_t n);
/* HdvCreateGuestMemoryAperture: maps n bytes of guest memory at gpa into
 * this process (*mapped, valid until hcs_hdv_aperture_destroy). */
HCS_API hcs_result hcs_hdv_aperture_create(hcs_hdv_device *d, uint64_t gpa,
                                           uint32_t n, int write_protected,
                                           void **mapped);
HCS_API hcs_result hcs_hdv_aperture_destroy(hcs_hdv_device *d, void *mapped);
/* HdvDeliverGuestInterrupt (an MSI). */
HCS_API hcs_result hcs_hdv_deliver_interrupt(hcs_hdv_device *d,
                                             uint64_t msi_address,
                                             uint32_t msi_data);

/* Doorbell flags (HDV_DOORBELL_FLAGS). */
#define HCS_HDV_DOORBELL_SIZE_ANY 0u
#define HCS_HDV_DOORBELL_SIZE_BYTE 1u
#define HCS_HDV_DOORBELL_SIZE_WORD 2u
#define HCS_HDV_DOORBELL_SIZE_DWORD 3u
#define HCS_HDV_DOORBELL_SIZE_QWORD 4u
#define HCS_HDV_DOORBELL_ANY_VALUE 0x80000000u

/* HdvRegisterDoorbell: the guest writing trigger_value at bar:offset
 * signals event (a Windows event handle). */
HCS_API hcs_result hcs_hdv_doorbell_register(hcs_hdv_device *d, int bar,
                                             uint64_t offset,
                                             uint64_t trigger_value,
                                             uint64_t flags,
                                             hcs_os_handle event);
HCS_API hcs_result hcs_hdv_doorbell_unregister(hcs_hdv_device *d, int bar,
                                               uint64_t offset,
                                               uint64_t trigger_value,
                                               uint64_t flags);
/* HdvRegisterDoorbellPage / HdvUnregisterDoorbellPage (19H1 exports): any
 * write to the page signals event. */
HCS_API hcs_result hcs_hdv_doorbell_page_register(hcs_hdv_device *d, int bar,
                                                  uint64_t page_index,
                                                  hcs_os_handle event);
HCS_API hcs_result hcs_hdv_doorbell_page_unregister(hcs_hdv_device *d,
                                                    int bar,
                                                    uint64_t page_index);

/* MMIO mapping flags (HDV_MMIO_MAPPING_FLAGS). */
#define HCS_HDV_MMIO_NONE 0u
#define HCS_HDV_MMIO_WRITEABLE 1u
#define HCS_HDV_MMIO_EXECUTABLE 2u

/* HdvCreateSectionBackedMmioRange: pages of a section (a Windows section
 * handle) mapped at bar:offset_pages. */
HCS_API hcs_result hcs_hdv_mmio_range_create(hcs_hdv_device *d, int bar,
                                             uint64_t offset_pages,
                                             uint64_t length_pages,
                                             uint32_t flags,
                                             hcs_os_handle section,
                                             uint64_t section_offset_pages);
HCS_API hcs_result hcs_hdv_mmio_range_destroy(hcs_hdv_device *d, int bar,
                                              uint64_t offset_pages);

#ifdef __cplusplus
}
#endif

#endif /* HCS_HDV_H */
