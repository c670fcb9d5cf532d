/* hcsctl gcs run|decode: the GCS bridge from the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gcs_ctr.h"

#ifdef _WIN32
#  include <windows.h>
#else
#  include <errno.h>
#  include <fcntl.h>
#  include <poll.h>
#  include <pthread.h>
#  include <signal.h>
#  include <stdatomic.h>
#  include <sys/ioctl.h>
#  include <sys/types.h>
#  include <sys/wait.h>
#  include <termios.h>
#  include <unistd.h>
#  ifdef __linux__
#    include <sys/prctl.h>
#  endif
#endif

void hcsctl_help_gcs(FILE *out)
{
    fprintf(out,
        "usage: hcsctl gcs run (--listen ADDR | --spawn 'GUEST COMMAND') [options]\n"
        "                      -- COMMAND [ARGS...]\n"
        "       hcsctl [--json] gcs decode [FILE|-]\n\n"
        "run: waits for a guest's GCS to connect (--listen) or starts one with the\n"
        "bridge on its stdin/stdout (--spawn, POSIX hosts), negotiates, runs COMMAND\n"
        "in the utility VM with hcsctl's stdin/stdout/stderr relayed, and exits with\n"
        "COMMAND's exit code (125 when hcsctl or the bridge failed). Codes above 255\n"
        "keep their low byte but never become 0 (256 -> 1); a Linux guest's\n"
        "4294967295 (killed by a signal) is 137. A spawned guest runs in its own\n"
        "process group, stopped as a whole at exit (SIGTERM, then SIGKILL after 1 s).\n"
        "  --listen ADDR        vsock:PORT (Linux), hvsock:VMID[:SERVICEGUID]\n"
        "                       (Windows), unix:DIR (port P is the socket DIR/P)\n"
        "  --spawn CMD          run CMD with sh -c; the bridge is its stdin/stdout\n"
        "  --stdio-dir DIR      stdio relay port space unix:DIR (required with --spawn)\n"
        "  --os linux|windows   expected guest OS (hvsock default service GUID)\n"
        "  --tty                allocate a console (stderr merges into stdout), sized\n"
        "                       like hcsctl's terminal (stdout, else stdin; 80x24\n"
        "                       without one) and resized with it (SIGWINCH). When\n"
        "                       stdin is a terminal it is raw while COMMAND runs:\n"
        "                       keys such as Ctrl-C and Ctrl-Z go to COMMAND; the\n"
        "                       settings are restored at exit, also when hcsctl\n"
        "                       is killed by SIGHUP/SIGINT/SIGQUIT/SIGTERM\n"
        "  --env K=V            environment of COMMAND (repeatable)\n"
        "  --cwd DIR            working directory of COMMAND\n"
        "  --timeout SECONDS    wait for the guest to connect (default 120)\n"
        "  --json               print a JSON summary line on stderr at exit\n\n"
        "decode: reads a stream of GCS frames (16-byte header + JSON body) from FILE\n"
        "or stdin and prints one line per frame: type name, id, size, body.\n"
        "  --json               one JSON object per frame\n"
        "A malformed frame stops decoding with an error naming its byte offset\n"
        "(exit 2).\n");
}

/* ---------------- decode ---------------- */

/* 2 GiB is plenty for a capture. */
#define MAX_CAPTURE ((size_t)1 << 31)

