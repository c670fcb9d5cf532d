/*
 * hcs-gcs networking: the adapters and namespaces the agent configured,
 * Add / Remove / cleanup, and resolv.conf.
 *
 * Order of an Add (the Go GCS's, internal/guest/network/netns.go): find
 * the interface (here by MacAddress, waited for up to 5 s), set it down,
 * move it into the namespace, lower its MTU by EncapOverhead, set it up,
 * add each IPConfig (with EnableLowMetric: a rule "from IP lookup 101" at
 * priority 5), add each Route (metric 500 in table 101 with
 * EnableLowMetric when the route has none; a default route whose NextHop
 * is 0.0.0.0 or :: is skipped; a gateway the kernel finds unreachable gets
 * a host address of its own on the link, and the route is tried again).
 * Every step is recorded; a failure, a Remove and the cleanup after a lost
 * bridge undo the recorded steps in reverse.
 *
 * One mutex guards the tables; an Add waits for its interface without it.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/net_internal.h"

#define LOW_METRIC_TABLE 101u /* the Go GCS's table for EnableLowMetric */
#define LOW_METRIC_RULE_PRIO 5u
#define LOW_METRIC 500u

typedef struct ns_ent {
    struct ns_ent *next;
    char id[37];
    char path[PATH_MAX];
    int fd;
    int created;       /* made by an Add: removed when unused */
    unsigned adapters; /* adapters in it */
    unsigned refs;     /* containers in it */
    char resolv[PATH_MAX + 16]; /* written resolv.conf, "" when none */
} ns_ent;

typedef struct added_route {
    hcsg_net_route r;
    uint32_t table, metric;
} added_route;

typedef struct adapter {
    struct adapter *next;
    hcsg_net_plan plan;
    ns_ent *ns;
    char name[IFNAMSIZ];
    int index;         /* in the namespace */
    uint32_t mtu_home;
    int was_up, set_down, moved, mtu_set;
    hcsg_net_ip addrs[HCSG_NET_MAX_IPS + HCSG_NET_MAX_ROUTES];
    size_t naddrs;
    hcsg_net_ip rules[HCSG_NET_MAX_IPS];
    size_t nrules;
    added_route routes[HCSG_NET_MAX_ROUTES];
    size_t nroutes;
} adapter;

struct hcsg_net {
    pthread_mutex_t m;
    char dir[PATH_MAX - 64];
    char etc[PATH_MAX - 128];
    int self_fd;     /* the agent's network namespace, -1 until needed */
    int dir_ready;   /* dir made a shared mount point */
    int dir_bound;   /* ... by binding it onto itself (undone at cleanup) */
    int cancel;      /* atomic: waits give up */
    ns_ent *nss;
    adapter *ads;    /* in the order they were added */
    size_t nads;
};

/* ---- messages ---- */

static void nl_fail(hcsg_err *e, const hcsg_nl *nl, int rc, const char *fmt, ...)
    HCSI_PRINTF(4, 5);
static void nl_fail(hcsg_err *e, const hcsg_nl *nl, int rc, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (nl && nl->ext[0])
        hcsg_err_plain(e, "%s: %s (%s)", what, strerror(-rc), nl->ext);
    else
        hcsg_err_plain(e, "%s: %s", what, strerror(-rc));
}

