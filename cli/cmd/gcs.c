/* hcsctl gcs run|decode: the GCS bridge from the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"
#include "gcs_ctr.h"
#include "gcs_posix.h"
#include "gcs_wait.h"

#ifdef _WIN32
#  include <windows.h>
#else
#  include <sys/types.h>
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
        "COMMAND's exit code (125 when hcsctl or the bridge failed). Codes above 255\n"
        "keep their low byte but never become 0 (256 -> 1); a Linux guest's\n"
        "4294967295 (killed by a signal) is 137. A spawned guest runs in its own\n"
        "process group, stopped as a whole at exit (SIGTERM, then SIGKILL after 1 s).\n"
        "  --listen ADDR        vsock:PORT (Linux), hvsock:VMID[:SERVICEGUID]\n"
        "                       (Windows), unix:DIR (port P is the socket DIR/P)\n"
        "  --spawn CMD          run CMD with sh -c; the bridge is its stdin/stdout\n"
        "  --stdio-dir DIR      stdio relay port space unix:DIR (required with --spawn)\n"
        "  --os linux|windows   expected guest OS (hvsock default service GUID)\n"
        "  --tty                allocate a console (stderr merges into stdout), sized\n"
        "                       like hcsctl's terminal (stdout, else stdin; 80x24\n"
        "                       without one) and resized with it (SIGWINCH). When\n"
        "                       stdin is a terminal it is raw while COMMAND runs:\n"
        "                       keys such as Ctrl-C and Ctrl-Z go to COMMAND; the\n"
        "                       settings are restored at exit, also when hcsctl\n"
        "                       is killed by SIGHUP/SIGINT/SIGQUIT/SIGTERM\n"
        "  --env K=V            environment of COMMAND (repeatable)\n"
        "  --cwd DIR            working directory of COMMAND\n"
        "  --timeout SECONDS    wait for the guest to connect and negotiate\n"
        "                       (default 120)\n"
        "  --rpc-timeout SECONDS\n"
        "                       wait at most this long for each answer of the guest\n"
        "                       (default 300, hcsshim's), for its stdio connections\n"
        "                       (default 30) and for a container's exit notification\n"
        "                       at teardown (default 10); a guest that stops\n"
        "                       answering is given up (exit 125). COMMAND's own run\n"
        "                       time is not bounded\n"
        "  --json               print a JSON summary line on stderr at exit\n"
        "  --disk CONTROLLER:LUN:MOUNTPATH[:ro]\n"
        "                       a SCSI disk the host hot-added, mounted by the guest\n"
        "                       at MOUNTPATH before COMMAND runs (ModifySettings\n"
        "                       MappedVirtualDisk; repeatable; removed at exit)\n"
        "  --net NAMESPACE,MAC,IP/PREFIX[,GATEWAY]\n"
        "                       a network adapter the host hot-added: the guest moves\n"
        "                       the interface with MAC into network namespace\n"
        "                       NAMESPACE (a GUID), addresses it and routes through\n"
        "                       GATEWAY; a container joins the first one's namespace\n"
        "                       (ModifySettings Network; repeatable; removed at exit)\n"
        "container mode (COMMAND is the init of an LCOW container):\n"
        "  --rootfs DIR, --layer DIR  the image's layers (guest paths, top first;\n"
        "                       repeatable)\n"
        "  --scratch DIR        where the writes go (kept; default: in the bundle)\n"
        "  --read-only          no scratch, a read-only root file system\n"
        "  --hostname NAME      the container's host name\n"
        "  --user U             uid[:gid] or name[:group] (the container's passwd)\n"
        "  --bundle-root DIR    the guest agent's state root (default /run/gcs/c)\n\n"
        "decode: reads a stream of GCS frames (16-byte header + JSON body) from FILE\n"
        "or stdin and prints one line per frame: type name, id, size, body.\n"
        "  --json               one JSON object per frame\n"
        "A malformed frame stops decoding with an error naming its byte offset\n"
        "(exit 2).\n");
}

/* ---------------- decode ---------------- */

/* 2 GiB is plenty for a capture. */
#define MAX_CAPTURE ((size_t)1 << 31)

