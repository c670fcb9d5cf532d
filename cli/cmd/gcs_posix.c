/* hcsctl gcs run on POSIX hosts: --tty on a local terminal, the --spawn
 * guest's process group, the container mode's fatal signals (see
 * gcs_posix.h). Moved out of cmd_gcs.c unchanged. */
#ifndef _WIN32
#  include <errno.h>
#  include <fcntl.h>
#  include <poll.h>
#  include <pthread.h>
#  include <signal.h>
#  include <stdatomic.h>
#  include <stdio.h>
#  include <stdlib.h>
#  include <string.h>
#  include <sys/ioctl.h>
#  include <sys/types.h>
#  include <sys/wait.h>
#  include <termios.h>
#  include <unistd.h>
#  ifdef __linux__
#    include <sys/prctl.h>
#  endif

#  include "gcs_posix.h"

/* ---------------- --tty on a local terminal (POSIX) ----------------
 *
 * Like docker run -t / ssh -t: when stdin is a terminal it is put in raw
 * mode (no echo, no line editing, no signal keys: Ctrl-C, Ctrl-Z, Ctrl-\
 * reach the guest as bytes) for the duration of the command, and restored
 * on every way out: the normal one (tty_end), exit() (atexit), and the
 * signals that end or stop hcsctl. The console size comes from the
 * terminal (stdout, else stdin) and follows it.
 *
 * Signals: SIGWINCH, and with raw mode SIGHUP, SIGINT, SIGQUIT, SIGTERM
 * and SIGTSTP, are blocked in every thread (tty_prepare runs before the
 * bridge starts any) and taken by a thread of ours with sigwait, so no
 * code runs in signal-handler context at all:
 *   - SIGHUP/SIGINT/SIGQUIT/SIGTERM: restore the terminal, then die of the
 *     same signal (default action, re-raised);
 *   - SIGTSTP (kill; the keyboard's Ctrl-Z is a byte for the guest):
 *     restore, stop, raw again when continued;
 *   - SIGWINCH: wakes the resize thread (self-pipe), which reads the
 *     terminal's size and sends it with hcs_gcs_process_resize (a slow
 *     RPC never delays the signals above).
 * Signals ignored when hcsctl started (nohup) stay ignored. */

static atomic_int g_raw_active; /* --tty: the local terminal is (to be) raw */
static struct termios g_saved_tio, g_raw_tio;
static pthread_mutex_t g_tio_lock = PTHREAD_MUTEX_INITIALIZER;
static sigset_t g_child_mask; /* the mask a spawned guest starts with */
/* Container mode: SIGHUP/SIGINT/SIGQUIT/SIGTERM stop the container and
 * tear it down (ctr_signals), the terminal is restored after that. */
static int g_fatal_elsewhere;
static int g_child_mask_set;

static const int g_fatal_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};
#define N_FATAL (sizeof g_fatal_signals / sizeof g_fatal_signals[0])

int hcsctl_tty_is_raw(void) { return atomic_load(&g_raw_active); }

/* atexit and the signal thread: back to the saved settings. */
static void restore_tty(void)
{
    if (atomic_load(&g_raw_active))
        (void)tcsetattr(0, TCSANOW, &g_saved_tio);
}

static void on_winch(int sig) { (void)sig; } /* never runs: SIGWINCH is blocked */


/* The terminal's size; 0 when fd is not a terminal or reports none. */
static int term_size(int fd, uint16_t *rows, uint16_t *cols)
{
    struct winsize ws;
    if (fd < 0 || ioctl(fd, TIOCGWINSZ, &ws) != 0 || !ws.ws_row || !ws.ws_col)
        return 0;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 1;
}

static void winch_poke(tty_state *t)
{
    ssize_t w = write(t->winch[1], "w", 1); /* non-blocking: full is fine */
    (void)w;
}

