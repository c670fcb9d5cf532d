/* hcs-gcs start-up: standard fds, and PID 1 duties in a bare initrd. */
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

#include "bridge/agent_internal.h"

/* fds 0-2 exist (so pipes and sockets never land there), and whatever
 * else we inherited is close-on-exec: processes in the UVM get exactly the
 * stdio they asked for. */
void hcsg_ensure_std_fds(void)
{
    DIR *d;
    int fd;
    while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
        ;
    if (fd > 2)
        close(fd);
    d = opendir("/proc/self/fd");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            int n = atoi(e->d_name);
            if (n > 2 && n != dirfd(d))
                (void)fcntl(n, F_SETFD, FD_CLOEXEC);
        }
        closedir(d);
    }
}

/* --init as PID 1 in a bare initrd: the file systems processes expect. A
 * mount point that is already mounted is left alone. */
void hcsg_pid1_init(void)
{
    static const struct {
        const char *src, *dir, *type, *data;
        unsigned long flags;
    } m[] = {
        {"proc", "/proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
        {"sysfs", "/sys", "sysfs", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
        {"devtmpfs", "/dev", "devtmpfs", "mode=0755", MS_NOSUID},
        {"devpts", "/dev/pts", "devpts", "ptmxmode=0666,mode=0620", MS_NOSUID | MS_NOEXEC},
        {"tmpfs", "/run", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV},
        {"tmpfs", "/tmp", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV},
    };
    size_t i;
    for (i = 0; i < HCSI_ARRAY_LEN(m); i++) {
        if (mkdir(m[i].dir, 0755) != 0 && errno != EEXIST) {
            HCSG_WARN("init: mkdir %s: %s", m[i].dir, strerror(errno));
            continue;
        }
        if (mount(m[i].src, m[i].dir, m[i].type, m[i].flags, m[i].data) != 0 && errno != EBUSY)
            HCSG_WARN("init: mount %s on %s: %s", m[i].type, m[i].dir, strerror(errno));
        else
            HCSG_DEBUG("init: %s on %s", m[i].type, m[i].dir);
    }
    if (!getenv("PATH"))
        setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
}

