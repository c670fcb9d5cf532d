/*
 * hcs-gcs storage end to end: a real agent mounts real ext4 images held by
 * loop devices, found through a fake sysfs tree where Hyper-V's SCSI
 * controllers, LUNs and VPMem devices would be (tests/guest/stor_kit.c),
 * driven over the bridge like hcsshim drives the Go GCS. Where this kernel
 * lacks a feature (device-mapper, 9p) the refusal is asserted.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctr_kit.h"
#include "stor_kit.h"

#define E_FAIL 0x80004005u
#define DISK "MappedVirtualDisk"
#define TIMEOUT_MS 1500 /* --device-timeout-ms of most agents here */

typedef struct fx {
    sk_env env;
    ghost h;
    int started;
} fx;

static int setup(void **state)
{
    fx *f;
    *state = NULL;
    if (!sk_available())
        return 0; /* the tests skip themselves */
    f = (fx *)calloc(1, sizeof *f);
    assert_non_null(f);
    sk_init(&f->env);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = (fx *)*state;
    if (!f)
        return 0;
    if (f->started)
        gh_cleanup(&f->h);
    sk_fini(&f->env);
    free(f);
    return 0;
}

static fx *get(void **state)
{
    if (!*state)
        skip();
    return (fx *)*state;
}

/* Starts an agent on the fake device tree; extra: more arguments. */
static void start(fx *f, const char *const *extra)
{
    const char *argv[24];
    size_t n = 0;
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", TIMEOUT_MS);
    argv[n++] = "--sysfs-root";
    argv[n++] = f->env.sys;
    argv[n++] = "--dev-root";
    argv[n++] = f->env.dev;
    argv[n++] = "--device-timeout-ms";
    argv[n++] = timeout;
    while (extra && *extra && n < 22)
        argv[n++] = *extra++;
    argv[n] = NULL;
    gh_start(&f->h, 0, argv);
    f->started = 1;
    gh_negotiate(&f->h);
}

static void stop(fx *f)
{
    int st = gh_stop(&f->h, 10000);
    gh_cleanup(&f->h);
    f->started = 0;
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A disk image with hello.txt at controller 0 (guest host 2), lun. */
static void disk_at(fx *f, unsigned lun, const char *content)
{
    char img[128], loop[32];
    snprintf(img, sizeof img, "%s/disk%u.img", f->env.dir, lun);
    sk_image(img, 16, 1, "hello.txt", content);
    sk_loop(&f->env, img, 0, 0, loop, sizeof loop);
    sk_scsi(&f->env, 0, 2, lun, loop, NULL);
}

static char *disk_json(const char *path, unsigned c, unsigned lun, const char *extra)
{
    return hcsi_asprintf("{\"MountPath\":\"%s\",\"Controller\":%u,\"Lun\":%u%s%s}", path, c, lun,
                         extra ? "," : "", extra ? extra : "");
}

/* A UVM process reads the file: its stdout. */
static char *uvm_cat(ghost *h, const char *path)
{
    char *params = hcsi_asprintf("\"CommandArgs\":[\"/bin/cat\",\"%s\"]", path);
    gh_proc p;
    hcsi_buf out;
    uint32_t code = 99;
    gh_exec_ok(h, params, GH_OUT, &p);
    free(params);
    hcsi_buf_init(&out, 0);
    assert_int_equal(gh_read_all(p.out, &out, 10000), 0);
    gh_close_proc(&p);
    assert_int_equal(gh_wait(h, p.pid, 0xFFFFFFFFu, &code, 10000), 0);
    assert_int_equal(code, 0);
    assert_int_equal(hcsi_buf_putc(&out, '\0'), 0);
    return hcsi_buf_steal(&out, NULL);
}

static void expect_file(const char *path, const char *content)
{
    char *got = sk_read(path);
    assert_non_null(got);
    assert_string_equal(got, content);
    free(got);
}

/* A read-only SCSI disk: mounted ro, a UVM process reads it, a write
 * fails, Remove unmounts and removes the directories Add created. */
static void test_disk_read_only(void **state)
{
    fx *f = get(state);
    char top[128], mp[160], file[192], *js, *out;
    int ro = 0, fd;
    disk_at(f, 1, "hello from lun 1\n");
    start(f, NULL);
    snprintf(top, sizeof top, "%s/mnt", f->env.dir);
    snprintf(mp, sizeof mp, "%s/mnt/scsi/m1", f->env.dir);
    snprintf(file, sizeof file, "%s/hello.txt", mp);
    js = disk_json(mp, 0, 1, "\"ReadOnly\":true");
    sk_modify_ok(&f->h, "Add", DISK, js);
    assert_true(sk_mounted(mp, &ro));
    assert_true(ro);
    expect_file(file, "hello from lun 1\n");
    out = uvm_cat(&f->h, file);
    assert_string_equal(out, "hello from lun 1\n");
    free(out);
    fd = open(file, O_WRONLY | O_APPEND);
    assert_true(fd < 0);
    assert_int_equal(errno, EROFS);
    /* The same path twice: refused, the first mount untouched. */
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL, "already holds a SCSI disk");
    assert_true(sk_mounted(mp, NULL));
    sk_modify_ok(&f->h, "Remove", DISK, js);
    assert_false(sk_mounted(mp, NULL));
    assert_false(sk_exists(top)); /* Add made mnt/scsi/m1: all gone */
    /* Remove of what is not mounted: a success, as in the Go GCS. */
    sk_modify_ok(&f->h, "Remove", DISK, js);
    free(js);
    stop(f);
}

