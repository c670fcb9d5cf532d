/* Helpers shared by the schema suites (header-only; each suite is one exe). */
#ifndef SCHEMA_TEST_UTIL_H
#define SCHEMA_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcs.h"
#include "hcs/schema_types.h"
#include "base/json.h"
#include "test_util.h"

/* JSON value equality (objects: same members in any order). */
static inline int st_json_equal(const hcsi_json *a, const hcsi_json *b)
{
    hcsi_json_kind ka = hcsi_json_kind_of(a), kb = hcsi_json_kind_of(b);
    if (ka != kb)
        return 0;
    switch (ka) {
    case HCSI_JSON_NULL:
        return 1;
    case HCSI_JSON_BOOL:
        return hcsi_json_boolval(a) == hcsi_json_boolval(b);
    case HCSI_JSON_INT:
    case HCSI_JSON_DOUBLE: {
        char *sa = NULL, *sb = NULL;
        int eq;
        hcsi_json_to_string(a, 0, &sa);
        hcsi_json_to_string(b, 0, &sb);
        eq = sa && sb && strcmp(sa, sb) == 0;
        free(sa);
        free(sb);
        return eq;
    }
    case HCSI_JSON_STRING: {
        size_t na, nb;
        const char *sa = hcsi_json_str(a, &na), *sb = hcsi_json_str(b, &nb);
        return na == nb && memcmp(sa, sb, na) == 0;
    }
    case HCSI_JSON_ARRAY: {
        size_t i, n = hcsi_json_array_len(a);
        if (n != hcsi_json_array_len(b))
            return 0;
        for (i = 0; i < n; i++)
            if (!st_json_equal(hcsi_json_array_at(a, i), hcsi_json_array_at(b, i)))
                return 0;
        return 1;
    }
    case HCSI_JSON_OBJECT: {
        hcsi_json_iter it;
        const char *key;
        hcsi_json *va;
        if (hcsi_json_object_len(a) != hcsi_json_object_len(b))
            return 0;
        hcsi_json_iter_init(a, &it);
        while (hcsi_json_iter_next(&it, &key, &va)) {
            hcsi_json *vb = hcsi_json_get(b, key);
            if (!vb && va)
                return 0;
            if (!st_json_equal(va, vb))
                return 0;
        }
        return 1;
    }
    }
    return 0;
}

/* 1 when the two texts hold equal JSON values. */
static inline int st_text_equal(const char *a, size_t na, const char *b, size_t nb)
{
    hcsi_json *ja = NULL, *jb = NULL;
    int eq = 0;
    if (HCS_SUCCEEDED(hcsi_json_parse(a, na, "a", &ja)) && HCS_SUCCEEDED(hcsi_json_parse(b, nb, "b", &jb)))
        eq = st_json_equal(ja, jb);
    hcsi_json_put(ja);
    hcsi_json_put(jb);
    return eq;
}

/* Splits a text holding several JSON values one after the other (as the
 * doc's code blocks do) into [start, end) offsets. Returns the count. */
static inline size_t st_split_values(const char *s, size_t n, size_t (*spans)[2], size_t max)
{
    size_t i = 0, count = 0;
    while (i < n && count < max) {
        size_t start;
        int depth = 0, in_str = 0;
        while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
            i++;
        if (i >= n)
            break;
        start = i;
        for (; i < n; i++) {
            char c = s[i];
            if (in_str) {
                if (c == '\\')
                    i++;
                else if (c == '"')
                    in_str = 0;
                continue;
            }
            if (c == '"')
                in_str = 1;
            else if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    i++;
                    break;
                }
            }
        }
        spans[count][0] = start;
        spans[count][1] = i;
        count++;
    }
    return count;
}

/* Every ```json block of a markdown file, each split into its values:
 * fills docs[i] (malloc'ed copies). Returns the count. */
static inline size_t st_markdown_json(const char *md, char **docs, size_t max)
{
    size_t count = 0;
    const char *p = md;
    while (count < max && (p = strstr(p, "```json\n")) != NULL) {
        const char *body = p + 8, *end = strstr(body, "\n```");
        size_t spans[16][2], k, n;
        if (!end)
            break;
        n = st_split_values(body, (size_t)(end - body), spans, 16);
        for (k = 0; k < n && count < max; k++) {
            size_t len = spans[k][1] - spans[k][0];
            docs[count] = (char *)malloc(len + 1);
            memcpy(docs[count], body + spans[k][0], len);
            docs[count][len] = 0;
            count++;
        }
        p = end + 4;
    }
    return count;
}

#ifdef ST_WITH_DOCS
/* The JSON examples of shared/docs/hcs-schema.md, in order (group setup and
 * teardown: load_docs / free_docs); g_ndocs is 0 without the shared docs. */
static char *g_docs[64];
static size_t g_ndocs;

static int load_docs(void **state)
{
    const char *p = tu_shared("docs/hcs-schema.md");
    char *md = p ? tu_slurp(p, NULL) : NULL;
    (void)state;
    if (md) {
        g_ndocs = st_markdown_json(md, g_docs, 64);
        free(md);
    }
    return 0;
}

static int free_docs(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < g_ndocs; i++)
        free(g_docs[i]);
    return 0;
}
#endif

#endif
