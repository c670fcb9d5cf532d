/* Storage test kit (see stor_kit.h). */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "stor_kit.h"

const char *const sk_controllers[4] = {
    "df6d0690-79e5-55b6-a5ec-c1e2f77f580a",
    "0110f83b-de10-5172-a266-78bca56bf50a",
    "b5d2d8d4-3a75-51bf-945b-3444dc6b8579",
    "305891a9-b251-5dfe-91a2-c25d9212275b",
};

static int tool(const char *name)
{
    char p[64];
    snprintf(p, sizeof p, "/usr/sbin/%s", name);
    if (access(p, X_OK) == 0)
        return 1;
    snprintf(p, sizeof p, "/sbin/%s", name);
    return access(p, X_OK) == 0;
}

int sk_available(void)
{
    static int entered;
    const char *why = NULL;
    if (entered)
        return 1;
    if (geteuid() != 0)
        why = "not root";
    else if (!tool("losetup"))
        why = "no losetup (apt-get install util-linux)";
    else if (!tool("mkfs.ext4"))
        why = "no mkfs.ext4 (apt-get install e2fsprogs)";
    else if (access("/dev/loop-control", R_OK | W_OK) != 0)
        why = "no /dev/loop-control (loop devices)";
    else if (unshare(CLONE_NEWNS) != 0)
        why = "unshare(CLONE_NEWNS) is not permitted";
    else if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        why = "cannot make the mount namespace private";
    if (!why) {
        /* From here on every mount of this process and of the agents it
         * starts stays in this namespace. */
        entered = 1;
        return 1;
    }
    return gh_unavailable("storage", "storage tests need root, loop devices, losetup, mkfs.ext4",
                          why);
}

void sk_init(sk_env *env)
{
    memset(env, 0, sizeof *env);
    snprintf(env->dir, sizeof env->dir, "/tmp/hcsg-stor-XXXXXX");
    assert_non_null(mkdtemp(env->dir));
    snprintf(env->sys, sizeof env->sys, "%s/sys", env->dir);
    snprintf(env->dev, sizeof env->dev, "%s/dev", env->dir);
    assert_int_equal(mkdir(env->sys, 0755), 0);
    assert_int_equal(mkdir(env->dev, 0755), 0);
}

/* Mount points under dir, deepest (longest) first. */
static size_t mounts_under(const char *dir, char out[][512], size_t max)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    size_t n = 0, dl = strlen(dir), i, j;
    if (!f)
        return 0;
    while (n < max && fgets(line, sizeof line, f)) {
        char mp[512];
        if (sscanf(line, "%*s %*s %*s %*s %511s", mp) != 1)
            continue;
        if (strncmp(mp, dir, dl) == 0 && (mp[dl] == '/' || mp[dl] == '\0'))
            snprintf(out[n++], 512, "%s", mp);
    }
    fclose(f);
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (strlen(out[j]) > strlen(out[i])) {
                char t[512];
                memcpy(t, out[i], 512);
                memcpy(out[i], out[j], 512);
                memcpy(out[j], t, 512);
            }
    return n;
}

void sk_fini(sk_env *env)
{
    char mps[64][512];
    size_t n, i;
    if (!env->dir[0])
        return;
    n = mounts_under(env->dir, mps, 64);
    for (i = 0; i < n; i++) {
        fprintf(stderr, "teardown: %s was still mounted\n", mps[i]);
        if (umount2(mps[i], MNT_DETACH) != 0)
            fprintf(stderr, "teardown: umount %s: %s\n", mps[i], strerror(errno));
    }
    for (i = 0; i < env->nloops; i++)
        if (gh_sh("losetup -d /dev/%s", env->loops[i]) != 0)
            fprintf(stderr, "teardown: could not detach /dev/%s\n", env->loops[i]);
    env->nloops = 0;
    if (gh_sh("rm -rf '%s'", env->dir) != 0)
        fprintf(stderr, "teardown: could not remove %s\n", env->dir);
    env->dir[0] = '\0';
}

void sk_image(const char *path, unsigned size_mb, int ext4, const char *name,
              const char *content)
{
    assert_int_equal(gh_sh("truncate -s %uM '%s'", size_mb, path), 0);
    if (!ext4)
        return;
    if (name) {
        char src[512], file[640];
        FILE *f;
        snprintf(src, sizeof src, "%s.src", path);
        assert_int_equal(mkdir(src, 0755), 0);
        snprintf(file, sizeof file, "%s/%s", src, name);
        f = fopen(file, "w");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
        assert_int_equal(gh_sh("mkfs.ext4 -q -F -d '%s' '%s' >&2", src, path), 0);
        assert_int_equal(gh_sh("rm -rf '%s'", src), 0);
    } else {
        assert_int_equal(gh_sh("mkfs.ext4 -q -F '%s' >&2", path), 0);
    }
}

void sk_loop(sk_env *env, const char *img, uint64_t offset, uint64_t size, char *out, size_t n)
{
    char cmd[768], line[64], *nl;
    FILE *p;
    assert_true(env->nloops < 16);
    if (size)
        snprintf(cmd, sizeof cmd, "losetup -f --show -o %llu --sizelimit %llu '%s'",
                 (unsigned long long)offset, (unsigned long long)size, img);
    else
        snprintf(cmd, sizeof cmd, "losetup -f --show -o %llu '%s'", (unsigned long long)offset,
                 img);
    p = popen(cmd, "r");
    assert_non_null(p);
    line[0] = '\0';
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    assert_int_equal(pclose(p), 0);
    nl = strchr(line, '\n');
    if (nl)
        *nl = '\0';
    assert_true(strncmp(line, "/dev/", 5) == 0);
    assert_true(strlen(line + 5) < sizeof env->loops[0]);
    assert_true(env->nloops < sizeof env->loops / sizeof env->loops[0]);
    memcpy(env->loops[env->nloops++], line + 5, strlen(line + 5) + 1);
    snprintf(out, n, "%s", line + 5);
}

