/*
 * A test-double computenetwork.dll: the 50 functions the loader binds
 * (43 of the SDK header + 7 SDN route exports) and vmcompute's HNSCall
 * (the suites point the vmcompute slot at this file too), over a small
 * world of HCN objects. Control exports beyond fake_base.h:
 *   FakeNetFire(type, status, data)   every registered service callback
 *                                     (and GNS callbacks) is called, on a
 *                                     new thread, joined before returning
 *   FakeNetSetVersion(major, minor)   what HNSCall reports (0.0: fails)
 * Strings it hands out come from CoTaskMemAlloc (HCN's rule); port
 * reservation arrays are freed with HcnFreeGuestNetworkPortReservations.
 *
 * The SDK's computenetwork.h is included and every function redeclared
 * from the library's X-macro (net.h) with HCSI_HCN_SDK_TYPES: the compiler
 * checks the library's parameter lists against the SDK's 41 prototypes.
 */
#define HCSI_HCN_SDK_TYPES
#include <windows.h>
#include <computenetwork.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/win/abi.h"
#include "fake_base.h"

#define FAKE_DECL(ret, name, params) FAKE_API ret WINAPI name params;
HCSI_HCN_FUNCS(FAKE_DECL)
#undef FAKE_DECL

_Static_assert(sizeof(struct hcsi_hcn_port_range_entry) == sizeof(HCN_PORT_RANGE_ENTRY),
               "HCN_PORT_RANGE_ENTRY size");
_Static_assert(offsetof(struct hcsi_hcn_port_range_entry, EndingPort) ==
                   offsetof(HCN_PORT_RANGE_ENTRY, EndingPort),
               "HCN_PORT_RANGE_ENTRY.EndingPort");

/* An object that is not there: HRESULT_FROM_WIN32(ERROR_NOT_FOUND), which is
 * what hcsshim's hcn.IsNotFoundError matches (hcs.ErrElementNotFound), not
 * the HCN_E_*_NOT_FOUND codes the double used to guess. */
#define E_NOT_FOUND(kind) ((void)(kind), (HRESULT)0x80070490u)
#define E_ALREADY_EXISTS ((HRESULT)0x803B0010u)
#define MAGIC 0x48434e4fu
#define DEAD 0xdeaddeadu

enum { K_NET, K_EP, K_NS, K_LB, K_ROUTE, K_GNS, K_COUNT };
static const char *const k_kind_names[K_COUNT] = {"network", "endpoint", "namespace",
                                                  "loadbalancer", "route", "gns"};

typedef struct wobj {
    int used;
    int kind;
    GUID id;
    char *settings;
} wobj;

typedef struct hobj {
    uint32_t magic;
    int kind;
    wobj *w;
} hobj;

typedef struct cbreg {
    uint32_t magic;
    HCN_NOTIFICATION_CALLBACK cb;
    void *ctx;
    hobj *gns;
} cbreg;

static const GUID k_nil;
static wobj g_objs[64];
static cbreg *g_cbs[32];
static int g_ncbs;
static int g_ver_major = 15, g_ver_minor = 4;
static unsigned g_next_id = 1;
static unsigned g_next_res = 1;

void fk_world_reset(void)
{
    int i;
    fk_lock();
    for (i = 0; i < 64; i++) {
        free(g_objs[i].settings);
        memset(&g_objs[i], 0, sizeof g_objs[i]);
    }
    g_ncbs = 0;
    g_ver_major = 15;
    g_ver_minor = 4;
    g_next_id = 1;
    /* a network that exists from the start */
    g_objs[0].used = 1;
    g_objs[0].kind = K_NET;
    g_objs[0].id.Data1 = 0x0e7a0001u;
    g_objs[0].settings = _strdup("{\"Name\":\"nat\",\"Type\":\"NAT\"}");
    fk_unlock();
}