static int gcs_decode(hcsctl_ctx *ctx, int argc, char **argv)
{
    const char *path = NULL;
    char *input = NULL;
    const unsigned char *data;
    size_t len = 0, off = 0;
    int i, rc = HCSCTL_EXIT_OK;
    for (i = 1; i < argc; i++) {
        if (hcsctl_is_help(argv[i])) {
            hcsctl_help_gcs(stdout);
            return HCSCTL_EXIT_OK;
        }
        if (path)
            return hcsctl_usage_error("gcs decode: more than one input (\"%s\")", argv[i]);
        path = argv[i];
    }
    if (!path)
        path = "-";
    rc = hcsctl_read_input("gcs decode", path, MAX_CAPTURE + 1, &input, &len);
    if (rc != HCSCTL_EXIT_OK)
        return rc;
    if (len > MAX_CAPTURE) {
        free(input);
        return hcsctl_usage_error("gcs decode: \"%s\" is larger than 2 GiB", path);
    }
    data = (const unsigned char *)input;
    while (off < len) {
        hcs_gcs_frame f;
        size_t used = 0;
        char name[40];
        hcs_result hr = hcs_gcs_frame_parse(data + off, len - off, off, &f, &used);
        if (hr != HCS_S_OK) {
            const hcs_error *e = hcs_error_last();
            fflush(stdout);
            fprintf(stderr, "hcsctl: gcs decode: %s: %s\n", path,
                    e ? e->message : hcs_strerror(hr));
            rc = HCSCTL_EXIT_USAGE;
            break;
        }
        hcs_gcs_type_name(f.type, name, sizeof name);
        if (ctx->json) {
            /* always valid JSON: NUL as \u0000, bytes that are not UTF-8
             * as \ufffd */
            printf("{\"offset\":%llu,\"type\":\"0x%08lx\",\"name\":",
                   (unsigned long long)f.offset, (unsigned long)f.type);
            hcsctl_json_string(stdout, name);
            printf(",\"id\":%llu,\"size\":%lu,\"body\":", (unsigned long long)f.id,
                   (unsigned long)f.size);
            hcsctl_json_string_n(stdout, f.body, f.body_len);
            printf("}\n");
        } else {
            /* one line: control characters and non-UTF-8 bytes escaped */
            printf("%s id=%llu size=%lu ", name, (unsigned long long)f.id,
                   (unsigned long)f.size);
            hcsctl_text_n(stdout, f.body, f.body_len);
            putchar('\n');
        }
        off += used;
    }
    free(input);
    return rc;
}

/* ---------------- run ---------------- */

#define MAX_ENV 256

typedef struct run_opts {
    const char *listen;
    const char *spawn;
    const char *stdio_dir;
    const char *os;
    int tty;
    const char *env[MAX_ENV + 1];
    int nenv;
    const char *cwd;
    long timeout_s;
    char **cmd;
    int ncmd;
} run_opts;

#ifndef _WIN32
static atomic_int g_raw_active; /* --tty: the local terminal is (to be) raw */
static int terminal_is_raw(void) { return atomic_load(&g_raw_active); }
#else
static int terminal_is_raw(void) { return 0; }
#endif

/* Bridge logs and errors can quote the guest: its text is untrusted and
 * goes through hcsctl_text (no raw control characters, escape sequences or
 * extra lines reach the terminal). */
static void log_stderr(void *ctx, hcs_gcs_log_level level, const char *msg)
{
    (void)ctx;
    if (level >= HCS_GCS_LOG_WARNING) {
        fputs("hcsctl: gcs: ", stderr);
        hcsctl_text(stderr, msg);
        fputs(terminal_is_raw() ? "\r\n" : "\n", stderr);
    }
}

static int bridge_fail(const char *what, hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    fprintf(stderr, "hcsctl: gcs run: %s: ", what);
    hcsctl_text(stderr, e ? e->message : hcs_strerror(hr));
    fprintf(stderr, " (0x%08lX)\n", (unsigned long)(uint32_t)hr);
    if (e && e->detail) {
        fputs("hcsctl: guest error records: ", stderr);
        hcsctl_text(stderr, e->detail);
        fputc('\n', stderr);
    }
    return HCSCTL_EXIT_BRIDGE;
}

/* The exit status for COMMAND's exit code (docs/hcsctl.md): the low byte,
 * except that a nonzero code never maps to 0 (256 -> 1), and a Linux
 * guest's 4294967295 (Go's ExitCode() -1: killed by a signal, which the
 * GCS does not name) maps to 137 (128 + SIGKILL), as shells report a
 * killed process. */
