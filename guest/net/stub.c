/*
 * hcs-gcs networking without libmnl: the static agent when no libmnl.a is
 * available (Debian ships none). The Network resource is refused, saying
 * why; containers keep a network namespace of their own.
 */
#include <stdio.h>
#include <stdlib.h>

#include "net/net.h"

struct hcsg_net {
    int unused;
};

static void refuse(hcsg_err *e)
{
    hcsg_err_plain(e, "the Network resource is not available: this hcs-gcs was linked "
                      "statically without libmnl (no libmnl.a was found at build time)");
}

hcsg_net *hcsg_net_new(const char *dir, const char *etc_dir)
{
    (void)dir;
    (void)etc_dir;
    return (hcsg_net *)calloc(1, sizeof(hcsg_net));
}

void hcsg_net_free(hcsg_net *n) { free(n); }

int hcsg_net_add(hcsg_net *n, const hcs_gs_LCOWNetworkAdapter *s, hcsg_err *e)
{
    (void)n;
    (void)s;
    refuse(e);
    return -1;
}

int hcsg_net_remove(hcsg_net *n, const hcs_gs_LCOWNetworkAdapter *s, hcsg_err *e)
{
    (void)n;
    (void)s;
    refuse(e);
    return -1;
}

int hcsg_net_join(hcsg_net *n, const char *nsid, char *path, size_t pn, char *resolv, size_t rn)
{
    (void)n;
    (void)nsid;
    (void)path;
    (void)pn;
    (void)resolv;
    (void)rn;
    return 0;
}

void hcsg_net_leave(hcsg_net *n, const char *nsid)
{
    (void)n;
    (void)nsid;
}

void hcsg_net_cancel(hcsg_net *n) { (void)n; }

size_t hcsg_net_cleanup(hcsg_net *n)
{
    (void)n;
    return 0;
}

void hcsg_net_dump(hcsg_net *n, hcsi_buf *b)
{
    (void)n;
    (void)b;
}
