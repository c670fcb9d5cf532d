/*
 * hcs-gcs storage: Plan9 shares (MappedDirectory), as the Go GCS's
 * storage/plan9 package does: the agent connects to the host's Port (vsock
 * CID 2, or DIR/<port> with --connect unix:DIR), and mounts 9p at
 * MountPath over that connection (trans=fd, the socket as both rfdno and
 * wfdno, msize 64 KiB, aname the ShareName); the kernel keeps the socket.
 * A kernel without 9p (not in /proc/filesystems) is refused before any
 * connection is made.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "storage/storage_internal.h"

#define P9_MSIZE 65536 /* the Go GCS's packetPayloadBytes */
#define P9_MAX_SHARE 255u

/* ShareName goes into the mount options as aname=: a ',' would add
 * options of the host's choosing. */
static int share_ok(const char *s, const char *what, hcsg_err *e)
{
    size_t i, l = strlen(s);
    if (l > P9_MAX_SHARE) {
        hcsg_err_plain(e, "%s: ShareName is longer than %u bytes", what, P9_MAX_SHARE);
        return -1;
    }
    for (i = 0; i < l; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == ',') {
            hcsg_err_plain(e, "%s: ShareName \"%.100s\" has a comma or a control character "
                              "(byte %zu)", what, s, i);
            return -1;
        }
    }
    return 0;
}

static int plan9_add(hcsg_storage *S, const hcs_gs_LCOWMappedDirectory *d, const char *what,
                     int dry, hcsg_err *e)
{
    const char *path = d->MountPath ? d->MountPath : "";
    const char *share = d->ShareName ? d->ShareName : "";
    int32_t port = d->Port.v;
    char data[512];
    stor_mount *m;
    int fd, has, sz = P9_MSIZE;
    if (stor_check_mount_path(S, path, what, e) != 0)
        return -1;
    if (port <= 0) {
        hcsg_err_plain(e, "%s: Port %ld is not a port number (1 to 2147483647)", what,
                       (long)port);
        return -1;
    }
    if (share_ok(share, what, e) != 0)
        return -1;
    has = stor_kernel_has_fs(S, "9p", e);
    if (has < 0)
        return -1;
    if (!has) {
        hcsg_err_plain(e, "%s: Plan9 shares need the kernel's 9p file system (CONFIG_9P_FS and "
                          "CONFIG_NET_9P), and this kernel has none (9p is not in "
                          "%s/filesystems)", what, S->proc);
        return -1;
    }
    if (dry) {
        hcsg_err_plain(e, "%s: dry run: nothing done", what);
        return -1;
    }
    if (S->ports.kind == HCSG_TRANSPORT_NONE) {
        hcsg_err_plain(e, "%s: the agent has no transport to the host's ports", what);
        return -1;
    }
    m = stor_reserve(S, STOR_PLAN9, path, what, e);
    if (!m)
        return -1;
    if (stor_make_target(S, m, what, e) != 0)
        goto fail;
    fd = hcsg_dial_bounded(&S->ports, (uint32_t)port, S->dial_timeout_ms, S->abort_fd, e);
    if (fd < 0) {
        hcsg_err_prefix(e, "%s: could not connect to plan9 server for %s", what, path);
        stor_remove_target(m);
        goto fail;
    }
    /* The Go GCS sizes both socket buffers to one 9p message. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz) != 0) {
        hcsg_err_plain(e, "%s: failed to set the socket buffers to %d on fd %d: %s", what, sz,
                       fd, strerror(errno));
        close(fd);
        stor_remove_target(m);
        goto fail;
    }
    snprintf(data, sizeof data, "trans=fd,rfdno=%d,wfdno=%d,msize=%d%s%s%s", fd, fd, P9_MSIZE,
             d->ReadOnly.v ? ",noload" : "", *share ? ",aname=" : "", share);
    snprintf(m->dev, sizeof m->dev, "port %ld%s%s", (long)port, *share ? " share " : "", share);
    if (mount(path, path, "9p", d->ReadOnly.v ? MS_RDONLY : 0, data) != 0) {
        hcsg_err_plain(e, "%s: failed to mount directory for mapped directory %s: %s", what,
                       path, strerror(errno));
        close(fd);
        stor_remove_target(m);
        goto fail;
    }
    close(fd); /* the mount holds its own reference */
    stor_finish_add(S, m, 1);
    HCSG_INFO("%s: mounted at %s%s", what, path, d->ReadOnly.v ? " (read-only)" : "");
    return 0;
fail:
    stor_finish_add(S, m, 0);
    return -1;
}

static int plan9_remove(hcsg_storage *S, const hcs_gs_LCOWMappedDirectory *d, const char *what,
                        int dry, hcsg_err *e)
{
    const char *path = d->MountPath ? d->MountPath : "";
    stor_mount *m;
    if (stor_take(S, STOR_PLAN9, path, what, dry, &m, e) != 0)
        return -1;
    if (!m)
        return 0; /* never added here */
    return stor_remove_taken(S, m, what, e);
}

int stor_plan9(hcsg_storage *S, const char *rt, const hcs_gs_LCOWMappedDirectory *d, int dry,
               hcsg_err *e)
{
    char what[64];
    int add = strcmp(rt, "Add") == 0;
    if (!add && strcmp(rt, "Remove") != 0) {
        stor_bad_request_type(e, rt);
        return -1;
    }
    snprintf(what, sizeof what, "Plan9 share on port %ld", (long)d->Port.v);
    return add ? plan9_add(S, d, what, dry, e) : plan9_remove(S, d, what, dry, e);
}
