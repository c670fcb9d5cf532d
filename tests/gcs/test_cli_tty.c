/* hcsctl gcs run --tty on a real terminal: hcsctl runs on a pseudo-terminal
 * (its controlling terminal, stdin and stdout) against the real guest agent
 * (hcs-gcs --stdio). Checks the console size (initial and on SIGWINCH),
 * raw mode (Ctrl-C is a byte for the guest), and that the terminal's
 * settings are restored however hcsctl ends. POSIX only.
 *
 * HCSCTL_PATH and HCS_GCS_PATH come from the build. No fixed sleeps for
 * correctness: every wait polls with a generous deadline. */
#ifndef _XOPEN_SOURCE
#  define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef HCSCTL_PATH
#  error "HCSCTL_PATH must be defined (path of hcsctl)"
#endif
#ifndef HCS_GCS_PATH
#  error "HCS_GCS_PATH must be defined (path of hcs-gcs)"
#endif

#define DEADLINE_MS 30000 /* generous: a loaded 2-core machine */

/* A guest loop that reports "ready" once its traps are set. */
#define LOOP "echo ready; while :; do sleep 0.05; done"

enum { IN_PTY, IN_NULL };
enum { OUT_PTY, OUT_PIPE };

typedef struct run {
    int master;     /* pty master, or -1 */
    int slave;      /* our own slave fd (O_NOCTTY): termios, size; or -1 */
    int out;        /* where hcsctl's output is read: master or a pipe */
    pid_t pid;
    struct termios before; /* the terminal before hcsctl started */
    int status;
    int reaped;
    char dir[64];
    char out_buf[1 << 16];
    size_t len;
} run;

/* The run of the current test, for the teardown after a failure. */
static run *g_active;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_size(run *r, unsigned short rows, unsigned short cols)
{
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = rows;
    ws.ws_col = cols;
    assert_int_equal(ioctl(r->slave, TIOCSWINSZ, &ws), 0);
}

static void get_tio(run *r, struct termios *t)
{
    assert_int_equal(tcgetattr(r->slave, t), 0);
}

static int tio_equal(const struct termios *a, const struct termios *b)
{
    return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
           a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
           memcmp(a->c_cc, b->c_cc, sizeof a->c_cc) == 0;
}

static void open_pty(run *r)
{
    char *name;
    r->master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(r->master >= 0);
    assert_int_equal(grantpt(r->master), 0);
    assert_int_equal(unlockpt(r->master), 0);
    name = ptsname(r->master);
    assert_non_null(name);
    r->slave = open(name, O_RDWR | O_NOCTTY);
    assert_true(r->slave >= 0);
    (void)fcntl(r->master, F_SETFD, FD_CLOEXEC);
    (void)fcntl(r->slave, F_SETFD, FD_CLOEXEC);
}

/* Closes *fd if open; it is -1 afterwards. */
static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Starts hcsctl gcs run --tty ... -- /bin/sh -c SCRIPT in a session of its
 * own, on a new pty of rows x cols (its controlling terminal); stdin and
 * stdout as asked, stderr with stdout. */
static void start(run *r, int in, int out, unsigned short rows, unsigned short cols,
                  const char *script)
{
    char spawn[512], name[256];
    int pfd[2] = {-1, -1};
    memset(r, 0, sizeof *r);
    r->master = r->slave = r->out = -1;
    snprintf(r->dir, sizeof r->dir, "/tmp/hcs-tty-XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    g_active = r;
    snprintf(spawn, sizeof spawn, "%s --stdio --stdio-dir %s --log-level error", HCS_GCS_PATH,
             r->dir);
    open_pty(r);
    set_size(r, rows, cols);
    get_tio(r, &r->before);
    snprintf(name, sizeof name, "%s", ptsname(r->master));
    if (out == OUT_PIPE) {
        assert_int_equal(pipe(pfd), 0);
        (void)fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
        r->out = pfd[0];
    } else {
        r->out = r->master;
    }
    fflush(NULL);
    r->pid = fork();
    assert_true(r->pid >= 0);
    if (r->pid == 0) {
        int s, nul;
        size_t i;
        sigset_t none;
        /* hcsctl starts with default signal actions, whatever ours are
         * (a shell runs background jobs with SIGINT/SIGQUIT ignored) */
        static const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGWINCH};
        for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            (void)signal(sigs[i], SIG_DFL);
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
        (void)setsid();
        s = open(name, O_RDWR); /* the session's controlling terminal */
        if (s < 0)
            _exit(120);
        (void)ioctl(s, TIOCSCTTY, 0);
        nul = open("/dev/null", O_RDWR);
        dup2(in == IN_PTY ? s : nul, 0);
        dup2(out == OUT_PTY ? s : pfd[1], 1);
        dup2(out == OUT_PTY ? s : pfd[1], 2);
        execl(HCSCTL_PATH, "hcsctl", "gcs", "run", "--tty", "--spawn", spawn, "--stdio-dir",
              r->dir, "--env", "PATH=/usr/bin:/bin", "--", "/bin/sh", "-c", script,
              (char *)NULL);
        _exit(121);
    }
    close_fd(&pfd[1]);
}

