/*
 * hcs-gcs storage internals shared by the files of guest/storage: the rooted device
 * model (devmodel.c), the table of what Add did (mounts.c), device-mapper
 * (dm.c) and the per-resource handlers (scsi.c, pmem.c, plan9.c, vpci.c).
 */
#ifndef HCS_GUEST_STORAGE_INTERNAL_H
#define HCS_GUEST_STORAGE_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <sys/types.h>

#include "storage/storage.h"

/* Bounds of request values and of what is read from sysfs. */
#define STOR_MAX_PATH 1024u        /* MountPath, shorter than this */
#define STOR_SCSI_CONTROLLERS 4u   /* the UVM's SCSI controllers (GUIDs below) */
#define STOR_MAX_PARTITION 255u
#define STOR_MAX_PMEM 128u         /* hcsshim's VPMem device limit */
#define STOR_MAX_OPTIONS 64u
#define STOR_MAX_OPTION_LEN 256u
#define STOR_MAX_NAME 64u          /* a block device's name (sdb, pmem0, loop5p1) */
#define STOR_MAX_MOUNTS 1024u      /* recorded at once */
#define STOR_POLL_MS 10u           /* the Go GCS's polling interval */
#define STOR_MKFS_TIMEOUT_MS 300000u

enum { STOR_SCSI = 1, STOR_PMEM = 2, STOR_PLAN9 = 3 };

/* One Add this agent did (or is doing). */
typedef struct stor_mount {
    struct stor_mount *next;
    int kind;
    int pending;          /* Add or Remove in progress: others keep off */
    int link;             /* BlockDev: a symbolic link, not a mount */
    char *path;           /* MountPath */
    char *created;        /* the topmost directory Add created, or NULL */
    char dev[PATH_MAX];   /* what was mounted (the device node) */
    unsigned controller, lun;
    uint64_t partition;
    uint32_t pmem;
    char dm_name[128];    /* a device-mapper target Add made ("" none) */
} stor_mount;

struct hcsg_storage {
    char sys[PATH_MAX], dev[PATH_MAX], proc[PATH_MAX];
    uint32_t timeout_ms;
    hcsg_procs *procs;
    hcsg_addr ports;
    uint32_t dial_timeout_ms;
    int abort_fd;
    int strict;
    pthread_mutex_t m;
    stor_mount *list;
    size_t n;
    int closing; /* atomic: the agent is stopping */
};

/* ---- the rooted device model (devmodel.c) ---- */

/* "<root>/<rel>" into out (n bytes); -1 when it does not fit. */
int stor_join(char *out, size_t n, const char *root, const char *rel);
/* A deadline for the device timeout; 1 when it passed or the agent is
 * stopping (then sleeps nothing), else sleeps one polling interval and
 * returns 0. */
uint64_t stor_deadline(const hcsg_storage *S);
int stor_wait_tick(const hcsg_storage *S, uint64_t deadline);
int stor_closing(const hcsg_storage *S);
/* Reads a small sysfs attribute (trailing newline removed). 0 or -1/errno. */
int stor_read_attr(const char *path, char *buf, size_t n);
/* Whether name is a plain device name: 1..STOR_MAX_NAME of [A-Za-z0-9_.:-],
 * not "." or "..". */
int stor_plain_name(const char *name);
/* The partition's name the kernel gives partition part of disk ("sdb" 1 ->
 * "sdb1", "loop5" 1 -> "loop5p1": a 'p' after a trailing digit). */
int stor_partition_name(const char *disk, uint64_t part, char *out, size_t n);
/* Waits for <dev root>/<name> to be a block device; when sysfs_dir is
 * given and holds a "dev" attribute, the node must be that device. what
 * names the resource in messages. 0 with the node's path in out, or -1. */
int stor_wait_block_node(const hcsg_storage *S, uint64_t deadline, const char *name,
                         const char *sysfs_dir, const char *what, char *out, size_t n,
                         hcsg_err *e);
/* 1 when fs appears in <proc root>/filesystems, 0 when not, -1 with e
 * when the file cannot be read. */
int stor_kernel_has_fs(const hcsg_storage *S, const char *fs, hcsg_err *e);
/* The file system on a block device: "ext4" (any ext2/3/4 superblock),
 * "xfs", or "" when unknown. -1 with e when the device cannot be read. */
