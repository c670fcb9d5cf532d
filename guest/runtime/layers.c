/*
 * hcs-gcs runtime: CombinedLayers, a container's rootfs as an overlay of
 * read-only layers (lowerdir, in the order the host gives them, as the Go
 * GCS joins them) and a writable scratch (upperdir/workdir under
 * ScratchPath). The agent records what it mounted so that Remove and the
 * cleanup after a lost bridge unmount exactly that.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/runtime.h"

#define MAX_MOUNTS 1024u
#define OVERLAY_DATA_MAX 4095u /* the mount data is one page */

typedef struct mnt {
    struct mnt *next;
    char *root;
} mnt;

struct hcsg_layers {
    char state_root[PATH_MAX]; /* every mount point lies under it */
    pthread_mutex_t m;
    mnt *list;
    size_t n;
};

hcsg_layers *hcsg_layers_new(const char *state_root)
{
    hcsg_layers *L = (hcsg_layers *)calloc(1, sizeof *L);
    if (L) {
        pthread_mutex_init(&L->m, NULL);
        snprintf(L->state_root, sizeof L->state_root, "%s", state_root);
    }
    return L;
}

void hcsg_layers_free(hcsg_layers *L)
{
    if (!L)
        return;
    while (L->list) {
        mnt *x = L->list;
        L->list = x->next;
        free(x->root);
        free(x);
    }
    pthread_mutex_destroy(&L->m);
    free(L);
}

int hcsg_overlay_escape(const char *path, char *out, size_t n)
{
    size_t o = 0;
    for (; *path; path++) {
        if (*path == '\\' || *path == ',' || *path == ':') {
            if (o + 1 >= n)
                return -1;
            out[o++] = '\\';
        }
        if (o + 1 >= n)
            return -1;
        out[o++] = *path;
    }
    out[o] = '\0';
    return 0;
}

/* Appends sep (when data is not empty), key and the escaped path. */
static int append_opt(char *data, size_t *len, const char *key, const char *path,
                      const char *sep)
{
    char esc[PATH_MAX * 2];
    int w;
    if (hcsg_overlay_escape(path, esc, sizeof esc) != 0)
        return -1;
    w = snprintf(data + *len, OVERLAY_DATA_MAX + 1 - *len, "%s%s%s", *len ? sep : "", key,
                 esc);
    if (w < 0 || (size_t)w > OVERLAY_DATA_MAX - *len)
        return -1;
    *len += (size_t)w;
    return 0;
}

static mnt **find_locked(hcsg_layers *L, const char *root)
{
    mnt **pp;
    for (pp = &L->list; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->root, root) == 0)
            return pp;
    return NULL;
}

