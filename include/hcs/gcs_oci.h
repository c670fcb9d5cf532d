/*
 * libhcs — OCI runtime documents for Linux containers (LCOW) run through
 * the GCS bridge: the container's runtime spec (the OciSpecification of
 * Create, see hcs_gcs_encode_lcow_container_config) and the OCI process of
 * an exec (hcs_gcs_process_options.oci_process_json). The guest hands them
 * to its OCI runtime (runc). Defaults are what hcsshim's LCOW containers
 * get: containerd's generated Linux spec (oci.populateDefaultUnixSpec) as
 * hcsshim passes it to the guest. Design and the container rules:
 * docs/gcs-bridge.md ("Containers").
 *
 * Ownership:
 *   - The option structs and everything they point to are borrowed for the
 *     duration of the call; nothing is kept.
 *   - The encoders return a malloc'ed, NUL-terminated, compact JSON
 *     document in *json; the caller owns it and frees it with hcs_free().
 *     On failure *json is NULL.
 *
 * Validation: every option is checked before anything is written; a bad
 * one fails with HCS_ERR_INVALIDARG and a message naming it, e.g.
 * "OCI process: env[2] \"FOO\" is not KEY=VALUE". Strings must be valid
 * UTF-8 (a C string cannot hold NUL, so none can reach the guest).
 */
#ifndef HCS_GCS_OCI_H
#define HCS_GCS_OCI_H

#include "hcs/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The OCI runtime-spec version written as "ociVersion". */
#define HCS_GCS_OCI_VERSION "1.0.2"
/* The PATH every process starts with (containerd's defaultUnixEnv and
 * hcsshim's cmd.Command). */
#define HCS_GCS_OCI_DEFAULT_PATH \
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* RLIMIT_NOFILE soft and hard limit when none is given (containerd). */
#define HCS_GCS_OCI_DEFAULT_NOFILE 1024
/* Largest console dimension accepted (rows or columns). */
#define HCS_GCS_OCI_MAX_CONSOLE 10000
/* Smallest memory limit accepted (Docker's minimum: 6 MiB). */
#define HCS_GCS_OCI_MIN_MEMORY ((int64_t)6 * 1024 * 1024)

/* An OCI process ("process" of the spec, or the OciProcess of an exec). */
typedef struct hcs_gcs_oci_process_options {
    unsigned version; /* HCS_GCS_OCI_PROCESS_OPTIONS_VERSION (use HCS_GCS_OCI_PROCESS_OPTIONS_INIT) */
    /* Required: the command and its arguments, NULL-terminated; args[0]
     * non-empty. */
    const char *const *args;
    /* "KEY=VALUE" entries, NULL-terminated (NULL: none). The result starts
     * with HCS_GCS_OCI_DEFAULT_PATH; a KEY given again (PATH included)
     * replaces the earlier value in place (containerd's rule), other keys
     * follow in order. KEY must be non-empty. */
    const char *const *env;
    /* Working directory, absolute. NULL: "/". */
    const char *cwd;
    /* OCI user: uid and gid numbers (always written; default 0 = root),
     * supplementary groups, and/or a user string. username is hcsshim's
     * "userstr": "name", "uid", "name:group", "uid:gid", "uid:group" or
     * "name:gid"; Microsoft's Linux GCS resolves it against the container's
     * /etc/passwd and /etc/group and then overwrites uid/gid (runc itself
     * ignores username, so a guest without that step uses uid/gid). */
    uint32_t uid;
    uint32_t gid;
    const uint32_t *additional_gids;
    size_t additional_gid_count;
    const char *username;
    /* A pseudo-terminal (process.terminal): the guest merges stderr into
     * stdout. The console size goes to process.consoleSize — the only
     * place a Linux guest reads it for a container process (it ignores
     * ProcessParameters.ConsoleSize there). Both 0 (not sent) or both
     * 1..HCS_GCS_OCI_MAX_CONSOLE; only with terminal. Later changes:
     * hcs_gcs_process_resize. */
    int terminal;
    uint16_t console_height;
    uint16_t console_width;
    /* The bounding, effective and permitted capability sets: NULL-terminated
     * "CAP_..." names. NULL: containerd's default 14 (CAP_CHOWN,
     * CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
     * CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP,
     * CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE); an
     * empty list (a pointer to NULL): no capabilities. */
    const char *const *capabilities;
    /* RLIMIT_NOFILE, soft = hard. 0: HCS_GCS_OCI_DEFAULT_NOFILE. */
    uint64_t nofile_limit;
    /* noNewPrivileges is written true (containerd) unless this is set. */
    int allow_new_privileges;
} hcs_gcs_oci_process_options;
#define HCS_GCS_OCI_PROCESS_OPTIONS_VERSION 1u
#define HCS_GCS_OCI_PROCESS_OPTIONS_INIT {.version = HCS_GCS_OCI_PROCESS_OPTIONS_VERSION}

/* An extra mount of the spec. */
typedef struct hcs_gcs_oci_mount {
    const char *destination;    /* required, absolute, in the container */
    const char *type;           /* "bind", "tmpfs", ...; NULL: omitted */
    const char *source;         /* NULL: omitted */
    const char *const *options; /* NULL-terminated; NULL: omitted */
} hcs_gcs_oci_mount;