/* Read-write: a file written survives an unmount and a new mount. */
static void test_disk_read_write_remount(void **state)
{
    fx *f = get(state);
    char mp[160], file[192], *js;
    FILE *w;
    int ro = 1;
    disk_at(f, 2, "rw disk\n");
    start(f, NULL);
    snprintf(mp, sizeof mp, "%s/m2", f->env.dir);
    snprintf(file, sizeof file, "%s/written.txt", mp);
    js = disk_json(mp, 0, 2, NULL);
    sk_modify_ok(&f->h, "Add", DISK, js);
    assert_true(sk_mounted(mp, &ro));
    assert_false(ro);
    w = fopen(file, "w");
    assert_non_null(w);
    fputs("written through the mount\n", w);
    assert_int_equal(fclose(w), 0);
    sk_modify_ok(&f->h, "Remove", DISK, js);
    assert_false(sk_mounted(mp, NULL));
    assert_false(sk_exists(file));
    sk_modify_ok(&f->h, "Add", DISK, js);
    expect_file(file, "written through the mount\n");
    sk_modify_ok(&f->h, "Remove", DISK, js);
    free(js);
    stop(f);
}

/* A partitioned disk: a real MBR with partition 1 at 1 MiB. This kernel
 * has no partition-table support (CONFIG_MSDOS_PARTITION off), so the
 * partition's node is modelled with a loop device over its byte range,
 * named in sysfs where the kernel would name block/loopN/loopNp1. */
static void test_disk_partition(void **state)
{
    fx *f = get(state);
    char img[128], disk[32], part[32], mp[160], file[192], *js;
    unsigned char mbr[512];
    const uint32_t start_lba = 2048, sectors = 12u * 2048u; /* 12 MiB */
    int fd;
    snprintf(img, sizeof img, "%s/parted.img", f->env.dir);
    sk_image(img, 14, 0, NULL, NULL);
    memset(mbr, 0, sizeof mbr);
    mbr[446 + 4] = 0x83; /* Linux */
    memcpy(mbr + 446 + 8, &start_lba, 4);
    memcpy(mbr + 446 + 12, &sectors, 4);
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    fd = open(img, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, mbr, sizeof mbr, 0), 512);
    close(fd);
    sk_loop(&f->env, img, 0, 0, disk, sizeof disk);
    sk_loop(&f->env, img, (uint64_t)start_lba * 512u, (uint64_t)sectors * 512u, part,
            sizeof part);
    {
        char src[160];
        snprintf(src, sizeof src, "%s/part.src", f->env.dir);
        assert_int_equal(mkdir(src, 0755), 0);
        assert_int_equal(gh_sh("echo 'in partition 1' > '%s/p.txt' && mkfs.ext4 -q -F -d '%s' "
                               "/dev/%s >&2", src, src, part), 0);
    }
    sk_scsi(&f->env, 0, 2, 4, disk, part);
    start(f, NULL);
    snprintf(mp, sizeof mp, "%s/mnt/p1", f->env.dir);
    snprintf(file, sizeof file, "%s/p.txt", mp);
    /* The whole disk has no file system: only partition 1 mounts. */
    js = disk_json(mp, 0, 4, "\"Partition\":1,\"ReadOnly\":true");
    sk_modify_ok(&f->h, "Add", DISK, js);
    assert_true(sk_mounted(mp, NULL));
    expect_file(file, "in partition 1\n");
    sk_modify_ok(&f->h, "Remove", DISK, js);
    assert_false(sk_mounted(mp, NULL));
    free(js);
    js = disk_json(mp, 0, 4, "\"Partition\":2");
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL, "partition 2 of");
    free(js);
    js = disk_json(mp, 0, 4, "\"Partition\":300");
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL, "partition is out of range");
    free(js);
    assert_false(sk_exists(mp));
    stop(f);
}

