/*
 * The network module on Windows: computenetwork.dll (HCN) loaded at run
 * time (win/loader.h), every function behind the UTF-8 API of hcs/network.h.
 *   - HCN strings (results and ErrorRecords) are converted to UTF-8 and
 *     freed with CoTaskMemFree here; port reservation arrays with
 *     HcnFreeGuestNetworkPortReservations;
 *   - open objects are reference counted (compute/compute_int.h): HCN's handle is closed
 *     when the last call using it returned;
 *   - HCN's notification context is an integer key, never a pointer;
 *   - create / modify check the document's HNS features first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "win/loader.h"
#include "hcs/schema.h"
#include "network/win/abi.h"

#define HX(name) HCSI_HCN_IX_##name
#define HCN(t, name) ((hcsi_hcn_pfn_##name)(t)->fn[HX(name)])
#define KEYCTX(o) ((void *)(uintptr_t)(o)->base.key)

/* The generic shapes every kind shares (handles are void * everywhere). */
typedef HRESULT(WINAPI *pfn_enum)(PCWSTR, PWSTR *, PWSTR *);
typedef HRESULT(WINAPI *pfn_create)(REFGUID, PCWSTR, void **, PWSTR *);
typedef HRESULT(WINAPI *pfn_open)(REFGUID, void **, PWSTR *);
typedef HRESULT(WINAPI *pfn_modify)(void *, PCWSTR, PWSTR *);
typedef HRESULT(WINAPI *pfn_query)(void *, PCWSTR, PWSTR *, PWSTR *);
typedef HRESULT(WINAPI *pfn_delete)(REFGUID, PWSTR *);
typedef HRESULT(WINAPI *pfn_close)(void *);

static hcsi_dll_slot *const g_slot = &hcsi_dll_computenetwork;

HCSI_DLL_LOADER_API(g_slot, hcs_net_load, hcs_net_set_dll_path, hcs_net_function_present)

/* ---- objects ---- */

typedef struct hcn_obj {
    hcsi_obj base;
    const hcsi_dll *t;
    int kind; /* HCSI_NET_* */
    void *h;
    char *id;
} hcn_obj;

struct hcs_network { hcn_obj o; };
struct hcs_endpoint { hcn_obj o; };
struct hcs_namespace { hcn_obj o; };
struct hcs_lb { hcn_obj o; };
struct hcs_route { hcn_obj o; };
struct hcs_gns { hcn_obj o; };

static void hcn_destroy(hcsi_obj *b)
{
    hcn_obj *o = (hcn_obj *)b;
    if (o->h)
        (void)((pfn_close)o->t->fn[hcsi_hcn_kind_of(o->kind)->ix[HCSI_HCN_OP_CLOSE]])(o->h);
    free(o->id);
    free(o);
}

/* The UTF-16 query of a list or properties call: query, or the default
 * HostComputeQuery when the caller gave none. */
static hcs_result query_w(const char *query, uint16_t **wq)
{
    char *owned = NULL;
    hcs_result hr = query ? HCS_S_OK : hcs_schema_build_hcn_query(NULL, 0, &owned);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_w_arg(query ? query : owned, "query", wq);
    free(owned);
    return hr;
}

/* Canonical text of a GUID id (nil allowed). */
static hcs_result parse_id(const char *id, int nil_ok, const char *what, GUID *g,
                           char text[37])
{
    hcs_result hr = hcsi_guid_arg(id, nil_ok, what, g);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_guid_text(g, text);
    return HCS_S_OK;
}

/* Checks the HNS features a document needs (nothing blocked when the
 * version cannot be read). */
static hcs_result check_features(int kind, int modify, const char *settings,
                                 const char *context)
{
    uint64_t mask = hcsi_net_features_needed(kind, modify, settings);
    uint32_t ma = 0, mi = 0;
    int f;
    if (!mask)
        return HCS_S_OK;
    if (HCS_FAILED(hcs_net_hns_version(&ma, &mi))) {
        hcs_error_clear();
        return HCS_S_OK;
    }
    f = hcsi_net_first_missing(mask, ma, mi);
    return f < 0 ? HCS_S_OK : hcsi_net_unsupported(f, ma, mi, context);
}

/* A call's two output strings -> UTF-8 result (optional) and the rich
 * error on failure. */
