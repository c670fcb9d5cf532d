/*
 * hcs-gcs storage: the table of what Add did. Each record is one
 * MountPath: what was mounted there (or the link BlockDev made), the
 * topmost directory Add had to create and a device-mapper target, so that
 * Remove and the cleanup after a lost bridge undo exactly that and nothing
 * the agent did not make. A record is "pending" while its Add or Remove
 * runs: a second request for the same path is refused meanwhile.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "storage/storage_internal.h"

#define BUSY_RETRIES 10u
#define BUSY_WAIT_MS 50u

static const char *kind_name(int kind)
{
    return kind == STOR_SCSI ? "SCSI disk" : kind == STOR_PMEM ? "VPMem device" : "Plan9 share";
}

static void copy_root(char *dst, const char *src, const char *def)
{
    size_t l;
    snprintf(dst, PATH_MAX, "%s", src && *src ? src : def);
    l = strlen(dst);
    while (l > 1 && dst[l - 1] == '/')
        dst[--l] = '\0';
}

hcsg_storage *hcsg_storage_new(const hcsg_storage_config *c)
{
    hcsg_storage *S = (hcsg_storage *)calloc(1, sizeof *S);
    if (!S)
        return NULL;
    copy_root(S->sys, c->sysfs_root, "/sys");
    copy_root(S->dev, c->dev_root, "/dev");
    copy_root(S->proc, c->proc_root, "/proc");
    S->timeout_ms = c->device_timeout_ms ? c->device_timeout_ms : HCSG_DEVICE_TIMEOUT_MS;
    S->procs = c->procs;
    if (c->ports)
        S->ports = *c->ports;
    S->dial_timeout_ms = c->dial_timeout_ms ? c->dial_timeout_ms : HCSG_DIAL_TIMEOUT_MS;
    S->abort_fd = c->abort_fd;
    S->strict = c->strict;
    pthread_mutex_init(&S->m, NULL);
    return S;
}

void hcsg_storage_free(hcsg_storage *S)
{
    if (!S)
        return;
    hcsg_storage_cleanup(S);
    while (S->list) {
        stor_mount *x = S->list;
        S->list = x->next;
        free(x->path);
        free(x->created);
        free(x);
    }
    pthread_mutex_destroy(&S->m);
    free(S);
}

/* path is root or lies under it. */
static int under(const char *path, const char *root)
{
    size_t l = strlen(root);
    if (l == 1 && root[0] == '/')
        return 1;
    return strncmp(path, root, l) == 0 && (path[l] == '\0' || path[l] == '/');
}

int stor_check_mount_path(const hcsg_storage *S, const char *path, const char *what,
                          hcsg_err *e)
{
    static const char *const system[] = {"/proc", "/sys", "/dev"};
    const char *roots[3];
    size_t i;
    if (!path || !*path) {
        hcsg_err_plain(e, "%s: MountPath is empty", what);
        return -1;
    }
    if (hcsg_check_path_under("/", path, "MountPath", e) != 0) {
        hcsg_err_prefix(e, "%s", what);
        return -1;
    }
    if (strcmp(path, "/") == 0) {
        hcsg_err_plain(e, "%s: MountPath \"/\" is the root of the utility VM", what);
        return -1;
    }
    roots[0] = S->proc;
    roots[1] = S->sys;
    roots[2] = S->dev;
    for (i = 0; i < 3; i++) {
        if (under(path, system[i]) || (strcmp(roots[i], "/") != 0 && under(path, roots[i]))) {
            hcsg_err_plain(e, "%s: MountPath \"%.300s\" lies in %s, the kernel's own file "
                              "system", what, path, under(path, system[i]) ? system[i] : roots[i]);
            return -1;
        }
    }
    return 0;
}

static stor_mount *find_locked(hcsg_storage *S, const char *path)
{
    stor_mount *m;
    for (m = S->list; m; m = m->next)
        if (strcmp(m->path, path) == 0)
            return m;
    return NULL;
}

