/*
 * hcs-gcs storage: device-mapper through its control device's ioctls
 * (<linux/dm-ioctl.h>, no library), the way the Go GCS's devicemapper
 * package drives it: create the device, load a read-only table, resume it,
 * make its node under <dev root>/mapper. Used for VPMem multi-mapping
 * (linear targets). A kernel without device-mapper has no
 * <dev root>/mapper/control: the callers refuse before getting here.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "storage/storage_internal.h"

#define DM_PARAMS_MAX 256u
#define DM_REMOVE_TRIES 10u

static void dm_init(struct dm_ioctl *io, size_t size, const char *name)
{
    memset(io, 0, sizeof *io);
    io->version[0] = DM_VERSION_MAJOR;
    io->version[1] = 0;
    io->version[2] = 0;
    io->data_size = (uint32_t)size;
    io->data_start = (uint32_t)sizeof *io;
    if (name)
        snprintf(io->name, sizeof io->name, "%s", name);
}

int stor_dm_available(const hcsg_storage *S)
{
    char p[PATH_MAX];
    struct stat st;
    return stor_join(p, sizeof p, S->dev, "mapper/control") == 0 && stat(p, &st) == 0;
}

/* Opens the control device and checks its interface version. */
static int dm_open(const hcsg_storage *S, hcsg_err *e)
{
    char p[PATH_MAX];
    struct dm_ioctl io;
    int fd;
    if (stor_join(p, sizeof p, S->dev, "mapper/control") != 0 ||
        (fd = open(p, O_RDWR | O_CLOEXEC)) < 0) {
        hcsg_err_plain(e, "device-mapper: cannot open %s: %s", p, strerror(errno));
        return -1;
    }
    dm_init(&io, sizeof io, NULL);
    if (ioctl(fd, DM_VERSION, &io) != 0) {
        hcsg_err_plain(e, "device-mapper version: %s is not a device-mapper control device "
                          "(%s)", p, strerror(errno));
        close(fd);
        return -1;
    }
    if (io.version[0] != DM_VERSION_MAJOR) {
        hcsg_err_plain(e, "device-mapper version: interface %u.%u.%u, hcs-gcs speaks %d.x",
                       io.version[0], io.version[1], io.version[2], DM_VERSION_MAJOR);
        close(fd);
        return -1;
    }
    return fd;
}

static int dm_remove_fd(int fd, const char *name)
{
    struct dm_ioctl io;
    dm_init(&io, sizeof io, name);
    return ioctl(fd, DM_DEV_REMOVE, &io);
}

int stor_dm_linear(const hcsg_storage *S, const char *name, const char *dev, uint64_t offset,
                   uint64_t size, char *out, size_t n, hcsg_err *e)
{
    union {
        struct dm_ioctl io;
        unsigned char raw[sizeof(struct dm_ioctl) + sizeof(struct dm_target_spec) +
                          DM_PARAMS_MAX];
    } t;
    struct dm_ioctl io;
    struct dm_target_spec *spec;
    struct stat st;
    char params[DM_PARAMS_MAX], node[PATH_MAX], mdir[PATH_MAX];
    size_t plen, total;
    unsigned maj, min;
    int fd, w;
    if (strlen(name) >= DM_NAME_LEN) {
        hcsg_err_plain(e, "device-mapper: the name %s is too long", name);
        return -1;
    }
    if (stat(dev, &st) != 0 || !S_ISBLK(st.st_mode)) {
        hcsg_err_plain(e, "device-mapper: %s is not a block device", dev);
        return -1;
    }
    if (stor_join(mdir, sizeof mdir, S->dev, "mapper") != 0 ||
        stor_join(node, sizeof node, mdir, name) != 0 || strlen(node) >= n) {
        hcsg_err_plain(e, "device-mapper: the node path for %s is too long", name);
        return -1;
    }
    /* The source by number: the kernel resolves no path of our roots. */
    w = snprintf(params, sizeof params, "%u:%u %llu", major(st.st_rdev), minor(st.st_rdev),
                 (unsigned long long)(offset / 512u));
    if (w < 0 || (size_t)w >= sizeof params)
        return -1;
    fd = dm_open(S, e);
    if (fd < 0)
        return -1;
    dm_init(&io, sizeof io, name);
    if (ioctl(fd, DM_DEV_CREATE, &io) != 0) {
        hcsg_err_plain(e, "device-mapper device create %s: %s", name, strerror(errno));
        close(fd);
        return -1;
    }
    /* The kernel's encoding of dev (new_encode_dev). */
    maj = (unsigned)((io.dev & 0xfff00u) >> 8);
    min = (unsigned)((io.dev & 0xffu) | ((io.dev >> 12) & 0xfff00u));
    plen = strlen(params) + 1;
    total = sizeof(struct dm_ioctl) + ((sizeof *spec + plen + 7u) & ~(size_t)7u);
    memset(&t, 0, sizeof t);
    dm_init(&t.io, total, name);
    t.io.target_count = 1;
    t.io.flags = DM_READONLY_FLAG;
    spec = (struct dm_target_spec *)(void *)(t.raw + sizeof(struct dm_ioctl));
    spec->sector_start = 0;
    spec->length = size / 512u;
    spec->next = (uint32_t)(total - sizeof(struct dm_ioctl));
    snprintf(spec->target_type, sizeof spec->target_type, "linear");
    memcpy(t.raw + sizeof(struct dm_ioctl) + sizeof *spec, params, plen);
    if (ioctl(fd, DM_TABLE_LOAD, &t.io) != 0) {
        hcsg_err_plain(e, "device-mapper table load %s (linear %s): %s", name, params,
                       strerror(errno));
        goto undo;
    }
    /* A resume (no suspend flag) makes the loaded table live. */
    dm_init(&io, sizeof io, name);
    if (ioctl(fd, DM_DEV_SUSPEND, &io) != 0) {
        hcsg_err_plain(e, "device-mapper device resume %s: %s", name, strerror(errno));
        goto undo;
    }
    (void)unlink(node);
    if (mknod(node, S_IFBLK | 0600, makedev(maj, min)) != 0) {
        hcsg_err_plain(e, "device-mapper: mknod %s: %s", node, strerror(errno));
        goto undo;
    }
    close(fd);
    snprintf(out, n, "%s", node);
    return 0;
undo:
    if (dm_remove_fd(fd, name) != 0)
        HCSG_WARN("device-mapper device remove %s: %s", name, strerror(errno));
    close(fd);
    return -1;
}

int stor_dm_remove(const hcsg_storage *S, const char *name, hcsg_err *e)
{
    char node[PATH_MAX], mdir[PATH_MAX];
    unsigned i;
    int fd;
    if (stor_join(mdir, sizeof mdir, S->dev, "mapper") == 0 &&
        stor_join(node, sizeof node, mdir, name) == 0)
        (void)unlink(node);
    fd = dm_open(S, e);
    if (fd < 0)
        return -1;
    /* "Device or resource busy" right after an unmount passes: the Go GCS
     * retries ten times, 10 ms apart. */
    for (i = 0; i < DM_REMOVE_TRIES; i++) {
        if (dm_remove_fd(fd, name) == 0) {
            close(fd);
            return 0;
        }
        if (errno != EBUSY)
            break;
        hcsi_sleep_ms(10);
    }
    hcsg_err_plain(e, "device-mapper device remove %s: %s", name, strerror(errno));
    close(fd);
    return -1;
}