static void mac_text(const unsigned char m[6], char out[18])
{
    snprintf(out, 18, "%02x-%02x-%02x-%02x-%02x-%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* ---- set-up ---- */

hcsg_net *hcsg_net_new(const char *dir, const char *etc_dir)
{
    hcsg_net *n = (hcsg_net *)calloc(1, sizeof *n);
    if (!n)
        return NULL;
    pthread_mutex_init(&n->m, NULL);
    snprintf(n->dir, sizeof n->dir, "%s", dir && *dir ? dir : HCSG_NET_DEFAULT_DIR);
    snprintf(n->etc, sizeof n->etc, "%s", etc_dir && *etc_dir ? etc_dir : HCSG_NET_DEFAULT_ETC_DIR);
    n->self_fd = -1;
    return n;
}

void hcsg_net_free(hcsg_net *n)
{
    if (!n)
        return;
    (void)hcsg_net_cleanup(n);
    if (n->self_fd >= 0)
        close(n->self_fd);
    pthread_mutex_destroy(&n->m);
    free(n);
}

void hcsg_net_cancel(hcsg_net *n) { __atomic_store_n(&n->cancel, 1, __ATOMIC_SEQ_CST); }

/* ---- namespaces ---- */

static ns_ent *ns_find(hcsg_net *n, const char *id)
{
    ns_ent *s;
    for (s = n->nss; s; s = s->next)
        if (strcmp(s->id, id) == 0)
            return s;
    return NULL;
}

/* The namespace id, tracked, opened, created when its file does not exist. */
static ns_ent *ns_get(hcsg_net *n, const char *id, hcsg_err *e)
{
    ns_ent *s = ns_find(n, id);
    const char *step = "";
    int fd, created = 0, bound;
    char path[PATH_MAX];
    if (s)
        return s;
    snprintf(path, sizeof path, "%s/%s", n->dir, id);
    fd = hcsg_ns_open(path);
    if (fd == -ENOENT) {
        if (!n->dir_ready) {
            int prc = hcsg_ns_prepare_dir(n->dir, &bound, &step);
            if (prc != 0) {
                hcsg_err_plain(e, "network namespace directory %s: %s: %s", n->dir, step,
                               strerror(-prc));
                return NULL;
            }
            n->dir_ready = 1;
            n->dir_bound = bound;
        }
        int rc = hcsg_ns_create(path, &step);
        if (rc != 0) {
            hcsg_err_plain(e, "creating network namespace %s: %s: %s", path, step,
                           strerror(-rc));
            return NULL;
        }
        created = 1;
        fd = hcsg_ns_open(path);
    }
    if (fd < 0) {
        if (created)
            (void)hcsg_ns_destroy(path);
        if (fd == -EINVAL)
            hcsg_err_plain(e, "%s exists and is not a network namespace", path);
        else
            hcsg_err_plain(e, "opening network namespace %s: %s", path, strerror(-fd));
        return NULL;
    }
    s = (ns_ent *)calloc(1, sizeof *s);
    if (!s) {
        close(fd);
        if (created)
            (void)hcsg_ns_destroy(path);
        hcsg_err_plain(e, "out of memory");
        return NULL;
    }
    snprintf(s->id, sizeof s->id, "%s", id);
    snprintf(s->path, sizeof s->path, "%s", path);
    s->fd = fd;
    s->created = created;
    s->next = n->nss;
    n->nss = s;
    if (created)
        HCSG_INFO("network namespace %s created at %s", id, path);
    return s;
}

static void resolv_remove(hcsg_net *n, ns_ent *s)
{
    char d[PATH_MAX];
    if (!s->resolv[0])
        return;
    if (unlink(s->resolv) != 0 && errno != ENOENT)
        HCSG_WARN("network namespace %s: removing %s: %s", s->id, s->resolv, strerror(errno));
    snprintf(d, sizeof d, "%s/%s", n->etc, s->id);
    (void)rmdir(d);
    s->resolv[0] = '\0';
}

/* Forgets s when nothing uses it; a namespace an Add created goes too.
 * force: the cleanup (whatever still refers to it). */
static void ns_release(hcsg_net *n, ns_ent *s, int force)
{
    ns_ent **pp;
    if (!force && (s->adapters || s->refs))
        return;
    resolv_remove(n, s);
    close(s->fd);
    if (s->created) {
        int rc = hcsg_ns_destroy(s->path);
        if (rc != 0)
            HCSG_WARN("network namespace %s: removing %s: %s", s->id, s->path, strerror(-rc));
        else
            HCSG_INFO("network namespace %s removed", s->id);
    }
    for (pp = &n->nss; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    free(s);
}

/* ---- resolv.conf ---- */

static int mkdir_parents(const char *dir)
{
    char p[PATH_MAX];
    size_t i, m = strlen(dir);
    if (m >= sizeof p)
        return -ENAMETOOLONG;
    memcpy(p, dir, m + 1);
    for (i = 1; i <= m; i++) {
        char c = p[i];
        if (c != '/' && c != '\0')
            continue;
        p[i] = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return -errno;
        p[i] = c;
    }
    return 0;
}

/* Written whole, then renamed: a container starting meanwhile reads the old
 * or the new file, never half of one. 0 or -errno. */
static int write_atomic(const char *path, const char *text)
{
    char tmp[PATH_MAX + 8];
    size_t len = strlen(text), off = 0;
    int fd, err = 0;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return -ENAMETOOLONG;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    while (off < len && !err) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno != EINTR)
            err = errno;
        else if (w > 0)
            off += (size_t)w;
    }
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err)
        (void)unlink(tmp);
    return -err;
}