static hcs_result finish_call(hcs_result hr, PWSTR wres, PWSTR werr, char **result,
                              const char *fmt_what, const char *fn)
{
    char *res = NULL, *err = NULL;
    hcs_result chr = hcsi_w_take(wres, HCSI_W_COTASKMEM, "result from computenetwork.dll",
                                 result ? &res : NULL);
    (void)hcsi_w_take(werr, HCSI_W_COTASKMEM, "error record", &err);
    if (result)
        *result = NULL;
    /* hcsshim hcn/hcnerrors.go checkForErrors: a non-empty error record is a
     * failure even when the call returned S_OK */
    if (HCS_SUCCEEDED(hr) && err && *err)
        hr = HCS_ERR_FAIL;
    if (HCS_FAILED(hr)) {
        hr = hcsi_net_fail(hr, err, "%s (%s)", fmt_what, fn);
        free(res);
    } else if (HCS_FAILED(chr)) {
        hr = chr;
    } else if (result) {
        *result = res;
    } else {
        free(res);
    }
    free(err);
    return hr;
}

static hcs_result hcn_list(int kind, const char *query, char **json)
{
    const hcsi_hcn_kind *k = hcsi_hcn_kind_of(kind);
    const hcsi_dll *t;
    uint16_t *wq = NULL;
    char *what;
    PWSTR wres = NULL, werr = NULL;
    int ix = k->ix[HCSI_HCN_OP_ENUMERATE];
    hcs_result hr;
    if (!json)
        return hcsi_err(HCS_ERR_POINTER, "list %s: json is NULL", k->plural);
    *json = NULL;
    hr = hcsi_dll_need(g_slot, &t, ix, -1, -1);
    if (HCS_SUCCEEDED(hr))
        hr = query_w(query, &wq);
    if (HCS_FAILED(hr))
        return hr;
    hr = ((pfn_enum)t->fn[ix])(HCSI_W(wq), &wres, &werr);
    free(wq);
    what = hcsi_asprintf("list %s", k->plural);
    hr = finish_call(hr, wres, werr, json, what ? what : "list", hcsi_hcn_names[ix]);
    free(what);
    if (HCS_SUCCEEDED(hr) && !*json && !(*json = hcsi_strdup("[]")))
        return hcsi_err_oom();
    return hr;
}

static hcs_result obj_alloc(const hcsi_dll *t, int kind, const char *id, hcn_obj **out)
{
    hcn_obj *o = (hcn_obj *)calloc(1, sizeof *o);
    hcs_result hr;
    *out = NULL;
    if (!o || !(o->id = hcsi_strdup(id))) {
        free(o);
        return hcsi_err_oom();
    }
    o->t = t;
    o->kind = kind;
    hr = hcsi_obj_init(&o->base, HCSI_KIND_HCN, hcn_destroy);
    if (HCS_FAILED(hr)) {
        free(o->id);
        free(o);
        return hr;
    }
    *out = o;
    return HCS_S_OK;
}

static void obj_discard(hcn_obj *o)
{
    if (!o)
        return;
    hcsi_obj_unregister(&o->base);
    hcsi_obj_unref(&o->base);
}

static hcs_result obj_query(hcn_obj *o, int ix, const char *query, char **json,
                            const char *verb);

/* The id HNS gave an object created with the nil GUID. */
static void learn_id(hcn_obj *o)
{
    char *props = NULL;
    hcsi_json *root = NULL;
    const char *id = NULL;
    if (HCS_SUCCEEDED(obj_query(o, hcsi_hcn_kind_of(o->kind)->ix[HCSI_HCN_OP_QUERY], NULL,
                                &props, "read the properties of")) &&
        HCS_SUCCEEDED(hcsi_json_parse(props, strlen(props), "properties", &root)) &&
        hcsi_json_kind_of(root) == HCSI_JSON_OBJECT &&
        hcsi_json_get_str(root, "properties", "ID", &id, NULL) == 1 && *id) {
        char *copy = hcsi_strdup(id);
        if (copy) {
            free(o->id);
            o->id = copy;
        }
    }
    hcsi_json_put(root);
    free(props);
    hcs_error_clear();
}

