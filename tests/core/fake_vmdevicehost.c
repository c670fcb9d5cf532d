/*
 * A test-double vmdevicehost.dll: the 17 functions the loader binds (13 of
 * the SDK header, 2 proxy, 2 doorbell page). No SDK header exists to check
 * against; the declarations come from the library's X-macro (src/hdv/hdv_int.h).
 * The double plays the VM: 1 MiB of "guest memory" (read, written,
 * mapped), doorbells it rings, and the device interface it keeps so the
 * suites can play vmdevicehost calling the device. Control exports:
 *   FakeHdvDevice(i, &ctx)   the interface table of the i-th device and
 *                            the context it was created with (NULL: none)
 *   FakeHdvRing(bar, offset, value)  signals the matching doorbell(s) /
 *                            doorbell page; returns how many fired
 *   FakeHdvMemory()          the guest memory (1 MiB)
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdv/win/abi.h"
#include "fake_base.h"

#define FAKE_DECL(ret, name, params) FAKE_API ret WINAPI name params;
HCSI_HDV_FUNCS(FAKE_DECL)
#undef FAKE_DECL

#define MAGIC_HOST 0x484f5354u
#define MAGIC_DEV 0x44455649u
#define DEAD 0xdeaddeadu
#define GUEST_MEM (1u << 20)

typedef struct fhost {
    uint32_t magic;
    void *system;
} fhost;

typedef struct fdev {
    uint32_t magic;
    fhost *host;
    const hcsi_hdv_pci_device_interface *itf;
    void *ctx;
} fdev;

typedef struct bell {
    fdev *dev;
    int bar;
    UINT64 offset, value, flags;
    int page;
    HANDLE ev;
} bell;

static BYTE *g_mem;
static fdev *g_devs[16];
static int g_ndevs;
static bell g_bells[32];
static int g_nbells;
static int g_apertures;

void fk_world_reset(void)
{
    int i;
    fk_lock();
    if (!g_mem)
        g_mem = (BYTE *)calloc(GUEST_MEM, 1);
    else
        memset(g_mem, 0, GUEST_MEM);
    for (i = 0; i < g_nbells; i++)
        if (g_bells[i].ev)
            CloseHandle(g_bells[i].ev);
    g_nbells = 0;
    g_ndevs = 0;
    g_apertures = 0;
    fk_unlock();
}

static int dev_ok(fdev *d, const char *fn)
{
    if (d && d->magic == MAGIC_DEV && d->host->magic == MAGIC_HOST)
        return 1;
    fk_violation("%s: device %p %s", fn, (void *)d,
                 d && (d->magic == DEAD || d->host->magic == DEAD) ? "used after teardown"
                                                                  : "invalid");
    return 0;
}

static HRESULT host_new(fake_call *c, void *system, HCSI_HDV_HOST *out)
{
    HRESULT hr = fk_answer(c);
    fhost *h;
    *out = NULL;
    if (FAILED(hr))
        return hr;
    h = (fhost *)fk_alloc(sizeof *h);
    h->magic = MAGIC_HOST;
    h->system = system;
    fk_live(1);
    *out = h;
    return S_OK;
}

HRESULT WINAPI HdvInitializeDeviceHost(HCSI_CC_SYSTEM s, HCSI_HDV_HOST *out)
{
    fake_call *c = fk_rec_h("HdvInitializeDeviceHost", FK_H(s), 0, 0);
    return host_new(c, s, out);
}

HRESULT WINAPI HdvInitializeDeviceHostEx(HCSI_CC_SYSTEM s, INT32 flags, HCSI_HDV_HOST *out)
{
    fake_call *c = fk_rec_h("HdvInitializeDeviceHostEx", FK_H(s), 0, 0);
    c->n[0] = (uint64_t)flags;
    return host_new(c, s, out);
}

HRESULT WINAPI HdvInitializeDeviceHostForProxy(const GUID *vm, void *proxy, HCSI_HDV_HOST *out)
{
    fake_call *c = fk_rec_h("HdvInitializeDeviceHostForProxy", FK_H(proxy), 0, 0);
    c->n[0] = vm ? vm->Data1 : 0;
    return host_new(c, NULL, out);
}

HRESULT WINAPI HdvTeardownDeviceHost(HCSI_HDV_HOST host)
{
    fake_call *c = fk_rec_h("HdvTeardownDeviceHost", FK_H(host), 0, 0);
    fhost *h = (fhost *)host;
    HRESULT hr;
    int i;
    hr = fk_answer(c);
    if (!h || h->magic != MAGIC_HOST) {
        fk_violation("HdvTeardownDeviceHost: host %p invalid or torn down", (void *)h);
        return E_HANDLE;
    }
    /* the devices' Teardown callbacks, as vmdevicehost does */
    for (i = 0; i < g_ndevs; i++)
        if (g_devs[i]->host == h && g_devs[i]->magic == MAGIC_DEV) {
            if (g_devs[i]->itf->Teardown)
                g_devs[i]->itf->Teardown(g_devs[i]->ctx);
            g_devs[i]->magic = DEAD;
        }
    h->magic = DEAD;
    fk_live(-1);
    return hr;
}