/* The namespace's resolv.conf from its adapters (plus extra, minus skip),
 * as the Go GCS builds a container's: DNSSuffix values as "search",
 * DNSServerList values as "nameserver" lines, merged in the order the
 * adapters came, duplicates dropped. check_only: validate, write nothing. */
static int resolv_update(hcsg_net *n, ns_ent *s, const adapter *extra, const adapter *skip,
                         int check_only, hcsg_err *e)
{
    const hcsg_net_plan *plans[HCSG_NET_MAX_ADAPTERS + 1];
    char text[8192], dir[PATH_MAX], path[PATH_MAX + 16];
    size_t k = 0;
    adapter *a;
    int rc;
    for (a = n->ads; a; a = a->next)
        if (a->ns == s && a != skip && k < HCSG_NET_MAX_ADAPTERS)
            plans[k++] = &a->plan;
    if (extra)
        plans[k++] = &extra->plan;
    if (hcsg_net_resolv_text(plans, k, text, sizeof text, e) != 0)
        return -1;
    if (check_only)
        return 0;
    if (k == 0) {
        resolv_remove(n, s);
        return 0;
    }
    snprintf(dir, sizeof dir, "%s/%s", n->etc, s->id);
    snprintf(path, sizeof path, "%s/resolv.conf", dir);
    rc = mkdir_parents(dir);
    if (rc == 0)
        rc = write_atomic(path, text);
    if (rc != 0) {
        hcsg_err_plain(e, "writing %s: %s", path, strerror(-rc));
        return -1;
    }
    snprintf(s->resolv, sizeof s->resolv, "%s", path);
    return 0;
}

/* ---- configuring one adapter, and undoing it ---- */

static int ignorable_on_undo(int rc)
{
    /* Already gone: the kernel flushes routes with their link or address,
     * and a NIC the host hot-removed takes everything with it. */
    return rc == -ESRCH || rc == -ENOENT || rc == -ENODEV || rc == -EADDRNOTAVAIL;
}

/* Undoes what a recorded: inside the namespace (nl), then back home.
 * Returns 0, or -1 with e set to the first failure (every step is tried). */
