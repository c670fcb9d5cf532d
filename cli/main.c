/* hcsctl: one CLI over libhcs. Dispatch, global options, shared helpers. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "opt.h"

#ifdef _WIN32
#  include <fcntl.h>
#  include <io.h>
#  include <windows.h>
#endif

hcs_os_handle hcsctl_std_handle(int fd)
{
#ifdef _WIN32
    static const DWORD ids[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    return fd >= 0 && fd < 3 ? (hcs_os_handle)GetStdHandle(ids[fd]) : HCS_OS_HANDLE_NONE;
#else
    return (hcs_os_handle)fd;
#endif
}

static int cmd_system(hcsctl_ctx *ctx, int argc, char **argv);
static void help_system(FILE *out);

static const hcsctl_command g_commands[] = {
    {"hresult", "decode HRESULT codes (hex, decimal, negative decimal, names)",
     hcsctl_cmd_hresult, hcsctl_help_hresult},
    {"gcs", "GCS bridge: run a command in a utility VM, decode frames",
     hcsctl_cmd_gcs, hcsctl_help_gcs},
    {"schema", "validate HCS/HCN documents offline; show and list schema types",
     hcsctl_cmd_schema, hcsctl_help_schema},
    {"list", "list compute systems (Windows)", hcsctl_cmd_list, hcsctl_help_list},
    {"props", "print a compute system's properties (Windows)", hcsctl_cmd_props,
     hcsctl_help_props},
    {"create", "create a compute system from a JSON document (Windows)",
     hcsctl_cmd_create, hcsctl_help_create},
    {"start", "start a compute system (Windows)", hcsctl_cmd_start, hcsctl_help_start},
    {"shutdown", "shut a compute system down and wait for it (Windows)",
     hcsctl_cmd_shutdown, hcsctl_help_shutdown},
    {"terminate", "terminate a compute system (Windows)", hcsctl_cmd_terminate,
     hcsctl_help_terminate},
    {"kill", "terminate a compute system, as hcsdiag kill (Windows)", hcsctl_cmd_kill,
     hcsctl_help_kill},
    {"pause", "pause a compute system (Windows)", hcsctl_cmd_pause, hcsctl_help_pause},
    {"resume", "resume a compute system (Windows)", hcsctl_cmd_resume, hcsctl_help_resume},
    {"crash", "crash a compute system (Windows)", hcsctl_cmd_crash, hcsctl_help_crash},
    {"save", "save a compute system's state to a file (Windows)", hcsctl_cmd_save,
     hcsctl_help_save},
    {"modify", "send a ModifySettingRequest to a compute system (Windows)",
     hcsctl_cmd_modify, hcsctl_help_modify},
    {"wait", "wait for a compute system to exit (Windows)", hcsctl_cmd_wait,
     hcsctl_help_wait},
    {"events", "stream a compute system's events (Windows)", hcsctl_cmd_events,
     hcsctl_help_events},
    {"exec", "run a process in a compute system with stdio relayed (Windows)",
     hcsctl_cmd_exec, hcsctl_help_exec},
    {"features", "show which computecore.dll functions this Windows exports",
     hcsctl_cmd_features, hcsctl_help_features},
    {"uvm", "boot a utility VM through HCS and run a command over the GCS (Windows)",
     hcsctl_cmd_uvm, hcsctl_help_uvm},
    {"net", "HCN networks: list, show, create, delete (Windows)", hcsctl_cmd_net,
     hcsctl_help_net},
    {"endpoint", "HCN endpoints: list, show, create, delete (Windows)", hcsctl_cmd_endpoint,
     hcsctl_help_endpoint},
    {"namespace", "HCN namespaces: list, show, create, delete, add/remove endpoints (Windows)",
     hcsctl_cmd_namespace, hcsctl_help_namespace},
    {"lb", "HCN load balancers: list, show, create, delete (Windows)", hcsctl_cmd_lb,
     hcsctl_help_lb},
    {"layer", "container layers: import, export, destroy, setup-base, ... (Windows)",
     hcsctl_cmd_layer, hcsctl_help_layer},
    {"system", "compute systems as a group: hcsctl system VERB (the verbs above)",
     cmd_system, help_system},
    {"version", "print the hcsctl and libhcs versions", hcsctl_cmd_version,
     hcsctl_help_version},
};

#define NCOMMANDS (sizeof(g_commands) / sizeof(g_commands[0]))

/* The compute-system verbs the "system" group gathers. */
static const char *const g_system_verbs[] = {
    "list", "props", "create", "start", "shutdown", "terminate", "kill", "pause",
    "resume", "crash", "save", "modify", "wait", "events", "exec"};

