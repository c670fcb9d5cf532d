/*
 * hcs-gcs networking: rtnetlink requests over libmnl (links, addresses,
 * routes, rules). One request at a time per socket, each acknowledged; the
 * kernel's extended ack (its own words for what was wrong) is kept.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "net/net_internal.h"

#define NL_BUF_SIZE 32768u
/* A request (libmnl's MNL_SOCKET_BUFFER_SIZE is computed at run time:
 * a variable-length array). */
#define NL_MSG_SIZE 1024u
/* The kernel answers rtnetlink at once; this bounds a wedged socket. */
#define NL_TIMEOUT_S 5

int hcsg_nl_open(hcsg_nl *nl)
{
    struct timeval tv = {NL_TIMEOUT_S, 0};
    int one = 1, err;
    memset(nl, 0, sizeof *nl);
    nl->buf = (char *)malloc(NL_BUF_SIZE);
    if (!nl->buf)
        return -ENOMEM;
    nl->s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl->s)
        goto fail;
    if (mnl_socket_bind(nl->s, 0, MNL_SOCKET_AUTOPID) < 0)
        goto fail;
    (void)setsockopt(mnl_socket_get_fd(nl->s), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(mnl_socket_get_fd(nl->s), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    /* Extended acks: the kernel says what it refused. */
    (void)mnl_socket_setsockopt(nl->s, NETLINK_EXT_ACK, &one, sizeof one);
    nl->portid = mnl_socket_get_portid(nl->s);
    nl->seq = (uint32_t)time(NULL);
    return 0;
fail:
    err = errno ? errno : EIO;
    hcsg_nl_close(nl);
    return -err;
}

typedef struct open_in {
    hcsg_nl *nl;
    int nsfd;
    int rc;
} open_in;

/* The thread enters the namespace, opens the socket there and ends: the
 * socket stays in that namespace, no other thread ever changes its own. */
static void *open_in_main(void *arg)
{
    open_in *o = (open_in *)arg;
    if (setns(o->nsfd, CLONE_NEWNET) != 0)
        o->rc = -errno;
    else
        o->rc = hcsg_nl_open(o->nl);
    return NULL;
}

int hcsg_nl_open_in(hcsg_nl *nl, int nsfd)
{
    open_in o = {nl, nsfd, -EIO};
    pthread_t t;
    int rc = pthread_create(&t, NULL, open_in_main, &o);
    if (rc != 0)
        return -rc;
    pthread_join(t, NULL);
    return o.rc;
}

void hcsg_nl_close(hcsg_nl *nl)
{
    if (nl->s)
        mnl_socket_close(nl->s);
    free(nl->buf);
    nl->s = NULL;
    nl->buf = NULL;
}

/* NLMSG_ERROR: 0 is the acknowledgement, otherwise the errno and the
 * extended ack's message. */
/* mnl_cb_run2 hands every callback the same argument: the request's
 * callback and its data travel with the socket. */
typedef struct talk_ctx {
    hcsg_nl *nl;
    mnl_cb_t cb;
    void *data;
} talk_ctx;

static int on_data(const struct nlmsghdr *nlh, void *arg)
{
    talk_ctx *t = (talk_ctx *)arg;
    return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

static int on_error(const struct nlmsghdr *nlh, void *arg)
{
    hcsg_nl *nl = ((talk_ctx *)arg)->nl;
    const struct nlmsgerr *err = (const struct nlmsgerr *)mnl_nlmsg_get_payload(nlh);
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *err)) {
        errno = EBADMSG;
        return MNL_CB_ERROR;
    }
    if (err->error == 0)
        return MNL_CB_STOP;
    if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
        size_t off = sizeof *err;
        const struct nlattr *a;
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
            off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
        off = MNL_ALIGN(off);
        if (mnl_nlmsg_size(off) <= nlh->nlmsg_len) {
            mnl_attr_for_each(a, nlh, off) {
                if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
                    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
                    snprintf(nl->ext, sizeof nl->ext, "%s", mnl_attr_get_str(a));
            }
        }
    }
    errno = -err->error;
    return MNL_CB_ERROR;
}

static int on_done(const struct nlmsghdr *nlh, void *data)
{
    (void)nlh;
    (void)data;
    return MNL_CB_STOP;
}