static hcs_result hcn_create(int kind, hcn_obj *network, const char *id,
                             const char *settings, hcn_obj **out)
{
    const hcsi_hcn_kind *k = hcsi_hcn_kind_of(kind);
    const hcsi_dll *t;
    hcn_obj *o = NULL;
    uint16_t *ws = NULL;
    PWSTR werr = NULL;
    void *h = NULL;
    GUID g;
    char text[37], *what = NULL;
    int ix = k->ix[HCSI_HCN_OP_CREATE];
    hcs_result hr;
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "create %s: out is NULL", k->noun);
    *out = NULL;
    if (!settings || (kind == HCSI_NET_ENDPOINT && !network))
        return hcsi_err(HCS_ERR_POINTER, "create %s: %s is NULL", k->noun,
                        settings ? "network" : "settings_json");
    t = network ? network->t : NULL;
    hr = t ? HCS_S_OK : hcsi_dll_get(g_slot, &t);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_dll_has3(t, ix, k->ix[HCSI_HCN_OP_CLOSE], -1);
    if (HCS_SUCCEEDED(hr))
        hr = parse_id(id, 1, "id", &g, text);
    if (HCS_FAILED(hr))
        return hr;
    what = hcsi_asprintf("create %s \"%s\"", k->noun, id && *id ? text : "(new)");
    hr = check_features(kind, 0, settings, what);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_w_arg(settings, "settings", &ws);
    if (HCS_SUCCEEDED(hr))
        hr = obj_alloc(t, kind, text, &o);
    if (HCS_FAILED(hr))
        goto done;
    if (kind == HCSI_NET_ENDPOINT) {
        hcsi_obj_ref(&network->base);
        hr = HCN(t, HcnCreateEndpoint)(network->h, &g, HCSI_W(ws), &h, &werr);
        hcsi_obj_unref(&network->base);
    } else {
        hr = ((pfn_create)t->fn[ix])(&g, HCSI_W(ws), &h, &werr);
    }
    o->h = h; /* a failing call's handle (if any) is closed with o */
    hr = finish_call(hr, NULL, werr, NULL, what ? what : "create", hcsi_hcn_names[ix]);
    if (HCS_FAILED(hr))
        goto done;
    if (!id || !*id)
        learn_id(o);
    *out = o;
    o = NULL;
done:
    obj_discard(o);
    free(ws);
    free(what);
    return hr;
}

static hcs_result hcn_open(int kind, const char *id, hcn_obj **out)
{
    const hcsi_hcn_kind *k = hcsi_hcn_kind_of(kind);
    const hcsi_dll *t;
    hcn_obj *o = NULL;
    PWSTR werr = NULL;
    void *h = NULL;
    GUID g;
    char text[37], *what;
    int ix = k->ix[HCSI_HCN_OP_OPEN];
    hcs_result hr;
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "open %s: out is NULL", k->noun);
    *out = NULL;
    hr = hcsi_dll_need(g_slot, &t, ix, k->ix[HCSI_HCN_OP_CLOSE], -1);
    if (HCS_SUCCEEDED(hr))
        hr = parse_id(id, 0, "id", &g, text);
    if (HCS_SUCCEEDED(hr))
        hr = obj_alloc(t, kind, text, &o);
    if (HCS_FAILED(hr))
        return hr;
    hr = ((pfn_open)t->fn[ix])(&g, &h, &werr);
    what = hcsi_asprintf("open %s \"%s\"", k->noun, text);
    o->h = h; /* a failing call's handle (if any) is closed with o */
    hr = finish_call(hr, NULL, werr, NULL, what ? what : "open", hcsi_hcn_names[ix]);
    free(what);
    if (HCS_FAILED(hr)) {
        obj_discard(o);
        return hr;
    }
    *out = o;
    return hr;
}

static hcs_result obj_query(hcn_obj *o, int ix, const char *query, char **json,
                            const char *verb)
{
    const hcsi_hcn_kind *k;
    uint16_t *wq = NULL;
    char *what;
    PWSTR wres = NULL, werr = NULL;
    hcs_result hr;
    if (json)
        *json = NULL;
    if (!o || !json)
        return hcsi_err(HCS_ERR_POINTER, "%s: %s is NULL", verb, o ? "json" : "handle");
    k = hcsi_hcn_kind_of(o->kind);
    if (!o->t->fn[ix])
        return hcsi_dll_missing(o->t, ix);
    hr = query_w(query, &wq);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&o->base);
    hr = ((pfn_query)o->t->fn[ix])(o->h, HCSI_W(wq), &wres, &werr);
    hcsi_obj_unref(&o->base);
    free(wq);
    what = hcsi_asprintf("%s %s \"%s\"", verb, k->noun, o->id);
    hr = finish_call(hr, wres, werr, json, what ? what : verb, hcsi_hcn_names[ix]);
    free(what);
    if (HCS_SUCCEEDED(hr) && !*json && !(*json = hcsi_strdup("{}")))
        return hcsi_err_oom();
    return hr;
}