static void guid_text(const GUID *g, char out[37])
{
    snprintf(out, 37, "%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             (unsigned long)g->Data1, g->Data2, g->Data3, g->Data4[0], g->Data4[1],
             g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
}

static fake_call *rec_id(const char *fn, REFGUID id)
{
    fake_call *c = fk_rec(fn);
    if (id) {
        char t[37];
        guid_text(id, t);
        c->str[3] = _strdup(t);
    }
    return c;
}

static wobj *find(int kind, REFGUID id)
{
    int i;
    for (i = 0; i < 64; i++)
        if (g_objs[i].used && g_objs[i].kind == kind && IsEqualGUID(&g_objs[i].id, id))
            return &g_objs[i];
    return NULL;
}

static int handle_ok(hobj *h, int kind, const char *fn)
{
    if (h && h->magic == MAGIC && h->kind == kind)
        return 1;
    fk_violation("%s: handle %p %s", fn, (void *)h,
                 h && h->magic == DEAD ? "used after close" : "invalid");
    return 0;
}

/* The scripted answer of a call: *hr and an error record when failing. */
static int scripted(const char *fn, HRESULT *hr, PWSTR *err, fake_step *st)
{
    if (!fk_step(fn, st))
        return 0;
    *hr = st->call_hr;
    if (FAILED(*hr) && err && st->result_doc)
        *err = fk_out(st->result_doc, FK_COTASK);
    else if (err && st->error_record)
        *err = fk_out(st->error_record, FK_COTASK);
    return 1;
}

static void set_err(PWSTR *err, const char *text)
{
    if (err)
        *err = fk_out(text, FK_COTASK);
}

/* ---- the generic CRUD ---- */

/* *out = a new open handle to w (live until closed). */
static void hobj_new(int kind, wobj *w, void **out)
{
    hobj *h = (hobj *)fk_alloc(sizeof *h);
    h->magic = MAGIC;
    h->kind = kind;
    h->w = w;
    fk_live(1);
    *out = h;
}

/* Records fn(h, s) and checks h: S_OK, or E_HANDLE for a bad handle;
 * *err cleared. */
static HRESULT on_handle(const char *fn, int kind, hobj *h, PCWSTR s, PWSTR *err)
{
    fake_call *c = fk_rec_h(fn, FK_H(h), 0, 0);
    fk_str(c, 0, s);
    fk_commit(c);
    if (err)
        *err = NULL;
    return handle_ok(h, kind, fn) ? S_OK : E_HANDLE;
}

static HRESULT f_enum(const char *fn, int kind, PCWSTR query, PWSTR *out, PWSTR *err)
{
    fake_call *c = fk_rec(fn);
    fake_step st;
    HRESULT hr = S_OK;
    char buf[4096];
    size_t len = 0;
    int i;
    fk_str(c, 0, query);
    fk_commit(c);
    if (out)
        *out = NULL;
    if (err)
        *err = NULL;
    if (scripted(fn, &hr, err, &st)) {
        if (SUCCEEDED(hr) && out && st.result_doc)
            *out = fk_out(st.result_doc, FK_COTASK);
        return hr;
    }
    len += (size_t)snprintf(buf + len, sizeof buf - len, "[");
    fk_lock();
    for (i = 0; i < 64; i++) {
        if (g_objs[i].used && g_objs[i].kind == kind) {
            char t[37];
            guid_text(&g_objs[i].id, t);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\"%s\"",
                                    len > 1 ? "," : "", t);
        }
    }
    fk_unlock();
    snprintf(buf + len, sizeof buf - len, "]");
    if (out)
        *out = fk_out(buf, FK_COTASK);
    return S_OK;
}