static int undo(hcsg_net *n, adapter *a, hcsg_err *e)
{
    hcsg_nl nl, home;
    char t[64];
    int rc, failed = 0, have_nl = 0;
    size_t i;
    if (!a->moved && !a->set_down)
        return 0;
    if (a->moved) {
        rc = hcsg_nl_open_in(&nl, a->ns->fd);
        if (rc != 0) {
            nl_fail(e, NULL, rc, "netlink socket in namespace %s", a->ns->id);
            failed = 1;
        } else {
            have_nl = 1;
        }
    }
#define UNDO_STEP(call, ...)                                                               \
    do {                                                                                   \
        rc = (call);                                                                       \
        if (rc != 0 && !ignorable_on_undo(rc)) {                                           \
            if (!failed)                                                                   \
                nl_fail(e, &nl, rc, __VA_ARGS__);                                          \
            HCSG_WARN("network adapter %s: undo: %s", a->plan.id, strerror(-rc));          \
            failed = 1;                                                                    \
        }                                                                                  \
    } while (0)
    if (have_nl && a->index == 0) {
        /* Moved, but not found there yet (the Add failed in between). */
        hcsg_link l;
        if (hcsg_nl_link_by_name(&nl, a->name, &l) == 0)
            a->index = l.index;
    }
    if (have_nl && a->index) {
        for (i = a->nroutes; i-- > 0;) {
            hcsg_net_ip_format(&a->routes[i].r.dst, 1, t, sizeof t);
            UNDO_STEP(hcsg_nl_route(&nl, 0, a->index, &a->routes[i].r, a->routes[i].table,
                                    a->routes[i].metric),
                      "removing route %s", t);
        }
        for (i = a->nrules; i-- > 0;) {
            hcsg_net_ip_format(&a->rules[i], 0, t, sizeof t);
            UNDO_STEP(hcsg_nl_rule(&nl, 0, &a->rules[i], LOW_METRIC_TABLE, LOW_METRIC_RULE_PRIO),
                      "removing rule from %s", t);
        }
        for (i = a->naddrs; i-- > 0;) {
            hcsg_net_ip_format(&a->addrs[i], 1, t, sizeof t);
            UNDO_STEP(hcsg_nl_addr(&nl, 0, a->index, &a->addrs[i]), "removing address %s", t);
        }
        UNDO_STEP(hcsg_nl_link_set(&nl, a->index, 0, a->mtu_set ? a->mtu_home : 0, -1),
                  "restoring %s (down, MTU %u)", a->name, (unsigned)a->mtu_home);
        UNDO_STEP(hcsg_nl_link_set(&nl, a->index, -1, 0, n->self_fd),
                  "moving %s back to the agent's network namespace", a->name);
    }
    if (have_nl)
        hcsg_nl_close(&nl);
    a->nroutes = a->nrules = a->naddrs = 0;
    a->moved = a->mtu_set = 0;
    if (a->was_up && a->set_down) {
        hcsg_link l;
        memset(&home, 0, sizeof home);
        rc = hcsg_nl_open(&home);
        if (rc == 0)
            rc = hcsg_nl_link_by_name(&home, a->name, &l);
        if (rc == 0)
            rc = hcsg_nl_link_set(&home, l.index, 1, 0, -1);
        if (rc != 0 && !ignorable_on_undo(rc)) {
            if (!failed)
                nl_fail(e, &home, rc, "setting %s up again", a->name);
            failed = 1;
        }
        hcsg_nl_close(&home);
    }
    a->set_down = 0;
#undef UNDO_STEP
    return failed ? -1 : 0;
}

/* Moves link (found at home) into a's namespace and configures it there;
 * everything done is recorded in a (undo() reverses it). */