stor_mount *stor_reserve(hcsg_storage *S, int kind, const char *path, const char *what,
                         hcsg_err *e)
{
    stor_mount *m;
    pthread_mutex_lock(&S->m);
    if (stor_closing(S)) {
        pthread_mutex_unlock(&S->m);
        hcsg_err_plain(e, "%s: the agent is stopping", what);
        return NULL;
    }
    m = find_locked(S, path);
    if (m) {
        int k = m->kind, pending = m->pending;
        pthread_mutex_unlock(&S->m);
        hcsg_err_plain(e, "%s: MountPath %.300s already holds a %s added by this agent%s", what,
                       path, kind_name(k), pending ? " (its Add or Remove is in progress)" : "");
        return NULL;
    }
    if (S->n >= STOR_MAX_MOUNTS) {
        pthread_mutex_unlock(&S->m);
        hcsg_err_plain(e, "%s: too many mounts (%u); remove some first", what, STOR_MAX_MOUNTS);
        return NULL;
    }
    m = (stor_mount *)calloc(1, sizeof *m);
    if (!m || !(m->path = strdup(path))) {
        pthread_mutex_unlock(&S->m);
        free(m);
        hcsg_err_plain(e, "out of memory");
        return NULL;
    }
    m->kind = kind;
    m->pending = 1;
    m->next = S->list;
    S->list = m;
    S->n++;
    pthread_mutex_unlock(&S->m);
    return m;
}

static void unlink_locked(hcsg_storage *S, stor_mount *m)
{
    stor_mount **pp;
    for (pp = &S->list; *pp; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            S->n--;
            break;
        }
    }
    free(m->path);
    free(m->created);
    free(m);
}

void stor_finish_add(hcsg_storage *S, stor_mount *m, int commit)
{
    pthread_mutex_lock(&S->m);
    if (commit)
        m->pending = 0;
    else
        unlink_locked(S, m);
    pthread_mutex_unlock(&S->m);
}

int stor_take(hcsg_storage *S, int kind, const char *path, const char *what, int dry,
              stor_mount **out, hcsg_err *e)
{
    stor_mount *m;
    *out = NULL;
    if (stor_check_mount_path(S, path, what, e) != 0)
        return -1;
    if (dry) {
        hcsg_err_plain(e, "%s: dry run: nothing done", what);
        return -1;
    }
    pthread_mutex_lock(&S->m);
    m = find_locked(S, path);
    if (!m) {
        pthread_mutex_unlock(&S->m);
        HCSG_WARN("%s: Remove of %s, which this agent did not mount: nothing to do", what, path);
        return 0;
    }
    if (m->pending || m->kind != kind) {
        int k = m->kind, pending = m->pending;
        pthread_mutex_unlock(&S->m);
        if (pending)
            hcsg_err_plain(e, "%s: MountPath %.300s: its Add or Remove is in progress", what,
                           path);
        else
            hcsg_err_plain(e, "%s: MountPath %.300s holds a %s, not a %s", what, path,
                           kind_name(k), kind_name(kind));
        return -1;
    }
    m->pending = 1;
    *out = m;
    pthread_mutex_unlock(&S->m);
    return 0;
}

void stor_finish_remove(hcsg_storage *S, stor_mount *m, int ok)
{
    pthread_mutex_lock(&S->m);
    if (ok)
        unlink_locked(S, m);
    else
        m->pending = 0;
    pthread_mutex_unlock(&S->m);
}

/* dir (absolute, normalised) resolves to itself: no symbolic link on the
 * way. 0, or -1 with e. */
static int check_no_links(const char *dir, const char *what, hcsg_err *e)
{
    char rp[PATH_MAX];
    if (!realpath(dir, rp)) {
        hcsg_err_plain(e, "%s: %s: %s", what, dir, strerror(errno));
        return -1;
    }
    if (strcmp(rp, dir) != 0) {
        hcsg_err_plain(e, "%s: %.300s resolves to %.300s (a symbolic link on the way); "
                          "mount points are taken as written", what, dir, rp);
        return -1;
    }
    return 0;
}