static void *signal_thread(void *arg)
{
    tty_state *t = (tty_state *)arg;
    for (;;) {
        int sig = 0, stop;
        size_t i;
        if (sigwait(&t->set, &sig) != 0)
            continue;
        pthread_mutex_lock(&t->lock);
        stop = t->stop;
        pthread_mutex_unlock(&t->lock);
        if (stop)
            break;
        if (sig == SIGWINCH) {
            winch_poke(t);
            continue;
        }
        if (sig == SIGTSTP) {
            pthread_mutex_lock(&g_tio_lock);
            restore_tty();
            /* this thread's own SIGSTOP: the whole process stops now */
            (void)raise(SIGSTOP);
            if (atomic_load(&g_raw_active))
                (void)tcsetattr(0, TCSANOW, &g_raw_tio);
            pthread_mutex_unlock(&g_tio_lock);
            winch_poke(t); /* the size may have changed meanwhile */
            continue;
        }
        for (i = 0; i < N_FATAL; i++) {
            if (sig == g_fatal_signals[i]) {
                struct sigaction dfl;
                sigset_t one;
                pthread_mutex_lock(&g_tio_lock);
                restore_tty();
                memset(&dfl, 0, sizeof dfl);
                dfl.sa_handler = SIG_DFL;
                sigemptyset(&dfl.sa_mask);
                (void)sigaction(sig, &dfl, NULL);
                sigemptyset(&one);
                sigaddset(&one, sig);
                (void)raise(sig); /* pending here until unblocked: */
                (void)pthread_sigmask(SIG_UNBLOCK, &one, NULL);
                pthread_mutex_unlock(&g_tio_lock); /* not reached */
            }
        }
    }
    return NULL;
}

static void set_cloexec_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Before the bridge starts threads: what the terminal is, the signal
 * mask, the signal thread. Nothing here is fatal: without a terminal,
 * --tty works as before (80x24, no raw mode). */
void hcsctl_tty_prepare(tty_state *t)
{
    size_t i;
    struct sigaction cur, sa;
    t->prepared = 1;
    /* stdout, else stdin; a terminal that reports no size yet (a fresh
     * pty) is followed all the same */
    if (isatty(1))
        t->size_fd = 1;
    if (isatty(0) && (t->size_fd < 0 || !term_size(1, &t->rows, &t->cols)) &&
        term_size(0, &t->rows, &t->cols))
        t->size_fd = 0;
    if (t->size_fd < 0 && isatty(0))
        t->size_fd = 0;
    if (t->size_fd < 0)
        return; /* no terminal at all */
    (void)term_size(t->size_fd, &t->rows, &t->cols);
    t->want_raw = isatty(0) && tcgetattr(0, &g_saved_tio) == 0;
    if (pipe(t->winch) != 0) {
        t->winch[0] = t->winch[1] = -1;
        t->size_fd = -1; /* no resizes; raw mode still */
    } else {
        set_cloexec_nonblock(t->winch[0]);
        set_cloexec_nonblock(t->winch[1]);
    }
    sigemptyset(&t->set);
    sigaddset(&t->set, SIGWINCH);
    /* a caught signal, so that a blocked SIGWINCH is kept for sigwait
     * (its default action is to discard it) */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_winch;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    (void)sigaction(SIGWINCH, &sa, &t->old_winch);
    if (t->want_raw && !g_fatal_elsewhere) {
        for (i = 0; i < N_FATAL; i++)
            if (sigaction(g_fatal_signals[i], NULL, &cur) == 0 && cur.sa_handler != SIG_IGN)
                sigaddset(&t->set, g_fatal_signals[i]);
        if (sigaction(SIGTSTP, NULL, &cur) == 0 && cur.sa_handler != SIG_IGN)
            sigaddset(&t->set, SIGTSTP);
    }
    (void)pthread_sigmask(SIG_BLOCK, &t->set, &t->old_mask);
    t->masked = 1;
    g_child_mask = t->old_mask;
    g_child_mask_set = 1;
    if (pthread_create(&t->sig_thread, NULL, signal_thread, t) == 0)
        t->sig_started = 1;
}

/* Before the process starts: its console size, raw mode. */
void hcsctl_tty_begin(tty_state *t, hcs_gcs_process_options *pc)
{
    static int atexit_done;
    if (t->rows && t->cols) {
        pc->tty_height = t->rows;
        pc->tty_width = t->cols;
    }
    if (!t->want_raw || !t->sig_started)
        return;
    g_raw_tio = g_saved_tio;
    /* cfmakeraw, spelled out (it is not POSIX) */
    g_raw_tio.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
                                     IXON);
    g_raw_tio.c_oflag &= ~(tcflag_t)OPOST;
    g_raw_tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    g_raw_tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    g_raw_tio.c_cflag |= CS8;
    g_raw_tio.c_cc[VMIN] = 1;
    g_raw_tio.c_cc[VTIME] = 0;
    if (!atexit_done && atexit(restore_tty) == 0)
        atexit_done = 1;
    pthread_mutex_lock(&g_tio_lock);
    atomic_store(&g_raw_active, 1);
    (void)tcsetattr(0, TCSANOW, &g_raw_tio);
    pthread_mutex_unlock(&g_tio_lock);
    t->raw = 1;
}

