/* hcs-gcs helpers: errors, addresses and dialling, command line splitting,
 * $PATH lookup, users. */
#define _GNU_SOURCE 1
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include "gcs.h"

/* ---- errors ---- */

void hcsg_err_clear(hcsg_err *e)
{
    e->hr = 0;
    e->msg[0] = '\0';
}

void hcsg_err_bare(hcsg_err *e, int32_t hr)
{
    e->hr = hr;
    snprintf(e->msg, sizeof e->msg, "HRESULT: 0x%x", (unsigned)(uint32_t)hr);
}

void hcsg_err_wrap(hcsg_err *e, int32_t hr, const char *fmt, ...)
{
    va_list ap;
    int n;
    e->hr = hr;
    n = snprintf(e->msg, sizeof e->msg, "HRESULT 0x%x: ", (unsigned)(uint32_t)hr);
    if (n < 0 || (size_t)n >= sizeof e->msg)
        return;
    va_start(ap, fmt);
    vsnprintf(e->msg + n, sizeof e->msg - (size_t)n, fmt, ap);
    va_end(ap);
}

void hcsg_err_plain(hcsg_err *e, const char *fmt, ...)
{
    va_list ap;
    e->hr = HCSG_HR_FAIL;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

void hcsg_err_prefix(hcsg_err *e, const char *fmt, ...)
{
    char old[HCSG_MAX_ERROR_MESSAGE];
    va_list ap;
    int n;
    memcpy(old, e->msg, sizeof old);
    va_start(ap, fmt);
    n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n + 2 >= sizeof e->msg)
        return;
    e->msg[n] = ':';
    e->msg[n + 1] = ' ';
    {
        size_t room = sizeof e->msg - (size_t)n - 2, l = strlen(old);
        if (l >= room)
            l = room - 1;
        memcpy(e->msg + n + 2, old, l);
        e->msg[n + 2 + l] = '\0';
    }
    if (e->hr == 0)
        e->hr = HCSG_HR_FAIL;
}

/* Go's syscall error strings are glibc's with a lower-case first letter. */
static void errtext(int err, char *buf, size_t n)
{
    snprintf(buf, n, "%s", strerror(err));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
}

/* ---- addresses ---- */

