/* hcsctl's compute-system commands (hcsdiag parity and more): list, props,
 * create, start, shutdown, terminate/kill, pause, resume, crash, save,
 * modify, wait, events, exec, features. Thin layer over hcs/compute.h.
 * Outside Windows every command prints libhcs's "only available on
 * Windows" error and exits 1 (usage errors still exit 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"
#include "hcs/schema_types.h"


/* ---- help ---- */

typedef struct cc_help {
    const char *name;
    const char *usage;
    const char *text;
} cc_help;

static const cc_help k_help[] = {
    {"list", "list [--json] [--query JSON]",
     "Lists the compute systems (HcsEnumerateComputeSystems): id, type, state,\n"
     "owner. --json prints HCS's JSON array as is. A failed enumeration is an\n"
     "error (exit 1), never an empty list.\n"},
    {"props", "props ID [--query JSON] [--timeout SECONDS]",
     "Prints the properties document of compute system ID\n"
     "(HcsGetComputeSystemProperties), e.g. --query '{\"PropertyTypes\":[\"Memory\"]}'.\n"},
    {"create", "create ID FILE|- [--timeout SECONDS]",
     "Creates compute system ID from an HCS schema v2 ComputeSystem document\n"
     "read from FILE (or stdin with -). The system stays created (not started)\n"
     "after hcsctl exits unless the document says ShouldTerminateOnLastHandleClosed.\n"},
    {"start", "start ID [--options JSON] [--timeout SECONDS]", "Starts compute system ID.\n"},
    {"shutdown", "shutdown ID [--options JSON] [--timeout SECONDS]",
     "Asks compute system ID to shut down and waits until it exited (default\n"
     "240 s). A system that had already stopped is success.\n"},
    {"terminate", "terminate ID [--timeout SECONDS]",
     "Terminates compute system ID (HcsTerminateComputeSystem). A system that\n"
     "had already stopped is success.\n"},
    {"kill", "kill ID [--timeout SECONDS]", "Same as terminate (hcsdiag kill).\n"},
    {"pause", "pause ID [--options JSON] [--timeout SECONDS]", "Pauses compute system ID.\n"},
    {"resume", "resume ID [--options JSON] [--timeout SECONDS]",
     "Resumes compute system ID.\n"},
    {"crash", "crash ID [--options JSON] [--timeout SECONDS]",
     "Crashes compute system ID (HcsCrashComputeSystem; guest crash dump).\n"},
    {"save", "save ID PATH [--timeout SECONDS]",
     "Saves the state of compute system ID to PATH\n"
     "(SaveOptions {\"SaveType\":\"ToFile\",\"SaveStateFilePath\":PATH}); pause it first.\n"},
    {"modify", "modify ID FILE|- [--timeout SECONDS]",
     "Sends a ModifySettingRequest read from FILE (or stdin) to compute system ID.\n"},
    {"wait", "wait ID [--timeout SECONDS]",
     "Waits until compute system ID exits (default: forever) and prints its\n"
     "SystemExitStatus document. Exit 1 on timeout.\n"},
    {"events", "events ID [--json] [--lifecycle] [--timeout SECONDS]",
     "Streams the events of compute system ID, one per line (type, data), until\n"
     "the system exits or the service disconnects (or --timeout without events).\n"
     "--lifecycle also asks for the VM lifecycle event group (newer builds).\n"},
    {"exec", "exec ID [--tty] [--user U] [--cwd DIR] [--env K=V]... -- CMD [ARGS...]",
     "Runs CMD in compute system ID (HcsCreateProcess) with hcsctl's stdin,\n"
     "stdout and stderr relayed, and exits with CMD's exit code. --tty asks for\n"
     "a console (stderr merges into stdout).\n"},
    {"features", "features [--json]",
     "Prints which computecore.dll functions this Windows build exports (the\n"
     "loader's table: 59 SDK functions + HcsCancelLiveMigration).\n"},
};