static hcs_result obj_modify(hcn_obj *o, const char *settings, const char *verb)
{
    const hcsi_hcn_kind *k;
    uint16_t *ws = NULL;
    PWSTR werr = NULL;
    char *what;
    int ix;
    hcs_result hr;
    if (!o || !settings)
        return hcsi_err(HCS_ERR_POINTER, "%s: %s is NULL", verb,
                        o ? "request_json" : "handle");
    k = hcsi_hcn_kind_of(o->kind);
    ix = k->ix[HCSI_HCN_OP_MODIFY];
    if (!o->t->fn[ix])
        return hcsi_dll_missing(o->t, ix);
    what = hcsi_asprintf("%s %s \"%s\"", verb, k->noun, o->id);
    hr = check_features(o->kind, 1, settings, what);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_w_arg(settings, "settings", &ws);
    if (HCS_SUCCEEDED(hr)) {
        hcsi_obj_ref(&o->base);
        hr = ((pfn_modify)o->t->fn[ix])(o->h, HCSI_W(ws), &werr);
        hcsi_obj_unref(&o->base);
        hr = finish_call(hr, NULL, werr, NULL, what ? what : verb, hcsi_hcn_names[ix]);
    }
    free(ws);
    free(what);
    return hr;
}

static hcs_result hcn_delete(int kind, const char *id)
{
    const hcsi_hcn_kind *k = hcsi_hcn_kind_of(kind);
    const hcsi_dll *t;
    PWSTR werr = NULL;
    GUID g;
    char text[37], *what;
    int ix = k->ix[HCSI_HCN_OP_DELETE];
    hcs_result hr = hcsi_dll_need(g_slot, &t, ix, -1, -1);
    if (HCS_SUCCEEDED(hr))
        hr = parse_id(id, 0, "id", &g, text);
    if (HCS_FAILED(hr))
        return hr;
    hr = ((pfn_delete)t->fn[ix])(&g, &werr);
    what = hcsi_asprintf("delete %s \"%s\"", k->noun, text);
    hr = finish_call(hr, NULL, werr, NULL, what ? what : "delete", hcsi_hcn_names[ix]);
    free(what);
    return hr;
}

static hcs_result hcn_get(int kind, const char *id, const char *query, char **json)
{
    hcn_obj *o = NULL;
    hcs_result hr;
    if (!json)
        return hcsi_err(HCS_ERR_POINTER, "get %s: json is NULL", hcsi_hcn_kind_of(kind)->noun);
    *json = NULL;
    hr = hcn_open(kind, id, &o);
    if (HCS_FAILED(hr))
        return hr;
    hr = obj_query(o, hcsi_hcn_kind_of(kind)->ix[HCSI_HCN_OP_QUERY], query, json,
                   "read the properties of");
    obj_discard(o);
    return hr;
}

/* The typed API of each kind. */
#define NET_KIND_IMPL(prefix, type, KIND)                                              \
    hcs_result prefix##_list(const char *query_json, char **json)                      \
    {                                                                                  \
        return hcn_list(KIND, query_json, json);                                       \
    }                                                                                  \
    hcs_result prefix##_get(const char *id, const char *query_json, char **json)       \
    {                                                                                  \
        return hcn_get(KIND, id, query_json, json);                                    \
    }                                                                                  \
    hcs_result prefix##_open(const char *id, type **out)                               \
    {                                                                                  \
        return hcn_open(KIND, id, (hcn_obj **)out);                                    \
    }                                                                                  \
    hcs_result prefix##_modify(type *h, const char *request_json)                      \
    {                                                                                  \
        return obj_modify((hcn_obj *)h, request_json, "modify");                       \
    }                                                                                  \
    hcs_result prefix##_properties(type *h, const char *query_json, char **json)       \
    {                                                                                  \
        return obj_query((hcn_obj *)h,                                                 \
                         hcsi_hcn_kind_of(KIND)->ix[HCSI_HCN_OP_QUERY], query_json,    \
                         json, "read the properties of");                              \
    }                                                                                  \
    hcs_result prefix##_delete(const char *id) { return hcn_delete(KIND, id); }        \
    void prefix##_close(type *h) { obj_discard((hcn_obj *)h); }                        \
    const char *prefix##_id(const type *h) { return h ? h->o.id : NULL; }

NET_KIND_IMPL(hcs_net_network, hcs_network, HCSI_NET_NETWORK)
NET_KIND_IMPL(hcs_net_endpoint, hcs_endpoint, HCSI_NET_ENDPOINT)
NET_KIND_IMPL(hcs_net_namespace, hcs_namespace, HCSI_NET_NAMESPACE)
NET_KIND_IMPL(hcs_net_lb, hcs_lb, HCSI_NET_LB)
NET_KIND_IMPL(hcs_net_route, hcs_route, HCSI_NET_ROUTE)

