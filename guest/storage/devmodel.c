/*
 * hcs-gcs storage: the device model. Everything the agent learns about a
 * device comes from three roots (sysfs, /dev, /proc), options of the agent:
 * in a utility VM they are the kernel's, in tests a tree the test built
 * whose block devices are loop devices holding real images. Waits poll
 * every 10 ms, like the Go GCS, up to one deadline per request.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/storage_internal.h"

#define FILESYSTEMS_MAX (64u * 1024u)
#define RUN_MSG_MAX 1024u

int stor_join(char *out, size_t n, const char *root, const char *rel)
{
    int w;
    while (*rel == '/')
        rel++;
    w = snprintf(out, n, "%s/%s", strcmp(root, "/") == 0 ? "" : root, rel);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

uint64_t stor_deadline(const hcsg_storage *S)
{
    return hcsi_now_ns() + (uint64_t)S->timeout_ms * 1000000u;
}

int stor_closing(const hcsg_storage *S)
{
    return __atomic_load_n(&S->closing, __ATOMIC_SEQ_CST);
}

int stor_wait_tick(const hcsg_storage *S, uint64_t deadline)
{
    uint64_t now = hcsi_now_ns(), left;
    if (stor_closing(S) || now >= deadline)
        return 1;
    left = (deadline - now) / 1000000u + 1u;
    hcsi_sleep_ms(left < STOR_POLL_MS ? (uint32_t)left : STOR_POLL_MS);
    return 0;
}

int stor_read_attr(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    ssize_t r;
    if (fd < 0)
        return -1;
    do
        r = read(fd, buf, n - 1);
    while (r < 0 && errno == EINTR);
    close(fd);
    if (r < 0)
        return -1;
    buf[r] = '\0';
    while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
        buf[--r] = '\0';
    return 0;
}

int stor_plain_name(const char *name)
{
    size_t i, l = strlen(name);
    if (l == 0 || l > STOR_MAX_NAME || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    for (i = 0; i < l; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

int stor_partition_name(const char *disk, uint64_t part, char *out, size_t n)
{
    size_t l = strlen(disk);
    /* The kernel's rule (disk_name()): "sdb" + 1 is "sdb1", but a name
     * that ends in a digit takes a 'p' ("loop5p1", "nvme0n1p1"). */
    int digit = l > 0 && disk[l - 1] >= '0' && disk[l - 1] <= '9';
    int w = snprintf(out, n, "%s%s%llu", disk, digit ? "p" : "", (unsigned long long)part);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* The "dev" attribute of a sysfs block directory as a dev_t; 0 when the
 * directory has none (or it cannot be parsed), -1 on a read error other
 * than absence. */
static int sysfs_devt(const char *dir, dev_t *out)
{
    char p[PATH_MAX], buf[64];
    unsigned maj, min;
    char extra;
    if (stor_join(p, sizeof p, dir, "dev") != 0)
        return -1;
    if (stor_read_attr(p, buf, sizeof buf) != 0)
        return errno == ENOENT ? 0 : -1;
    if (sscanf(buf, "%u:%u%c", &maj, &min, &extra) != 2)
        return 0;
    *out = makedev(maj, min);
    return 1;
}

int stor_wait_block_node(const hcsg_storage *S, uint64_t deadline, const char *name,
                         const char *sysfs_dir, const char *what, char *out, size_t n,
                         hcsg_err *e)
{
    char node[PATH_MAX];
    char why[PATH_MAX + 160];
    if (!stor_plain_name(name)) {
        hcsg_err_plain(e, "%s: the device name \"%.80s\" read from sysfs is not a plain name",
                       what, name);
        return -1;
    }
    if (stor_join(node, sizeof node, S->dev, name) != 0 || strlen(node) >= n) {
        hcsg_err_plain(e, "%s: the device path under %s is too long", what, S->dev);
        return -1;
    }
    for (;;) {
        struct stat st;
        if (stat(node, &st) == 0) {
            dev_t want = 0;
            int have;
            if (!S_ISBLK(st.st_mode)) {
                hcsg_err_plain(e, "%s: %s is not a block device", what, node);
                return -1;
            }
            have = sysfs_dir ? sysfs_devt(sysfs_dir, &want) : 0;
            if (have <= 0 || want == st.st_rdev) {
                snprintf(out, n, "%s", node);
                return 0;
            }
            /* A node left from an earlier device: the right one may
             * replace it in a moment. */
            snprintf(why, sizeof why, "%s is device %u:%u, but sysfs names %u:%u", node,
                     major(st.st_rdev), minor(st.st_rdev), major(want), minor(want));
        } else if (errno == ENOENT || errno == ENXIO || errno == ENODEV) {
            snprintf(why, sizeof why, "%s does not exist", node);
        } else {
            hcsg_err_plain(e, "%s: stat %s: %s", what, node, strerror(errno));
            return -1;
        }
        if (stor_wait_tick(S, deadline)) {
            if (stor_closing(S))
                hcsg_err_plain(e, "%s: the agent is stopping", what);
            else
                hcsg_err_plain(e, "%s: timed out after %u ms waiting for the device node: %s",
                               what, S->timeout_ms, why);
            return -1;
        }
    }
}

