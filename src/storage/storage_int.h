/*
 * The storage module's internals (computestorage.dll): the function list
 * and the portable helpers behind include/hcs/storage.h. Not installed.
 */
#ifndef HCS_CORE_STORAGE_INT_H
#define HCS_CORE_STORAGE_INT_H

#include "compute/compute_int.h"
#include "hcs/storage.h"

/*
 * The computestorage.dll functions, as an X-macro X(ret, name, (params)):
 * the 14 functions of the newest SDK computestorage.h (shared/docs/
 * hcs-api.md section 4; mingw-w64 10 declares the first 12). Parameter
 * types are plain Win32 ones (Windows only); portable code only
 * stringifies the names.
 */
#define HCSI_CS_FUNCS(X)                                                       \
    X(HRESULT, HcsImportLayer,                                                 \
      (PCWSTR layerPath, PCWSTR sourceFolderPath, PCWSTR layerData))           \
    X(HRESULT, HcsExportLayer,                                                 \
      (PCWSTR layerPath, PCWSTR exportFolderPath, PCWSTR layerData,            \
       PCWSTR options))                                                        \
    X(HRESULT, HcsExportLegacyWritableLayer,                                   \
      (PCWSTR writableLayerMountPath, PCWSTR writableLayerFolderPath,          \
       PCWSTR exportFolderPath, PCWSTR layerData))                             \
    X(HRESULT, HcsDestroyLayer, (PCWSTR layerPath))                            \
    X(HRESULT, HcsSetupBaseOSLayer,                                            \
      (PCWSTR layerPath, HANDLE vhdHandle, PCWSTR options))                    \
    X(HRESULT, HcsInitializeWritableLayer,                                     \
      (PCWSTR writableLayerPath, PCWSTR layerData, PCWSTR options))            \
    X(HRESULT, HcsInitializeLegacyWritableLayer,                               \
      (PCWSTR writableLayerMountPath, PCWSTR writableLayerFolderPath,          \
       PCWSTR layerData, PCWSTR options))                                      \
    X(HRESULT, HcsAttachLayerStorageFilter,                                    \
      (PCWSTR layerPath, PCWSTR layerData))                                    \
    X(HRESULT, HcsDetachLayerStorageFilter, (PCWSTR layerPath))                \
    X(HRESULT, HcsFormatWritableLayerVhd, (HANDLE vhdHandle))                  \
    X(HRESULT, HcsGetLayerVhdMountPath, (HANDLE vhdHandle, PWSTR * mountPath)) \
    X(HRESULT, HcsSetupBaseOSVolume,                                           \
      (PCWSTR layerPath, PCWSTR volumePath, PCWSTR options))                   \
    X(HRESULT, HcsAttachOverlayFilter,                                         \
      (PCWSTR VolumeMountPoint, PCWSTR LayerData))                             \
    X(HRESULT, HcsDetachOverlayFilter,                                         \
      (PCWSTR VolumeMountPoint, PCWSTR LayerData))

#define HCSI_CS_IX_ENUM(ret, name, params) HCSI_CS_IX_##name,
enum { HCSI_CS_FUNCS(HCSI_CS_IX_ENUM) HCSI_CS_COUNT };
#undef HCSI_CS_IX_ENUM

extern const char *const hcsi_cs_names[HCSI_CS_COUNT];

/* The last Windows build whose HcsFormatWritableLayerVhd takes a file
 * handle (Windows Server 2019 / 10 1809); later builds take a virtual
 * disk handle. */
#define HCSI_CS_FILE_HANDLE_MAX_BUILD 17763u

/* TEST ONLY (Windows): pretend to be Windows build `build` (0: the real
 * one) for hcs_layer_windows_build and the VHD handle choice. */
void hcsi_storage_set_build(uint32_t build);

#endif /* HCS_CORE_STORAGE_INT_H */
