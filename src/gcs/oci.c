/* OCI runtime documents for LCOW containers (hcs/gcs_oci.h): validation,
 * then Go's encoding of opencontainers/runtime-spec's structs (field
 * order, omitempty) with containerd's Linux defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcs/jsonw.h"
#include "hcs/gcs_oci.h"
#include "hcs/guid.h"
#include "base/platform.h"

static const char *const g_default_caps[] = {
    "CAP_CHOWN",        "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",        "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP",      "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",         "CAP_AUDIT_WRITE",  NULL};

static const char *const g_masked[] = {
    "/proc/acpi",        "/proc/asound",     "/proc/kcore",       "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/sys/firmware",     "/proc/scsi",       NULL};

static const char *const g_readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                         "/proc/sysrq-trigger", NULL};

static const char *const g_proc_opts[] = {"nosuid", "noexec", "nodev", NULL};
static const char *const g_dev_opts[] = {"nosuid", "strictatime", "mode=755", "size=65536k",
                                         NULL};
static const char *const g_pts_opts[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                         "mode=0620", "gid=5", NULL};
static const char *const g_shm_opts[] = {"nosuid", "noexec", "nodev", "mode=1777",
                                         "size=65536k", NULL};
static const char *const g_mq_opts[] = {"nosuid", "noexec", "nodev", NULL};
static const char *const g_sys_opts[] = {"nosuid", "noexec", "nodev", "ro", NULL};
static const char *const g_cg_opts[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};

/* containerd's default mounts; /sys/fs/cgroup as the CRI plugin adds it. */
static const hcs_gcs_oci_mount g_default_mounts[] = {
    {"/proc", "proc", "proc", g_proc_opts},
    {"/dev", "tmpfs", "tmpfs", g_dev_opts},
    {"/dev/pts", "devpts", "devpts", g_pts_opts},
    {"/dev/shm", "tmpfs", "shm", g_shm_opts},
    {"/dev/mqueue", "mqueue", "mqueue", g_mq_opts},
    {"/sys", "sysfs", "sysfs", g_sys_opts},
    {"/sys/fs/cgroup", "cgroup", "cgroup", g_cg_opts},
};
#define N_DEFAULT_MOUNTS (sizeof g_default_mounts / sizeof g_default_mounts[0])

HCSI_OPTIONS_INIT_FN(hcs_gcs_oci_process_options, HCS_GCS_OCI_PROCESS_OPTIONS_VERSION,
                     HCS_GCS_OCI_PROCESS_OPTIONS_INIT)
HCSI_OPTIONS_INIT_FN(hcs_gcs_oci_spec_options, HCS_GCS_OCI_SPEC_OPTIONS_VERSION,
                     HCS_GCS_OCI_SPEC_OPTIONS_INIT)

/* ================= validation ================= */

/* A present string: valid UTF-8 (what JSON carries). */
static hcs_result check_utf8(const char *what, const char *field, const char *s)
{
    size_t bad = 0;
    if (!hcsi_utf8_valid(s, strlen(s), &bad))
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: %s is not valid UTF-8 (byte %zu)", what,
                        field, bad);
    return HCS_S_OK;
}

static int has_ctl_or_space(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return 1;
    return 0;
}

/* An absolute path: starts with '/', no control characters. */
static hcs_result check_abs(const char *what, const char *field, const char *s)
{
    const char *p;
    if (!*s || s[0] != '/')
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: %s \"%s\" is not an absolute path", what,
                        field, s);
    for (p = s; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "%s: %s contains a control character (byte %zu)", what, field,
                            (size_t)(p - s));
    return check_utf8(what, field, s);
}

/* Length of a NULL-terminated string list. */
static size_t list_len(const char *const *l)
{
    size_t n = 0;
    if (l)
        while (l[n])
            n++;
    return n;
}

static int env_key_eq(const char *a, const char *b)
{
    size_t i;
    for (i = 0; a[i] && a[i] != '=' && b[i] && b[i] != '='; i++)
        if (a[i] != b[i])
            return 0;
    return (a[i] == '=' || !a[i]) && (b[i] == '=' || !b[i]);
}