/* Reads what is there (waiting up to ms for something); 0 at EOF/EIO. */
static int pump(run *r, int ms)
{
    struct pollfd pf;
    ssize_t n;
    pf.fd = r->out;
    pf.events = POLLIN;
    pf.revents = 0;
    if (poll(&pf, 1, ms) <= 0)
        return 1;
    if (r->len + 1 >= sizeof r->out_buf)
        r->len = 0; /* never expected: keep the tail */
    n = read(r->out, r->out_buf + r->len, sizeof r->out_buf - 1 - r->len);
    if (n <= 0)
        return n < 0 && (errno == EINTR || errno == EAGAIN);
    r->len += (size_t)n;
    r->out_buf[r->len] = 0;
    return 1;
}

static void dump(run *r, const char *why)
{
    fprintf(stderr, "%s; hcsctl output so far (%zu bytes):\n%s\n", why, r->len, r->out_buf);
}

/* Kills what is left of hcsctl and fails. */
static void give_up(run *r, const char *why)
{
    dump(r, why);
    if (!r->reaped) {
        (void)kill(-r->pid, SIGKILL);
        (void)kill(r->pid, SIGKILL);
        (void)waitpid(r->pid, &r->status, 0);
        r->reaped = 1;
    }
    fail_msg("%s", why);
}

static void wait_output(run *r, const char *needle)
{
    long long end = now_ms() + DEADLINE_MS;
    char why[256];
    while (!strstr(r->out_buf, needle)) {
        int st;
        if (now_ms() > end) {
            snprintf(why, sizeof why, "no \"%s\" from the guest within %d ms", needle,
                     DEADLINE_MS);
            give_up(r, why);
        }
        if (!pump(r, 50)) {
            snprintf(why, sizeof why, "output ended without \"%s\"", needle);
            give_up(r, why);
        }
        if (!r->reaped && waitpid(r->pid, &st, WNOHANG) == r->pid) {
            r->reaped = 1;
            r->status = st;
            while (pump(r, 200) && !strstr(r->out_buf, needle))
                ;
            if (!strstr(r->out_buf, needle)) {
                snprintf(why, sizeof why, "hcsctl exited (status 0x%x) without \"%s\"", st,
                         needle);
                give_up(r, why);
            }
        }
    }
}

/* Waits for hcsctl to end; drains its output. */
static void finish(run *r)
{
    long long end = now_ms() + DEADLINE_MS;
    while (!r->reaped) {
        int st;
        pid_t w = waitpid(r->pid, &st, WNOHANG | WUNTRACED);
        if (w == r->pid && WIFSTOPPED(st))
            continue; /* callers that stop it wait with WUNTRACED themselves */
        if (w == r->pid) {
            r->reaped = 1;
            r->status = st;
            break;
        }
        if (now_ms() > end)
            give_up(r, "hcsctl did not exit");
        (void)pump(r, 50);
    }
    while (pump(r, 100) && r->len < sizeof r->out_buf - 1) {
        struct pollfd pf;
        pf.fd = r->out;
        pf.events = POLLIN;
        pf.revents = 0;
        if (poll(&pf, 1, 0) <= 0)
            break; /* nothing more right now: hcsctl is gone, so is its output */
    }
}

