/*
 * hcs-gcs storage: assigned vPCI devices (VPCIDevice), as the Go GCS's
 * storage/pci package does: Add waits until the device is on the VMBus and
 * its PCI function has appeared, i.e. until
 * <sysfs>/bus/vmbus/devices/<VMBusGUID>/pci<DDDD:BB>/<DDDD:BB>* exists.
 * Nothing is mounted or recorded. Remove: the Go GCS takes Add only;
 * hcsshim never sends Remove, so it is a no-op here (--strict: the Go
 * GCS's refusal).
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "storage/storage_internal.h"

/* A GUID as hcsshim writes it: 8-4-4-4-12 hex digits. It becomes a path
 * component, so nothing else may pass. */
static int guid_ok(const char *g)
{
    size_t i;
    if (strlen(g) != 36)
        return 0;
    for (i = 0; i < 36; i++) {
        char c = g[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return 1;
}

/* The one entry of dir whose name starts with prefix: 1 found (name in
 * out), 0 none, -1 with e when several match. */
static int one_match(const char *dir, const char *prefix, char *out, size_t n, const char *what,
                     hcsg_err *e)
{
    struct dirent *de;
    size_t pl = strlen(prefix), count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strncmp(de->d_name, prefix, pl) != 0)
            continue;
        if (++count == 1)
            snprintf(out, n, "%s", de->d_name);
    }
    closedir(d);
    if (count > 1) {
        hcsg_err_plain(e, "%s: more than one file could exist for pattern \"%s/%s*\"", what, dir,
                       prefix);
        return -1;
    }
    return count == 1;
}

int stor_vpci(hcsg_storage *S, const char *rt, const hcs_gs_LCOWMappedVPCIDevice *d, int dry,
              hcsg_err *e)
{
    const char *g = d->VMBusGUID ? d->VMBusGUID : "";
    char what[96], dev[PATH_MAX], pci[PATH_MAX], name[256], pattern[PATH_MAX + 300];
    uint64_t deadline;
    snprintf(what, sizeof what, "vPCI device %.40s", g);
    if (strcmp(rt, "Remove") == 0 && !S->strict) {
        if (!dry)
            HCSG_INFO("%s: Remove: nothing to undo in the guest", what);
        return 0;
    }
    if (strcmp(rt, "Add") != 0) {
        stor_bad_request_type(e, rt);
        return -1;
    }
    if (!guid_ok(g)) {
        hcsg_err_plain(e, "%s: VMBusGUID \"%.60s\" is not a GUID (8-4-4-4-12 hex digits)", what,
                       g);
        return -1;
    }
    if (dry) {
        hcsg_err_plain(e, "%s: dry run: nothing done", what);
        return -1;
    }
    snprintf(name, sizeof name, "bus/vmbus/devices/%s", g);
    if (stor_join(dev, sizeof dev, S->sys, name) != 0) {
        hcsg_err_plain(e, "%s: the sysfs path is too long", what);
        return -1;
    }
    deadline = stor_deadline(S);
    for (;;) {
        int r = one_match(dev, "pci", name, sizeof name, what, e);
        if (r < 0)
            return -1;
        snprintf(pattern, sizeof pattern, "%s/pci*", dev);
        if (r > 0) {
            /* pciDDDD:BB holds the function DDDD:BB:SS.F. */
            char bus[256];
            snprintf(bus, sizeof bus, "%s", name + 3);
            if (stor_join(pci, sizeof pci, dev, name) != 0) {
                hcsg_err_plain(e, "%s: the sysfs path is too long", what);
                return -1;
            }
            r = one_match(pci, bus, name, sizeof name, what, e);
            if (r < 0)
                return -1;
            if (r > 0) {
                HCSG_INFO("%s: present (%s/%s)", what, pci, name);
                return 0;
            }
            snprintf(pattern, sizeof pattern, "%s/%s*", pci, bus);
        }
        if (stor_wait_tick(S, deadline)) {
            if (stor_closing(S))
                hcsg_err_plain(e, "%s: the agent is stopping", what);
            else
                hcsg_err_plain(e, "%s: timed out after %u ms waiting for file matching pattern "
                                  "%s to exist", what, S->timeout_ms, pattern);
            return -1;
        }
    }
}
