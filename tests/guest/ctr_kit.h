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
/* What each container suite's group state starts with (its first member,
 * so that ck_suite_teardown frees any of them): a work directory and the
 * layer in it. */
typedef struct ck_suite {
    char dir[64];
    const char *layer;
} ck_suite;
/* A group state of size bytes (a struct starting with ck_suite), zeroed,
 * its work directory made from the mkdtemp template tmpl with the layer in
 * it; NULL when containers cannot run here (the tests then skip). */
void *ck_suite_new(size_t size, const char *tmpl);
/* cmocka group teardown for such a state: removes the work directory. */
int ck_suite_teardown(void **state);
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
/* After the container exited: its layers Remove and Delete (asserted). */
void ck_remove(ghost *h, const char *id);
/* Waits for the next notification and returns its Type (malloc'ed) after
 * checking its ContainerId. */
char *ck_notification(ghost *h, const char *id, int timeout_ms);
/* The result of a bare RequestBase RPC for a container. */
int32_t ck_simple(ghost *h, uint32_t rpc, const char *id, char **error_message);
/* /proc/<agent>/root-relative path into the agent's namespace. */
void ck_agent_path(const ghost *h, const char *path, char *out, size_t n);

#endif
