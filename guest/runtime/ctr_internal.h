/* hcs-gcs runtime internals shared by container.c (the table, Create,
 * exits, Delete, cleanup) and exec.c (processes, properties, constraints).
 * One mutex (C->m) guards the table and every record. */
#ifndef HCS_GUEST_CTR_INTERNAL_H
#define HCS_GUEST_CTR_INTERNAL_H

#include <pthread.h>

#include "runtime/runtime.h"

#define MAX_CONTAINERS 256u
#define CONSOLE_TIMEOUT_MS 10000u

enum { ST_CREATING, ST_CREATED, ST_STARTING, ST_RUNNING, ST_DELETING };

typedef struct ctr {
    struct ctr *next;
    char id[HCSG_MAX_ID + 1];
    char bundle[PATH_MAX - 64];
    char log[PATH_MAX];
    char aid[256];
    char rootfs[PATH_MAX]; /* the spec's root.path (users resolve there) */
    int state;
    pid_t init_pid;
    int tty;
    hcsg_attach io;       /* the init's stdio ends, held until Start */
    int init_started;     /* the host got the init's pid */
    int exited, status;
    int wait_answered;
    int notified;
    int sig_asked;        /* 0, SIGTERM or SIGKILL (the strongest asked) */
    int hooks;            /* the spec has hooks: no runtime shortcuts */
    unsigned seq;
    hcsg_net *net;        /* with netns: the namespace it joined (left */
    char netns[37];       /* when the record goes) */
} ctr;

struct hcsg_containers {
    pthread_mutex_t m;
    ctr *list;
    size_t n;
    int closing;
    hcsg_oci oci;
    char state_root[PATH_MAX];
    hcsg_procs *procs;
    hcsg_layers *layers;
    hcsg_notify_fn notify;
    void *notify_ctx;
    unsigned console_seq;
    hcsg_net *net;
};


ctr *hcsg_rt_find_locked(hcsg_containers *C, const char *id);
/* An exit notification to send once the lock is released. */
typedef struct note {
    char id[HCSG_MAX_ID + 1];
    char aid[256];
    const char *type;
} note;
/* Takes the notification if it is due (lock held): 1, else 0. */
int hcsg_rt_due_locked(ctr *c, note *n);
void hcsg_rt_send_note(hcsg_containers *C, const note *n);
/* Locks C and finds container id, ready: returns it with C->m held, or
 * NULL (unlocked, e set: the Go GCS's answers for a container that is not
 * ready). */
ctr *hcsg_rt_lock_ready(hcsg_containers *C, const char *id, hcsg_err *e);
void hcsg_rt_close3(int fd[3]);
/* The stdio of a runtime command that starts a process: with tty a new
 * console socket to listen on (*lfd, its path in sock), else pipes for the
 * wanted streams (child ends in child[], ours in at). 0 or -1 with e. */
int hcsg_rt_stdio(hcsg_containers *C, int tty, const int want[3], int child[3], hcsg_attach *at,
                  int *lfd, char *sock, size_t sn, hcsg_err *e);
/* Ends the arguments of that command at args[n]: the console socket
 * (with tty), the container id, NULL. */
void hcsg_rt_args_end(const char **args, size_t n, int tty, const char *sock, const char *id);
/* process.terminal, args[0] and consoleSize of an OCI Process object. */
void hcsg_rt_process_facts(const hcsi_json *proc, int *tty, char *argv0, size_t n,
                           uint16_t *rows, uint16_t *cols);
int hcsg_rt_read_pid_file(const char *path, pid_t *pid, hcsg_err *e);
/* process.user.username ("name", "uid", "name:group", "uid:gid", ...; the
 * OCI runtime ignores it) resolved against rootfs's /etc/passwd and
 * /etc/group, as Microsoft's Linux GCS does: uid, gid and additionalGids
 * set from it. No username: nothing to do. 0 or -1 with e. */
int hcsg_rt_resolve_user(hcsi_json *process, const char *rootfs, hcsg_err *e);

#endif
