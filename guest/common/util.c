/* hcs-gcs helpers: command line splitting, $PATH lookup, users (errors are
 * err.c, addresses and dialling addr.c). */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gcs.h"

/* ---- string vectors ---- */

void hcsg_strv_init(hcsg_strv *s)
{
    s->v = NULL;
    s->n = s->cap = 0;
}

void hcsg_strv_free(hcsg_strv *s)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    hcsg_strv_init(s);
}

int hcsg_strv_push(hcsg_strv *s, const char *str, size_t len)
{
    if (s->n + 2 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 8;
        char **nv = (char **)hcsi_realloc(s->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n] = hcsi_strndup(str, len);
    if (!s->v[s->n])
        return -1;
    s->n++;
    s->v[s->n] = NULL;
    return 0;
}

/* ---- go-shellwords ---- */

static int sw_push(hcsg_strv *out, hcsi_buf *b)
{
    int rc;
    if (out->n >= HCSG_MAX_ARGS)
        return -1;
    rc = hcsg_strv_push(out, b->data ? b->data : "", b->len);
    b->len = 0;
    return rc;
}

static int sw_ends_with_dollar(const hcsi_buf *b)
{
    if (b->len == 0 || b->data[b->len - 1] != '$')
        return 0;
    return !(b->len >= 2 && b->data[b->len - 2] == '\\');
}

int hcsg_shellwords(const char *line, size_t len, hcsg_strv *out)
{
    enum { ARG_NO, ARG_SINGLE, ARG_QUOTED } got = ARG_NO;
    int escaped = 0, dq = 0, sq = 0, bq = 0, dollar = 0;
    hcsi_buf b;
    size_t i;
    int rc = -1;
    hcsi_buf_init(&b, 0);
    hcsg_strv_init(out);
    for (i = 0; i < len; i++) {
        char r = line[i];
        if (escaped) {
            escaped = 0;
            if (bq || dollar) {
                if (hcsi_buf_putc(&b, '\\') || hcsi_buf_putc(&b, r))
                    goto done;
                got = ARG_SINGLE;
                continue;
            }
            if (r == 't')
                r = '\t';
            else if (r == 'n')
                r = '\n';
            if (hcsi_buf_putc(&b, r))
                goto done;
            got = ARG_SINGLE;
            continue;
        }
        if (r == '\\') {
            if (sq) {
                if (hcsi_buf_putc(&b, r))
                    goto done;
            } else {
                escaped = 1;
            }
            continue;
        }
        if (r == ' ' || r == '\t' || r == '\r' || r == '\n') {
            if (sq || dq || bq || dollar) {
                if (hcsi_buf_putc(&b, r))
                    goto done;
            } else if (got != ARG_NO) {
                if (sw_push(out, &b))
                    goto done;
                got = ARG_NO;
            }
            continue;
        }
        switch (r) {
        case '`':
            if (!sq && !dq && !dollar)
                bq = !bq;
            break;
        case ')':
            if (!sq && !dq && !bq) {
                if (!dollar)
                    goto done; /* a bare ')' */
                if (hcsi_buf_putc(&b, r))
                    goto done;
                dollar = 0;
                got = ARG_SINGLE;
                continue;
            }
            break;
        case '(':
            if (!sq && !dq && !bq) {
                if (!dollar && sw_ends_with_dollar(&b)) {
                    dollar = 1;
                    if (hcsi_buf_putc(&b, r))
                        goto done;
                    continue;
                }
                goto done;
            }
            break;
        case '"':
        case '\'': {
            /* Opens or closes its kind of quotes, unless inside the other
             * kind, $(...) or `...`. */
            int *q = r == '"' ? &dq : &sq;
            if (!(r == '"' ? sq : dq) && !dollar && !bq) {
                if (*q)
                    got = ARG_QUOTED;
                *q = !*q;
                continue;
            }
            break;
        }
        case ';':
        case '&':
        case '|':
        case '<':
        case '>':
            if (!(sq || dq || bq || dollar)) {
                if (r == '>' && b.len > 0) {
                    size_t k;
                    int digits = 1;
                    for (k = 0; k < b.len; k++)
                        if (b.data[k] < '0' || b.data[k] > '9')
                            digits = 0;
                    if (digits)
                        got = ARG_NO; /* "2>" drops the fd number */
                }
                goto finish;
            }
            break;
        default: break;
        }
        got = ARG_SINGLE;
        if (hcsi_buf_putc(&b, r))
            goto done;
    }
finish:
    if (got != ARG_NO && sw_push(out, &b))
        goto done;
    if (escaped || sq || dq || bq || dollar)
        goto done;
    rc = 0;
done:
    hcsi_buf_free(&b);
    if (rc != 0)
        hcsg_strv_free(out);
    return rc;
}

/* ---- $PATH lookup (exec.LookPath) ---- */

static int is_executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    if (S_ISDIR(st.st_mode))
        return 0;
    return (st.st_mode & 0111) != 0;
}

