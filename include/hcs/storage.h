/*
 * libhcs — container layers (computestorage.dll): import / export /
 * destroy layers, set up base OS layers and volumes, initialize writable
 * layers (and the legacy forms), layer storage and overlay filters, format
 * writable layer VHDs and find their mount path; plus the privileges these
 * calls need and builders for their documents. Design:
 * docs/windows-backend.md.
 *
 * Platforms:
 *   - Windows: computestorage.dll is loaded at run time from System32 on
 *     the first call, like computecore.dll (hcs/compute.h): a function this
 *     build lacks fails with HCS_ERR_WIN32_PROC_NOT_FOUND naming it, a
 *     missing DLL with HCS_ERR_WIN32_MOD_NOT_FOUND. All calls are
 *     synchronous; computestorage reports no progress.
 *   - Elsewhere: every function returning hcs_result fails with
 *     HCS_ERR_WIN32_NOT_SUPPORTED ("<function>: the Host Compute Service is
 *     only available on Windows"). The builders and names work everywhere.
 *
 * Ownership: input strings are borrowed for the call; strings returned
 * through char ** are malloc'ed UTF-8 that the caller frees with hcs_free()
 * (the library frees computestorage's LocalAlloc'ed strings itself). OS
 * handles (hcs_os_handle) passed in stay the caller's.
 *
 * Documents: layer_data_json is a LayerData {"SchemaVersion":{..},
 * "Layers":[{"Id":GUID,"Path":..}],"FilterType"?} (hcs_layer_build_data);
 * options_json an OsLayerOptions {"Type":"Container"|"Vm",...}
 * (hcs_layer_build_os_options) or ExportLayerOptions {"IsWritableLayer":b}.
 *
 * Privileges: importing and exporting need SeBackupPrivilege and
 * SeRestorePrivilege enabled in the process token (hcsshim runs them
 * "with privileges"). The calls do not enable them behind the caller's
 * back: call hcs_layer_privileges_enable() first. A call that fails with
 * HCS_ERR_WIN32_PRIVILEGE_NOT_HELD says so in its message.
 */
#ifndef HCS_STORAGE_H
#define HCS_STORAGE_H

#include "hcs/common.h"
#include "hcs/compute.h"
#include "hcs/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- loader ---- */

HCS_API hcs_result hcs_layer_load(void);
/* TEST ONLY: load computestorage.dll from dll_path (NULL: System32). The
 * environment variable HCS_TEST_COMPUTESTORAGE_PATH does the same. */
HCS_API hcs_result hcs_layer_set_dll_path(const char *dll_path);
/* The 14 functions of the SDK header, by index (names static). */
HCS_API size_t hcs_layer_function_count(void);
HCS_API const char *hcs_layer_function_name(size_t index);
/* 1 exported, 0 not (or no DLL, or not Windows), -1 unknown name. */
HCS_API int hcs_layer_function_present(const char *name);

/* ---- layers ---- */

/* HcsImportLayer: imports the exported layer in source_folder into
 * layer_path, on top of the parent layers of layer_data_json. */
HCS_API hcs_result hcs_layer_import(const char *layer_path,
                                    const char *source_folder,
                                    const char *layer_data_json);
/* HcsExportLayer (options_json: ExportLayerOptions, optional). */
HCS_API hcs_result hcs_layer_export(const char *layer_path,
                                    const char *export_folder,
                                    const char *layer_data_json,
                                    const char *options_json);
/* HcsExportLegacyWritableLayer. */
HCS_API hcs_result hcs_layer_export_legacy_writable(const char *mount_path,
                                                    const char *folder,
                                                    const char *export_folder,
                                                    const char *layer_data_json);
/* HcsDestroyLayer: deletes the layer folder. */
HCS_API hcs_result hcs_layer_destroy(const char *layer_path);
/* HcsSetupBaseOSLayer. vhd: the base VHD handle for a VM layer, or
 * HCS_OS_HANDLE_NONE for a container layer (which fails when Hives or
 * Layout already exist in layer_path, as hcsshim notes). */
HCS_API hcs_result hcs_layer_setup_base(const char *layer_path,
                                        hcs_os_handle vhd,
                                        const char *options_json);
/* HcsSetupBaseOSVolume (Windows 10 2104 / Server 2022 and later). */
HCS_API hcs_result hcs_layer_setup_base_volume(const char *layer_path,
                                               const char *volume_path,
                                               const char *options_json);
/* HcsInitializeWritableLayer (options_json optional). */
HCS_API hcs_result hcs_layer_init_writable(const char *layer_path,
                                           const char *layer_data_json,
                                           const char *options_json);
