/* hcsctl gcs run|decode: the GCS bridge from the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifdef _WIN32
#  include <fcntl.h>
#  include <io.h>
#  include <windows.h>
#else
#  include <signal.h>
#  include <sys/ioctl.h>
#  include <sys/types.h>
#  include <sys/wait.h>
#  include <termios.h>
#  include <unistd.h>
#endif

void hcsctl_help_gcs(FILE *out)
{
    fprintf(out,
        "usage: hcsctl gcs run (--listen ADDR | --spawn 'GUEST COMMAND') [options]\n"
        "                      -- COMMAND [ARGS...]\n"
        "       hcsctl [--json] gcs decode [FILE|-]\n\n"
        "run: waits for a guest's GCS to connect (--listen) or starts one with the\n"
        "bridge on its stdin/stdout (--spawn, POSIX hosts), negotiates, runs COMMAND\n"
        "in the utility VM with hcsctl's stdin/stdout/stderr relayed, and exits with\n"
        "COMMAND's exit code (125 when hcsctl or the bridge failed).\n"
        "  --listen ADDR        vsock:PORT (Linux), hvsock:VMID[:SERVICEGUID]\n"
        "                       (Windows), unix:DIR (port P is the socket DIR/P)\n"
        "  --spawn CMD          run CMD with sh -c; the bridge is its stdin/stdout\n"
        "  --stdio-dir DIR      stdio relay port space unix:DIR (required with --spawn)\n"
        "  --os linux|windows   expected guest OS (hvsock default service GUID)\n"
        "  --tty                allocate a console (stderr merges into stdout)\n"
        "  --env K=V            environment of COMMAND (repeatable)\n"
        "  --cwd DIR            working directory of COMMAND\n"
        "  --timeout SECONDS    wait for the guest to connect (default 120)\n"
        "  --json               print a JSON summary line on stderr at exit\n\n"
        "decode: reads a stream of GCS frames (16-byte header + JSON body) from FILE\n"
        "or stdin and prints one line per frame: type name, id, size, body.\n"
        "  --json               one JSON object per frame\n"
        "A malformed frame stops decoding with an error naming its byte offset\n"
        "(exit 2).\n");
}

/* ---------------- decode ---------------- */