static void help_for(const char *name, FILE *out)
{
    size_t i;
    for (i = 0; i < sizeof k_help / sizeof k_help[0]; i++) {
        if (strcmp(k_help[i].name, name) == 0) {
            fprintf(out, "usage: hcsctl [--json] %s\n\n%s\n", k_help[i].usage, k_help[i].text);
            fprintf(out, "Windows only: elsewhere the command prints \"the Host Compute "
                         "Service is only\navailable on Windows\" and exits 1.\n"
                         "Exit codes: 0 success, 1 the operation failed (the message "
                         "names the\nHRESULT, HCS's ErrorMessage and error events), "
                         "2 usage error.\n");
            return;
        }
    }
}

#define HELP_FN(n)                                                                 \
    void hcsctl_help_##n(FILE *out) { help_for(#n, out); }
HELP_FN(list)
HELP_FN(props)
HELP_FN(create)
HELP_FN(start)
HELP_FN(shutdown)
HELP_FN(terminate)
HELP_FN(kill)
HELP_FN(pause)
HELP_FN(resume)
HELP_FN(crash)
HELP_FN(save)
HELP_FN(modify)
HELP_FN(wait)
HELP_FN(events)
HELP_FN(exec)
HELP_FN(features)

/* ---- options ---- */

#define MAX_ENV 256

typedef struct opts {
    const char *name; /* the command */
    const char *pos[2];
    int npos;
    int64_t timeout_ms; /* HCS_TIMEOUT_DEFAULT unless given */
    int timeout_given;
    const char *options;
    const char *query;
    const char *user;
    const char *cwd;
    const char *env[MAX_ENV];
    int nenv;
    int tty;
    int lifecycle;
    char **cmd;
    int ncmd;
} opts;

/* Flags each command accepts. */
enum { O_TIMEOUT = 1, O_OPTIONS = 2, O_QUERY = 4, O_EXEC = 8, O_LIFECYCLE = 16 };

/* Parses argv[1..]: npos positional arguments and the allowed options.
 * Returns -1 when help was printed (exit 0), 0 when parsed, else the usage
 * exit code. */
static void help_current(FILE *out);
static const char *g_help_name;
static void help_current(FILE *out) { help_for(g_help_name, out); }

static int parse(const char *name, int argc, char **argv, int npos, unsigned allowed,
                 opts *o)
{
    hcsctl_opt_list env = {NULL, 0, MAX_ENV};
    /* every option of the compute commands, and which commands have it */
    const hcsctl_opt all[] = {
        HCSCTL_SECONDS("--timeout", &o->timeout_ms, 0, 86400.0 * 365),
        HCSCTL_STRING("--options", &o->options),
        HCSCTL_STRING("--query", &o->query),
        HCSCTL_FLAG("--lifecycle", &o->lifecycle),
        HCSCTL_STRING("--user", &o->user),
        HCSCTL_STRING("--cwd", &o->cwd),
        HCSCTL_LIST("--env", &env, hcsctl_check_key_value),
        HCSCTL_FLAG("--tty", &o->tty),
    };
    static const unsigned which[] = {O_TIMEOUT, O_OPTIONS, O_QUERY, O_LIFECYCLE,
                                     O_EXEC,    O_EXEC,    O_EXEC,  O_EXEC};
    hcsctl_opt t[sizeof all / sizeof all[0]];
    hcsctl_args a;
    size_t i, n = 0;
    int rc;
    memset(o, 0, sizeof *o);
    o->name = name;
    o->timeout_ms = HCS_TIMEOUT_DEFAULT;
    env.items = o->env;
    for (i = 0; i < sizeof all / sizeof all[0]; i++)
        if (allowed & which[i])
            t[n++] = all[i];
    g_help_name = name;
    hcsctl_args_init(&a, name, help_current, t, n);
    a.min_pos = a.max_pos = npos;
    a.pos_names = "ID argument";
    a.rest = (allowed & O_EXEC) ? 2 : 0;
    a.rest_names = "CMD [ARGS...]";
    rc = hcsctl_opt_parse(&a, argc, argv, 1);
    if (rc)
        return rc;
    o->timeout_given = o->timeout_ms != HCS_TIMEOUT_DEFAULT;
    o->pos[0] = a.npos > 0 ? a.pos[0] : NULL;
    o->pos[1] = a.npos > 1 ? a.pos[1] : NULL;
    o->npos = a.npos;
    o->nenv = env.n;
    o->cmd = a.argv_rest;
    o->ncmd = a.nrest;
    return 0;
}