/* HcsInitializeLegacyWritableLayer (options_json optional). */
HCS_API hcs_result hcs_layer_init_legacy_writable(const char *mount_path,
                                                  const char *folder,
                                                  const char *layer_data_json,
                                                  const char *options_json);
/* HcsAttachLayerStorageFilter / HcsDetachLayerStorageFilter. */
HCS_API hcs_result hcs_layer_attach_filter(const char *layer_path,
                                           const char *layer_data_json);
HCS_API hcs_result hcs_layer_detach_filter(const char *layer_path);
/* HcsAttachOverlayFilter / HcsDetachOverlayFilter (newest builds). */
HCS_API hcs_result hcs_layer_attach_overlay(const char *volume_mount_point,
                                            const char *layer_data_json);
HCS_API hcs_result hcs_layer_detach_overlay(const char *volume_mount_point,
                                            const char *layer_data_json);

/* ---- writable layer VHDs ---- */

/* HcsFormatWritableLayerVhd with the caller's handle, as is: on Windows
 * Server 2019 (build 17763) a CreateFile handle to the VHD file, on later
 * builds a virtual disk handle (OpenVirtualDisk / CreateVirtualDisk). */
HCS_API hcs_result hcs_layer_format_vhd(hcs_os_handle vhd);

/* How hcs_layer_format_vhd_file opens the VHD. */
typedef enum hcs_vhd_handle_kind {
    HCS_VHD_HANDLE_AUTO = 0,    /* by the Windows build (the quirk above) */
    HCS_VHD_HANDLE_FILE = 1,    /* CreateFileW, read/write */
    HCS_VHD_HANDLE_VIRTDISK = 2 /* virtdisk.dll OpenVirtualDisk (run-time
                                   loaded); HCS mounts it while formatting */
} hcs_vhd_handle_kind;

/* Formats the VHD at vhd_path with the handle kind this Windows wants
 * (kind AUTO) or the one given. The message names the kind used. */
HCS_API hcs_result hcs_layer_format_vhd_file(const char *vhd_path, int kind);
/* HcsGetLayerVhdMountPath for an attached VHD (virtual disk handle): *path
 * the volume path (caller frees with hcs_free). */
HCS_API hcs_result hcs_layer_vhd_mount_path(hcs_os_handle vhd, char **path);
/* The same for a VHD file: opened with virtdisk.dll (read-only, no
 * attach). */
HCS_API hcs_result hcs_layer_vhd_mount_path_file(const char *vhd_path,
                                                 char **path);

/* The Windows build number (RtlGetVersion), 0 when not Windows. */
HCS_API uint32_t hcs_layer_windows_build(void);

/* ---- privileges ---- */

/* Enables privileges (e.g. "SeBackupPrivilege") in the process token.
 * Fails with HCS_ERR_WIN32_PRIVILEGE_NOT_HELD naming each privilege the
 * token does not hold ("SeRestorePrivilege is not held by this process:
 * run it elevated (as Administrator)"), HRESULT_FROM_WIN32(
 * ERROR_NO_SUCH_PRIVILEGE) for an unknown name; the ones it could enable
 * stay enabled. */
HCS_API hcs_result hcs_layer_privileges_enable_list(const char *const *names,
                                         size_t count);
/* SeBackupPrivilege and SeRestorePrivilege, what import and export need. */
HCS_API hcs_result hcs_layer_privileges_enable(void);

/* ---- builders (every platform; caller frees *json with hcs_free) ---- */

typedef struct hcs_layer_ref {
    const char *id;        /* layer GUID (required) */
    const char *path;      /* layer folder (required) */
    const char *path_type; /* "AbsolutePath" / "VirtualSmbShareName"; NULL =
                              omitted */
} hcs_layer_ref;

/* LayerData {SchemaVersion 2.1, Layers, FilterType ("UnionFS" / "WCIFS",
 * NULL = omitted)}; layers top to bottom, count may be 0. */
HCS_API hcs_result hcs_layer_build_data(const hcs_layer_ref *layers,
                                        size_t count, const char *filter_type,
                                        char **json);
/* OsLayerOptions {"Type": "Container" | "Vm", DisableCiCacheOptimization,
 * SkipUpdateBcdForBoot (each only when set)}. */
HCS_API hcs_result hcs_layer_build_os_options(const char *type,
                                              int disable_ci_cache,
                                              int skip_update_bcd,
                                              char **json);

#ifdef __cplusplus
}
#endif

#endif /* HCS_STORAGE_H */
