/*
 * Container test kit for the hcs-gcs suites: a busybox-static rootfs layer,
 * OCI specs, and the agent started in a mount namespace of its own with a
 * tmpfs on /run/gcs (a utility VM's layout), so that every mount it makes
 * disappears with it. Needs root, unshare and Debian's runc + busybox-static:
 * under CI=true a missing piece fails the test, elsewhere the test skips
 * saying why.
 */
#ifndef HCS_TESTS_GUEST_CTR_KIT_H
#define HCS_TESTS_GUEST_CTR_KIT_H

#include "ghost.h"

/* 1 when containers can run here; 0 (after a message) to skip; fails
 * under CI=true. */
int ck_available(void);
/* A busybox rootfs layer under dir (dir/layer); returns its path (static). */
const char *ck_layer(const char *dir);
/* Starts the agent in its namespace (extra: more agent arguments). */
void ck_start(ghost *h, const char *const *extra);
/* An OCI spec (JSON) for a container whose root is root: args_json is a
 * JSON array; terminal, readonly; hostname "ctr-<something>". Malloc'ed. */
char *ck_spec(const char *root, const char *args_json, int terminal, int readonly,
              const char *hostname);
/* CombinedLayers Add (layer -> /run/gcs/c/<id>/rootfs, scratch inside) and
 * Create with spec; returns Create's Result (layers must succeed). */
int32_t ck_create(ghost *h, const char *id, const char *layer, const char *args_json,
                  int terminal, int readonly);
/* The same with a spec of the caller's (JSON text). */
int32_t ck_create_spec(ghost *h, const char *id, const char *layer, const char *spec);
/* ShutdownForced, the notification, layers Remove, Delete (best effort). */
void ck_teardown(ghost *h, const char *id);
/* Waits for the next notification and returns its Type (malloc'ed) after
 * checking its ContainerId. */
char *ck_notification(ghost *h, const char *id, int timeout_ms);
/* The result of a bare RequestBase RPC for a container. */
int32_t ck_simple(ghost *h, uint32_t rpc, const char *id, char **error_message);
/* /proc/<agent>/root-relative path into the agent's namespace. */
void ck_agent_path(const ghost *h, const char *path, char *out, size_t n);

#endif