static int configure(hcsg_net *n, adapter *a, const hcsg_link *link, int low, hcsg_err *e)
{
    const hcsg_net_plan *p = &a->plan;
    hcsg_nl home, nl;
    hcsg_link in;
    char t[64];
    size_t i;
    int rc, v6 = 0;
    uint32_t table = low ? LOW_METRIC_TABLE : RT_TABLE_MAIN;
    snprintf(a->name, sizeof a->name, "%s", link->name);
    a->mtu_home = link->mtu;
    a->was_up = (link->flags & IFF_UP) != 0;
    for (i = 0; i < p->nips; i++)
        v6 |= p->ips[i].family == AF_INET6;
    if (p->encap && (p->encap >= link->mtu || link->mtu - p->encap < (v6 ? 1280u : 68u))) {
        hcsg_err_plain(e, "EncapOverhead %u leaves %s (MTU %u) an MTU below the minimum %u",
                       (unsigned)p->encap, link->name, (unsigned)link->mtu, v6 ? 1280u : 68u);
        return -1;
    }
    rc = hcsg_nl_open(&home);
    if (rc != 0) {
        nl_fail(e, NULL, rc, "netlink socket");
        return -1;
    }
    rc = hcsg_nl_link_set(&home, link->index, 0, 0, -1);
    if (rc == 0) {
        a->set_down = 1;
        rc = hcsg_nl_link_set(&home, link->index, -1, 0, a->ns->fd);
        if (rc != 0)
            nl_fail(e, &home, rc, "moving %s into network namespace %s", link->name, a->ns->id);
        else
            a->moved = 1;
    } else {
        nl_fail(e, &home, rc, "setting %s down", link->name);
    }
    hcsg_nl_close(&home);
    if (rc != 0)
        return -1;
    rc = hcsg_nl_open_in(&nl, a->ns->fd);
    if (rc != 0) {
        nl_fail(e, NULL, rc, "netlink socket in namespace %s", a->ns->id);
        return -1;
    }
    /* Its index may differ in the namespace. */
    rc = hcsg_nl_link_by_name(&nl, a->name, &in);
    if (rc != 0) {
        nl_fail(e, &nl, rc, "finding %s in namespace %s", a->name, a->ns->id);
        goto fail;
    }
    a->index = in.index;
    if (p->encap) {
        rc = hcsg_nl_link_set(&nl, a->index, -1, link->mtu - p->encap, -1);
        if (rc != 0) {
            nl_fail(e, &nl, rc, "setting the MTU of %s to %u (EncapOverhead %u)", a->name,
                    (unsigned)(link->mtu - p->encap), (unsigned)p->encap);
            goto fail;
        }
        a->mtu_set = 1;
    }
    rc = hcsg_nl_link_set(&nl, a->index, 1, 0, -1);
    if (rc != 0) {
        nl_fail(e, &nl, rc, "setting %s up", a->name);
        goto fail;
    }
    for (i = 0; i < p->nips; i++) {
        hcsg_net_ip_format(&p->ips[i], 1, t, sizeof t);
        rc = hcsg_nl_addr(&nl, 1, a->index, &p->ips[i]);
        if (rc != 0) {
            nl_fail(e, &nl, rc, "adding address %s to %s", t, a->name);
            goto fail;
        }
        a->addrs[a->naddrs++] = p->ips[i];
        if (low) {
            /* Traffic from this address leaves through this adapter. */
            rc = hcsg_nl_rule(&nl, 1, &p->ips[i], LOW_METRIC_TABLE, LOW_METRIC_RULE_PRIO);
            if (rc != 0) {
                nl_fail(e, &nl, rc, "adding rule from %s lookup %u", t, LOW_METRIC_TABLE);
                goto fail;
            }
            a->rules[a->nrules++] = p->ips[i];
        }
    }
    for (i = 0; i < p->nroutes; i++) {
        const hcsg_net_route *r = &p->routes[i];
        uint32_t metric = low && r->metric == 0 ? LOW_METRIC : r->metric;
        hcsg_net_ip_format(&r->dst, 1, t, sizeof t);
        rc = hcsg_nl_route(&nl, 1, a->index, r, table, metric);
        if (rc == -ENETUNREACH && r->gw.family) {
            /* A gateway outside every subnet of the link: the Go GCS gives
             * the link the gateway's own host address, then tries again. */
            hcsg_net_ip gw = r->gw;
            char g[64];
            gw.len = gw.family == AF_INET ? 32 : 128;
            hcsg_net_ip_format(&gw, 1, g, sizeof g);
            HCSG_INFO("network adapter %s: gateway %s is outside the subnet: adding %s", p->id, g,
                      g);
            rc = hcsg_nl_addr(&nl, 1, a->index, &gw);
            if (rc != 0) {
                nl_fail(e, &nl, rc, "adding address %s to %s (gateway outside the subnet)", g,
                        a->name);
                goto fail;
            }
            a->addrs[a->naddrs++] = gw;
            rc = hcsg_nl_route(&nl, 1, a->index, r, table, metric);
        }
        if (rc != 0) {
            char g[64] = "";
            if (r->gw.family)
                hcsg_net_ip_format(&r->gw, 0, g, sizeof g);
            nl_fail(e, &nl, rc, "adding route %s%s%s dev %s metric %u", t, g[0] ? " via " : "",
                    g, a->name, (unsigned)metric);
            goto fail;
        }
        a->routes[a->nroutes].r = *r;
        a->routes[a->nroutes].table = table;
        a->routes[a->nroutes].metric = metric;
        a->nroutes++;
    }
    hcsg_nl_close(&nl);
    return 0;
fail:
    hcsg_nl_close(&nl);
    return -1;
}