static int exit_status(uint32_t code, int linux_guest)
{
    if (code == 0)
        return HCSCTL_EXIT_OK;
    if (linux_guest && code == 0xFFFFFFFFu)
        return 137;
    if ((code & 0xFFu) == 0)
        return HCSCTL_EXIT_FAILED;
    return (int)(code & 0xFFu);
}

/* Windows command line from argv (CommandLineToArgvW quoting rules). */
static char *windows_command_line(char **argv, int n)
{
    size_t cap = 16;
    int i;
    char *out, *p;
    for (i = 0; i < n; i++)
        cap += strlen(argv[i]) * 2 + 3;
    out = p = (char *)malloc(cap);
    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        const char *a = argv[i];
        int quote = *a == 0 || strpbrk(a, " \t\"") != NULL;
        size_t bs = 0, k;
        if (i)
            *p++ = ' ';
        if (quote)
            *p++ = '"';
        for (; *a; a++) {
            if (*a == '\\') {
                bs++;
                continue;
            }
            /* backslashes before a quote are doubled, plus one for it */
            for (k = 0; k < (*a == '"' ? 2 * bs + 1 : bs); k++)
                *p++ = '\\';
            bs = 0;
            *p++ = *a;
        }
        for (k = 0; k < (quote ? 2 * bs : bs); k++)
            *p++ = '\\';
        if (quote)
            *p++ = '"';
    }
    *p = 0;
    return out;
}

#ifndef _WIN32
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

static struct termios g_saved_tio, g_raw_tio;
static pthread_mutex_t g_tio_lock = PTHREAD_MUTEX_INITIALIZER;
static sigset_t g_child_mask; /* the mask a spawned guest starts with */
/* Container mode: SIGHUP/SIGINT/SIGQUIT/SIGTERM stop the container and
 * tear it down (ctr_signals), the terminal is restored after that. */
static int g_fatal_elsewhere;
static int g_child_mask_set;

static const int g_fatal_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};
#define N_FATAL (sizeof g_fatal_signals / sizeof g_fatal_signals[0])

/* atexit and the signal thread: back to the saved settings. */
static void restore_tty(void)
{
    if (atomic_load(&g_raw_active))
        (void)tcsetattr(0, TCSANOW, &g_saved_tio);
}

static void on_winch(int sig) { (void)sig; } /* never runs: SIGWINCH is blocked */

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
static void tty_prepare(tty_state *t)
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
static void tty_begin(tty_state *t, hcs_gcs_process_config *pc)
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
static void tty_follow(tty_state *t, hcs_gcs_process *p, hcs_gcs_bridge *b)
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
static void tty_end(tty_state *t)
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
static int spawn_guest(const char *cmd, pid_t *pid, int *rd, int *wr)
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
static void stop_guest(pid_t pgid)
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
#endif

#ifndef _WIN32
/* ---------------- container mode: signals ----------------
 * A fatal signal must not leave a container, its mounts or its state
 * behind: the signal thread asks the guest to kill the init (ShutdownForced);
 * the main thread's wait then returns, tears everything down and exits
 * with 128 + the signal. */
typedef struct ctr_signals {
    sigset_t set, old;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    hcs_gcs_bridge *b; /* set once the container exists */
    char id[40];
    int sig;           /* the first fatal signal, 0 if none */
} ctr_signals;

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
            (void)hcs_gcs_shutdown_container(b, id, 1);
    }
    return NULL;
}

static void ctr_signals_start(ctr_signals *cs)
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

static void ctr_signals_arm(ctr_signals *cs, hcs_gcs_bridge *b, const char *id)
{
    pthread_mutex_lock(&cs->lock);
    cs->b = b;
    snprintf(cs->id, sizeof cs->id, "%s", id);
    pthread_mutex_unlock(&cs->lock);
}

