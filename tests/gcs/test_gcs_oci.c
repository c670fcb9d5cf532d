/* OCI runtime documents (hcs/gcs_oci.h): every document is parsed back and
 * its members checked; invalid options fail with a message naming them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gcs_test_util.h"
#include "base/json.h"

/* ---- helpers ---- */

static hcsi_json *parse(const char *json)
{
    hcsi_json *v = NULL;
    assert_non_null(json);
    if (HCS_FAILED(hcsi_json_parse(json, strlen(json), "test", &v)))
        fail_msg("not JSON: %s", json);
    assert_int_equal(hcsi_json_kind_of(v), HCSI_JSON_OBJECT);
    return v;
}

/* Member by a '.'-separated path ("process.user.uid"); NULL when absent. */
static hcsi_json *at(const hcsi_json *v, const char *path)
{
    char key[64];
    while (v && *path) {
        size_t n = strcspn(path, ".");
        assert_true(n < sizeof key);
        memcpy(key, path, n);
        key[n] = '\0';
        v = hcsi_json_get(v, key);
        path += n;
        if (*path == '.')
            path++;
    }
    return (hcsi_json *)v;
}

static const char *str_at(const hcsi_json *v, const char *path)
{
    hcsi_json *s = at(v, path);
    if (hcsi_json_kind_of(s) != HCSI_JSON_STRING)
        fail_msg("%s is not a string", path);
    return hcsi_json_str(s, NULL);
}

static int64_t int_at(const hcsi_json *v, const char *path)
{
    hcsi_json *s = at(v, path);
    if (hcsi_json_kind_of(s) != HCSI_JSON_INT)
        fail_msg("%s is not an integer", path);
    return hcsi_json_i64(s);
}

static int bool_at(const hcsi_json *v, const char *path)
{
    hcsi_json *s = at(v, path);
    if (hcsi_json_kind_of(s) != HCSI_JSON_BOOL)
        fail_msg("%s is not a boolean", path);
    return hcsi_json_boolval(s);
}

/* Asserts that the array at path holds exactly the strings of want. */
static void assert_strs(const hcsi_json *v, const char *path, const char *const *want)
{
    hcsi_json *a = at(v, path);
    size_t i, n = 0;
    while (want[n])
        n++;
    if (hcsi_json_kind_of(a) != HCSI_JSON_ARRAY)
        fail_msg("%s is not an array", path);
    if (hcsi_json_array_len(a) != n)
        fail_msg("%s has %zu entries, expected %zu", path, hcsi_json_array_len(a), n);
    for (i = 0; i < n; i++)
        assert_string_equal(hcsi_json_str(hcsi_json_array_at(a, i), NULL), want[i]);
}

#define assert_starts_with(s, prefix)                                          \
    do {                                                                       \
        if (strncmp((s), (prefix), strlen(prefix)) != 0)                       \
            fail_msg("\"%s\" does not start with \"%s\"", (s), (prefix));      \
    } while (0)

