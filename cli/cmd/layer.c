/* hcsctl layer: container layers over hcs/storage.h (computestorage.dll).
 * import, export, destroy, setup-base, init-writable, attach, detach,
 * format-vhd, mount-path. computestorage reports no progress, so the long
 * operations print what they do and how long it took on stderr. Outside
 * Windows every command prints libhcs's "only available on Windows" error
 * and exits 1 (usage errors still exit 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "opt.h"

#define MAX_PARENTS 64

void hcsctl_help_layer(FILE *out)
{
    fprintf(out,
            "usage: hcsctl layer import LAYER_PATH SOURCE_DIR [--parent ID=PATH]...\n"
            "       hcsctl layer export LAYER_PATH DEST_DIR [--parent ID=PATH]... [--writable]\n"
            "       hcsctl layer destroy LAYER_PATH\n"
            "       hcsctl layer setup-base LAYER_PATH [--vm]\n"
            "       hcsctl layer init-writable LAYER_PATH [--parent ID=PATH]...\n"
            "       hcsctl layer attach LAYER_PATH [--parent ID=PATH]...\n"
            "       hcsctl layer detach LAYER_PATH\n"
            "       hcsctl layer format-vhd VHD [--file-handle | --virtdisk]\n"
            "       hcsctl [--json] layer mount-path VHD\n\n"
            "Container layers (computestorage.dll). --parent gives the parent layers, top\n"
            "to bottom (LayerData). import and export enable SeBackupPrivilege and\n"
            "SeRestorePrivilege first and say which one the process lacks. format-vhd\n"
            "opens the VHD the way this Windows build wants (a file handle on build\n"
            "17763, a virtual disk handle later) unless told. Long operations report\n"
            "what they do and how long it took on stderr (computestorage gives no\n"
            "progress).\n\n"
            "Windows only: elsewhere the command prints \"the Host Compute Service is only\n"
            "available on Windows\" and exits 1.\n"
            "Exit codes: 0 success, 1 the operation failed, 2 usage error.\n");
}

static int fail(const char *what, hcs_result hr) { return hcsctl_fail(what, hr); }

typedef struct lopts {
    const char *pos[2];
    int npos;
    hcs_layer_ref parents[MAX_PARENTS];
    char *parent_text[MAX_PARENTS];
    size_t nparents;
    int writable, vm, kind;
} lopts;

static void lopts_free(lopts *o)
{
    size_t i;
    for (i = 0; i < o->nparents; i++)
        free(o->parent_text[i]);
}

/* --parent ID=PATH (repeatable): split into o->parents. */
static int parent_opt(void *ctx, const char *name, const char *val)
{
    lopts *o = (lopts *)ctx;
    char *t, *eq;
    (void)name;
    if (o->nparents >= MAX_PARENTS)
        return hcsctl_usage_error("layer: more than %d parents", MAX_PARENTS);
    t = (char *)malloc(strlen(val) + 1);
    if (!t)
        return HCSCTL_EXIT_FAILED;
    strcpy(t, val);
    eq = strchr(t, '=');
    if (!eq || eq == t || !eq[1]) {
        free(t);
        return hcsctl_usage_error("layer: --parent \"%s\" is not ID=PATH", val);
    }
    *eq = 0;
    o->parent_text[o->nparents] = t;
    o->parents[o->nparents].id = t;
    o->parents[o->nparents].path = eq + 1;
    o->nparents++;
    return 0;
}

/* Returns -1 on help (printed), 0 parsed, else the usage exit code. */
static int parse(const char *sub, int argc, char **argv, int npos, lopts *o)
{
    int file_handle = 0, virtdisk = 0, rc, i;
    const hcsctl_opt t[] = {
        HCSCTL_CALL("--parent", parent_opt),  HCSCTL_FLAG("--writable", &o->writable),
        HCSCTL_FLAG("--vm", &o->vm),           HCSCTL_FLAG("--file-handle", &file_handle),
        HCSCTL_FLAG("--virtdisk", &virtdisk),
    };
    hcsctl_args a;
    char cmd[64];
    memset(o, 0, sizeof *o);
    snprintf(cmd, sizeof cmd, "layer %s", sub);
    hcsctl_args_init(&a, cmd, hcsctl_help_layer, t, HCSCTL_NOPTS(t));
    a.min_pos = a.max_pos = npos;
    a.pos_names = "LAYER_PATH argument";
    a.ctx = o;
    rc = hcsctl_opt_parse(&a, argc, argv, 2);
    if (rc)
        return rc;
    if (file_handle)
        o->kind = HCS_VHD_HANDLE_FILE;
    if (virtdisk)
        o->kind = HCS_VHD_HANDLE_VIRTDISK;
    for (i = 0; i < a.npos && i < 2; i++)
        o->pos[i] = a.pos[i];
    o->npos = a.npos;
    return 0;
}

static time_t g_start;

