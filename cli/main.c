/* hcsctl: one CLI over libhcs. Dispatch, global options, shared helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
    {"version", "print the hcsctl and libhcs versions", hcsctl_cmd_version,
     hcsctl_help_version},
};

#define NCOMMANDS (sizeof(g_commands) / sizeof(g_commands[0]))

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
    fprintf(stderr, "hcsctl: %s: %s (0x%08lX)\n", what,
            e ? e->message : hcs_strerror(hr), (unsigned long)(uint32_t)hr);
    return HCSCTL_EXIT_FAILED;
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

void hcsctl_json_string(FILE *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    for (; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

int hcsctl_cmd_version(hcsctl_ctx *ctx, int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        if (hcsctl_is_help(argv[i])) {
            hcsctl_help_version(stdout);
            return HCSCTL_EXIT_OK;
        }
        return hcsctl_usage_error("version: unexpected argument \"%s\"", argv[i]);
    }
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

int main(int argc, char **argv)
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
        if (i + 1 < argc) {
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