static int gcs_decode(hcsctl_ctx *ctx, int argc, char **argv)
{
    const char *path = NULL;
    char *input = NULL;
    const unsigned char *data;
    size_t len = 0, off = 0;
    int i, rc = HCSCTL_EXIT_OK;
    {
        hcsctl_args a;
        memset(&a, 0, sizeof a);
        a.cmd = "gcs decode";
        a.help = hcsctl_help_gcs;
        a.max_pos = 1;
        i = hcsctl_opt_parse(&a, argc, argv, 1);
        if (i)
            return i < 0 ? HCSCTL_EXIT_OK : i;
        path = a.npos ? a.pos[0] : "-";
    }
    rc = hcsctl_read_input("gcs decode", path, MAX_CAPTURE + 1, &input, &len);
    if (rc != HCSCTL_EXIT_OK)
        return rc;
    if (len > MAX_CAPTURE) {
        free(input);
        return hcsctl_usage_error("gcs decode: \"%s\" is larger than 2 GiB", path);
    }
    data = (const unsigned char *)input;
    while (off < len) {
        hcs_gcs_frame f;
        size_t used = 0;
        char name[40];
        hcs_result hr = hcs_gcs_frame_parse(data + off, len - off, off, &f, &used);
        if (hr != HCS_S_OK) {
            const hcs_error *e = hcs_error_last();
            fflush(stdout);
            fprintf(stderr, "hcsctl: gcs decode: %s: ", path);
            hcsctl_text(stderr, e ? e->message : hcs_strerror(hr));
            fputc('\n', stderr);
            rc = HCSCTL_EXIT_USAGE;
            break;
        }
        hcs_gcs_type_name(f.type, name, sizeof name);
        if (ctx->json) {
            /* always valid JSON: NUL as \u0000, bytes that are not UTF-8
             * as \ufffd */
            printf("{\"offset\":%llu,\"type\":\"0x%08lx\",\"name\":",
                   (unsigned long long)f.offset, (unsigned long)f.type);
            hcsctl_json_string(stdout, name);
            printf(",\"id\":%llu,\"size\":%lu,\"body\":", (unsigned long long)f.id,
                   (unsigned long)f.size);
            hcsctl_json_string_n(stdout, f.body, f.body_len);
            printf("}\n");
        } else {
            /* one line: control characters and non-UTF-8 bytes escaped */
            printf("%s id=%llu size=%lu ", name, (unsigned long long)f.id,
                   (unsigned long)f.size);
            hcsctl_text_n(stdout, f.body, f.body_len);
            putchar('\n');
        }
        off += used;
    }
    free(input);
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
    int64_t timeout_ms;
    int64_t rpc_timeout_ms; /* 0: the library's default */
    char **cmd;
    int ncmd;
} run_opts;

#ifndef _WIN32
static int terminal_is_raw(void) { return hcsctl_tty_is_raw(); }
#else
static int terminal_is_raw(void) { return 0; }
#endif

/* Bridge logs and errors can quote the guest: its text is untrusted and
 * goes through hcsctl_text (no raw control characters, escape sequences or
 * extra lines reach the terminal). */
static void log_stderr(void *ctx, hcs_gcs_log_level level, const char *msg)
{
    (void)ctx;
    if (level >= HCS_GCS_LOG_WARNING) {
        fputs("hcsctl: gcs: ", stderr);
        hcsctl_text(stderr, msg);
        fputs(terminal_is_raw() ? "\r\n" : "\n", stderr);
    }
}

/* message/detail: the failure's text when it happened on another thread
 * (else this thread's last error). */
static int bridge_fail_text(const char *what, hcs_result hr, const char *message,
                            const char *detail)
{
    fprintf(stderr, "hcsctl: gcs run: %s: ", what);
    hcsctl_text(stderr, message ? message : hcs_strerror(hr));
    fprintf(stderr, " (0x%08lX)\n", (unsigned long)(uint32_t)hr);
    if (detail) {
        fputs("hcsctl: guest error records: ", stderr);
        hcsctl_text(stderr, detail);
        fputc('\n', stderr);
    }
    return HCSCTL_EXIT_BRIDGE;
}

static int bridge_fail(const char *what, hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    return bridge_fail_text(what, hr, e ? e->message : NULL, e ? e->detail : NULL);
}

