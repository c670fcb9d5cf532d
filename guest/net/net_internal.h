/*
 * hcs-gcs networking internals: rtnetlink over libmnl (netlink.c) and
 * network namespaces (netns.c), shared with adapter.c.
 *
 * A netlink socket acts in the network namespace it was created in, so the
 * agent never moves a long-lived thread: a socket for another namespace is
 * opened by a short-lived thread that enters it (hcsg_nl_open_in), and a
 * namespace is made by a short-lived thread that unshares it.
 * Every function returns 0 or a negative errno; the socket keeps the
 * kernel's extended-ack message of the last failure (nl->ext).
 */
#ifndef HCS_GUEST_NET_INTERNAL_H
#define HCS_GUEST_NET_INTERNAL_H

#include <limits.h>
#include <net/if.h>

#include "net/net.h"

struct mnl_socket;

typedef struct hcsg_nl {
    struct mnl_socket *s;
    uint32_t portid, seq;
    char *buf;           /* receive buffer */
    char ext[256];       /* the kernel's message for the last error, or "" */
} hcsg_nl;

typedef struct hcsg_link {
    int index;
    char name[IFNAMSIZ];
    unsigned char mac[6];
    int has_mac;
    uint32_t mtu;
    unsigned flags;      /* IFF_* */
    int master;          /* enslaved to this ifindex (0: none) */
} hcsg_link;

/* In the calling thread's network namespace. */
int hcsg_nl_open(hcsg_nl *nl);
/* In the namespace nsfd names (a short-lived thread enters it). */
int hcsg_nl_open_in(hcsg_nl *nl, int nsfd);
void hcsg_nl_close(hcsg_nl *nl);

/* The links whose address is mac: 0 none, 1 one (*out), or -EEXIST when
 * several unenslaved links carry it (names in *out). */
int hcsg_nl_link_by_mac(hcsg_nl *nl, const unsigned char mac[6], hcsg_link *out,
                        char *names, size_t nn);
int hcsg_nl_link_by_name(hcsg_nl *nl, const char *name, hcsg_link *out);
/* RTM_NEWLINK on index: up 1/0 (-1: unchanged), mtu (0: unchanged),
 * nsfd (-1: stays). */
int hcsg_nl_link_set(hcsg_nl *nl, int index, int up, uint32_t mtu, int nsfd);
int hcsg_nl_addr(hcsg_nl *nl, int add, int index, const hcsg_net_ip *ip);
/* A route out of index in table (RT_TABLE_MAIN = 254) with metric (0: the
 * kernel's default). */
int hcsg_nl_route(hcsg_nl *nl, int add, int index, const hcsg_net_route *r, uint32_t table,
                  uint32_t metric);
/* The rule "from src (a host prefix) lookup table" at priority. */
int hcsg_nl_rule(hcsg_nl *nl, int add, const hcsg_net_ip *src, uint32_t table, uint32_t prio);

/* ---- namespaces (netns.c) ---- */

/* mkdir -p dir and make it a shared mount point, bind-mounting it onto
 * itself first when it is not one (what `ip netns add` does). *bound is set
 * when that bind was made here. 0 or -errno (*step names the call). */
int hcsg_ns_prepare_dir(const char *dir, int *bound, const char **step);
/* Creates a new network namespace bound at path (a new, empty file) with
 * its loopback up. 0 or -errno (*step names the failing call). */
int hcsg_ns_create(const char *path, const char **step);
/* Unmounts and removes path. 0 or -errno. */
int hcsg_ns_destroy(const char *path);
/* Opens path: a file that is a network namespace. fd, or -errno
 * (-EINVAL: it is not a network namespace). */
int hcsg_ns_open(const char *path);
/* The namespace of the agent (the process's), opened once. fd or -errno. */
int hcsg_ns_self(void);

#endif