/* ---- Add / Remove ---- */

static adapter *find_id(hcsg_net *n, const char *id)
{
    adapter *a;
    for (a = n->ads; a; a = a->next)
        if (strcmp(a->plan.id, id) == 0)
            return a;
    return NULL;
}

static int check_new(hcsg_net *n, const hcsg_net_plan *p, hcsg_err *e)
{
    adapter *a;
    if (find_id(n, p->id)) {
        hcsg_err_plain(e, "adapter with id: '%s' already present", p->id);
        return -1;
    }
    for (a = n->ads; a; a = a->next)
        if (memcmp(a->plan.mac, p->mac, 6) == 0) {
            char m[18];
            mac_text(p->mac, m);
            hcsg_err_plain(e, "MacAddress %s already belongs to adapter %s", m, a->plan.id);
            return -1;
        }
    if (n->nads >= HCSG_NET_MAX_ADAPTERS) {
        hcsg_err_plain(e, "too many adapters (%u)", HCSG_NET_MAX_ADAPTERS);
        return -1;
    }
    return 0;
}

/* The interface carrying p->mac in the agent's namespace, waited for. */
static int wait_link(hcsg_net *n, const hcsg_net_plan *p, hcsg_link *out, hcsg_err *e)
{
    uint64_t deadline = hcsi_now_ns() + (uint64_t)HCSG_NET_WAIT_MS * 1000000u;
    char names[256], m[18];
    hcsg_nl nl;
    int rc = hcsg_nl_open(&nl);
    mac_text(p->mac, m);
    if (rc != 0) {
        nl_fail(e, NULL, rc, "netlink socket");
        return -1;
    }
    for (;;) {
        rc = hcsg_nl_link_by_mac(&nl, p->mac, out, names, sizeof names);
        if (rc == 1)
            break;
        if (rc == -EEXIST) {
            hcsg_err_plain(e, "several interfaces have MacAddress %s: %s", m, names);
            break;
        }
        if (rc < 0) {
            nl_fail(e, &nl, rc, "listing interfaces");
            break;
        }
        if (__atomic_load_n(&n->cancel, __ATOMIC_SEQ_CST)) {
            hcsg_err_plain(e, "gave up waiting for MacAddress %s: the agent is stopping", m);
            rc = -1;
            break;
        }
        if (hcsi_now_ns() >= deadline) {
            hcsg_err_plain(e, "timed out waiting for net adapter: no interface with MacAddress "
                              "%s appeared within %u ms",
                           m, HCSG_NET_WAIT_MS);
            rc = -1;
            break;
        }
        hcsi_sleep_ms(20);
    }
    hcsg_nl_close(&nl);
    return rc == 1 ? 0 : -1;
}

