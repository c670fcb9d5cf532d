/*
 * Schema layer benchmark (not a test). For two documents:
 *   - the full LCOW utility VM document (hcs_schema_build_lcow_uvm defaults,
 *     = shared/docs/hcs-schema.md example 6.2, ~1.1 KB),
 *   - a large Properties result (Statistics, Memory, 500 ProcessList entries
 *     with 64-bit counters, ~110 KB), as HcsGetComputeSystemProperties returns,
 * it measures ns per document for
 *   floor    parsing the same bytes into a plain json-c DOM (hcsi_json_parse +
 *            release): the floor for any decoder built on json-c
 *   decode   hcs_schema_decode into the typed struct (+ freeing it)
 *   encode   hcs_schema_encode of that struct (Go-exact writer)
 *   write    hcsi_json_write of the DOM (the writer floor for encode)
 *   validate hcs_schema_validate (no version target)
 * and prints decode/floor and encode/write ratios.
 * Build optimised: cmake --preset release && cmake --build --preset release &&
 * build/release/bin/bench_schema [--quick]. Figures: docs/schema.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcs.h"
#include "base/json.h"
#include "base/platform.h"

static double g_budget_ns = 6e8; /* per measurement */

typedef int (*op_fn)(const char *doc, size_t len, void *ctx);

/* Runs op in batches until the budget is spent; returns ns per call
 * (the best of 3 rounds, to shrug off noise from a shared machine). */
static double measure(op_fn op, const char *doc, size_t len, void *ctx)
{
    double best = 0;
    int round;
    for (round = 0; round < 3; round++) {
        uint64_t t0 = hcsi_now_ns(), t;
        unsigned long n = 0, batch = 1;
        for (;;) {
            unsigned long i;
            for (i = 0; i < batch; i++)
                if (op(doc, len, ctx) != 0) {
                    fprintf(stderr, "bench_schema: operation failed: %s\n",
                            hcs_error_last() ? hcs_error_last()->message : "?");
                    exit(1);
                }
            n += batch;
            t = hcsi_now_ns() - t0;
            if ((double)t >= g_budget_ns / 3)
                break;
            if (batch < 1u << 20)
                batch *= 2;
        }
        {
            double per = (double)t / (double)n;
            if (round == 0 || per < best)
                best = per;
        }
    }
    return best;
}

typedef struct ctx {
    hcs_schema_type_id type;
    void *obj;      /* decoded once, for encode */
    hcsi_json *dom; /* parsed once, for write */
    size_t size;
} ctx;

static int op_floor(const char *doc, size_t len, void *c)
{
    hcsi_json *j = NULL;
    (void)c;
    if (HCS_FAILED(hcsi_json_parse(doc, len, "bench", &j)))
        return 1;
    hcsi_json_put(j);
    return 0;
}

static int op_decode(const char *doc, size_t len, void *vc)
{
    ctx *c = (ctx *)vc;
    union { uint64_t u; double d; void *p; char b[4096]; } buf; /* aligned for any struct */
    void *obj = c->size <= sizeof buf ? (void *)&buf : malloc(c->size);
    hcs_result r = hcs_schema_decode(c->type, doc, len, 0, obj);
    hcs_schema_free_members(c->type, obj);
    if (obj != (void *)&buf)
        free(obj);
    return HCS_FAILED(r);
}

static int op_encode(const char *doc, size_t len, void *vc)
{
    ctx *c = (ctx *)vc;
    char *out = NULL;
    hcs_result r = hcs_schema_encode(c->type, c->obj, 0, &out, NULL);
    (void)doc;
    (void)len;
    hcs_free(out);
    return HCS_FAILED(r);
}

static int op_write(const char *doc, size_t len, void *vc)
{
    ctx *c = (ctx *)vc;
    char *out = NULL;
    hcs_result r = hcsi_json_to_string(c->dom, HCSI_JSON_HTML_ESCAPE, &out);
    (void)doc;
    (void)len;
    free(out);
    return HCS_FAILED(r);
}

static int op_validate(const char *doc, size_t len, void *vc)
{
    ctx *c = (ctx *)vc;
    return HCS_FAILED(hcs_schema_validate(c->type, doc, len, NULL, 0, NULL));
}