#define HCSG_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char *hcsg_lookpath(const char *name, hcsg_err *e)
{
    const char *path, *p;
    if (strchr(name, '/')) {
        char *copy = hcsi_strdup(name);
        if (!copy)
            hcsg_err_plain(e, "out of memory");
        return copy;
    }
    if (!*name) {
        hcsg_err_plain(e, "exec: no command");
        return NULL;
    }
    path = getenv("PATH");
    if (!path)
        path = HCSG_DEFAULT_PATH;
    p = path;
    for (;;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *cand;
        if (n == 0)
            cand = hcsi_asprintf("./%s", name);
        else
            cand = hcsi_asprintf("%.*s/%s", (int)n, p, name);
        if (!cand) {
            hcsg_err_plain(e, "out of memory");
            return NULL;
        }
        if (is_executable(cand)) {
            if (cand[0] != '/') {
                hcsg_err_plain(e,
                               "exec: \"%s\": cannot run executable found relative to "
                               "current directory",
                               name);
                free(cand);
                return NULL;
            }
            return cand;
        }
        free(cand);
        if (!end)
            break;
        p = end + 1;
    }
    hcsg_err_plain(e, "exec: \"%s\": executable file not found in $PATH", name);
    return NULL;
}

/* ---- users ---- */

/* Bounds on the user database files (a container image's files are
 * untrusted): bytes read in all, bytes kept of one line (the rest of a
 * longer line is skipped, never taken for a line of its own). */
#define USERDB_MAX_BYTES (8u * 1024u * 1024u)
#define USERDB_MAX_LINE 4096u

/* Go's syscall error strings are glibc's with a lower-case first letter. */
static void errtext(int err, char *buf, size_t n)
{
    snprintf(buf, n, "%s", strerror(err));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int parse_id(const char *s, unsigned long *out)
{
    char *end;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || end == s || v > 0xFFFFFFFEul)
        return -1;
    *out = v;
    return 0;
}

/* Where the database files are read from: root "" is the agent's own /etc
 * (links followed, as any program reading /etc/passwd); otherwise ROOT/etc,
 * where neither "etc" nor the file is followed if it is a symbolic link, so
 * that an image cannot point the lookup out of its root. */
typedef struct userdb_root {
    char root[PATH_MAX]; /* absolute, no trailing '/'; "" for / */
} userdb_root;

/* A database file being read: ROOT/etc/<name>. */
typedef struct userdb {
    int fd;
    size_t pos, len, total;   /* read buffer; bytes read in all */
    char path[PATH_MAX + 16]; /* "/etc/passwd", "ROOT/etc/passwd" */
    char why[160];            /* why it cannot be read */
    char rb[4096];
} userdb;

/* One line (NUL-terminated, len bytes): cut says it was longer than the
 * buffer. Lines with a NUL byte are marked bad (never matched). */
typedef struct userdb_line {
    char text[USERDB_MAX_LINE];
    size_t len;
    int cut, bad;
} userdb_line;

/* Reasons of the agent's own beside errno values. */
#define USERDB_LINK (-1)   /* a symbolic link under a root */
#define USERDB_NOTREG (-2) /* not a regular file */
#define USERDB_TOOBIG (-3) /* larger than USERDB_MAX_BYTES */

static void userdb_fail(userdb *d, int en)
{
    char et[128];
    if (en == USERDB_LINK)
        snprintf(d->why, sizeof d->why, "a symbolic link is not followed out of the root");
    else if (en == USERDB_NOTREG)
        snprintf(d->why, sizeof d->why, "not a regular file");
    else if (en == USERDB_TOOBIG)
        snprintf(d->why, sizeof d->why, "larger than %u bytes", USERDB_MAX_BYTES);
    else {
        errtext(en, et, sizeof et);
        snprintf(d->why, sizeof d->why, "%s", et);
    }
}

/* What (at, name) is without following a link: 0 a regular file, else a
 * reason for userdb_fail. */
