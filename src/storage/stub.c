/* The storage module on other systems: every call fails with
 * HCS_ERR_WIN32_NOT_SUPPORTED "<function>: the Host Compute Service is only
 * available on Windows". tests/core/test_core_stub.c checks every function
 * of hcs/storage.h. */
#include <stddef.h>
#include <string.h>

#include "storage/storage_int.h"

#define NW(fn) hcsi_core_not_windows(fn)

hcs_result hcs_layer_load(void) { return NW("hcs_layer_load"); }
HCSI_STUB(hcs_layer_set_dll_path, (const char *dll_path), HCSI_STUB_NO_OUTPUT)
int hcs_layer_function_present(const char *name)
{
    return hcsi_stub_function_present(hcsi_cs_names, HCSI_CS_COUNT, name);
}

/* Functions of 1..4 strings. */
#define S1(fn)                                                                        \
    hcs_result fn(const char *a)                                                      \
    {                                                                                 \
        (void)a;                                                                      \
        return NW(#fn);                                                               \
    }
#define S2(fn)                                                                        \
    hcs_result fn(const char *a, const char *b)                                       \
    {                                                                                 \
        (void)a;                                                                      \
        (void)b;                                                                      \
        return NW(#fn);                                                               \
    }
#define S3(fn)                                                                        \
    hcs_result fn(const char *a, const char *b, const char *c)                        \
    {                                                                                 \
        (void)a;                                                                      \
        (void)b;                                                                      \
        (void)c;                                                                      \
        return NW(#fn);                                                               \
    }
#define S4(fn)                                                                        \
    hcs_result fn(const char *a, const char *b, const char *c, const char *d)         \
    {                                                                                 \
        (void)a;                                                                      \
        (void)b;                                                                      \
        (void)c;                                                                      \
        (void)d;                                                                      \
        return NW(#fn);                                                               \
    }

S3(hcs_layer_import)
S4(hcs_layer_export)
S4(hcs_layer_export_legacy_writable)
S1(hcs_layer_destroy)
S3(hcs_layer_setup_base_volume)
S3(hcs_layer_init_writable)
S4(hcs_layer_init_legacy_writable)
S2(hcs_layer_attach_filter)
S1(hcs_layer_detach_filter)
S2(hcs_layer_attach_overlay)
S2(hcs_layer_detach_overlay)

HCSI_STUB(hcs_layer_setup_base, (const char *layer_path, hcs_os_handle vhd,
          const char *options_json),
          HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_layer_format_vhd, (hcs_os_handle vhd), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_layer_format_vhd_file, (const char *vhd_path, int kind), HCSI_STUB_NO_OUTPUT)

HCSI_STUB(hcs_layer_vhd_mount_path, (hcs_os_handle vhd, char **path), HCSI_STUB_CLEAR(path))

HCSI_STUB(hcs_layer_vhd_mount_path_file, (const char *vhd_path, char **path),
          HCSI_STUB_CLEAR(path))

uint32_t hcs_layer_windows_build(void) { return 0; }

HCSI_STUB(hcs_layer_privileges_enable_list, (const char *const *names, size_t count),
          HCSI_STUB_NO_OUTPUT)

hcs_result hcs_layer_privileges_enable(void) { return NW("hcs_layer_privileges_enable"); }