HRESULT WINAPI HdvProxyDeviceHost(HCSI_CC_SYSTEM s, void *dh, DWORD pid, UINT64 *ipc)
{
    fake_call *c = fk_rec_h("HdvProxyDeviceHost", FK_H(s), FK_H(dh), 0);
    HRESULT hr;
    c->n[0] = pid;
    hr = fk_answer(c);
    *ipc = SUCCEEDED(hr) ? 0x5ec7u : 0;
    return hr;
}

HRESULT WINAPI HdvCreateDeviceInstance(HCSI_HDV_HOST host, INT32 type, const GUID *cls,
                                       const GUID *inst, const void *itf, void *ctx,
                                       HCSI_HDV_DEVICE *out)
{
    fake_call *c = fk_rec_h("HdvCreateDeviceInstance", FK_H(ctx), 0, 0);
    fhost *h = (fhost *)host;
    const hcsi_hdv_pci_device_interface *pi = (const hcsi_hdv_pci_device_interface *)itf;
    HRESULT hr;
    fdev *d;
    c->n[0] = (uint64_t)type;
    c->n[1] = ((uint64_t)(cls ? cls->Data1 : 0) << 32) | (inst ? inst->Data1 : 0);
    hr = fk_answer(c);
    *out = NULL;
    if (!h || h->magic != MAGIC_HOST) {
        fk_violation("HdvCreateDeviceInstance: host %p invalid", (void *)h);
        return E_HANDLE;
    }
    if (!pi || pi->Version != HCSI_HDV_PCI_INTERFACE_VERSION_1)
        fk_violation("HdvCreateDeviceInstance: interface version %d", pi ? pi->Version : -1);
    if (FAILED(hr))
        return hr;
    d = (fdev *)fk_alloc(sizeof *d);
    d->magic = MAGIC_DEV;
    d->host = h;
    d->itf = pi;
    d->ctx = ctx;
    fk_lock();
    if (g_ndevs < 16)
        g_devs[g_ndevs++] = d;
    fk_unlock();
    *out = d;
    return S_OK;
}

static HRESULT mem_check(fake_call *c, fdev *d, UINT64 gpa, UINT32 n)
{
    HRESULT hr = fk_answer(c);
    if (!dev_ok(d, c->fn))
        return E_HANDLE;
    if (FAILED(hr))
        return hr;
    if (gpa > GUEST_MEM || n > GUEST_MEM - gpa)
        return HRESULT_FROM_WIN32(ERROR_INVALID_ADDRESS);
    return S_OK;
}

/* HdvReadGuestMemory and HdvWriteGuestMemory (write): n bytes of guest
 * memory at gpa, into or from the caller's buffer. */
static HRESULT mem_copy(const char *fn, HCSI_HDV_DEVICE dev, UINT64 gpa, UINT32 n, int write,
                        BYTE *buf)
{
    fake_call *c = fk_rec(fn);
    HRESULT hr;
    c->n[0] = gpa;
    c->n[1] = n;
    hr = mem_check(c, (fdev *)dev, gpa, n);
    if (SUCCEEDED(hr) && write)
        memcpy(g_mem + gpa, buf, n);
    else if (SUCCEEDED(hr))
        memcpy(buf, g_mem + gpa, n);
    return hr;
}