static void begin(const char *what, const char *a, const char *b)
{
    g_start = time(NULL);
    if (b)
        fprintf(stderr, "hcsctl: %s %s -> %s ...\n", what, a, b);
    else
        fprintf(stderr, "hcsctl: %s %s ...\n", what, a);
}

static int end(const char *what, hcs_result hr)
{
    if (HCS_FAILED(hr))
        return fail(what, hr);
    fprintf(stderr, "hcsctl: %s: done in %.0f s\n", what, difftime(time(NULL), g_start));
    return HCSCTL_EXIT_OK;
}

int hcsctl_cmd_layer(hcsctl_ctx *ctx, int argc, char **argv)
{
    static const struct {
        const char *name;
        int npos;
    } subs[] = {{"import", 2}, {"export", 2}, {"destroy", 1}, {"setup-base", 1},
                {"init-writable", 1}, {"attach", 1}, {"detach", 1}, {"format-vhd", 1},
                {"mount-path", 1}};
    const char *sub;
    char *data = NULL, *res = NULL;
    lopts o;
    hcs_result hr = HCS_S_OK;
    size_t k;
    int rc;
    if (argc < 2 || hcsctl_is_help(argv[1])) {
        hcsctl_help_layer(argc < 2 ? stderr : stdout);
        return argc < 2 ? HCSCTL_EXIT_USAGE : HCSCTL_EXIT_OK;
    }
    sub = argv[1];
    for (k = 0; k < sizeof subs / sizeof subs[0]; k++)
        if (strcmp(subs[k].name, sub) == 0)
            break;
    if (k == sizeof subs / sizeof subs[0])
        return hcsctl_usage_error("layer: unknown subcommand \"%s\" (see hcsctl layer --help)",
                                  sub);
    rc = parse(sub, argc, argv, subs[k].npos, &o);
    if (rc) {
        lopts_free(&o);
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    }
    if (strcmp(sub, "import") == 0 || strcmp(sub, "export") == 0 ||
        strcmp(sub, "init-writable") == 0 || strcmp(sub, "attach") == 0) {
        hr = hcs_layer_build_data(o.parents, o.nparents, NULL, &data);
        if (HCS_FAILED(hr)) {
            lopts_free(&o);
            return hcsctl_usage_error("layer %s: %s", sub, hcs_error_last()->message);
        }
    }
    if (strcmp(sub, "import") == 0 || strcmp(sub, "export") == 0) {
        hr = hcs_layer_privileges_enable();
        if (HCS_FAILED(hr)) {
            rc = fail(sub, hr);
        } else {
            begin(sub[0] == 'i' ? "importing layer" : "exporting layer", o.pos[0], o.pos[1]);
            if (sub[0] == 'i')
                hr = hcs_layer_import(o.pos[0], o.pos[1], data);
            else
                hr = hcs_layer_export(o.pos[0], o.pos[1], data,
                                      o.writable ? "{\"IsWritableLayer\":true}"
                                                 : "{\"IsWritableLayer\":false}");
            rc = end(sub, hr);
        }
    } else if (strcmp(sub, "destroy") == 0) {
        begin("destroying layer", o.pos[0], NULL);
        rc = end(sub, hcs_layer_destroy(o.pos[0]));
    } else if (strcmp(sub, "setup-base") == 0) {
        hr = hcs_layer_build_os_options(o.vm ? "Vm" : "Container", 0, 0, &data);
        begin("setting up base layer", o.pos[0], NULL);
        if (HCS_SUCCEEDED(hr))
            hr = hcs_layer_setup_base(o.pos[0], HCS_OS_HANDLE_NONE, data);
        rc = end(sub, hr);
    } else if (strcmp(sub, "init-writable") == 0) {
        begin("initializing writable layer", o.pos[0], NULL);
        rc = end(sub, hcs_layer_init_writable(o.pos[0], data, NULL));
    } else if (strcmp(sub, "attach") == 0) {
        hr = hcs_layer_attach_filter(o.pos[0], data);
        rc = HCS_FAILED(hr) ? fail(sub, hr) : HCSCTL_EXIT_OK;
    } else if (strcmp(sub, "detach") == 0) {
        hr = hcs_layer_detach_filter(o.pos[0]);
        rc = HCS_FAILED(hr) ? fail(sub, hr) : HCSCTL_EXIT_OK;
    } else if (strcmp(sub, "format-vhd") == 0) {
        begin("formatting", o.pos[0], NULL);
        rc = end(sub, hcs_layer_format_vhd_file(o.pos[0], o.kind));
    } else { /* mount-path */
        hr = hcs_layer_vhd_mount_path_file(o.pos[0], &res);
        if (HCS_FAILED(hr)) {
            rc = fail(sub, hr);
        } else {
            if (ctx->json) {
                printf("{\"path\":");
                hcsctl_json_string(stdout, res);
                printf("}\n");
            } else {
                printf("%s\n", res);
            }
            rc = HCSCTL_EXIT_OK;
        }
    }
    hcs_free(data);
    hcs_free(res);
    lopts_free(&o);
    return rc;
}