/* The exit status for COMMAND's exit code (docs/hcsctl.md): the low byte,
 * except that a nonzero code never maps to 0 (256 -> 1), and a Linux
 * guest's 4294967295 (Go's ExitCode() -1: killed by a signal, which the
 * GCS does not name) maps to 137 (128 + SIGKILL), as shells report a
 * killed process. */
static int exit_status(uint32_t code, int linux_guest)
{
    if (code == 0)
        return HCSCTL_EXIT_OK;
    if (linux_guest && code == 0xFFFFFFFFu)
        return 137;
    if ((code & 0xFFu) == 0)
        return HCSCTL_EXIT_FAILED;
    return (int)(code & 0xFFu);
}

/* After an RPC timeout (hcsctl_ctr_give_up). */
static void gave_up_note(const run_opts *o)
{
    fprintf(stderr, "hcsctl: gcs run: the guest stopped answering; giving it up%s\n",
            o->rpc_timeout_ms ? "" : " (--rpc-timeout SECONDS bounds the wait)");
}

/* The container options (gcs_ctr.c) as the parser's CALL options. */
static int ctr_opt(void *ctx, const char *name, const char *value)
{
    return hcsctl_ctr_option((hcsctl_ctr *)ctx, name, value) < 0 ? HCSCTL_EXIT_USAGE : 0;
}

