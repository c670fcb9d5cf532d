/*
 * GCS bridge benchmark (not a test). Over AF_UNIX socketpairs with a forked
 * peer process, raw floor and bridge alternating in every run:
 *   1. RPC round trip median through the bridge vs a raw ping-pong of the
 *      same request/response bytes            -> ratio (target <= 1.15)
 *   2. pipelined RPC rate from 8 threads, each keeping DEPTH RPCs in flight
 *      (DEPTH 16, 64 and 256; 64 is the headline) vs the raw one-way message
 *      rate (one write per message)           -> ratio (target >= 0.8)
 *   3. the stdio relay: the peer streams BULK bytes into a socket, and the
 *      same bytes are copied to /dev/null through a 64 KiB user buffer by
 *      either a raw read/write loop (floor) or hcs_gcs_process_relay (the
 *      library's relay, same buffer size, same number of copies)
 *                                             -> ratio (target >= 0.9)
 *      per run raw/bridge time pairs, the order alternating between runs;
 *      reported as the median of the per-run ratios with their range.
 * Build optimised: cmake --preset release && cmake --build --preset release
 * && build/release/bin/bench_gcs [--quick] [--runs N] [--json]. POSIX only
 * (fork).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gcs/frame.h"
#include "hcs.h"
#include "base/platform.h"

#define NEGOTIATE_RESP                                                                   \
    "{\"Result\":0,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"Version\":4," \
    "\"Capabilities\":{\"SupportedSchemaVersions\":[{\"Major\":2,\"Minor\":1}],"          \
    "\"RuntimeOsType\":\"Linux\",\"GuestDefinedCapabilities\":{}}}"
/* A DumpStacks-shaped answer, ~ the size of typical small responses. */
#define ECHO_RESP                                                                        \
    "{\"Result\":0,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\","             \
    "\"GuestStacks\":\"goroutine 1 [running]: main.main() /src/gcs/main.go:42 +0x1d\"}"
#define REQ_BODY                                                                         \
    "{\"ContainerId\":\"00000000-0000-0000-0000-000000000000\",\"ActivityId\":"           \
    "\"00000000-0000-0000-0000-000000000000\"}\n"

#define BULK_BUF 65536

enum { MODE_ECHO, MODE_SINK, MODE_BULK, MODE_GUEST };

static uint64_t g_bulk_bytes = 2ull << 30;
static const char *g_dir;

/* ---------------- peer (child process) ---------------- */

static void write_all(int fd, const void *p, size_t n)
{
    if (HCS_FAILED(hcsi_sock_write_full(fd, p, n)))
        _exit(3);
}

static void stream_bulk(int fd)
{
    static char chunk[BULK_BUF];
    uint64_t left = g_bulk_bytes;
    memset(chunk, 'x', sizeof chunk);
    while (left) {
        size_t n = left < sizeof chunk ? (size_t)left : sizeof chunk;
        write_all(fd, chunk, n);
        left -= n;
    }
}

/* Reads what is available, answers every complete frame, and writes all
 * answers of a batch at once. */
static void peer_main(int fd, int mode)
{
    size_t cap = 1 << 20, have = 0;
    char *in = (char *)malloc(cap);
    hcsi_buf out;
    hcsi_buf_init(&out, 0);
    if (mode == MODE_BULK) {
        stream_bulk(fd);
        _exit(0);
    }
    for (;;) {
        ssize_t r = read(fd, in + have, cap - have);
        size_t off = 0;
        if (r <= 0)
            break;
        have += (size_t)r;
        out.len = 0;
        while (have - off >= 16) {
            hcsi_gcs_header h;
            const char *body;
            hcsi_gcs_header_unpack((const uint8_t *)in + off, &h);
            if (h.size < 16 || h.size > cap)
                _exit(4);
            if (have - off < h.size)
                break;
            body = in + off + 16;
            if (mode == MODE_SINK) {
                /* counted by the client: it stops at our EOF */
            } else if (h.type == HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_NEGOTIATE_PROTOCOL)) {
                hcsi_gcs_frame_build(&out, HCS_GCS_RESPONSE_FOR(h.type), h.id, NEGOTIATE_RESP,
                                     strlen(NEGOTIATE_RESP));
            } else if (mode == MODE_GUEST &&
                       h.type == HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_EXECUTE_PROCESS)) {
                /* dial stdout (the only stream), answer, stream, finish */
                const char *k = strstr(body, "\"StdOut\":");
                char path[512], c;
                hcsi_sock s;
                const char *resp = "{\"Result\":0,\"ProcessId\":4242}";
                if (!k)
                    _exit(5);
                snprintf(path, sizeof path, "%s/%lu", g_dir, strtoul(k + 9, NULL, 10));
                if (HCS_FAILED(hcsi_sock_connect_unix(path, &s)))
                    _exit(6);
                if (out.len)
                    write_all(fd, out.data, out.len);
                out.len = 0;
                hcsi_gcs_frame_build(&out, HCS_GCS_RESPONSE_FOR(h.type), h.id, resp,
                                     strlen(resp));
                write_all(fd, out.data, out.len);
                out.len = 0;
                stream_bulk(s);
                shutdown(s, SHUT_WR);
                while (read(s, &c, 1) > 0) {
                }
                close(s);
            } else if (mode == MODE_GUEST &&
                       h.type == HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_WAIT_FOR_PROCESS)) {
                const char *resp = "{\"Result\":0,\"ExitCode\":0}";
                hcsi_gcs_frame_build(&out, HCS_GCS_RESPONSE_FOR(h.type), h.id, resp,
                                     strlen(resp));
            } else {
                hcsi_gcs_frame_build(&out, HCS_GCS_RESPONSE_FOR(h.type), h.id, ECHO_RESP,
                                     strlen(ECHO_RESP));
            }
            off += h.size;
        }
        if (out.len)
            write_all(fd, out.data, out.len);
        memmove(in, in + off, have - off);
        have -= off;
    }
    _exit(0);
}