/* A disk that never appears: a bounded error naming it; nothing made. */
static void test_disk_never_appears(void **state)
{
    fx *f = get(state);
    char mp[160], *js;
    uint64_t t0, took;
    disk_at(f, 1, "x\n"); /* the controller exists, LUN 9 does not */
    start(f, NULL);
    snprintf(mp, sizeof mp, "%s/mnt/never", f->env.dir);
    js = disk_json(mp, 0, 9, NULL);
    t0 = gh_now_ms();
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL,
                    "SCSI controller 0 LUN 9: the device did not appear within 1500 ms");
    took = gh_now_ms() - t0;
    assert_true(took >= TIMEOUT_MS - 50);
    assert_true(took < TIMEOUT_MS + 3000);
    assert_false(sk_exists(mp));
    free(js);
    /* A controller with no VMBus device at all (controller 3), and one
     * without its SCSI host (controller 2): errors at once, as in the Go
     * GCS (the controllers exist from boot; only disks are hot-added). */
    js = disk_json(mp, 3, 0, NULL);
    t0 = gh_now_ms();
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL,
                    "SCSI controller 3 LUN 0: the controller is not on the VMBus: open /");
    assert_true(gh_now_ms() - t0 < 1000); /* present from boot: no wait */
    free(js);
    assert_int_equal(gh_sh("mkdir -p '%s/bus/vmbus/devices/%s'", f->env.sys, sk_controllers[2]),
                     0);
    js = disk_json(mp, 2, 0, NULL);
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL, "host<N> directory not found inside");
    free(js);
    /* Hyper-V's UVM has four controllers. */
    js = disk_json(mp, 4, 0, NULL);
    t0 = gh_now_ms();
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL, "controller is out of range");
    assert_true(gh_now_ms() - t0 < 1000);
    free(js);
    assert_false(sk_exists(mp));
    stop(f);
}

/* No file system: refused, nothing mounted; EnsureFilesystem formats. */
static void test_disk_bad_filesystem(void **state)
{
    fx *f = get(state);
    char img[128], loop[32], mp[160], file[192], *js;
    FILE *w;
    snprintf(img, sizeof img, "%s/blank.img", f->env.dir);
    sk_image(img, 16, 0, NULL, NULL);
    sk_loop(&f->env, img, 0, 0, loop, sizeof loop);
    sk_scsi(&f->env, 1, 3, 0, loop, NULL);
    start(f, NULL);
    snprintf(mp, sizeof mp, "%s/mnt/blank", f->env.dir);
    js = disk_json(mp, 1, 0, NULL);
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL, "could not get device filesystem type");
    free(js);
    assert_false(sk_exists(mp));
    js = disk_json(mp, 1, 0, "\"Filesystem\":\"ext4\",\"ReadOnly\":true");
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL, "mounting /");
    free(js);
    assert_false(sk_mounted(mp, NULL));
    assert_false(sk_exists(mp));
    js = disk_json(mp, 1, 0, "\"Filesystem\":\"nosuchfs\"");
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL, "this kernel has no nosuchfs file system");
    free(js);
    js = disk_json(mp, 1, 0, "\"EnsureFilesystem\":true,\"Filesystem\":\"btrfs\"");
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL, "unsupported filesystem btrfs");
    free(js);
    assert_int_equal(sk_mounts_under(f->env.dir), 0);
    /* EnsureFilesystem: formatted (mkfs.ext4), then mounted read-write. */
    js = disk_json(mp, 1, 0, "\"EnsureFilesystem\":true,\"Filesystem\":\"ext4\"");
    sk_modify_ok(&f->h, "Add", DISK, js);
    assert_true(sk_mounted(mp, NULL));
    snprintf(file, sizeof file, "%s/new.txt", mp);
    w = fopen(file, "w");
    assert_non_null(w);
    assert_int_equal(fclose(w), 0);
    sk_modify_ok(&f->h, "Remove", DISK, js);
    free(js);
    assert_false(sk_exists(mp));
    stop(f);
}