/* Growable string for building JSON. */
typedef struct sbuf {
    char *d;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 256) + len;
        char *nd = (char *)realloc(b->d, nc);
        if (!nd) {
            b->oom = 1;
            return;
        }
        b->d = nd;
        b->cap = nc;
    }
    memcpy(b->d + b->n, s, len);
    b->n += len;
    b->d[b->n] = 0;
}

static void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_json_string(sbuf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    sb_put(b, "\"", 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[7];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            sb_put(b, esc, 2);
        } else if (c < 0x20) {
            esc[0] = '\\';
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            sb_put(b, esc, 6);
        } else {
            sb_put(b, (const char *)&s[i], 1);
        }
    }
    sb_put(b, "\"", 1);
}

/* ---- list ---- */

/* Splits a JSON array into its elements: calls fn(element, len) for each.
 * Returns 0, or -1 when text is not an array. */
static int each_element(const char *text, void (*fn)(const char *, size_t, void *), void *arg)
{
    const char *p = text, *start = NULL;
    int depth = 0, in_str = 0;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (*p != '[')
        return -1;
    for (p++; *p; p++) {
        char c = *p;
        if (in_str) {
            if (c == '\\' && p[1])
                p++;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (!start && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',' &&
            c != ']')
            start = p;
        if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        } else if ((c == ',' || c == ']') && depth == 0) {
            if (start)
                fn(start, (size_t)(p - start), arg);
            start = NULL;
            if (c == ']')
                return 0;
        }
    }
    return -1;
}

static const char *enum_text(hcs_schema_type_id type, const hcs_schema_enum *e)
{
    const char *s;
    if (!e->set)
        return "-";
    if (e->raw)
        return e->raw;
    s = hcs_schema_enum_to_string(type, e->v);
    return s ? s : "?";
}

static void print_system(const char *el, size_t len, void *arg)
{
    hcs_s2_ComputeSystemProperties p;
    int *n = (int *)arg;
    if (HCS_FAILED(hcs_schema_decode(HCS_SCHEMA_S2_ComputeSystemProperties, el, len, 0, &p))) {
        hcs_error_clear();
        printf("%.*s\n", (int)len, el);
        return;
    }
    if (*n == 0)
        printf("%-38s %-16s %-9s %s\n", "ID", "TYPE", "STATE", "OWNER");
    printf("%-38s %-16s %-9s %s\n", p.Id ? p.Id : "-",
           enum_text(HCS_SCHEMA_S2_SystemType, &p.SystemType),
           enum_text(HCS_SCHEMA_S2_State, &p.State), p.Owner ? p.Owner : "-");
    hcs_schema_free_members(HCS_SCHEMA_S2_ComputeSystemProperties, &p);
    (*n)++;
}

int hcsctl_cmd_list(hcsctl_ctx *ctx, int argc, char **argv)
{
    opts o;
    char *json = NULL;
    hcs_result hr;
    int rc = parse("list", argc, argv, 0, O_QUERY | O_TIMEOUT, &o), n = 0;
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    hr = hcs_compute_enumerate(o.query, o.timeout_ms, &json);
    if (HCS_FAILED(hr))
        return hcsctl_fail_detail(ctx, "result document", "list", hr);
    if (ctx->json) {
        printf("%s\n", json);
    } else if (each_element(json, print_system, &n) != 0) {
        hcs_free(json);
        return hcsctl_fail("list: HCS returned something that is not a JSON array",
                           HCS_ERR_INVALID_JSON);
    } else if (n == 0) {
        printf("no compute systems\n");
    }
    hcs_free(json);
    return HCSCTL_EXIT_OK;
}

/* ---- one-system commands ---- */

static int open_system(hcsctl_ctx *ctx, const char *cmd, const char *id, hcs_system **s)
{
    hcs_result hr = hcs_compute_system_open(id, s);
    if (HCS_FAILED(hr))
        return hcsctl_fail_detail(ctx, "result document", cmd, hr);
    return HCSCTL_EXIT_OK;
}