int stor_kernel_has_fs(const hcsg_storage *S, const char *fs, hcsg_err *e)
{
    char p[PATH_MAX];
    char *buf = NULL, *line, *save = NULL;
    size_t len = 0;
    int fd, found = 0;
    if (stor_join(p, sizeof p, S->proc, "filesystems") != 0 ||
        (fd = open(p, O_RDONLY | O_CLOEXEC)) < 0) {
        hcsg_err_plain(e, "cannot read the kernel's file systems (%s/filesystems): %s", S->proc,
                       strerror(errno));
        return -1;
    }
    buf = (char *)malloc(FILESYSTEMS_MAX + 1);
    if (!buf) {
        close(fd);
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    for (;;) {
        ssize_t r = read(fd, buf + len, FILESYSTEMS_MAX - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == FILESYSTEMS_MAX)
            break;
    }
    close(fd);
    buf[len] = '\0';
    /* Lines: "nodev\tproc", "\text4". */
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *name = strrchr(line, '\t');
        name = name ? name + 1 : line;
        if (strcmp(name, fs) == 0) {
            found = 1;
            break;
        }
    }
    free(buf);
    return found;
}

int stor_detect_fs(const char *dev, char *out, size_t n, hcsg_err *e)
{
    unsigned char sb[2048];
    ssize_t r;
    int fd = open(dev, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    out[0] = '\0';
    if (fd < 0) {
        hcsg_err_plain(e, "open %s: %s", dev, strerror(errno));
        return -1;
    }
    do
        r = pread(fd, sb, sizeof sb, 0);
    while (r < 0 && errno == EINTR);
    close(fd);
    if (r < 0) {
        hcsg_err_plain(e, "read %s: %s", dev, strerror(errno));
        return -1;
    }
    /* ext2/3/4: magic 0xEF53 at byte 56 of the superblock (offset 1024),
     * what the Go GCS's tar2ext4.IsDeviceExt4 checks; xfs: "XFSB" at 0. */
    if (r >= 1024 + 58 && sb[1024 + 56] == 0x53 && sb[1024 + 57] == 0xEF)
        snprintf(out, n, "ext4");
    else if (r >= 4 && memcmp(sb, "XFSB", 4) == 0)
        snprintf(out, n, "xfs");
    return 0;
}

int stor_run(hcsg_storage *S, const char *const *argv, uint32_t timeout_ms, hcsg_err *e)
{
    char *envp[2] = {NULL, NULL};
    char path_env[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    char msg[RUN_MSG_MAX + 1];
    size_t mlen = 0;
    int p[2] = {-1, -1}, status = 0, rc = -1;
    uint64_t deadline = hcsi_now_ns() + (uint64_t)timeout_ms * 1000000u;
    char *path;
    hcsg_spawn s;
    pid_t pid;
    path = hcsg_lookpath(argv[0], e);
    if (!path)
        return -1;
    if (pipe2(p, O_CLOEXEC) != 0) {
        hcsg_err_plain(e, "%s: pipe: %s", argv[0], strerror(errno));
        free(path);
        return -1;
    }
    envp[0] = path_env;
    memset(&s, 0, sizeof s);
    s.path = path;
    s.argv = (char **)argv;
    s.envp = envp;
    s.argv0 = argv[0];
    s.in_sock = s.out_sock = s.err_sock = -1;
    s.fds[0] = -1;
    s.fds[1] = p[1];
    s.fds[2] = p[1];
    if (hcsg_proc_spawn_helper(S->procs, &s, &pid, e) != 0) {
        close(p[0]);
        close(p[1]);
        free(path);
        return -1;
    }
    close(p[1]);
    /* Its output to EOF (the last RUN_MSG_MAX bytes kept for a message),
     * bounded by the deadline; the wait below kills it if it overruns. */
    for (;;) {
        struct pollfd f;
        uint64_t now = hcsi_now_ns();
        char buf[4096];
        ssize_t got;
        int r;
        if (now >= deadline)
            break;
        f.fd = p[0];
        f.events = POLLIN;
        f.revents = 0;
        r = poll(&f, 1, (int)((deadline - now) / 1000000u) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got = read(p[0], buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if ((size_t)got >= RUN_MSG_MAX) {
            memcpy(msg, buf + got - RUN_MSG_MAX, RUN_MSG_MAX);
            mlen = RUN_MSG_MAX;
        } else {
            if (mlen + (size_t)got > RUN_MSG_MAX) {
                size_t drop = mlen + (size_t)got - RUN_MSG_MAX;
                memmove(msg, msg + drop, mlen - drop);
                mlen -= drop;
            }
            memcpy(msg + mlen, buf, (size_t)got);
            mlen += (size_t)got;
        }
    }
    close(p[0]);
    msg[mlen] = '\0';
    while (mlen > 0 && (msg[mlen - 1] == '\n' || msg[mlen - 1] == ' '))
        msg[--mlen] = '\0';
    {
        uint64_t now = hcsi_now_ns();
        uint32_t left = now >= deadline ? 1u : (uint32_t)((deadline - now) / 1000000u) + 1u;
        if (hcsg_proc_wait_helper(S->procs, pid, left, &status, e) != 0) {
            hcsg_err_prefix(e, "%s", path);
            goto done;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        rc = 0;
    else if (WIFEXITED(status))
        hcsg_err_plain(e, "%s: exit status %d: %s", path, WEXITSTATUS(status),
                       mlen ? msg : "(no output)");
    else
        hcsg_err_plain(e, "%s: killed by signal %d", path, WTERMSIG(status));
done:
    free(path);
    return rc;
}
