/* The document builders' kit (schema_internal.h): one arena of what a
 * builder allocates, sub-document encoding, and the final encode. */
#include <stdlib.h>
#include <string.h>

#include "schema/schema_internal.h"

void *hcsi_doc_keep(hcsi_doc_arena *a, void *p)
{
    if (!p) {
        a->oom = 1;
        return NULL;
    }
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 16;
        void **np = (void **)hcsi_realloc(a->p, nc * sizeof *np);
        if (!np) {
            free(p);
            a->oom = 1;
            return NULL;
        }
        a->p = np;
        a->cap = nc;
    }
    a->p[a->n++] = p;
    return p;
}

void *hcsi_doc_alloc(hcsi_doc_arena *a, size_t count, size_t size)
{
    return hcsi_doc_keep(a, hcsi_calloc(count ? count : 1, size));
}

void hcsi_doc_free(hcsi_doc_arena *a)
{
    while (a->n)
        free(a->p[--a->n]);
    free(a->p);
    a->p = NULL;
    a->cap = 0;
}

char *hcsi_doc_encode(hcsi_doc_arena *a, hcs_schema_type_id type, const void *obj,
                      hcs_result *r)
{
    char *s = NULL;
    if (HCS_FAILED(*r))
        return NULL;
    *r = hcs_schema_encode(type, obj, 0, &s, NULL);
    return HCS_FAILED(*r) ? NULL : (char *)hcsi_doc_keep(a, s);
}

hcs_result hcsi_doc_finish(hcsi_doc_arena *a, hcs_result r, hcs_schema_type_id type,
                           const void *obj, char **json)
{
    if (HCS_SUCCEEDED(r))
        r = a->oom ? hcsi_err_oom() : hcs_schema_encode(type, obj, 0, json, NULL);
    hcsi_doc_free(a);
    return r;
}

hcs_result hcsi_build_begin(const char *what, const void *opts, unsigned version,
                            const char *type, char **json)
{
    if (!json)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: no output", what);
    *json = NULL;
    if (!opts)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: no options", what);
    return hcsi_check_version(*(const unsigned *)opts, version, type);
}

void hcsi_hcn_version20(hcs_hcn_Version *v)
{
    memset(v, 0, sizeof *v);
    HCSI_SETV(v->Major, 2);
    HCSI_SETV(v->Minor, 0);
}