int hcsctl_cmd_props(hcsctl_ctx *ctx, int argc, char **argv)
{
    opts o;
    hcs_system *s = NULL;
    char *json = NULL;
    hcs_result hr;
    int rc = parse("props", argc, argv, 1, O_QUERY | O_TIMEOUT, &o);
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    if ((rc = open_system(ctx, "props", o.pos[0], &s)) != 0)
        return rc;
    hr = hcs_compute_system_properties(s, o.query, o.timeout_ms, &json);
    hcs_compute_system_close(s);
    if (HCS_FAILED(hr))
        return hcsctl_fail_detail(ctx, "result document", "props", hr);
    printf("%s\n", json ? json : "{}");
    hcs_free(json);
    return HCSCTL_EXIT_OK;
}

/* FILE or stdin ("-"), at most 64 MiB (HCS documents are small). */
static int read_doc(const char *what, const char *path, char **doc)
{
    const size_t max = (size_t)64 << 20;
    size_t len = 0;
    int rc = hcsctl_read_input(what, path, max + 1, doc, &len);
    if (rc == 0 && len > max) {
        free(*doc);
        *doc = NULL;
        return hcsctl_usage_error("%s: \"%s\" is larger than 64 MiB", what, path);
    }
    return rc;
}

int hcsctl_cmd_create(hcsctl_ctx *ctx, int argc, char **argv)
{
    opts o;
    hcs_system *s = NULL;
    char *doc;
    hcs_result hr;
    int rc = parse("create", argc, argv, 2, O_TIMEOUT, &o);
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    rc = read_doc("create", o.pos[1], &doc);
    if (rc)
        return rc;
    hr = hcs_compute_system_create(o.pos[0], doc, o.timeout_ms, &s);
    free(doc);
    if (HCS_FAILED(hr))
        return hcsctl_fail_detail(ctx, "result document", "create", hr);
    if (ctx->json) {
        printf("{\"id\":");
        hcsctl_json_string(stdout, hcs_compute_system_id(s));
        printf(",\"created\":true}\n");
    } else {
        printf("%s\n", hcs_compute_system_id(s));
    }
    hcs_compute_system_close(s);
    return HCSCTL_EXIT_OK;
}

int hcsctl_cmd_modify(hcsctl_ctx *ctx, int argc, char **argv)
{
    opts o;
    hcs_system *s = NULL;
    char *doc;
    hcs_result hr;
    int rc = parse("modify", argc, argv, 2, O_TIMEOUT, &o);
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    rc = read_doc("modify", o.pos[1], &doc);
    if (rc)
        return rc;
    rc = open_system(ctx, "modify", o.pos[0], &s);
    if (rc == 0) {
        hr = hcs_compute_system_modify(s, doc, HCS_OS_HANDLE_NONE, o.timeout_ms);
        hcs_compute_system_close(s);
        if (HCS_FAILED(hr))
            rc = hcsctl_fail_detail(ctx, "result document", "modify", hr);
    }
    free(doc);
    return rc;
}

typedef hcs_result (*verb_fn)(hcs_system *, const char *, int64_t);

static int simple_verb(hcsctl_ctx *ctx, const char *name, int argc, char **argv,
                       unsigned allowed, verb_fn fn, const char *done)
{
    opts o;
    hcs_system *s = NULL;
    hcs_result hr;
    int rc = parse(name, argc, argv, 1, allowed, &o);
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    if ((rc = open_system(ctx, name, o.pos[0], &s)) != 0)
        return rc;
    hr = fn(s, o.options, o.timeout_ms);
    hcs_compute_system_close(s);
    if (HCS_FAILED(hr))
        return hcsctl_fail_detail(ctx, "result document", name, hr);
    if (ctx->json) {
        printf("{\"id\":");
        hcsctl_json_string(stdout, o.pos[0]);
        printf(",\"result\":\"%s\"}\n", hr == HCS_ERR_S_FALSE ? "already stopped" : done);
    } else
        printf("%s: %s\n", o.pos[0], hr == HCS_ERR_S_FALSE ? "already stopped" : done);
    return HCSCTL_EXIT_OK;
}

