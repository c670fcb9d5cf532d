/* hcs-gcs runtime: container statistics. `runtime events --stats` reports
 * runc's types (cpu.usage.percpu, throttledPeriods, ...); the Go GCS
 * returns containerd's cgroups v1 Metrics as LCOWMetrics, marshalled with
 * encoding/json (per_cpu, throttled_periods, ...). This maps one onto the
 * other, member by member, for what both have. */
#define _GNU_SOURCE 1
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

static hcsi_json *pick(const hcsi_json *o, const char *a, const char *b)
{
    hcsi_json *x = o ? hcsi_json_get(o, a) : NULL;
    return x && b ? hcsi_json_get(x, b) : x;
}

/* Copies an unsigned member src.sk into dst.dk when present. */
static int copy_u64(hcsi_json *dst, const char *dk, const hcsi_json *src, const char *sk)
{
    hcsi_json *v = src ? hcsi_json_get(src, sk) : NULL;
    if (!v || hcsi_json_kind_of(v) != HCSI_JSON_INT)
        return 0;
    return HCS_FAILED(hcsi_json_set(dst, dk, hcsi_json_get_ref(v))) ? -1 : 0;
}

static int add_obj(hcsi_json *dst, const char *k, hcsi_json *o)
{
    if (!o)
        return -1;
    if (hcsi_json_object_len(o) == 0) {
        hcsi_json_put(o);
        return 0;
    }
    return HCS_FAILED(hcsi_json_set(dst, k, o)) ? -1 : 0;
}

hcsi_json *hcsg_metrics_from_runtime(const hcsi_json *d)
{
    hcsi_json *m = hcsi_json_object(), *cpu, *usage, *thr, *mem, *mu, *pids;
    hcsi_json *pc;
    int bad = 0;
    if (!m)
        return NULL;
    pids = hcsi_json_object();
    bad |= !pids || copy_u64(pids, "current", pick(d, "pids", NULL), "current") ||
           copy_u64(pids, "limit", pick(d, "pids", NULL), "limit") || add_obj(m, "pids", pids);
    cpu = hcsi_json_object();
    usage = hcsi_json_object();
    thr = hcsi_json_object();
    bad |= !cpu || !usage || !thr;
    if (!bad) {
        const hcsi_json *u = pick(d, "cpu", "usage"), *t = pick(d, "cpu", "throttling");
        bad |= copy_u64(usage, "total", u, "total") || copy_u64(usage, "kernel", u, "kernel") ||
               copy_u64(usage, "user", u, "user");
        pc = u ? hcsi_json_get(u, "percpu") : NULL;
        if (pc && hcsi_json_kind_of(pc) == HCSI_JSON_ARRAY)
            bad |= HCS_FAILED(hcsi_json_set(usage, "per_cpu", hcsi_json_get_ref(pc)));
        bad |= copy_u64(thr, "periods", t, "periods") ||
               copy_u64(thr, "throttled_periods", t, "throttledPeriods") ||
               copy_u64(thr, "throttled_time", t, "throttledTime");
        bad |= add_obj(cpu, "usage", usage) || add_obj(cpu, "throttling", thr);
        usage = thr = NULL;
        bad |= add_obj(m, "cpu", cpu);
        cpu = NULL;
    }
    hcsi_json_put(usage);
    hcsi_json_put(thr);
    hcsi_json_put(cpu);
    mem = hcsi_json_object();
    mu = hcsi_json_object();
    if (!mem || !mu) {
        hcsi_json_put(mem);
        hcsi_json_put(mu);
        hcsi_json_put(m);
        return NULL;
    }
    {
        const hcsi_json *u = pick(d, "memory", "usage"), *raw = pick(d, "memory", "raw");
        bad |= copy_u64(mu, "limit", u, "limit") || copy_u64(mu, "usage", u, "usage") ||
               copy_u64(mu, "max", u, "max") || copy_u64(mu, "failcnt", u, "failcnt");
        bad |= copy_u64(mem, "cache", raw, "cache") || copy_u64(mem, "rss", raw, "rss") ||
               copy_u64(mem, "mapped_file", raw, "mapped_file") ||
               copy_u64(mem, "pgfault", raw, "pgfault") ||
               copy_u64(mem, "pgmajfault", raw, "pgmajfault");
        bad |= add_obj(mem, "usage", mu);
        bad |= add_obj(m, "memory", mem);
    }
    if (bad) {
        hcsi_json_put(m);
        return NULL;
    }
    return m;
}