static char *properties_doc(size_t *len)
{
    hcsi_buf b;
    int i;
    hcsi_buf_init(&b, 0);
    hcsi_buf_puts(&b,
                  "{\"Id\":\"c0ffee00-0000-4000-8000-000000000001\",\"SystemType\":\"Container\","
                  "\"RuntimeOsType\":\"Linux\",\"Name\":\"c0ffee00-0000-4000-8000-000000000001\","
                  "\"Owner\":\"containerd-shim-runhcs-v1.exe\",\"RuntimeId\":\"6a1e5b3c-9f2d-4c7e-8b0a-2d4f6e8a1c3b\","
                  "\"State\":\"Running\",\"Memory\":{\"VirtualMachineMemory\":{\"AvailableMemory\":1024,"
                  "\"AssignedMemory\":4294967296,\"BalancingEnabled\":true}},"
                  "\"Statistics\":{\"Timestamp\":\"2024-02-26T10:11:12.123456789Z\","
                  "\"ContainerStartTime\":\"2024-02-26T09:00:00Z\",\"Uptime100ns\":42949672960000,"
                  "\"Processor\":{\"TotalRuntime100ns\":18446744073709551000,\"RuntimeUser100ns\":1234567890123,"
                  "\"RuntimeKernel100ns\":987654321098},\"Memory\":{\"MemoryUsageCommitBytes\":2147483648,"
                  "\"MemoryUsageCommitPeakBytes\":4294967296,\"MemoryUsagePrivateWorkingSetBytes\":1073741824},"
                  "\"Storage\":{\"ReadCountNormalized\":1000,\"ReadSizeBytes\":104857600,"
                  "\"WriteCountNormalized\":2000,\"WriteSizeBytes\":209715200}},\"ProcessList\":[");
    for (i = 0; i < 500; i++)
        hcsi_buf_printf(&b,
                        "%s{\"ProcessId\":%d,\"ImageName\":\"worker-%d.exe\",\"CreateTimestamp\":"
                        "\"2024-02-26T09:%02d:%02d.5Z\",\"UserTime100ns\":%llu,\"KernelTime100ns\":%llu,"
                        "\"MemoryCommitBytes\":%llu,\"MemoryWorkingSetPrivateBytes\":%llu,"
                        "\"MemoryWorkingSetSharedBytes\":%llu}",
                        i ? "," : "", 1000 + i, i, i / 60 % 60, i % 60, 1000000ull * (unsigned)i,
                        300000ull * (unsigned)i, 3221225472ull + (unsigned)i, 1073741824ull + (unsigned)i,
                        268435456ull + (unsigned)i);
    hcsi_buf_puts(&b, "],\"TerminateOnLastHandleClosed\":true}");
    return hcsi_buf_steal(&b, len);
}

static void run(const char *name, hcs_schema_type_id type, const char *doc, size_t len)
{
    ctx c;
    hcs_schema_type_info ti;
    double floor_ns, dec, enc, wr, val;
    hcs_schema_type_get_info(type, &ti);
    memset(&c, 0, sizeof c);
    c.type = type;
    c.size = ti.struct_size;
    c.obj = calloc(1, ti.struct_size);
    if (!c.obj || HCS_FAILED(hcs_schema_decode(type, doc, len, HCS_SCHEMA_DECODE_STRICT, c.obj)) ||
        HCS_FAILED(hcsi_json_parse(doc, len, "bench", &c.dom))) {
        fprintf(stderr, "bench_schema: %s: %s\n", name, hcs_error_last() ? hcs_error_last()->message : "?");
        exit(1);
    }
    floor_ns = measure(op_floor, doc, len, &c);
    dec = measure(op_decode, doc, len, &c);
    wr = measure(op_write, doc, len, &c);
    enc = measure(op_encode, doc, len, &c);
    val = measure(op_validate, doc, len, &c);
    printf("%-22s %7zu B  floor(parse) %9.0f ns  decode %9.0f ns (x%.2f)  write(DOM) %9.0f ns  "
           "encode %9.0f ns (x%.2f)  validate %9.0f ns (x%.2f)\n",
           name, len, floor_ns, dec, dec / floor_ns, wr, enc, enc / wr, val, val / floor_ns);
    printf("%-22s %7s    throughput: parse %.0f MB/s, decode %.0f MB/s, encode %.0f MB/s\n", "", "",
           (double)len * 1e3 / floor_ns, (double)len * 1e3 / dec, (double)len * 1e3 / enc);
    hcs_schema_free_members(type, c.obj);
    free(c.obj);
    hcsi_json_put(c.dom);
}

int main(int argc, char **argv)
{
    hcs_schema_lcow_uvm_options lo;
    char *lcow = NULL, *props;
    size_t plen;
    if (argc > 1 && strcmp(argv[1], "--quick") == 0)
        g_budget_ns = 6e7;
    lo = (hcs_schema_lcow_uvm_options)HCS_SCHEMA_LCOW_UVM_OPTIONS_INIT;
    lo.owner = "containerd-shim-runhcs-v1.exe";
    lo.boot_dir = "C:\\Program Files\\Linux Containers";
    if (HCS_FAILED(hcs_schema_build_lcow_uvm(&lo, &lcow))) {
        fprintf(stderr, "bench_schema: %s\n", hcs_error_last()->message);
        return 1;
    }
    props = properties_doc(&plen);
    run("LCOW UVM (6.2)", HCS_SCHEMA_S2_ComputeSystem, lcow, strlen(lcow));
    run("Properties (500 procs)", HCS_SCHEMA_S2_Properties, props, plen);
    hcs_free(lcow);
    free(props);
    return 0;
}