int hcsctl_cmd_start(hcsctl_ctx *ctx, int argc, char **argv)
{
    return simple_verb(ctx, "start", argc, argv, O_OPTIONS | O_TIMEOUT, hcs_compute_system_start,
                       "started");
}

int hcsctl_cmd_pause(hcsctl_ctx *ctx, int argc, char **argv)
{
    return simple_verb(ctx, "pause", argc, argv, O_OPTIONS | O_TIMEOUT, hcs_compute_system_pause,
                       "paused");
}

int hcsctl_cmd_resume(hcsctl_ctx *ctx, int argc, char **argv)
{
    return simple_verb(ctx, "resume", argc, argv, O_OPTIONS | O_TIMEOUT, hcs_compute_system_resume,
                       "resumed");
}

int hcsctl_cmd_crash(hcsctl_ctx *ctx, int argc, char **argv)
{
    return simple_verb(ctx, "crash", argc, argv, O_OPTIONS | O_TIMEOUT, hcs_compute_system_crash,
                       "crash requested");
}

int hcsctl_cmd_terminate(hcsctl_ctx *ctx, int argc, char **argv)
{
    return simple_verb(ctx, "terminate", argc, argv, O_TIMEOUT, hcs_compute_system_terminate,
                       "terminated");
}

int hcsctl_cmd_kill(hcsctl_ctx *ctx, int argc, char **argv)
{
    return simple_verb(ctx, "kill", argc, argv, O_TIMEOUT, hcs_compute_system_terminate,
                       "terminated");
}

int hcsctl_cmd_shutdown(hcsctl_ctx *ctx, int argc, char **argv)
{
    opts o;
    hcs_system *s = NULL;
    hcs_result hr;
    int rc = parse("shutdown", argc, argv, 1, O_OPTIONS | O_TIMEOUT, &o);
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    if ((rc = open_system(ctx, "shutdown", o.pos[0], &s)) != 0)
        return rc;
    hr = hcs_compute_system_shutdown(s, o.options, o.timeout_ms);
    if (hr == HCS_S_OK) /* delivered: wait for the exit */
        hr = hcs_compute_system_wait(s, o.timeout_ms, NULL);
    hcs_compute_system_close(s);
    if (HCS_FAILED(hr))
        return hcsctl_fail_detail(ctx, "result document", "shutdown", hr);
    if (ctx->json) {
        printf("{\"id\":");
        hcsctl_json_string(stdout, o.pos[0]);
        printf(",\"result\":\"%s\"}\n",
               hr == HCS_ERR_S_FALSE ? "already stopped" : "stopped");
    } else
        printf("%s: %s\n", o.pos[0], hr == HCS_ERR_S_FALSE ? "already stopped" : "stopped");
    return HCSCTL_EXIT_OK;
}

int hcsctl_cmd_save(hcsctl_ctx *ctx, int argc, char **argv)
{
    opts o;
    hcs_system *s = NULL;
    sbuf b;
    hcs_result hr;
    int rc = parse("save", argc, argv, 2, O_TIMEOUT, &o);
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    memset(&b, 0, sizeof b);
    sb_puts(&b, "{\"SaveType\":\"ToFile\",\"SaveStateFilePath\":");
    sb_json_string(&b, o.pos[1], strlen(o.pos[1]));
    sb_puts(&b, "}");
    if (b.oom) {
        free(b.d);
        return hcsctl_fail("save", HCS_ERR_OUTOFMEMORY);
    }
    rc = open_system(ctx, "save", o.pos[0], &s);
    if (rc == 0) {
        hr = hcs_compute_system_save(s, b.d, o.timeout_ms);
        hcs_compute_system_close(s);
        if (HCS_FAILED(hr))
            rc = hcsctl_fail_detail(ctx, "result document", "save", hr);
        else
            printf("%s: saved to %s\n", o.pos[0], o.pos[1]);
    }
    free(b.d);
    return rc;
}

