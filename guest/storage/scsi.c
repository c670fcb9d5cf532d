/*
 * hcs-gcs storage: SCSI disks (MappedVirtualDisk) and their unplug
 * (SCSIDevice), as the Go GCS's storage/scsi package and
 * hcsv2/uvm.go modifyMappedVirtualDisk / modifySCSIDevice do.
 *
 * Finding the disk: the host numbers its four SCSI controllers 0-3, and
 * each has a fixed VMBus instance GUID; inside the VM the controller is
 * /sys/bus/vmbus/devices/<GUID>/host<H> (H is the guest's SCSI host
 * number, not the host's index), the disk at LUN L is
 * host<H>/target<H>:0:0/<H>:0:0:<L>, and its block device is the one entry
 * of that directory's block/ (a partition P is block/<dev>/<dev>P). The
 * node is /dev/<name>. Everything is waited for up to the device timeout:
 * the host hot-adds the disk just before asking for the mount.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/storage_internal.h"

/* hcsshim's guestrequest.ScsiControllerGuids: version 5 GUIDs of the
 * controller index in namespace d422512d-2bf2-4752-809d-7b82b5fcb1b4. */
static const char *const k_controllers[STOR_SCSI_CONTROLLERS] = {
    "df6d0690-79e5-55b6-a5ec-c1e2f77f580a",
    "0110f83b-de10-5172-a266-78bca56bf50a",
    "b5d2d8d4-3a75-51bf-945b-3444dc6b8579",
    "305891a9-b251-5dfe-91a2-c25d9212275b",
};

void stor_bad_request_type(hcsg_err *e, const char *rt)
{
    hcsg_err_plain(e, "the RequestType \"%.100s\" is not supported", rt);
}

/* The guest's SCSI host number of controller c: the host<H> entry under
 * its VMBus device. The controllers are there from boot (only disks are
 * hot-added), so, as in the Go GCS, a missing one is an error at once.
 * 0, or -1 with e. */
