/* hcs-gcs: command line. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcs.h"
#include "runtime/runtime.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: hcs-gcs (--connect ADDR | --stdio --stdio-dir DIR) [options]\n"
        "\n"
        "The guest side of the GCS bridge protocol for a Linux utility VM: it\n"
        "answers the host's requests like hcsshim's Go GCS and runs processes\n"
        "in the VM.\n"
        "\n"
        "Connection:\n"
        "  --connect vsock[:PORT]   dial the host (CID 2), default port 0x40000000;\n"
        "                           stdio relays dial the ports the host names\n"
        "  --connect unix:DIR       dial DIR/1073741824; stdio relays dial DIR/PORT\n"
        "  --stdio                  bridge on stdin/stdout (logs on stderr)\n"
        "  --stdio-dir DIR          stdio relays dial DIR/PORT (required with --stdio)\n"
        "  --reconnect              dial again after the bridge is lost\n"
        "  --dial-timeout SEC       keep retrying the bridge dial (default 120)\n"
        "  --stdio-timeout SEC      give up a stdio relay the host does not accept\n"
        "                           (default 30; fails that ExecuteProcess)\n"
        "Containers:\n"
        "  --runtime NAME|PATH      OCI runtime (default runc from $PATH; crun works)\n"
        "  --runtime-root DIR       the runtime's state (--root), default /run/hcs-gcs/runtime\n"
        "  --state-root DIR         bundles must live under DIR (default /run/gcs/c)\n"
        "  --no-runtime-shortcuts   always run `runc start`/`runc delete` (by default\n"
        "                           the agent does what they would, for runc)\n"
        "Behaviour:\n"
        "  --strict                 refuse signals/resize/properties of UVM processes\n"
        "                           exactly like the Go GCS (0xC037010E / E_FAIL)\n"
        "  --poweroff               power the VM off on UVM shutdown (PID 1 only)\n"
        "  --init                   as PID 1: mount /proc, /sys, /dev, /dev/pts, /run, /tmp\n"
        "  --kill-grace-ms MS       SIGTERM-to-SIGKILL grace at cleanup (default 500)\n"
        "  --max-frame BYTES        largest request frame (default %u)\n"
        "Logging:\n"
        "  --log-level LEVEL        error, warn, info (default), debug, trace\n"
        "  --log-file PATH          append logs to PATH instead of stderr\n"
        "  --version, --help\n",
        HCSG_DEFAULT_MAX_FRAME);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;
    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtoul(s, &end, 0);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* The numeric options: a value in lo..hi, times scale into the option
 * (hint: whether the refusal names the range, unit: after it). */
typedef struct num_opt {
    const char *name;
    unsigned long lo, hi;
    uint32_t scale;
    size_t field; /* offsetof hcsg_options */
    int hint;
    const char *unit;
} num_opt;

static const num_opt k_num_opts[] = {
    {"--stdio-timeout", 1, 3600, 1000, offsetof(hcsg_options, stdio_timeout_ms), 1, " seconds"},
    {"--dial-timeout", 0, 86400, 1000, offsetof(hcsg_options, dial_timeout_ms), 0, ""},
    {"--kill-grace-ms", 0, 600000, 1, offsetof(hcsg_options, kill_grace_ms), 0, ""},
    /* Hidden (tests): the cap on tracked processes. */
    {"--max-processes", 1, HCSG_MAX_PROCESSES, 1, offsetof(hcsg_options, max_processes), 1, ""},
    {"--max-frame", HCSG_MIN_MAX_FRAME, HCSG_MAX_FRAME_LIMIT, 1, offsetof(hcsg_options, max_frame),
     1, ""},
    /* Hidden (tests): how long a hot-added device may take to appear. */
    {"--device-timeout-ms", 1, 3600000, 1, offsetof(hcsg_options, device_timeout_ms), 1, ""},
};

static const num_opt *find_num_opt(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof k_num_opts / sizeof k_num_opts[0]; i++)
        if (strcmp(name, k_num_opts[i].name) == 0)
            return &k_num_opts[i];
    return NULL;
}

/* Sets a numeric option from val: 0, or 2 (the exit status) after saying
 * why not. */
static int set_num_opt(hcsg_options *o, const num_opt *n, const char *val)
{
    unsigned long v;
    if (parse_uint(val, n->hi, &v) != 0 || v < n->lo) {
        fprintf(stderr, "hcs-gcs: bad %s \"%s\"", n->name, val);
        if (n->hint)
            fprintf(stderr, " (%lu..%lu%s)", n->lo, n->hi, n->unit);
        fputc('\n', stderr);
        return 2;
    }
    *(uint32_t *)((char *)o + n->field) = (uint32_t)v * n->scale;
    return 0;
}

