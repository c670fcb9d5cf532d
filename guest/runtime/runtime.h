/*
 * hcs-gcs containers (guest/runtime): layers mounted as an overlay, OCI
 * bundles, the OCI runtime CLI driver (runc by default, crun works too) and
 * the container table with its lifecycle and exit notifications. Internal.
 *
 * Ownership: the table owns every container record; strings passed in are
 * copied; documents returned through char ** are malloc'ed (caller frees).
 */
#ifndef HCS_GUEST_RUNTIME_H
#define HCS_GUEST_RUNTIME_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gcs.h"
#include "net/net.h"

/* ---- paths (bundle.c) ---- */

/* Container ids: 1..HCSG_MAX_ID of [A-Za-z0-9_.+-], not "." or "..". */
int hcsg_check_id(const char *id, hcsg_err *e);
/* An absolute, normalised path (no "." / ".." / empty components) strictly
 * under root, shorter than 1024 bytes. what names it in the message. */
int hcsg_check_path_under(const char *root, const char *path, const char *what, hcsg_err *e);
/* mkdir -p of path under root (created too), checked as the kernel
 * resolves it before and after (its deepest existing ancestor): no
 * symbolic link on the way leads it outside root. */
int hcsg_mkdir_p_under(const char *root, const char *path, mode_t mode, const char *what,
                       hcsg_err *e);
/* mkdir -p (mode for the directories it makes). 0 or -1 with e. */
int hcsg_mkdir_p(const char *path, mode_t mode, hcsg_err *e);
/* rm -rf that never crosses into another file system (a still-mounted
 * rootfs is left alone, with a warning). 0, or -1 with errno. */
int hcsg_remove_tree(const char *path);
/* Writes len bytes to path (created 0600, replaced). 0 or -1 with e. */
int hcsg_write_file(const char *path, const char *data, size_t len, hcsg_err *e);

/* ---- layers (layers.c) ---- */

typedef struct hcsg_layers hcsg_layers;
/* Mount points (ContainerRootPath) must lie under state_root. */
hcsg_layers *hcsg_layers_new(const char *state_root);
void hcsg_layers_free(hcsg_layers *L);
/* CombinedLayers Add: overlay of s->Layers (in order, lowerdir) at
 * s->ContainerRootPath (under the state root), upper/work under s->ScratchPath (read-only without
 * one). 0 or -1 with e naming the path. */
int hcsg_layers_add(hcsg_layers *L, const hcs_gs_LCOWCombinedLayers *s, hcsg_err *e);
/* CombinedLayers Remove: unmounts and removes the (empty) mount point.
 * Like the Go GCS, a path that is not mounted is not an error (logged). */
int hcsg_layers_remove(hcsg_layers *L, const char *root_path, hcsg_err *e);
/* 1 when an overlay this agent mounted lies at or under dir. */
int hcsg_layers_under(hcsg_layers *L, const char *dir);
/* Unmounts every overlay this agent mounted; returns how many. */
size_t hcsg_layers_cleanup(hcsg_layers *L);
/* Overlay option escaping: '\\', ',' and ':' get a backslash. */
int hcsg_overlay_escape(const char *path, char *out, size_t n);

/* ---- the OCI runtime CLI (oci.c) ---- */

typedef struct hcsg_oci {
    char path[PATH_MAX];    /* the runtime binary */
    char root[PATH_MAX];    /* its --root */
    hcsg_procs *procs;      /* runs its commands */
    uint32_t timeout_ms;    /* per command */
    int no_shortcuts;       /* --no-runtime-shortcuts */
} hcsg_oci;

/* Runs `runtime --root R --log LOG --log-format json ARGS...`. fds: its
 * stdio, passed on to the container process (-1: /dev/null); NULL: stdout
 * captured into *out (when out is given), stderr kept for the message.
 * A non-zero exit is an error carrying the runtime's own message. */
int hcsg_oci_run(hcsg_oci *o, const char *const *args, const int fds[3], const char *log,
                 char **out, hcsg_err *e);
/* A console socket for --console-socket: listening, path in *path. */
int hcsg_console_listen(const char *dir, unsigned seq, char *path, size_t n, hcsg_err *e);
/* Takes the pty master the runtime sent (waits up to timeout_ms). */
int hcsg_console_receive(int lfd, uint32_t timeout_ms, hcsg_err *e);

/* ---- runtime commands the agent does itself (shortcut.c) ---- */

/* Whether the shortcuts apply: runc, and not turned off. */
int hcsg_shortcuts_apply(const hcsg_oci *o);
/* `runc start` of a created container: reads its exec.fifo (the init
 * proceeds) and removes it. 1 done, 0 not applicable (use the runtime
 * command), -1 failed (e). */
int hcsg_shortcut_start(const hcsg_oci *o, const char *id, pid_t init, uint32_t timeout_ms,
                        hcsg_err *e);
