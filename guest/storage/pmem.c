/*
 * hcs-gcs storage: VPMem devices (VPMemDevice), as the Go GCS's
 * storage/pmem package and hcsv2/uvm.go modifyMappedVPMemDevice do. A VPMem
 * device is /dev/pmem<N> holding a read-only ext4 layer: it is mounted
 * read-only with "noload" (no journal replay on a read-only image), and
 * with "dax" when the device supports direct access (sysfs queue/dax), as
 * the Go GCS did before multi-mapping (a device-mapper target has no DAX).
 * MappingInfo packs several layers in one device: each becomes a read-only
 * device-mapper linear target over its byte range, and that is mounted.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/storage_internal.h"

/* Whether block device name supports DAX (<sysfs>/block/<name>/queue/dax). */
static int supports_dax(const hcsg_storage *S, const char *name)
{
    char rel[STOR_MAX_NAME + 32], p[PATH_MAX], v[16];
    snprintf(rel, sizeof rel, "block/%s/queue/dax", name);
    if (stor_join(p, sizeof p, S->sys, rel) != 0 || stor_read_attr(p, v, sizeof v) != 0)
        return 0;
    return strcmp(v, "1") == 0;
}

static int device_size(const char *dev, uint64_t *size)
{
    int fd = open(dev, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    int rc;
    if (fd < 0)
        return -1;
    rc = ioctl(fd, BLKGETSIZE64, size);
    close(fd);
    return rc;
}

static int pmem_add(hcsg_storage *S, const hcs_gs_LCOWMappedVPMemDevice *d, uint32_t num,
                    const char *what, int dry, hcsg_err *e)
{
    const char *path = d->MountPath ? d->MountPath : "";
    const hcs_gs_LCOWVPMemMappingInfo *mi = d->MappingInfo;
    uint64_t off = mi ? mi->DeviceOffsetInBytes.v : 0, len = mi ? mi->DeviceSizeInBytes.v : 0;
    char name[32], sysdir[PATH_MAX], node[PATH_MAX], src[PATH_MAX];
    const char *data = "noload";
    struct stat st;
    stor_mount *m;
    int has;
    if (stor_check_mount_path(S, path, what, e) != 0)
        return -1;
    if (mi) {
        if (len == 0 || off % 512u || len % 512u || off > UINT64_MAX - len) {
            hcsg_err_plain(e, "%s: MappingInfo offset %llu size %llu is not a non-empty range "
                              "of whole 512-byte sectors", what, (unsigned long long)off,
                           (unsigned long long)len);
            return -1;
        }
        if (!stor_dm_available(S)) {
            hcsg_err_plain(e, "%s: multi-mapped layers (MappingInfo) need a device-mapper "
                              "linear target, and this kernel has no device-mapper (%s/mapper/"
                              "control does not exist)", what, S->dev);
            return -1;
        }
    }
    if (d->VerityInfo)
        HCSG_DEBUG("%s: VerityInfo ignored (the Go GCS uses it only under a security policy)",
                   what);
    has = stor_kernel_has_fs(S, "ext4", e);
    if (has <= 0) {
        if (has == 0)
            hcsg_err_plain(e, "%s: this kernel has no ext4 file system (it is not in "
                              "%s/filesystems)", what, S->proc);
        return -1;
    }
    if (dry) {
        hcsg_err_plain(e, "%s: dry run: nothing done", what);
        return -1;
    }
    m = stor_reserve(S, STOR_PMEM, path, what, e);
    if (!m)
        return -1;
    m->pmem = num;
    snprintf(name, sizeof name, "pmem%u", num);
    snprintf(src, sizeof src, "block/%s", name);
    if (stor_join(sysdir, sizeof sysdir, S->sys, src) != 0) {
        hcsg_err_plain(e, "%s: the sysfs path is too long", what);
        goto fail;
    }
    /* The Go GCS does not wait for a VPMem device (present at boot); a
     * bounded wait costs nothing when it is there. */
    if (stor_wait_block_node(S, stor_deadline(S), name, stat(sysdir, &st) == 0 ? sysdir : NULL,
                             what, node, sizeof node, e) != 0)
        goto fail;
    snprintf(src, sizeof src, "%s", node);
    if (mi) {
        uint64_t size = 0;
        if (device_size(node, &size) != 0) {
            hcsg_err_plain(e, "%s: size of %s: %s", what, node, strerror(errno));
            goto fail;
        }
        if (off + len > size) {
            hcsg_err_plain(e, "%s: MappingInfo offset %llu size %llu ends beyond the device "
                              "(%llu bytes)", what, (unsigned long long)off,
                           (unsigned long long)len, (unsigned long long)size);
            goto fail;
        }
        snprintf(m->dm_name, sizeof m->dm_name, "dm-linear-pmem%u-%llu-%llu", num,
                 (unsigned long long)off, (unsigned long long)len);
        if (stor_dm_linear(S, m->dm_name, node, off, len, src, sizeof src, e) != 0) {
            hcsg_err_prefix(e, "%s: failed to create dm-linear target, device=%s, offset=%llu",
                            what, node, (unsigned long long)off);
            m->dm_name[0] = '\0';
            goto fail;
        }
    } else if (supports_dax(S, name)) {
        data = "noload,dax";
    }
    snprintf(m->dev, sizeof m->dev, "%s", src);
    if (stor_make_target(S, m, what, e) != 0)
        goto undo_dm;
    if (mount(src, path, "ext4", MS_RDONLY, data) != 0) {
        hcsg_err_plain(e, "%s: failed to mount %s onto %s: %s", what, src, path, strerror(errno));
        stor_remove_target(m);
        goto undo_dm;
    }
    stor_finish_add(S, m, 1);
    HCSG_INFO("%s: %s mounted read-only at %s (%s)", what, src, path, data);
    return 0;
undo_dm:
    if (m->dm_name[0]) {
        hcsg_err de;
        hcsg_err_clear(&de);
        if (stor_dm_remove(S, m->dm_name, &de) != 0)
            HCSG_WARN("%s: %s", what, de.msg);
    }
fail:
    stor_finish_add(S, m, 0);
    return -1;
}

static int pmem_remove(hcsg_storage *S, const hcs_gs_LCOWMappedVPMemDevice *d, uint32_t num,
                       const char *what, int dry, hcsg_err *e)
{
    const char *path = d->MountPath ? d->MountPath : "";
    stor_mount *m;
    if (stor_take(S, STOR_PMEM, path, what, dry, &m, e) != 0)
        return -1;
    if (!m)
        return 0; /* never added here */
    if (d->DeviceNumber.set && m->pmem != num) {
        hcsg_err_plain(e, "%s: MountPath %s holds VPMem device %u", what, path, m->pmem);
        stor_finish_remove(S, m, 0);
        return -1;
    }
    return stor_remove_taken(S, m, what, e);
}

int stor_pmem(hcsg_storage *S, const char *rt, const hcs_gs_LCOWMappedVPMemDevice *d, int dry,
              hcsg_err *e)
{
    uint32_t num = d->DeviceNumber.v;
    char what[48];
    int add = strcmp(rt, "Add") == 0;
    if (!add && strcmp(rt, "Remove") != 0) {
        stor_bad_request_type(e, rt);
        return -1;
    }
    snprintf(what, sizeof what, "VPMem device %u", num);
    if (num >= STOR_MAX_PMEM) {
        hcsg_err_plain(e, "%s: the device number is out of range (0 to %u)", what,
                       STOR_MAX_PMEM - 1);
        return -1;
    }
    return add ? pmem_add(S, d, num, what, dry, e) : pmem_remove(S, d, num, what, dry, e);
}