typedef struct peer_proc {
    pid_t pid;
    int fd; /* our end */
} peer_proc;

static void peer_spawn(peer_proc *pp, int mode)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("socketpair");
        exit(1);
    }
    pp->pid = fork();
    if (pp->pid == 0) {
        int fd;
        /* drop every inherited end of earlier peers: they must see EOF
         * when the parent closes its end */
        for (fd = 3; fd < 1024; fd++)
            if (fd != sv[1])
                close(fd);
        peer_main(sv[1], mode);
    }
    close(sv[1]);
    pp->fd = sv[0];
}

static void peer_reap(peer_proc *pp)
{
    int st;
    if (pp->fd >= 0)
        close(pp->fd);
    pp->fd = -1;
    waitpid(pp->pid, &st, 0);
}

/* ---------------- helpers ---------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double median_us(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    return (double)v[n / 2] / 1000.0;
}

static double secs(uint64_t ns) { return (double)ns / 1e9; }

static void die(const char *what, hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    fprintf(stderr, "bench_gcs: %s: %s (0x%08lX)\n", what, e ? e->message : "",
            (unsigned long)(uint32_t)hr);
    exit(1);
}

static hcs_gcs_bridge *connect_peer(peer_proc *pp, const char *stdio_addr)
{
    hcs_gcs_bridge *b = NULL;
    hcs_gcs_bridge_options c;
    hcs_result hr;
    hcs_gcs_bridge_options_init(&c, HCS_GCS_BRIDGE_OPTIONS_VERSION);
    c.stdio_address = stdio_addr;
    hr = hcs_gcs_connect_fds(pp->fd, pp->fd, 1, &c, &b);
    if (HCS_FAILED(hr))
        die("connect", hr);
    pp->fd = -1; /* owned by the bridge */
    return b;
}

/* ---------------- 1. round trip ---------------- */

static double raw_roundtrip(peer_proc *pp, size_t n)
{
    hcsi_buf req;
    uint64_t *t = (uint64_t *)malloc(n * sizeof *t);
    char resp[4096];
    size_t i;
    hcsi_buf_init(&req, 0);
    hcsi_gcs_frame_build(&req, HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_DUMP_STACKS), 1, REQ_BODY,
                         strlen(REQ_BODY));
    for (i = 0; i < n + n / 10; i++) {
        uint64_t t0 = hcsi_now_ns();
        hcsi_gcs_header h;
        hcsi_gcs_frame_set_id(req.data, i + 1);
        write_all(pp->fd, req.data, req.len);
        /* as the toolchain's floor: header, then body by its length */
        if (HCS_FAILED(hcsi_sock_read_full(pp->fd, resp, 16, NULL)))
            die("raw read", HCS_ERR_FAIL);
        hcsi_gcs_header_unpack((const uint8_t *)resp, &h);
        if (h.size > sizeof resp ||
            HCS_FAILED(hcsi_sock_read_full(pp->fd, resp + 16, h.size - 16, NULL)))
            die("raw read", HCS_ERR_FAIL);
        if (i >= n / 10) /* warm-up excluded */
            t[i - n / 10] = hcsi_now_ns() - t0;
    }
    hcsi_buf_free(&req);
    {
        double m = median_us(t, n);
        free(t);
        return m;
    }
}