/* `runc delete` of a stopped container: its cgroups and state directory.
 * 1 done, 0 not applicable or not possible (use the runtime command). */
int hcsg_shortcut_delete(const hcsg_oci *o, const char *id);

/* ---- statistics (metrics.c) ---- */

/* The "data" of `runtime events --stats` as containerd's cgroups v1
 * Metrics (pids, cpu usage/throttling, memory usage and the raw counters);
 * a new object (caller puts it), NULL when out of memory. */
hcsi_json *hcsg_metrics_from_runtime(const hcsi_json *data);

/* ---- containers (container.c) ---- */

typedef struct hcsg_containers hcsg_containers;
/* The exit notification: send it (type "GracefulExit"/"ForcedExit"/
 * "UnexpectedExit"). */
typedef void (*hcsg_notify_fn)(void *ctx, const char *id, const char *aid, const char *type);

typedef struct hcsg_rt_config {
    const char *runtime;      /* NULL: "runc" from $PATH */
    const char *runtime_root; /* NULL: /run/hcs-gcs/runtime */
    const char *state_root;   /* NULL: /run/gcs/c */
    int no_shortcuts;         /* always run the runtime's commands */
} hcsg_rt_config;

hcsg_containers *hcsg_containers_new(const hcsg_rt_config *cfg, hcsg_procs *procs,
                                     hcsg_notify_fn notify, void *ctx, hcsg_err *e);
void hcsg_containers_free(hcsg_containers *C);
hcsg_layers *hcsg_containers_layers(hcsg_containers *C);
/* The agent's networking: a spec whose windows.network.networkNamespace
 * names one of its namespaces joins it (linux.namespaces network path, and
 * its resolv.conf bound at /etc/resolv.conf). NULL: never. */
void hcsg_containers_set_net(hcsg_containers *C, hcsg_net *net);

/* Create, first on the reader: validates the id and bundle path and
 * records the container as being created (a duplicate id fails here, and
 * requests that follow see "still being created"). */
int hcsg_ctr_reserve(hcsg_containers *C, const char *id, const char *aid,
                     const hcs_gs_LCOWContainerConfig *cfg, hcsg_err *e);
void hcsg_ctr_unreserve(hcsg_containers *C, const char *id);
/* Then on a worker: bundle from cfg, `runtime create`; the init waits for
 * Start. On failure the record is gone and nothing is left behind. */
int hcsg_ctr_create(hcsg_containers *C, const char *id, const hcs_gs_LCOWContainerConfig *cfg,
                    hcsg_err *e);
/* 0 when id names a container ready for requests, else -1 with the Go
 * GCS's answer (0xC037010E unknown, 0x80370105 still being created). */
int hcsg_ctr_lookup(hcsg_containers *C, const char *id, hcsg_err *e);
/* ExecuteProcess without OciProcess: stdio (the host's sockets, -1 where
 * not requested; taken) and `runtime start`. *pid: the init's. */
int hcsg_ctr_start_init(hcsg_containers *C, const char *id, int socks[3], pid_t *pid,
                        hcsg_err *e);
/* ExecuteProcess with OciProcess (the OCI Process JSON). */
int hcsg_ctr_exec(hcsg_containers *C, const char *id, const char *oci_process, int socks[3],
                  pid_t *pid, hcsg_err *e);
/* Shutdown*: SIGTERM / SIGKILL to the init (recorded for the exit type). */
int hcsg_ctr_shutdown(hcsg_containers *C, const char *id, int forced, hcsg_err *e);
/* SignalProcess of a container process (pid 0 rules as the Go GCS). */
int hcsg_ctr_signal(hcsg_containers *C, const char *id, pid_t pid, int sig, hcsg_err *e);
/* GetProperties: {"ProcessList":[...],"LCOWMetrics":{...}} parts. */
int hcsg_ctr_properties(hcsg_containers *C, const char *id, int want_list, int want_stats,
                        hcsi_json *props, hcsg_err *e);
/* ContainerConstraints: linux_resources is the OCI LinuxResources JSON. */
int hcsg_ctr_update(hcsg_containers *C, const char *id, const char *linux_resources,
                    hcsg_err *e);
/* DeleteContainerState: runtime state and the bundle. */
int hcsg_ctr_delete(hcsg_containers *C, const char *id, hcsg_err *e);
/* A WaitForProcess for pid was answered (hr 0): may release a notification. */
void hcsg_ctr_wait_answered(hcsg_containers *C, pid_t pid);
/* The process manager's exit hook. */
void hcsg_ctr_process_exited(void *ctx, pid_t pid, int status);
/* Bridge lost / agent stopping: kill every container, delete its runtime
 * state and bundle, unmount every overlay. Returns the number of containers. */
size_t hcsg_containers_cleanup(hcsg_containers *C);
size_t hcsg_containers_count(hcsg_containers *C);
void hcsg_containers_dump(hcsg_containers *C, hcsi_buf *b);

#endif
