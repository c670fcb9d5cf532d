/* hcsctl gcs run's container mode (gcs_ctr.c): the LCOW lifecycle hcsshim
 * drives — CombinedLayers Add, Create, Start, the init process, its exit
 * notification, CombinedLayers Remove, DeleteContainerState — with a
 * teardown on every way out. Portable (the bridge is). */
#ifndef HCSCTL_GCS_CTR_H
#define HCSCTL_GCS_CTR_H

#include "cli.h"
#include "cmd/gcs_attach.h"

#define HCSCTL_CTR_MAX_LAYERS 64

typedef struct hcsctl_ctr {
    /* options */
    const char *layers[HCSCTL_CTR_MAX_LAYERS + 1]; /* --rootfs / --layer, top first */
    int nlayers;
    const char *scratch;   /* --scratch DIR (guest path); NULL: <bundle>/scratch */
    const char *hostname;  /* --hostname */
    const char *user;      /* --user uid[:gid] | name[:group] */
    int read_only;         /* --read-only: no scratch, read-only root */
    const char *state_root; /* --bundle-root (the agent's --state-root) */
    hcsctl_attach attach;  /* --disk / --net: added before, removed after */
    /* bounds: the exit notification after ShutdownForced (ms) */
    int64_t exit_wait_ms;
    /* state */
    hcs_gcs_bridge *b;
    int gave_up;           /* an RPC timed out: the bridge was shut down */
    char id[40];
    char bundle[512], root[560], scratch_path[560];
    int layers_added, created, started;
} hcsctl_ctr;

void hcsctl_ctr_init(hcsctl_ctr *c);
/* "hcsctl: gcs run: WHAT: <message> (0xHRESULT)" for the thread's last
 * error (or hr's description), and its guest error records: the guest's
 * text in one line, escaped (hcsctl_text). */
void hcsctl_gcs_say_failed(const char *what, hcs_result hr);
/* An option of the container mode (or --disk / --net): 1 (it took val), 0 (not one of
 * them), -1 (a usage error, printed). */
int hcsctl_ctr_option(hcsctl_ctr *c, const char *a, const char *val);
int hcsctl_ctr_enabled(const hcsctl_ctr *c);
/* Layers, the spec (argv/env/cwd, tty and its size) and Create. Prints
 * what failed. */
hcs_result hcsctl_ctr_setup(hcsctl_ctr *c, hcs_gcs_bridge *b, char **argv, const char *const *env,
                            const char *cwd, int tty, uint16_t rows, uint16_t cols);
/* Everything setup did, undone (a running init is killed first). Safe to
 * call more than once and after a failed setup. After hcsctl_ctr_give_up
 * it sends nothing and says what was left in the guest. */
void hcsctl_ctr_teardown(hcsctl_ctr *c);
/* hr of a request to the guest: when it is HCS_ERR_OPERATION_TIMEOUT the
 * guest stopped answering, and the bridge is shut down so that nothing
 * more waits for it (the teardown included). 1 when it gave up. */
int hcsctl_ctr_give_up(hcsctl_ctr *c, hcs_gcs_bridge *b, hcs_result hr);

#endif
