/* hcsctl gcs run's attachments (gcs_attach.c): what a host hot-adds to a
 * utility VM before a container runs, told to the guest with
 * ModifySettings — a disk (MappedVirtualDisk: a SCSI controller and LUN
 * mounted at a guest path) and a network adapter (Network: a MAC moved into
 * a network namespace, addressed and routed). Added in order after the
 * bridge is up, removed in reverse on every way out. Portable. */
#ifndef HCSCTL_GCS_ATTACH_H
#define HCSCTL_GCS_ATTACH_H

#include <stdint.h>

#include "cli.h"

#define HCSCTL_ATTACH_MAX 8

typedef struct hcsctl_disk {
    uint8_t controller, lun;
    int read_only;
    char mount_path[1024];
    int added;
} hcsctl_disk;

typedef struct hcsctl_nic {
    char namespace_id[40]; /* GUID */
    char id[40];           /* the adapter's id: generated */
    char mac[18];          /* 00-15-5D-xx-xx-xx as HCS writes it */
    char address[48];
    uint8_t prefix;
    char gateway[48];      /* "" = none */
    int added;
} hcsctl_nic;

typedef struct hcsctl_attach {
    hcsctl_disk disks[HCSCTL_ATTACH_MAX];
    int ndisks;
    hcsctl_nic nics[HCSCTL_ATTACH_MAX];
    int nnics;
} hcsctl_attach;

/* --disk CONTROLLER:LUN:MOUNTPATH[:ro] or --net NAMESPACE,MAC,IP/PREFIX[,GATEWAY]:
 * 1 (taken), 0 (not one of them), -1 (a usage error, printed). */
int hcsctl_attach_option(hcsctl_attach *a, const char *name, const char *value);
/* The namespace a container joins (the first --net's), or NULL. */
const char *hcsctl_attach_namespace(const hcsctl_attach *a);
/* Adds every attachment in order; on a failure (printed) stops there. */
hcs_result hcsctl_attach_add(hcsctl_attach *a, hcs_gcs_bridge *b);
/* Removes what was added, newest first (failures printed, not fatal). */
void hcsctl_attach_remove(hcsctl_attach *a, hcs_gcs_bridge *b);

#endif