static hcs_result check_cap(const char *what, size_t i, const char *c)
{
    const char *p;
    if (strncmp(c, "CAP_", 4) != 0 || !c[4])
        goto bad;
    for (p = c + 4; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            goto bad;
    return HCS_S_OK;
bad:
    return hcsi_err(HCS_ERR_INVALIDARG,
                    "%s: capabilities[%zu] \"%s\" is not a capability name (CAP_[A-Z0-9_]+)",
                    what, i, c);
}

/* hcsshim's userstr: one or two ':'-separated non-empty parts. */
static hcs_result check_username(const char *what, const char *u)
{
    const char *colon = strchr(u, ':');
    if (!*u || has_ctl_or_space(u) || colon == u || (colon && (!colon[1] ||
                                                                strchr(colon + 1, ':'))))
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "%s: username \"%s\" is not a user string (\"name\", \"uid\", "
                        "\"name:group\", \"uid:gid\", ...: no spaces, at most one ':')",
                        what, u);
    return check_utf8(what, "username", u);
}

static hcs_result check_process(const hcs_gcs_oci_process_options *o, const char *what)
{
    size_t i, n;
    char field[48];
    hcs_result hr;
    if (!o->args || !o->args[0])
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: args is empty (the command is required)",
                        what);
    if (!o->args[0][0])
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: args[0] (the command) is an empty string",
                        what);
    for (i = 0; o->args[i]; i++) {
        snprintf(field, sizeof field, "args[%zu]", i);
        if (HCS_FAILED(hr = check_utf8(what, field, o->args[i])))
            return hr;
    }
    n = list_len(o->env);
    for (i = 0; i < n; i++) {
        const char *e = o->env[i];
        const char *eq = strchr(e, '=');
        if (!eq || eq == e)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "%s: env[%zu] \"%s\" is not KEY=VALUE (%s)", what, i, e,
                            eq ? "empty KEY" : "no '='");
        snprintf(field, sizeof field, "env[%zu]", i);
        if (HCS_FAILED(hr = check_utf8(what, field, e)))
            return hr;
    }
    if (o->cwd && HCS_FAILED(hr = check_abs(what, "cwd", o->cwd)))
        return hr;
    if (o->username && HCS_FAILED(hr = check_username(what, o->username)))
        return hr;
    if (o->additional_gid_count && !o->additional_gids)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "%s: additional_gid_count is %zu but additional_gids is NULL", what,
                        o->additional_gid_count);
    if ((o->console_height == 0) != (o->console_width == 0))
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "%s: console size %ux%u: set both height and width, or neither",
                        what, (unsigned)o->console_height, (unsigned)o->console_width);
    if (o->console_height > HCS_GCS_OCI_MAX_CONSOLE ||
        o->console_width > HCS_GCS_OCI_MAX_CONSOLE)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "%s: console size %ux%u is out of range (1..%u rows and columns)",
                        what, (unsigned)o->console_height, (unsigned)o->console_width,
                        (unsigned)HCS_GCS_OCI_MAX_CONSOLE);
    if (o->console_height && !o->terminal)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "%s: a console size needs terminal (the guest has no console "
                        "without a pseudo-terminal)", what);
    if (o->capabilities)
        for (i = 0; o->capabilities[i]; i++)
            if (HCS_FAILED(hr = check_cap(what, i, o->capabilities[i])))
                return hr;
    return HCS_S_OK;
}

static hcs_result check_hostname(const char *h)
{
    const char *p;
    size_t n = strlen(h);
    if (n == 0 || n > 64)
        return hcsi_err(HCS_ERR_INVALIDARG, "OCI spec: hostname is %s (1..64 bytes)",
                        n ? "too long" : "empty");
    for (p = h; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "OCI spec: hostname \"%s\" has a character outside "
                            "[A-Za-z0-9._-] at byte %zu", h, (size_t)(p - h));
    return HCS_S_OK;
}

static hcs_result check_resources(const hcs_gcs_oci_resources *r)
{
    const char *w = "OCI spec: resources";
    if (r->memory_limit < 0 ||
        (r->memory_limit > 0 && r->memory_limit < HCS_GCS_OCI_MIN_MEMORY))
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "%s: memory_limit %lld bytes is below the minimum of %lld (0: no "
                        "limit)", w, (long long)r->memory_limit,
                        (long long)HCS_GCS_OCI_MIN_MEMORY);
    if (r->cpu_shares && (r->cpu_shares < 2 || r->cpu_shares > 262144))
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "%s: cpu_shares %llu is outside 2..262144 (0: not set)", w,
                        (unsigned long long)r->cpu_shares);
    if (r->cpu_quota < 0 || (r->cpu_quota > 0 && r->cpu_quota < 1000))
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "%s: cpu_quota %lld us is below 1000 us (0: not set)", w,
                        (long long)r->cpu_quota);
    if (r->cpu_period && (r->cpu_period < 1000 || r->cpu_period > 1000000))
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "%s: cpu_period %llu us is outside 1000..1000000 (0: not set)", w,
                        (unsigned long long)r->cpu_period);
    if (r->pids_limit < 0)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: pids_limit %lld is negative (0: not set)",
                        w, (long long)r->pids_limit);
    return HCS_S_OK;
}

