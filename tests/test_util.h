/* Helpers every suite may share (header-only; each suite is one exe):
 * reading a whole file, and paths into the reference material. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a whole file, NUL-terminated (*len, when given, excludes the NUL);
 * NULL when missing or unreadable. Caller frees. */
static inline char *tu_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *d = NULL;
    long n;
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
        d = (char *)malloc((size_t)n + 1);
        if (d && fread(d, 1, (size_t)n, fp) != (size_t)n) {
            free(d);
            d = NULL;
        }
        if (d) {
            d[n] = 0;
            if (len)
                *len = (size_t)n;
        }
    }
    fclose(fp);
    return d;
}

/* $HCS_GOLDEN_DIR/<rel> (shared/golden; ctest sets it) in a static buffer;
 * NULL when the variable is unset. */
static inline const char *tu_golden(const char *rel)
{
    static char path[2048];
    const char *dir = getenv("HCS_GOLDEN_DIR");
    if (!dir || !*dir)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return path;
}

/* A file elsewhere in ../shared: golden's sibling <rel> (static buffer). */
static inline const char *tu_shared(const char *rel)
{
    static char path[2048];
    const char *dir = getenv("HCS_GOLDEN_DIR");
    if (!dir || !*dir)
        return NULL;
    snprintf(path, sizeof path, "%s/../%s", dir, rel);
    return path;
}

#endif