static const hcsctl_command *system_verb(const char *name)
{
    size_t i, c;
    for (i = 0; i < sizeof g_system_verbs / sizeof g_system_verbs[0]; i++) {
        if (strcmp(name, g_system_verbs[i]) != 0)
            continue;
        for (c = 0; c < NCOMMANDS; c++)
            if (strcmp(g_commands[c].name, name) == 0)
                return &g_commands[c];
    }
    return NULL;
}

static void help_system(FILE *out)
{
    size_t i;
    fprintf(out, "usage: hcsctl system VERB [ARGS...]\n"
                 "       hcsctl system VERB --help\n\n"
                 "Compute systems (Windows). Each verb is also a command of its own\n"
                 "(hcsctl list == hcsctl system list):\n");
    for (i = 0; i < sizeof g_system_verbs / sizeof g_system_verbs[0]; i++) {
        const hcsctl_command *c = system_verb(g_system_verbs[i]);
        if (c)
            fprintf(out, "  %-10s %s\n", c->name, c->summary);
    }
}

static int cmd_system(hcsctl_ctx *ctx, int argc, char **argv)
{
    const hcsctl_command *c;
    if (argc < 2) {
        help_system(stderr);
        return hcsctl_usage_error("system: a verb is required");
    }
    if (hcsctl_is_help(argv[1])) {
        help_system(stdout);
        return HCSCTL_EXIT_OK;
    }
    c = system_verb(argv[1]);
    if (!c) {
        help_system(stderr);
        return hcsctl_usage_error("system: unknown verb \"%s\"", argv[1]);
    }
    return c->run(ctx, argc - 1, argv + 1);
}

static void usage(FILE *out)
{
    size_t i;
    fprintf(out,
            "usage: hcsctl [--json] COMMAND [ARGS...]\n"
            "       hcsctl COMMAND --help\n\n"
            "Commands:\n");
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", g_commands[i].name, g_commands[i].summary);
    fprintf(out,
            "\nGlobal options:\n"
            "  --json     machine-readable output (one JSON object per line)\n"
            "  -h, --help show this help\n\n"
            "Exit codes: 0 success, 1 operation failed, 2 usage error or "
            "malformed input.\n");
}

int hcsctl_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int hcsctl_fail(const char *what, hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    /* the message can quote HCS, HCN or a guest: one line, escaped */
    fprintf(stderr, "hcsctl: %s: ", what);
    hcsctl_text(stderr, e ? e->message : hcs_strerror(hr));
    fprintf(stderr, " (0x%08lX)\n", (unsigned long)(uint32_t)hr);
    return HCSCTL_EXIT_FAILED;
}

int hcsctl_fail_detail(const hcsctl_ctx *ctx, const char *label, const char *what,
                       hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    const char *detail = e ? e->detail : NULL;
    int rc = hcsctl_fail(what, hr);
    if (ctx->json && detail) {
        fprintf(stderr, "hcsctl: %s: %s: ", what, label);
        hcsctl_text(stderr, detail);
        fputc('\n', stderr);
    }
    return rc;
}

int hcsctl_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("hcsctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    return HCSCTL_EXIT_USAGE;
}

/* "hcsctl: WHAT: <verb> "PATH": <reason>" (stdin for "-"). */
static int input_error(const char *what, const char *verb, const char *path, int err)
{
    fprintf(stderr, "hcsctl: %s: %s ", what, verb);
    if (strcmp(path, "-") == 0)
        fputs("stdin", stderr);
    else
        fprintf(stderr, "\"%s\"", path);
    fprintf(stderr, ": %s\n", err ? strerror(err) : "read error");
    return HCSCTL_EXIT_USAGE;
}