static const char *const k_default_caps[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID", "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL",      "CAP_AUDIT_WRITE", NULL};

static const char *const k_sh[] = {"/bin/sh", "-c", "echo hi", NULL};

/* ---- the OCI process ---- */

static void test_process_defaults(void **s)
{
    hcs_gcs_oci_process_options o;
    char *json = NULL;
    hcsi_json *v;
    static const char *const path_only[] = {HCS_GCS_OCI_DEFAULT_PATH, NULL};
    (void)s;
    hcs_gcs_oci_process_options_init(&o, HCS_GCS_OCI_PROCESS_OPTIONS_VERSION);
    o.args = k_sh;
    assert_int_equal(hcs_gcs_encode_oci_process(&o, &json), HCS_S_OK);
    /* Go's field order and omitempty, byte for byte */
    assert_string_equal(
        json,
        "{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"/bin/sh\",\"-c\",\"echo hi\"],"
        "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],"
        "\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\","
        "\"CAP_FSETID\",\"CAP_FOWNER\",\"CAP_MKNOD\",\"CAP_NET_RAW\",\"CAP_SETGID\","
        "\"CAP_SETUID\",\"CAP_SETFCAP\",\"CAP_SETPCAP\",\"CAP_NET_BIND_SERVICE\","
        "\"CAP_SYS_CHROOT\",\"CAP_KILL\",\"CAP_AUDIT_WRITE\"],\"effective\":[\"CAP_CHOWN\","
        "\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\",\"CAP_MKNOD\",\"CAP_NET_RAW\","
        "\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETFCAP\",\"CAP_SETPCAP\","
        "\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_CHROOT\",\"CAP_KILL\",\"CAP_AUDIT_WRITE\"],"
        "\"permitted\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\","
        "\"CAP_MKNOD\",\"CAP_NET_RAW\",\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETFCAP\","
        "\"CAP_SETPCAP\",\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_CHROOT\",\"CAP_KILL\","
        "\"CAP_AUDIT_WRITE\"]},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,"
        "\"soft\":1024}],\"noNewPrivileges\":true}");
    v = parse(json);
    assert_null(at(v, "terminal"));
    assert_null(at(v, "consoleSize"));
    assert_int_equal(int_at(v, "user.uid"), 0);
    assert_int_equal(int_at(v, "user.gid"), 0);
    assert_null(at(v, "user.username"));
    assert_strs(v, "args", k_sh);
    assert_strs(v, "env", path_only);
    assert_string_equal(str_at(v, "cwd"), "/");
    assert_strs(v, "capabilities.bounding", k_default_caps);
    assert_strs(v, "capabilities.effective", k_default_caps);
    assert_strs(v, "capabilities.permitted", k_default_caps);
    assert_null(at(v, "capabilities.inheritable"));
    assert_int_equal(hcsi_json_array_len(at(v, "rlimits")), 1);
    assert_string_equal(str_at(hcsi_json_array_at(at(v, "rlimits"), 0), "type"),
                        "RLIMIT_NOFILE");
    assert_int_equal(int_at(hcsi_json_array_at(at(v, "rlimits"), 0), "soft"), 1024);
    assert_true(bool_at(v, "noNewPrivileges"));
    hcsi_json_put(v);
    hcs_free(json);
}

static void test_process_options(void **s)
{
    hcs_gcs_oci_process_options o;
    char *json = NULL;
    hcsi_json *v;
    static const char *const env[] = {"FOO=1", "PATH=/opt/bin:/bin", "EMPTY=", "FOO=2=3",
                                      NULL};
    static const char *const env_want[] = {"PATH=/opt/bin:/bin", "FOO=2=3", "EMPTY=",
                                           NULL};
    static const uint32_t gids[] = {4, 27};
    static const char *const caps[] = {"CAP_NET_ADMIN", "CAP_SYS_PTRACE", NULL};
    (void)s;
    hcs_gcs_oci_process_options_init(&o, HCS_GCS_OCI_PROCESS_OPTIONS_VERSION);
    o.args = k_sh;
    o.env = env;
    o.cwd = "/work dir";
    o.uid = 1000;
    o.gid = 1001;
    o.additional_gids = gids;
    o.additional_gid_count = 2;
    o.username = "app:staff";
    o.terminal = 1;
    o.console_height = 24;
    o.console_width = 80;
    o.capabilities = caps;
    o.nofile_limit = 65536;
    o.allow_new_privileges = 1;
    assert_int_equal(hcs_gcs_encode_oci_process(&o, &json), HCS_S_OK);
    v = parse(json);
    assert_true(bool_at(v, "terminal"));
    assert_int_equal(int_at(v, "consoleSize.height"), 24);
    assert_int_equal(int_at(v, "consoleSize.width"), 80);
    assert_int_equal(int_at(v, "user.uid"), 1000);
    assert_int_equal(int_at(v, "user.gid"), 1001);
    assert_int_equal(hcsi_json_array_len(at(v, "user.additionalGids")), 2);
    assert_int_equal(hcsi_json_i64(hcsi_json_array_at(at(v, "user.additionalGids"), 1)), 27);
    assert_string_equal(str_at(v, "user.username"), "app:staff");
    /* PATH replaced in place, FOO's later value replaces the earlier one */
    assert_strs(v, "env", env_want);
    assert_string_equal(str_at(v, "cwd"), "/work dir");
    assert_strs(v, "capabilities.bounding", caps);
    assert_strs(v, "capabilities.effective", caps);
    assert_strs(v, "capabilities.permitted", caps);
    assert_int_equal(int_at(hcsi_json_array_at(at(v, "rlimits"), 0), "hard"), 65536);
    assert_null(at(v, "noNewPrivileges"));
    /* terminal and console size come first, as Go writes them */
    assert_starts_with(json, "{\"terminal\":true,\"consoleSize\":{\"height\":24,"
                             "\"width\":80},\"user\":{\"uid\":1000,");
    hcsi_json_put(v);
    hcs_free(json);

    /* an empty capability list drops every capability: {} */
    {
        static const char *const none[] = {NULL};
        o.capabilities = none;
        assert_int_equal(hcs_gcs_encode_oci_process(&o, &json), HCS_S_OK);
        v = parse(json);
        assert_int_equal(hcsi_json_kind_of(at(v, "capabilities")), HCSI_JSON_OBJECT);
        assert_int_equal(hcsi_json_object_len(at(v, "capabilities")), 0);
        hcsi_json_put(v);
        hcs_free(json);
    }
}

typedef struct bad_case {
    const char *name;
    void (*set)(hcs_gcs_oci_process_options *o);
    const char *msg;
} bad_case;

static const char *const k_empty_args[] = {NULL};
static const char *const k_empty_cmd[] = {"", NULL};
static const char *const k_bad_utf8[] = {"sh", "\xff\xfe", NULL};
static const char *const k_env_noeq[] = {"A=1", "FOO", NULL};
static const char *const k_env_nokey[] = {"=x", NULL};
static const char *const k_bad_cap[] = {"CAP_KILL", "NET_ADMIN", NULL};
static const char *const k_bad_cap2[] = {"CAP_net_admin", NULL};

static void b_no_args(hcs_gcs_oci_process_options *o) { o->args = NULL; }
static void b_empty_args(hcs_gcs_oci_process_options *o) { o->args = k_empty_args; }
static void b_empty_cmd(hcs_gcs_oci_process_options *o) { o->args = k_empty_cmd; }
static void b_bad_utf8(hcs_gcs_oci_process_options *o) { o->args = k_bad_utf8; }
static void b_env_noeq(hcs_gcs_oci_process_options *o) { o->env = k_env_noeq; }
static void b_env_nokey(hcs_gcs_oci_process_options *o) { o->env = k_env_nokey; }
static void b_cwd_rel(hcs_gcs_oci_process_options *o) { o->cwd = "work"; }
static void b_cwd_empty(hcs_gcs_oci_process_options *o) { o->cwd = ""; }
static void b_cwd_ctl(hcs_gcs_oci_process_options *o) { o->cwd = "/a\nb"; }
static void b_user_space(hcs_gcs_oci_process_options *o) { o->username = "a b"; }
static void b_user_3(hcs_gcs_oci_process_options *o) { o->username = "a:b:c"; }
static void b_user_lead(hcs_gcs_oci_process_options *o) { o->username = ":b"; }
static void b_user_trail(hcs_gcs_oci_process_options *o) { o->username = "a:"; }
static void b_user_empty(hcs_gcs_oci_process_options *o) { o->username = ""; }
static void b_gids(hcs_gcs_oci_process_options *o) { o->additional_gid_count = 3; }
static void b_half_size(hcs_gcs_oci_process_options *o)
{
    o->terminal = 1;
    o->console_height = 24;
}
static void b_huge_size(hcs_gcs_oci_process_options *o)
{
    o->terminal = 1;
    o->console_height = 24;
    o->console_width = 60000;
}
static void b_size_no_tty(hcs_gcs_oci_process_options *o)
{
    o->console_height = 24;
    o->console_width = 80;
}
static void b_cap(hcs_gcs_oci_process_options *o) { o->capabilities = k_bad_cap; }
static void b_cap2(hcs_gcs_oci_process_options *o) { o->capabilities = k_bad_cap2; }

static const bad_case k_bad[] = {
    {"no args", b_no_args, "OCI process: args is empty"},
    {"empty args", b_empty_args, "OCI process: args is empty"},
    {"empty command", b_empty_cmd, "args[0] (the command) is an empty string"},
    {"invalid UTF-8", b_bad_utf8, "args[1] is not valid UTF-8 (byte 0)"},
    {"env without =", b_env_noeq, "env[1] \"FOO\" is not KEY=VALUE (no '=')"},
    {"env without key", b_env_nokey, "env[0] \"=x\" is not KEY=VALUE (empty KEY)"},
    {"relative cwd", b_cwd_rel, "cwd \"work\" is not an absolute path"},
    {"empty cwd", b_cwd_empty, "cwd \"\" is not an absolute path"},
    {"control char in cwd", b_cwd_ctl, "cwd contains a control character (byte 2)"},
    {"username with space", b_user_space, "username \"a b\" is not a user string"},
    {"username a:b:c", b_user_3, "username \"a:b:c\" is not a user string"},
    {"username :b", b_user_lead, "username \":b\" is not a user string"},
    {"username a:", b_user_trail, "username \"a:\" is not a user string"},
    {"empty username", b_user_empty, "username \"\" is not a user string"},
    {"gids NULL", b_gids, "additional_gid_count is 3 but additional_gids is NULL"},
    {"half a console size", b_half_size, "console size 24x0: set both height and width"},
    {"absurd console size", b_huge_size, "console size 24x60000 is out of range (1..10000"},
    {"console size without terminal", b_size_no_tty, "a console size needs terminal"},
    {"capability name", b_cap, "capabilities[1] \"NET_ADMIN\" is not a capability name"},
    {"lower-case capability", b_cap2, "capabilities[0] \"CAP_net_admin\""},
};

static void test_process_invalid(void **s)
{
    size_t i;
    (void)s;
    for (i = 0; i < sizeof k_bad / sizeof k_bad[0]; i++) {
        hcs_gcs_oci_process_options o;
        char *json = (char *)"untouched";
        hcs_result hr;
        hcs_gcs_oci_process_options_init(&o, HCS_GCS_OCI_PROCESS_OPTIONS_VERSION);
        o.args = k_sh;
        k_bad[i].set(&o);
        hr = hcs_gcs_encode_oci_process(&o, &json);
        if (hr != HCS_ERR_INVALIDARG)
            fail_msg("%s: got 0x%08x", k_bad[i].name, (unsigned)hr);
        assert_null(json);
        gt_expect_msg(k_bad[i].msg);
    }
    assert_int_equal(hcs_gcs_encode_oci_process(NULL, &(char *){NULL}), HCS_ERR_INVALIDARG);
}

/* ---- the runtime spec ---- */

static void assert_mount(const hcsi_json *m, const char *dest, const char *type,
                         const char *source)
{
    assert_string_equal(str_at(m, "destination"), dest);
    assert_string_equal(str_at(m, "type"), type);
    assert_string_equal(str_at(m, "source"), source);
}

static void test_spec_defaults(void **s)
{
    hcs_gcs_oci_spec_options o;
    char *json = NULL, *config = NULL;
    hcsi_json *v, *mounts, *ns, *m;
    static const char *const masked[] = {
        "/proc/acpi",        "/proc/asound",     "/proc/kcore",       "/proc/keys",
        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
        "/sys/firmware",     "/proc/scsi",       NULL};
    static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq",
                                           "/proc/sys", "/proc/sysrq-trigger", NULL};
    static const char *const pts_opts[] = {"nosuid", "noexec", "newinstance",
                                           "ptmxmode=0666", "mode=0620", "gid=5", NULL};
    static const char *const cg_opts[] = {"nosuid", "noexec", "nodev", "relatime", "ro",
                                          NULL};
    static const char *const ns_types[] = {"pid", "ipc", "uts", "mount", "network"};
    size_t i;
    (void)s;
    hcs_gcs_oci_spec_options_init(&o, HCS_GCS_OCI_SPEC_OPTIONS_VERSION);
    o.process.args = k_sh;
    o.container_id = "c1";
    assert_int_equal(hcs_gcs_encode_oci_spec(&o, &json), HCS_S_OK);
    v = parse(json);
    /* Go's member order of specs.Spec */
    assert_starts_with(json, "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":");
    assert_non_null(strstr(json, "\"noNewPrivileges\":true},"
                                 "\"root\":{\"path\":\"/run/gcs/c/c1/rootfs\"},"
                                 "\"mounts\":[{\"destination\":\"/proc\""));
    assert_string_equal(str_at(v, "ociVersion"), "1.0.2");
    assert_strs(v, "process.args", k_sh);
    assert_true(bool_at(v, "process.noNewPrivileges"));
    assert_string_equal(str_at(v, "root.path"), "/run/gcs/c/c1/rootfs");
    assert_null(at(v, "root.readonly"));
    assert_null(at(v, "hostname"));
    mounts = at(v, "mounts");
    assert_int_equal(hcsi_json_array_len(mounts), 7);
    assert_mount(hcsi_json_array_at(mounts, 0), "/proc", "proc", "proc");
    assert_mount(hcsi_json_array_at(mounts, 1), "/dev", "tmpfs", "tmpfs");
    assert_mount(hcsi_json_array_at(mounts, 2), "/dev/pts", "devpts", "devpts");
    assert_strs(hcsi_json_array_at(mounts, 2), "options", pts_opts);
    assert_mount(hcsi_json_array_at(mounts, 3), "/dev/shm", "tmpfs", "shm");
    assert_mount(hcsi_json_array_at(mounts, 4), "/dev/mqueue", "mqueue", "mqueue");
    assert_mount(hcsi_json_array_at(mounts, 5), "/sys", "sysfs", "sysfs");
    m = hcsi_json_array_at(mounts, 6);
    assert_mount(m, "/sys/fs/cgroup", "cgroup", "cgroup");
    assert_strs(m, "options", cg_opts);
    /* devices deny-all, nothing else limited */
    assert_int_equal(hcsi_json_array_len(at(v, "linux.resources.devices")), 1);
    m = hcsi_json_array_at(at(v, "linux.resources.devices"), 0);
    assert_false(bool_at(m, "allow"));
    assert_string_equal(str_at(m, "access"), "rwm");
    assert_null(at(v, "linux.resources.memory"));
    assert_null(at(v, "linux.resources.cpu"));
    assert_null(at(v, "linux.resources.pids"));
    assert_string_equal(str_at(v, "linux.cgroupsPath"), "/containers/c1");
    ns = at(v, "linux.namespaces");
    assert_int_equal(hcsi_json_array_len(ns), 5);
    for (i = 0; i < 5; i++) {
        assert_string_equal(str_at(hcsi_json_array_at(ns, i), "type"), ns_types[i]);
        assert_null(at(hcsi_json_array_at(ns, i), "path"));
    }
    assert_strs(v, "linux.maskedPaths", masked);
    assert_strs(v, "linux.readonlyPaths", readonly);
    assert_null(at(v, "windows"));

    /* the spec is what Create carries: it wraps as OciSpecification */
    assert_int_equal(hcs_gcs_encode_lcow_container_config("/run/gcs/c/c1", json,
                                                          "/run/gcs/c/c1/scratch", &config),
                     HCS_S_OK);
    {
        hcsi_json *c = parse(config);
        assert_string_equal(str_at(c, "OciSpecification.root.path"), "/run/gcs/c/c1/rootfs");
        assert_string_equal(str_at(c, "OciSpecification.linux.cgroupsPath"),
                            "/containers/c1");
        hcsi_json_put(c);
    }
    hcs_free(config);
    hcsi_json_put(v);
    hcs_free(json);

    /* no container id: a bundle-relative root and no cgroups path */
    o.container_id = NULL;
    assert_int_equal(hcs_gcs_encode_oci_spec(&o, &json), HCS_S_OK);
    v = parse(json);
    assert_string_equal(str_at(v, "root.path"), "rootfs");
    assert_null(at(v, "linux.cgroupsPath"));
    hcsi_json_put(v);
    hcs_free(json);
}

static void test_spec_options(void **s)
{
    hcs_gcs_oci_spec_options o;
    char *json = NULL;
    hcsi_json *v, *mounts, *ns;
    static const char *const shm_opts[] = {"nosuid", "size=1g", NULL};
    static const char *const bind_opts[] = {"rbind", "ro", NULL};
    hcs_gcs_oci_mount extra[3];
    (void)s;
    memset(extra, 0, sizeof extra);
    extra[0].destination = "/data";
    extra[0].type = "bind";
    extra[0].source = "/run/mounts/m1";
    extra[0].options = bind_opts;
    extra[1].destination = "/dev/shm";
    extra[1].type = "tmpfs";
    extra[1].source = "shm";
    extra[1].options = shm_opts;
    extra[2].destination = "/tmp"; /* type, source, options omitted */
    hcs_gcs_oci_spec_options_init(&o, HCS_GCS_OCI_SPEC_OPTIONS_VERSION);
    o.process.args = k_sh;
    o.process.terminal = 1;
    o.process.console_height = 50;
    o.process.console_width = 132;
    o.container_id = "c2";
    o.root_path = "/custom/rootfs";
    o.root_readonly = 1;
    o.hostname = "web-1.example";
    o.mounts = extra;
    o.mount_count = 3;
    o.network_namespace_path = "/var/run/netns/c2";
    o.network_namespace_id = "0b9f1c7e-1b2a-4c1d-8e2f-3a4b5c6d7e8f";
    o.cgroups_path = "/pods/c2";
    o.resources.memory_limit = 512ll << 20;
    o.resources.cpu_shares = 512;
    o.resources.cpu_quota = 50000;
    o.resources.cpu_period = 100000;
    o.resources.pids_limit = 100;
    assert_int_equal(hcs_gcs_encode_oci_spec(&o, &json), HCS_S_OK);
    v = parse(json);
    assert_true(bool_at(v, "process.terminal"));
    assert_int_equal(int_at(v, "process.consoleSize.height"), 50);
    assert_int_equal(int_at(v, "process.consoleSize.width"), 132);
    assert_string_equal(str_at(v, "root.path"), "/custom/rootfs");
    assert_true(bool_at(v, "root.readonly"));
    assert_string_equal(str_at(v, "hostname"), "web-1.example");
    mounts = at(v, "mounts");
    assert_int_equal(hcsi_json_array_len(mounts), 9);
    /* /dev/shm replaced in place, the others appended in order */
    assert_string_equal(str_at(hcsi_json_array_at(mounts, 3), "destination"), "/dev/shm");
    assert_strs(hcsi_json_array_at(mounts, 3), "options", shm_opts);
    assert_mount(hcsi_json_array_at(mounts, 7), "/data", "bind", "/run/mounts/m1");
    assert_strs(hcsi_json_array_at(mounts, 7), "options", bind_opts);
    assert_string_equal(str_at(hcsi_json_array_at(mounts, 8), "destination"), "/tmp");
    assert_int_equal(hcsi_json_object_len(hcsi_json_array_at(mounts, 8)), 1);
    assert_int_equal(int_at(v, "linux.resources.memory.limit"), 512ll << 20);
    assert_int_equal(int_at(v, "linux.resources.cpu.shares"), 512);
    assert_int_equal(int_at(v, "linux.resources.cpu.quota"), 50000);
    assert_int_equal(int_at(v, "linux.resources.cpu.period"), 100000);
    assert_int_equal(int_at(v, "linux.resources.pids.limit"), 100);
    assert_string_equal(str_at(v, "linux.cgroupsPath"), "/pods/c2");
    ns = at(v, "linux.namespaces");
    assert_int_equal(hcsi_json_array_len(ns), 5);
    assert_string_equal(str_at(hcsi_json_array_at(ns, 4), "type"), "network");
    assert_string_equal(str_at(hcsi_json_array_at(ns, 4), "path"), "/var/run/netns/c2");
    assert_string_equal(str_at(v, "windows.network.networkNamespace"),
                        "0b9f1c7e-1b2a-4c1d-8e2f-3a4b5c6d7e8f");
    hcsi_json_put(v);
    hcs_free(json);

    /* sharing the UVM's network: no network namespace entry (hcsshim) */
    o.network_namespace_path = NULL;
    o.share_uvm_network = 1;
    assert_int_equal(hcs_gcs_encode_oci_spec(&o, &json), HCS_S_OK);
    v = parse(json);
    ns = at(v, "linux.namespaces");
    assert_int_equal(hcsi_json_array_len(ns), 4);
    assert_string_equal(str_at(hcsi_json_array_at(ns, 3), "type"), "mount");
    hcsi_json_put(v);
    hcs_free(json);
}

typedef struct bad_spec {
    const char *name;
    void (*set)(hcs_gcs_oci_spec_options *o);
    const char *msg;
} bad_spec;

static const hcs_gcs_oci_mount k_rel_mount = {"data", "bind", "/x", NULL};
static const char *const k_empty_opt[] = {"ro", "", NULL};
static const hcs_gcs_oci_mount k_opt_mount = {"/data", "bind", "/x", k_empty_opt};

static void s_args(hcs_gcs_oci_spec_options *o) { o->process.args = NULL; }
static void s_host_space(hcs_gcs_oci_spec_options *o) { o->hostname = "my host"; }
static void s_host_long(hcs_gcs_oci_spec_options *o)
{
    o->hostname = "a123456789b123456789c123456789d123456789e123456789f123456789g1234";
}
static void s_mount_rel(hcs_gcs_oci_spec_options *o)
{
    o->mounts = &k_rel_mount;
    o->mount_count = 1;
}
static void s_mount_opt(hcs_gcs_oci_spec_options *o)
{
    o->mounts = &k_opt_mount;
    o->mount_count = 1;
}
static void s_mount_null(hcs_gcs_oci_spec_options *o) { o->mount_count = 2; }
static void s_cid(hcs_gcs_oci_spec_options *o) { o->container_id = "a/b"; }
static void s_cid_dots(hcs_gcs_oci_spec_options *o) { o->container_id = ".."; }
static void s_root(hcs_gcs_oci_spec_options *o) { o->root_path = ""; }
static void s_mem(hcs_gcs_oci_spec_options *o) { o->resources.memory_limit = 1024; }
static void s_mem_neg(hcs_gcs_oci_spec_options *o) { o->resources.memory_limit = -1; }
static void s_shares(hcs_gcs_oci_spec_options *o) { o->resources.cpu_shares = 1; }
static void s_shares_hi(hcs_gcs_oci_spec_options *o) { o->resources.cpu_shares = 262145; }
static void s_quota(hcs_gcs_oci_spec_options *o) { o->resources.cpu_quota = 999; }
static void s_period(hcs_gcs_oci_spec_options *o) { o->resources.cpu_period = 2000000; }
static void s_pids(hcs_gcs_oci_spec_options *o) { o->resources.pids_limit = -1; }
static void s_netns(hcs_gcs_oci_spec_options *o)
{
    o->network_namespace_path = "/var/run/netns/x";
    o->share_uvm_network = 1;
}
static void s_netns_rel(hcs_gcs_oci_spec_options *o) { o->network_namespace_path = "netns"; }
static void s_nsid(hcs_gcs_oci_spec_options *o) { o->network_namespace_id = "nope"; }
static void s_cgroups(hcs_gcs_oci_spec_options *o) { o->cgroups_path = ""; }

static const bad_spec k_bad_spec[] = {
    {"process", s_args, "OCI spec: process: args is empty"},
    {"hostname space", s_host_space, "hostname \"my host\" has a character outside"},
    {"hostname length", s_host_long, "hostname is too long (1..64 bytes)"},
    {"relative mount", s_mount_rel, "mounts[0].destination \"data\" is not an absolute path"},
    {"empty mount option", s_mount_opt, "mounts[0].options[1] is empty"},
    {"mounts NULL", s_mount_null, "mount_count is 2 but mounts is NULL"},
    {"container id slash", s_cid, "container_id \"a/b\" cannot be a path component"},
    {"container id ..", s_cid_dots, "container_id \"..\" cannot be a path component"},
    {"empty root", s_root, "root_path is empty"},
    {"tiny memory", s_mem, "memory_limit 1024 bytes is below the minimum of 6291456"},
    {"negative memory", s_mem_neg, "memory_limit -1 bytes"},
    {"cpu shares 1", s_shares, "cpu_shares 1 is outside 2..262144"},
    {"cpu shares high", s_shares_hi, "cpu_shares 262145 is outside 2..262144"},
    {"cpu quota", s_quota, "cpu_quota 999 us is below 1000 us"},
    {"cpu period", s_period, "cpu_period 2000000 us is outside 1000..1000000"},
    {"pids", s_pids, "pids_limit -1 is negative"},
    {"netns path and share", s_netns, "network_namespace_path and share_uvm_network exclude"},
    {"netns relative", s_netns_rel, "network_namespace_path \"netns\" is not an absolute"},
    {"namespace id", s_nsid, "network_namespace_id \"nope\" is not a GUID"},
    {"empty cgroups path", s_cgroups, "cgroups_path is empty"},
};

static void test_spec_invalid(void **s)
{
    size_t i;
    (void)s;
    for (i = 0; i < sizeof k_bad_spec / sizeof k_bad_spec[0]; i++) {
        hcs_gcs_oci_spec_options o;
        char *json = (char *)"untouched";
        hcs_result hr;
        hcs_gcs_oci_spec_options_init(&o, HCS_GCS_OCI_SPEC_OPTIONS_VERSION);
        o.process.args = k_sh;
        k_bad_spec[i].set(&o);
        hr = hcs_gcs_encode_oci_spec(&o, &json);
        if (hr != HCS_ERR_INVALIDARG)
            fail_msg("%s: got 0x%08x", k_bad_spec[i].name, (unsigned)hr);
        assert_null(json);
        gt_expect_msg(k_bad_spec[i].msg);
    }
}

/* The _init functions and the INIT macros agree, and both refuse or mark
 * what is not this library's version. */
static void test_options_init_versions(void **state)
{
    hcs_gcs_oci_spec_options a = HCS_GCS_OCI_SPEC_OPTIONS_INIT, b;
    hcs_gcs_bridge_options c = HCS_GCS_BRIDGE_OPTIONS_INIT, d;
    hcs_gcs_oci_process_options p;
    char *json = NULL;
    (void)state;
    memset(&b, 0xA5, sizeof b);
    assert_int_equal(hcs_gcs_oci_spec_options_init(&b, HCS_GCS_OCI_SPEC_OPTIONS_VERSION), HCS_S_OK);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(a.process.version, HCS_GCS_OCI_PROCESS_OPTIONS_VERSION);
    memset(&d, 0, sizeof d);
    assert_int_equal(hcs_gcs_bridge_options_init(&d, HCS_GCS_BRIDGE_OPTIONS_VERSION), HCS_S_OK);
    assert_int_equal(d.rpc_timeout_ms, HCS_GCS_DEFAULT_RPC_TIMEOUT_MS);
    assert_int_equal(d.max_message_size, c.max_message_size);
    assert_int_equal(d.accept_timeout_ms, c.accept_timeout_ms);
    assert_int_equal(hcs_gcs_bridge_options_init(&d, 7), HCS_ERR_INVALIDARG);
    assert_non_null(strstr(hcs_error_last()->message, "hcs_gcs_bridge_options: version 7"));
    assert_int_equal(hcs_gcs_bridge_options_init(NULL, HCS_GCS_BRIDGE_OPTIONS_VERSION), HCS_ERR_POINTER);
    memset(&p, 0, sizeof p);
    assert_int_equal(hcs_gcs_encode_oci_process(&p, &json), HCS_ERR_INVALIDARG);
    assert_null(json);
    assert_non_null(strstr(hcs_error_last()->message, "hcs_gcs_oci_process_options: version is 0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_init_versions),
        cmocka_unit_test(test_process_defaults),
        cmocka_unit_test(test_process_options),
        cmocka_unit_test(test_process_invalid),
        cmocka_unit_test(test_spec_defaults),
        cmocka_unit_test(test_spec_options),
        cmocka_unit_test(test_spec_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