static double bridge_roundtrip(hcs_gcs_bridge *b, size_t n)
{
    uint64_t *t = (uint64_t *)malloc(n * sizeof *t);
    size_t i;
    for (i = 0; i < n + n / 10; i++) {
        uint64_t t0 = hcsi_now_ns();
        char *resp = NULL;
        hcs_result hr = hcs_gcs_rpc(b, HCS_GCS_RPC_DUMP_STACKS, REQ_BODY, strlen(REQ_BODY),
                                    HCS_TIMEOUT_DEFAULT, &resp, NULL);
        if (HCS_FAILED(hr))
            die("rpc", hr);
        hcs_free(resp);
        if (i >= n / 10)
            t[i - n / 10] = hcsi_now_ns() - t0;
    }
    {
        double m = median_us(t, n);
        free(t);
        return m;
    }
}

/* ---------------- 2. throughput ---------------- */

static double raw_oneway(peer_proc *pp, size_t n)
{
    hcsi_buf req;
    size_t i;
    uint64_t t0;
    char c;
    hcsi_buf_init(&req, 0);
    hcsi_gcs_frame_build(&req, HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_DUMP_STACKS), 1, REQ_BODY,
                         strlen(REQ_BODY));
    t0 = hcsi_now_ns();
    for (i = 0; i < n; i++) {
        hcsi_gcs_frame_set_id(req.data, i + 1);
        write_all(pp->fd, req.data, req.len); /* one write per message */
    }
    /* the sink has read everything once it sees our EOF and exits */
    shutdown(pp->fd, SHUT_WR);
    while (read(pp->fd, &c, 1) > 0) {
    }
    hcsi_buf_free(&req);
    return (double)n / secs(hcsi_now_ns() - t0);
}

#define PIPE_THREADS 8
#define PIPE_MAX_DEPTH 256
#define NDEPTHS 3
static const int g_depths[NDEPTHS] = {16, 64, 256};
#define HEADLINE_DEPTH 1 /* 64 */

typedef struct pipe_arg {
    hcs_gcs_bridge *b;
    size_t n;
    int depth;
} pipe_arg;

static void pipe_worker(void *arg)
{
    pipe_arg *a = (pipe_arg *)arg;
    hcs_gcs_call **win = (hcs_gcs_call **)calloc((size_t)a->depth, sizeof *win);
    size_t sent = 0, done = 0, d = (size_t)a->depth;
    if (!win)
        die("out of memory", HCS_ERR_OUTOFMEMORY);
    while (done < a->n) {
        while (sent < a->n && sent - done < d) {
            hcs_result hr = hcs_gcs_rpc_begin(a->b, HCS_GCS_RPC_DUMP_STACKS, REQ_BODY,
                                              strlen(REQ_BODY), &win[sent % d]);
            if (HCS_FAILED(hr))
                die("rpc_begin", hr);
            sent++;
        }
        {
            char *resp = NULL;
            hcs_result hr = hcs_gcs_rpc_end(win[done % d], HCS_TIMEOUT_DEFAULT, &resp, NULL);
            if (HCS_FAILED(hr))
                die("rpc_end", hr);
            hcs_free(resp);
            done++;
        }
    }
    free(win);
}

static double bridge_pipelined(hcs_gcs_bridge *b, size_t n, int depth)
{
    hcsi_thread t[PIPE_THREADS];
    pipe_arg a[PIPE_THREADS];
    uint64_t t0 = hcsi_now_ns();
    int i;
    for (i = 0; i < PIPE_THREADS; i++) {
        a[i].b = b;
        a[i].n = n / PIPE_THREADS;
        a[i].depth = depth;
        hcsi_thread_start(&t[i], pipe_worker, &a[i]);
    }
    for (i = 0; i < PIPE_THREADS; i++)
        hcsi_thread_join(&t[i]);
    return (double)(n / PIPE_THREADS * PIPE_THREADS) / secs(hcsi_now_ns() - t0);
}

/* ---------------- 3. bulk ---------------- */

static double raw_bulk(peer_proc *pp, int sink)
{
    char *buf = (char *)malloc(BULK_BUF);
    uint64_t total = 0, t0 = hcsi_now_ns();
    for (;;) {
        ssize_t r = read(pp->fd, buf, BULK_BUF);
        if (r <= 0)
            break;
        total += (uint64_t)r;
        if (write(sink, buf, (size_t)r) != r)
            break;
    }
    free(buf);
    if (total != g_bulk_bytes)
        die("raw bulk: short stream", HCS_ERR_FAIL);
    return secs(hcsi_now_ns() - t0);
}

