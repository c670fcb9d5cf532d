/*
 * hcs-gcs networking (guest/net): the ModifySettings "Network" resource
 * (LCOWNetworkAdapter) as hcsshim's Go GCS configures it
 * (internal/guest/network/netns.go, runtime/hcsv2/network.go), over
 * netlink (libmnl) and the agent's own namespace syscalls; the agent never
 * runs `ip` or any other program.
 *
 *   Add     the interface with MacAddress (waited for, bounded) leaves the
 *           agent's network namespace for the named namespace NamespaceID
 *           (DIR/<id>, created like `ip netns add` when missing), gets its
 *           MTU lowered by EncapOverhead, goes up with its IPConfigs and
 *           Routes; resolv.conf for the namespace is written.
 *   Remove  undoes exactly that: routes, rules, addresses, MTU, the move
 *           (back to the agent's namespace), resolv.conf, and the namespace
 *           when Add created it and nothing uses it any more.
 *   join    a container whose spec names a namespace the agent knows runs
 *           in it (the runtime asks for its path and resolv.conf).
 *   cleanup the bridge was lost: every adapter and namespace is undone.
 *
 * Settings are untrusted: hcsg_net_plan_parse validates every field before
 * anything changes, and a failing Add undoes the steps it did.
 */
#ifndef HCS_GUEST_NET_H
#define HCS_GUEST_NET_H

#include <stddef.h>
#include <stdint.h>

#include "gcs.h"

#define HCSG_NET_MAX_IPS 16u      /* IPConfigs of one adapter */
#define HCSG_NET_MAX_ROUTES 64u   /* Routes of one adapter */
#define HCSG_NET_MAX_SEARCH 6u    /* resolv.conf(5)'s limit, as the Go GCS */
#define HCSG_NET_MAX_SERVERS 16u  /* nameservers of one adapter */
#define HCSG_NET_MAX_ADAPTERS 64u /* adapters the agent tracks at once */
#define HCSG_NET_MAX_DNS_TEXT 4096u /* DNSSuffix / DNSServerList length */
/* How long Add waits for the MacAddress to appear (the Go GCS's 5 s bound
 * on resolving the adapter's interface). */
#define HCSG_NET_WAIT_MS 5000u
/* The agent's default namespace directory: where `ip netns` keeps them. */
#define HCSG_NET_DEFAULT_DIR "/run/netns"
/* resolv.conf of namespace ID: DIR/ID/resolv.conf (under /run: an LCOW
 * root file system may be read-only). */
#define HCSG_NET_DEFAULT_ETC_DIR "/run/gcs/netns"

typedef struct hcsg_net_ip {
    int family;           /* AF_INET or AF_INET6 */
    uint8_t len;          /* prefix length */
    unsigned char a[16];  /* network byte order; 4 bytes for AF_INET */
} hcsg_net_ip;

typedef struct hcsg_net_route {
    hcsg_net_ip dst;      /* len 0: the default route */
    hcsg_net_ip gw;       /* family 0: on-link (no NextHop) */
    uint16_t metric;
} hcsg_net_route;

/* An adapter's settings, validated. Strings are canonical (lower-case ids,
 * addresses as inet_ntop writes them). */
typedef struct hcsg_net_plan {
    char nsid[37];
    char id[37];
    unsigned char mac[6];
    uint16_t encap;
    int low_metric;         /* EnableLowMetric */
    int pbr;                /* PolicyBasedRouting */
    hcsg_net_ip ips[HCSG_NET_MAX_IPS];
    size_t nips;
    hcsg_net_route routes[HCSG_NET_MAX_ROUTES];
    size_t nroutes;
    char search[HCSG_NET_MAX_SEARCH][254];
    size_t nsearch;
    char servers[HCSG_NET_MAX_SERVERS][46];
    size_t nservers;
} hcsg_net_plan;

/* Validates s for Add (every field) or Remove (ID, and NamespaceID when
 * given). 0, or -1 with e (E_FAIL, naming the field and the value). */
int hcsg_net_plan_parse(const hcs_gs_LCOWNetworkAdapter *s, int for_remove, hcsg_net_plan *p,
                        hcsg_err *e);
/* A GUID (8-4-4-4-12 hex digits), written lower-case into out[37]. */
int hcsg_net_guid(const char *s, char out[37]);
/* "00-15-5D-01-02-03" or "00:15:5d:01:02:03": a unicast, non-zero MAC. */
int hcsg_net_mac(const char *s, unsigned char mac[6]);
/* "a.b.c.d" / IPv6 text (no zone, no IPv4-mapped form). 0 or -1. */
int hcsg_net_ip_parse(const char *s, hcsg_net_ip *ip);
/* "addr/len" with len in range and no host bits set. 0 or -1. */
int hcsg_net_prefix_parse(const char *s, hcsg_net_ip *ip);
void hcsg_net_ip_format(const hcsg_net_ip *ip, int with_len, char *out, size_t n);
/* resolv.conf text for the merged DNS settings of plans (the Go GCS's
 * order: searches, then nameservers, duplicates dropped); -1 with e when
 * the merged searches exceed six. */
int hcsg_net_resolv_text(const hcsg_net_plan *const *plans, size_t n, char *out, size_t outn,
                         hcsg_err *e);

typedef struct hcsg_net hcsg_net;

/* dir: the namespaces (NULL: HCSG_NET_DEFAULT_DIR); etc_dir: their
 * resolv.conf (NULL: HCSG_NET_DEFAULT_ETC_DIR). Touches nothing yet. */
hcsg_net *hcsg_net_new(const char *dir, const char *etc_dir);
void hcsg_net_free(hcsg_net *n);
/* ModifySettings Network Add / Remove. 0, or -1 with e. */
int hcsg_net_add(hcsg_net *n, const hcs_gs_LCOWNetworkAdapter *s, hcsg_err *e);
int hcsg_net_remove(hcsg_net *n, const hcs_gs_LCOWNetworkAdapter *s, hcsg_err *e);
/* A container joins namespace nsid (any case): 1 with its path and its
 * resolv.conf (resolv "" when there is none) when the agent configured it
 * (a reference is taken: hcsg_net_leave), 0 when nsid is not one of the
 * agent's namespaces. */
int hcsg_net_join(hcsg_net *n, const char *nsid, char *path, size_t pn, char *resolv,
                  size_t rn);
void hcsg_net_leave(hcsg_net *n, const char *nsid);
/* A container's spec (parsed; ns its linux.namespaces array): when its
 * windows.network.networkNamespace names one of the agent's namespaces,
 * the container joins it (network path set or added, resolv.conf bound).
 * 1 joined, 0 not the agent's, -1 with e; after 1 and -1 the namespace's
 * id is in netns and a reference is held (hcsg_net_leave). */
int hcsg_net_spec_join(hcsg_net *net, hcsi_json *spec, hcsi_json *ns, char netns[37],
                       hcsg_err *e);
/* Waits for an interface give up at once (the agent is stopping). */
void hcsg_net_cancel(hcsg_net *n);
/* Bridge lost: every adapter goes back and every namespace the agent made
 * goes; returns the number of adapters undone. Re-arms hcsg_net_cancel. */
size_t hcsg_net_cleanup(hcsg_net *n);
/* DumpStacks: the adapters and namespaces. */
void hcsg_net_dump(hcsg_net *n, hcsi_buf *b);

#endif