hcs_result hcs_net_network_create(const char *id, const char *settings_json, hcs_network **out)
{
    return hcn_create(HCSI_NET_NETWORK, NULL, id, settings_json, (hcn_obj **)out);
}
hcs_result hcs_net_namespace_create(const char *id, const char *settings_json,
                                hcs_namespace **out)
{
    return hcn_create(HCSI_NET_NAMESPACE, NULL, id, settings_json, (hcn_obj **)out);
}
hcs_result hcs_net_lb_create(const char *id, const char *settings_json, hcs_lb **out)
{
    return hcn_create(HCSI_NET_LB, NULL, id, settings_json, (hcn_obj **)out);
}
hcs_result hcs_net_route_create(const char *id, const char *settings_json, hcs_route **out)
{
    return hcn_create(HCSI_NET_ROUTE, NULL, id, settings_json, (hcn_obj **)out);
}
hcs_result hcs_net_endpoint_create(hcs_network *network, const char *id,
                               const char *settings_json, hcs_endpoint **out)
{
    return hcn_create(HCSI_NET_ENDPOINT, (hcn_obj *)network, id, settings_json,
                      (hcn_obj **)out);
}

hcs_result hcs_net_endpoint_stats(hcs_endpoint *e, const char *query_json, char **json)
{
    return obj_query((hcn_obj *)e, HX(HcnQueryEndpointStats), query_json, json,
                     "read the statistics of");
}

hcs_result hcs_net_endpoint_addresses(hcs_endpoint *e, const char *query_json, char **json)
{
    return obj_query((hcn_obj *)e, HX(HcnQueryEndpointAddresses), query_json, json,
                     "read the addresses of");
}

static hcs_result namespace_endpoint(const char *ns_id, const char *ep_id, int add)
{
    hcn_obj *o = NULL;
    GUID g;
    char text[37], *req;
    hcs_result hr;
    if (!ns_id || !ep_id)
        return hcsi_err(HCS_ERR_POINTER, "%s namespace endpoint: %s is NULL",
                        add ? "add" : "remove", ns_id ? "endpoint_id" : "namespace_id");
    hr = parse_id(ep_id, 0, "endpoint id", &g, text);
    if (HCS_FAILED(hr))
        return hr;
    req = hcsi_asprintf("{\"ResourceType\":\"Endpoint\",\"RequestType\":\"%s\","
                        "\"Settings\":{\"EndpointId\":\"%s\"}}",
                        add ? "Add" : "Remove", text);
    if (!req)
        return hcsi_err_oom();
    hr = hcn_open(HCSI_NET_NAMESPACE, ns_id, &o);
    if (HCS_SUCCEEDED(hr)) {
        hr = obj_modify(o, req, add ? "add an endpoint to" : "remove an endpoint from");
        obj_discard(o);
    }
    free(req);
    return hr;
}

hcs_result hcs_net_namespace_add_endpoint(const char *namespace_id, const char *endpoint_id)
{
    return namespace_endpoint(namespace_id, endpoint_id, 1);
}

hcs_result hcs_net_namespace_remove_endpoint(const char *namespace_id,
                                         const char *endpoint_id)
{
    return namespace_endpoint(namespace_id, endpoint_id, 0);
}

/* ---- guest network services ---- */

hcs_result hcs_net_gns_create(const char *id, const char *settings_json, hcs_gns **out)
{
    return hcn_create(HCSI_NET_GNS, NULL, id, settings_json, (hcn_obj **)out);
}

hcs_result hcs_net_gns_modify(hcs_gns *g, const char *settings_json)
{
    return obj_modify((hcn_obj *)g, settings_json, "modify");
}

hcs_result hcs_net_gns_delete(const char *id) { return hcn_delete(HCSI_NET_GNS, id); }
const char *hcs_net_gns_id(const hcs_gns *g) { return g ? g->o.id : NULL; }
void hcs_net_gns_close(hcs_gns *g) { obj_discard((hcn_obj *)g); }

/* ---- notifications ---- */

struct hcs_net_subscription {
    hcsi_obj base;
    const hcsi_dll *t;
    HCSI_HCN_CALLBACK h;
    hcn_obj *gns; /* +1 reference; NULL for the service */
    hcsi_mutex m;
    hcs_events *q; /* m; NULL once unsubscribed */
    uint64_t tag;
};

static void sub_destroy(hcsi_obj *b)
{
    hcs_net_subscription *s = (hcs_net_subscription *)b;
    if (s->q)
        hcsi_obj_unref(&s->q->base);
    if (s->gns)
        hcsi_obj_unref(&s->gns->base);
    hcsi_mutex_destroy(&s->m);
    free(s);
}