static hcs_result check_spec(const hcs_gcs_oci_spec_options *o)
{
    const char *w = "OCI spec";
    size_t i, k;
    hcs_result hr = check_process(&o->process, "OCI spec: process");
    if (HCS_FAILED(hr))
        return hr;
    if (o->container_id) {
        const char *id = o->container_id;
        if (!*id || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 ||
            has_ctl_or_space(id))
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "%s: container_id \"%s\" cannot be a path component", w, id);
        if (HCS_FAILED(hr = check_utf8(w, "container_id", id)))
            return hr;
    }
    if (o->root_path) {
        if (!*o->root_path)
            return hcsi_err(HCS_ERR_INVALIDARG, "%s: root_path is empty", w);
        if (HCS_FAILED(hr = check_utf8(w, "root_path", o->root_path)))
            return hr;
    }
    if (o->hostname && HCS_FAILED(hr = check_hostname(o->hostname)))
        return hr;
    if (o->mount_count && !o->mounts)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: mount_count is %zu but mounts is NULL", w,
                        o->mount_count);
    for (i = 0; i < o->mount_count; i++) {
        const hcs_gcs_oci_mount *m = &o->mounts[i];
        char field[64];
        snprintf(field, sizeof field, "mounts[%zu].destination", i);
        if (!m->destination)
            return hcsi_err(HCS_ERR_INVALIDARG, "%s: %s is NULL", w, field);
        if (HCS_FAILED(hr = check_abs(w, field, m->destination)))
            return hr;
        snprintf(field, sizeof field, "mounts[%zu].type", i);
        if (m->type && HCS_FAILED(hr = check_utf8(w, field, m->type)))
            return hr;
        snprintf(field, sizeof field, "mounts[%zu].source", i);
        if (m->source && HCS_FAILED(hr = check_utf8(w, field, m->source)))
            return hr;
        for (k = 0; m->options && m->options[k]; k++) {
            snprintf(field, sizeof field, "mounts[%zu].options[%zu]", i, k);
            if (!m->options[k][0])
                return hcsi_err(HCS_ERR_INVALIDARG, "%s: %s is empty", w, field);
            if (HCS_FAILED(hr = check_utf8(w, field, m->options[k])))
                return hr;
        }
    }
    if (o->network_namespace_path) {
        if (o->share_uvm_network)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "%s: network_namespace_path and share_uvm_network exclude each "
                            "other (join a namespace, or have none)", w);
        if (HCS_FAILED(hr = check_abs(w, "network_namespace_path",
                                      o->network_namespace_path)))
            return hr;
    }
    if (o->network_namespace_id) {
        hcs_guid g;
        if (HCS_FAILED(hcs_guid_parse(o->network_namespace_id, &g)))
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "%s: network_namespace_id \"%s\" is not a GUID", w,
                            o->network_namespace_id);
    }
    if (o->cgroups_path) {
        if (!*o->cgroups_path)
            return hcsi_err(HCS_ERR_INVALIDARG, "%s: cgroups_path is empty", w);
        if (HCS_FAILED(hr = check_utf8(w, "cgroups_path", o->cgroups_path)))
            return hr;
    }
    return check_resources(&o->resources);
}

/* ================= writing ================= */

/* process.env: PATH first, later duplicates replace in place. */
static void w_env(jw *w, const char *const *env)
{
    size_t n = list_len(env), i, k, out_n = 1;
    const char **out = (const char **)hcsi_calloc(n + 1, sizeof *out);
    if (!out) {
        if (HCS_SUCCEEDED(w->err))
            w->err = hcsi_err_oom();
        return;
    }
    out[0] = HCS_GCS_OCI_DEFAULT_PATH;
    for (i = 0; i < n; i++) {
        for (k = 0; k < out_n; k++)
            if (env_key_eq(out[k], env[i]))
                break;
        if (k < out_n)
            out[k] = env[i];
        else
            out[out_n++] = env[i];
    }
    jw_kbegin(w, "env", "[");
    for (i = 0; i < out_n; i++) {
        jw_sep(w);
        jw_strval(w, out[i]);
    }
    jw_end(w, "]");
    free(out);
}