HRESULT WINAPI HdvReadGuestMemory(HCSI_HDV_DEVICE dev, UINT64 gpa, UINT32 n, BYTE *buf)
{
    return mem_copy("HdvReadGuestMemory", dev, gpa, n, 0, buf);
}

HRESULT WINAPI HdvWriteGuestMemory(HCSI_HDV_DEVICE dev, UINT64 gpa, UINT32 n, const BYTE *buf)
{
    return mem_copy("HdvWriteGuestMemory", dev, gpa, n, 1, (BYTE *)buf); /* only read */
}

HRESULT WINAPI HdvCreateGuestMemoryAperture(HCSI_HDV_DEVICE dev, UINT64 gpa, UINT32 n,
                                            BOOL wp, void **mapped)
{
    fake_call *c = fk_rec("HdvCreateGuestMemoryAperture");
    HRESULT hr;
    c->n[0] = gpa;
    c->n[1] = ((uint64_t)(wp ? 1 : 0) << 32) | n;
    hr = mem_check(c, (fdev *)dev, gpa, n);
    *mapped = NULL;
    if (SUCCEEDED(hr)) {
        *mapped = g_mem + gpa;
        g_apertures++;
        fk_live(1);
    }
    return hr;
}

HRESULT WINAPI HdvDestroyGuestMemoryAperture(HCSI_HDV_DEVICE dev, void *mapped)
{
    fake_call *c = fk_rec_h("HdvDestroyGuestMemoryAperture", FK_H(mapped), 0, 0);
    HRESULT hr;
    hr = fk_answer(c);
    if (!dev_ok((fdev *)dev, c->fn))
        return E_HANDLE;
    if (!mapped || (BYTE *)mapped < g_mem || (BYTE *)mapped >= g_mem + GUEST_MEM ||
        g_apertures == 0) {
        fk_violation("HdvDestroyGuestMemoryAperture: %p is not a mapped aperture", mapped);
        return E_INVALIDARG;
    }
    g_apertures--;
    fk_live(-1);
    return hr;
}

HRESULT WINAPI HdvDeliverGuestInterrupt(HCSI_HDV_DEVICE dev, UINT64 addr, UINT32 data)
{
    fake_call *c = fk_rec("HdvDeliverGuestInterrupt");
    HRESULT hr;
    c->n[0] = addr;
    c->n[1] = data;
    hr = fk_answer(c);
    return dev_ok((fdev *)dev, c->fn) ? hr : E_HANDLE;
}

static HRESULT bell_add(fake_call *c, fdev *d, int bar, UINT64 off, UINT64 val, UINT64 flags,
                        int page, HANDLE ev)
{
    HRESULT hr = fk_answer(c);
    HANDLE dup = NULL;
    if (!dev_ok(d, c->fn))
        return E_HANDLE;
    if (FAILED(hr))
        return hr;
    if (!DuplicateHandle(GetCurrentProcess(), ev, GetCurrentProcess(), &dup, 0, FALSE,
                         DUPLICATE_SAME_ACCESS))
        return HRESULT_FROM_WIN32(GetLastError());
    fk_lock();
    if (g_nbells < 32) {
        bell *b = &g_bells[g_nbells++];
        b->dev = d;
        b->bar = bar;
        b->offset = off;
        b->value = val;
        b->flags = flags;
        b->page = page;
        b->ev = dup;
        fk_live(1);
    }
    fk_unlock();
    return S_OK;
}

static HRESULT bell_remove(fake_call *c, fdev *d, int bar, UINT64 off, UINT64 val, int page)
{
    HRESULT hr = fk_answer(c);
    int i;
    if (!dev_ok(d, c->fn))
        return E_HANDLE;
    if (FAILED(hr))
        return hr;
    fk_lock();
    for (i = 0; i < g_nbells; i++) {
        bell *b = &g_bells[i];
        if (b->dev == d && b->bar == bar && b->offset == off && b->page == page &&
            (page || b->value == val)) {
            CloseHandle(b->ev);
            *b = g_bells[--g_nbells];
            fk_live(-1);
            fk_unlock();
            return S_OK;
        }
    }
    fk_unlock();
    return HRESULT_FROM_WIN32(ERROR_NOT_FOUND);
}