static int regular_at(int at, const char *name)
{
    struct stat st;
    if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno;
    if (S_ISLNK(st.st_mode))
        return USERDB_LINK;
    return S_ISREG(st.st_mode) ? 0 : USERDB_NOTREG;
}

/* Opens ROOT/etc/NAME: 0, or -1 with d->why set. Only a regular file is
 * opened: looked at first, so that a FIFO or a device is never opened (that
 * could block or have effects), and checked again once open. Under a root,
 * neither "etc" nor NAME is followed when it is a symbolic link (O_NOFOLLOW
 * on each component below the root). */
static int userdb_open(userdb *d, const userdb_root *r, const char *name)
{
    struct stat st;
    int en;
    memset(d, 0, offsetof(userdb, rb));
    d->fd = -1;
    snprintf(d->path, sizeof d->path, "%s/etc/%s", r->root, name);
    if (!r->root[0]) {
        if (stat(d->path, &st) != 0) {
            userdb_fail(d, errno);
            return -1;
        }
        if (!S_ISREG(st.st_mode)) {
            userdb_fail(d, USERDB_NOTREG);
            return -1;
        }
        d->fd = open(d->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    } else {
        int rfd = open(r->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), dfd;
        if (rfd < 0) {
            userdb_fail(d, errno);
            return -1;
        }
        dfd = openat(rfd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0) {
            en = errno;
            if (en == ENOTDIR || en == ELOOP) {
                /* A link "etc" fails O_DIRECTORY|O_NOFOLLOW: say why. */
                struct stat lst;
                if (fstatat(rfd, "etc", &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode))
                    en = USERDB_LINK;
            }
            close(rfd);
            userdb_fail(d, en);
            return -1;
        }
        close(rfd);
        en = regular_at(dfd, name);
        if (en != 0) {
            close(dfd);
            userdb_fail(d, en);
            return -1;
        }
        d->fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        en = errno;
        close(dfd);
        errno = en;
    }
    if (d->fd < 0) {
        userdb_fail(d, errno == ELOOP && r->root[0] ? USERDB_LINK : errno);
        return -1;
    }
    if (fstat(d->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(d->fd);
        d->fd = -1;
        userdb_fail(d, USERDB_NOTREG);
        return -1;
    }
    return 0;
}

static void userdb_close(userdb *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}

/* The next line: 1, 0 at the end, -1 when a read fails or the file is
 * larger than USERDB_MAX_BYTES (d->why set). */
static int userdb_next(userdb *d, userdb_line *l)
{
    int got = 0;
    l->len = 0;
    l->cut = l->bad = 0;
    for (;;) {
        char c;
        if (d->pos == d->len) {
            size_t want = sizeof d->rb;
            ssize_t n;
            if (d->total >= USERDB_MAX_BYTES) {
                /* One byte past the bound tells a file of exactly the bound
                 * from a larger one. */
                char probe;
                n = read(d->fd, &probe, 1);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n == 0)
                    break;
                userdb_fail(d, n < 0 ? errno : USERDB_TOOBIG);
                return -1;
            }
            if (want > USERDB_MAX_BYTES - d->total)
                want = USERDB_MAX_BYTES - d->total;
            n = read(d->fd, d->rb, want);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                userdb_fail(d, errno);
                return -1;
            }
            if (n == 0)
                break;
            d->pos = 0;
            d->len = (size_t)n;
            d->total += (size_t)n;
        }
        got = 1;
        c = d->rb[d->pos++];
        if (c == '\n')
            break;
        if (c == '\0')
            l->bad = 1;
        if (l->len + 1 < sizeof l->text)
            l->text[l->len++] = c;
        else
            l->cut = 1;
    }
    l->text[l->len] = '\0';
    return got;
}

/* Field i of a line: 1 with its bounds when it is whole (it ends at a ':'
 * or at the end of a line that was not cut), else 0. */
static int line_field(const userdb_line *l, int i, const char **f, size_t *fl)
{
    size_t p = 0;
    int idx = 0;
    if (l->bad)
        return 0;
    for (;;) {
        const char *c = (const char *)memchr(l->text + p, ':', l->len - p);
        size_t end = c ? (size_t)(c - l->text) : l->len;
        if (idx == i) {
            if (!c && l->cut)
                return 0;
            *f = l->text + p;
            *fl = end - p;
            return 1;
        }
        if (!c)
            return 0;
        p = end + 1;
        idx++;
    }
}