static HRESULT f_create(const char *fn, int kind, hobj *net, REFGUID id, PCWSTR settings,
                        void **out, PWSTR *err)
{
    fake_call *c = rec_id(fn, id);
    fake_step st;
    HRESULT hr = S_OK;
    wobj *w = NULL;
    int i;
    fk_str(c, 0, settings);
    c->h[0] = (uint64_t)(uintptr_t)net;
    fk_commit(c);
    if (out)
        *out = NULL;
    if (err)
        *err = NULL;
    if (net && !handle_ok(net, K_NET, fn))
        return E_HANDLE;
    if (scripted(fn, &hr, err, &st) && FAILED(hr))
        return hr;
    fk_lock();
    if (!IsEqualGUID(id, &k_nil) && find(kind, id)) {
        fk_unlock();
        set_err(err, "{\"Success\":false,\"Error\":\"already exists\"}");
        return E_ALREADY_EXISTS;
    }
    for (i = 0; i < 64 && !w; i++)
        if (!g_objs[i].used)
            w = &g_objs[i];
    if (w) {
        w->used = 1;
        w->kind = kind;
        w->id = *id;
        if (IsEqualGUID(id, &k_nil)) { /* HNS picks the id */
            w->id.Data1 = 0xa0000000u + g_next_id++;
            w->id.Data2 = (unsigned short)kind;
        }
        w->settings = fk_u8(settings);
    }
    fk_unlock();
    if (!w)
        return E_OUTOFMEMORY;
    hobj_new(kind, w, out);
    return hr;
}

/* Records fn(id): a scripted failure, else S_OK (go on); *err cleared. */
static HRESULT by_id(const char *fn, REFGUID id, PWSTR *err)
{
    fake_step st;
    HRESULT hr = S_OK;
    fk_commit(rec_id(fn, id));
    if (err)
        *err = NULL;
    return scripted(fn, &hr, err, &st) && FAILED(hr) ? hr : S_OK;
}

static HRESULT f_open(const char *fn, int kind, REFGUID id, void **out, PWSTR *err)
{
    wobj *w;
    HRESULT hr;
    *out = NULL;
    hr = by_id(fn, id, err);
    if (FAILED(hr))
        return hr;
    fk_lock();
    w = find(kind, id);
    fk_unlock();
    if (!w) {
        char t[200], g[37];
        guid_text(id, g);
        snprintf(t, sizeof t, "{\"Success\":false,\"Error\":\"%s %s not found\"}",
                 k_kind_names[kind], g);
        set_err(err, t);
        return E_NOT_FOUND(kind);
    }
    hobj_new(kind, w, out);
    return S_OK;
}

static HRESULT f_modify(const char *fn, int kind, hobj *h, PCWSTR settings, PWSTR *err)
{
    fake_step st;
    HRESULT hr = on_handle(fn, kind, h, settings, err);
    if (SUCCEEDED(hr))
        scripted(fn, &hr, err, &st);
    return hr;
}

/* The properties of h: a scripted document, else doc, else its ID and
 * settings. */
static HRESULT f_query(const char *fn, int kind, hobj *h, PCWSTR query, PWSTR *props,
                       PWSTR *err, const char *doc)
{
    fake_step st;
    HRESULT hr;
    char buf[4096], g[37];
    *props = NULL;
    hr = on_handle(fn, kind, h, query, err);
    if (FAILED(hr))
        return hr;
    if (scripted(fn, &hr, err, &st)) {
        if (SUCCEEDED(hr) && st.result_doc)
            *props = fk_out(st.result_doc, FK_COTASK);
        return hr;
    }
    if (doc) {
        *props = fk_out(doc, FK_COTASK);
        return S_OK;
    }
    guid_text(&h->w->id, g);
    fk_lock();
    /* {"ID":..,<the settings' members>} */
    if (h->w->settings && h->w->settings[0] == '{' && h->w->settings[1] != '}')
        snprintf(buf, sizeof buf, "{\"ID\":\"%s\",%s", g, h->w->settings + 1);
    else
        snprintf(buf, sizeof buf, "{\"ID\":\"%s\"}", g);
    fk_unlock();
    *props = fk_out(buf, FK_COTASK);
    return S_OK;
}

static HRESULT f_delete(const char *fn, int kind, REFGUID id, PWSTR *err)
{
    HRESULT hr = by_id(fn, id, err);
    wobj *w;
    if (FAILED(hr))
        return hr;
    fk_lock();
    w = find(kind, id);
    if (w) {
        free(w->settings);
        memset(w, 0, sizeof *w); /* open handles keep pointing at the slot */
    }
    fk_unlock();
    if (!w) {
        set_err(err, "not found");
        return E_NOT_FOUND(kind);
    }
    return S_OK;
}

