/*
 * A tiny streaming JSON writer for the GCS encoders (Go's byte layout:
 * compact, insertion order). Errors are sticky so call sites stay flat.
 * Internal; header-only.
 */
#ifndef HCS_GCS_JSONW_H
#define HCS_GCS_JSONW_H

#include <stdio.h>
#include <string.h>

#include "gcs/codec.h"
#include "base/json.h"

typedef struct jw {
    hcsi_buf *b;
    unsigned flags; /* HCSI_JSON_HTML_ESCAPE inside double-encoded docs */
    int first;      /* the next member needs no comma */
    hcs_result err;
} jw;

static inline void jw_init(jw *w, hcsi_buf *b, unsigned flags)
{
    w->b = b;
    w->flags = flags;
    w->first = 1;
    w->err = HCS_S_OK;
}

static inline void jw_put(jw *w, const char *s)
{
    if (HCS_SUCCEEDED(w->err))
        w->err = hcsi_buf_puts(w->b, s);
}

static inline void jw_sep(jw *w)
{
    if (!w->first)
        jw_put(w, ",");
    w->first = 0;
}

static inline void jw_strval(jw *w, const char *s)
{
    if (HCS_SUCCEEDED(w->err))
        w->err = hcsi_json_write_string(w->b, s ? s : "", s ? strlen(s) : 0,
                                        w->flags);
}

static inline void jw_key(jw *w, const char *k)
{
    jw_sep(w);
    jw_strval(w, k);
    jw_put(w, ":");
}

static inline void jw_begin(jw *w, const char *c)
{
    jw_put(w, c);
    w->first = 1;
}

static inline void jw_end(jw *w, const char *c)
{
    jw_put(w, c);
    w->first = 0;
}

/* A member whose value is an object (c "{") or an array (c "["). */
static inline void jw_kbegin(jw *w, const char *k, const char *c)
{
    jw_key(w, k);
    jw_begin(w, c);
}

/* The next object of an array. */
static inline void jw_item_begin(jw *w)
{
    jw_sep(w);
    jw_begin(w, "{");
}

/* A member that is an array of strings (NULL-terminated; NULL: []). */
static inline void jw_kstrings(jw *w, const char *k, const char *const *v)
{
    size_t i;
    jw_kbegin(w, k, "[");
    for (i = 0; v && v[i]; i++) {
        jw_sep(w);
        jw_strval(w, v[i]);
    }
    jw_end(w, "]");
}

static inline void jw_kstr(jw *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_strval(w, v);
}

/* omitempty string */
static inline void jw_kstr_opt(jw *w, const char *k, const char *v)
{
    if (v && *v)
        jw_kstr(w, k, v);
}

static inline void jw_ku64(jw *w, const char *k, uint64_t v)
{
    char num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    jw_key(w, k);
    jw_put(w, num);
}

static inline void jw_ki64(jw *w, const char *k, int64_t v)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)v);
    jw_key(w, k);
    jw_put(w, num);
}

static inline void jw_kbool_opt(jw *w, const char *k, int v)
{
    if (v) {
        jw_key(w, k);
        jw_put(w, "true");
    }
}

static inline void jw_kraw(jw *w, const char *k, const char *json, int html)
{
    jw_key(w, k);
    if (HCS_SUCCEEDED(w->err))
        w->err = hcsi_gcs_append_raw(w->b, json, k, html);
}

/* A double-encoded field: the inner document as a JSON string literal.
 * The outer level never HTML-escapes (hcsshim's encoder has it off). */
static inline void jw_kstring_doc(jw *w, const char *k, const char *doc)
{
    jw_key(w, k);
    if (HCS_SUCCEEDED(w->err))
        w->err = hcsi_json_write_string(w->b, doc, strlen(doc), 0);
}

/* ---- standalone documents (not request bodies) ---- */

/* Starts a document in the fresh buffer b: its top-level object. */
static inline void jw_doc_begin(jw *w, hcsi_buf *b, unsigned flags)
{
    hcsi_buf_init(b, 0);
    jw_init(w, b, flags);
    jw_begin(w, "{");
}

/* Hands the written document over (*json, NUL-terminated, free()), or on
 * the sticky error frees it and returns the error. */
static inline hcs_result jw_doc_take(jw *w, char **json)
{
    if (HCS_FAILED(w->err)) {
        hcsi_buf_free(w->b);
        return w->err;
    }
    *json = hcsi_buf_steal(w->b, NULL);
    return *json ? HCS_S_OK : hcsi_err_oom();
}

#endif /* HCS_GCS_JSONW_H */