static int parse_u32(const char *s, uint32_t *out)
{
    unsigned long long v = 0;
    int base = 10, digits = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (; *s; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return -1;
        v = v * (unsigned)base + (unsigned)d;
        if (v > 0xFFFFFFFFull)
            return -1;
        digits++;
    }
    if (!digits)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int hcsg_addr_parse(const char *spec, hcsg_addr *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (!spec || !*spec) {
        snprintf(err, errlen, "empty address (want vsock:PORT or unix:DIR)");
        return -1;
    }
    if (strcmp(spec, "vsock") == 0 || strncmp(spec, "vsock:", 6) == 0) {
        a->kind = HCSG_TRANSPORT_VSOCK;
        a->cid = HCS_GCS_VSOCK_CID_HOST;
        a->port = HCS_GCS_VSOCK_PORT_BRIDGE;
        if (spec[5] == ':' && parse_u32(spec + 6, &a->port) != 0) {
            snprintf(err, errlen,
                     "bad vsock port \"%s\" (want 1..4294967295, decimal or 0x-hex)",
                     spec + 6);
            return -1;
        }
        if (a->port == 0) {
            snprintf(err, errlen, "bad vsock port 0");
            return -1;
        }
        return 0;
    }
    if (strncmp(spec, "unix:", 5) == 0) {
        const char *d = spec + 5;
        size_t n = strlen(d);
        while (n > 1 && d[n - 1] == '/')
            n--; /* "DIR/" and "DIR" are the same directory */
        if (n == 0) {
            snprintf(err, errlen, "unix: needs a directory (unix:DIR)");
            return -1;
        }
        if (n > HCSG_UNIX_DIR_MAX) {
            snprintf(err, errlen,
                     "unix directory \"%s\" is too long (%zu bytes, limit %d so "
                     "that DIR/<port> fits a socket address)",
                     d, n, HCSG_UNIX_DIR_MAX);
            return -1;
        }
        a->kind = HCSG_TRANSPORT_UNIX;
        a->port = HCS_GCS_VSOCK_PORT_BRIDGE;
        memcpy(a->dir, d, n);
        a->dir[n] = '\0';
        return 0;
    }
    snprintf(err, errlen, "unknown address \"%s\" (want vsock:PORT or unix:DIR)",
             spec);
    return -1;
}

void hcsg_addr_format(const hcsg_addr *a, char *buf, size_t n)
{
    switch (a->kind) {
    case HCSG_TRANSPORT_VSOCK:
        snprintf(buf, n, "vsock:%lu (cid %lu)", (unsigned long)a->port,
                 (unsigned long)a->cid);
        break;
    case HCSG_TRANSPORT_UNIX: snprintf(buf, n, "unix:%s", a->dir); break;
    default: snprintf(buf, n, "(none)"); break;
    }
}

int hcsg_dial(const hcsg_addr *t, uint32_t port, char *err, size_t errlen)
{
    char et[128];
    int fd, attempt;
    if (t->kind == HCSG_TRANSPORT_UNIX) {
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%lu", t->dir,
                 (unsigned long)port);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            errtext(errno, et, sizeof et);
            snprintf(err, errlen, "socket: %s", et);
            return -1;
        }
        while (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            int e = errno;
            if (e == EINTR)
                continue;
            close(fd);
            errtext(e, et, sizeof et);
            snprintf(err, errlen, "dial unix %s: connect: %s", sa.sun_path, et);
            return -1;
        }
        return fd;
    }
    if (t->kind == HCSG_TRANSPORT_VSOCK) {
        /* The Go GCS retries a vsock dial that times out, 10 times. */
        for (attempt = 0; attempt < 10; attempt++) {
            struct sockaddr_vm sv;
            int e;
            memset(&sv, 0, sizeof sv);
            sv.svm_family = AF_VSOCK;
            sv.svm_cid = t->cid;
            sv.svm_port = port;
            fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                errtext(errno, et, sizeof et);
                snprintf(err, errlen, "vsock socket: %s", et);
                return -1;
            }
            while (connect(fd, (struct sockaddr *)&sv, sizeof sv) != 0) {
                e = errno;
                if (e == EINTR)
                    continue;
                close(fd);
                fd = -1;
                errtext(e, et, sizeof et);
                snprintf(err, errlen, "vsock connect cid %lu port %lu: %s",
                         (unsigned long)t->cid, (unsigned long)port, et);
                if (e != ETIMEDOUT)
                    return -1;
                break;
            }
            if (fd >= 0)
                return fd;
        }
        return -1;
    }
    snprintf(err, errlen, "no stdio transport configured (use --connect or --stdio-dir)");
    return -1;
}

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
            if (!sq && !dollar && !bq) {
                if (dq)
                    got = ARG_QUOTED;
                dq = !dq;
                continue;
            }
            break;
        case '\'':
            if (!dq && !dollar && !bq) {
                if (sq)
                    got = ARG_QUOTED;
                sq = !sq;
                continue;
            }
            break;
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

