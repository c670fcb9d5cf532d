/* hcs-gcs runtime: ids, paths, directories and files of OCI bundles. */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/runtime.h"

int hcsg_check_id(const char *id, hcsg_err *e)
{
    size_t i, n = id ? strlen(id) : 0;
    if (n == 0 || n > HCSG_MAX_ID || strcmp(id, ".") == 0 || strcmp(id, "..") == 0) {
        hcsg_err_wrap(e, HCSG_HR_INVALID_ARG, "invalid container id \"%.200s\": 1 to %u "
                      "characters of A-Z a-z 0-9 _ . + -", id ? id : "", HCSG_MAX_ID);
        return -1;
    }
    for (i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '+' || c == '-')) {
            hcsg_err_wrap(e, HCSG_HR_INVALID_ARG,
                          "invalid container id \"%.200s\": character %zu is not one of "
                          "A-Z a-z 0-9 _ . + -", id, i);
            return -1;
        }
    }
    return 0;
}

int hcsg_check_path_under(const char *root, const char *path, const char *what, hcsg_err *e)
{
    size_t rl = strlen(root), n = path ? strlen(path) : 0;
    const char *p;
    if (n == 0 || path[0] != '/' || n >= 1024) {
        hcsg_err_plain(e, "%s \"%.300s\" is not an absolute path shorter than 1024 bytes",
                       what, path ? path : "");
        return -1;
    }
    for (p = path; *p;) {
        const char *q;
        size_t l;
        while (*p == '/')
            p++;
        q = strchr(p, '/');
        l = q ? (size_t)(q - p) : strlen(p);
        if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.') ||
            (q && (q[1] == '/' || q[1] == '\0'))) {
            /* One spelling per path: mounts and bundles are matched as
             * text. */
            hcsg_err_plain(e, "%s \"%.300s\" is not a normalised path (no \".\", \"..\", "
                              "\"//\" or trailing \"/\")", what, path);
            return -1;
        }
        p += l;
    }
    if (rl > 1 && (strncmp(path, root, rl) != 0 || path[rl] != '/' || path[rl + 1] == '\0')) {
        hcsg_err_plain(e, "%s \"%.300s\" is outside the agent's state root %s (--state-root)",
                       what, path, root);
        return -1;
    }
    return 0;
}

/* path as the kernel resolves it (its deepest existing ancestor) lies
 * under root. */
static int check_resolved_under(const char *root, const char *path, const char *what,
                                hcsg_err *e)
{
    char rp[PATH_MAX], rr[PATH_MAX], anc[PATH_MAX];
    size_t rl;
    /* The deepest ancestor that exists is what links can redirect; what
     * follows it does not exist yet. */
    snprintf(anc, sizeof anc, "%s", path);
    while (!realpath(anc, rp)) {
        char *slash = strrchr(anc, '/');
        if (errno != ENOENT || !slash || slash == anc) {
            hcsg_err_plain(e, "%s \"%.300s\": %s", what, path, strerror(errno));
            return -1;
        }
        *slash = '\0';
    }
    if (!realpath(root, rr))
        snprintf(rr, sizeof rr, "%s", root);
    rl = strlen(rr);
    /* Under root: the resolved ancestor is below root, or is root itself
     * with the rest of the path still to come. */
    if (rl > 1 && (strncmp(rp, rr, rl) != 0 ||
                   (rp[rl] != '/' && !(rp[rl] == '\0' && strcmp(anc, path) != 0)))) {
        hcsg_err_plain(e, "%s \"%.300s\" resolves to \"%.300s\", outside the agent's state "
                          "root %s (a symbolic link on the way)",
                       what, path, rp, root);
        return -1;
    }
    return 0;
}

int hcsg_mkdir_p_under(const char *root, const char *path, mode_t mode, const char *what,
                       hcsg_err *e)
{
    /* The root first (it is ours), so that it resolves; then the path is
     * checked before mkdir (which follows links) and again after. */
    if (hcsg_mkdir_p(root, 0755, e) != 0 || check_resolved_under(root, path, what, e) != 0 ||
        hcsg_mkdir_p(path, mode, e) != 0)
        return -1;
    return check_resolved_under(root, path, what, e);
}

int hcsg_mkdir_p(const char *path, mode_t mode, hcsg_err *e)
{
    char buf[PATH_MAX];
    size_t i, n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        hcsg_err_plain(e, "mkdir \"%.300s\": path too long", path);
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, mode) != 0 && errno != EEXIST) {
                hcsg_err_plain(e, "mkdir %s: %s", buf, strerror(errno));
                return -1;
            }
            buf[i] = c;
        }
    }
    return 0;
}

static int remove_at(int dfd, const char *name, dev_t dev, int depth)
{
    struct stat st;
    int fd, rc = 0;
    DIR *d;
    struct dirent *de;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dfd, name, 0) == 0 || errno == ENOENT ? 0 : -1;
    if (st.st_dev != dev || depth > 64) {
        HCSG_WARN("not removing %s: another file system is mounted there", name);
        errno = EBUSY;
        return -1;
    }
    fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (remove_at(fd, de->d_name, dev, depth + 1) != 0)
            rc = -1;
    }
    closedir(d);
    if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        rc = -1;
    return rc;
}

int hcsg_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    return remove_at(AT_FDCWD, path, st.st_dev, 0);
}

int hcsg_write_file(const char *path, const char *data, size_t len, hcsg_err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    size_t off = 0;
    if (fd < 0) {
        hcsg_err_plain(e, "create %s: %s", path, strerror(errno));
        return -1;
    }
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            hcsg_err_plain(e, "write %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0) {
        hcsg_err_plain(e, "write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
