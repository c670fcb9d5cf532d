/* hcsctl uvm run: the whole stack in one command. Builds a utility VM
 * document (schema builders), creates the VM through HCS, listens for its
 * GCS on hvsock before starting it, starts it, accepts the bridge, runs a
 * command with stdio relayed, and tears everything down. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"
#include "hcs/schema_types.h"


#define MAX_ENV 256
#define MAX_LAYERS 64

void hcsctl_help_uvm(FILE *out)
{
    fprintf(out,
        "usage: hcsctl [--json] uvm run --linux --kernel FILE --initrd FILE [options]\n"
        "                               -- COMMAND [ARGS...]\n"
        "       hcsctl [--json] uvm run --windows --layers DIR[,DIR...] --scratch VHDX\n"
        "                               [options] -- COMMAND [ARGS...]\n"
        "       hcsctl uvm run ... --config FILE -- COMMAND...\n\n"
        "Boots a utility VM through HCS and runs COMMAND in it over the GCS bridge:\n"
        "  1. builds the UVM document (LCOW: kernel + initrd, kernel direct boot;\n"
        "     WCOW: UEFI from the base layer's UtilityVM\\Files, scratch on SCSI 0:0)\n"
        "     or reads it from --config FILE;\n"
        "  2. creates the VM and reads its RuntimeId (the hvsock VM id);\n"
        "     Windows UVMs: allows the GCS service in the VM's hvsocket table;\n"
        "  3. listens on hvsock:RUNTIMEID for the GCS before starting the VM;\n"
        "  4. starts the VM, accepts the GCS connection (--timeout), negotiates;\n"
        "  5. runs COMMAND with hcsctl's stdin/stdout/stderr relayed;\n"
        "  6. terminates the VM and closes everything, also on failure.\n"
        "Exit: COMMAND's exit code; 125 when hcsctl, HCS or the bridge failed;\n"
        "2 usage error.\n\n"
        "Options:\n"
        "  --linux | --windows    the guest OS\n"
        "  --kernel FILE          Linux kernel (same folder as the initrd)\n"
        "  --initrd FILE          Linux initrd\n"
        "  --layers DIR[,DIR...]  Windows layer folders, top to bottom; the last one\n"
        "                         (the base layer) holds UtilityVM\\Files\n"
        "  --scratch VHDX         Windows: the UVM's sandbox.vhdx\n"
        "  --config FILE          use this ComputeSystem document instead\n"
        "  --id ID                the compute system id (default: a new GUID)\n"
        "  --memory MB            memory (default 1024)\n"
        "  --cpus N               processors (default 2)\n"
        "  --timeout SECONDS      HCS calls and the GCS connection (default 120)\n"
        "  --tty                  a console for COMMAND (stderr merges into stdout)\n"
        "  --env K=V              environment of COMMAND (repeatable)\n"
        "  --cwd DIR              working directory of COMMAND\n"
        "  --print-config         print the UVM document and exit (any OS)\n"
        "  --stop-after created|started\n"
        "                         testing and debugging: stop after that stage,\n"
        "                         without opening the hvsock listener, tear down and\n"
        "                         exit 0 (the GCS part needs a real VM)\n"
        "  --verbose              print each stage on stderr\n\n"
        "Windows only (except --print-config): elsewhere the command prints \"the Host\n"
        "Compute Service is only available on Windows\" and exits 1.\n");
}

typedef struct uvm_opts {
    int linux_guest, windows_guest;
    const char *kernel, *initrd, *scratch, *config, *id, *cwd, *stop_after;
    char *layers_arg;
    const char *layers[MAX_LAYERS];
    int nlayers;
    uint64_t memory_mb;
    uint32_t cpus;
    int64_t timeout_ms;
    int tty, print_config, verbose;
    const char *env[MAX_ENV + 1];
    int nenv;
    char **cmd;
    int ncmd;
} uvm_opts;

static int uvm_fail(const char *what, hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    /* guest and HCS text: escaped so it cannot forge lines or sequences */
    fprintf(stderr, "hcsctl: uvm run: %s: ", what);
    hcsctl_text(stderr, e ? e->message : hcs_strerror(hr));
    fprintf(stderr, " (0x%08lX)\n", (unsigned long)(uint32_t)hr);
    if (e && e->detail) {
        fputs("hcsctl: uvm run: error detail: ", stderr);
        hcsctl_text(stderr, e->detail);
        fputc('\n', stderr);
    }
    return HCSCTL_EXIT_BRIDGE;
}