char *hcsg_lookpath(const char *name, char *err, size_t errlen)
{
    const char *path, *p;
    if (strchr(name, '/'))
        return hcsi_strdup(name);
    if (!*name) {
        snprintf(err, errlen, "exec: no command");
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
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        if (is_executable(cand)) {
            if (cand[0] != '/') {
                snprintf(err, errlen,
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
    snprintf(err, errlen, "exec: \"%s\": executable file not found in $PATH", name);
    return NULL;
}

/* ---- users ---- */

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Finds a line of a colon file whose field key_field equals key; copies the
 * line into buf. Returns 1 found, 0 not found, -1 cannot read. */
static int colon_file_find(const char *file, int key_field, const char *key,
                           char *buf, size_t n)
{
    FILE *f = fopen(file, "re");
    int found = 0;
    if (!f)
        return -1;
    while (fgets(buf, (int)n, f)) {
        char *s = buf, *field;
        int idx = 0;
        size_t l = strlen(buf);
        if (l && buf[l - 1] == '\n')
            buf[--l] = '\0';
        field = s;
        for (;;) {
            char *c = strchr(field, ':');
            size_t fl = c ? (size_t)(c - field) : strlen(field);
            if (idx == key_field) {
                if (fl == strlen(key) && strncmp(field, key, fl) == 0)
                    found = 1;
                break;
            }
            if (!c)
                break;
            field = c + 1;
            idx++;
        }
        if (found)
            break;
    }
    fclose(f);
    return found;
}

/* Field i of a colon line (copied into out). */
static void colon_field(const char *line, int i, char *out, size_t n)
{
    const char *f = line;
    int idx = 0;
    while (idx < i) {
        const char *c = strchr(f, ':');
        if (!c) {
            out[0] = '\0';
            return;
        }
        f = c + 1;
        idx++;
    }
    {
        const char *c = strchr(f, ':');
        size_t l = c ? (size_t)(c - f) : strlen(f);
        if (l >= n)
            l = n - 1;
        memcpy(out, f, l);
        out[l] = '\0';
    }
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

int hcsg_user_lookup(const char *spec, hcsg_user *u, char *err, size_t errlen)
{
    char user[256], group[256], line[1024], f[256];
    const char *colon = strchr(spec, ':');
    unsigned long v;
    int rc, have_group = 0;
    memset(u, 0, sizeof *u);
    if (strlen(spec) >= sizeof user) {
        snprintf(err, errlen, "user \"%.64s...\" is too long", spec);
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
        snprintf(err, errlen, "empty user name in \"%s\"", spec);
        return -1;
    }
    if (all_digits(user)) {
        if (parse_id(user, &v) != 0) {
            snprintf(err, errlen, "bad uid \"%s\"", user);
            return -1;
        }
        u->uid = (uid_t)v;
        u->gid = (gid_t)v;
        /* A numeric uid need not exist in /etc/passwd; use its group when
         * it does. */
        rc = colon_file_find("/etc/passwd", 2, user, line, sizeof line);
        if (rc == 1) {
            colon_field(line, 3, f, sizeof f);
            if (parse_id(f, &v) == 0)
                u->gid = (gid_t)v;
        }
    } else {
        rc = colon_file_find("/etc/passwd", 0, user, line, sizeof line);
        if (rc != 1) {
            snprintf(err, errlen, "unable to find user %s: %s", user,
                     rc < 0 ? "cannot read /etc/passwd" : "no matching entries in passwd file");
            return -1;
        }
        colon_field(line, 2, f, sizeof f);
        if (parse_id(f, &v) != 0) {
            snprintf(err, errlen, "bad uid for user %s in /etc/passwd", user);
            return -1;
        }
        u->uid = (uid_t)v;
        colon_field(line, 3, f, sizeof f);
        if (parse_id(f, &v) != 0) {
            snprintf(err, errlen, "bad gid for user %s in /etc/passwd", user);
            return -1;
        }
        u->gid = (gid_t)v;
    }
    if (have_group) {
        if (!*group) {
            snprintf(err, errlen, "empty group in \"%s\"", spec);
            return -1;
        }
        if (all_digits(group)) {
            if (parse_id(group, &v) != 0) {
                snprintf(err, errlen, "bad gid \"%s\"", group);
                return -1;
            }
        } else {
            rc = colon_file_find("/etc/group", 0, group, line, sizeof line);
            if (rc != 1) {
                snprintf(err, errlen, "unable to find group %s: %s", group,
                         rc < 0 ? "cannot read /etc/group" : "no matching entries in group file");
                return -1;
            }
            colon_field(line, 2, f, sizeof f);
            if (parse_id(f, &v) != 0) {
                snprintf(err, errlen, "bad gid for group %s in /etc/group", group);
                return -1;
            }
        }
        u->gid = (gid_t)v;
    }
    u->groups[0] = u->gid;
    u->ngroups = 1;
    return 0;
}