static HRESULT f_close(const char *fn, int kind, hobj *h)
{
    fake_call *c = fk_rec_h(fn, FK_H(h), 0, 0);
    fk_commit(c);
    if (!handle_ok(h, kind, fn))
        return E_HANDLE;
    h->magic = DEAD; /* never freed: later use is detected */
    fk_live(-1);
    return S_OK;
}

#define CRUD(Kind, K, Enum, Create, Open, Modify, Query, Delete, Close)                 \
    HRESULT WINAPI Enum(PCWSTR q, PWSTR *o, PWSTR *e) { return f_enum(#Enum, K, q, o, e); } \
    HRESULT WINAPI Open(REFGUID id, void **h, PWSTR *e) { return f_open(#Open, K, id, h, e); } \
    HRESULT WINAPI Modify(void *h, PCWSTR s, PWSTR *e)                                  \
    {                                                                                   \
        return f_modify(#Modify, K, (hobj *)h, s, e);                                   \
    }                                                                                   \
    HRESULT WINAPI Query(void *h, PCWSTR q, PWSTR *p, PWSTR *e)                         \
    {                                                                                   \
        return f_query(#Query, K, (hobj *)h, q, p, e, NULL);                            \
    }                                                                                   \
    HRESULT WINAPI Delete(REFGUID id, PWSTR *e) { return f_delete(#Delete, K, id, e); } \
    HRESULT WINAPI Close(void *h) { return f_close(#Close, K, (hobj *)h); }

CRUD(Network, K_NET, HcnEnumerateNetworks, HcnCreateNetwork, HcnOpenNetwork, HcnModifyNetwork,
     HcnQueryNetworkProperties, HcnDeleteNetwork, HcnCloseNetwork)
CRUD(Namespace, K_NS, HcnEnumerateNamespaces, HcnCreateNamespace, HcnOpenNamespace,
     HcnModifyNamespace, HcnQueryNamespaceProperties, HcnDeleteNamespace, HcnCloseNamespace)
CRUD(Endpoint, K_EP, HcnEnumerateEndpoints, HcnCreateEndpoint, HcnOpenEndpoint,
     HcnModifyEndpoint, HcnQueryEndpointProperties, HcnDeleteEndpoint, HcnCloseEndpoint)
CRUD(LoadBalancer, K_LB, HcnEnumerateLoadBalancers, HcnCreateLoadBalancer,
     HcnOpenLoadBalancer, HcnModifyLoadBalancer, HcnQueryLoadBalancerProperties,
     HcnDeleteLoadBalancer, HcnCloseLoadBalancer)
CRUD(Route, K_ROUTE, HcnEnumerateSdnRoutes, HcnCreateSdnRoute, HcnOpenSdnRoute,
     HcnModifySdnRoute, HcnQuerySdnRouteProperties, HcnDeleteSdnRoute, HcnCloseSdnRoute)

HRESULT WINAPI HcnCreateNetwork(REFGUID id, PCWSTR s, PHCN_NETWORK h, PWSTR *e)
{
    return f_create("HcnCreateNetwork", K_NET, NULL, id, s, h, e);
}
HRESULT WINAPI HcnCreateNamespace(REFGUID id, PCWSTR s, PHCN_NAMESPACE h, PWSTR *e)
{
    return f_create("HcnCreateNamespace", K_NS, NULL, id, s, h, e);
}
HRESULT WINAPI HcnCreateEndpoint(HCN_NETWORK n, REFGUID id, PCWSTR s, PHCN_ENDPOINT h, PWSTR *e)
{
    return f_create("HcnCreateEndpoint", K_EP, (hobj *)n, id, s, h, e);
}
HRESULT WINAPI HcnCreateLoadBalancer(REFGUID id, PCWSTR s, PHCN_LOADBALANCER h, PWSTR *e)
{
    return f_create("HcnCreateLoadBalancer", K_LB, NULL, id, s, h, e);
}
HRESULT WINAPI HcnCreateSdnRoute(REFGUID id, PCWSTR s, void **h, PWSTR *e)
{
    return f_create("HcnCreateSdnRoute", K_ROUTE, NULL, id, s, h, e);
}

/* ---- endpoint queries ("added in NI") ---- */

HRESULT WINAPI HcnQueryEndpointStats(HCN_ENDPOINT h, PCWSTR q, PWSTR *p, PWSTR *e)
{
    return f_query("HcnQueryEndpointStats", K_EP, (hobj *)h, q, p, e,
                   "{\"BytesReceived\":1024,\"BytesSent\":2048}");
}

HRESULT WINAPI HcnQueryEndpointAddresses(HCN_ENDPOINT h, PCWSTR q, PWSTR *p, PWSTR *e)
{
    return f_query("HcnQueryEndpointAddresses", K_EP, (hobj *)h, q, p, e,
                   "[\"192.168.100.10\",\"fe80::1\"]");
}

/* ---- callbacks ---- */

static HRESULT f_register(const char *fn, hobj *gns, HCN_NOTIFICATION_CALLBACK cb, void *ctx,
                          HCN_CALLBACK *out)
{
    fake_call *c = fk_rec_h(fn, FK_H(ctx), FK_H(gns), 0);
    fake_step st;
    HRESULT hr = S_OK;
    cbreg *r;
    fk_commit(c);
    *out = NULL;
    if (gns && !handle_ok(gns, K_GNS, fn))
        return E_HANDLE;
    if (!cb) {
        fk_violation("%s: NULL callback", fn);
        return E_POINTER;
    }
    if (scripted(fn, &hr, NULL, &st) && FAILED(hr))
        return hr;
    r = (cbreg *)fk_alloc(sizeof *r);
    r->magic = MAGIC;
    r->cb = cb;
    r->ctx = ctx;
    r->gns = gns;
    fk_lock();
    if (g_ncbs < 32)
        g_cbs[g_ncbs++] = r;
    fk_unlock();
    fk_live(1);
    *out = r;
    return S_OK;
}

static HRESULT f_unregister(const char *fn, HCN_CALLBACK h)
{
    fake_call *c = fk_rec_h(fn, FK_H(h), 0, 0);
    cbreg *r = (cbreg *)h;
    int i;
    fk_commit(c);
    fk_lock();
    for (i = 0; i < g_ncbs; i++)
        if (g_cbs[i] == r)
            break;
    if (i == g_ncbs || r->magic != MAGIC) {
        fk_unlock();
        fk_violation("%s: unknown callback handle %p", fn, (void *)h);
        return E_HANDLE;
    }
    g_cbs[i] = g_cbs[--g_ncbs];
    r->magic = DEAD;
    fk_unlock();
    fk_live(-1);
    return S_OK;
}

HRESULT WINAPI HcnRegisterServiceCallback(HCN_NOTIFICATION_CALLBACK cb, void *ctx,
                                          HCN_CALLBACK *h)
{
    return f_register("HcnRegisterServiceCallback", NULL, cb, ctx, h);
}
HRESULT WINAPI HcnUnregisterServiceCallback(HCN_CALLBACK h)
{
    return f_unregister("HcnUnregisterServiceCallback", h);
}
HRESULT WINAPI HcnRegisterGuestNetworkServiceCallback(HCN_GUESTNETWORKSERVICE g,
                                                      HCN_NOTIFICATION_CALLBACK cb, void *ctx,
                                                      HCN_CALLBACK *h)
{
    return f_register("HcnRegisterGuestNetworkServiceCallback", (hobj *)g, cb, ctx, h);
}
HRESULT WINAPI HcnUnregisterGuestNetworkServiceCallback(HCN_CALLBACK h)
{
    return f_unregister("HcnUnregisterGuestNetworkServiceCallback", h);
}

typedef struct firejob {
    HCN_NOTIFICATION_CALLBACK cb;
    void *ctx;
    DWORD type;
    HRESULT status;
    WCHAR *data;
} firejob;

static DWORD WINAPI fire_thread(void *arg)
{
    firejob *j = (firejob *)arg;
    j->cb(j->type, j->ctx, j->status, j->data);
    return 0;
}

/* Calls every registered callback (also stale contexts: a closed handle's
 * key must be harmless), each on its own thread, joined. */
FAKE_API int FakeNetFire(uint32_t type, int32_t status, const char *data)
{
    firejob jobs[32];
    HANDLE th[32];
    int i, n;
    fk_lock();
    n = g_ncbs;
    for (i = 0; i < n; i++) {
        int len = data ? MultiByteToWideChar(CP_UTF8, 0, data, -1, NULL, 0) : 0;
        jobs[i].cb = g_cbs[i]->cb;
        jobs[i].ctx = g_cbs[i]->ctx;
        jobs[i].type = type;
        jobs[i].status = status;
        jobs[i].data = NULL;
        if (len > 0) {
            jobs[i].data = (WCHAR *)malloc((size_t)len * sizeof(WCHAR));
            MultiByteToWideChar(CP_UTF8, 0, data, -1, jobs[i].data, len);
        }
    }
    fk_unlock();
    for (i = 0; i < n; i++)
        th[i] = CreateThread(NULL, 0, fire_thread, &jobs[i], 0, NULL);
    for (i = 0; i < n; i++) {
        WaitForSingleObject(th[i], INFINITE);
        CloseHandle(th[i]);
        free(jobs[i].data);
    }
    return n;
}

/* Calls one callback context directly (a late callback after unregister). */
FAKE_API void FakeNetFireContext(HCN_NOTIFICATION_CALLBACK cb, void *ctx, uint32_t type)
{
    cb(type, ctx, S_OK, NULL);
}

/* ---- guest network services ---- */

HRESULT WINAPI HcnCreateGuestNetworkService(REFGUID id, PCWSTR s, PHCN_GUESTNETWORKSERVICE h,
                                            PWSTR *e)
{
    return f_create("HcnCreateGuestNetworkService", K_GNS, NULL, id, s, h, e);
}
HRESULT WINAPI HcnCloseGuestNetworkService(HCN_GUESTNETWORKSERVICE h)
{
    return f_close("HcnCloseGuestNetworkService", K_GNS, (hobj *)h);
}
HRESULT WINAPI HcnModifyGuestNetworkService(HCN_GUESTNETWORKSERVICE h, PCWSTR s, PWSTR *e)
{
    return f_modify("HcnModifyGuestNetworkService", K_GNS, (hobj *)h, s, e);
}
HRESULT WINAPI HcnDeleteGuestNetworkService(REFGUID id, PWSTR *e)
{
    return f_delete("HcnDeleteGuestNetworkService", K_GNS, id, e);
}

/* ---- port reservations ---- */

static HRESULT reserve(const char *fn, hobj *g, int proto, int access, USHORT port,
                       USHORT count, HCN_PORT_RANGE_RESERVATION *range, HANDLE *out)
{
    fake_call *c = fk_rec(fn);
    fake_step st;
    HRESULT hr = S_OK;
    c->n[0] = (uint64_t)(proto * 16 + access);
    c->n[1] = count ? count : port;
    c->h[0] = (uint64_t)(uintptr_t)g;
    fk_commit(c);
    *out = NULL;
    if (!handle_ok(g, K_GNS, fn))
        return E_HANDLE;
    if (scripted(fn, &hr, NULL, &st) && FAILED(hr))
        return hr;
    if (range) {
        range->startingPort = 50000;
        range->endingPort = (USHORT)(50000 + count - 1);
    }
    *out = (HANDLE)(uintptr_t)(0x7000 + g_next_res++);
    fk_handed(*out, 0);
    fk_live(1);
    return S_OK;
}

HRESULT WINAPI HcnReserveGuestNetworkServicePort(HCN_GUESTNETWORKSERVICE g,
                                                 HCN_PORT_PROTOCOL p, HCN_PORT_ACCESS a,
                                                 USHORT port, HANDLE *h)
{
    return reserve("HcnReserveGuestNetworkServicePort", (hobj *)g, (int)p, (int)a, port, 0,
                   NULL, h);
}

HRESULT WINAPI HcnReserveGuestNetworkServicePortRange(HCN_GUESTNETWORKSERVICE g, USHORT n,
                                                      HCN_PORT_RANGE_RESERVATION *r,
                                                      HANDLE *h)
{
    return reserve("HcnReserveGuestNetworkServicePortRange", (hobj *)g, 3, 1, 0, n, r, h);
}

HRESULT WINAPI HcnReleaseGuestNetworkServicePortReservationHandle(HANDLE h)
{
    fake_call *c = fk_rec_h("HcnReleaseGuestNetworkServicePortReservationHandle", FK_H(h), 0, 0);
    fk_commit(c);
    if (!fk_forget(h)) {
        fk_violation("release of unknown port reservation %p", (void *)h);
        return E_HANDLE;
    }
    fk_live(-1);
    return S_OK;
}

HRESULT WINAPI HcnEnumerateGuestNetworkPortReservations(ULONG *count,
                                                        HCN_PORT_RANGE_ENTRY **entries)
{
    fake_call *c = fk_rec("HcnEnumerateGuestNetworkPortReservations");
    fake_step st;
    HRESULT hr = S_OK;
    HCN_PORT_RANGE_ENTRY *a;
    fk_commit(c);
    *count = 0;
    *entries = NULL;
    if (scripted("HcnEnumerateGuestNetworkPortReservations", &hr, NULL, &st) && FAILED(hr))
        return hr;
    a = (HCN_PORT_RANGE_ENTRY *)CoTaskMemAlloc(2 * sizeof *a);
    memset(a, 0, 2 * sizeof *a);
    a[0].OwningPartitionId.Data1 = 0x11111111u;
    a[0].TargetPartitionId.Data1 = 0x22222222u;
    a[0].Protocol = HCN_PORT_PROTOCOL_TCP;
    a[0].Priority = 7;
    a[0].StartingPort = 8080;
    a[0].EndingPort = 8080;
    a[1].Protocol = HCN_PORT_PROTOCOL_BOTH;
    a[1].ReservationType = 1;
    a[1].SharingFlags = 2;
    a[1].DeliveryMode = 3;
    a[1].StartingPort = 50000;
    a[1].EndingPort = 50009;
    fk_handed(a, FK_COTASK);
    fk_live(1);
    *count = 2;
    *entries = a;
    return S_OK;
}

VOID WINAPI HcnFreeGuestNetworkPortReservations(HCN_PORT_RANGE_ENTRY *entries)
{
    fake_call *c = fk_rec_h("HcnFreeGuestNetworkPortReservations", FK_H(entries), 0, 0);
    fk_commit(c);
    if (!entries)
        return;
    if (!fk_forget(entries)) {
        fk_violation("HcnFreeGuestNetworkPortReservations: unknown array %p", (void *)entries);
        return;
    }
    fk_live(-1);
    CoTaskMemFree(entries);
}

/* ---- vmcompute.dll's HNSCall ---- */

FAKE_API HRESULT WINAPI HNSCall(PCWSTR method, PCWSTR path, PCWSTR request, PWSTR *response);
FAKE_API HRESULT WINAPI HNSCall(PCWSTR method, PCWSTR path, PCWSTR request, PWSTR *response)
{
    fake_call *c = fk_rec("HNSCall");
    fake_step st;
    HRESULT hr = S_OK;
    char buf[160];
    fk_str(c, 0, method);
    fk_str(c, 1, path);
    fk_str(c, 2, request);
    fk_commit(c);
    *response = NULL;
    if (scripted("HNSCall", &hr, NULL, &st)) {
        if (st.result_doc)
            *response = fk_out(st.result_doc, FK_COTASK);
        return hr;
    }
    if (g_ver_major == 0 && g_ver_minor == 0)
        snprintf(buf, sizeof buf, "{\"Success\":false,\"Error\":\"no globals\"}");
    else
        snprintf(buf, sizeof buf, "{\"Success\":true,\"Output\":{\"Major\":%d,\"Minor\":%d}}",
                 g_ver_major, g_ver_minor);
    *response = fk_out(buf, FK_COTASK);
    return S_OK;
}

FAKE_API void FakeNetSetVersion(int major, int minor)
{
    g_ver_major = major;
    g_ver_minor = minor;
}
