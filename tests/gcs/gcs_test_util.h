/* Helpers shared by the GCS suites (header-only; each suite is one exe). */
#ifndef GCS_TEST_UTIL_H
#define GCS_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcs.h"

/* Reads a whole file; NULL when missing. Caller frees. */
static inline unsigned char *gt_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *d = NULL;
    long n;
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
        fseek(fp, 0, SEEK_SET) == 0) {
        d = (unsigned char *)malloc((size_t)n + 1);
        if (d && fread(d, 1, (size_t)n, fp) != (size_t)n) {
            free(d);
            d = NULL;
        }
        if (d) {
            d[n] = 0;
            *len = (size_t)n;
        }
    }
    fclose(fp);
    return d;
}

/* Path under $HCS_GOLDEN_DIR (static buffer); NULL when unset. */
static inline const char *gt_golden(const char *rel)
{
    static char path[2048];
    const char *dir = getenv("HCS_GOLDEN_DIR");
    if (!dir || !*dir)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return path;
}

/* Asserts the thread's last error message contains needle. */
#define gt_expect_msg(needle)                                                  \
    do {                                                                       \
        const hcs_error *e_ = hcs_error_last();                               \
        if (!e_)                                                               \
            fail_msg("no error recorded, expected \"%s\"", (needle));         \
        if (!strstr(e_->message, (needle)))                                   \
            fail_msg("\"%s\" lacks \"%s\"", e_->message, (needle));          \
    } while (0)

#endif
