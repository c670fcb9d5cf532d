/*
 * Storage test kit for the hcs-gcs suites: the device model of a utility VM
 * built from real parts. A disk is a loop device holding a real ext4 image;
 * a fake sysfs tree (the agent's --sysfs-root) names it where Hyper-V's
 * SCSI controller and LUN (or pmem number) would, and a fake /dev (the
 * agent's --dev-root) holds a link to the loop device under the name sysfs
 * gives. The test process runs in a mount namespace of its own (private
 * propagation), and so does the agent it starts: every mount is visible in
 * /proc/self/mountinfo, and none reaches the machine. Loop devices,
 * mounts and files are removed at teardown, also after a failure.
 *
 * Needs root, losetup and mkfs.ext4 (util-linux, e2fsprogs): under CI=true
 * a missing piece fails the test, elsewhere it skips saying why.
 */
#ifndef HCS_TESTS_GUEST_STOR_KIT_H
#define HCS_TESTS_GUEST_STOR_KIT_H

#include <stddef.h>
#include <stdint.h>

#include "ghost.h"

/* hcsshim's SCSI controller GUIDs (controller index 0..3). */
extern const char *const sk_controllers[4];

typedef struct sk_env {
    char dir[64];      /* everything lives under it */
    char sys[96];      /* the fake sysfs root */
    char dev[96];      /* the fake /dev root */
    char loops[16][32];
    size_t nloops;
} sk_env;

/* 1 when the storage tests can run here (and the namespace is entered);
 * 0 (after a message) to skip; fails under CI=true. */
int sk_available(void);
/* Makes env's directories (dir, dir/sys, dir/dev). */
void sk_init(sk_env *env);
/* Unmounts whatever is left under env->dir, detaches the loop devices,
 * removes env->dir. */
void sk_fini(sk_env *env);

/* An ext4 image of size_mb holding file name with content (name NULL: an
 * empty file system; ext4 0: size_mb of zeros, no file system). */
void sk_image(const char *path, unsigned size_mb, int ext4, const char *name,
              const char *content);
/* Attaches a loop device to img (bytes [offset, offset+size), size 0: to
 * the end); its name ("loop3") in out. Recorded for sk_fini. */
void sk_loop(sk_env *env, const char *img, uint64_t offset, uint64_t size, char *out, size_t n);
/* A SCSI disk in the fake tree: controller c (as the guest's host h), LUN
 * lun, block device "loopname" (attached already); part_loop, when given,
 * is partition 1's device (block/<loopname>/<loopname>p1). Also creates
 * the LUN's "delete" attribute (an empty file). */
void sk_scsi(sk_env *env, unsigned c, unsigned h, unsigned lun, const char *loopname,
             const char *part_loop);
/* A VPMem device pmem<num> for loopname (dev/pmem<num>, sys/block/pmem<num>
 * with dev and queue/dax "0"). */
void sk_pmem(sk_env *env, unsigned num, const char *loopname);

/* ModifySettings on the UVM; returns Result, *msg the ErrorMessage
 * (malloc'ed, "" on success) when msg is given. */
int32_t sk_modify(ghost *h, const char *request_type, const char *resource_type,
                  const char *settings_json, char **msg);
/* The same, asserting the Result and that the message contains needle. */
void sk_modify_fails(ghost *h, const char *request_type, const char *resource_type,
                     const char *settings_json, uint32_t hr, const char *needle);
void sk_modify_ok(ghost *h, const char *request_type, const char *resource_type,
                  const char *settings_json);

/* 1 when path is a mount point in /proc/self/mountinfo; *ro (when given)
 * tells whether its mount options include "ro". */
int sk_mounted(const char *path, int *ro);
/* How many mount points lie at or under dir. */
int sk_mounts_under(const char *dir);
/* The content of a file (malloc'ed, NUL-terminated), NULL if unreadable. */
char *sk_read(const char *path);
/* 1 when path exists (lstat). */
int sk_exists(const char *path);

#endif
