/* hcsctl gcs run --disk / --net (gcs_attach.h). The guest validates every
 * value again; here the syntax is checked so that a typo is a usage error
 * (exit 2) before anything starts. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/gcs_attach.h"
#include "cmd/gcs_ctr.h"

/* hcsctl_usage_error's message, and -1 (the option was refused). */
#define REFUSE(...) (hcsctl_usage_error(__VA_ARGS__), -1)

/* A decimal in 0..max filling *out: 0, else -1. */
static int small_uint(const char *s, size_t n, unsigned max, unsigned *out)
{
    unsigned v = 0;
    size_t i;
    if (n == 0 || n > 3)
        return -1;
    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static int disk_option(hcsctl_attach *a, const char *v)
{
    const char *c1 = strchr(v, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    const char *path, *end;
    unsigned ctl, lun;
    hcsctl_disk *d;
    if (a->ndisks >= HCSCTL_ATTACH_MAX)
        return REFUSE("gcs run: more than %d --disk", HCSCTL_ATTACH_MAX);
    if (!c1 || !c2 || small_uint(v, (size_t)(c1 - v), 3, &ctl) != 0 ||
        small_uint(c1 + 1, (size_t)(c2 - c1 - 1), 255, &lun) != 0 || c2[1] != '/')
        return REFUSE("gcs run: --disk \"%s\" is not CONTROLLER:LUN:MOUNTPATH[:ro] "
                      "(controller 0..3, LUN 0..255, an absolute guest path)", v);
    path = c2 + 1;
    end = path + strlen(path);
    d = &a->disks[a->ndisks];
    memset(d, 0, sizeof *d);
    if (end - path > 3 && strcmp(end - 3, ":ro") == 0) {
        d->read_only = 1;
        end -= 3;
    }
    if ((size_t)(end - path) >= sizeof d->mount_path)
        return REFUSE("gcs run: --disk \"%s\": the mount path is too long", v);
    memcpy(d->mount_path, path, (size_t)(end - path));
    d->controller = (uint8_t)ctl;
    d->lun = (uint8_t)lun;
    a->ndisks++;
    return 1;
}

/* Copies the n bytes at s into dst (size cap) as a string: 0, else -1. */
static int take(char *dst, size_t cap, const char *s, size_t n)
{
    if (n == 0 || n >= cap)
        return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

static int net_option(hcsctl_attach *a, const char *v)
{
    const char *f[4], *e[4], *p = v, *slash;
    hcsctl_nic *nic;
    hcs_guid g;
    unsigned prefix;
    int n = 0, i;
    if (a->nnics >= HCSCTL_ATTACH_MAX)
        return REFUSE("gcs run: more than %d --net", HCSCTL_ATTACH_MAX);
    while (n < 4) {
        const char *c = strchr(p, ',');
        f[n] = p;
        e[n] = c ? c : p + strlen(p);
        n++;
        if (!c)
            break;
        p = c + 1;
    }
    nic = &a->nics[a->nnics];
    memset(nic, 0, sizeof *nic);
    if (n < 3 || *e[n - 1] != '\0' ||
        take(nic->namespace_id, sizeof nic->namespace_id, f[0], (size_t)(e[0] - f[0])) != 0 ||
        HCS_FAILED(hcs_guid_parse(nic->namespace_id, &g)) ||
        take(nic->mac, sizeof nic->mac, f[1], (size_t)(e[1] - f[1])) != 0 ||
        !(slash = memchr(f[2], '/', (size_t)(e[2] - f[2]))) ||
        take(nic->address, sizeof nic->address, f[2], (size_t)(slash - f[2])) != 0 ||
        small_uint(slash + 1, (size_t)(e[2] - slash - 1), strchr(nic->address, ':') ? 128 : 32,
                   &prefix) != 0 || prefix == 0 ||
        (n == 4 && take(nic->gateway, sizeof nic->gateway, f[3], (size_t)(e[3] - f[3])) != 0)) {
        hcs_error_clear();
        return REFUSE("gcs run: --net \"%s\" is not NAMESPACE,MAC,IP/PREFIX[,GATEWAY] "
                      "(NAMESPACE a GUID, PREFIX 1..32 or 1..128)", v);
    }
    /* MACs as HCS writes them (00-15-5D-...); ':' accepted too. */
    for (i = 0; nic->mac[i]; i++)
        if (nic->mac[i] == ':')
            nic->mac[i] = '-';
    if (HCS_FAILED(hcs_guid_generate(&g)) ||
        HCS_FAILED(hcs_guid_format(&g, nic->id, sizeof nic->id))) {
        hcs_error_clear();
        return REFUSE("gcs run: --net \"%s\": cannot make an adapter id", v);
    }
    a->nnics++;
    return 1;
}

int hcsctl_attach_option(hcsctl_attach *a, const char *name, const char *value)
{
    if (!value)
        value = "";
    if (strcmp(name, "--disk") == 0)
        return disk_option(a, value);
    if (strcmp(name, "--net") == 0)
        return net_option(a, value);
    return 0;
}

const char *hcsctl_attach_namespace(const hcsctl_attach *a)
{
    return a->nnics ? a->nics[0].namespace_id : NULL;
}

static void disk_settings(const hcsctl_disk *d, hcs_gcs_mapped_virtual_disk *s)
{
    memset(s, 0, sizeof *s);
    s->mount_path = d->mount_path;
    s->controller = d->controller;
    s->lun = d->lun;
    s->read_only = d->read_only;
}

/* nic's settings; ip and rt are the one address and default route. */
static void nic_settings(const hcsctl_nic *nic, hcs_gcs_network_adapter *s, hcs_ip_config *ip,
                         hcs_ip_route *rt)
{
    memset(s, 0, sizeof *s);
    s->namespace_id = nic->namespace_id;
    s->id = nic->id;
    s->mac_address = nic->mac;
    ip->address = nic->address;
    ip->prefix_length = nic->prefix;
    s->ip_configs = ip;
    s->ip_config_count = 1;
    if (nic->gateway[0]) {
        rt->next_hop = nic->gateway;
        rt->destination_prefix = strchr(nic->gateway, ':') ? "::/0" : "0.0.0.0/0";
        rt->metric = 0;
        s->routes = rt;
        s->route_count = 1;
    }
}

/* The guest's refusal, escaped (it is untrusted text). */
static void say(const char *what, const char *detail, hcs_result hr)
{
    char w[1200];
    snprintf(w, sizeof w, "%s %s", what, detail);
    hcsctl_gcs_say_failed(w, hr);
}

hcs_result hcsctl_attach_add(hcsctl_attach *a, hcs_gcs_bridge *b)
{
    hcs_result hr;
    int i;
    for (i = 0; i < a->ndisks; i++) {
        hcs_gcs_mapped_virtual_disk s;
        disk_settings(&a->disks[i], &s);
        hr = hcs_gcs_modify_mapped_virtual_disk(b, "Add", &s);
        if (HCS_FAILED(hr)) {
            say("attach the disk at", a->disks[i].mount_path, hr);
            return hr;
        }
        a->disks[i].added = 1;
    }
    for (i = 0; i < a->nnics; i++) {
        hcs_gcs_network_adapter s;
        hcs_ip_config ip;
        hcs_ip_route rt;
        nic_settings(&a->nics[i], &s, &ip, &rt);
        hr = hcs_gcs_modify_network_adapter(b, "Add", &s);
        if (HCS_FAILED(hr)) {
            say("attach the network adapter", a->nics[i].mac, hr);
            return hr;
        }
        a->nics[i].added = 1;
    }
    return HCS_S_OK;
}

void hcsctl_attach_remove(hcsctl_attach *a, hcs_gcs_bridge *b)
{
    int i;
    for (i = a->nnics - 1; i >= 0; i--) {
        hcs_gcs_network_adapter s;
        hcs_ip_config ip;
        hcs_ip_route rt;
        hcs_result hr;
        if (!a->nics[i].added)
            continue;
        nic_settings(&a->nics[i], &s, &ip, &rt);
        hr = hcs_gcs_modify_network_adapter(b, "Remove", &s);
        if (HCS_FAILED(hr))
            say("remove the network adapter", a->nics[i].mac, hr);
        a->nics[i].added = 0;
    }
    for (i = a->ndisks - 1; i >= 0; i--) {
        hcs_gcs_mapped_virtual_disk s;
        hcs_result hr;
        if (!a->disks[i].added)
            continue;
        disk_settings(&a->disks[i], &s);
        hr = hcs_gcs_modify_mapped_virtual_disk(b, "Remove", &s);
        if (HCS_FAILED(hr))
            say("remove the disk at", a->disks[i].mount_path, hr);
        a->disks[i].added = 0;
    }
}