/* Sends nlh (sequence numbered here) and reads until its answer ends:
 * the acknowledgement, an error or a dump's end. cb sees data messages. */
static int talk(hcsg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
    mnl_cb_t ctl[NLMSG_MIN_TYPE] = {0};
    uint32_t seq = ++nl->seq;
    talk_ctx t = {nl, cb, data};
    ctl[NLMSG_ERROR] = on_error;
    ctl[NLMSG_DONE] = on_done;
    nl->ext[0] = '\0';
    nlh->nlmsg_seq = seq;
    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    if (mnl_socket_sendto(nl->s, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->s, nl->buf, NL_BUF_SIZE);
        int rc;
        if (n < 0)
            return errno == EAGAIN ? -ETIMEDOUT : -errno;
        errno = 0;
        rc = mnl_cb_run2(nl->buf, (size_t)n, seq, nl->portid, on_data, &t, ctl, NLMSG_MIN_TYPE);
        if (rc == MNL_CB_ERROR)
            return errno ? -errno : -EIO;
        if (rc == MNL_CB_STOP)
            return 0;
    }
}

/* ---- links ---- */

typedef struct link_scan {
    hcsg_link cur;
    const unsigned char *mac; /* match by address */
    const char *name;         /* or by name */
    hcsg_link found;
    int nfound, nfree;        /* matches; unenslaved matches */
    char *names;
    size_t nn;
} link_scan;

