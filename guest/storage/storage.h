/*
 * hcs-gcs storage (guest/storage): the devices the host hot-adds to a
 * utility VM and the mounts made of them, as hcsshim's Go GCS does in
 * internal/guest/storage and runtime/hcsv2/uvm.go:
 *
 *   MappedVirtualDisk  a SCSI disk (Controller/Lun -> /dev/sdX through
 *                      sysfs, optional Partition) mounted at MountPath, or
 *                      exposed there as a symbolic link (BlockDev)
 *   SCSIDevice         Remove: the guest-initiated unplug (sysfs delete)
 *   VPMemDevice        /dev/pmemN mounted read-only (ext4, noload, dax when
 *                      the device supports it); MappingInfo through a
 *                      device-mapper linear target
 *   MappedDirectory    a Plan9 share over a connection to the host's port
 *   VPCIDevice         waits for the device on the VMBus
 *
 * The device model is rooted: sysfs, /dev and /proc are options (tests map
 * a controller/LUN or a pmem number to a loop device through a fake tree;
 * production reads /sys, /dev and /proc). Every mount this agent makes is
 * recorded, so Remove and the cleanup after a lost bridge undo exactly
 * what Add did (the mount, the directories it created, a device-mapper
 * target). Every request value is untrusted; every wait is bounded.
 */
#ifndef HCS_GUEST_STORAGE_H
#define HCS_GUEST_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "gcs.h"

/* A device the host hot-adds appears within this (the Go GCS waits without
 * a bound; --device-timeout-ms changes it). */
#define HCSG_DEVICE_TIMEOUT_MS 30000u

typedef struct hcsg_storage hcsg_storage;

typedef struct hcsg_storage_config {
    const char *sysfs_root;     /* NULL: /sys */
    const char *dev_root;       /* NULL: /dev */
    const char *proc_root;      /* NULL: /proc */
    uint32_t device_timeout_ms; /* 0: HCSG_DEVICE_TIMEOUT_MS */
    hcsg_procs *procs;          /* runs mkfs (EnsureFilesystem) */
    const hcsg_addr *ports;     /* where Plan9 ports are dialled (vsock CID 2 / unix:DIR) */
    uint32_t dial_timeout_ms;   /* bound of a Plan9 dial */
    int abort_fd;               /* readable: dials in flight give up (-1: none) */
    int strict;                 /* --strict: Go-exact refusals */
} hcsg_storage_config;

hcsg_storage *hcsg_storage_new(const hcsg_storage_config *c);
/* Unmounts what is still mounted (hcsg_storage_cleanup) and frees. */
void hcsg_storage_free(hcsg_storage *S);

/* The resource types handled here ("MappedVirtualDisk", ...): 1 or 0. */
int hcsg_storage_handles(const char *resource_type);

/* One ModifySettings of a resource type handled here, with its settings
 * object (may be NULL: every field absent) and RequestType. dry: validate
 * only, then fail (the fuzzer's agent). 0, or -1 with e naming the
 * resource. May wait (devices, dials, mkfs): call it on a worker. */
int hcsg_storage_modify(hcsg_storage *S, const char *resource_type, const char *request_type,
                        const hcsi_json *settings, int dry, hcsg_err *e);

/* The agent is stopping: device waits and dials in flight give up, new
 * Adds are refused until hcsg_storage_cleanup. */
void hcsg_storage_abort(hcsg_storage *S);
/* Undoes every recorded Add (unmount, device-mapper target, the
 * directories or link it created), then accepts requests again. Returns
 * how many were undone. Call when no request is in flight. */
size_t hcsg_storage_cleanup(hcsg_storage *S);
/* How many recorded mounts there are. */
size_t hcsg_storage_count(hcsg_storage *S);
/* A human-readable list (DumpStacks). */
void hcsg_storage_dump(hcsg_storage *S, hcsi_buf *b);

#endif