/* Input validation; Encrypted refused; BlockDev exposes the node. */
static void test_disk_validation_and_blockdev(void **state)
{
    fx *f = get(state);
    char mp[160], lnk[256], target[256], *js;
    ssize_t n;
    disk_at(f, 5, "blockdev\n");
    start(f, NULL);
    sk_modify_fails(&f->h, "Add", DISK, "{\"MountPath\":\"relative/m\",\"Lun\":5}", E_FAIL,
                    "not an absolute path");
    sk_modify_fails(&f->h, "Add", DISK, "{\"MountPath\":\"/run/../etc\",\"Lun\":5}", E_FAIL,
                    "not a normalised path");
    sk_modify_fails(&f->h, "Add", DISK, "{\"MountPath\":\"/proc/m\",\"Lun\":5}", E_FAIL,
                    "lies in /proc");
    sk_modify_fails(&f->h, "Add", DISK, "{\"MountPath\":\"/\",\"Lun\":5}", E_FAIL,
                    "the root of the utility VM");
    sk_modify_fails(&f->h, "Add", DISK, "{\"MountPath\":\"/m\",\"Lun\":300}", 0xC037010Du,
                    "Lun");
    snprintf(mp, sizeof mp, "%s/enc", f->env.dir);
    js = disk_json(mp, 0, 5, "\"Encrypted\":true");
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL, "dm-crypt");
    sk_modify_fails(&f->h, "Update", DISK, js, E_FAIL, "the RequestType \"Update\" is not supported");
    free(js);
    assert_false(sk_exists(mp));
    /* A symbolic link on the way to MountPath: refused, nothing made. */
    snprintf(lnk, sizeof lnk, "%s/via", f->env.dir);
    assert_int_equal(symlink("/tmp", lnk), 0);
    snprintf(mp, sizeof mp, "%s/via/hcsg-stor-escape", f->env.dir);
    js = disk_json(mp, 0, 5, NULL);
    sk_modify_fails(&f->h, "Add", DISK, js, E_FAIL, "a symbolic link on the way");
    free(js);
    assert_false(sk_exists("/tmp/hcsg-stor-escape"));
    /* BlockDev: a link to the device node at MountPath, no mount. */
    snprintf(mp, sizeof mp, "%s/blk/dev5", f->env.dir);
    js = disk_json(mp, 0, 5, "\"BlockDev\":true");
    sk_modify_ok(&f->h, "Add", DISK, js);
    n = readlink(mp, target, sizeof target - 1);
    assert_true(n > 0);
    target[n] = '\0';
    snprintf(lnk, sizeof lnk, "%s/", f->env.dev);
    assert_true(strncmp(target, lnk, strlen(lnk)) == 0);
    assert_false(sk_mounted(mp, NULL));
    sk_modify_ok(&f->h, "Remove", DISK, js);
    free(js);
    assert_false(sk_exists(mp));
    snprintf(mp, sizeof mp, "%s/blk", f->env.dir);
    assert_false(sk_exists(mp));
    stop(f);
}

/* SCSIDevice: Remove unplugs through sysfs; Add is not a thing. */
static void test_scsi_unplug(void **state)
{
    fx *f = get(state);
    char mp[160], del[512], *js, *content;
    disk_at(f, 6, "unplug\n");
    start(f, NULL);
    sk_modify_fails(&f->h, "Add", "SCSIDevice", "{\"Controller\":0,\"Lun\":6}", E_FAIL,
                    "the RequestType \"Add\" is not supported");
    snprintf(mp, sizeof mp, "%s/m6", f->env.dir);
    js = disk_json(mp, 0, 6, NULL);
    sk_modify_ok(&f->h, "Add", DISK, js);
    /* Not from under its mount. */
    sk_modify_fails(&f->h, "Remove", "SCSIDevice", "{\"Controller\":0,\"Lun\":6}", E_FAIL,
                    "still mounted at");
    sk_modify_ok(&f->h, "Remove", DISK, js);
    free(js);
    sk_modify_ok(&f->h, "Remove", "SCSIDevice", "{\"Controller\":0,\"Lun\":6}");
    snprintf(del, sizeof del, "%s/bus/vmbus/devices/%s/host2/target2:0:0/2:0:0:6/delete",
             f->env.sys, sk_controllers[0]);
    content = sk_read(del);
    assert_non_null(content);
    assert_string_equal(content, "1\n");
    free(content);
    /* A LUN with nothing attached: nothing to do (the Go GCS's answer). */
    sk_modify_ok(&f->h, "Remove", "SCSIDevice", "{\"Controller\":0,\"Lun\":7}");
    sk_modify_fails(&f->h, "Remove", "SCSIDevice", "{\"Controller\":2,\"Lun\":0}", E_FAIL,
                    "cannot unplug: SCSI controller 2 LUN 0: the controller is not on");
    stop(f);
}