static int link_attr(const struct nlattr *a, void *data)
{
    hcsg_link *l = (hcsg_link *)data;
    switch (mnl_attr_get_type(a)) {
    case IFLA_IFNAME:
        if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
            snprintf(l->name, sizeof l->name, "%s", mnl_attr_get_str(a));
        break;
    case IFLA_ADDRESS:
        if (mnl_attr_get_payload_len(a) == 6) {
            memcpy(l->mac, mnl_attr_get_payload(a), 6);
            l->has_mac = 1;
        }
        break;
    case IFLA_MTU:
        if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
            l->mtu = mnl_attr_get_u32(a);
        break;
    case IFLA_MASTER:
        if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
            l->master = (int)mnl_attr_get_u32(a);
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

static int on_link(const struct nlmsghdr *nlh, void *data)
{
    link_scan *s = (link_scan *)data;
    const struct ifinfomsg *ifi = (const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh);
    hcsg_link l;
    int match;
    if (nlh->nlmsg_type != RTM_NEWLINK)
        return MNL_CB_OK;
    memset(&l, 0, sizeof l);
    l.index = ifi->ifi_index;
    l.flags = ifi->ifi_flags;
    (void)mnl_attr_parse(nlh, sizeof *ifi, link_attr, &l);
    match = s->mac ? (l.has_mac && memcmp(l.mac, s->mac, 6) == 0) : strcmp(l.name, s->name) == 0;
    if (!match)
        return MNL_CB_OK;
    s->nfound++;
    if (s->names && s->nn) {
        size_t len = strlen(s->names);
        snprintf(s->names + len, s->nn - len, "%s%s", len ? ", " : "", l.name);
    }
    /* A link enslaved to another (a VF under its synthetic NIC, a bridge
     * port) is not the adapter itself. */
    if (!l.master || !s->mac) {
        if (s->nfree == 0)
            s->found = l;
        s->nfree++;
    }
    return MNL_CB_OK;
}

static int link_dump(hcsg_nl *nl, link_scan *s)
{
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifinfomsg *ifi;
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_DUMP;
    ifi = (struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    return talk(nl, nlh, on_link, s);
}

int hcsg_nl_link_by_mac(hcsg_nl *nl, const unsigned char mac[6], hcsg_link *out, char *names,
                        size_t nn)
{
    link_scan s;
    int rc;
    memset(&s, 0, sizeof s);
    s.mac = mac;
    s.names = names;
    s.nn = nn;
    if (names && nn)
        names[0] = '\0';
    rc = link_dump(nl, &s);
    if (rc < 0)
        return rc;
    if (s.nfree > 1 || (s.nfree == 0 && s.nfound > 0))
        return -EEXIST;
    if (s.nfree == 0)
        return 0;
    *out = s.found;
    return 1;
}

int hcsg_nl_link_by_name(hcsg_nl *nl, const char *name, hcsg_link *out)
{
    link_scan s;
    int rc;
    memset(&s, 0, sizeof s);
    s.name = name;
    rc = link_dump(nl, &s);
    if (rc < 0)
        return rc;
    if (s.nfree == 0)
        return -ENODEV;
    *out = s.found;
    return 0;
}

int hcsg_nl_link_set(hcsg_nl *nl, int index, int up, uint32_t mtu, int nsfd)
{
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifinfomsg *ifi;
    nlh->nlmsg_type = RTM_NEWLINK;
    ifi = (struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    if (up >= 0) {
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = up ? IFF_UP : 0;
    }
    if (mtu)
        mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    if (nsfd >= 0)
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
    return talk(nl, nlh, NULL, NULL);
}

/* ---- addresses, routes, rules ---- */

/* The header of an add (new_type; exclusive: an existing entry is an
 * error) or a delete (del_type) request in buf. */
static struct nlmsghdr *change_header(char *buf, int add, uint16_t new_type, uint16_t del_type)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = add ? new_type : del_type;
    if (add)
        nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    return nlh;
}

static size_t ip_bytes(const hcsg_net_ip *ip) { return ip->family == AF_INET ? 4u : 16u; }

int hcsg_nl_addr(hcsg_nl *nl, int add, int index, const hcsg_net_ip *ip)
{
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh = change_header(buf, add, RTM_NEWADDR, RTM_DELADDR);
    struct ifaddrmsg *ifa;
    ifa = (struct ifaddrmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = (unsigned char)ip->family;
    ifa->ifa_prefixlen = ip->len;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = (unsigned)index;
    mnl_attr_put(nlh, IFA_LOCAL, ip_bytes(ip), ip->a);
    mnl_attr_put(nlh, IFA_ADDRESS, ip_bytes(ip), ip->a);
    if (add && ip->family == AF_INET && ip->len < 31) {
        /* The subnet's broadcast address, as the Go GCS's netlink library
         * sets it when none is given. */
        unsigned char b[4];
        unsigned i;
        memcpy(b, ip->a, 4);
        for (i = ip->len; i < 32; i++)
            b[i / 8] |= (unsigned char)(0x80u >> (i % 8));
        mnl_attr_put(nlh, IFA_BROADCAST, 4, b);
    }
    return talk(nl, nlh, NULL, NULL);
}

int hcsg_nl_route(hcsg_nl *nl, int add, int index, const hcsg_net_route *r, uint32_t table,
                  uint32_t metric)
{
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh = change_header(buf, add, RTM_NEWROUTE, RTM_DELROUTE);
    struct rtmsg *rtm;
    rtm = (struct rtmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = (unsigned char)r->dst.family;
    rtm->rtm_dst_len = r->dst.len;
    rtm->rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
    rtm->rtm_protocol = add ? RTPROT_BOOT : RTPROT_UNSPEC;
    /* Universe scope even without a gateway, as the Go GCS adds them;
     * a delete matches any scope. */
    rtm->rtm_scope = add ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE;
    rtm->rtm_type = RTN_UNICAST;
    if (r->dst.len)
        mnl_attr_put(nlh, RTA_DST, ip_bytes(&r->dst), r->dst.a);
    if (r->gw.family)
        mnl_attr_put(nlh, RTA_GATEWAY, ip_bytes(&r->gw), r->gw.a);
    mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
    if (metric)
        mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
    mnl_attr_put_u32(nlh, RTA_TABLE, table);
    return talk(nl, nlh, NULL, NULL);
}

int hcsg_nl_rule(hcsg_nl *nl, int add, const hcsg_net_ip *src, uint32_t table, uint32_t prio)
{
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh = change_header(buf, add, RTM_NEWRULE, RTM_DELRULE);
    struct fib_rule_hdr *frh;
    frh = (struct fib_rule_hdr *)mnl_nlmsg_put_extra_header(nlh, sizeof *frh);
    frh->family = (unsigned char)src->family;
    frh->src_len = src->family == AF_INET ? 32 : 128;
    frh->table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
    frh->action = FR_ACT_TO_TBL;
    mnl_attr_put(nlh, FRA_SRC, ip_bytes(src), src->a);
    mnl_attr_put_u32(nlh, FRA_PRIORITY, prio);
    mnl_attr_put_u32(nlh, FRA_TABLE, table);
    return talk(nl, nlh, NULL, NULL);
}
