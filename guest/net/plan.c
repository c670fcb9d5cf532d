/*
 * hcs-gcs networking: validating an LCOWNetworkAdapter before anything is
 * changed. The Go GCS parses each address only when it configures it (so a
 * bad route fails after the addresses are set); here every field is checked
 * first, and the message names the field and its value.
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

int hcsg_net_guid(const char *s, char out[37])
{
    size_t i;
    if (!s || strlen(s) != 36)
        return -1;
    for (i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return -1;
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[36] = '\0';
    return 0;
}

int hcsg_net_mac(const char *s, unsigned char mac[6])
{
    size_t i;
    char sep;
    if (!s || strlen(s) != 17)
        return -1;
    sep = s[2];
    if (sep != '-' && sep != ':')
        return -1;
    for (i = 0; i < 6; i++) {
        const char *p = s + i * 3;
        char hex[3] = {p[0], p[1], '\0'};
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
            (i < 5 && p[2] != sep))
            return -1;
        mac[i] = (unsigned char)strtoul(hex, NULL, 16);
    }
    /* A NIC's own address: not all-zero, not multicast/broadcast. */
    if (mac[0] & 1)
        return -1;
    for (i = 0; i < 6; i++)
        if (mac[i])
            return 0;
    return -1;
}

int hcsg_net_ip_parse(const char *s, hcsg_net_ip *ip)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memset(ip, 0, sizeof *ip);
    if (!s || !*s || strlen(s) > 45)
        return -1;
    if (strchr(s, ':')) {
        if (inet_pton(AF_INET6, s, ip->a) != 1)
            return -1;
        /* One spelling per address: "::ffff:10.0.0.1" is IPv4's. */
        if (memcmp(ip->a, mapped, sizeof mapped) == 0)
            return -1;
        ip->family = AF_INET6;
        ip->len = 128;
        return 0;
    }
    if (inet_pton(AF_INET, s, ip->a) != 1)
        return -1;
    ip->family = AF_INET;
    ip->len = 32;
    return 0;
}

static unsigned max_len(const hcsg_net_ip *ip) { return ip->family == AF_INET ? 32u : 128u; }

static int host_bits_zero(const hcsg_net_ip *ip)
{
    unsigned bits = max_len(ip), i;
    for (i = ip->len; i < bits; i++)
        if (ip->a[i / 8] & (0x80u >> (i % 8)))
            return 0;
    return 1;
}