static void *resize_thread(void *arg)
{
    tty_state *t = (tty_state *)arg;
    for (;;) {
        struct pollfd pf;
        char buf[64];
        uint16_t rows = 0, cols = 0;
        int send;
        pf.fd = t->winch[0];
        pf.events = POLLIN;
        pf.revents = 0;
        if (poll(&pf, 1, -1) < 0 && errno != EINTR)
            break;
        while (read(t->winch[0], buf, sizeof buf) > 0)
            ;
        pthread_mutex_lock(&t->lock);
        if (t->stop) {
            pthread_mutex_unlock(&t->lock);
            break;
        }
        send = term_size(t->size_fd, &rows, &cols) && (rows != t->rows || cols != t->cols);
        if (send) {
            t->rows = rows;
            t->cols = cols;
            t->busy = 1;
        }
        pthread_mutex_unlock(&t->lock);
        if (send) {
            /* A failure (the process just exited) is not worth a word. */
            (void)hcs_gcs_process_resize(t->p, rows, cols);
            pthread_mutex_lock(&t->lock);
            t->busy = 0;
            pthread_mutex_unlock(&t->lock);
        }
    }
    return NULL;
}

/* Once the process runs: follow the terminal's size. */
void hcsctl_tty_follow(tty_state *t, hcs_gcs_process *p, hcs_gcs_bridge *b)
{
    if (t->size_fd < 0 || !t->sig_started)
        return;
    t->p = p;
    t->b = b;
    if (pthread_create(&t->resize_thread, NULL, resize_thread, t) == 0) {
        t->resize_started = 1;
        winch_poke(t); /* a resize between tty_prepare and now */
    }
}

/* Every way out of gcs_run once tty_prepare ran: stop following, restore
 * the terminal, the signal mask and dispositions. Idempotent. Before
 * hcs_gcs_process_close. */
void hcsctl_tty_end(tty_state *t)
{
    if (!t->prepared)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = 1;
    pthread_mutex_unlock(&t->lock);
    if (t->resize_started) {
        int busy;
        pthread_mutex_lock(&t->lock);
        busy = t->busy;
        pthread_mutex_unlock(&t->lock);
        winch_poke(t);
        if (busy) /* a resize in flight must not wait for a silent guest */
            hcs_gcs_bridge_shutdown(t->b, "closed by the host");
        pthread_join(t->resize_thread, NULL);
        t->resize_started = 0;
    }
    if (t->raw) {
        pthread_mutex_lock(&g_tio_lock);
        restore_tty();
        atomic_store(&g_raw_active, 0);
        pthread_mutex_unlock(&g_tio_lock);
        t->raw = 0;
    }
    if (t->sig_started) {
        (void)pthread_kill(t->sig_thread, SIGWINCH); /* sees stop */
        pthread_join(t->sig_thread, NULL);
        t->sig_started = 0;
    }
    if (t->masked) {
        /* signals that came meanwhile now take their default course */
        (void)sigaction(SIGWINCH, &t->old_winch, NULL);
        (void)pthread_sigmask(SIG_SETMASK, &t->old_mask, NULL);
        g_child_mask_set = 0;
        t->masked = 0;
    }
    if (t->winch[0] >= 0) {
        close(t->winch[0]);
        close(t->winch[1]);
        t->winch[0] = t->winch[1] = -1;
    }
    t->prepared = 0;
}

/* Starts the guest with the bridge on its stdin/stdout, as the leader of a
 * process group of its own (stop_guest signals the whole group). */