static int ctr_signals_caught(ctr_signals *cs)
{
    int sig;
    pthread_mutex_lock(&cs->lock);
    sig = cs->sig;
    pthread_mutex_unlock(&cs->lock);
    return sig;
}

static void ctr_signals_stop(ctr_signals *cs)
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
#endif

static int gcs_run(hcsctl_ctx *ctx, int argc, char **argv)
{
    run_opts o;
    hcs_gcs_config cfg;
    hcs_gcs_listener *l = NULL;
    hcs_gcs_bridge *b = NULL;
    hcs_gcs_process *p = NULL;
    hcs_gcs_process_config pc;
    char stdio_addr[4096];
    char *cmdline = NULL;
    uint32_t code = 0;
    hcs_result hr;
    int i, rc = HCSCTL_EXIT_BRIDGE;
    hcsctl_ctr ctr;
#ifndef _WIN32
    pid_t child = -1;
    tty_state tty;
    ctr_signals csig;
    memset(&csig, 0, sizeof csig);
#  define TTY_END() tty_end(&tty)
    memset(&tty, 0, sizeof tty);
    tty.size_fd = tty.winch[0] = tty.winch[1] = -1;
    (void)pthread_mutex_init(&tty.lock, NULL);
#else
#  define TTY_END() ((void)0)
#endif
    memset(&o, 0, sizeof o);
    o.timeout_s = 120;
    hcsctl_ctr_init(&ctr);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--") == 0) {
            o.cmd = argv + i + 1;
            o.ncmd = argc - i - 1;
            break;
        }
        if (hcsctl_is_help(a)) {
            hcsctl_help_gcs(stdout);
            return HCSCTL_EXIT_OK;
        }
        if (strcmp(a, "--tty") == 0) {
            o.tty = 1;
            continue;
        }
        if (strcmp(a, "--read-only") == 0) {
            ctr.read_only = 1;
            continue;
        }
        {
            int k = hcsctl_ctr_option(&ctr, a, val);
            if (k < 0)
                return HCSCTL_EXIT_USAGE;
            if (k == 1) {
                i++;
                continue;
            }
        }
        if (!val)
            return hcsctl_usage_error("gcs run: %s needs a value (see hcsctl gcs --help)", a);
        if (strcmp(a, "--listen") == 0) {
            o.listen = val;
        } else if (strcmp(a, "--spawn") == 0) {
            o.spawn = val;
        } else if (strcmp(a, "--stdio-dir") == 0) {
            o.stdio_dir = val;
        } else if (strcmp(a, "--os") == 0) {
            if (strcmp(val, "linux") != 0 && strcmp(val, "windows") != 0)
                return hcsctl_usage_error("gcs run: --os must be linux or windows, not \"%s\"",
                                          val);
            o.os = val;
        } else if (strcmp(a, "--env") == 0) {
            if (!strchr(val, '='))
                return hcsctl_usage_error("gcs run: --env \"%s\" is not KEY=VALUE", val);
            if (o.nenv >= MAX_ENV)
                return hcsctl_usage_error("gcs run: more than %d --env options", MAX_ENV);
            o.env[o.nenv++] = val;
        } else if (strcmp(a, "--cwd") == 0) {
            o.cwd = val;
        } else if (strcmp(a, "--timeout") == 0) {
            char *end = NULL;
            o.timeout_s = strtol(val, &end, 10);
            if (!*val || *end || o.timeout_s <= 0 || o.timeout_s > 86400)
                return hcsctl_usage_error("gcs run: --timeout \"%s\" is not 1..86400 seconds",
                                          val);
        } else {
            return hcsctl_usage_error("gcs run: unknown option \"%s\"", a);
        }
        i++;
    }
    if (!o.listen == !o.spawn)
        return hcsctl_usage_error("gcs run: give exactly one of --listen ADDR or --spawn CMD");
    if (o.ncmd <= 0)
        return hcsctl_usage_error("gcs run: missing \"-- COMMAND [ARGS...]\"");
    if (o.spawn && !o.stdio_dir)
        return hcsctl_usage_error("gcs run: --spawn needs --stdio-dir DIR for the stdio relays");
    if (!hcsctl_ctr_enabled(&ctr) && (ctr.read_only || ctr.scratch || ctr.hostname || ctr.user))
        return hcsctl_usage_error("gcs run: --read-only, --scratch, --hostname and --user are "
                                  "for containers: add --rootfs DIR or --layer DIR");
    if (ctr.read_only && ctr.scratch)
        return hcsctl_usage_error("gcs run: --read-only has no scratch: drop --scratch");

    hcs_gcs_config_init(&cfg);
    cfg.os_hint = o.os && strcmp(o.os, "windows") == 0 ? HCS_GCS_OS_WINDOWS : HCS_GCS_OS_LINUX;
    cfg.accept_timeout_ms = (int64_t)o.timeout_s * 1000;
    cfg.log = log_stderr;
    if (o.stdio_dir) {
        snprintf(stdio_addr, sizeof stdio_addr, "unix:%s", o.stdio_dir);
        cfg.stdio_address = stdio_addr;
    }