static int gcs_run(hcsctl_ctx *ctx, int argc, char **argv)
{
    run_opts o;
    hcs_gcs_bridge_options cfg;
    hcs_gcs_listener *l = NULL;
    hcs_gcs_bridge *b = NULL;
    hcs_gcs_process *p = NULL;
    hcs_gcs_process_options pc;
    char stdio_addr[4096];
    char *cmdline = NULL;
    uint32_t code = 0;
    hcs_result hr;
    int i, rc = HCSCTL_EXIT_BRIDGE;
    hcsctl_ctr ctr;
    hcsctl_run_result run;
#ifndef _WIN32
    pid_t child = -1;
    tty_state tty;
    ctr_signals csig;
    memset(&csig, 0, sizeof csig);
#  define TTY_END() hcsctl_tty_end(&tty)
    memset(&tty, 0, sizeof tty);
    tty.size_fd = tty.winch[0] = tty.winch[1] = -1;
    (void)pthread_mutex_init(&tty.lock, NULL);
#else
#  define TTY_END() ((void)0)
#endif
    memset(&o, 0, sizeof o);
    memset(&run, 0, sizeof run);
    o.timeout_ms = 120000;
    hcsctl_ctr_init(&ctr);
    {
        hcsctl_opt_list env = {NULL, 0, MAX_ENV};
        const hcsctl_opt t[] = {
            HCSCTL_STRING("--listen", &o.listen),
            HCSCTL_STRING("--spawn", &o.spawn),
            HCSCTL_STRING("--stdio-dir", &o.stdio_dir),
            HCSCTL_CHOICE("--os", &o.os, "linux|windows"),
            HCSCTL_LIST("--env", &env, hcsctl_check_key_value),
            HCSCTL_STRING("--cwd", &o.cwd),
            HCSCTL_SECONDS("--timeout", &o.timeout_ms, 1, 86400),
            HCSCTL_SECONDS("--rpc-timeout", &o.rpc_timeout_ms, 1, 86400),
            HCSCTL_FLAG("--tty", &o.tty),
            HCSCTL_FLAG("--read-only", &ctr.read_only),
            HCSCTL_CALL("--rootfs", ctr_opt),
            HCSCTL_CALL("--layer", ctr_opt),
            HCSCTL_CALL("--scratch", ctr_opt),
            HCSCTL_CALL("--bundle-root", ctr_opt),
            HCSCTL_CALL("--hostname", ctr_opt),
            HCSCTL_CALL("--user", ctr_opt),
            HCSCTL_CALL("--disk", ctr_opt),
            HCSCTL_CALL("--net", ctr_opt),
        };
        hcsctl_args a;
        env.items = o.env;
        memset(&a, 0, sizeof a);
        a.cmd = "gcs run";
        a.help = hcsctl_help_gcs;
        a.opts = t;
        a.nopts = sizeof t / sizeof t[0];
        a.rest = 2;
        a.ctx = &ctr;
        i = hcsctl_opt_parse(&a, argc, argv, 1);
        if (i)
            return i < 0 ? HCSCTL_EXIT_OK : i;
        o.nenv = env.n;
        o.cmd = a.argv_rest;
        o.ncmd = a.nrest;
    }
    if (!o.listen == !o.spawn)
        return hcsctl_usage_error("gcs run: give exactly one of --listen ADDR or --spawn CMD");
    if (o.spawn && !o.stdio_dir)
        return hcsctl_usage_error("gcs run: --spawn needs --stdio-dir DIR for the stdio relays");
    if (!hcsctl_ctr_enabled(&ctr) && (ctr.read_only || ctr.scratch || ctr.hostname || ctr.user))
        return hcsctl_usage_error("gcs run: --read-only, --scratch, --hostname and --user are "
                                  "for containers: add --rootfs DIR or --layer DIR");
    if (ctr.read_only && ctr.scratch)
        return hcsctl_usage_error("gcs run: --read-only has no scratch: drop --scratch");

    hcs_gcs_bridge_options_init(&cfg, HCS_GCS_BRIDGE_OPTIONS_VERSION);
    cfg.os_hint = o.os && strcmp(o.os, "windows") == 0 ? HCS_GCS_OS_WINDOWS : HCS_GCS_OS_LINUX;
    cfg.accept_timeout_ms = o.timeout_ms;
    if (o.rpc_timeout_ms) {
        /* every wait for the guest's answer, not COMMAND's run time */
        cfg.rpc_timeout_ms = o.rpc_timeout_ms;
        if (cfg.stdio_timeout_ms > cfg.rpc_timeout_ms)
            cfg.stdio_timeout_ms = cfg.rpc_timeout_ms;
        if (ctr.exit_wait_ms > cfg.rpc_timeout_ms)
            ctr.exit_wait_ms = cfg.rpc_timeout_ms;
    }
    cfg.log = log_stderr;
    if (o.stdio_dir) {
        snprintf(stdio_addr, sizeof stdio_addr, "unix:%s", o.stdio_dir);
        cfg.stdio_address = stdio_addr;
    }

#ifndef _WIN32
    if (hcsctl_ctr_enabled(&ctr)) /* before the bridge starts threads */
        hcsctl_ctr_signals_start(&csig);
    if (o.tty) /* before the bridge starts threads */
        hcsctl_tty_prepare(&tty);
#endif
    if (o.listen) {
        hr = hcs_gcs_listen(o.listen, &cfg, &l);
        if (hr == HCS_ERR_INVALIDARG) { /* a malformed address */
            TTY_END();
            return hcsctl_usage_error("gcs run: %s", hcs_error_last()->message);
        }
        if (HCS_FAILED(hr)) {
            TTY_END();
            return bridge_fail("listen", hr);
        }
        hr = hcs_gcs_accept(l, &b);
        hcs_gcs_listener_close(l);
        if (HCS_FAILED(hr)) {
            TTY_END();
            return bridge_fail("connect", hr);
        }
    } else {
#ifdef _WIN32
        return hcsctl_usage_error("gcs run: --spawn is not supported on Windows "
                                  "(use --listen hvsock:VMID)");
#else
        int rd = -1, wr = -1;
        if (hcsctl_spawn_guest(o.spawn, &child, &rd, &wr) != 0) {
            TTY_END();
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

    /* what the host would have hot-added: disks and adapters, before
     * anything runs */
    hr = hcsctl_attach_add(&ctr.attach, b);
    if (HCS_FAILED(hr)) {
        TTY_END();
        if (hcsctl_ctr_give_up(&ctr, b, hr))
            gave_up_note(&o);
        goto done;
    }

    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    o.env[o.nenv] = NULL;
    o.cmd[o.ncmd] = NULL; /* in bounds: main only compacts argv */
    if (hcsctl_ctr_enabled(&ctr)) {
        /* COMMAND is the container's init: argv, env, cwd, user and the
         * terminal live in its OCI spec; the init start names only the
         * container and the stdio. */
        if (o.tty) {
            pc.tty = 1;
#ifndef _WIN32
            hcsctl_tty_begin(&tty, &pc);
#endif
        }
        hr = hcsctl_ctr_setup(&ctr, b, o.cmd, o.nenv ? o.env : NULL, o.cwd, o.tty,
                              pc.tty_height, pc.tty_width);
        if (HCS_FAILED(hr)) {
            TTY_END();
            if (ctr.gave_up)
                gave_up_note(&o);
            rc = HCSCTL_EXIT_BRIDGE;
            goto done;
        }
#ifndef _WIN32
        hcsctl_ctr_signals_arm(&csig, b, ctr.id);
        if (hcsctl_ctr_signals_caught(&csig))
            goto done; /* a signal during the set-up: nothing runs */
#endif
        pc.container_id = ctr.id;
        pc.tty = o.tty;
        pc.tty_height = pc.tty_width = 0;
        pc.use_stdin = pc.use_stdout = pc.use_stderr = 1;
        goto start;
    }
    if (hcs_gcs_bridge_os(b) == HCS_GCS_OS_WINDOWS) {
        cmdline = hcsctl_windows_command_line(o.cmd, o.ncmd);
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
        hcsctl_tty_begin(&tty, &pc);
#endif
    }
start:
    hr = hcs_gcs_process_start(b, &pc, &p);
    if (HCS_FAILED(hr)) {
        TTY_END();
        rc = bridge_fail("start COMMAND", hr);
        /* a guest that stopped answering is not waited for again */
        if (hcsctl_ctr_give_up(&ctr, b, hr))
            gave_up_note(&o);
        goto done;
    }
#ifndef _WIN32
    if (o.tty)
        hcsctl_tty_follow(&tty, p, b);
#endif
#ifdef _WIN32
    hcsctl_relay_and_wait(p, (hcs_os_handle)GetStdHandle(STD_INPUT_HANDLE),
                          (hcs_os_handle)GetStdHandle(STD_OUTPUT_HANDLE),
                          (hcs_os_handle)GetStdHandle(STD_ERROR_HANDLE), HCSCTL_OUTPUT_GRACE_MS,
                          &run);
#else
    fflush(stdout);
    hcsctl_relay_and_wait(p, 0, 1, 2, HCSCTL_OUTPUT_GRACE_MS, &run);
#endif
    TTY_END(); /* before anything more is printed */
    if (HCS_FAILED(run.relay_hr)) {
        rc = bridge_fail("relay", run.relay_hr);
        goto done;
    }
    if (HCS_FAILED(run.wait_hr)) {
        rc = bridge_fail_text("wait", run.wait_hr, run.wait_message, run.wait_detail);
        goto done;
    }
    code = run.exit_code;
    if (run.output_cut)
        fprintf(stderr, "hcsctl: gcs run: COMMAND exited; its output was still open %u ms "
                        "later (held by a process it left running?) and was no longer "
                        "relayed\n",
                HCSCTL_OUTPUT_GRACE_MS);
    rc = exit_status(code, hcs_gcs_bridge_os(b) != HCS_GCS_OS_WINDOWS);
    if (ctx->json)
        fprintf(stderr, "{\"exit_code\":%lu,\"pid\":%lu,\"guest_os\":\"%s\"}\n",
                (unsigned long)code, (unsigned long)hcs_gcs_process_pid(p),
                hcs_gcs_bridge_os(b) == HCS_GCS_OS_WINDOWS ? "windows" : "linux");
done:
    TTY_END();
    hcsctl_run_result_free(&run);
    hcs_gcs_process_close(p);
    hcsctl_ctr_teardown(&ctr);
    if (b && !ctr.gave_up)
        hcsctl_attach_remove(&ctr.attach, b); /* after the container left them */
#ifndef _WIN32
    if (hcsctl_ctr_enabled(&ctr)) {
        int sig = hcsctl_ctr_signals_caught(&csig);
        hcsctl_ctr_signals_stop(&csig);
        if (sig) {
            fprintf(stderr, "hcsctl: gcs run: stopped by signal %d; the container was torn "
                            "down\n", sig);
            rc = 128 + sig;
        }
    }
#endif
    hcs_gcs_bridge_close(b);
    free(cmdline);
#ifndef _WIN32
    if (child > 0)
        hcsctl_stop_guest(child); /* it saw EOF on its bridge */
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