int main(int argc, char **argv)
{
    hcsg_options o;
    const char *connect = NULL, *stdio_dir = NULL, *log_file = NULL;
    hcsg_err err;
    int i, level = HCSG_LOG_INFO;
    hcsg_options_init(&o);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        const num_opt *num = find_num_opt(a);
#define NEED_VALUE()                                                         \
    do {                                                                     \
        if (!val) {                                                          \
            fprintf(stderr, "hcs-gcs: %s needs a value\n", a);              \
            return 2;                                                        \
        }                                                                    \
        i++;                                                                 \
    } while (0)
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("hcs-gcs %s\n", HCSG_VERSION);
            return 0;
        } else if (strcmp(a, "--connect") == 0) {
            NEED_VALUE();
            connect = val;
        } else if (strcmp(a, "--stdio") == 0) {
            o.use_stdio = 1;
        } else if (strcmp(a, "--stdio-dir") == 0) {
            NEED_VALUE();
            stdio_dir = val;
        } else if (strcmp(a, "--runtime") == 0 || strcmp(a, "--runtime-root") == 0 ||
                   strcmp(a, "--state-root") == 0) {
            char *dst = a[2] == 's' ? o.state_root : a[9] == '-' ? o.runtime_root : o.runtime;
            NEED_VALUE();
            if (!*val || strlen(val) >= sizeof o.runtime ||
                (a[2] != 'r' || a[9] == '-' ? val[0] != '/' : 0)) {
                fprintf(stderr, "hcs-gcs: bad %s \"%s\" (%s, under 256 bytes)\n", a, val,
                        strcmp(a, "--runtime") == 0 ? "a name or path" : "an absolute path");
                return 2;
            }
            snprintf(dst, sizeof o.runtime, "%s", val);
            if (dst != o.runtime) {
                /* Roots are compared as text: one spelling ("/run/gcs/c/"
                 * is "/run/gcs/c"). */
                size_t l = strlen(dst);
                hcsg_err ne;
                while (l > 1 && dst[l - 1] == '/')
                    dst[--l] = '\0';
                if (hcsg_check_path_under("/", dst, a, &ne) != 0) {
                    fprintf(stderr, "hcs-gcs: bad %s \"%s\" (a normalised absolute path: no "
                                    "\".\", \"..\" or \"//\")\n",
                            a, val);
                    return 2;
                }
            }
        } else if (strcmp(a, "--no-runtime-shortcuts") == 0) {
            o.no_runtime_shortcuts = 1;
        } else if (strcmp(a, "--strict") == 0) {
            o.strict = 1;
        } else if (strcmp(a, "--poweroff") == 0) {
            o.poweroff = 1;
        } else if (strcmp(a, "--init") == 0) {
            o.init = 1;
        } else if (strcmp(a, "--reconnect") == 0) {
            o.reconnect = 1;
        } else if (num) {
            NEED_VALUE();
            if (set_num_opt(&o, num, val) != 0)
                return 2;
        } else if (strcmp(a, "--sysfs-root") == 0 || strcmp(a, "--dev-root") == 0 ||
                   strcmp(a, "--proc-root") == 0) {
            /* Hidden (tests): the roots of the device model (guest/storage),
             * so that a fake sysfs tree maps devices to loop devices. */
            char *dst = a[2] == 's' ? o.sysfs_root : a[2] == 'd' ? o.dev_root : o.proc_root;
            NEED_VALUE();
            if (val[0] != '/' || strlen(val) >= sizeof o.sysfs_root) {
                fprintf(stderr, "hcs-gcs: bad %s \"%s\" (an absolute path, under 256 bytes)\n",
                        a, val);
                return 2;
            }
            snprintf(dst, sizeof o.sysfs_root, "%s", val);
        } else if (strcmp(a, "--netns-dir") == 0 || strcmp(a, "--netns-etc-dir") == 0) {
            /* Hidden (tests): where the Network resource's namespaces
             * (default /run/netns) and their resolv.conf (default
             * /run/gcs/netns) live. */
            char *dst = a[8] == 'e' ? o.netns_etc_dir : o.netns_dir;
            size_t l;
            hcsg_err ne;
            NEED_VALUE();
            l = strlen(val);
            while (l > 1 && val[l - 1] == '/')
                l--;
            if (l < sizeof o.netns_dir)
                snprintf(dst, sizeof o.netns_dir, "%.*s", (int)l, val);
            if (l >= sizeof o.netns_dir || val[0] != '/' ||
                hcsg_check_path_under("/", dst, a, &ne) != 0) {
                fprintf(stderr, "hcs-gcs: bad %s \"%s\" (a normalised absolute path under 256 "
                                "bytes)\n",
                        a, val);
                return 2;
            }
        } else if (strcmp(a, "--log-level") == 0) {
            NEED_VALUE();
            level = hcsg_log_level_parse(val);
            if (level < 0) {
                fprintf(stderr, "hcs-gcs: bad --log-level \"%s\"\n", val);
                return 2;
            }
        } else if (strcmp(a, "--log-file") == 0) {
            NEED_VALUE();
            log_file = val;
        } else {
            fprintf(stderr, "hcs-gcs: unknown argument \"%s\"\n", a);
            usage(stderr);
            return 2;
        }
#undef NEED_VALUE
    }
    if (!!connect + o.use_stdio != 1) {
        fprintf(stderr, "hcs-gcs: give exactly one of --connect ADDR or --stdio\n");
        usage(stderr);
        return 2;
    }
    if (o.use_stdio && !stdio_dir) {
        /* Without it no stdio relay could ever be dialled: every
         * ExecuteProcess asking for stdio would fail later. */
        fprintf(stderr, "hcs-gcs: --stdio needs --stdio-dir DIR (the port space the stdio "
                        "relays dial: DIR/PORT)\n");
        return 2;
    }
    if (connect) {
        if (hcsg_addr_parse(connect, &o.bridge, &err) != 0) {
            fprintf(stderr, "hcs-gcs: --connect: %s\n", err.msg);
            return 2;
        }
        o.stdio = o.bridge;
    }
    if (stdio_dir) {
        char spec[512];
        snprintf(spec, sizeof spec, "unix:%s", stdio_dir);
        if (hcsg_addr_parse(spec, &o.stdio, &err) != 0) {
            fprintf(stderr, "hcs-gcs: --stdio-dir: %s\n", err.msg);
            return 2;
        }
    }
    hcsg_log_set_level(level);
    if (log_file && hcsg_log_open(log_file) != 0) {
        fprintf(stderr, "hcs-gcs: cannot open log file %s: %s\n", log_file, strerror(errno));
        return 2;
    }
    i = hcsg_run(&o);
    hcsg_log_close();
    return i;
}