static void w_process(jw *w, const hcs_gcs_oci_process_options *o)
{
    const char *const *caps = o->capabilities ? o->capabilities : g_default_caps;
    uint64_t nofile = o->nofile_limit ? o->nofile_limit : HCS_GCS_OCI_DEFAULT_NOFILE;
    size_t i;
    jw_begin(w, "{");
    jw_kbool_opt(w, "terminal", o->terminal);
    if (o->console_height) {
        jw_kbegin(w, "consoleSize", "{");
        jw_ku64(w, "height", o->console_height);
        jw_ku64(w, "width", o->console_width);
        jw_end(w, "}");
    }
    jw_kbegin(w, "user", "{");
    jw_ku64(w, "uid", o->uid);
    jw_ku64(w, "gid", o->gid);
    if (o->additional_gid_count) {
        jw_kbegin(w, "additionalGids", "[");
        for (i = 0; i < o->additional_gid_count; i++) {
            char num[16];
            snprintf(num, sizeof num, "%lu", (unsigned long)o->additional_gids[i]);
            jw_sep(w);
            jw_put(w, num);
        }
        jw_end(w, "]");
    }
    jw_kstr_opt(w, "username", o->username);
    jw_end(w, "}");
    jw_kstrings(w, "args", o->args);
    w_env(w, o->env);
    jw_kstr(w, "cwd", o->cwd ? o->cwd : "/");
    jw_kbegin(w, "capabilities", "{");
    if (caps[0]) { /* Go omits empty sets: no capabilities is {} */
        jw_kstrings(w, "bounding", caps);
        jw_kstrings(w, "effective", caps);
        jw_kstrings(w, "permitted", caps);
    }
    jw_end(w, "}");
    jw_kbegin(w, "rlimits", "[");
    jw_item_begin(w);
    jw_kstr(w, "type", "RLIMIT_NOFILE");
    jw_ku64(w, "hard", nofile);
    jw_ku64(w, "soft", nofile);
    jw_end(w, "}");
    jw_end(w, "]");
    jw_kbool_opt(w, "noNewPrivileges", !o->allow_new_privileges);
    jw_end(w, "}");
}

static void w_mount(jw *w, const hcs_gcs_oci_mount *m)
{
    jw_item_begin(w);
    jw_kstr(w, "destination", m->destination);
    jw_kstr_opt(w, "type", m->type);
    jw_kstr_opt(w, "source", m->source);
    if (m->options && m->options[0])
        jw_kstrings(w, "options", m->options);
    jw_end(w, "}");
}

static void w_mounts(jw *w, const hcs_gcs_oci_spec_options *o)
{
    size_t i, k;
    jw_kbegin(w, "mounts", "[");
    for (i = 0; i < N_DEFAULT_MOUNTS; i++) {
        const hcs_gcs_oci_mount *m = &g_default_mounts[i];
        /* the first extra mount on the same destination takes its place */
        for (k = 0; k < o->mount_count; k++)
            if (strcmp(o->mounts[k].destination, m->destination) == 0)
                break;
        w_mount(w, k < o->mount_count ? &o->mounts[k] : m);
    }
    for (k = 0; k < o->mount_count; k++) {
        size_t first;
        for (first = 0; first < k; first++)
            if (strcmp(o->mounts[first].destination, o->mounts[k].destination) == 0)
                break;
        for (i = 0; i < N_DEFAULT_MOUNTS; i++)
            if (strcmp(o->mounts[k].destination, g_default_mounts[i].destination) == 0)
                break;
        if (i < N_DEFAULT_MOUNTS && first == k)
            continue; /* written in place of the default */
        w_mount(w, &o->mounts[k]);
    }
    jw_end(w, "]");
}

/* {"limit": limit} as member k; omitted when 0. */
static void w_limit(jw *w, const char *k, int64_t limit)
{
    if (!limit)
        return;
    jw_kbegin(w, k, "{");
    jw_ki64(w, "limit", limit);
    jw_end(w, "}");
}

static void w_resources(jw *w, const hcs_gcs_oci_resources *r)
{
    jw_kbegin(w, "resources", "{");
    /* containerd's deny-all device rule; runc appends its default
     * allow list (null, zero, full, random, urandom, tty, pts, ...). */
    jw_kbegin(w, "devices", "[");
    jw_item_begin(w);
    jw_key(w, "allow");
    jw_put(w, "false");
    jw_kstr(w, "access", "rwm");
    jw_end(w, "}");
    jw_end(w, "]");
    w_limit(w, "memory", r->memory_limit);
    if (r->cpu_shares || r->cpu_quota || r->cpu_period) {
        jw_kbegin(w, "cpu", "{");
        if (r->cpu_shares)
            jw_ku64(w, "shares", r->cpu_shares);
        if (r->cpu_quota)
            jw_ki64(w, "quota", r->cpu_quota);
        if (r->cpu_period)
            jw_ku64(w, "period", r->cpu_period);
        jw_end(w, "}");
    }
    w_limit(w, "pids", r->pids_limit);
    jw_end(w, "}");
}

