/*
 * The device virtualization module's internals (vmdevicehost.dll, HDV):
 * the function list and the portable helpers behind include/hcs/hdv.h.
 * No SDK header exists in mingw-w64 (hypervdevicevirtualization.h): the
 * declarations are ours (hdv/win/abi.h). Not installed.
 */
#ifndef HCS_CORE_HDV_INT_H
#define HCS_CORE_HDV_INT_H

#include "compute/compute_int.h"
#include "hcs/hdv.h"

/*
 * The vmdevicehost.dll functions, as an X-macro X(ret, name, (params)):
 * the 13 functions of the SDK header, the 2 documented proxy functions and
 * the 2 doorbell-page exports (shared/docs/hcs-api.md section 5).
 */
#define HCSI_HDV_FUNCS(X)                                                      \
    X(HRESULT, HdvInitializeDeviceHost,                                        \
      (HCSI_CC_SYSTEM computeSystem, HCSI_HDV_HOST * deviceHostHandle))        \
    X(HRESULT, HdvInitializeDeviceHostEx,                                      \
      (HCSI_CC_SYSTEM computeSystem, INT32 flags,                              \
       HCSI_HDV_HOST * deviceHostHandle))                                      \
    X(HRESULT, HdvTeardownDeviceHost, (HCSI_HDV_HOST deviceHostHandle))        \
    X(HRESULT, HdvCreateDeviceInstance,                                        \
      (HCSI_HDV_HOST deviceHostHandle, INT32 deviceType,                       \
       const GUID *deviceClassId, const GUID *deviceInstanceId,                \
       const void *deviceInterface, void *deviceContext,                       \
       HCSI_HDV_DEVICE *deviceHandle))                                         \
    X(HRESULT, HdvReadGuestMemory,                                             \
      (HCSI_HDV_DEVICE requestor, UINT64 guestPhysicalAddress,                 \
       UINT32 byteCount, BYTE * buffer))                                       \
    X(HRESULT, HdvWriteGuestMemory,                                            \
      (HCSI_HDV_DEVICE requestor, UINT64 guestPhysicalAddress,                 \
       UINT32 byteCount, const BYTE *buffer))                                  \
    X(HRESULT, HdvCreateGuestMemoryAperture,                                   \
      (HCSI_HDV_DEVICE requestor, UINT64 guestPhysicalAddress,                 \
       UINT32 byteCount, BOOL writeProtected, void **mappedAddress))           \
    X(HRESULT, HdvDestroyGuestMemoryAperture,                                  \
      (HCSI_HDV_DEVICE requestor, void *mappedAddress))                        \
    X(HRESULT, HdvDeliverGuestInterrupt,                                       \
      (HCSI_HDV_DEVICE requestor, UINT64 msiAddress, UINT32 msiData))          \
    X(HRESULT, HdvRegisterDoorbell,                                            \
      (HCSI_HDV_DEVICE requestor, INT32 BarIndex, UINT64 BarOffset,            \
       UINT64 TriggerValue, UINT64 Flags, HANDLE DoorbellEvent))               \
    X(HRESULT, HdvUnregisterDoorbell,                                          \
      (HCSI_HDV_DEVICE requestor, INT32 BarIndex, UINT64 BarOffset,            \
       UINT64 TriggerValue, UINT64 Flags))                                     \
    X(HRESULT, HdvCreateSectionBackedMmioRange,                                \
      (HCSI_HDV_DEVICE requestor, INT32 barIndex, UINT64 offsetInPages,        \
       UINT64 lengthInPages, INT32 MappingFlags, HANDLE sectionHandle,         \
       UINT64 sectionOffsetInPages))                                           \
    X(HRESULT, HdvDestroySectionBackedMmioRange,                               \
      (HCSI_HDV_DEVICE requestor, INT32 barIndex, UINT64 offsetInPages))       \
    /* documented proxy functions (2) */                                       \
    X(HRESULT, HdvInitializeDeviceHostForProxy,                                \
      (const GUID *VmId, void *ProxyInterface,                                 \
       HCSI_HDV_HOST * DeviceHostHandle))                                      \
    X(HRESULT, HdvProxyDeviceHost,                                             \
      (HCSI_CC_SYSTEM ComputeSystem, void *DeviceHost, DWORD TargetProcessId,  \
       UINT64 * IpcSectionHandle))                                             \
    /* doorbell pages (19H1 exports) (2) */                                    \
    X(HRESULT, HdvRegisterDoorbellPage,                                        \
      (HCSI_HDV_DEVICE requestor, INT32 BarIndex, UINT64 PageIndex,            \
       HANDLE DoorbellEvent))                                                  \
    X(HRESULT, HdvUnregisterDoorbellPage,                                      \
      (HCSI_HDV_DEVICE requestor, INT32 BarIndex, UINT64 PageIndex))

#define HCSI_HDV_IX_ENUM(ret, name, params) HCSI_HDV_IX_##name,
enum { HCSI_HDV_FUNCS(HCSI_HDV_IX_ENUM) HCSI_HDV_COUNT };
#undef HCSI_HDV_IX_ENUM

extern const char *const hcsi_hdv_names[HCSI_HDV_COUNT];

#endif /* HCS_CORE_HDV_INT_H */