static void CALLBACK notify_tramp(DWORD type, void *ctx, HRESULT status, PCWSTR data)
{
    hcsi_obj *o = hcsi_obj_lookup((uint64_t)(uintptr_t)ctx, HCSI_KIND_NET_SUB);
    hcs_net_subscription *s = (hcs_net_subscription *)o;
    char *text;
    if (!s)
        return; /* unsubscribed meanwhile: harmless */
    text = data ? hcsi_w_lossy(data, (size_t)-1) : NULL;
    hcsi_mutex_lock(&s->m);
    if (s->q)
        hcsi_events_push(s->q, hcsi_event_new(HCS_NET_EVENT_FLAG | (uint32_t)type, text,
                                              NULL, (uint32_t)status, 0, s->tag));
    hcsi_mutex_unlock(&s->m);
    free(text);
    hcsi_obj_unref(o);
}

static hcs_result subscribe(hcn_obj *gns, hcs_events *q, uint64_t tag,
                            hcs_net_subscription **out)
{
    const hcsi_dll *t;
    hcs_net_subscription *s;
    HCSI_HCN_CALLBACK h = NULL;
    hcs_result hr;
    int reg = gns ? HX(HcnRegisterGuestNetworkServiceCallback) : HX(HcnRegisterServiceCallback);
    int unreg = gns ? HX(HcnUnregisterGuestNetworkServiceCallback)
                    : HX(HcnUnregisterServiceCallback);
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "subscribe: out is NULL");
    *out = NULL;
    if (!q)
        return hcsi_err(HCS_ERR_POINTER, "subscribe: q is NULL");
    if (gns) {
        t = gns->t;
        hr = hcsi_dll_has3(t, reg, unreg, -1);
    } else {
        hr = hcsi_dll_need(g_slot, &t, reg, unreg, -1);
    }
    if (HCS_FAILED(hr))
        return hr;
    s = (hcs_net_subscription *)calloc(1, sizeof *s);
    if (!s)
        return hcsi_err_oom();
    s->t = t;
    s->tag = tag;
    hr = hcsi_obj_init_locked(&s->base, &s->m, HCSI_KIND_NET_SUB, sub_destroy);
    if (HCS_FAILED(hr)) {
        free(s);
        return hr;
    }
    hcsi_obj_ref(&q->base);
    s->q = q;
    if (gns) {
        hcsi_obj_ref(&gns->base);
        s->gns = gns;
        hr = HCN(t, HcnRegisterGuestNetworkServiceCallback)(gns->h, notify_tramp,
                                                           KEYCTX(s), &h);
    } else {
        hr = HCN(t, HcnRegisterServiceCallback)(notify_tramp, KEYCTX(s), &h);
    }
    if (HCS_FAILED(hr)) {
        hcsi_obj_unregister(&s->base);
        hcsi_obj_unref(&s->base);
        if (gns)
            return hcsi_net_fail(hr, NULL, "subscribe to guest network service \"%s\" (%s)",
                                 gns->id, hcsi_hcn_names[reg]);
        return hcsi_net_fail(hr, NULL, "subscribe to HCN notifications (%s)",
                             hcsi_hcn_names[reg]);
    }
    s->h = h;
    *out = s;
    return HCS_S_OK;
}

hcs_result hcs_net_subscribe(hcs_events *q, uint64_t tag, hcs_net_subscription **out)
{
    return subscribe(NULL, q, tag, out);
}

hcs_result hcs_net_gns_subscribe(hcs_gns *g, hcs_events *q, uint64_t tag,
                             hcs_net_subscription **out)
{
    if (!g) {
        if (out)
            *out = NULL;
        return hcsi_err(HCS_ERR_POINTER, "hcs_net_gns_subscribe: g is NULL");
    }
    return subscribe(&g->o, q, tag, out);
}

void hcs_net_unsubscribe(hcs_net_subscription *s)
{
    hcs_events *q;
    if (!s)
        return;
    hcsi_obj_unregister(&s->base); /* later callbacks find nothing */
    if (s->gns)
        (void)HCN(s->t, HcnUnregisterGuestNetworkServiceCallback)(s->h);
    else
        (void)HCN(s->t, HcnUnregisterServiceCallback)(s->h);
    hcsi_mutex_lock(&s->m); /* waits for a callback that is pushing */
    q = s->q;
    s->q = NULL;
    hcsi_mutex_unlock(&s->m);
    if (q)
        hcsi_obj_unref(&q->base);
    hcsi_obj_unref(&s->base);
}

/* ---- port reservations ---- */

struct hcs_port_reservation {
    const hcsi_dll *t;
    HANDLE h;
};

/* Whether g's DLL has the reserve function ix and the release its
 * reservations need. */