/* A numeric field (uid, gid): 0, or -1 when it is not whole or not a
 * valid id. */
static int line_id(const userdb_line *l, int i, unsigned long *out)
{
    const char *f;
    size_t fl;
    char buf[32];
    if (!line_field(l, i, &f, &fl) || fl >= sizeof buf)
        return -1;
    memcpy(buf, f, fl);
    buf[fl] = '\0';
    return parse_id(buf, out);
}

/* Finds the first line of ROOT/etc/NAME whose field key_field is key.
 * Returns 1 found (in l), 0 not found, -1 cannot read (d->why, d->path). */
static int userdb_find(userdb *d, const userdb_root *r, const char *name, int key_field,
                       const char *key, userdb_line *l)
{
    size_t kl = strlen(key);
    int rc;
    if (userdb_open(d, r, name) != 0)
        return -1;
    while ((rc = userdb_next(d, l)) == 1) {
        const char *f;
        size_t fl;
        if (line_field(l, key_field, &f, &fl) && fl == kl && memcmp(f, key, kl) == 0)
            break;
    }
    userdb_close(d);
    return rc;
}

/* "unable to find user NAME: no matching entries in passwd file" (rc 0) or
 * "...: cannot read /etc/passwd" (rc -1; the text it always had for the
 * agent's own files, with the reason under a root). */
static void not_found(hcsg_err *e, const char *what, const char *name, const char *file,
                      int rc, const userdb_root *r, const userdb *d)
{
    if (rc == 0)
        hcsg_err_plain(e, "unable to find %s %s: no matching entries in %s file", what, name,
                       file);
    else if (r->root[0])
        hcsg_err_plain(e, "unable to find %s %s: cannot read %s: %s", what, name, d->path,
                       d->why);
    else
        hcsg_err_plain(e, "unable to find %s %s: cannot read %s", what, name, d->path);
}

/* The entry name of ROOT/etc/FILE (a what: "user", "group") and its id
 * (field 2, idname: "uid", "gid") in *id; the line stays in l. 0, or -1
 * with e. */
static int named_entry(const userdb_root *r, const char *file, const char *what,
                       const char *name, const char *idname, userdb *d, userdb_line *l,
                       unsigned long *id, hcsg_err *e)
{
    int rc = userdb_find(d, r, file, 0, name, l);
    if (rc != 1) {
        not_found(e, what, name, file, rc, r, d);
        return -1;
    }
    if (line_id(l, 2, id) != 0) {
        hcsg_err_plain(e, "bad %s for %s %s in %s", idname, what, name, d->path);
        return -1;
    }
    return 0;
}

/* A numeric uid or gid (idname): 0, or -1 with e. */
static int numeric_id(const char *s, const char *idname, unsigned long *v, hcsg_err *e)
{
    if (parse_id(s, v) != 0) {
        hcsg_err_plain(e, "bad %s \"%s\"", idname, s);
        return -1;
    }
    return 0;
}

/* The groups of ROOT/etc/group that list name as a member, after the
 * primary one (runc's GetExecUser does the same); a missing or unreadable
 * group file adds none. */
static void member_groups(const userdb_root *r, const char *name, hcsg_user *u)
{
    userdb d;
    userdb_line l;
    size_t nl = strlen(name);
    if (!*name || userdb_open(&d, r, "group") != 0)
        return;
    while (userdb_next(&d, &l) == 1 && u->ngroups < HCSI_ARRAY_LEN(u->groups)) {
        const char *f, *p;
        size_t fl, i;
        unsigned long gid;
        if (!line_field(&l, 3, &f, &fl) || line_id(&l, 2, &gid) != 0)
            continue;
        for (p = f; p < f + fl;) {
            const char *c = (const char *)memchr(p, ',', (size_t)(f + fl - p));
            size_t ml = c ? (size_t)(c - p) : (size_t)(f + fl - p);
            if (ml == nl && memcmp(p, name, nl) == 0) {
                for (i = 0; i < u->ngroups && u->groups[i] != (gid_t)gid; i++)
                    ;
                if (i == u->ngroups)
                    u->groups[u->ngroups++] = (gid_t)gid;
                break;
            }
            p += ml + 1;
        }
    }
    userdb_close(&d);
}