static void cleanup(run *r)
{
    DIR *d;
    if (!r->reaped && r->pid > 0) {
        (void)kill(-r->pid, SIGKILL);
        (void)kill(r->pid, SIGKILL);
        (void)waitpid(r->pid, &r->status, 0);
        r->reaped = 1;
    }
    d = opendir(r->dir);
    if (d) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", r->dir, e->d_name);
            (void)unlink(path);
        }
        closedir(d);
        (void)rmdir(r->dir);
    }
    if (r->out == r->master)
        r->out = -1; /* the terminal itself, closed as the master */
    close_fd(&r->out);
    close_fd(&r->slave);
    close_fd(&r->master);
    r->dir[0] = 0;
    g_active = NULL;
}

static int teardown(void **state)
{
    (void)state;
    if (g_active)
        cleanup(g_active);
    return 0;
}

static void expect_exit(run *r, int code)
{
    if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != code) {
        char why[128];
        snprintf(why, sizeof why, "hcsctl: status 0x%x, expected exit %d", r->status, code);
        dump(r, why);
        fail_msg("%s", why);
    }
}

static void expect_output(run *r, const char *needle)
{
    if (!strstr(r->out_buf, needle)) {
        dump(r, needle);
        fail_msg("no \"%s\" in hcsctl's output", needle);
    }
}

/* The terminal hcsctl runs on is raw (and says so within the deadline:
 * it is set before the command starts, so by "ready" it is). */
static void expect_raw(run *r)
{
    struct termios t;
    get_tio(r, &t);
    assert_int_equal(t.c_lflag & (ICANON | ECHO | ISIG), 0);
}

static void expect_restored(run *r, const struct termios *before)
{
    struct termios after;
    get_tio(r, &after);
    if (!tio_equal(before, &after))
        fail_msg("terminal not restored: lflag 0x%lx -> 0x%lx, iflag 0x%lx -> 0x%lx, "
                 "oflag 0x%lx -> 0x%lx",
                 (unsigned long)before->c_lflag, (unsigned long)after.c_lflag,
                 (unsigned long)before->c_iflag, (unsigned long)after.c_iflag,
                 (unsigned long)before->c_oflag, (unsigned long)after.c_oflag);
    assert_int_equal(after.c_lflag & (ICANON | ECHO | ISIG), ICANON | ECHO | ISIG);
}

/* Ctrl-C to the guest's process, whose trap exits 7: hcsctl exits 7,
 * the terminal restored. */
static void interrupt_exits_7(run *r)
{
    assert_int_equal(write(r->master, "\003", 1), 1);
    finish(r);
    expect_exit(r, 7);
    expect_restored(r, &r->before);
}

/* Runs script on a 24x80 terminal and waits until it is ready, in raw
 * mode. */
static void start_raw(run *r, const char *script)
{
    start(r, IN_PTY, OUT_PTY, 24, 80, script);
    wait_output(r, "ready");
    expect_raw(r);
}

/* "stty size" in the guest's console, hcsctl's stdin and stdout as given
 * (a terminal of rows x cols where they are one): prints want; a terminal
 * on stdout is restored afterwards. */
static void stty_size(int in, int out, int rows, int cols, const char *want)
{
    static run r; /* static: the teardown may need it after a failure */
    start(&r, in, out, rows, cols, "stty size");
    finish(&r);
    expect_exit(&r, 0);
    expect_output(&r, want);
    if (out == OUT_PTY)
        expect_restored(&r, &r.before);
    cleanup(&r);
}

/* (a) The console starts with the terminal's size; the terminal is back
 * as it was afterwards. */
static void test_initial_size(void **state)
{
    (void)state;
    stty_size(IN_PTY, OUT_PTY, 37, 123, "37 123");
}

/* (b) A resize of the terminal (SIGWINCH) reaches the guest's console. */
static void test_resize(void **state)
{
    static run r; /* static: the teardown may need it after a failure */
    (void)state;
    start(&r, IN_PTY, OUT_PTY, 30, 100,
          "stty size; trap 'stty size' WINCH; trap 'exit 7' INT; " LOOP);
    wait_output(&r, "ready");
    expect_output(&r, "30 100");
    set_size(&r, 51, 133); /* the kernel signals the foreground group too */
    (void)kill(r.pid, SIGWINCH);
    wait_output(&r, "51 133");
    /* and again: the watch keeps going */
    set_size(&r, 22, 77);
    (void)kill(r.pid, SIGWINCH);
    wait_output(&r, "22 77");
    interrupt_exits_7(&r);
    cleanup(&r);
}