static unsigned char *read_all_input(FILE *fp, size_t *len)
{
    size_t cap = 65536, n = 0;
    unsigned char *d = (unsigned char *)malloc(cap);
    while (d) {
        size_t got;
        if (n == cap) {
            unsigned char *nd;
            if (cap > ((size_t)1 << 31)) { /* 2 GiB is plenty for a capture */
                free(d);
                return NULL;
            }
            nd = (unsigned char *)realloc(d, cap * 2);
            if (!nd) {
                free(d);
                return NULL;
            }
            d = nd;
            cap *= 2;
        }
        got = fread(d + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    *len = n;
    return d;
}

/* A body on one line: printable ASCII/UTF-8 as is, the rest escaped. */
static void print_body_text(const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\r')
            fputs("\\r", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c < 0x20 || c == 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

static int gcs_decode(hcsctl_ctx *ctx, int argc, char **argv)
{
    const char *path = NULL;
    FILE *fp;
    unsigned char *data;
    size_t len = 0, off = 0;
    int i, rc = HCSCTL_EXIT_OK;
    for (i = 1; i < argc; i++) {
        if (hcsctl_is_help(argv[i])) {
            hcsctl_help_gcs(stdout);
            return HCSCTL_EXIT_OK;
        }
        if (path)
            return hcsctl_usage_error("gcs decode: more than one input (\"%s\")", argv[i]);
        path = argv[i];
    }
    if (!path || strcmp(path, "-") == 0) {
#ifdef _WIN32
        _setmode(_fileno(stdin), _O_BINARY);
#endif
        fp = stdin;
        path = "-";
    } else {
        fp = fopen(path, "rb");
        if (!fp)
            return hcsctl_usage_error("gcs decode: cannot open \"%s\"", path);
    }
    data = read_all_input(fp, &len);
    if (fp != stdin)
        fclose(fp);
    if (!data)
        return hcsctl_usage_error("gcs decode: cannot read \"%s\"", path);
    while (off < len) {
        hcs_gcs_frame f;
        size_t used = 0;
        char name[40];
        hcs_result hr = hcs_gcs_frame_parse(data + off, len - off, off, &f, &used);
        if (hr != HCS_S_OK) {
            const hcs_error *e = hcs_error_last();
            fflush(stdout);
            fprintf(stderr, "hcsctl: gcs decode: %s: %s\n", path,
                    e ? e->message : hcs_strerror(hr));
            rc = HCSCTL_EXIT_USAGE;
            break;
        }
        hcs_gcs_type_name(f.type, name, sizeof name);
        if (ctx->json) {
            char *body = (char *)malloc(f.body_len + 1);
            if (!body) {
                rc = HCSCTL_EXIT_FAILED;
                break;
            }
            memcpy(body, f.body, f.body_len);
            body[f.body_len] = 0;
            printf("{\"offset\":%llu,\"type\":\"0x%08lx\",\"name\":",
                   (unsigned long long)f.offset, (unsigned long)f.type);
            hcsctl_json_string(stdout, name);
            printf(",\"id\":%llu,\"size\":%lu,\"body\":", (unsigned long long)f.id,
                   (unsigned long)f.size);
            if (memchr(f.body, 0, f.body_len)) {
                fputs("null", stdout); /* NUL bytes cannot be a C string */
            } else {
                hcsctl_json_string(stdout, body);
            }
            printf("}\n");
            free(body);
        } else {
            printf("%s id=%llu size=%lu ", name, (unsigned long long)f.id,
                   (unsigned long)f.size);
            print_body_text(f.body, f.body_len);
            putchar('\n');
        }
        off += used;
    }
    free(data);
    return rc;
}

/* ---------------- run ---------------- */

#define MAX_ENV 256

typedef struct run_opts {
    const char *listen;
    const char *spawn;
    const char *stdio_dir;
    const char *os;
    int tty;
    const char *env[MAX_ENV + 1];
    int nenv;
    const char *cwd;
    long timeout_s;
    char **cmd;
    int ncmd;
} run_opts;

static void log_stderr(void *ctx, hcs_gcs_log_level level, const char *msg)
{
    (void)ctx;
    if (level >= HCS_GCS_LOG_WARNING)
        fprintf(stderr, "hcsctl: gcs: %s\n", msg);
}

static int bridge_fail(const char *what, hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    fprintf(stderr, "hcsctl: gcs run: %s: %s (0x%08lX)\n", what,
            e ? e->message : hcs_strerror(hr), (unsigned long)(uint32_t)hr);
    if (e && e->detail)
        fprintf(stderr, "hcsctl: guest error records: %s\n", e->detail);
    return HCSCTL_EXIT_BRIDGE;
}

/* Windows command line from argv (CommandLineToArgvW quoting rules). */
static char *windows_command_line(char **argv, int n)
{
    size_t cap = 16;
    int i;
    char *out, *p;
    for (i = 0; i < n; i++)
        cap += strlen(argv[i]) * 2 + 3;
    out = p = (char *)malloc(cap);
    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        const char *a = argv[i];
        int quote = *a == 0 || strpbrk(a, " \t\"") != NULL;
        size_t bs = 0, k;
        if (i)
            *p++ = ' ';
        if (quote)
            *p++ = '"';
        for (; *a; a++) {
            if (*a == '\\') {
                bs++;
                continue;
            }
            /* backslashes before a quote are doubled, plus one for it */
            for (k = 0; k < (*a == '"' ? 2 * bs + 1 : bs); k++)
                *p++ = '\\';
            bs = 0;
            *p++ = *a;
        }
        for (k = 0; k < (quote ? 2 * bs : bs); k++)
            *p++ = '\\';
        if (quote)
            *p++ = '"';
    }
    *p = 0;
    return out;
}

#ifndef _WIN32
static struct termios g_saved_tio;
static int g_tio_saved;

static void restore_tty(void)
{
    if (g_tio_saved)
        tcsetattr(0, TCSANOW, &g_saved_tio);
}

/* Starts the guest with the bridge on its stdin/stdout. */
static int spawn_guest(const char *cmd, pid_t *pid, int *rd, int *wr)
{
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0)
        return -1;
    *pid = fork();
    if (*pid < 0)
        return -1;
    if (*pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        close(to[0]);
        close(to[1]);
        close(from[0]);
        close(from[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    *rd = from[0];
    *wr = to[1];
    return 0;
}
#endif

static int gcs_run(hcsctl_ctx *ctx, int argc, char **argv)
{
    run_opts o;
    hcs_gcs_config cfg;
    hcs_gcs_listener *l = NULL;
    hcs_gcs_bridge *b = NULL;
    hcs_gcs_process *p = NULL;
    hcs_gcs_process_config pc;
    char stdio_addr[4096];
    char *cmdline = NULL;
    uint32_t code = 0;
    hcs_result hr;
    int i, rc = HCSCTL_EXIT_BRIDGE;
#ifndef _WIN32
    pid_t child = -1;
#endif
    memset(&o, 0, sizeof o);
    o.timeout_s = 120;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--") == 0) {
            o.cmd = argv + i + 1;
            o.ncmd = argc - i - 1;
            break;
        }
        if (hcsctl_is_help(a)) {
            hcsctl_help_gcs(stdout);
            return HCSCTL_EXIT_OK;
        }
        if (strcmp(a, "--tty") == 0) {
            o.tty = 1;
            continue;
        }
        if (!val)
            return hcsctl_usage_error("gcs run: %s needs a value (see hcsctl gcs --help)", a);
        if (strcmp(a, "--listen") == 0) {
            o.listen = val;
        } else if (strcmp(a, "--spawn") == 0) {
            o.spawn = val;
        } else if (strcmp(a, "--stdio-dir") == 0) {
            o.stdio_dir = val;
        } else if (strcmp(a, "--os") == 0) {
            if (strcmp(val, "linux") != 0 && strcmp(val, "windows") != 0)
                return hcsctl_usage_error("gcs run: --os must be linux or windows, not \"%s\"",
                                          val);
            o.os = val;
        } else if (strcmp(a, "--env") == 0) {
            if (!strchr(val, '='))
                return hcsctl_usage_error("gcs run: --env \"%s\" is not KEY=VALUE", val);
            if (o.nenv >= MAX_ENV)
                return hcsctl_usage_error("gcs run: more than %d --env options", MAX_ENV);
            o.env[o.nenv++] = val;
        } else if (strcmp(a, "--cwd") == 0) {
            o.cwd = val;
        } else if (strcmp(a, "--timeout") == 0) {
            char *end = NULL;
            o.timeout_s = strtol(val, &end, 10);
            if (!*val || *end || o.timeout_s <= 0 || o.timeout_s > 86400)
                return hcsctl_usage_error("gcs run: --timeout \"%s\" is not 1..86400 seconds",
                                          val);
        } else {
            return hcsctl_usage_error("gcs run: unknown option \"%s\"", a);
        }
        i++;
    }
    if (!o.listen == !o.spawn)
        return hcsctl_usage_error("gcs run: give exactly one of --listen ADDR or --spawn CMD");
    if (o.ncmd <= 0)
        return hcsctl_usage_error("gcs run: missing \"-- COMMAND [ARGS...]\"");
    if (o.spawn && !o.stdio_dir)
        return hcsctl_usage_error("gcs run: --spawn needs --stdio-dir DIR for the stdio relays");

    hcs_gcs_config_init(&cfg);
    cfg.os_hint = o.os && strcmp(o.os, "windows") == 0 ? HCS_GCS_OS_WINDOWS : HCS_GCS_OS_LINUX;
    cfg.accept_timeout_ms = (int64_t)o.timeout_s * 1000;
    cfg.log = log_stderr;
    if (o.stdio_dir) {
        snprintf(stdio_addr, sizeof stdio_addr, "unix:%s", o.stdio_dir);
        cfg.stdio_address = stdio_addr;
    }

    if (o.listen) {
        hr = hcs_gcs_listen(o.listen, &cfg, &l);
        if (hr == HCS_ERR_INVALIDARG) /* a malformed address */
            return hcsctl_usage_error("gcs run: %s", hcs_error_last()->message);
        if (HCS_FAILED(hr))
            return bridge_fail("listen", hr);
        hr = hcs_gcs_accept(l, &b);
        hcs_gcs_listener_close(l);
        if (HCS_FAILED(hr))
            return bridge_fail("connect", hr);
    } else {
#ifdef _WIN32
        return hcsctl_usage_error("gcs run: --spawn is not supported on Windows "
                                  "(use --listen hvsock:VMID)");
#else
        int rd = -1, wr = -1;
        if (spawn_guest(o.spawn, &child, &rd, &wr) != 0) {
            perror("hcsctl: gcs run: spawn");
            return HCSCTL_EXIT_BRIDGE;
        }
        hr = hcs_gcs_connect_fds(rd, wr, 1, &cfg, &b);
        if (HCS_FAILED(hr)) {
            rc = bridge_fail("connect", hr);
            goto done;
        }
#endif
    }

    hcs_gcs_process_config_init(&pc);
    o.env[o.nenv] = NULL;
    o.cmd[o.ncmd] = NULL; /* in bounds: main only compacts argv */
    if (hcs_gcs_bridge_os(b) == HCS_GCS_OS_WINDOWS) {
        cmdline = windows_command_line(o.cmd, o.ncmd);
        pc.command_line = cmdline;
    } else {
        pc.argv = (const char *const *)o.cmd;
    }
    pc.env = o.nenv ? o.env : NULL;
    pc.cwd = o.cwd;
    pc.tty = o.tty;
    pc.use_stdin = pc.use_stdout = pc.use_stderr = 1;
    if (o.tty) {
        pc.tty_height = 24;
        pc.tty_width = 80;
#ifndef _WIN32
        {
            struct winsize ws;
            if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
                pc.tty_height = ws.ws_row;
                pc.tty_width = ws.ws_col;
            }
            if (isatty(0) && tcgetattr(0, &g_saved_tio) == 0) {
                struct termios raw = g_saved_tio;
                cfmakeraw(&raw);
                g_tio_saved = 1;
                atexit(restore_tty);
                tcsetattr(0, TCSANOW, &raw);
            }
        }
#endif
    }
    hr = hcs_gcs_process_start(b, &pc, &p);
    if (HCS_FAILED(hr)) {
        rc = bridge_fail("start COMMAND", hr);
        goto done;
    }
#ifdef _WIN32
    hr = hcs_gcs_process_relay(p, (hcs_gcs_fd)GetStdHandle(STD_INPUT_HANDLE),
                               (hcs_gcs_fd)GetStdHandle(STD_OUTPUT_HANDLE),
                               (hcs_gcs_fd)GetStdHandle(STD_ERROR_HANDLE));
#else
    fflush(stdout);
    hr = hcs_gcs_process_relay(p, 0, 1, 2);
#endif
    if (HCS_FAILED(hr)) {
        rc = bridge_fail("relay", hr);
        goto done;
    }
    hr = hcs_gcs_process_wait(p, HCS_GCS_TIMEOUT_INFINITE, &code);
    if (HCS_FAILED(hr)) {
        rc = bridge_fail("wait", hr);
        goto done;
    }
    rc = (int)(code & 0xFF);
    if (ctx->json)
        fprintf(stderr, "{\"exit_code\":%lu,\"pid\":%lu,\"guest_os\":\"%s\"}\n",
                (unsigned long)code, (unsigned long)hcs_gcs_process_pid(p),
                hcs_gcs_bridge_os(b) == HCS_GCS_OS_WINDOWS ? "windows" : "linux");
done:
#ifndef _WIN32
    restore_tty();
    g_tio_saved = 0;
#endif
    hcs_gcs_process_close(p);
    hcs_gcs_bridge_close(b);
    free(cmdline);
#ifndef _WIN32
    if (child > 0) {
        /* The guest saw EOF on its bridge; give it a moment, then stop it. */
        int st, n;
        for (n = 0; n < 100 && waitpid(child, &st, WNOHANG) == 0; n++)
            usleep(20000);
        if (n == 100) {
            kill(child, SIGKILL);
            waitpid(child, &st, 0);
        }
    }
#endif
    if (rc == HCSCTL_EXIT_BRIDGE && ctx->json)
        fprintf(stderr, "{\"exit_code\":null,\"error\":true}\n");
    return rc;
}

int hcsctl_cmd_gcs(hcsctl_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || hcsctl_is_help(argv[1])) {
        hcsctl_help_gcs(argc < 2 ? stderr : stdout);
        return argc < 2 ? HCSCTL_EXIT_USAGE : HCSCTL_EXIT_OK;
    }
    if (strcmp(argv[1], "run") == 0)
        return gcs_run(ctx, argc - 1, argv + 1);
    if (strcmp(argv[1], "decode") == 0)
        return gcs_decode(ctx, argc - 1, argv + 1);
    return hcsctl_usage_error("gcs: unknown subcommand \"%s\" (run, decode)", argv[1]);
}