int stor_make_target(hcsg_storage *S, stor_mount *m, const char *what, hcsg_err *e)
{
    char dir[PATH_MAX], anc[PATH_MAX];
    struct stat st;
    size_t al;
    (void)S;
    snprintf(dir, sizeof dir, "%s", m->path);
    if (m->link) {
        /* BlockDev: the link is the path; its directory is made. */
        char *slash = strrchr(dir, '/');
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
    /* The deepest ancestor that exists: what follows it is Add's to make. */
    snprintf(anc, sizeof anc, "%s", dir);
    while (lstat(anc, &st) != 0) {
        char *slash;
        if (errno != ENOENT) {
            hcsg_err_plain(e, "%s: %s: %s", what, anc, strerror(errno));
            return -1;
        }
        slash = strrchr(anc, '/');
        if (slash == anc)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
    if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
        hcsg_err_plain(e, "%s: %s is not a directory", what, anc);
        return -1;
    }
    if (check_no_links(anc, what, e) != 0)
        return -1;
    al = strlen(anc);
    if (strcmp(anc, dir) != 0) {
        /* The first component below the ancestor is the top of what Add
         * creates (the ancestor "/" has no slash to skip). */
        const char *start = dir + (al == 1 ? 1 : al + 1);
        const char *slash = strchr(start, '/');
        size_t tl = slash ? (size_t)(slash - dir) : strlen(dir);
        m->created = strndup(dir, tl);
        if (!m->created) {
            hcsg_err_plain(e, "out of memory");
            return -1;
        }
        if (hcsg_mkdir_p(dir, 0700, e) != 0) {
            hcsg_err_prefix(e, "%s", what);
            goto fail;
        }
        if (check_no_links(dir, what, e) != 0)
            goto fail;
    }
    if (m->link) {
        if (lstat(m->path, &st) == 0 || errno != ENOENT) {
            hcsg_err_plain(e, "%s: %s exists already (BlockDev makes a link there)", what,
                           m->path);
            goto fail;
        }
        return 0;
    }
    if (hcsg_is_mount_root(m->path)) {
        hcsg_err_plain(e, "%s: %s is a mount point already", what, m->path);
        goto fail;
    }
    return 0;
fail:
    stor_remove_target(m);
    return -1;
}

void stor_remove_target(stor_mount *m)
{
    char dir[PATH_MAX];
    size_t cl;
    if (m->link) {
        struct stat st;
        if (lstat(m->path, &st) == 0 && S_ISLNK(st.st_mode) && unlink(m->path) != 0)
            HCSG_WARN("cannot remove the link %s: %s", m->path, strerror(errno));
    }
    if (!m->created)
        return;
    snprintf(dir, sizeof dir, "%s", m->path);
    if (m->link)
        *strrchr(dir, '/') = '\0';
    cl = strlen(m->created);
    /* From the deepest directory up to the one Add created first; only
     * empty ones go (another mount may have made a sibling meanwhile). */
    while (strlen(dir) >= cl) {
        char *slash;
        if (rmdir(dir) != 0) {
            if (errno != ENOENT) {
                HCSG_DEBUG("leaving %s: %s", dir, strerror(errno));
                break;
            }
        }
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            break;
        *slash = '\0';
    }
    free(m->created);
    m->created = NULL;
}

int stor_undo(hcsg_storage *S, stor_mount *m, int force, const char *what, hcsg_err *e)
{
    if (!m->link) {
        unsigned tries = 0;
        for (;;) {
            if (umount2(m->path, UMOUNT_NOFOLLOW) == 0)
                break;
            if (errno == EINVAL || errno == ENOENT) {
                /* Someone else unmounted it: nothing of ours is left. */
                HCSG_WARN("%s: %s was not mounted any more", what, m->path);
                break;
            }
            if (errno == EBUSY && force && ++tries < BUSY_RETRIES) {
                hcsi_sleep_ms(BUSY_WAIT_MS);
                continue;
            }
            if (errno == EBUSY && force) {
                HCSG_WARN("%s: %s is still busy: detaching it", what, m->path);
                if (umount2(m->path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
                    break;
            }
            hcsg_err_plain(e, "%s: unmount failed: %s: %s", what, m->path, strerror(errno));
            return -1;
        }
    }
    if (m->dm_name[0]) {
        hcsg_err de;
        hcsg_err_clear(&de);
        /* The mount is gone; like the Go GCS, a target that will not go
         * is logged, not fatal. */
        if (stor_dm_remove(S, m->dm_name, &de) != 0)
            HCSG_WARN("%s: %s", what, de.msg);
        m->dm_name[0] = '\0';
    }
    stor_remove_target(m);
    return 0;
}

int stor_scsi_in_use(hcsg_storage *S, unsigned controller, unsigned lun, char *path, size_t n)
{
    stor_mount *m;
    int found = 0;
    pthread_mutex_lock(&S->m);
    for (m = S->list; m; m = m->next) {
        if (m->kind == STOR_SCSI && m->controller == controller && m->lun == lun) {
            snprintf(path, n, "%s", m->path);
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&S->m);
    return found;
}

void hcsg_storage_abort(hcsg_storage *S)
{
    if (S)
        __atomic_store_n(&S->closing, 1, __ATOMIC_SEQ_CST);
}

size_t hcsg_storage_cleanup(hcsg_storage *S)
{
    size_t done = 0;
    if (!S)
        return 0;
    for (;;) {
        stor_mount *m;
        hcsg_err e;
        pthread_mutex_lock(&S->m);
        for (m = S->list; m && m->pending; m = m->next)
            ;
        if (m) {
            /* Out of the table first: the undo runs without the lock. */
            stor_mount **pp;
            for (pp = &S->list; *pp != m; pp = &(*pp)->next)
                ;
            *pp = m->next;
            S->n--;
        }
        pthread_mutex_unlock(&S->m);
        if (!m)
            break;
        hcsg_err_clear(&e);
        if (stor_undo(S, m, 1, kind_name(m->kind), &e) != 0)
            HCSG_ERROR("cleanup: %s", e.msg);
        else
            HCSG_INFO("cleanup: %s at %s removed", kind_name(m->kind), m->path);
        free(m->path);
        free(m->created);
        free(m);
        done++;
    }
    __atomic_store_n(&S->closing, 0, __ATOMIC_SEQ_CST);
    return done;
}

size_t hcsg_storage_count(hcsg_storage *S)
{
    size_t n;
    if (!S)
        return 0;
    pthread_mutex_lock(&S->m);
    n = S->n;
    pthread_mutex_unlock(&S->m);
    return n;
}

void hcsg_storage_dump(hcsg_storage *S, hcsi_buf *b)
{
    stor_mount *m;
    if (!S)
        return;
    pthread_mutex_lock(&S->m);
    hcsi_buf_printf(b, "storage: %zu mount%s (sysfs %s, dev %s)\n", S->n, S->n == 1 ? "" : "s",
                    S->sys, S->dev);
    for (m = S->list; m; m = m->next) {
        hcsi_buf_printf(b, "  %s %s%s%s%s%s\n", kind_name(m->kind), m->path,
                        m->link ? " (link)" : "", m->dev[0] ? " <- " : "", m->dev,
                        m->pending ? " [pending]" : "");
    }
    pthread_mutex_unlock(&S->m);
}

int stor_remove_taken(hcsg_storage *S, stor_mount *m, const char *what, hcsg_err *e)
{
    int rc = stor_undo(S, m, 0, what, e);
    if (rc == 0) /* before the record goes */
        HCSG_INFO("%s: removed from %s", what, m->path);
    stor_finish_remove(S, m, rc == 0);
    return rc;
}
