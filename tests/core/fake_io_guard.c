/*
 * The double's check that the stdio handles it hands out are used the way
 * their real counterparts must be: with an OVERLAPPED.
 *
 * HCS opens the stdio pipes of a process for overlapped I/O (hcsshim
 * internal/hcs/v2/utils.go, makeOpenFiles, wraps them with winio, which
 * only works on FILE_FLAG_OVERLAPPED handles). On such a handle Win32 says
 * lpOverlapped "must point to a valid and unique OVERLAPPED structure,
 * otherwise the function can incorrectly report that the read operation is
 * complete" (ReadFile and WriteFile remarks, learn.microsoft.com). Wine
 * happens to wait for the data anyway, so nothing would fail here: the
 * double therefore watches the calls. It patches the import slots of
 * ReadFile, WriteFile and CloseHandle in the test executable (and in
 * libhcs.dll if that is loaded) and refuses, as a recorded violation, a
 * read or write without an OVERLAPPED on a handle it handed out. The
 * refusal (ERROR_INVALID_PARAMETER) turns "undefined" into a failure a
 * test cannot miss; real Windows may instead return early with no data.
 */
#include <windows.h>
#include <computedefs.h>
#include <string.h>

#include "fake_computecore.h"

#define GUARD_MAX 256

static CRITICAL_SECTION g_glock;
static HANDLE g_tracked[GUARD_MAX];
static INIT_ONCE g_once = INIT_ONCE_STATIC_INIT;

typedef BOOL(WINAPI *read_fn)(HANDLE, LPVOID, DWORD, LPDWORD, LPOVERLAPPED);
typedef BOOL(WINAPI *write_fn)(HANDLE, LPCVOID, DWORD, LPDWORD, LPOVERLAPPED);
typedef BOOL(WINAPI *close_fn)(HANDLE);
static read_fn real_read;
static write_fn real_write;
static close_fn real_close;

static int tracked(HANDLE h, int forget)
{
    int i, found = 0;
    EnterCriticalSection(&g_glock);
    for (i = 0; i < GUARD_MAX; i++)
        if (g_tracked[i] == h) {
            found = 1;
            if (forget)
                g_tracked[i] = NULL;
            break;
        }
    LeaveCriticalSection(&g_glock);
    return found;
}

static BOOL refuse(const char *fn, HANDLE h)
{
    fk_violation("%s(%p) without an OVERLAPPED on an HCS stdio handle, which HCS opens "
                 "FILE_FLAG_OVERLAPPED: the result is undefined (Win32 %s remarks)",
                 fn, (void *)h, fn);
    SetLastError(ERROR_INVALID_PARAMETER);
    return FALSE;
}

static BOOL WINAPI guard_read(HANDLE h, LPVOID buf, DWORD n, LPDWORD done, LPOVERLAPPED ov)
{
    if (!ov && tracked(h, 0))
        return refuse("ReadFile", h);
    return real_read(h, buf, n, done, ov);
}

static BOOL WINAPI guard_write(HANDLE h, LPCVOID buf, DWORD n, LPDWORD done, LPOVERLAPPED ov)
{
    if (!ov && tracked(h, 0))
        return refuse("WriteFile", h);
    return real_write(h, buf, n, done, ov);
}

static BOOL WINAPI guard_close(HANDLE h)
{
    (void)tracked(h, 1); /* the value may be reused for something else */
    return real_close(h);
}

/* Points the import slots of fn in module m (any DLL it imports fn from:
 * kernel32, kernelbase or an api-ms-win-* set) at hook. */
static void patch_import(HMODULE m, const char *fn, void *hook)
{
    BYTE *base = (BYTE *)m;
    IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(base + ((IMAGE_DOS_HEADER *)base)->e_lfanew);
    IMAGE_DATA_DIRECTORY *dir = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
    IMAGE_IMPORT_DESCRIPTOR *imp;
    if (!dir->VirtualAddress)
        return;
    for (imp = (IMAGE_IMPORT_DESCRIPTOR *)(base + dir->VirtualAddress); imp->Name; imp++) {
        IMAGE_THUNK_DATA *names, *slots;
        if (!imp->OriginalFirstThunk)
            continue;
        names = (IMAGE_THUNK_DATA *)(base + imp->OriginalFirstThunk);
        slots = (IMAGE_THUNK_DATA *)(base + imp->FirstThunk);
        for (; names->u1.AddressOfData; names++, slots++) {
            IMAGE_IMPORT_BY_NAME *by;
            DWORD old;
            if (IMAGE_SNAP_BY_ORDINAL(names->u1.Ordinal))
                continue;
            by = (IMAGE_IMPORT_BY_NAME *)(base + names->u1.AddressOfData);
            if (strcmp((const char *)by->Name, fn) != 0)
                continue;
            if (VirtualProtect(&slots->u1.Function, sizeof(void *), PAGE_READWRITE, &old)) {
                slots->u1.Function = (ULONG_PTR)hook;
                VirtualProtect(&slots->u1.Function, sizeof(void *), old, &old);
            }
        }
    }
}

static BOOL CALLBACK install(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
    HMODULE mods[2];
    int i;
    (void)once;
    (void)param;
    (void)ctx;
    InitializeCriticalSection(&g_glock);
    real_read = (read_fn)(void (*)(void))GetProcAddress(k32, "ReadFile");
    real_write = (write_fn)(void (*)(void))GetProcAddress(k32, "WriteFile");
    real_close = (close_fn)(void (*)(void))GetProcAddress(k32, "CloseHandle");
    if (!real_read || !real_write || !real_close)
        return FALSE;
    mods[0] = GetModuleHandleW(NULL);
    mods[1] = GetModuleHandleW(L"libhcs.dll");
    for (i = 0; i < 2; i++) {
        if (!mods[i])
            continue;
        patch_import(mods[i], "ReadFile", (void *)guard_read);
        patch_import(mods[i], "WriteFile", (void *)guard_write);
        patch_import(mods[i], "CloseHandle", (void *)guard_close);
    }
    return TRUE;
}

void fk_io_guard_track(HANDLE h)
{
    int i;
    if (!h || h == INVALID_HANDLE_VALUE || !InitOnceExecuteOnce(&g_once, install, NULL, NULL))
        return;
    EnterCriticalSection(&g_glock);
    for (i = 0; i < GUARD_MAX; i++)
        if (!g_tracked[i]) {
            g_tracked[i] = h;
            break;
        }
    LeaveCriticalSection(&g_glock);
    if (i == GUARD_MAX)
        fk_violation("fake_io_guard: more than %d live stdio handles", GUARD_MAX);
}