static void w_linux(jw *w, const hcs_gcs_oci_spec_options *o, const char *cgroups)
{
    static const char *const ns[] = {"pid", "ipc", "uts", "mount"};
    size_t i;
    jw_kbegin(w, "linux", "{");
    w_resources(w, &o->resources);
    if (cgroups)
        jw_kstr(w, "cgroupsPath", cgroups);
    jw_kbegin(w, "namespaces", "[");
    for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        jw_item_begin(w);
        jw_kstr(w, "type", ns[i]);
        jw_end(w, "}");
    }
    if (!o->share_uvm_network) {
        jw_item_begin(w);
        jw_kstr(w, "type", "network");
        jw_kstr_opt(w, "path", o->network_namespace_path);
        jw_end(w, "}");
    }
    jw_end(w, "]");
    jw_kstrings(w, "maskedPaths", g_masked);
    jw_kstrings(w, "readonlyPaths", g_readonly);
    jw_end(w, "}");
}

/* The arguments of a public encoder: options o (what names them in
 * messages) and json given, *json cleared, o of the version the caller was
 * built with (version, want; type: o's struct). */
static hcs_result check_call(const void *o, unsigned version, unsigned want, const char *type,
                             const char *what, char **json)
{
    if (!o || !json)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: NULL argument", what);
    *json = NULL;
    if (version != want)
        return hcsi_check_version(version, want, type);
    return HCS_S_OK;
}

hcs_result hcs_gcs_encode_oci_process(const hcs_gcs_oci_process_options *o, char **json)
{
    hcsi_buf b;
    jw w;
    hcs_result hr = check_call(o, o ? o->version : 0, HCS_GCS_OCI_PROCESS_OPTIONS_VERSION,
                               "hcs_gcs_oci_process_options", "OCI process", json);
    if (HCS_SUCCEEDED(hr))
        hr = check_process(o, "OCI process");
    if (HCS_FAILED(hr))
        return hr;
    hcsi_buf_init(&b, 0);
    jw_init(&w, &b, 0);
    w_process(&w, o);
    return jw_doc_take(&w, json);
}

hcs_result hcs_gcs_encode_oci_spec(const hcs_gcs_oci_spec_options *o, char **json)
{
    hcsi_buf b;
    jw w;
    char *root = NULL, *cgroups = NULL;
    hcs_result hr = check_call(o, o ? o->version : 0, HCS_GCS_OCI_SPEC_OPTIONS_VERSION,
                               "hcs_gcs_oci_spec_options", "OCI spec", json);
    if (HCS_SUCCEEDED(hr))
        hr = check_spec(o);
    if (HCS_FAILED(hr))
        return hr;
    if (o->root_path)
        root = hcsi_strdup(o->root_path);
    else if (o->container_id)
        root = hcsi_asprintf("/run/gcs/c/%s/rootfs", o->container_id);
    else
        root = hcsi_strdup("rootfs");
    if (o->cgroups_path)
        cgroups = hcsi_strdup(o->cgroups_path);
    else if (o->container_id)
        cgroups = hcsi_asprintf("/containers/%s", o->container_id);
    if (!root || ((o->cgroups_path || o->container_id) && !cgroups)) {
        free(root);
        free(cgroups);
        return hcsi_err_oom();
    }
    hcsi_buf_init(&b, 0);
    jw_init(&w, &b, 0);
    jw_begin(&w, "{");
    jw_kstr(&w, "ociVersion", HCS_GCS_OCI_VERSION);
    jw_key(&w, "process");
    w_process(&w, &o->process);
    jw_kbegin(&w, "root", "{");
    jw_kstr(&w, "path", root);
    jw_kbool_opt(&w, "readonly", o->root_readonly);
    jw_end(&w, "}");
    jw_kstr_opt(&w, "hostname", o->hostname);
    w_mounts(&w, o);
    w_linux(&w, o, cgroups);
    if (o->network_namespace_id) {
        jw_kbegin(&w, "windows", "{");
        jw_kbegin(&w, "network", "{");
        jw_kstr(&w, "networkNamespace", o->network_namespace_id);
        jw_end(&w, "}");
        jw_end(&w, "}");
    }
    jw_end(&w, "}");
    free(root);
    free(cgroups);
    return jw_doc_take(&w, json);
}