HRESULT WINAPI HdvRegisterDoorbell(HCSI_HDV_DEVICE dev, INT32 bar, UINT64 off, UINT64 val,
                                   UINT64 flags, HANDLE ev)
{
    fake_call *c = fk_rec("HdvRegisterDoorbell");
    c->n[0] = ((uint64_t)bar << 32) | (uint32_t)off;
    c->n[1] = val;
    c->h[0] = flags;
    return bell_add(c, (fdev *)dev, bar, off, val, flags, 0, ev);
}

HRESULT WINAPI HdvUnregisterDoorbell(HCSI_HDV_DEVICE dev, INT32 bar, UINT64 off, UINT64 val,
                                     UINT64 flags)
{
    fake_call *c = fk_rec("HdvUnregisterDoorbell");
    c->n[0] = ((uint64_t)bar << 32) | (uint32_t)off;
    c->n[1] = val;
    c->h[0] = flags;
    return bell_remove(c, (fdev *)dev, bar, off, val, 0);
}

HRESULT WINAPI HdvRegisterDoorbellPage(HCSI_HDV_DEVICE dev, INT32 bar, UINT64 page, HANDLE ev)
{
    fake_call *c = fk_rec("HdvRegisterDoorbellPage");
    c->n[0] = ((uint64_t)bar << 32) | (uint32_t)page;
    return bell_add(c, (fdev *)dev, bar, page * 4096, 0, 0, 1, ev);
}

HRESULT WINAPI HdvUnregisterDoorbellPage(HCSI_HDV_DEVICE dev, INT32 bar, UINT64 page)
{
    fake_call *c = fk_rec("HdvUnregisterDoorbellPage");
    c->n[0] = ((uint64_t)bar << 32) | (uint32_t)page;
    return bell_remove(c, (fdev *)dev, bar, page * 4096, 0, 1);
}

HRESULT WINAPI HdvCreateSectionBackedMmioRange(HCSI_HDV_DEVICE dev, INT32 bar, UINT64 off,
                                               UINT64 len, INT32 flags, HANDLE section,
                                               UINT64 soff)
{
    fake_call *c = fk_rec("HdvCreateSectionBackedMmioRange");
    HRESULT hr;
    c->n[0] = ((uint64_t)bar << 32) | (uint32_t)off;
    c->n[1] = ((uint64_t)(uint32_t)flags << 32) | (uint32_t)len;
    c->h[0] = (uint64_t)(uintptr_t)section;
    c->h[1] = soff;
    hr = fk_answer(c);
    if (!dev_ok((fdev *)dev, c->fn))
        return E_HANDLE;
    if (SUCCEEDED(hr))
        fk_live(1);
    return hr;
}

HRESULT WINAPI HdvDestroySectionBackedMmioRange(HCSI_HDV_DEVICE dev, INT32 bar, UINT64 off)
{
    fake_call *c = fk_rec("HdvDestroySectionBackedMmioRange");
    HRESULT hr;
    c->n[0] = ((uint64_t)bar << 32) | (uint32_t)off;
    hr = fk_answer(c);
    if (!dev_ok((fdev *)dev, c->fn))
        return E_HANDLE;
    if (SUCCEEDED(hr))
        fk_live(-1);
    return hr;
}

FAKE_API const hcsi_hdv_pci_device_interface *FakeHdvDevice(int i, void **ctx)
{
    const hcsi_hdv_pci_device_interface *itf = NULL;
    fk_lock();
    if (i >= 0 && i < g_ndevs) {
        itf = g_devs[i]->itf;
        if (ctx)
            *ctx = g_devs[i]->ctx;
    }
    fk_unlock();
    return itf;
}

FAKE_API int FakeHdvRing(int bar, uint64_t offset, uint64_t value)
{
    int i, n = 0;
    fk_lock();
    for (i = 0; i < g_nbells; i++) {
        bell *b = &g_bells[i];
        int hit = b->bar == bar &&
                  (b->page ? offset / 4096 == b->offset / 4096
                           : b->offset == offset &&
                                 ((b->flags & 0x80000000u) || b->value == value));
        if (hit) {
            SetEvent(b->ev);
            n++;
        }
    }
    fk_unlock();
    return n;
}

FAKE_API BYTE *FakeHdvMemory(void) { return g_mem; }