/* (c) Raw mode: Ctrl-C is a byte that interrupts the guest's process,
 * not hcsctl; the exit code is the guest's. */
static void test_ctrl_c(void **state)
{
    static run r; /* static: the teardown may need it after a failure */
    (void)state;
    start_raw(&r, "trap 'echo got-int; exit 7' INT; " LOOP);
    interrupt_exits_7(&r);
    expect_output(&r, "got-int");
    cleanup(&r);
}

/* (d) Killed by SIGTERM, SIGHUP or SIGINT mid-run: hcsctl dies of that
 * signal, with the terminal restored. */
static void killed_by(int sig)
{
    static run r; /* static: the teardown may need it after a failure */
    start_raw(&r, LOOP);
    assert_int_equal(kill(r.pid, sig), 0);
    finish(&r);
    if (!WIFSIGNALED(r.status) || WTERMSIG(r.status) != sig) {
        dump(&r, "status");
        fail_msg("hcsctl: status 0x%x, expected death by signal %d", r.status, sig);
    }
    expect_restored(&r, &r.before);
    cleanup(&r);
}

static void test_sigterm_restores(void **state)
{
    (void)state;
    killed_by(SIGTERM);
}

static void test_sighup_restores(void **state)
{
    (void)state;
    killed_by(SIGHUP);
}

static void test_sigint_restores(void **state)
{
    (void)state;
    killed_by(SIGINT);
}

/* SIGTSTP (kill, not the keyboard): stopped with the terminal restored,
 * raw again once continued. */
static void test_sigtstp(void **state)
{
    static run r; /* static: the teardown may need it after a failure */
    int st = 0;
    long long end;
    struct termios t;
    (void)state;
    start_raw(&r, "trap 'exit 7' INT; " LOOP);
    assert_int_equal(kill(r.pid, SIGTSTP), 0);
    end = now_ms() + DEADLINE_MS;
    for (;;) {
        pid_t w = waitpid(r.pid, &st, WNOHANG | WUNTRACED);
        if (w == r.pid)
            break;
        if (now_ms() > end)
            give_up(&r, "hcsctl did not stop");
        (void)pump(&r, 20);
    }
    if (!WIFSTOPPED(st)) {
        r.reaped = 1;
        r.status = st;
        give_up(&r, "hcsctl ended instead of stopping");
    }
    expect_restored(&r, &r.before);
    assert_int_equal(kill(r.pid, SIGCONT), 0);
    end = now_ms() + DEADLINE_MS;
    for (;;) {
        get_tio(&r, &t);
        if ((t.c_lflag & (ICANON | ECHO | ISIG)) == 0)
            break;
        if (now_ms() > end)
            give_up(&r, "the terminal is not raw again after SIGCONT");
        (void)pump(&r, 20);
    }
    interrupt_exits_7(&r);
    cleanup(&r);
}

/* --tty with stdin not a terminal: no raw mode, the size from stdout. */
static void test_stdin_not_a_terminal(void **state)
{
    (void)state;
    stty_size(IN_NULL, OUT_PTY, 41, 99, "41 99");
}

/* --tty with no terminal at all: the default 80x24 console. */
static void test_no_terminal(void **state)
{
    (void)state;
    stty_size(IN_NULL, OUT_PIPE, 41, 99, "24 80");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_initial_size, teardown),
        cmocka_unit_test_teardown(test_resize, teardown),
        cmocka_unit_test_teardown(test_ctrl_c, teardown),
        cmocka_unit_test_teardown(test_sigterm_restores, teardown),
        cmocka_unit_test_teardown(test_sighup_restores, teardown),
        cmocka_unit_test_teardown(test_sigint_restores, teardown),
        cmocka_unit_test_teardown(test_sigtstp, teardown),
        cmocka_unit_test_teardown(test_stdin_not_a_terminal, teardown),
        cmocka_unit_test_teardown(test_no_terminal, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