static hcs_result can_reserve(const hcs_gns *g, int ix)
{
    return hcsi_dll_has3(g->o.t, ix, HX(HcnReleaseGuestNetworkServicePortReservationHandle), -1);
}

static hcs_result reservation_new(const hcsi_dll *t, HANDLE h, hcs_port_reservation **out)
{
    hcs_port_reservation *r = (hcs_port_reservation *)calloc(1, sizeof *r);
    if (!r) {
        (void)HCN(t, HcnReleaseGuestNetworkServicePortReservationHandle)(h);
        return hcsi_err_oom();
    }
    r->t = t;
    r->h = h;
    *out = r;
    return HCS_S_OK;
}

hcs_result hcs_net_gns_reserve_port(hcs_gns *g, int protocol, int access, uint16_t port,
                                hcs_port_reservation **out)
{
    int ix = HX(HcnReserveGuestNetworkServicePort);
    HANDLE h = NULL;
    hcs_result hr;
    if (out)
        *out = NULL;
    if (!g || !out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_net_gns_reserve_port: %s is NULL", g ? "out" : "g");
    if (protocol < HCS_PORT_PROTOCOL_TCP || protocol > HCS_PORT_PROTOCOL_BOTH)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "hcs_net_gns_reserve_port: protocol %d is not 1 (TCP), 2 (UDP) or 3 "
                        "(both)", protocol);
    if (access != HCS_PORT_ACCESS_EXCLUSIVE && access != HCS_PORT_ACCESS_SHARED)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "hcs_net_gns_reserve_port: access %d is not 1 (exclusive) or 2 (shared)",
                        access);
    hr = can_reserve(g, ix);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_obj_ref(&g->o.base);
    hr = HCN(g->o.t, HcnReserveGuestNetworkServicePort)(
        g->o.h, (HCSI_HCN_PORT_PROTOCOL)protocol, (HCSI_HCN_PORT_ACCESS)access, port, &h);
    hcsi_obj_unref(&g->o.base);
    if (HCS_FAILED(hr))
        return hcsi_net_fail(hr, NULL, "reserve port %u on guest network service \"%s\" (%s)",
                             (unsigned)port, g->o.id, hcsi_hcn_names[ix]);
    return reservation_new(g->o.t, h, out);
}

hcs_result hcs_net_gns_reserve_port_range(hcs_gns *g, uint16_t count, uint16_t *start,
                                      uint16_t *end, hcs_port_reservation **out)
{
    int ix = HX(HcnReserveGuestNetworkServicePortRange);
    HANDLE h = NULL;
    HCSI_HCN_PORT_RANGE_RESERVATION range;
    hcs_result hr;
    if (out)
        *out = NULL;
    if (!g || !out)
        return hcsi_err(HCS_ERR_POINTER, "hcs_net_gns_reserve_port_range: %s is NULL",
                        g ? "out" : "g");
    if (!count)
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_net_gns_reserve_port_range: count is 0");
    hr = can_reserve(g, ix);
    if (HCS_FAILED(hr))
        return hr;
    memset(&range, 0, sizeof range);
    hcsi_obj_ref(&g->o.base);
    hr = HCN(g->o.t, HcnReserveGuestNetworkServicePortRange)(g->o.h, count, &range, &h);
    hcsi_obj_unref(&g->o.base);
    if (HCS_FAILED(hr))
        return hcsi_net_fail(hr, NULL, "reserve %u ports on guest network service \"%s\" (%s)",
                             (unsigned)count, g->o.id, hcsi_hcn_names[ix]);
    if (start)
        *start = range.startingPort;
    if (end)
        *end = range.endingPort;
    return reservation_new(g->o.t, h, out);
}

hcs_result hcs_net_port_reservation_release(hcs_port_reservation *r)
{
    hcs_result hr;
    if (!r)
        return HCS_S_OK;
    hr = HCN(r->t, HcnReleaseGuestNetworkServicePortReservationHandle)(r->h);
    free(r);
    if (HCS_FAILED(hr))
        return hcsi_net_fail(hr, NULL, "release a port reservation "
                                       "(HcnReleaseGuestNetworkServicePortReservationHandle)");
    return hr;
}