int stor_detect_fs(const char *dev, char *out, size_t n, hcsg_err *e);
/* Runs prog (looked up in $PATH) with args (NULL-terminated, argv[0]
 * included) through the process manager, bounded; its output becomes the
 * message of a failure. 0 or -1 with e. */
int stor_run(hcsg_storage *S, const char *const *argv, uint32_t timeout_ms, hcsg_err *e);

/* ---- what Add did (mounts.c) ---- */

/* MountPath checks: absolute, normalised, shorter than 1 KiB, not "/" and
 * not under /proc, /sys or /dev (nor the configured roots). */
int stor_check_mount_path(const hcsg_storage *S, const char *path, const char *what,
                          hcsg_err *e);
/* Records path as being added (pending) by kind; fails when it is recorded
 * already, or when the agent is stopping. The record is returned. */
stor_mount *stor_reserve(hcsg_storage *S, int kind, const char *path, const char *what,
                         hcsg_err *e);
/* Add done: the record stays (commit 1) or goes (0). */
void stor_finish_add(hcsg_storage *S, stor_mount *m, int commit);
/* Remove: checks path (stor_check_mount_path), refuses a dry run, then
 * takes the record of path (pending) for kind; *out NULL (with a warning)
 * when this agent never added it (not an error: the Go GCS's Remove of an
 * unmounted path succeeds). -1 with e when the path is bad, on a dry run,
 * or when the record is busy or of another kind. */
int stor_take(hcsg_storage *S, int kind, const char *path, const char *what, int dry,
              stor_mount **out, hcsg_err *e);
/* Remove done: ok 1 drops the record, 0 keeps it (the unmount failed). */
void stor_finish_remove(hcsg_storage *S, stor_mount *m, int ok);
/* Creates m->path (mkdir -p, or its parent only when link) with no
 * symbolic link on the way and records the topmost directory created.
 * Refuses a path that is a mount point already. 0 or -1 with e. */
int stor_make_target(hcsg_storage *S, stor_mount *m, const char *what, hcsg_err *e);
/* Removes what stor_make_target created (empty directories only). */
void stor_remove_target(stor_mount *m);
/* Unmounts m (or removes its link), its device-mapper target and what
 * stor_make_target created. force: detach a busy mount (cleanup). 0 or -1
 * with e (nothing changed). */
int stor_undo(hcsg_storage *S, stor_mount *m, int force, const char *what, hcsg_err *e);
/* Remove of a taken record: stor_undo, then stor_finish_remove (the record
 * kept when the undo failed); 0 or -1 with e. */
int stor_remove_taken(hcsg_storage *S, stor_mount *m, const char *what, hcsg_err *e);
/* 1 when a SCSI disk at controller/lun is mounted (by this agent). */
int stor_scsi_in_use(hcsg_storage *S, unsigned controller, unsigned lun, char *path,
                     size_t n);

/* ---- device-mapper (dm.c) ---- */

/* 1 when <dev root>/mapper/control exists, else 0. */
int stor_dm_available(const hcsg_storage *S);
/* A read-only linear target "name" over [offset, offset+size) bytes of the
 * block device node dev; its node (<dev root>/mapper/<name>) in out. */
int stor_dm_linear(const hcsg_storage *S, const char *name, const char *dev, uint64_t offset,
                   uint64_t size, char *out, size_t n, hcsg_err *e);
/* Removes target name and its node (retries while busy, as the Go GCS). */
int stor_dm_remove(const hcsg_storage *S, const char *name, hcsg_err *e);

/* ---- the resources ---- */

int stor_scsi_disk(hcsg_storage *S, const char *rt, const hcs_gs_LCOWMappedVirtualDisk *d,
                   int dry, hcsg_err *e);
int stor_scsi_device(hcsg_storage *S, const char *rt, const hcs_gs_SCSIDevice *d, int dry,
                     hcsg_err *e);
int stor_pmem(hcsg_storage *S, const char *rt, const hcs_gs_LCOWMappedVPMemDevice *d, int dry,
              hcsg_err *e);
int stor_plan9(hcsg_storage *S, const char *rt, const hcs_gs_LCOWMappedDirectory *d, int dry,
               hcsg_err *e);
int stor_vpci(hcsg_storage *S, const char *rt, const hcs_gs_LCOWMappedVPCIDevice *d, int dry,
              hcsg_err *e);

/* The Go GCS's answer to a RequestType a resource does not take. */
void stor_bad_request_type(hcsg_err *e, const char *rt);

#endif