int hcsg_user_lookup_root(const char *root, const char *spec, hcsg_user *u, hcsg_err *e)
{
    char pwname[256] = "";
    char user[256], group[256];
    const char *colon;
    unsigned long v;
    int rc, have_group = 0;
    userdb_root r;
    userdb d;
    userdb_line l;
    size_t rl;
    memset(u, 0, sizeof *u);
    if (!root)
        root = "";
    rl = strlen(root);
    if (*root && *root != '/') {
        hcsg_err_plain(e, "user lookup: root \"%.256s\" is not an absolute path", root);
        e->hr = HCSG_HR_INVALID_ARG;
        return -1;
    }
    while (rl > 0 && root[rl - 1] == '/')
        rl--; /* "/" is the agent's own root, "DIR/" is DIR */
    if (rl + sizeof "/etc/passwd" > sizeof r.root) {
        hcsg_err_plain(e, "user lookup: root \"%.256s...\" is too long", root);
        e->hr = HCSG_HR_INVALID_ARG;
        return -1;
    }
    memcpy(r.root, root, rl);
    r.root[rl] = '\0';
    colon = strchr(spec, ':');
    if (strlen(spec) >= sizeof user) {
        hcsg_err_plain(e, "user \"%.64s...\" is too long", spec);
        return -1;
    }
    if (colon) {
        memcpy(user, spec, (size_t)(colon - spec));
        user[colon - spec] = '\0';
        snprintf(group, sizeof group, "%s", colon + 1);
        have_group = 1;
    } else {
        snprintf(user, sizeof user, "%s", spec);
    }
    if (!*user) {
        hcsg_err_plain(e, "empty user name in \"%s\"", spec);
        return -1;
    }
    if (all_digits(user)) {
        if (numeric_id(user, "uid", &v, e) != 0)
            return -1;
        u->uid = (uid_t)v;
        u->gid = (gid_t)v;
        /* A numeric uid need not exist in /etc/passwd (nor /etc/passwd at
         * all); use its group when it does. */
        rc = userdb_find(&d, &r, "passwd", 2, user, &l);
        if (rc == 1 && line_id(&l, 3, &v) == 0)
            u->gid = (gid_t)v;
        if (rc == 1) {
            const char *f;
            size_t fl;
            if (line_field(&l, 0, &f, &fl) && fl < sizeof pwname) {
                memcpy(pwname, f, fl);
                pwname[fl] = '\0';
            }
        }
    } else {
        if (named_entry(&r, "passwd", "user", user, "uid", &d, &l, &v, e) != 0)
            return -1;
        u->uid = (uid_t)v;
        if (line_id(&l, 3, &v) != 0) {
            hcsg_err_plain(e, "bad gid for user %s in %s", user, d.path);
            return -1;
        }
        u->gid = (gid_t)v;
        snprintf(pwname, sizeof pwname, "%s", user);
    }
    if (have_group) {
        if (!*group) {
            hcsg_err_plain(e, "empty group in \"%s\"", spec);
            return -1;
        }
        if (all_digits(group) ? numeric_id(group, "gid", &v, e) != 0
                              : named_entry(&r, "group", "group", group, "gid", &d, &l, &v, e) != 0)
            return -1;
        u->gid = (gid_t)v;
    }
    u->groups[0] = u->gid;
    u->ngroups = 1;
    member_groups(&r, pwname, u);
    return 0;
}

int hcsg_user_lookup(const char *spec, hcsg_user *u, hcsg_err *e)
{
    return hcsg_user_lookup_root("", spec, u, e);
}

size_t hcsg_locked_size(pthread_mutex_t *m, const size_t *v)
{
    size_t n;
    pthread_mutex_lock(m);
    n = *v;
    pthread_mutex_unlock(m);
    return n;
}

void hcsg_pollfd(struct pollfd *p, int fd, short events)
{
    p->fd = fd;
    p->events = events;
    p->revents = 0;
}

int hcsg_write_loop(const void *buf, size_t n, ssize_t (*put)(void *ctx, const void *p, size_t n),
                    int (*blocked)(void *ctx), void *ctx)
{
    const char *p = (const char *)buf;
    while (n > 0) {
        ssize_t w = put(ctx, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = blocked(ctx);
            if (rc != 0)
                return rc;
            continue;
        }
        return -1;
    }
    return 0;
}

/* Whether path is the root of a mount (statx's attribute; before Linux
 * 5.8, a device different from its parent's). */
int hcsg_is_mount_root(const char *path)
{
    struct statx sx;
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) == 0 &&
        (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
        return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
    {
        struct stat a, b;
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s/..", path);
        if (stat(path, &a) != 0 || stat(parent, &b) != 0)
            return 0;
        return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
    }
}