#ifndef _WIN32
    if (hcsctl_ctr_enabled(&ctr)) /* before the bridge starts threads */
        ctr_signals_start(&csig);
    if (o.tty) /* before the bridge starts threads */
        tty_prepare(&tty);
#endif
    if (o.listen) {
        hr = hcs_gcs_listen(o.listen, &cfg, &l);
        if (hr == HCS_ERR_INVALIDARG) { /* a malformed address */
            TTY_END();
            return hcsctl_usage_error("gcs run: %s", hcs_error_last()->message);
        }
        if (HCS_FAILED(hr)) {
            TTY_END();
            return bridge_fail("listen", hr);
        }
        hr = hcs_gcs_accept(l, &b);
        hcs_gcs_listener_close(l);
        if (HCS_FAILED(hr)) {
            TTY_END();
            return bridge_fail("connect", hr);
        }
    } else {
#ifdef _WIN32
        return hcsctl_usage_error("gcs run: --spawn is not supported on Windows "
                                  "(use --listen hvsock:VMID)");
#else
        int rd = -1, wr = -1;
        if (spawn_guest(o.spawn, &child, &rd, &wr) != 0) {
            TTY_END();
            perror("hcsctl: gcs run: spawn");
            return HCSCTL_EXIT_BRIDGE;
        }
        hr = hcs_gcs_connect_fds(rd, wr, 1, &cfg, &b);
        if (HCS_FAILED(hr)) {
            rc = bridge_fail("connect", hr);
            goto done;
        }
#endif
    }

    hcs_gcs_process_config_init(&pc);
    o.env[o.nenv] = NULL;
    o.cmd[o.ncmd] = NULL; /* in bounds: main only compacts argv */
    if (hcsctl_ctr_enabled(&ctr)) {
        /* COMMAND is the container's init: argv, env, cwd, user and the
         * terminal live in its OCI spec; the init start names only the
         * container and the stdio. */
        if (o.tty) {
            pc.tty = 1;
#ifndef _WIN32
            tty_begin(&tty, &pc);
#endif
        }
        hr = hcsctl_ctr_setup(&ctr, b, o.cmd, o.nenv ? o.env : NULL, o.cwd, o.tty,
                              pc.tty_height, pc.tty_width);
        if (HCS_FAILED(hr)) {
            TTY_END();
            rc = HCSCTL_EXIT_BRIDGE;
            goto done;
        }
#ifndef _WIN32
        ctr_signals_arm(&csig, b, ctr.id);
        if (ctr_signals_caught(&csig))
            goto done; /* a signal during the set-up: nothing runs */
#endif
        pc.container_id = ctr.id;
        pc.tty = o.tty;
        pc.tty_height = pc.tty_width = 0;
        pc.use_stdin = pc.use_stdout = pc.use_stderr = 1;
        goto start;
    }
    if (hcs_gcs_bridge_os(b) == HCS_GCS_OS_WINDOWS) {
        cmdline = windows_command_line(o.cmd, o.ncmd);
        pc.command_line = cmdline;
    } else {
        pc.argv = (const char *const *)o.cmd;
    }
    pc.env = o.nenv ? o.env : NULL;
    pc.cwd = o.cwd;
    pc.tty = o.tty;
    pc.use_stdin = pc.use_stdout = pc.use_stderr = 1;
    if (o.tty) {
        pc.tty_height = 24;
        pc.tty_width = 80;
#ifndef _WIN32
        tty_begin(&tty, &pc);
#endif
    }