static void write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    assert_int_equal(fclose(f), 0);
}

/* "<maj>:<min>" of /dev/<name>. */
static void devnum(const char *name, char *out, size_t n)
{
    char p[96];
    struct stat st;
    snprintf(p, sizeof p, "/dev/%s", name);
    assert_int_equal(stat(p, &st), 0);
    assert_true(S_ISBLK(st.st_mode));
    snprintf(out, n, "%u:%u\n", major(st.st_rdev), minor(st.st_rdev));
}

static void dev_link(sk_env *env, const char *name, const char *target)
{
    char p[160], t[96];
    snprintf(p, sizeof p, "%s/%s", env->dev, name);
    snprintf(t, sizeof t, "/dev/%s", target);
    assert_int_equal(symlink(t, p), 0);
}

void sk_scsi(sk_env *env, unsigned c, unsigned h, unsigned lun, const char *loopname,
             const char *part_loop)
{
    char lundir[512], p[640], num[32];
    snprintf(lundir, sizeof lundir, "%s/bus/vmbus/devices/%s/host%u/target%u:0:0/%u:0:0:%u",
             env->sys, sk_controllers[c], h, h, h, lun);
    assert_int_equal(gh_sh("mkdir -p '%s/block/%s'", lundir, loopname), 0);
    snprintf(p, sizeof p, "%s/block/%s/dev", lundir, loopname);
    devnum(loopname, num, sizeof num);
    write_file(p, num);
    snprintf(p, sizeof p, "%s/delete", lundir);
    write_file(p, "");
    dev_link(env, loopname, loopname);
    if (part_loop) {
        char pname[48];
        snprintf(pname, sizeof pname, "%sp1", loopname);
        snprintf(p, sizeof p, "%s/block/%s/%s", lundir, loopname, pname);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof p, "%s/block/%s/%s/dev", lundir, loopname, pname);
        devnum(part_loop, num, sizeof num);
        write_file(p, num);
        dev_link(env, pname, part_loop);
    }
}

void sk_pmem(sk_env *env, unsigned num, const char *loopname)
{
    char name[32], p[256], dn[32];
    snprintf(name, sizeof name, "pmem%u", num);
    assert_int_equal(gh_sh("mkdir -p '%s/block/%s/queue'", env->sys, name), 0);
    snprintf(p, sizeof p, "%s/block/%s/dev", env->sys, name);
    devnum(loopname, dn, sizeof dn);
    write_file(p, dn);
    snprintf(p, sizeof p, "%s/block/%s/queue/dax", env->sys, name);
    write_file(p, "0\n");
    dev_link(env, name, loopname);
}

int32_t sk_modify(ghost *h, const char *request_type, const char *resource_type,
                  const char *settings_json, char **msg)
{
    char *body = hcsi_asprintf("{\"ContainerId\":\"" GH_ZERO "\",\"ActivityId\":\"" GH_ZERO
                               "\",\"Request\":{\"RequestType\":\"%s\",\"ResourceType\":\"%s\","
                               "\"Settings\":%s}}",
                               request_type, resource_type, settings_json);
    hcsi_json *r = gh_call(h, GH_MODIFY, body, 60000);
    int32_t res = gh_result(r);
    if (msg) {
        const char *m = NULL;
        *msg = strdup(hcsi_json_get_str(r, "r", "ErrorMessage", &m, NULL) == 1 ? m : "");
    }
    hcsi_json_put(r);
    free(body);
    return res;
}

void sk_modify_fails(ghost *h, const char *request_type, const char *resource_type,
                     const char *settings_json, uint32_t hr, const char *needle)
{
    char *msg = NULL;
    int32_t res = sk_modify(h, request_type, resource_type, settings_json, &msg);
    if ((uint32_t)res != hr || !strstr(msg, needle)) {
        fprintf(stderr, "%s %s %s: got 0x%08x \"%s\", expected 0x%08x with \"%s\"\n",
                request_type, resource_type, settings_json, (unsigned)res, msg, (unsigned)hr,
                needle);
        free(msg);
        fail();
    }
    free(msg);
}

void sk_modify_ok(ghost *h, const char *request_type, const char *resource_type,
                  const char *settings_json)
{
    char *msg = NULL;
    int32_t res = sk_modify(h, request_type, resource_type, settings_json, &msg);
    if (res != 0) {
        fprintf(stderr, "%s %s %s: 0x%08x %s\n", request_type, resource_type, settings_json,
                (unsigned)res, msg);
        free(msg);
        fail();
    }
    free(msg);
}

int sk_mounted(const char *path, int *ro)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    int found = 0;
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char mp[512], opts[512];
        if (sscanf(line, "%*s %*s %*s %*s %511s %511s", mp, opts) != 2)
            continue;
        if (strcmp(mp, path) == 0) {
            found = 1;
            if (ro)
                *ro = strncmp(opts, "ro,", 3) == 0 || strcmp(opts, "ro") == 0 ||
                      strstr(opts, ",ro,") != NULL;
        }
    }
    fclose(f);
    return found;
}

int sk_mounts_under(const char *dir)
{
    char mps[64][512];
    return (int)mounts_under(dir, mps, 64);
}

char *sk_read(const char *path)
{
    FILE *f = fopen(path, "re");
    char *buf;
    size_t n;
    if (!f)
        return NULL;
    buf = (char *)calloc(1, 65536);
    assert_non_null(buf);
    n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

int sk_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}