static void stage(const uvm_opts *o, const char *fmt, const char *arg)
{
    if (!o->verbose)
        return;
    fputs("hcsctl: uvm run: ", stderr);
    fprintf(stderr, fmt, arg ? arg : "");
    fputs("\n", stderr);
}

/* Splits PATH into a malloc'ed folder and a pointer to the file name. */
static char *split_path(const char *path, const char **file)
{
    const char *s1 = strrchr(path, '\\'), *s2 = strrchr(path, '/');
    const char *sep = s1 > s2 ? s1 : s2;
    char *dir;
    if (!sep) {
        *file = path;
        return NULL;
    }
    *file = sep + 1;
    dir = (char *)malloc((size_t)(sep - path) + 1);
    if (dir) {
        memcpy(dir, path, (size_t)(sep - path));
        dir[sep - path] = 0;
    }
    return dir;
}

static char *read_file_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    long n;
    char *d;
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || n > (64L << 20) ||
        fseek(fp, 0, SEEK_SET) != 0) {
        fclose(fp);
        return NULL;
    }
    d = (char *)malloc((size_t)n + 1);
    if (d && fread(d, 1, (size_t)n, fp) != (size_t)n) {
        free(d);
        d = NULL;
    }
    fclose(fp);
    if (d)
        d[n] = 0;
    return d;
}

/* --layers DIR[,DIR...]: split into o->layers (copied: strtok writes). */
static int layers_opt(void *ctx, const char *name, const char *val)
{
    uvm_opts *o = (uvm_opts *)ctx;
    char *p;
    (void)name;
    free(o->layers_arg);
    o->nlayers = 0;
    o->layers_arg = (char *)malloc(strlen(val) + 1);
    if (!o->layers_arg)
        return hcsctl_usage_error("uvm run: out of memory");
    strcpy(o->layers_arg, val);
    for (p = strtok(o->layers_arg, ","); p; p = strtok(NULL, ",")) {
        if (o->nlayers >= MAX_LAYERS)
            return hcsctl_usage_error("uvm run: more than %d layers", MAX_LAYERS);
        if (*p)
            o->layers[o->nlayers++] = p;
    }
    return 0;
}

static int parse_uvm(int argc, char **argv, uvm_opts *o)
{
    hcsctl_opt_list env = {NULL, 0, MAX_ENV};
    long memory = 0, cpus = 0;
    const hcsctl_opt t[] = {
        HCSCTL_FLAG("--linux", &o->linux_guest),
        HCSCTL_FLAG("--windows", &o->windows_guest),
        HCSCTL_FLAG("--tty", &o->tty),
        HCSCTL_FLAG("--print-config", &o->print_config),
        HCSCTL_FLAG("--verbose", &o->verbose),
        HCSCTL_STRING("--kernel", &o->kernel),
        HCSCTL_STRING("--initrd", &o->initrd),
        HCSCTL_STRING("--scratch", &o->scratch),
        HCSCTL_STRING("--config", &o->config),
        HCSCTL_STRING("--id", &o->id),
        HCSCTL_STRING("--cwd", &o->cwd),
        HCSCTL_CHOICE("--stop-after", &o->stop_after, "created|started"),
        HCSCTL_INT("--memory", &memory, 64, 4194304),
        HCSCTL_INT("--cpus", &cpus, 1, 1024),
        HCSCTL_SECONDS("--timeout", &o->timeout_ms, 1, 86400),
        HCSCTL_LIST("--env", &env, hcsctl_check_key_value),
        HCSCTL_CALL("--layers", layers_opt),
    };
    hcsctl_args a;
    int rc;
    memset(o, 0, sizeof *o);
    o->timeout_ms = 120000;
    env.items = o->env;
    hcsctl_args_init(&a, "uvm run", hcsctl_help_uvm, t, HCSCTL_NOPTS(t));
    a.rest = 1;
    a.ctx = o;
    rc = hcsctl_opt_parse(&a, argc, argv, 1);
    if (rc)
        return rc;
    o->memory_mb = (uint64_t)memory;
    o->cpus = (uint32_t)cpus;
    o->nenv = env.n;
    o->cmd = a.argv_rest;
    o->ncmd = a.nrest;
    if (o->linux_guest == o->windows_guest)
        return hcsctl_usage_error("uvm run: give exactly one of --linux or --windows");
    if (!o->config && o->linux_guest && (!o->kernel || !o->initrd))
        return hcsctl_usage_error("uvm run: --linux needs --kernel FILE and --initrd FILE "
                                  "(or --config FILE)");
    if (!o->config && o->windows_guest && (o->nlayers == 0 || !o->scratch))
        return hcsctl_usage_error("uvm run: --windows needs --layers DIR[,DIR...] and "
                                  "--scratch VHDX (or --config FILE)");
    if (o->linux_guest && (o->nlayers || o->scratch))
        return hcsctl_usage_error("uvm run: --layers and --scratch are for --windows");
    if (o->windows_guest && (o->kernel || o->initrd))
        return hcsctl_usage_error("uvm run: --kernel and --initrd are for --linux");
    if (!o->print_config && !o->stop_after && o->ncmd <= 0)
        return hcsctl_usage_error("uvm run: missing \"-- COMMAND [ARGS...]\"");
    return 0;
}