int hcsctl_spawn_guest(const char *cmd, pid_t *pid, int *rd, int *wr)
{
    int to[2], from[2];
    if (pipe(to) != 0)
        return -1;
    if (pipe(from) != 0) {
        close(to[0]);
        close(to[1]);
        return -1;
    }
#ifdef __linux__
    /* Orphans of the guest become our children, so that stop_guest can
     * reap them (an init that does not reap would leave zombies). */
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
    *pid = fork();
    if (*pid < 0) {
        close(to[0]);
        close(to[1]);
        close(from[0]);
        close(from[1]);
        return -1;
    }
    if (*pid == 0) {
        if (g_child_mask_set) /* the guest does not inherit tty_prepare's */
            (void)sigprocmask(SIG_SETMASK, &g_child_mask, NULL);
        (void)setpgid(0, 0);
        dup2(to[0], 0);
        dup2(from[1], 1);
        close(to[0]);
        close(to[1]);
        close(from[0]);
        close(from[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    (void)setpgid(*pid, *pid); /* both sides: no race with the exec */
    close(to[0]);
    close(from[1]);
    *rd = from[0];
    *wr = to[1];
    return 0;
}

/* Reaps what it can of the guest's group; 1 when the leader was reaped and
 * nothing of the group is left. */
static int guest_gone(pid_t pgid, int *leader_reaped)
{
    int st;
    pid_t r;
    while ((r = waitpid(-pgid, &st, WNOHANG)) > 0)
        if (r == pgid)
            *leader_reaped = 1;
    if (!*leader_reaped) {
        r = waitpid(pgid, &st, WNOHANG);
        if (r == pgid || (r < 0 && errno == ECHILD))
            *leader_reaped = 1;
    }
    return *leader_reaped && kill(-pgid, 0) != 0 && errno == ESRCH;
}

static int wait_guest(pid_t pgid, int *leader_reaped, int ms)
{
    for (;;) {
        if (guest_gone(pgid, leader_reaped))
            return 1;
        if (ms <= 0)
            return 0;
        usleep(10000);
        ms -= 10;
    }
}

#define GUEST_EXIT_MS 100   /* to leave on its own once the bridge is closed */
#define GUEST_TERM_MS 1000  /* SIGTERM -> SIGKILL grace */

/* After the bridge is closed: the guest's whole process group goes,
 * without a fixed wait when it is already gone. */
void hcsctl_stop_guest(pid_t pgid)
{
    int leader_reaped = 0, st;
    if (!wait_guest(pgid, &leader_reaped, GUEST_EXIT_MS)) {
        (void)kill(-pgid, SIGTERM);
        if (!wait_guest(pgid, &leader_reaped, GUEST_TERM_MS)) {
            (void)kill(-pgid, SIGKILL);
            if (!wait_guest(pgid, &leader_reaped, GUEST_TERM_MS) && !leader_reaped)
                (void)waitpid(pgid, &st, 0);
        }
    }
    while (waitpid(-1, &st, WNOHANG) > 0) /* adopted orphans (subreaper) */
        ;
}

/* ---------------- container mode: signals ----------------
 * A fatal signal must not leave a container, its mounts or its state
 * behind: the signal thread asks the guest to kill the init (ShutdownForced);
 * the main thread's wait then returns, tears everything down and exits
 * with 128 + the signal. */

static void *ctr_signal_thread(void *arg)
{
    ctr_signals *cs = (ctr_signals *)arg;
    for (;;) {
        int sig = 0;
        hcs_gcs_bridge *b;
        char id[40];
        if (sigwait(&cs->set, &sig) != 0)
            continue;
        if (sig == SIGUSR2)
            break; /* gcs_run is done */
        pthread_mutex_lock(&cs->lock);
        if (!cs->sig)
            cs->sig = sig;
        b = cs->b;
        snprintf(id, sizeof id, "%s", cs->id);
        pthread_mutex_unlock(&cs->lock);
        if (b)
            (void)hcs_gcs_container_shutdown(b, id, 1);
    }
    return NULL;
}

void hcsctl_ctr_signals_start(ctr_signals *cs)
{
    size_t i;
    memset(cs, 0, sizeof *cs);
    (void)pthread_mutex_init(&cs->lock, NULL);
    sigemptyset(&cs->set);
    for (i = 0; i < N_FATAL; i++)
        sigaddset(&cs->set, g_fatal_signals[i]);
    sigaddset(&cs->set, SIGUSR2);
    (void)pthread_sigmask(SIG_BLOCK, &cs->set, &cs->old);
    g_child_mask = cs->old;
    g_child_mask_set = 1;
    g_fatal_elsewhere = 1;
    if (pthread_create(&cs->thread, NULL, ctr_signal_thread, cs) == 0)
        cs->started = 1;
}

void hcsctl_ctr_signals_arm(ctr_signals *cs, hcs_gcs_bridge *b, const char *id)
{
    pthread_mutex_lock(&cs->lock);
    cs->b = b;
    snprintf(cs->id, sizeof cs->id, "%s", id);
    pthread_mutex_unlock(&cs->lock);
}

int hcsctl_ctr_signals_caught(ctr_signals *cs)
{
    int sig;
    pthread_mutex_lock(&cs->lock);
    sig = cs->sig;
    pthread_mutex_unlock(&cs->lock);
    return sig;
}

void hcsctl_ctr_signals_stop(ctr_signals *cs)
{
    if (cs->started) {
        (void)pthread_kill(cs->thread, SIGUSR2);
        (void)pthread_join(cs->thread, NULL);
        cs->started = 0;
    }
    pthread_mutex_lock(&cs->lock);
    cs->b = NULL;
    pthread_mutex_unlock(&cs->lock);
}

#else
typedef int hcsctl_gcs_posix_empty; /* ISO C: no empty translation unit */
#endif
