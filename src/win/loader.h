/*
 * The run-time DLL loader shared by every module of the Windows backend
 * (computecore, computenetwork, computestorage, vmdevicehost and
 * vmcompute's HNSCall), and the UTF-16 string helpers at the DLL boundary.
 * Windows only; private.
 *
 * One slot per DLL: the DLL is loaded on first use with
 * LoadLibraryExW(System32 only) and every function of its X-macro list is
 * looked up with GetProcAddress; each one is optional. A test-only override
 * (an environment variable read at the first load, or the module's
 * *_loader_set_path) loads the DLL from an explicit path instead. Tables
 * are never freed: objects keep the table they were made with, and the
 * DLL's threads may still run in it.
 */
#ifndef HCS_CORE_DLL_H
#define HCS_CORE_DLL_H

#include <windows.h>

#include "compute/compute_int.h"

typedef void (*hcsi_proc)(void);

typedef struct hcsi_dll_desc {
    const char *dll;               /* "computenetwork.dll" */
    const WCHAR *wdll;             /* L"computenetwork.dll" */
    const WCHAR *env;              /* L"HCS_TEST_COMPUTENETWORK_PATH" */
    const char *override_how;      /* "HCS_TEST_... or hcs_net_set_dll_path" */
    const char *missing_hint;      /* why System32 may lack it, what to do */
    const char *const *names;      /* the functions, X-macro order */
    int count;
} hcsi_dll_desc;

/* A loaded (or failed) DLL and its function table. */
typedef struct hcsi_dll {
    const hcsi_dll_desc *desc;
    HMODULE module;
    hcs_result load_hr;
    char *path;  /* the module's file, or what was tried */
    char *error; /* why loading failed */
    hcsi_proc fn[]; /* desc->count entries, NULL when not exported */
} hcsi_dll;

typedef struct hcsi_dll_slot {
    const hcsi_dll_desc *desc;
    hcsi_dll *table;      /* current table (loader lock) */
    int override_set;     /* *_loader_set_path was called */
    char *override_path;
} hcsi_dll_slot;

/* The three loader calls of a module's public header over its slot:
 * load_fn() loads now, set_path_fn(path) picks the DLL (tests), and
 * present_fn(name) says whether the loaded DLL exports name. */
#define HCSI_DLL_LOADER_API(slot, load_fn, set_path_fn, present_fn)                \
    hcs_result load_fn(void)                                                       \
    {                                                                              \
        const hcsi_dll *t_;                                                        \
        return hcsi_dll_get(slot, &t_);                                            \
    }                                                                              \
    hcs_result set_path_fn(const char *dll_path)                                   \
    {                                                                              \
        return hcsi_dll_set_path(slot, dll_path);                                  \
    }                                                                              \
    int present_fn(const char *name) { return hcsi_dll_present(slot, name); }

/* The slots, one per DLL (win/loader.c). */
extern hcsi_dll_slot hcsi_dll_computecore;
extern hcsi_dll_slot hcsi_dll_computenetwork;
extern hcsi_dll_slot hcsi_dll_computestorage;
extern hcsi_dll_slot hcsi_dll_vmdevicehost;
extern hcsi_dll_slot hcsi_dll_vmcompute;
/* All of them, NULL-terminated, in the order hcs_compute_features lists them. */
extern hcsi_dll_slot *const hcsi_dll_all[];

/* The current table (loading it on first use); NULL only on OOM. */
const hcsi_dll *hcsi_dll_current(hcsi_dll_slot *s);
/* The table, or the load error recorded. */
hcs_result hcsi_dll_get(hcsi_dll_slot *s, const hcsi_dll **out);
/* Records "<fn> is not available on this Windows build (<dll> does not
 * export it)" (HCS_ERR_WIN32_PROC_NOT_FOUND). */
hcs_result hcsi_dll_missing(const hcsi_dll *t, int ix);
/* Checks that t has the functions ixs (terminated by -1). */
hcs_result hcsi_dll_has(const hcsi_dll *t, const int *ixs);
/* The same for the functions a, b, c (-1 = none). */
hcs_result hcsi_dll_has3(const hcsi_dll *t, int a, int b, int c);
/* The current table with functions a, b, c (-1 = none). */
hcs_result hcsi_dll_need(hcsi_dll_slot *s, const hcsi_dll **out, int a, int b,
                         int c);
/* The test override (NULL: back to System32), effective at the next call. */
hcs_result hcsi_dll_set_path(hcsi_dll_slot *s, const char *dll_path);
/* 1 / 0 when the loaded DLL exports name / does not, -1 for a name the
 * slot does not know. */
int hcsi_dll_present(hcsi_dll_slot *s, const char *name);
/* Appends {"name":..,"loaded":..,"path":..,"error":..,"available":n,
 * "total":n,"functions":{..}} for the slot (loading it). */
hcs_result hcsi_dll_features_json(hcsi_dll_slot *s, hcsi_buf *b);

/* ---- strings at the boundary ---- */

/* UTF-8 -> UTF-16 for an argument; NULL stays NULL; the error names what. */
hcs_result hcsi_w_arg(const char *s, const char *what, uint16_t **out);
#define HCSI_W(p) ((PCWSTR)(p))
/* UTF-16 (n units or NUL-terminated with (size_t)-1) -> UTF-8, unpaired
 * surrogates as U+FFFD; NULL only on OOM or an embedded NUL (the error is
 * cleared). */
char *hcsi_w_lossy(const WCHAR *w, size_t n);

/* Which allocator a DLL used for a string it returned. */
typedef enum hcsi_w_alloc {
    HCSI_W_LOCAL = 0,   /* LocalFree: computecore, computestorage */
    HCSI_W_COTASKMEM = 1 /* CoTaskMemFree: computenetwork, HNSCall */
} hcsi_w_alloc;

/* Frees p with the allocator's free function (the test hooks when set). */
void hcsi_w_free(const void *p, hcsi_w_alloc alloc);
/* Converts a string a DLL returned to UTF-8 (when out is not NULL; unpaired
 * surrogates as U+FFFD) and frees the original, always. what names it in an
 * error (OOM). */
hcs_result hcsi_w_take(const WCHAR *s, hcsi_w_alloc alloc, const char *what,
                       char **out);

/* GUID text -> GUID (NULL or "" -> the nil GUID when nil_ok). */
hcs_result hcsi_guid_arg(const char *id, int nil_ok, const char *what,
                         GUID *out);
/* GUID -> "xxxxxxxx-xxxx-..." (37 bytes with the NUL). */
void hcsi_guid_text(const GUID *g, char out[37]);

#endif /* HCS_CORE_DLL_H */