int hcsctl_cmd_wait(hcsctl_ctx *ctx, int argc, char **argv)
{
    opts o;
    hcs_system *s = NULL;
    char *exit_doc = NULL;
    hcs_result hr;
    int rc = parse("wait", argc, argv, 1, O_TIMEOUT, &o);
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    if ((rc = open_system(ctx, "wait", o.pos[0], &s)) != 0)
        return rc;
    hr = hcs_compute_system_wait(s, o.timeout_given ? o.timeout_ms : HCS_TIMEOUT_INFINITE, &exit_doc);
    hcs_compute_system_close(s);
    if (HCS_FAILED(hr))
        return hcsctl_fail_detail(ctx, "result document", "wait", hr);
    printf("%s\n", exit_doc ? exit_doc : "{}");
    hcs_free(exit_doc);
    return HCSCTL_EXIT_OK;
}

/* ---- events ---- */

int hcsctl_cmd_events(hcsctl_ctx *ctx, int argc, char **argv)
{
    opts o;
    hcs_system *s = NULL;
    hcs_events *q = NULL;
    hcs_result hr;
    int rc = parse("events", argc, argv, 1, O_TIMEOUT | O_LIFECYCLE, &o);
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    hr = hcs_compute_events_create(&q);
    if (HCS_FAILED(hr))
        return hcsctl_fail_detail(ctx, "result document", "events", hr);
    if ((rc = open_system(ctx, "events", o.pos[0], &s)) != 0) {
        hcs_compute_events_close(q);
        return rc;
    }
    hr = hcs_compute_system_subscribe(s, q, o.lifecycle ? HCS_EVENT_OPTION_ENABLE_VM_LIFECYCLE : 0, 0);
    if (HCS_FAILED(hr)) {
        rc = hcsctl_fail_detail(ctx, "result document", "events", hr);
        goto done;
    }
    for (;;) {
        hcs_event *e = NULL;
        int last;
        hr = hcs_compute_events_wait(q, o.timeout_given ? o.timeout_ms : HCS_TIMEOUT_INFINITE, &e);
        if (HCS_FAILED(hr)) {
            rc = hcsctl_fail_detail(ctx, "result document", "events", hr);
            break;
        }
        if (ctx->json) {
            printf("{\"type\":");
            hcsctl_json_string(stdout, hcs_compute_event_type_name(e->type));
            printf(",\"code\":\"0x%08lX\",\"data\":%s", (unsigned long)e->type,
                   e->data && *e->data ? e->data : "null");
            if (e->operation_id)
                printf(",\"operation\":%llu", (unsigned long long)e->operation_id);
            printf("}\n");
        } else {
            printf("%s %s\n", hcs_compute_event_type_name(e->type), e->data ? e->data : "");
        }
        fflush(stdout);
        last = e->type == HCS_EVENT_SYSTEM_EXITED || e->type == HCS_EVENT_SERVICE_DISCONNECT;
        hcs_compute_event_free(e);
        if (last)
            break;
    }
done:
    hcs_compute_system_close(s);
    hcs_compute_events_close(q);
    return rc;
}

/* ---- exec ---- */

/* The ProcessParameters document of an exec. */
static char *process_parameters(const opts *o)
{
    sbuf b;
    char *cl = hcsctl_windows_command_line(o->cmd, o->ncmd);
    int i;
    if (!cl)
        return NULL;
    memset(&b, 0, sizeof b);
    sb_puts(&b, "{\"CommandLine\":");
    sb_json_string(&b, cl, strlen(cl));
    free(cl);
    if (o->user) {
        sb_puts(&b, ",\"User\":");
        sb_json_string(&b, o->user, strlen(o->user));
    }
    if (o->cwd) {
        sb_puts(&b, ",\"WorkingDirectory\":");
        sb_json_string(&b, o->cwd, strlen(o->cwd));
    }
    if (o->nenv) {
        sb_puts(&b, ",\"Environment\":{");
        for (i = 0; i < o->nenv; i++) {
            const char *eq = strchr(o->env[i], '=');
            if (i)
                sb_puts(&b, ",");
            sb_json_string(&b, o->env[i], (size_t)(eq - o->env[i]));
            sb_puts(&b, ":");
            sb_json_string(&b, eq + 1, strlen(eq + 1));
        }
        sb_puts(&b, "}");
    }
    if (o->tty)
        sb_puts(&b, ",\"EmulateConsole\":true,\"ConsoleSize\":[24,80]");
    sb_puts(&b, ",\"CreateStdInPipe\":true,\"CreateStdOutPipe\":true");
    sb_puts(&b, o->tty ? "}" : ",\"CreateStdErrPipe\":true}");
    if (b.oom) {
        free(b.d);
        return NULL;
    }
    return b.d;
}