/* linux.resources. Every field 0 = not set (not written). */
typedef struct hcs_gcs_oci_resources {
    int64_t memory_limit; /* bytes, >= HCS_GCS_OCI_MIN_MEMORY */
    uint64_t cpu_shares;  /* 2..262144 (cgroup cpu.shares range) */
    int64_t cpu_quota;    /* microseconds per period, >= 1000 */
    uint64_t cpu_period;  /* microseconds, 1000..1000000 */
    int64_t pids_limit;   /* > 0 */
} hcs_gcs_oci_resources;

/* The runtime spec of a container (its init process included). */
typedef struct hcs_gcs_oci_spec_options {
    unsigned version; /* HCS_GCS_OCI_SPEC_OPTIONS_VERSION (use HCS_GCS_OCI_SPEC_OPTIONS_INIT) */
    /* The init process (started by the first ExecuteProcess without an
     * OCI process). */
    hcs_gcs_oci_process_options process;
    /* The container id: gives root_path and cgroups_path hcsshim's layout.
     * Optional; no '/', not "." or "..". */
    const char *container_id;
    /* root.path. NULL: "/run/gcs/c/<container_id>/rootfs" (hcsshim's
     * layout: the ContainerRootPath of the CombinedLayers), or "rootfs"
     * (relative to the bundle) without a container_id. Give an absolute
     * path: the Linux GCS resolves user names against it. */
    const char *root_path;
    int root_readonly;   /* root.readonly */
    /* hostname (1..64 of [A-Za-z0-9._-]). NULL: not written (the
     * container keeps the UVM's name in its own UTS namespace). */
    const char *hostname;
    /* Mounts after the defaults (/proc, /dev, /dev/pts, /dev/shm,
     * /dev/mqueue, /sys, /sys/fs/cgroup); one with the destination of a
     * default replaces that default in place. */
    const hcs_gcs_oci_mount *mounts;
    size_t mount_count;
    /* Network namespace. Default: a "network" namespace without a path,
     * i.e. a new, empty one (containerd's default).
     * network_namespace_path: join this one instead (e.g.
     * "/var/run/netns/c1", created by the guest), so a guest can give a
     * container its own configured namespace.
     * share_uvm_network: no network namespace entry at all, the container
     * shares the UVM's (what hcsshim sends: its host side strips the
     * entry, and Microsoft's GCS then places the container by
     * network_namespace_id). Not together with a path. */
    const char *network_namespace_path;
    int share_uvm_network;
    /* windows.network.networkNamespace: the HCN namespace GUID of the
     * adapters added with hcs_gcs_modify_network_adapter (Microsoft's
     * Linux GCS). NULL: no "windows" section. */
    const char *network_namespace_id;
    /* linux.cgroupsPath. NULL: "/containers/<container_id>" (what
     * Microsoft's Linux GCS forces) with a container_id, else omitted. */
    const char *cgroups_path;
    hcs_gcs_oci_resources resources;
} hcs_gcs_oci_spec_options;
#define HCS_GCS_OCI_SPEC_OPTIONS_VERSION 1u
#define HCS_GCS_OCI_SPEC_OPTIONS_INIT                                            \
    {.version = HCS_GCS_OCI_SPEC_OPTIONS_VERSION,                             \
     .process = {.version = HCS_GCS_OCI_PROCESS_OPTIONS_VERSION}}

/* Zero the options (= every default above). */
HCS_API hcs_result hcs_gcs_oci_process_options_init(hcs_gcs_oci_process_options *o, unsigned version);
HCS_API hcs_result hcs_gcs_oci_spec_options_init(hcs_gcs_oci_spec_options *o, unsigned version);

/* The OCI Process document for a container exec:
 * {"terminal":..,"consoleSize":{"height":..,"width":..},"user":{"uid":..,
 * "gid":..,"additionalGids":[..],"username":".."},"args":[..],"env":[..],
 * "cwd":"/","capabilities":{"bounding":[..],"effective":[..],
 * "permitted":[..]},"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,
 * "soft":1024}],"noNewPrivileges":true} (empty/false members omitted).
 * Pass it as hcs_gcs_process_options.oci_process_json. Caller frees *json
 * with hcs_free(). */
HCS_API hcs_result hcs_gcs_encode_oci_process(const hcs_gcs_oci_process_options *o,
                                              char **json);

/* The OCI runtime spec of a container: ociVersion, process (as above),
 * root, hostname, mounts (defaults + extra), linux (resources with a
 * deny-all device rule followed by the limits, cgroupsPath, namespaces
 * pid/ipc/uts/mount/network, maskedPaths, readonlyPaths) and, with
 * network_namespace_id, windows.network. Wrap it with
 * hcs_gcs_encode_lcow_container_config for hcs_gcs_container_create.
 * Caller frees *json with hcs_free(). */
HCS_API hcs_result hcs_gcs_encode_oci_spec(const hcs_gcs_oci_spec_options *o,
                                           char **json);

#ifdef __cplusplus
}
#endif

#endif /* HCS_GCS_OCI_H */