/* raw_bulk on pp, which is then reaped: the floor of one run. */
static double raw_bulk_run(peer_proc *pp, int sink)
{
    double s = raw_bulk(pp, sink);
    peer_reap(pp);
    return s;
}

static double bridge_bulk(hcs_gcs_bridge *b, int sink)
{
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"/bin/cat", "/dev/zero", NULL};
    uint32_t code = 1;
    uint64_t t0 = hcsi_now_ns();
    hcs_result hr;
    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.argv = argv;
    pc.use_stdout = 1;
    hr = hcs_gcs_process_start(b, &pc, &p);
    if (HCS_FAILED(hr))
        die("process start", hr);
    hr = hcs_gcs_process_relay(p, HCS_OS_HANDLE_NONE, sink, HCS_OS_HANDLE_NONE);
    if (HCS_FAILED(hr))
        die("relay", hr);
    hr = hcs_gcs_process_wait(p, HCS_TIMEOUT_INFINITE, &code);
    if (HCS_FAILED(hr))
        die("wait", hr);
    hcs_gcs_process_close(p);
    return secs(hcsi_now_ns() - t0);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define MAX_RUNS 15

/* Median, min and max of n values. */
static double stat_of(const double *v, int n, double *lo, double *hi)
{
    double t[MAX_RUNS];
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_dbl);
    if (lo)
        *lo = t[0];
    if (hi)
        *hi = t[n - 1];
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

enum { P_RT_RAW, P_RT_BR, P_SINK, P_DEPTH0, P_BULK = P_DEPTH0 + NDEPTHS, P_GUEST, NPEERS };