int hcsctl_cmd_exec(hcsctl_ctx *ctx, int argc, char **argv)
{
    opts o;
    hcs_system *s = NULL;
    hcs_process *p = NULL;
    char *params;
    uint32_t code = 0;
    hcs_result hr;
    int rc = parse("exec", argc, argv, 1, O_EXEC | O_TIMEOUT, &o);
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    params = process_parameters(&o);
    if (!params)
        return hcsctl_fail("exec", HCS_ERR_OUTOFMEMORY);
    if ((rc = open_system(ctx, "exec", o.pos[0], &s)) != 0) {
        free(params);
        return rc;
    }
    hr = hcs_compute_process_create(s, params, o.timeout_ms, &p);
    free(params);
    if (HCS_FAILED(hr)) {
        rc = hcsctl_fail_detail(ctx, "result document", "exec", hr);
        goto done;
    }
    fflush(stdout);
    hr = hcs_compute_process_relay(p, hcsctl_std_handle(0), hcsctl_std_handle(1),
                                   hcsctl_std_handle(2));
    if (HCS_FAILED(hr)) {
        rc = hcsctl_fail_detail(ctx, "result document", "exec", hr);
        goto done;
    }
    hr = hcs_compute_process_wait(p, HCS_TIMEOUT_INFINITE, &code, NULL);
    if (HCS_FAILED(hr)) {
        rc = hcsctl_fail_detail(ctx, "result document", "exec", hr);
        goto done;
    }
    if (hr == HCS_S_FALSE) { /* exited, but HCS gave no exit code: not a 0 */
        fprintf(stderr, "hcsctl: exec: the process exited without an exit code\n");
        if (ctx->json)
            fprintf(stderr, "{\"exit_code\":null,\"pid\":%lu}\n",
                    (unsigned long)hcs_compute_process_pid(p));
        rc = HCSCTL_EXIT_FAILED;
        goto done;
    }
    if (ctx->json)
        fprintf(stderr, "{\"exit_code\":%lu,\"pid\":%lu}\n", (unsigned long)code,
                (unsigned long)hcs_compute_process_pid(p));
    rc = (int)code;
done:
    hcs_compute_process_close(p);
    hcs_compute_system_close(s);
    return rc;
}

/* ---- features ---- */

int hcsctl_cmd_features(hcsctl_ctx *ctx, int argc, char **argv)
{
    opts o;
    char *json = NULL;
    size_t i, n = hcs_compute_function_count(), avail = 0;
    hcs_result hr;
    int rc = parse("features", argc, argv, 0, 0, &o);
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    hr = hcs_compute_features(&json);
    if (HCS_FAILED(hr))
        return hcsctl_fail_detail(ctx, "result document", "features", hr);
    if (ctx->json) {
        printf("%s\n", json);
        hcs_free(json);
        return HCSCTL_EXIT_OK;
    }
    hcs_free(json);
    hr = hcs_compute_load();
    if (HCS_FAILED(hr)) {
        const hcs_error *e = hcs_error_last();
        printf("computecore.dll: not loaded: %s\n", e ? e->message : hcs_strerror(hr));
        return HCSCTL_EXIT_OK;
    }
    for (i = 0; i < n; i++)
        avail += hcs_compute_function_present(hcs_compute_function_name(i)) == 1;
    printf("computecore.dll: %lu of %lu functions\n", (unsigned long)avail,
           (unsigned long)n);
    for (i = 0; i < n; i++) {
        const char *name = hcs_compute_function_name(i);
        printf("  %-45s %s\n", name,
               hcs_compute_function_present(name) == 1 ? "yes" : "no (not on this build)");
    }
    return HCSCTL_EXIT_OK;
}