start:
    hr = hcs_gcs_process_start(b, &pc, &p);
    if (HCS_FAILED(hr)) {
        TTY_END();
        rc = bridge_fail("start COMMAND", hr);
        goto done;
    }
#ifndef _WIN32
    if (o.tty)
        tty_follow(&tty, p, b);
#endif
#ifdef _WIN32
    hr = hcs_gcs_process_relay(p, (hcs_gcs_fd)GetStdHandle(STD_INPUT_HANDLE),
                               (hcs_gcs_fd)GetStdHandle(STD_OUTPUT_HANDLE),
                               (hcs_gcs_fd)GetStdHandle(STD_ERROR_HANDLE));
#else
    fflush(stdout);
    hr = hcs_gcs_process_relay(p, 0, 1, 2);
#endif
    if (HCS_FAILED(hr)) {
        TTY_END();
        rc = bridge_fail("relay", hr);
        goto done;
    }
    hr = hcs_gcs_process_wait(p, HCS_GCS_TIMEOUT_INFINITE, &code);
    TTY_END(); /* before anything more is printed */
    if (HCS_FAILED(hr)) {
        rc = bridge_fail("wait", hr);
        goto done;
    }
    rc = exit_status(code, hcs_gcs_bridge_os(b) != HCS_GCS_OS_WINDOWS);
    if (ctx->json)
        fprintf(stderr, "{\"exit_code\":%lu,\"pid\":%lu,\"guest_os\":\"%s\"}\n",
                (unsigned long)code, (unsigned long)hcs_gcs_process_pid(p),
                hcs_gcs_bridge_os(b) == HCS_GCS_OS_WINDOWS ? "windows" : "linux");
done:
    TTY_END();
    hcs_gcs_process_close(p);
    hcsctl_ctr_teardown(&ctr);
#ifndef _WIN32
    if (hcsctl_ctr_enabled(&ctr)) {
        int sig = ctr_signals_caught(&csig);
        ctr_signals_stop(&csig);
        if (sig) {
            fprintf(stderr, "hcsctl: gcs run: stopped by signal %d; the container was torn "
                            "down\n", sig);
            rc = 128 + sig;
        }
    }
#endif
    hcs_gcs_bridge_close(b);
    free(cmdline);
#ifndef _WIN32
    if (child > 0)
        stop_guest(child); /* it saw EOF on its bridge */
#endif
    if (rc == HCSCTL_EXIT_BRIDGE && ctx->json)
        fprintf(stderr, "{\"exit_code\":null,\"error\":true}\n");
    return rc;
}

int hcsctl_cmd_gcs(hcsctl_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || hcsctl_is_help(argv[1])) {
        hcsctl_help_gcs(argc < 2 ? stderr : stdout);
        return argc < 2 ? HCSCTL_EXIT_USAGE : HCSCTL_EXIT_OK;
    }
    if (strcmp(argv[1], "run") == 0)
        return gcs_run(ctx, argc - 1, argv + 1);
    if (strcmp(argv[1], "decode") == 0)
        return gcs_decode(ctx, argc - 1, argv + 1);
    return hcsctl_usage_error("gcs: unknown subcommand \"%s\" (run, decode)", argv[1]);
}