hcs_result hcs_net_port_reservations_list(hcs_port_range_entry **entries, size_t *count)
{
    const hcsi_dll *t;
    HCSI_HCN_PORT_RANGE_ENTRY *raw = NULL;
    hcs_port_range_entry *out = NULL;
    ULONG n = 0, i;
    hcs_result hr;
    if (entries)
        *entries = NULL;
    if (count)
        *count = 0;
    if (!entries || !count)
        return hcsi_err(HCS_ERR_POINTER, "hcs_net_port_reservations_list: %s is NULL",
                        entries ? "count" : "entries");
    hr = hcsi_dll_need(g_slot, &t, HX(HcnEnumerateGuestNetworkPortReservations),
                       HX(HcnFreeGuestNetworkPortReservations), -1);
    if (HCS_FAILED(hr))
        return hr;
    hr = HCN(t, HcnEnumerateGuestNetworkPortReservations)(&n, &raw);
    if (HCS_FAILED(hr)) {
        if (raw)
            HCN(t, HcnFreeGuestNetworkPortReservations)(raw);
        return hcsi_net_fail(hr, NULL, "list the port reservations "
                                       "(HcnEnumerateGuestNetworkPortReservations)");
    }
    if (n && raw && !(out = (hcs_port_range_entry *)hcsi_calloc(n, sizeof *out)))
        hr = hcsi_err_oom();
    for (i = 0; out && i < n; i++) {
        hcsi_guid_text(&raw[i].OwningPartitionId, out[i].owning_partition_id);
        hcsi_guid_text(&raw[i].TargetPartitionId, out[i].target_partition_id);
        out[i].protocol = (int)raw[i].Protocol;
        out[i].priority = raw[i].Priority;
        out[i].reservation_type = raw[i].ReservationType;
        out[i].sharing_flags = raw[i].SharingFlags;
        out[i].delivery_mode = raw[i].DeliveryMode;
        out[i].starting_port = raw[i].StartingPort;
        out[i].ending_port = raw[i].EndingPort;
    }
    if (raw)
        HCN(t, HcnFreeGuestNetworkPortReservations)(raw);
    if (HCS_FAILED(hr))
        return hr;
    *entries = out;
    *count = out ? n : 0;
    return HCS_S_OK;
}

/* ---- HNS version ---- */

typedef HRESULT(WINAPI *pfn_hnscall)(PCWSTR method, PCWSTR path, PCWSTR request,
                                     PWSTR *response);

static hcsi_once g_ver_once = HCSI_ONCE_INIT;
static hcsi_mutex g_ver_lock;
static const hcsi_dll *g_ver_table; /* the vmcompute table the cache is for */
static uint32_t g_ver_major, g_ver_minor;

static void ver_init(void) { hcsi_mutex_init(&g_ver_lock); }

hcs_result hcs_net_hns_version(uint32_t *major, uint32_t *minor)
{
    const hcsi_dll *t;
    PWSTR wres = NULL;
    char *res = NULL;
    uint32_t ma = 0, mi = 0;
    hcs_result hr;
    if (major)
        *major = 0;
    if (minor)
        *minor = 0;
    hr = hcsi_dll_need(&hcsi_dll_vmcompute, &t, 0, -1, -1);
    if (HCS_FAILED(hr))
        return hcsi_err_wrap(hr, "HNS version");
    hcsi_once_run(&g_ver_once, ver_init);
    hcsi_mutex_lock(&g_ver_lock);
    if (g_ver_table == t) {
        ma = g_ver_major;
        mi = g_ver_minor;
        hcsi_mutex_unlock(&g_ver_lock);
        goto out;
    }
    hcsi_mutex_unlock(&g_ver_lock);
    hr = ((pfn_hnscall)t->fn[0])(L"GET", L"/globals/version", L"", &wres);
    {
        hcs_result chr = hcsi_w_take(wres, HCSI_W_COTASKMEM, "HNSCall response", &res);
        if (HCS_SUCCEEDED(hr))
            hr = chr;
    }
    if (HCS_FAILED(hr)) {
        hr = hcsi_net_fail(hr, res, "HNS version (HNSCall GET /globals/version)");
        free(res);
        return hr;
    }
    hr = hcsi_net_parse_version(res, &ma, &mi);
    free(res);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_mutex_lock(&g_ver_lock);
    g_ver_table = t;
    g_ver_major = ma;
    g_ver_minor = mi;
    hcsi_mutex_unlock(&g_ver_lock);
out:
    if (major)
        *major = ma;
    if (minor)
        *minor = mi;
    return HCS_S_OK;
}

hcs_result hcs_net_feature_require(int feature)
{
    uint32_t ma = 0, mi = 0;
    hcs_result hr;
    if (!hcs_net_feature_name(feature))
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_net_feature_require: unknown feature %d",
                        feature);
    hr = hcs_net_hns_version(&ma, &mi);
    if (HCS_FAILED(hr))
        return hr;
    if (hcs_net_version_supports(ma, mi, feature) == 1)
        return HCS_S_OK;
    return hcsi_net_unsupported(feature, ma, mi, NULL);
}