static int controller_host(const hcsg_storage *S, unsigned c, unsigned *host, const char *what,
                           hcsg_err *e)
{
    char dir[PATH_MAX], rel[96];
    struct dirent *de;
    DIR *d;
    snprintf(rel, sizeof rel, "bus/vmbus/devices/%s", k_controllers[c]);
    if (stor_join(dir, sizeof dir, S->sys, rel) != 0) {
        hcsg_err_plain(e, "%s: the sysfs path is too long", what);
        return -1;
    }
    d = opendir(dir);
    if (!d) {
        hcsg_err_plain(e, "%s: the controller is not on the VMBus: open %s: %s", what, dir,
                       strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        char entry[sizeof de->d_name + 1], *end;
        const char *num = entry + 4;
        unsigned long h;
        if (strncmp(de->d_name, "host", 4) != 0)
            continue;
        /* The entry dies with the directory stream: keep its name. */
        snprintf(entry, sizeof entry, "%s", de->d_name);
        closedir(d);
        errno = 0;
        h = strtoul(num, &end, 10);
        if (!*num || *end || errno || h > 255) {
            hcsg_err_plain(e, "%s: failed to parse the controller number from %.80s", what,
                           entry);
            return -1;
        }
        *host = (unsigned)h;
        return 0;
    }
    closedir(d);
    hcsg_err_plain(e, "%s: host<N> directory not found inside %s", what, dir);
    return -1;
}

/* Resolves controller/lun(/partition) to its block device node (waiting
 * up to the deadline): node in out, its sysfs directory in sysdir. */
static int resolve_disk(const hcsg_storage *S, uint64_t deadline, unsigned c, unsigned lun,
                        uint64_t part, const char *what, char *out, size_t n, hcsg_err *e)
{
    char why[PATH_MAX + 128], blockdir[PATH_MAX], sysdir[PATH_MAX], name[STOR_MAX_NAME + 8];
    unsigned host = 0;
    if (controller_host(S, c, &host, what, e) != 0)
        return -1;
    for (;;) {
        {
            char rel[160];
            struct dirent *de;
            DIR *d;
            size_t count = 0;
            snprintf(rel, sizeof rel, "bus/vmbus/devices/%s/host%u/target%u:0:0/%u:0:0:%u/block",
                     k_controllers[c], host, host, host, lun);
            if (stor_join(blockdir, sizeof blockdir, S->sys, rel) != 0) {
                hcsg_err_plain(e, "%s: the sysfs path is too long", what);
                return -1;
            }
            name[0] = '\0';
            d = opendir(blockdir);
            if (d) {
                while ((de = readdir(d)) != NULL) {
                    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                    if (++count == 1)
                        snprintf(name, sizeof name, "%.*s", (int)STOR_MAX_NAME + 1, de->d_name);
                }
                closedir(d);
            }
            if (count > 1) {
                hcsg_err_plain(e, "%s: more than one block device could match SCSI ID "
                                  "\"%u:0:0:%u\"", what, host, lun);
                return -1;
            }
            if (count == 0) {
                snprintf(why, sizeof why, "no block device under %s", blockdir);
            } else if (!stor_plain_name(name)) {
                hcsg_err_plain(e, "%s: the block device name \"%.80s\" under %s is not a plain "
                                  "name", what, name, blockdir);
                return -1;
            } else if (stor_join(sysdir, sizeof sysdir, blockdir, name) != 0) {
                hcsg_err_plain(e, "%s: the sysfs path is too long", what);
                return -1;
            } else if (part == 0) {
                return stor_wait_block_node(S, deadline, name, sysdir, what, out, n, e);
            } else {
                /* A partition shows up as a directory of its disk. */
                char pname[STOR_MAX_NAME + 8], pdir[PATH_MAX];
                struct stat st;
                if (stor_partition_name(name, part, pname, sizeof pname) != 0 ||
                    stor_join(pdir, sizeof pdir, sysdir, pname) != 0) {
                    hcsg_err_plain(e, "%s: the partition's name is too long", what);
                    return -1;
                }
                if (stat(pdir, &st) == 0)
                    return stor_wait_block_node(S, deadline, pname, pdir, what, out, n, e);
                snprintf(why, sizeof why, "%s (partition %llu of %s) does not exist", pdir,
                         (unsigned long long)part, name);
            }
        }
        if (stor_wait_tick(S, deadline)) {
            if (stor_closing(S))
                hcsg_err_plain(e, "%s: the agent is stopping", what);
            else
                hcsg_err_plain(e, "%s: the device did not appear within %u ms: %s", what,
                               S->timeout_ms, why);
            return -1;
        }
    }
}

/* The Go GCS's mount options: only the propagation ones are applied (a
 * remount each); the others it parses and ignores, and so do we. */
static int parse_propagation(const hcs_gs_LCOWMappedVirtualDisk *d, unsigned long *pg,
                             size_t *npg, const char *what, hcsg_err *e)
{
    static const struct {
        const char *name;
        unsigned long flag;
    } k_pg[] = {
        {"private", MS_PRIVATE}, {"shared", MS_SHARED}, {"slave", MS_SLAVE},
        {"unbindable", MS_UNBINDABLE}, {"rprivate", MS_PRIVATE | MS_REC},
        {"rshared", MS_SHARED | MS_REC}, {"rslave", MS_SLAVE | MS_REC},
        {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    size_t i, j;
    *npg = 0;
    if (d->Options.n > STOR_MAX_OPTIONS) {
        hcsg_err_plain(e, "%s: %zu mount options (at most %u)", what, d->Options.n,
                       STOR_MAX_OPTIONS);
        return -1;
    }
    for (i = 0; i < d->Options.n; i++) {
        const char *o = d->Options.items[i] ? d->Options.items[i] : "";
        if (strlen(o) >= STOR_MAX_OPTION_LEN) {
            hcsg_err_plain(e, "%s: mount option %zu is longer than %u bytes", what, i,
                           STOR_MAX_OPTION_LEN - 1);
            return -1;
        }
        for (j = 0; j < HCSI_ARRAY_LEN(k_pg); j++) {
            if (strcmp(o, k_pg[j].name) == 0) {
                pg[(*npg)++] = k_pg[j].flag;
                break;
            }
        }
        if (j == HCSI_ARRAY_LEN(k_pg))
            HCSG_DEBUG("%s: mount option \"%s\" ignored (the Go GCS applies propagation "
                       "options only)", what, o);
    }
    return 0;
}

static int fs_name_ok(const char *fs)
{
    size_t i, l = strlen(fs);
    if (l == 0 || l > 32)
        return 0;
    for (i = 0; i < l; i++)
        if (!((fs[i] >= 'a' && fs[i] <= 'z') || (fs[i] >= '0' && fs[i] <= '9')))
            return 0;
    return 1;
}

/* EnsureFilesystem: format dev with fs (ext4 or xfs), as the Go GCS runs
 * mkfs.ext4 / mkfs.xfs. */
static int format(hcsg_storage *S, const char *dev, const char *fs, const char *what,
                  hcsg_err *e)
{
    const char *ext4[] = {"mkfs.ext4", "-q", "-F", dev, NULL};
    const char *xfs[] = {"mkfs.xfs", "-q", "-f", dev, NULL};
    HCSG_INFO("%s: formatting %s as %s (EnsureFilesystem)", what, dev, fs);
    if (stor_run(S, strcmp(fs, "ext4") == 0 ? ext4 : xfs, STOR_MKFS_TIMEOUT_MS, e) != 0) {
        hcsg_err_prefix(e, "%s: %s format", what, fs);
        return -1;
    }
    return 0;
}

static int disk_add(hcsg_storage *S, const hcs_gs_LCOWMappedVirtualDisk *d, unsigned c,
                    unsigned lun, uint64_t part, const char *what, int dry, hcsg_err *e)
{
    const char *path = d->MountPath ? d->MountPath : "";
    const char *fs = d->Filesystem ? d->Filesystem : "";
    int ro = d->ReadOnly.v, blockdev = d->BlockDev.v, ensure = d->EnsureFilesystem.v;
    unsigned long pg[STOR_MAX_OPTIONS];
    size_t npg = 0, i;
    char node[PATH_MAX], found[16], mtype[40];
    uint64_t deadline;
    stor_mount *m;
    if (*path && stor_check_mount_path(S, path, what, e) != 0)
        return -1;
    if (d->Encrypted.v) {
        hcsg_err_plain(e, "%s: Encrypted disks need dm-crypt (device-mapper's crypt target and "
                          "cryptsetup), which hcs-gcs does not provide%s", what,
                       stor_dm_available(S) ? ""
                                            : "; this kernel has no device-mapper either "
                                              "(no /dev/mapper/control)");
        return -1;
    }
    if (parse_propagation(d, pg, &npg, what, e) != 0)
        return -1;
    if (*fs && !fs_name_ok(fs)) {
        hcsg_err_plain(e, "%s: Filesystem \"%.40s\" is not a file system name", what, fs);
        return -1;
    }
    if (ensure && !blockdev && strcmp(fs, "ext4") != 0 && strcmp(fs, "xfs") != 0) {
        /* The Go GCS's answer whenever it would have to format. */
        hcsg_err_plain(e, "%s: unsupported filesystem %s requested for device", what, fs);
        return -1;
    }
    if (*fs && !blockdev && *path) {
        int has = stor_kernel_has_fs(S, fs, e);
        if (has < 0)
            return -1;
        if (!has) {
            hcsg_err_plain(e, "%s: this kernel has no %s file system (it is not in "
                              "%s/filesystems)", what, fs, S->proc);
            return -1;
        }
    }
    if (dry) {
        hcsg_err_plain(e, "%s: dry run: nothing done", what);
        return -1;
    }
    deadline = stor_deadline(S);
    if (!*path) {
        /* No MountPath: the Go GCS only waits for the device. */
        return resolve_disk(S, deadline, c, lun, part, what, node, sizeof node, e);
    }
    m = stor_reserve(S, STOR_SCSI, path, what, e);
    if (!m)
        return -1;
    m->controller = c;
    m->lun = lun;
    m->partition = part;
    m->link = blockdev;
    if (resolve_disk(S, deadline, c, lun, part, what, node, sizeof node, e) != 0)
        goto fail;
    snprintf(m->dev, sizeof m->dev, "%s", node);
    if (blockdev) {
        /* BlockDev: the node itself at MountPath, for the container to
         * take as a device. */
        if (stor_make_target(S, m, what, e) != 0)
            goto fail;
        if (symlink(node, path) != 0) {
            hcsg_err_plain(e, "%s: creating the blockdev link %s -> %s: %s", what, path, node,
                           strerror(errno));
            stor_remove_target(m);
            goto fail;
        }
        stor_finish_add(S, m, 1);
        HCSG_INFO("%s: %s linked at %s", what, node, path);
        return 0;
    }
    if (stor_detect_fs(node, found, sizeof found, e) != 0) {
        hcsg_err_prefix(e, "%s: getting device's filesystem", what);
        goto fail;
    }
    if (!*fs && !*found) {
        hcsg_err_plain(e, "%s: getting device's filesystem: could not get device filesystem "
                          "type (%s has no ext4 or xfs superblock)", what, node);
        goto fail;
    }
    if (ensure && strcmp(found, fs) != 0 && format(S, node, fs, what, e) != 0)
        goto fail;
    snprintf(mtype, sizeof mtype, "%s", *fs ? fs : found);
    if (stor_make_target(S, m, what, e) != 0)
        goto fail;
    {
        /* Read-only: no journal replay ("noload", the Go GCS's data for
         * ext4; xfs calls it "norecovery"). */
        const char *data = NULL;
        if (ro && (strcmp(mtype, "ext4") == 0 || strcmp(mtype, "ext3") == 0))
            data = "noload";
        else if (ro && strcmp(mtype, "xfs") == 0)
            data = "norecovery";
        if (mount(node, path, mtype, ro ? MS_RDONLY : 0, data) != 0) {
            hcsg_err_plain(e, "%s: mounting %s (%s) at %s: %s", what, node, mtype, path,
                           strerror(errno));
            stor_remove_target(m);
            goto fail;
        }
    }
    for (i = 0; i < npg; i++) {
        if (mount(NULL, path, NULL, pg[i], NULL) != 0) {
            hcsg_err_plain(e, "%s: setting the propagation of %s: %s", what, path,
                           strerror(errno));
            if (umount2(path, UMOUNT_NOFOLLOW) != 0)
                (void)umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
            stor_remove_target(m);
            goto fail;
        }
    }
    stor_finish_add(S, m, 1);
    HCSG_INFO("%s: %s (%s%s) mounted at %s", what, node, mtype, ro ? ", read-only" : "", path);
    return 0;
fail:
    stor_finish_add(S, m, 0);
    return -1;
}

static int disk_remove(hcsg_storage *S, const hcs_gs_LCOWMappedVirtualDisk *d, const char *what,
                       int dry, hcsg_err *e)
{
    const char *path = d->MountPath ? d->MountPath : "";
    stor_mount *m;
    if (!*path) {
        if (dry) {
            hcsg_err_plain(e, "%s: dry run: nothing done", what);
            return -1;
        }
        return 0; /* nothing was mounted for it */
    }
    if (stor_take(S, STOR_SCSI, path, what, dry, &m, e) != 0)
        return -1;
    if (!m)
        return 0; /* never added here */
    /* Fields the host gave must name what is there (hcsshim omits zeros). */
    if ((d->Controller.set && d->Controller.v != m->controller) ||
        (d->Lun.set && d->Lun.v != m->lun) ||
        (d->Partition.set && d->Partition.v != m->partition)) {
        hcsg_err_plain(e, "%s: MountPath %s holds SCSI controller %u LUN %u partition %llu", what,
                       path, m->controller, m->lun, (unsigned long long)m->partition);
        stor_finish_remove(S, m, 0);
        return -1;
    }
    return stor_remove_taken(S, m, what, e);
}

int stor_scsi_disk(hcsg_storage *S, const char *rt, const hcs_gs_LCOWMappedVirtualDisk *d,
                   int dry, hcsg_err *e)
{
    unsigned c = d->Controller.v, lun = d->Lun.v;
    uint64_t part = d->Partition.v;
    char what[96];
    int add = strcmp(rt, "Add") == 0;
    if (!add && strcmp(rt, "Remove") != 0) {
        stor_bad_request_type(e, rt);
        return -1;
    }
    if (part)
        snprintf(what, sizeof what, "SCSI controller %u LUN %u partition %llu", c, lun,
                 (unsigned long long)part);
    else
        snprintf(what, sizeof what, "SCSI controller %u LUN %u", c, lun);
    if (c >= STOR_SCSI_CONTROLLERS) {
        hcsg_err_plain(e, "%s: the controller is out of range (the utility VM has SCSI "
                          "controllers 0 to %u)", what, STOR_SCSI_CONTROLLERS - 1);
        return -1;
    }
    if (part > STOR_MAX_PARTITION) {
        hcsg_err_plain(e, "%s: the partition is out of range (1 to %u, 0: the whole disk)", what,
                       STOR_MAX_PARTITION);
        return -1;
    }
    return add ? disk_add(S, d, c, lun, part, what, dry, e) : disk_remove(S, d, what, dry, e);
}

int stor_scsi_device(hcsg_storage *S, const char *rt, const hcs_gs_SCSIDevice *d, int dry,
                     hcsg_err *e)
{
    unsigned c = d->Controller.v, lun = d->Lun.v, host = 0;
    char what[64], rel[200], p[PATH_MAX], used[PATH_MAX];
    int fd;
    if (strcmp(rt, "Remove") != 0) {
        stor_bad_request_type(e, rt);
        return -1;
    }
    snprintf(what, sizeof what, "SCSI controller %u LUN %u", c, lun);
    if (c >= STOR_SCSI_CONTROLLERS) {
        hcsg_err_plain(e, "%s: the controller is out of range (the utility VM has SCSI "
                          "controllers 0 to %u)", what, STOR_SCSI_CONTROLLERS - 1);
        return -1;
    }
    if (dry) {
        hcsg_err_plain(e, "%s: dry run: nothing done", what);
        return -1;
    }
    if (stor_scsi_in_use(S, c, lun, used, sizeof used)) {
        /* The Go GCS would pull the disk from under its mount. */
        hcsg_err_plain(e, "%s: cannot unplug: it is still mounted at %s (Remove the "
                          "MappedVirtualDisk first)", what, used);
        return -1;
    }
    if (controller_host(S, c, &host, what, e) != 0) {
        hcsg_err_prefix(e, "cannot unplug");
        return -1;
    }
    snprintf(rel, sizeof rel, "bus/vmbus/devices/%s/host%u/target%u:0:0/%u:0:0:%u/delete",
             k_controllers[c], host, host, host, lun);
    if (stor_join(p, sizeof p, S->sys, rel) != 0) {
        hcsg_err_plain(e, "%s: the sysfs path is too long", what);
        return -1;
    }
    fd = open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) {
            /* Not attached (any more): done, as in the Go GCS. */
            HCSG_INFO("%s: not attached; nothing to unplug", what);
            return 0;
        }
        hcsg_err_plain(e, "%s: open %s: %s", what, p, strerror(errno));
        return -1;
    }
    if (write(fd, "1\n", 2) != 2) {
        hcsg_err_plain(e, "%s: write %s: %s", what, p, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    HCSG_INFO("%s: unplugged", what);
    return 0;
}