int main(int argc, char **argv)
{
    size_t n_rt = 20000, n_tp = 400000;
    static peer_proc peers[MAX_RUNS][NPEERS];
    char tmpl[] = "/tmp/hcsbenchXXXXXX", addr[64];
    double raw_rt[MAX_RUNS], br_rt[MAX_RUNS], raw_tp[MAX_RUNS], br_tp[NDEPTHS][MAX_RUNS];
    double raw_bk[MAX_RUNS], br_bk[MAX_RUNS], bk_ratio[MAX_RUNS], tp_ratio[NDEPTHS][MAX_RUNS];
    hcs_gcs_bridge *b;
    int sink, i, d, runs = 7, json = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            n_rt = 2000;
            n_tp = 100000;
            g_bulk_bytes = 256ull << 20;
            runs = 3;
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            fprintf(stderr, "usage: bench_gcs [--quick] [--runs N (3-15)] [--json]\n");
            return 2;
        }
    }
    if (runs < 3 || runs > MAX_RUNS) {
        fprintf(stderr, "bench_gcs: --runs must be 3..%d\n", MAX_RUNS);
        return 2;
    }
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        return 1;
    }
    g_dir = tmpl;
    snprintf(addr, sizeof addr, "unix:%s", tmpl);
    /* Every peer is forked before the first bridge thread exists. */
    for (i = 0; i < runs; i++) {
        peer_spawn(&peers[i][P_RT_RAW], MODE_ECHO);
        peer_spawn(&peers[i][P_RT_BR], MODE_ECHO);
        peer_spawn(&peers[i][P_SINK], MODE_SINK);
        for (d = 0; d < NDEPTHS; d++)
            peer_spawn(&peers[i][P_DEPTH0 + d], MODE_ECHO);
        peer_spawn(&peers[i][P_BULK], MODE_BULK);
        peer_spawn(&peers[i][P_GUEST], MODE_GUEST);
    }
    sink = open("/dev/null", O_WRONLY);

    if (!json)
        printf("GCS bridge benchmark (AF_UNIX socketpairs, forked peer; %d runs, raw floor and "
               "bridge alternating;\nround trip and rates: medians over the runs; relay: median "
               "of the per-run ratios, %.0f MiB a run)\n",
               runs, (double)g_bulk_bytes / 1048576.0);
    for (i = 0; i < runs; i++) {
        raw_rt[i] = raw_roundtrip(&peers[i][P_RT_RAW], n_rt);
        peer_reap(&peers[i][P_RT_RAW]);
        b = connect_peer(&peers[i][P_RT_BR], NULL);
        br_rt[i] = bridge_roundtrip(b, n_rt);
        hcs_gcs_bridge_close(b);
        peer_reap(&peers[i][P_RT_BR]);

        raw_tp[i] = raw_oneway(&peers[i][P_SINK], n_tp);
        peer_reap(&peers[i][P_SINK]);
        for (d = 0; d < NDEPTHS; d++) {
            b = connect_peer(&peers[i][P_DEPTH0 + d], NULL);
            br_tp[d][i] = bridge_pipelined(b, n_tp, g_depths[d]);
            tp_ratio[d][i] = br_tp[d][i] / raw_tp[i];
            hcs_gcs_bridge_close(b);
            peer_reap(&peers[i][P_DEPTH0 + d]);
        }

        /* Like with like, in alternating order: the same bytes through the
         * same buffer size into the same sink. */
        if (i % 2 == 0)
            raw_bk[i] = raw_bulk_run(&peers[i][P_BULK], sink);
        b = connect_peer(&peers[i][P_GUEST], addr);
        br_bk[i] = bridge_bulk(b, sink);
        hcs_gcs_bridge_close(b);
        peer_reap(&peers[i][P_GUEST]);
        if (i % 2 == 1)
            raw_bk[i] = raw_bulk_run(&peers[i][P_BULK], sink);
        bk_ratio[i] = raw_bk[i] / br_bk[i];
        if (!json)
            printf("  run %d: round trip %.1f/%.1f us, rate %.0f raw, %.0f/%.0f/%.0f at depth "
                   "16/64/256, relay %.3f/%.3f s (ratio %.3f)\n",
                   i + 1, raw_rt[i], br_rt[i], raw_tp[i], br_tp[0][i], br_tp[1][i],
                   br_tp[2][i], raw_bk[i], br_bk[i], bk_ratio[i]);
    }
    {
        double rr = stat_of(raw_rt, runs, NULL, NULL), br = stat_of(br_rt, runs, NULL, NULL);
        double rt = stat_of(raw_tp, runs, NULL, NULL), mib = (double)g_bulk_bytes / 1048576.0;
        double lo, hi, bkr = stat_of(bk_ratio, runs, &lo, &hi);
        double tpr[NDEPTHS], tlo[NDEPTHS], thi[NDEPTHS], brt[NDEPTHS];
        for (d = 0; d < NDEPTHS; d++) {
            tpr[d] = stat_of(tp_ratio[d], runs, &tlo[d], &thi[d]);
            brt[d] = stat_of(br_tp[d], runs, NULL, NULL);
        }
        if (json) {
            printf("{\"runs\":%d,\"roundtrip_raw_us\":%.2f,\"roundtrip_bridge_us\":%.2f,"
                   "\"roundtrip_ratio\":%.3f,\"rate_raw_per_s\":%.0f,\"rate\":[",
                   runs, rr, br, br / rr, rt);
            for (d = 0; d < NDEPTHS; d++)
                printf("%s{\"depth\":%d,\"threads\":%d,\"bridge_per_s\":%.0f,\"ratio\":%.3f,"
                       "\"ratio_min\":%.3f,\"ratio_max\":%.3f}",
                       d ? "," : "", g_depths[d], PIPE_THREADS, brt[d], tpr[d], tlo[d], thi[d]);
            printf("],\"relay_mib\":%.0f,\"relay_raw_mib_s\":%.0f,\"relay_bridge_mib_s\":%.0f,"
                   "\"relay_ratio\":%.3f,\"relay_ratio_min\":%.3f,\"relay_ratio_max\":%.3f}\n",
                   mib, mib / stat_of(raw_bk, runs, NULL, NULL),
                   mib / stat_of(br_bk, runs, NULL, NULL), bkr, lo, hi);
        } else {
            printf("1. RPC round trip median: raw ping-pong %.1f us, bridge %.1f us  -> ratio %.3f "
                   "(target <= 1.15)\n", rr, br, br / rr);
            printf("2. rate: raw one-way %.0f msg/s; bridge, %d threads, each DEPTH in flight "
                   "(target >= 0.8 at 64):\n", rt, PIPE_THREADS);
            for (d = 0; d < NDEPTHS; d++)
                printf("   depth %3d: %.0f RPC/s -> ratio %.3f (runs %.3f..%.3f)%s\n",
                       g_depths[d], brt[d], tpr[d], tlo[d], thi[d],
                       d == HEADLINE_DEPTH ? "  <- headline" : "");
            printf("3. %.0f MiB a run: raw copy %.0f MiB/s, stdio relay %.0f MiB/s -> ratio %.3f "
                   "(runs %.3f..%.3f; target >= 0.9)\n",
                   mib, mib / stat_of(raw_bk, runs, NULL, NULL),
                   mib / stat_of(br_bk, runs, NULL, NULL), bkr, lo, hi);
        }
    }
    close(sink);
    rmdir(tmpl);
    return 0;
}