int hcsctl_read_input(const char *what, const char *path, size_t max, char **data,
                      size_t *len)
{
    FILE *fp;
    size_t cap = 65536, n = 0;
    char *buf;
    struct stat st;
    int err;
    *data = NULL;
    *len = 0;
    if (strcmp(path, "-") == 0) {
#ifdef _WIN32
        _setmode(_fileno(stdin), _O_BINARY);
#endif
        fp = stdin;
    } else {
        errno = 0;
        fp = fopen(path, "rb");
        if (!fp)
            return input_error(what, "cannot open", path, errno);
    }
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        if (fp != stdin)
            fclose(fp);
        if (strcmp(path, "-") == 0)
            fprintf(stderr, "hcsctl: %s: stdin is a directory\n", what);
        else
            fprintf(stderr, "hcsctl: %s: \"%s\" is a directory\n", what, path);
        return HCSCTL_EXIT_USAGE;
    }
    if (cap > max)
        cap = max;
    buf = (char *)malloc(cap + 1);
    while (buf) {
        size_t want, got;
        if (n == cap) {
            size_t ncap = cap > max / 2 ? max : cap * 2;
            char *nb;
            if (cap >= max)
                break; /* the caller decides what "more than max" means */
            nb = (char *)realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        want = cap - n;
        errno = 0;
        got = fread(buf + n, 1, want, fp);
        n += got;
        if (got < want)
            break; /* end of input or an error */
    }
    err = errno;
    if (buf && ferror(fp)) {
        free(buf);
        if (fp != stdin)
            fclose(fp);
        return input_error(what, "cannot read", path, err);
    }
    if (fp != stdin)
        fclose(fp);
    if (!buf)
        return input_error(what, "cannot read", path, ENOMEM);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return HCSCTL_EXIT_OK;
}

int hcsctl_cmd_version(hcsctl_ctx *ctx, int argc, char **argv)
{
    hcsctl_args pa;
    int rc;
    hcsctl_args_init(&pa, "version", hcsctl_help_version, NULL, 0);
    rc = hcsctl_opt_parse(&pa, argc, argv, 1);
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    if (ctx->json)
        printf("{\"hcsctl\":\"%s\",\"libhcs\":\"%s\"}\n", HCS_VERSION_STRING,
               hcs_version());
    else
        printf("hcsctl %s (libhcs %s)\n", HCS_VERSION_STRING, hcs_version());
    return HCSCTL_EXIT_OK;
}

void hcsctl_help_version(FILE *out)
{
    fprintf(out, "usage: hcsctl [--json] version\n\n"
                 "Prints the hcsctl and libhcs versions.\n");
}

static int dispatch(int argc, char **argv)
{
    hcsctl_ctx ctx;
    int i = 1;
    size_t c;
    memset(&ctx, 0, sizeof ctx);
    ctx.prog = "hcsctl";
    /* Global options come before the command; --json is also accepted
     * anywhere after it (each command strips it). */
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            ctx.json = 1;
        } else if (hcsctl_is_help(argv[i])) {
            usage(stdout);
            return HCSCTL_EXIT_OK;
        } else {
            usage(stderr);
            return hcsctl_usage_error("unknown option \"%s\"", argv[i]);
        }
    }
    if (i >= argc) {
        usage(stderr);
        return HCSCTL_EXIT_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) {
        if (i + 1 < argc && !hcsctl_is_help(argv[i + 1])) {
            for (c = 0; c < NCOMMANDS; c++)
                if (strcmp(argv[i + 1], g_commands[c].name) == 0) {
                    g_commands[c].help(stdout);
                    return HCSCTL_EXIT_OK;
                }
            return hcsctl_usage_error("help: unknown command \"%s\"", argv[i + 1]);
        }
        usage(stdout);
        return HCSCTL_EXIT_OK;
    }
    for (c = 0; c < NCOMMANDS; c++) {
        if (strcmp(argv[i], g_commands[c].name) == 0) {
            int j, k = 0;
            /* strip a --json that follows the command name (before "--") */
            for (j = i; j < argc; j++) {
                if (strcmp(argv[j], "--") == 0) {
                    for (; j < argc; j++)
                        argv[i + k++] = argv[j];
                    break;
                }
                if (strcmp(argv[j], "--json") == 0)
                    ctx.json = 1;
                else
                    argv[i + k++] = argv[j];
            }
            return g_commands[c].run(&ctx, k, argv + i);
        }
    }
    usage(stderr);
    return hcsctl_usage_error("unknown command \"%s\"", argv[i]);
}

int main(int argc, char **argv)
{
    int rc = dispatch(argc, argv);
    /* Output that cannot be written is a failure, not a silent success
     * (a full disk, a closed pipe); flushed here, before the library's and
     * the runtime's own exit work runs. */
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "hcsctl: cannot write the output: %s\n",
                errno ? strerror(errno) : "write error");
        if (rc == HCSCTL_EXIT_OK)
            rc = HCSCTL_EXIT_FAILED;
    }
    return rc;
}
