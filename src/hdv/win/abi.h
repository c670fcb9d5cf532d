/*
 * Our declarations of the vmdevicehost.dll ABI (Windows only; private).
 * No SDK header exists in mingw-w64; the layouts follow the win32metadata
 * projection of hypervdevicevirtualization.h (shared/docs/hcs-api.md
 * section 5). HDV_PCI_DEVICE_GET_DETAILS has the metadata's form (a BAR
 * count before the BAR array), not the doc page's.
 */
#ifndef HCS_CORE_HDV_DECLS_H
#define HCS_CORE_HDV_DECLS_H

#include <windows.h>

#include "compute/win/abi.h"

typedef void *HCSI_HDV_HOST;
typedef void *HCSI_HDV_DEVICE;

#define HCSI_HDV_DEVICE_TYPE_PCI 1
#define HCSI_HDV_PCI_INTERFACE_VERSION_1 1

typedef struct hcsi_hdv_pci_pnp_id {
    UINT16 VendorID;
    UINT16 DeviceID;
    UINT8 RevisionID;
    UINT8 ProgIf;
    UINT8 SubClass;
    UINT8 BaseClass;
    UINT16 SubVendorID;
    UINT16 SubSystemID;
} hcsi_hdv_pci_pnp_id;

typedef HRESULT(CALLBACK *hcsi_hdv_initialize_fn)(void *DeviceContext);
typedef void(CALLBACK *hcsi_hdv_teardown_fn)(void *DeviceContext);
typedef HRESULT(CALLBACK *hcsi_hdv_set_configuration_fn)(void *DeviceContext,
                                                         UINT32 ConfigurationValueCount,
                                                         const PCWSTR *ConfigurationValues);
typedef HRESULT(CALLBACK *hcsi_hdv_get_details_fn)(void *DeviceContext,
                                                   hcsi_hdv_pci_pnp_id *PnpId,
                                                   UINT32 ProbedBarsCount, UINT32 *ProbedBars);
typedef HRESULT(CALLBACK *hcsi_hdv_start_fn)(void *DeviceContext);
typedef void(CALLBACK *hcsi_hdv_stop_fn)(void *DeviceContext);
typedef HRESULT(CALLBACK *hcsi_hdv_read_config_fn)(void *DeviceContext, UINT32 Offset,
                                                   UINT32 *Value);
typedef HRESULT(CALLBACK *hcsi_hdv_write_config_fn)(void *DeviceContext, UINT32 Offset,
                                                    UINT32 Value);
typedef HRESULT(CALLBACK *hcsi_hdv_read_mem_fn)(void *DeviceContext, INT32 BarIndex,
                                                UINT64 Offset, UINT64 Length, BYTE *Value);
typedef HRESULT(CALLBACK *hcsi_hdv_write_mem_fn)(void *DeviceContext, INT32 BarIndex,
                                                 UINT64 Offset, UINT64 Length,
                                                 const BYTE *Value);

/* HDV_PCI_DEVICE_INTERFACE. */
typedef struct hcsi_hdv_pci_device_interface {
    INT32 Version; /* HCSI_HDV_PCI_INTERFACE_VERSION_1 */
    hcsi_hdv_initialize_fn Initialize;
    hcsi_hdv_teardown_fn Teardown;
    hcsi_hdv_set_configuration_fn SetConfiguration;
    hcsi_hdv_get_details_fn GetDetails;
    hcsi_hdv_start_fn Start;
    hcsi_hdv_stop_fn Stop;
    hcsi_hdv_read_config_fn ReadConfigSpace;
    hcsi_hdv_write_config_fn WriteConfigSpace;
    hcsi_hdv_read_mem_fn ReadInterceptedMemory;
    hcsi_hdv_write_mem_fn WriteInterceptedMemory;
} hcsi_hdv_pci_device_interface;

#include "hdv/hdv_int.h"

/* The HCS_SYSTEM of s, with a reference on s that keeps the handle open
 * until hcsi_system_release (compute/win/system.c). */
HCSI_CC_SYSTEM hcsi_system_acquire(hcs_system *s);
void hcsi_system_release(hcs_system *s);

#define HCSI_HDV_PFN_TYPEDEF(ret, name, params)                                   \
    typedef ret(WINAPI *hcsi_hdv_pfn_##name) params;
HCSI_HDV_FUNCS(HCSI_HDV_PFN_TYPEDEF)
#undef HCSI_HDV_PFN_TYPEDEF

#endif /* HCS_CORE_HDV_DECLS_H */