int hcsg_net_prefix_parse(const char *s, hcsg_net_ip *ip)
{
    char buf[64], *slash, *end;
    unsigned long len;
    if (!s || strlen(s) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", s);
    slash = strchr(buf, '/');
    if (!slash || !slash[1] || !isdigit((unsigned char)slash[1]) ||
        (slash[1] == '0' && slash[2]))
        return -1;
    *slash = '\0';
    if (hcsg_net_ip_parse(buf, ip) != 0)
        return -1;
    len = strtoul(slash + 1, &end, 10);
    if (*end || len > max_len(ip))
        return -1;
    ip->len = (uint8_t)len;
    return host_bits_zero(ip) ? 0 : -1;
}

void hcsg_net_ip_format(const hcsg_net_ip *ip, int with_len, char *out, size_t n)
{
    char t[INET6_ADDRSTRLEN];
    if (!inet_ntop(ip->family, ip->a, t, sizeof t))
        snprintf(t, sizeof t, "?");
    if (with_len)
        snprintf(out, n, "%s/%u", t, (unsigned)ip->len);
    else
        snprintf(out, n, "%s", t);
}

static int is_unspecified(const hcsg_net_ip *ip)
{
    size_t i, k = ip->family == AF_INET ? 4 : 16;
    for (i = 0; i < k; i++)
        if (ip->a[i])
            return 0;
    return 1;
}

/* Not an address a host may give an interface or a gateway: unspecified,
 * loopback, multicast, IPv4 broadcast. */
static const char *bad_host_address(const hcsg_net_ip *ip)
{
    static const unsigned char v6_loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (is_unspecified(ip))
        return "the unspecified address";
    if (ip->family == AF_INET) {
        if (ip->a[0] == 127)
            return "a loopback address";
        if (ip->a[0] >= 224 && ip->a[0] <= 239)
            return "a multicast address";
        if (ip->a[0] == 255 && ip->a[1] == 255 && ip->a[2] == 255 && ip->a[3] == 255)
            return "the broadcast address";
        return NULL;
    }
    if (memcmp(ip->a, v6_loop, 16) == 0)
        return "a loopback address";
    if (ip->a[0] == 0xff)
        return "a multicast address";
    return NULL;
}

/* The next comma-separated item of a DNS list, spaces around it trimmed;
 * empty items are skipped. 1 with [*b, *e), 0 at the end. */
static int next_item(const char **cur, const char **b, const char **e)
{
    const char *p = *cur;
    for (;;) {
        const char *q;
        if (!*p)
            return 0;
        q = strchr(p, ',');
        if (!q)
            q = p + strlen(p);
        *b = p;
        *e = q;
        p = *q ? q + 1 : q;
        while (*b < *e && (**b == ' ' || **b == '\t'))
            (*b)++;
        while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
            (*e)--;
        if (*e > *b) {
            *cur = p;
            return 1;
        }
    }
}

/* A search domain: 1..253 bytes of labels [A-Za-z0-9_-] separated by dots
 * (resolv.conf is line-based: nothing else may reach it). */
static int valid_domain(const char *b, size_t n)
{
    size_t i, label = 0;
    if (n == 0 || n > 253)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == '.') {
            if (label == 0 && !(i == n - 1 && n > 1))
                return 0;
            label = 0;
        } else if (isalnum(c) || c == '-' || c == '_') {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return 1;
}

static int parse_dns(const hcs_gs_LCOWNetworkAdapter *s, hcsg_net_plan *p, hcsg_err *e)
{
    const char *cur, *b, *en;
    if (s->DNSSuffix && strlen(s->DNSSuffix) > HCSG_NET_MAX_DNS_TEXT) {
        hcsg_err_plain(e, "DNSSuffix is longer than %u bytes", HCSG_NET_MAX_DNS_TEXT);
        return -1;
    }
    if (s->DNSServerList && strlen(s->DNSServerList) > HCSG_NET_MAX_DNS_TEXT) {
        hcsg_err_plain(e, "DNSServerList is longer than %u bytes", HCSG_NET_MAX_DNS_TEXT);
        return -1;
    }
    cur = s->DNSSuffix ? s->DNSSuffix : "";
    while (next_item(&cur, &b, &en)) {
        size_t n = (size_t)(en - b), i;
        int dup = 0;
        if (!valid_domain(b, n)) {
            hcsg_err_plain(e, "DNSSuffix: \"%.*s\" is not a domain name", (int)(n > 300 ? 300 : n),
                           b);
            return -1;
        }
        for (i = 0; i < p->nsearch; i++)
            if (strlen(p->search[i]) == n && memcmp(p->search[i], b, n) == 0)
                dup = 1;
        if (dup)
            continue;
        if (p->nsearch == HCSG_NET_MAX_SEARCH) {
            hcsg_err_plain(e, "DNSSuffix: searches has more than %u domains",
                           HCSG_NET_MAX_SEARCH);
            return -1;
        }
        memcpy(p->search[p->nsearch], b, n);
        p->search[p->nsearch++][n] = '\0';
    }
    cur = s->DNSServerList ? s->DNSServerList : "";
    while (next_item(&cur, &b, &en)) {
        char t[64], canon[INET6_ADDRSTRLEN];
        hcsg_net_ip ip;
        size_t n = (size_t)(en - b), i;
        int dup = 0;
        if (n < sizeof t)
            snprintf(t, sizeof t, "%.*s", (int)n, b);
        if (n >= sizeof t || hcsg_net_ip_parse(t, &ip) != 0 || is_unspecified(&ip)) {
            hcsg_err_plain(e, "DNSServerList: \"%.*s\" is not an IP address",
                           (int)(n > 100 ? 100 : n), b);
            return -1;
        }
        hcsg_net_ip_format(&ip, 0, canon, sizeof canon);
        for (i = 0; i < p->nservers; i++)
            if (strcmp(p->servers[i], canon) == 0)
                dup = 1;
        if (dup)
            continue;
        if (p->nservers == HCSG_NET_MAX_SERVERS) {
            hcsg_err_plain(e, "DNSServerList has more than %u servers", HCSG_NET_MAX_SERVERS);
            return -1;
        }
        memcpy(p->servers[p->nservers++], canon, sizeof canon);
    }
    return 0;
}

static int parse_ips(const hcs_gs_LCOWNetworkAdapter *s, hcsg_net_plan *p, hcsg_err *e)
{
    size_t i, j;
    if (s->IPConfigs.n > HCSG_NET_MAX_IPS) {
        hcsg_err_plain(e, "IPConfigs has %zu entries (at most %u)", s->IPConfigs.n,
                       HCSG_NET_MAX_IPS);
        return -1;
    }
    for (i = 0; i < s->IPConfigs.n; i++) {
        const hcs_gs_LCOWIPConfig *c = &s->IPConfigs.items[i];
        hcsg_net_ip *ip = &p->ips[p->nips];
        const char *why;
        if (hcsg_net_ip_parse(c->IPAddress, ip) != 0) {
            hcsg_err_plain(e, "IPConfigs[%zu].IPAddress \"%.100s\" is not an IPv4 or IPv6 address",
                           i, c->IPAddress ? c->IPAddress : "");
            return -1;
        }
        why = bad_host_address(ip);
        if (why) {
            hcsg_err_plain(e, "IPConfigs[%zu].IPAddress %s is %s", i, c->IPAddress, why);
            return -1;
        }
        /* 0 is what an absent PrefixLength decodes to: a /0 "subnet" would
         * put every destination on the link. */
        if (c->PrefixLength.v == 0 || c->PrefixLength.v > max_len(ip)) {
            hcsg_err_plain(e, "IPConfigs[%zu].PrefixLength %u is out of range for %s (1..%u)", i,
                           (unsigned)c->PrefixLength.v, c->IPAddress, max_len(ip));
            return -1;
        }
        ip->len = c->PrefixLength.v;
        for (j = 0; j < p->nips; j++)
            if (p->ips[j].family == ip->family &&
                memcmp(p->ips[j].a, ip->a, ip->family == AF_INET ? 4 : 16) == 0) {
                hcsg_err_plain(e, "IPConfigs[%zu].IPAddress %s is given twice", i, c->IPAddress);
                return -1;
            }
        p->nips++;
    }
    return 0;
}

static int parse_routes(const hcs_gs_LCOWNetworkAdapter *s, hcsg_net_plan *p, hcsg_err *e)
{
    size_t i;
    if (s->Routes.n > HCSG_NET_MAX_ROUTES) {
        hcsg_err_plain(e, "Routes has %zu entries (at most %u)", s->Routes.n, HCSG_NET_MAX_ROUTES);
        return -1;
    }
    for (i = 0; i < s->Routes.n; i++) {
        const hcs_gs_LCOWRoute *r = &s->Routes.items[i];
        hcsg_net_route *rt = &p->routes[p->nroutes];
        const char *why;
        memset(rt, 0, sizeof *rt);
        if (hcsg_net_prefix_parse(r->DestinationPrefix, &rt->dst) != 0) {
            hcsg_err_plain(e, "Routes[%zu].DestinationPrefix \"%.100s\" is not an address prefix "
                              "(ADDRESS/LENGTH, no host bits set)",
                           i, r->DestinationPrefix ? r->DestinationPrefix : "");
            return -1;
        }
        if (r->NextHop && *r->NextHop) {
            if (hcsg_net_ip_parse(r->NextHop, &rt->gw) != 0) {
                hcsg_err_plain(e, "Routes[%zu].NextHop \"%.100s\" is not an IPv4 or IPv6 address",
                               i, r->NextHop);
                return -1;
            }
            if (rt->gw.family != rt->dst.family) {
                hcsg_err_plain(e, "Routes[%zu]: NextHop %s and DestinationPrefix %s are of "
                                  "different address families",
                               i, r->NextHop, r->DestinationPrefix);
                return -1;
            }
            if (is_unspecified(&rt->gw)) {
                /* "0.0.0.0" / "::": no gateway. For the default route the Go
                 * GCS reads it as "no default gateway" and adds nothing. */
                memset(&rt->gw, 0, sizeof rt->gw);
                if (rt->dst.len == 0)
                    continue;
            } else if ((why = bad_host_address(&rt->gw)) != NULL) {
                hcsg_err_plain(e, "Routes[%zu].NextHop %s is %s", i, r->NextHop, why);
                return -1;
            }
        } else if (rt->dst.len == 0) {
            hcsg_err_plain(e, "Routes[%zu]: a default route (%s) needs a NextHop", i,
                           r->DestinationPrefix);
            return -1;
        }
        rt->metric = r->Metric.v;
        p->nroutes++;
    }
    return 0;
}

int hcsg_net_plan_parse(const hcs_gs_LCOWNetworkAdapter *s, int for_remove, hcsg_net_plan *p,
                        hcsg_err *e)
{
    memset(p, 0, sizeof *p);
    if (hcsg_net_guid(s->ID, p->id) != 0) {
        hcsg_err_plain(e, "ID \"%.100s\" is not a GUID", s->ID ? s->ID : "");
        return -1;
    }
    if ((!for_remove || (s->NamespaceID && *s->NamespaceID)) &&
        hcsg_net_guid(s->NamespaceID, p->nsid) != 0) {
        hcsg_err_plain(e, "NamespaceID \"%.100s\" is not a GUID",
                       s->NamespaceID ? s->NamespaceID : "");
        return -1;
    }
    if (for_remove)
        return 0;
    if (hcsg_net_mac(s->MacAddress, p->mac) != 0) {
        hcsg_err_plain(e, "MacAddress \"%.100s\" is not a unicast MAC address "
                          "(six hex pairs separated by '-' or ':')",
                       s->MacAddress ? s->MacAddress : "");
        return -1;
    }
    if (s->VPCIAssigned.v) {
        hcsg_err_plain(e, "VPCIAssigned adapters (a NIC the Go GCS looks up through its vPCI "
                          "device) are not supported by hcs-gcs");
        return -1;
    }
    if (s->IPConfigs.n == 0) {
        hcsg_err_plain(e, "no IPConfigs: the Go GCS would run udhcpc (DHCP); hcs-gcs runs no "
                          "programs and supports static addresses only");
        return -1;
    }
    p->encap = s->EncapOverhead.v;
    p->low_metric = s->EnableLowMetric.v != 0;
    p->pbr = s->PolicyBasedRouting.v != 0;
    if (parse_ips(s, p, e) != 0 || parse_routes(s, p, e) != 0 || parse_dns(s, p, e) != 0)
        return -1;
    return 0;
}

int hcsg_net_resolv_text(const hcsg_net_plan *const *plans, size_t n, char *out, size_t outn,
                         hcsg_err *e)
{
    const char *search[HCSG_NET_MAX_SEARCH];
    size_t ns = 0, i, j, k, len = 0;
    int w;
    for (i = 0; i < n; i++)
        for (j = 0; j < plans[i]->nsearch; j++) {
            int dup = 0;
            for (k = 0; k < ns; k++)
                dup |= strcmp(search[k], plans[i]->search[j]) == 0;
            if (dup)
                continue;
            if (ns == HCSG_NET_MAX_SEARCH) {
                hcsg_err_plain(e, "resolv.conf: searches has more than %u domains",
                               HCSG_NET_MAX_SEARCH);
                return -1;
            }
            search[ns++] = plans[i]->search[j];
        }
    out[0] = '\0';
    if (ns) {
        w = snprintf(out, outn, "search");
        len = (size_t)w;
        for (k = 0; k < ns && len < outn; k++)
            len += (size_t)snprintf(out + len, outn - len, " %s", search[k]);
        if (len < outn)
            len += (size_t)snprintf(out + len, outn - len, "\n");
    }
    for (i = 0; i < n; i++)
        for (j = 0; j < plans[i]->nservers; j++) {
            int dup = 0;
            size_t a, b;
            for (a = 0; a <= i && !dup; a++)
                for (b = 0; b < (a == i ? j : plans[a]->nservers); b++)
                    dup |= strcmp(plans[a]->servers[b], plans[i]->servers[j]) == 0;
            if (!dup && len < outn)
                len += (size_t)snprintf(out + len, outn - len, "nameserver %s\n",
                                        plans[i]->servers[j]);
        }
    if (len >= outn) {
        hcsg_err_plain(e, "resolv.conf: more than %zu bytes", outn);
        return -1;
    }
    return 0;
}