/* The UVM document (caller frees with hcs_free or free). */
static int build_config(const uvm_opts *o, char **doc)
{
    hcs_result hr;
    *doc = NULL;
    if (o->config) {
        *doc = read_file_text(o->config);
        if (!*doc)
            return hcsctl_usage_error("uvm run: cannot read --config \"%s\"", o->config);
        return 0;
    }
    if (o->linux_guest) {
        hcs_schema_lcow_uvm_options l;
        const char *kfile, *ifile;
        char *kdir = split_path(o->kernel, &kfile);
        char *idir = split_path(o->initrd, &ifile);
        int same = (!kdir && !idir) || (kdir && idir && strcmp(kdir, idir) == 0);
        if (!same) {
            free(kdir);
            free(idir);
            return hcsctl_usage_error("uvm run: --kernel and --initrd must be in the same "
                                      "folder (HCS boots both from the UVM's boot folder)");
        }
        l = (hcs_schema_lcow_uvm_options)HCS_SCHEMA_LCOW_UVM_OPTIONS_INIT;
        l.boot_dir = kdir ? kdir : ".";
        l.kernel_file = kfile;
        l.initrd_file = ifile;
        l.memory_mb = o->memory_mb;
        l.processor_count = o->cpus;
        hr = hcs_schema_build_lcow_uvm(&l, doc);
        free(kdir);
        free(idir);
    } else {
        hcs_schema_wcow_uvm_options w;
        w = (hcs_schema_wcow_uvm_options)HCS_SCHEMA_WCOW_UVM_OPTIONS_INIT;
        w.uvm_folder = o->layers[o->nlayers - 1];
        w.scratch_vhdx = o->scratch;
        w.memory_mb = o->memory_mb;
        w.processor_count = o->cpus;
        hr = hcs_schema_build_wcow_uvm(&w, doc);
    }
    if (HCS_FAILED(hr))
        return hcsctl_usage_error("uvm run: building the UVM document: %s",
                                  hcs_error_last() ? hcs_error_last()->message
                                                   : hcs_strerror(hr));
    return 0;
}

/* RuntimeId from a Properties document. */
static char *runtime_id(const char *props)
{
    hcs_s2_Properties p;
    char *id = NULL;
    if (!props ||
        HCS_FAILED(hcs_schema_decode(HCS_SCHEMA_S2_Properties, props, strlen(props), 0, &p))) {
        hcs_error_clear();
        return NULL;
    }
    if (p.RuntimeId && *p.RuntimeId) {
        id = (char *)malloc(strlen(p.RuntimeId) + 1);
        if (id)
            strcpy(id, p.RuntimeId);
    }
    hcs_schema_free_members(HCS_SCHEMA_S2_Properties, &p);
    return id;
}

