/*
 * What the guest benchmarks share (each is one file, so this header holds
 * the code): the clock, percentiles and their common options.
 */
#ifndef HCS_BENCH_GUEST_BENCH_UTIL_H
#define HCS_BENCH_GUEST_BENCH_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Percentile p of n values (sorted in a copy; v is left alone). */
static inline double pct(const double *v, size_t n, double p)
{
    double *c = (double *)malloc(n * sizeof *c), r;
    size_t i;
    if (!c || n == 0) {
        free(c);
        return 0;
    }
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    i = (size_t)(p * (double)(n - 1) + 0.5);
    r = c[i];
    free(c);
    return r;
}

/* The options: --agent PATH, --iterations N, --json, and with extra_name
 * one more option taking a value (into *extra). 0, or -1 for anything
 * else (the caller prints its usage). */
static inline int bench_options(int argc, char **argv, const char **agent, int *iters, int *json,
                                const char *extra_name, const char **extra)
{
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--agent") == 0 && i + 1 < argc)
            *agent = argv[++i];
        else if (extra_name && strcmp(argv[i], extra_name) == 0 && i + 1 < argc)
            *extra = argv[++i];
        else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
            *iters = atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0)
            *json = 1;
        else
            return -1;
    }
    return 0;
}

#endif