int hcsg_net_add(hcsg_net *n, const hcs_gs_LCOWNetworkAdapter *s, hcsg_err *e)
{
    adapter *a = (adapter *)calloc(1, sizeof *a), **pp;
    hcsg_link link;
    ns_ent *ns = NULL;
    int low, locked = 0;
    if (!a) {
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    if (hcsg_net_plan_parse(s, 0, &a->plan, e) != 0)
        goto fail;
    pthread_mutex_lock(&n->m);
    if (n->self_fd < 0)
        n->self_fd = hcsg_ns_self();
    if (n->self_fd < 0) {
        hcsg_err_plain(e, "the agent's network namespace (/proc/self/ns/net): %s",
                       strerror(-n->self_fd));
        n->self_fd = -1;
        pthread_mutex_unlock(&n->m);
        goto fail;
    }
    if (check_new(n, &a->plan, e) != 0) {
        pthread_mutex_unlock(&n->m);
        goto fail;
    }
    pthread_mutex_unlock(&n->m);
    if (wait_link(n, &a->plan, &link, e) != 0)
        goto fail;
    pthread_mutex_lock(&n->m);
    locked = 1;
    /* Another request may have taken the id or the MAC meanwhile. */
    if (check_new(n, &a->plan, e) != 0)
        goto fail;
    ns = ns_get(n, a->plan.nsid, e);
    if (!ns)
        goto fail;
    a->ns = ns;
    /* Nothing changes before resolv.conf is known to be writable text. */
    if (resolv_update(n, ns, a, NULL, 1, e) != 0)
        goto fail;
    /* PolicyBasedRouting: every adapter but the namespace's first gets the
     * low metric (the Go GCS's Sync). */
    low = a->plan.pbr ? ns->adapters > 0 : a->plan.low_metric;
    if (configure(n, a, &link, low, e) != 0 || resolv_update(n, ns, a, NULL, 0, e) != 0) {
        hcsg_err u;
        hcsg_err_clear(&u);
        if (undo(n, a, &u) != 0)
            HCSG_WARN("network adapter %s: undoing a failed Add: %s", a->plan.id, u.msg);
        goto fail;
    }
    for (pp = &n->ads; *pp; pp = &(*pp)->next)
        ;
    *pp = a;
    n->nads++;
    ns->adapters++;
    pthread_mutex_unlock(&n->m);
    {
        char m[18];
        mac_text(a->plan.mac, m);
        HCSG_INFO("network adapter %s (%s, MAC %s) configured in namespace %s%s", a->plan.id,
                  a->name, m, ns->id, low ? " (low metric)" : "");
    }
    return 0;
fail:
    if (ns)
        ns_release(n, ns, 0);
    if (locked)
        pthread_mutex_unlock(&n->m);
    if (a->plan.id[0] && a->plan.nsid[0])
        hcsg_err_prefix(e, "failed to add network adapter %s (namespace %s)", a->plan.id,
                        a->plan.nsid);
    else
        hcsg_err_prefix(e, "failed to add network adapter"); /* its settings are bad */
    free(a);
    return -1;
}

static void unlink_adapter(hcsg_net *n, adapter *a)
{
    adapter **pp;
    for (pp = &n->ads; *pp; pp = &(*pp)->next)
        if (*pp == a) {
            *pp = a->next;
            n->nads--;
            return;
        }
}

int hcsg_net_remove(hcsg_net *n, const hcs_gs_LCOWNetworkAdapter *s, hcsg_err *e)
{
    hcsg_net_plan *p = (hcsg_net_plan *)malloc(sizeof *p);
    adapter *a;
    ns_ent *ns;
    int rc = 0;
    if (!p) {
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    if (hcsg_net_plan_parse(s, 1, p, e) != 0) {
        hcsg_err_prefix(e, "failed to remove network adapter");
        free(p);
        return -1;
    }
    pthread_mutex_lock(&n->m);
    a = find_id(n, p->id);
    if (!a) {
        pthread_mutex_unlock(&n->m);
        /* As the Go GCS: removing an adapter it does not have succeeds. */
        HCSG_WARN("network adapter %s: Remove of an adapter that was not added", p->id);
        free(p);
        return 0;
    }
    if (p->nsid[0] && strcmp(p->nsid, a->ns->id) != 0) {
        pthread_mutex_unlock(&n->m);
        hcsg_err_plain(e, "failed to remove network adapter %s: it is in namespace %s, not %s",
                       p->id, a->ns->id, p->nsid);
        free(p);
        return -1;
    }
    free(p);
    ns = a->ns;
    if (undo(n, a, e) != 0) {
        hcsg_err_prefix(e, "failed to remove network adapter %s (namespace %s)", a->plan.id,
                        ns->id);
        rc = -1;
    }
    unlink_adapter(n, a);
    ns->adapters--;
    {
        hcsg_err re;
        hcsg_err_clear(&re);
        if (resolv_update(n, ns, NULL, NULL, 0, &re) != 0)
            HCSG_WARN("network namespace %s: %s", ns->id, re.msg);
    }
    ns_release(n, ns, 0);
    pthread_mutex_unlock(&n->m);
    HCSG_INFO("network adapter %s (%s) removed", a->plan.id, a->name);
    free(a);
    return rc;
}

/* ---- containers ---- */

int hcsg_net_join(hcsg_net *n, const char *nsid, char *path, size_t pn, char *resolv, size_t rn)
{
    char id[37];
    ns_ent *s;
    if (!n || hcsg_net_guid(nsid, id) != 0)
        return 0;
    pthread_mutex_lock(&n->m);
    s = ns_find(n, id);
    if (s) {
        s->refs++;
        snprintf(path, pn, "%s", s->path);
        snprintf(resolv, rn, "%s", s->resolv);
    }
    pthread_mutex_unlock(&n->m);
    return s != NULL;
}

void hcsg_net_leave(hcsg_net *n, const char *nsid)
{
    char id[37];
    ns_ent *s;
    if (!n || hcsg_net_guid(nsid, id) != 0)
        return;
    pthread_mutex_lock(&n->m);
    s = ns_find(n, id);
    if (s && s->refs) {
        s->refs--;
        ns_release(n, s, 0);
    }
    pthread_mutex_unlock(&n->m);
}

/* ---- cleanup, dump ---- */

size_t hcsg_net_cleanup(hcsg_net *n)
{
    size_t count = 0;
    pthread_mutex_lock(&n->m);
    while (n->ads) {
        adapter *a = n->ads;
        hcsg_err e;
        hcsg_err_clear(&e);
        if (undo(n, a, &e) != 0)
            HCSG_WARN("cleanup: network adapter %s: %s", a->plan.id, e.msg);
        else
            HCSG_INFO("cleanup: network adapter %s (%s) moved back", a->plan.id, a->name);
        n->ads = a->next;
        a->ns->adapters--;
        free(a);
        count++;
    }
    n->nads = 0;
    while (n->nss)
        ns_release(n, n->nss, 1);
    if (n->dir_bound && umount2(n->dir, MNT_DETACH) != 0)
        HCSG_WARN("cleanup: unmounting %s: %s", n->dir, strerror(errno));
    n->dir_bound = n->dir_ready = 0;
    __atomic_store_n(&n->cancel, 0, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&n->m);
    return count;
}

void hcsg_net_dump(hcsg_net *n, hcsi_buf *b)
{
    adapter *a;
    ns_ent *s;
    pthread_mutex_lock(&n->m);
    for (s = n->nss; s; s = s->next)
        (void)hcsi_buf_printf(b, "netns %s %s%s adapters=%u containers=%u\n", s->id, s->path,
                              s->created ? " (created)" : "", s->adapters, s->refs);
    for (a = n->ads; a; a = a->next) {
        char m[18];
        mac_text(a->plan.mac, m);
        (void)hcsi_buf_printf(b, "adapter %s %s mac %s netns %s: %zu addresses, %zu routes, "
                                 "%zu rules\n",
                              a->plan.id, a->name, m, a->ns->id, a->naddrs, a->nroutes,
                              a->nrules);
    }
    pthread_mutex_unlock(&n->m);
}