/* VPMem: /dev/pmem0 mounted read-only; MappingInfo needs device-mapper. */
static void test_vpmem(void **state)
{
    fx *f = get(state);
    char img[128], loop[32], mp[160], file[192], ctl[192], *js;
    int ro = 0, fd;
    snprintf(img, sizeof img, "%s/layer.vhd", f->env.dir);
    sk_image(img, 16, 1, "layer.txt", "from vpmem\n");
    sk_loop(&f->env, img, 0, 0, loop, sizeof loop);
    sk_pmem(&f->env, 0, loop);
    start(f, NULL);
    snprintf(mp, sizeof mp, "%s/layers/p0", f->env.dir);
    snprintf(file, sizeof file, "%s/layer.txt", mp);
    js = hcsi_asprintf("{\"DeviceNumber\":0,\"MountPath\":\"%s\"}", mp);
    sk_modify_ok(&f->h, "Add", "VPMemDevice", js);
    assert_true(sk_mounted(mp, &ro));
    assert_true(ro);
    expect_file(file, "from vpmem\n");
    fd = open(file, O_WRONLY);
    assert_true(fd < 0 && errno == EROFS);
    sk_modify_ok(&f->h, "Remove", "VPMemDevice", js);
    assert_false(sk_mounted(mp, NULL));
    assert_false(sk_exists(mp));
    free(js);
    /* Multi-mapped layers: refused by name, before anything is made. */
    js = hcsi_asprintf("{\"DeviceNumber\":0,\"MountPath\":\"%s\",\"MappingInfo\":"
                       "{\"DeviceOffsetInBytes\":4096,\"DeviceSizeInBytes\":8388608}}", mp);
    sk_modify_fails(&f->h, "Add", "VPMemDevice", js, E_FAIL,
                    "this kernel has no device-mapper");
    assert_false(sk_exists(mp));
    /* A control node that is not device-mapper's: the ioctl fails, named. */
    snprintf(ctl, sizeof ctl, "%s/mapper", f->env.dev);
    assert_int_equal(mkdir(ctl, 0755), 0);
    snprintf(ctl, sizeof ctl, "%s/mapper/control", f->env.dev);
    fd = open(ctl, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    sk_modify_fails(&f->h, "Add", "VPMemDevice", js, E_FAIL, "device-mapper");
    assert_false(sk_exists(mp));
    assert_int_equal(sk_mounts_under(f->env.dir), 0);
    free(js);
    js = hcsi_asprintf("{\"DeviceNumber\":0,\"MountPath\":\"%s\",\"MappingInfo\":"
                       "{\"DeviceOffsetInBytes\":100,\"DeviceSizeInBytes\":8388608}}", mp);
    sk_modify_fails(&f->h, "Add", "VPMemDevice", js, E_FAIL, "whole 512-byte sectors");
    free(js);
    js = hcsi_asprintf("{\"DeviceNumber\":500,\"MountPath\":\"%s\"}", mp);
    sk_modify_fails(&f->h, "Add", "VPMemDevice", js, E_FAIL, "out of range");
    free(js);
    js = hcsi_asprintf("{\"DeviceNumber\":3,\"MountPath\":\"%s\"}", mp);
    sk_modify_fails(&f->h, "Add", "VPMemDevice", js, E_FAIL, "pmem3 does not exist");
    free(js);
    assert_false(sk_exists(mp));
    stop(f);
}

/* A /proc/filesystems of our own: this kernel's, with or without 9p. */
static void fake_proc(fx *f, const char *name, int with_9p)
{
    char p[192];
    snprintf(p, sizeof p, "%s/%s", f->env.dir, name);
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(gh_sh("grep -v '9p$' /proc/filesystems > '%s/filesystems'", p), 0);
    if (with_9p)
        assert_int_equal(gh_sh("printf 'nodev\\t9p\\n' >> '%s/filesystems'", p), 0);
}

/* Plan9: refused without 9p; validated; the dial is to the host's port. */
static void test_plan9(void **state)
{
    fx *f = get(state);
    char proc[192], mp[160], *js;
    const char *extra[3];
    int l, c;
    char b;
    snprintf(mp, sizeof mp, "%s/share", f->env.dir);
    fake_proc(f, "proc-no9p", 0);
    snprintf(proc, sizeof proc, "%s/proc-no9p", f->env.dir);
    extra[0] = "--proc-root";
    extra[1] = proc;
    extra[2] = NULL;
    start(f, extra);
    js = hcsi_asprintf("{\"MountPath\":\"%s\",\"Port\":564,\"ShareName\":\"share\","
                       "\"ReadOnly\":true}", mp);
    sk_modify_fails(&f->h, "Add", "MappedDirectory", js, E_FAIL,
                    "this kernel has none (9p is not in");
    free(js);
    assert_false(sk_exists(mp));
    js = hcsi_asprintf("{\"MountPath\":\"%s\",\"Port\":0}", mp);
    sk_modify_fails(&f->h, "Add", "MappedDirectory", js, E_FAIL, "is not a port number");
    free(js);
    js = hcsi_asprintf("{\"MountPath\":\"%s\",\"Port\":-7}", mp);
    sk_modify_fails(&f->h, "Add", "MappedDirectory", js, E_FAIL, "is not a port number");
    free(js);
    js = hcsi_asprintf("{\"MountPath\":\"%s\",\"Port\":564,\"ShareName\":\"a,trans=tcp\"}", mp);
    sk_modify_fails(&f->h, "Add", "MappedDirectory", js, E_FAIL, "has a comma");
    free(js);
    sk_modify_fails(&f->h, "Add", "MappedDirectory", "{\"MountPath\":\"rel\",\"Port\":564}",
                    E_FAIL, "not an absolute path");
    js = hcsi_asprintf("{\"MountPath\":\"%s\",\"Port\":564}", mp);
    sk_modify_ok(&f->h, "Remove", "MappedDirectory", js); /* never added */
    free(js);
    stop(f);
    /* The machine's own kernel, when it has no 9p (this one). */
    if (gh_sh("grep -q '9p$' /proc/filesystems") != 0) {
        start(f, NULL);
        js = hcsi_asprintf("{\"MountPath\":\"%s\",\"Port\":564}", mp);
        sk_modify_fails(&f->h, "Add", "MappedDirectory", js, E_FAIL, "9p file system");
        free(js);
        stop(f);
    }
    /* A kernel that claims 9p: the agent connects to the host's port
     * (DIR/<port> here: never AF_VSOCK in a test), the mount fails on
     * this kernel, and nothing is left: no mount, no directory, the
     * connection closed. */
    fake_proc(f, "proc-9p", 1);
    snprintf(proc, sizeof proc, "%s/proc-9p", f->env.dir);
    start(f, extra);
    l = gh_listen(&f->h, 5640);
    js = hcsi_asprintf("{\"MountPath\":\"%s\",\"Port\":5640,\"ShareName\":\"s\"}", mp);
    sk_modify_fails(&f->h, "Add", "MappedDirectory", js, E_FAIL,
                    "failed to mount directory for mapped directory");
    free(js);
    c = gh_accept(l, 5000);
    assert_true(c >= 0);
    assert_int_equal(read(c, &b, 1), 0); /* the agent's end is closed */
    close(c);
    close(l);
    assert_false(sk_exists(mp));
    assert_false(sk_mounted(mp, NULL));
    /* Nobody listening on the port: the dial fails, named. */
    js = hcsi_asprintf("{\"MountPath\":\"%s\",\"Port\":5641}", mp);
    sk_modify_fails(&f->h, "Add", "MappedDirectory", js, E_FAIL,
                    "could not connect to plan9 server");
    free(js);
    assert_false(sk_exists(mp));
    stop(f);
}

typedef struct later {
    char path[512];
    unsigned ms;
} later;

static void *make_later(void *arg)
{
    later *l = (later *)arg;
    usleep(l->ms * 1000u);
    if (gh_sh("mkdir -p '%s'", l->path) != 0)
        fprintf(stderr, "mkdir %s failed\n", l->path);
    return NULL;
}

/* VPCI: Add waits for the device on the VMBus; Remove does nothing. */
static void test_vpci(void **state)
{
    fx *f = get(state);
    const char *g1 = "6a2c1f8e-5b7d-4f0e-9a3b-1c2d3e4f5a6b";
    const char *g2 = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
    char js[160];
    later l;
    pthread_t t;
    uint64_t t0, took;
    const char *strict[] = {"--strict", NULL};
    assert_int_equal(gh_sh("mkdir -p '%s/bus/vmbus/devices/%s/pci5a6b:00/5a6b:00:00.0'",
                           f->env.sys, g1), 0);
    start(f, NULL);
    snprintf(js, sizeof js, "{\"VMBusGUID\":\"%s\"}", g1);
    sk_modify_ok(&f->h, "Add", "VPCIDevice", js);
    /* Appears while the agent waits. */
    snprintf(l.path, sizeof l.path, "%s/bus/vmbus/devices/%s/pci4b5a:00/4b5a:00:00.0",
             f->env.sys, g2);
    l.ms = 400;
    assert_int_equal(pthread_create(&t, NULL, make_later, &l), 0);
    snprintf(js, sizeof js, "{\"VMBusGUID\":\"%s\"}", g2);
    t0 = gh_now_ms();
    sk_modify_ok(&f->h, "Add", "VPCIDevice", js);
    took = gh_now_ms() - t0;
    pthread_join(t, NULL);
    assert_true(took >= 300);
    sk_modify_ok(&f->h, "Remove", "VPCIDevice", js);
    /* Never appears: bounded. */
    t0 = gh_now_ms();
    sk_modify_fails(&f->h, "Add", "VPCIDevice",
                    "{\"VMBusGUID\":\"11111111-2222-3333-4444-555555555555\"}", E_FAIL,
                    "timed out after 1500 ms waiting for file matching pattern");
    took = gh_now_ms() - t0;
    assert_true(took >= TIMEOUT_MS - 50 && took < TIMEOUT_MS + 3000);
    sk_modify_fails(&f->h, "Add", "VPCIDevice", "{\"VMBusGUID\":\"../../../etc\"}", E_FAIL,
                    "is not a GUID");
    sk_modify_fails(&f->h, "Add", "VPCIDevice", "{}", E_FAIL, "is not a GUID");
    stop(f);
    /* --strict: the Go GCS's refusal of Remove. */
    start(f, strict);
    sk_modify_fails(&f->h, "Remove", "VPCIDevice", js, E_FAIL,
                    "the RequestType \"Remove\" is not supported");
    stop(f);
}

/* The bridge is lost: every mount, link and directory Add made is gone,
 * and a device wait in flight does not hold the agent. */
static void test_bridge_loss_cleanup(void **state)
{
    fx *f = get(state);
    char img[128], loop[32], m1[160], m2[160], m3[160], *js;
    const char *slow[] = {"--device-timeout-ms", "60000", NULL};
    uint64_t t0;
    disk_at(f, 1, "one\n");
    snprintf(img, sizeof img, "%s/pmem.img", f->env.dir);
    sk_image(img, 16, 1, "p.txt", "pmem\n");
    sk_loop(&f->env, img, 0, 0, loop, sizeof loop);
    sk_pmem(&f->env, 1, loop);
    start(f, slow);
    snprintf(m1, sizeof m1, "%s/run/scsi/m1", f->env.dir);
    snprintf(m2, sizeof m2, "%s/run/layers/p1", f->env.dir);
    snprintf(m3, sizeof m3, "%s/run/blk", f->env.dir);
    js = disk_json(m1, 0, 1, NULL);
    sk_modify_ok(&f->h, "Add", DISK, js);
    free(js);
    js = hcsi_asprintf("{\"DeviceNumber\":1,\"MountPath\":\"%s\"}", m2);
    sk_modify_ok(&f->h, "Add", "VPMemDevice", js);
    free(js);
    js = disk_json(m3, 0, 1, "\"BlockDev\":true");
    sk_modify_ok(&f->h, "Add", DISK, js);
    free(js);
    assert_true(sk_mounted(m1, NULL));
    assert_true(sk_mounted(m2, NULL));
    assert_true(sk_exists(m3));
    assert_int_equal(sk_mounts_under(f->env.dir), 2);
    {
        /* A UVM process with its working directory in the disk (the
         * cleanup kills it first, so the unmount is not busy). */
        char *params = hcsi_asprintf("\"CommandArgs\":[\"/bin/sleep\",\"60\"],"
                                     "\"WorkingDirectory\":\"%s\"", m1);
        gh_proc p;
        gh_exec_ok(&f->h, params, 0, &p);
        free(params);
    }
    /* An Add waiting for a device that will not come (60 s). */
    js = disk_json(m1, 0, 8, NULL);
    {
        char *body = hcsi_asprintf("{\"ContainerId\":\"" GH_ZERO "\",\"ActivityId\":\"" GH_ZERO
                                   "\",\"Request\":{\"RequestType\":\"Add\",\"ResourceType\":"
                                   "\"" DISK "\",\"Settings\":%s}}", js);
        (void)gh_send(&f->h, GH_MODIFY, body);
        free(body);
    }
    free(js);
    usleep(200000);
    t0 = gh_now_ms();
    stop(f);
    assert_true(gh_now_ms() - t0 < 8000);
    assert_int_equal(sk_mounts_under(f->env.dir), 0);
    assert_false(sk_exists(m3));
    snprintf(m1, sizeof m1, "%s/run", f->env.dir);
    assert_false(sk_exists(m1)); /* Add created run/...: removed */
}

/* The LCOW flow: a container's layer on a read-only SCSI disk, the
 * overlay on top, the container reads a file of the image, then all is
 * removed in hcsshim's order. The agent runs in a
 * namespace of its own with a private /run (ctr_kit.c). */
static void test_container_on_disk(void **state)
{
    fx *f = get(state);
    char img[128], loop[32], timeout[16], mi[64], *js, *text;
    const char *layer, *extra[7];
    gh_proc p;
    hcsi_buf out;
    uint32_t code = 99;
    if (!ck_available())
        skip();
    layer = ck_layer(f->env.dir);
    snprintf(img, sizeof img, "%s/layer.img", f->env.dir);
    assert_int_equal(gh_sh("truncate -s 32M '%s' && mkfs.ext4 -q -F -d '%s' '%s' >&2", img,
                           layer, img), 0);
    sk_loop(&f->env, img, 0, 0, loop, sizeof loop);
    sk_scsi(&f->env, 0, 2, 3, loop, NULL);
    snprintf(timeout, sizeof timeout, "%d", TIMEOUT_MS);
    extra[0] = "--sysfs-root";
    extra[1] = f->env.sys;
    extra[2] = "--dev-root";
    extra[3] = f->env.dev;
    extra[4] = "--device-timeout-ms";
    extra[5] = timeout;
    extra[6] = NULL;
    ck_start(&f->h, extra);
    f->started = 1;
    js = disk_json("/run/layers/m3", 0, 3, "\"ReadOnly\":true");
    sk_modify_ok(&f->h, "Add", DISK, js);
    assert_int_equal(ck_create(&f->h, "sd1", "/run/layers/m3", "[\"cat\",\"/data/image.txt\"]",
                               0, 1),
                     0);
    assert_int_equal(gh_exec_in(&f->h, "sd1", "\"EmulateConsole\":false", GH_OUT, &p), 0);
    hcsi_buf_init(&out, 0);
    assert_int_equal(gh_read_all(p.out, &out, 20000), 0);
    gh_close_proc(&p);
    assert_int_equal(gh_wait_in(&f->h, "sd1", p.pid, 0xFFFFFFFFu, &code, 20000), 0);
    assert_int_equal(code, 0);
    assert_int_equal(hcsi_buf_putc(&out, '\0'), 0);
    assert_string_equal(out.data, "from the image\n");
    hcsi_buf_free(&out);
    text = ck_notification(&f->h, "sd1", 20000);
    free(text);
    /* hcsshim's order: the overlay, the container's state, then the disk. */
    (void)ck_simple(&f->h, GH_SHUTDOWN_FORCED, "sd1", NULL);
    ck_remove(&f->h, "sd1");
    sk_modify_ok(&f->h, "Remove", DISK, js);
    free(js);
    snprintf(mi, sizeof mi, "/proc/%ld/mountinfo", (long)f->h.agent);
    text = sk_read(mi);
    assert_non_null(text);
    assert_null(strstr(text, " /run/layers/"));
    free(text);
    stop(f);
}

/* hcsctl gcs run --disk: the CLI attaches a disk (ModifySettings
 * MappedVirtualDisk through the bridge), the command reads it, and the
 * disk is removed at exit; a malformed --disk is a usage error. */
static int run_hcsctl(fx *f, const char *disk, const char *cmd, char *out, size_t n)
{
    char sd[128], line[2048];
    FILE *p;
    size_t got;
    int st;
    snprintf(sd, sizeof sd, "%s/sd", f->env.dir);
    (void)mkdir(sd, 0700);
    snprintf(line, sizeof line,
             "%s gcs run --spawn '%s --log-level error --stdio --stdio-dir %s --sysfs-root %s "
             "--dev-root %s --device-timeout-ms %d' --stdio-dir %s --disk '%s' -- %s 2>&1",
             HCSCTL_PATH, gh_agent_path(), sd, f->env.sys, f->env.dev, TIMEOUT_MS, sd, disk, cmd);
    p = popen(line, "r");
    assert_non_null(p);
    got = fread(out, 1, n - 1, p);
    out[got] = '\0';
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli_disk(void **state)
{
    fx *f = get(state);
    char out[4096];
    disk_at(f, 5, "from the CLI\n");
    assert_int_equal(run_hcsctl(f, "0:5:/run/hcsctl-disk:ro", "/bin/cat /run/hcsctl-disk/hello.txt",
                                out, sizeof out),
                     0);
    assert_string_equal(out, "from the CLI\n");
    /* removed at exit (the agent ran in this test's mount namespace) */
    assert_false(sk_mounted("/run/hcsctl-disk", NULL));
    /* the guest's refusal reaches the user: a LUN nobody attached */
    assert_int_equal(run_hcsctl(f, "0:9:/run/hcsctl-none", "/bin/true", out, sizeof out), 125);
    assert_non_null(strstr(out, "attach the disk at /run/hcsctl-none"));
    assert_non_null(strstr(out, "LUN 9"));
    assert_false(sk_mounted("/run/hcsctl-none", NULL));
    /* usage errors, before anything starts */
    assert_int_equal(run_hcsctl(f, "4:1:/run/x", "/bin/true", out, sizeof out), 2);
    assert_non_null(strstr(out, "--disk \"4:1:/run/x\" is not CONTROLLER:LUN:MOUNTPATH[:ro]"));
    assert_int_equal(run_hcsctl(f, "0:1:run/x", "/bin/true", out, sizeof out), 2);
}

/* The hidden device-model flags: absolute roots, a bounded timeout. */
static void test_hidden_options(void **state)
{
    static const char *const bad[][2] = {
        {"--sysfs-root", "relative/sys"}, {"--dev-root", ""}, {"--proc-root", "proc"},
        {"--device-timeout-ms", "0"}, {"--device-timeout-ms", "3600001"},
        {"--device-timeout-ms", "12x"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int st = gh_sh("'%s' --stdio --stdio-dir /tmp '%s' '%s' 2>/dev/null </dev/null",
                       gh_agent_path(), bad[i][0], bad[i][1]);
        if (st != 2)
            fail_msg("%s \"%s\": exit %d, not 2", bad[i][0], bad[i][1], st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hidden_options),
        cmocka_unit_test_setup_teardown(test_disk_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_read_write_remount, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_partition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_never_appears, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_bad_filesystem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_validation_and_blockdev, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scsi_unplug, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vpmem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan9, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vpci, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bridge_loss_cleanup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container_on_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_disk, setup, teardown),
    };
    return cmocka_run_group_tests_name("hcs-gcs storage", tests, NULL, NULL);
}
