/* hcsctl gcs run on POSIX hosts (gcs_posix.c): --tty on a local terminal
 * (raw mode, console size, signals), the --spawn guest's process group,
 * and the container mode's fatal signals. */
#ifndef HCSCTL_GCS_POSIX_H
#define HCSCTL_GCS_POSIX_H

#ifndef _WIN32
#  include <pthread.h>
#  include <signal.h>
#  include <sys/types.h>

#  include "cli.h"

/* --tty: what the terminal is, raw mode, resizes (see gcs_posix.c). */
typedef struct tty_state {
    int prepared;
    int masked;           /* the signal mask and SIGWINCH's action changed */
    int want_raw;         /* stdin is a terminal (settings saved) */
    int raw;              /* raw mode entered */
    int size_fd;          /* the terminal the size comes from, or -1 */
    sigset_t set, old_mask;
    struct sigaction old_winch;
    int winch[2];         /* self-pipe: signal thread -> resize thread */
    pthread_t sig_thread, resize_thread;
    int sig_started, resize_started;
    pthread_mutex_t lock; /* stop, busy, rows, cols */
    int stop, busy;
    hcs_gcs_process *p;
    hcs_gcs_bridge *b;
    uint16_t rows, cols;  /* the size last sent */
} tty_state;

/* Before the bridge starts threads: the terminal, the signal mask, the
 * signal thread. Nothing here is fatal. */
void hcsctl_tty_prepare(tty_state *t);
/* Before the process starts: its console size (pc), raw mode. */
void hcsctl_tty_begin(tty_state *t, hcs_gcs_process_options *pc);
/* Once the process runs: follow the terminal's size. */
void hcsctl_tty_follow(tty_state *t, hcs_gcs_process *p, hcs_gcs_bridge *b);
/* Every way out once prepare ran: stop following, restore the terminal,
 * the signal mask and dispositions. Idempotent. Before
 * hcs_gcs_process_close. */
void hcsctl_tty_end(tty_state *t);
/* 1 while the local terminal is (to be) raw: lines end with \r\n. */
int hcsctl_tty_is_raw(void);

/* --spawn: starts CMD (sh -c) with the bridge on its stdin/stdout as the
 * leader of a process group of its own; 0, or -1 with errno. */
int hcsctl_spawn_guest(const char *cmd, pid_t *pid, int *rd, int *wr);
/* After the bridge is closed: the guest's whole process group goes
 * (100 ms on its own, SIGTERM, 1 s, SIGKILL), without a fixed wait. */
void hcsctl_stop_guest(pid_t pgid);

/* Container mode: SIGHUP/SIGINT/SIGQUIT/SIGTERM stop the container
 * (ShutdownForced) so that the main thread tears it down. */
typedef struct ctr_signals {
    sigset_t set, old;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    hcs_gcs_bridge *b; /* set once the container exists */
    char id[40];
    int sig;           /* the first fatal signal, 0 if none */
} ctr_signals;

/* Before the bridge starts threads. */
void hcsctl_ctr_signals_start(ctr_signals *cs);
/* Once the container exists: a signal from now on stops it. */
void hcsctl_ctr_signals_arm(ctr_signals *cs, hcs_gcs_bridge *b, const char *id);
/* The first fatal signal caught, 0 if none. */
int hcsctl_ctr_signals_caught(ctr_signals *cs);
void hcsctl_ctr_signals_stop(ctr_signals *cs);
#endif

#endif