int hcsctl_cmd_uvm(hcsctl_ctx *ctx, int argc, char **argv)
{
    uvm_opts o;
    char *doc = NULL, *props = NULL, *rid = NULL, *cmdline = NULL;
    char id_buf[64], listen_addr[128];
    hcs_system *s = NULL;
    hcs_gcs_listener *l = NULL;
    hcs_gcs_bridge *b = NULL;
    hcs_gcs_process *gp = NULL;
    hcs_gcs_bridge_options cfg;
    hcs_gcs_process_options pc;
    uint32_t code = 0;
    hcs_result hr;
    int rc;
    if (argc < 2 || hcsctl_is_help(argv[1])) {
        hcsctl_help_uvm(argc < 2 ? stderr : stdout);
        return argc < 2 ? HCSCTL_EXIT_USAGE : HCSCTL_EXIT_OK;
    }
    if (strcmp(argv[1], "run") != 0)
        return hcsctl_usage_error("uvm: unknown subcommand \"%s\" (run)", argv[1]);
    rc = parse_uvm(argc - 1, argv + 1, &o);
    if (rc) {
        free(o.layers_arg);
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    }
    rc = build_config(&o, &doc);
    if (rc)
        goto out;
    if (o.print_config) {
        printf("%s\n", doc);
        rc = HCSCTL_EXIT_OK;
        goto out;
    }
    /* Not on Windows, or no HCS: the loader's clear error, exit 1. */
    hr = hcs_compute_load();
    if (HCS_FAILED(hr)) {
        rc = hcsctl_fail("uvm run", hr);
        goto out;
    }
    if (!o.id) {
        hcs_guid g;
        if (HCS_FAILED(hcs_guid_generate(&g)) ||
            HCS_FAILED(hcs_guid_format(&g, id_buf, sizeof id_buf))) {
            rc = uvm_fail("generate an id", hcs_error_last() ? hcs_error_last()->code
                                                             : HCS_ERR_FAIL);
            goto out;
        }
        o.id = id_buf;
    }

    /* 1. create (the document asks HCS to end the VM when our handle goes) */
    stage(&o, "creating compute system %s", o.id);
    hr = hcs_compute_system_create(o.id, doc, o.timeout_ms, &s);
    if (HCS_FAILED(hr)) {
        rc = uvm_fail("create the utility VM", hr);
        goto out;
    }
    hr = hcs_compute_system_properties(s, NULL, o.timeout_ms, &props);
    if (HCS_FAILED(hr)) {
        rc = uvm_fail("read the utility VM's properties", hr);
        goto teardown;
    }
    rid = runtime_id(props);
    if (!rid) {
        rc = uvm_fail("read the utility VM's RuntimeId", hcs_error_set(HCS_ERR_INVALID_JSON,
                      "HCS did not report a RuntimeId (the hvsock VM id)", props));
        goto teardown;
    }
    stage(&o, "runtime id %s", rid);
    if (o.windows_guest) {
        /* let the Windows GCS bind its hvsock service (hcsshim) */
        char req[512];
        snprintf(req, sizeof req,
                 "{\"ResourcePath\":\"VirtualMachine/Devices/HvSocket/HvSocketConfig/"
                 "ServiceTable/%s\",\"RequestType\":\"Update\",\"Settings\":{"
                 "\"BindSecurityDescriptor\":\"D:P(A;;FA;;;SY)(A;;FA;;;BA)\","
                 "\"ConnectSecurityDescriptor\":\"D:P(A;;FA;;;SY)(A;;FA;;;BA)\","
                 "\"AllowWildcardBinds\":true}}",
                 HCS_GCS_WINDOWS_SERVICE_ID);
        hr = hcs_compute_system_modify(s, req, HCS_OS_HANDLE_NONE, o.timeout_ms);
        if (HCS_FAILED(hr)) {
            rc = uvm_fail("allow the GCS hvsock service", hr);
            goto teardown;
        }
    }
    if (o.stop_after && strcmp(o.stop_after, "created") == 0) {
        rc = HCSCTL_EXIT_OK;
        goto teardown;
    }

    /* 2. listen before start (hcsshim #2723: no race with the guest's dial) */
    hcs_gcs_bridge_options_init(&cfg, HCS_GCS_BRIDGE_OPTIONS_VERSION);
    cfg.os_hint = o.windows_guest ? HCS_GCS_OS_WINDOWS : HCS_GCS_OS_LINUX;
    cfg.accept_timeout_ms = o.timeout_ms;
    cfg.uvm_id = rid;
    if (!o.stop_after) {
        snprintf(listen_addr, sizeof listen_addr, "hvsock:%s", rid);
        stage(&o, "listening on %s", listen_addr);
        hr = hcs_gcs_listen(listen_addr, &cfg, &l);
        if (HCS_FAILED(hr)) {
            rc = uvm_fail("listen for the GCS", hr);
            goto teardown;
        }
    }

    /* 3. start */
    stage(&o, "starting %s", o.id);
    hr = hcs_compute_system_start(s, NULL, o.timeout_ms);
    if (HCS_FAILED(hr)) {
        rc = uvm_fail("start the utility VM", hr);
        goto teardown;
    }
    if (o.stop_after) { /* "started" */
        rc = HCSCTL_EXIT_OK;
        goto teardown;
    }

    /* 4. the GCS connects */
    stage(&o, "waiting for the GCS%s", "");
    hr = hcs_gcs_accept(l, &b);
    hcs_gcs_listener_close(l);
    l = NULL;
    if (HCS_FAILED(hr)) {
        rc = uvm_fail("accept the GCS connection", hr);
        goto teardown;
    }

    /* 5. the command */
    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    o.env[o.nenv] = NULL;
    o.cmd[o.ncmd] = NULL; /* in bounds: main only compacts argv */
    if (hcs_gcs_bridge_os(b) == HCS_GCS_OS_WINDOWS) {
        cmdline = hcsctl_windows_command_line(o.cmd, o.ncmd);
        if (!cmdline) {
            rc = uvm_fail("build the command line", HCS_ERR_OUTOFMEMORY);
            goto teardown;
        }
        pc.command_line = cmdline;
    } else {
        pc.argv = (const char *const *)o.cmd;
    }
    pc.env = o.nenv ? o.env : NULL;
    pc.cwd = o.cwd;
    pc.tty = o.tty;
    pc.tty_height = 24;
    pc.tty_width = 80;
    pc.use_stdin = pc.use_stdout = pc.use_stderr = 1;
    stage(&o, "running %s", o.cmd[0]);
    hr = hcs_gcs_process_start(b, &pc, &gp);
    if (HCS_FAILED(hr)) {
        rc = uvm_fail("start COMMAND", hr);
        goto teardown;
    }
    fflush(stdout);
    hr = hcs_gcs_process_relay(gp, hcsctl_std_handle(0), hcsctl_std_handle(1),
                               hcsctl_std_handle(2));
    if (HCS_SUCCEEDED(hr))
        hr = hcs_gcs_process_wait(gp, HCS_TIMEOUT_INFINITE, &code);
    if (HCS_FAILED(hr)) {
        rc = uvm_fail("run COMMAND", hr);
        goto teardown;
    }
    rc = (int)(code & 0xFF);

teardown:
    /* 6. everything goes, in reverse */
    if (gp)
        hcs_gcs_process_close(gp);
    if (b)
        hcs_gcs_bridge_close(b);
    if (l)
        hcs_gcs_listener_close(l);
    if (s) {
        hcs_error *keep = hcs_error_take();
        stage(&o, "terminating %s", o.id);
        hr = hcs_compute_system_terminate(s, NULL, 30000);
        if (HCS_FAILED(hr)) {
            const hcs_error *e = hcs_error_last();
            fputs("hcsctl: uvm run: terminate the utility VM: ", stderr);
            hcsctl_text(stderr, e ? e->message : hcs_strerror(hr));
            fputc('\n', stderr);
            if (rc == HCSCTL_EXIT_OK)
                rc = HCSCTL_EXIT_BRIDGE;
        }
        hcs_compute_system_close(s);
        if (keep) {
            (void)hcs_error_set(keep->code, keep->message, keep->detail);
            hcs_error_free(keep);
        }
    }
    if (ctx->json) {
        fprintf(stderr, "{\"id\":");
        hcsctl_json_string(stderr, o.id ? o.id : "");
        fprintf(stderr, ",\"runtime_id\":");
        if (rid)
            hcsctl_json_string(stderr, rid);
        else
            fputs("null", stderr);
        fprintf(stderr, ",\"stage\":\"%s\",\"exit_code\":%d}\n",
                o.stop_after ? o.stop_after : "ran", rc);
    }
out:
    free(cmdline);
    free(rid);
    hcs_free(props);
    hcs_free(doc);
    free(o.layers_arg);
    return rc;
}

