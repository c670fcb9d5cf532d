/*
 * hcs-gcs networking: named network namespaces, made the way `ip netns add`
 * makes them but with the agent's own system calls: the directory becomes
 * a shared mount point (so later namespace mounts propagate into mount
 * namespaces made after it), an empty file is created, a short-lived thread
 * unshares a new network namespace and bind-mounts its /proc entry onto
 * the file. The mount keeps the namespace alive after the thread ends.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "net/net_internal.h"

static int mkdir_p(const char *dir)
{
    char p[PATH_MAX];
    size_t i, n = strlen(dir);
    if (n == 0 || n >= sizeof p)
        return -ENAMETOOLONG;
    memcpy(p, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        p[i] = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return -errno;
        p[i] = i == n ? '\0' : '/';
    }
    return 0;
}

int hcsg_ns_prepare_dir(const char *dir, int *bound, const char **step)
{
    int err = mkdir_p(dir);
    *bound = 0;
    if (err != 0) {
        *step = "mkdir";
        return err;
    }
    for (;;) {
        if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) == 0)
            return 0;
        err = errno;
        /* EINVAL: not a mount point yet; make it one (once). */
        if (err != EINVAL || *bound) {
            *step = "mount --make-rshared";
            break;
        }
        if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) != 0) {
            *step = "mount --rbind (the directory onto itself)";
            return -errno;
        }
        *bound = 1;
    }
    if (*bound)
        (void)umount2(dir, MNT_DETACH);
    *bound = 0;
    return -err;
}

typedef struct mk {
    const char *path;
    const char *step;
    int rc;
} mk;

static void *create_main(void *arg)
{
    mk *m = (mk *)arg;
    char self[64];
    hcsg_nl nl;
    /* This thread alone moves to the new namespace, and then ends. */
    if (unshare(CLONE_NEWNET) != 0) {
        m->rc = -errno;
        m->step = "unshare(CLONE_NEWNET)";
        return NULL;
    }
    /* Its loopback up, as a container runtime does for a new namespace. */
    m->rc = hcsg_nl_open(&nl);
    if (m->rc == 0) {
        m->rc = hcsg_nl_link_set(&nl, 1, 1, 0, -1);
        hcsg_nl_close(&nl);
    }
    if (m->rc != 0) {
        m->step = "netlink: set lo up";
        return NULL;
    }
    snprintf(self, sizeof self, "/proc/self/task/%ld/ns/net", (long)syscall(SYS_gettid));
    if (mount(self, m->path, "none", MS_BIND, NULL) != 0) {
        m->rc = -errno;
        m->step = "mount --bind";
    }
    return NULL;
}

int hcsg_ns_create(const char *path, const char **step)
{
    mk m = {path, NULL, -EIO};
    pthread_t t;
    int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0);
    int rc;
    if (fd < 0) {
        *step = "create the namespace file";
        return -errno;
    }
    close(fd);
    rc = pthread_create(&t, NULL, create_main, &m);
    if (rc != 0) {
        m.rc = -rc;
        m.step = "pthread_create";
    } else {
        pthread_join(t, NULL);
    }
    if (m.rc != 0) {
        (void)unlink(path);
        *step = m.step;
    }
    return m.rc;
}

int hcsg_ns_destroy(const char *path)
{
    int rc = 0;
    if (umount2(path, MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
        rc = -errno;
    if (unlink(path) != 0 && errno != ENOENT && rc == 0)
        rc = -errno;
    return rc;
}

int hcsg_ns_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    int type;
    if (fd < 0)
        return -errno;
    /* Only a network namespace: a plain file (or another kind of
     * namespace) left under that name is refused. */
    type = ioctl(fd, NS_GET_NSTYPE);
    if (type != CLONE_NEWNET) {
        close(fd);
        return -EINVAL;
    }
    return fd;
}

int hcsg_ns_self(void)
{
    int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}