int hcsg_layers_add(hcsg_layers *L, const hcs_gs_LCOWCombinedLayers *s, hcsg_err *e)
{
    char data[OVERLAY_DATA_MAX + 1];
    char upper[PATH_MAX], work[PATH_MAX];
    size_t len = 0, i;
    const char *root = s->ContainerRootPath, *scratch = s->ScratchPath;
    int ro = !scratch || !*scratch;
    mnt *m;
    if (!root || !*root) {
        hcsg_err_plain(e, "CombinedLayers: ContainerRootPath is empty");
        return -1;
    }
    /* The host picks where the overlay goes: never over the UVM's own
     * directories, only under the state root (hcsshim: /run/gcs/c/<id>). */
    if (hcsg_check_path_under(L->state_root, root, "ContainerRootPath", e) != 0)
        return -1;
    if (s->Layers.n == 0) {
        hcsg_err_plain(e, "CombinedLayers for %s: no Layers given", root);
        return -1;
    }
    data[0] = '\0';
    for (i = 0; i < s->Layers.n; i++) {
        const char *lp = s->Layers.items[i].Path;
        struct stat st;
        int src;
        if (!lp || lp[0] != '/') {
            hcsg_err_plain(e, "CombinedLayers for %s: layer %zu path \"%.300s\" is not "
                              "absolute", root, i, lp ? lp : "");
            return -1;
        }
        if (hcsg_check_path_under("/", lp, "layer path", e) != 0) {
            hcsg_err_prefix(e, "CombinedLayers for %s: layer %zu", root, i);
            return -1;
        }
        src = stat(lp, &st);
        if (src != 0 || !S_ISDIR(st.st_mode)) {
            /* st is only read when stat succeeded */
            const char *why = src != 0 ? strerror(errno) : "not a directory";
            hcsg_err_plain(e, "failed to mount overlay at %s: layer %zu \"%.300s\": %s", root, i,
                           lp, why);
            return -1;
        }
        if (append_opt(data, &len, i == 0 ? "lowerdir=" : "", lp, ":") != 0)
            goto too_long;
    }
    if (!ro) {
        if (hcsg_check_path_under("/", scratch, "ScratchPath", e) != 0)
            return -1;
        snprintf(upper, sizeof upper, "%s/upper", scratch);
        snprintf(work, sizeof work, "%s/work", scratch);
        if (hcsg_mkdir_p(upper, 0755, e) != 0 || hcsg_mkdir_p(work, 0755, e) != 0)
            return -1;
        if (append_opt(data, &len, "upperdir=", upper, ",") != 0 ||
            append_opt(data, &len, "workdir=", work, ",") != 0)
            goto too_long;
    }
    pthread_mutex_lock(&L->m);
    if (find_locked(L, root) || hcsg_is_mount_root(root)) {
        pthread_mutex_unlock(&L->m);
        hcsg_err_plain(e, "failed to mount overlay at %s: it is already mounted", root);
        return -1;
    }
    if (L->n >= MAX_MOUNTS) {
        pthread_mutex_unlock(&L->m);
        hcsg_err_plain(e, "failed to mount overlay at %s: %u overlays already mounted", root,
                       MAX_MOUNTS);
        return -1;
    }
    /* mkdir and mount follow links: a container that planted one in its
     * scratch must not steer either outside the state root (checked
     * before, and again once the directory exists). */
    if (hcsg_mkdir_p_under(L->state_root, root, 0755, "ContainerRootPath", e) != 0) {
        pthread_mutex_unlock(&L->m);
        hcsg_err_prefix(e, "failed to mount overlay");
        return -1;
    }
    if (ro && s->Layers.n == 1) {
        /* overlayfs needs two lower layers without an upper: one read-only
         * layer is a read-only bind mount instead. */
        const char *lp = s->Layers.items[0].Path;
        if (mount(lp, root, NULL, MS_BIND, NULL) != 0 ||
            mount(NULL, root, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0) {
            int err = errno;
            (void)umount2(root, MNT_DETACH);
            pthread_mutex_unlock(&L->m);
            hcsg_err_plain(e, "failed to mount layer %s read-only at %s: %s", lp, root,
                           strerror(err));
            (void)rmdir(root);
            return -1;
        }
    } else if (mount("overlay", root, "overlay", ro ? MS_RDONLY : 0, data) != 0) {
        int err = errno;
        pthread_mutex_unlock(&L->m);
        hcsg_err_plain(e, "failed to mount overlay at %s (%s): %s", root, data, strerror(err));
        (void)rmdir(root);
        return -1;
    }
    m = (mnt *)calloc(1, sizeof *m);
    if (!m || !(m->root = strdup(root))) {
        free(m);
        (void)umount2(root, MNT_DETACH);
        pthread_mutex_unlock(&L->m);
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    m->next = L->list;
    L->list = m;
    L->n++;
    pthread_mutex_unlock(&L->m);
    HCSG_INFO("mounted overlay at %s (%zu layer%s%s)", root, s->Layers.n,
              s->Layers.n == 1 ? "" : "s", ro ? ", read-only" : "");
    return 0;
too_long:
    hcsg_err_plain(e, "failed to mount overlay at %s: %zu layers do not fit the %u-byte "
                      "mount options", root, s->Layers.n, OVERLAY_DATA_MAX);
    return -1;
}

int hcsg_layers_remove(hcsg_layers *L, const char *root, hcsg_err *e)
{
    mnt **pp, *m = NULL;
    if (!root || !*root) {
        hcsg_err_plain(e, "CombinedLayers Remove: ContainerRootPath is empty");
        return -1;
    }
    pthread_mutex_lock(&L->m);
    pp = find_locked(L, root);
    if (!pp) {
        pthread_mutex_unlock(&L->m);
        /* The Go GCS (storage.UnmountPath) answers success here. */
        HCSG_WARN("CombinedLayers Remove: %s was not mounted by this agent", root);
        return 0;
    }
    if (umount2(root, 0) != 0 && errno != EINVAL) {
        int err = errno;
        pthread_mutex_unlock(&L->m);
        hcsg_err_plain(e, "failed to unmount path '%s': %s", root, strerror(err));
        return -1;
    }
    m = *pp;
    *pp = m->next;
    L->n--;
    pthread_mutex_unlock(&L->m);
    (void)rmdir(root);
    HCSG_INFO("unmounted overlay at %s", root);
    free(m->root);
    free(m);
    return 0;
}

size_t hcsg_layers_cleanup(hcsg_layers *L)
{
    size_t n = 0;
    pthread_mutex_lock(&L->m);
    while (L->list) {
        mnt *m = L->list;
        L->list = m->next;
        if (umount2(m->root, 0) != 0 && errno != EINVAL) {
            HCSG_WARN("cleanup: unmount %s: %s; detaching it", m->root, strerror(errno));
            (void)umount2(m->root, MNT_DETACH);
        }
        (void)rmdir(m->root);
        free(m->root);
        free(m);
        n++;
    }
    L->n = 0;
    pthread_mutex_unlock(&L->m);
    return n;
}

int hcsg_layers_under(hcsg_layers *L, const char *dir)
{
    mnt *m;
    size_t n = strlen(dir);
    int found = 0;
    pthread_mutex_lock(&L->m);
    for (m = L->list; m && !found; m = m->next)
        found = strncmp(m->root, dir, n) == 0 && (m->root[n] == '/' || m->root[n] == '\0');
    pthread_mutex_unlock(&L->m);
    return found;
}
