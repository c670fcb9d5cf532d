/*
 * hcs-gcs runtime: the OCI runtime CLI driver. Every command runs as
 * `RUNTIME --root ROOT --log LOG --log-format json CMD ...` (runc's and
 * crun's common options), spawned by the process manager so that the
 * reaper, which collects every child of the agent, knows its pid. A
 * failing command's message is the runtime's own: the last error in its
 * JSON log, else what it printed on stderr.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/runtime.h"

#define MAX_ARGS 32
#define MAX_CAPTURE (4u * 1024u * 1024u)
#define MAX_STDERR 4096u

/* The last "error"-level message of a JSON log (runc/crun --log-format
 * json), or "". */
static void last_log_error(const char *log, char *out, size_t n)
{
    FILE *f = log ? fopen(log, "re") : NULL;
    char line[4096];
    out[0] = '\0';
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        hcsi_json *j = NULL;
        const char *lvl = NULL, *msg = NULL;
        if (HCS_FAILED(hcsi_json_parse(line, strlen(line), "log", &j))) {
            hcs_error_clear();
            continue;
        }
        hcsi_json_get_str(j, NULL, "level", &lvl, NULL);
        hcsi_json_get_str(j, NULL, "msg", &msg, NULL);
        if (lvl && msg && (strcmp(lvl, "error") == 0 || strcmp(lvl, "fatal") == 0))
            snprintf(out, n, "%s", msg);
        hcsi_json_put(j);
    }
    fclose(f);
}

static void trim(char *s)
{
    size_t l = strlen(s);
    while (l && (s[l - 1] == '\n' || s[l - 1] == ' ' || s[l - 1] == '\r'))
        s[--l] = '\0';
}

int hcsg_oci_run(hcsg_oci *o, const char *const *args, const int fds[3], const char *log,
                 char **out, hcsg_err *e)
{
    const char *argv[MAX_ARGS + 8];
    char *envp[2] = {NULL, NULL};
    hcsg_spawn s;
    int op[2] = {-1, -1}, ep[2] = {-1, -1};
    size_t na = 0, i;
    hcsi_buf ob, eb;
    pid_t pid = 0;
    int status = 0, rc = -1;
    char msg[1024], path_env[300];
    hcsi_buf_init(&ob, MAX_CAPTURE);
    hcsi_buf_init(&eb, MAX_STDERR);
    if (out)
        *out = NULL;
    argv[na++] = o->path;
    argv[na++] = "--root";
    argv[na++] = o->root;
    if (log) {
        argv[na++] = "--log";
        argv[na++] = log;
        argv[na++] = "--log-format";
        argv[na++] = "json";
    }
    for (i = 0; args[i] && i < MAX_ARGS; i++)
        argv[na++] = args[i];
    argv[na] = NULL;
    /* The runtime needs a PATH for its own helpers. */
    snprintf(path_env, sizeof path_env, "PATH=%s",
             getenv("PATH") ? getenv("PATH") : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    envp[0] = path_env;
    memset(&s, 0, sizeof s);
    s.path = o->path;
    s.argv = (char **)argv;
    s.envp = envp;
    s.argv0 = args[0];
    s.in_sock = s.out_sock = s.err_sock = -1;
    s.fds[0] = fds ? fds[0] : -1;
    s.fds[1] = fds ? fds[1] : -1;
    s.fds[2] = fds ? fds[2] : -1;
    /* With fds (create, exec) the runtime's stdio is the process's: what
     * is not given is /dev/null, never a capture pipe the process would
     * inherit and hold open. Its errors are in the log then. */
    if (out && !fds) {
        if (pipe2(op, O_CLOEXEC) != 0)
            goto sys;
        s.fds[1] = op[1];
    }
    if (!fds) {
        if (pipe2(ep, O_CLOEXEC) != 0)
            goto sys;
        s.fds[2] = ep[1];
    }
    if (hcsg_proc_spawn_helper(o->procs, &s, &pid, e) != 0) {
        hcsg_err_prefix(e, "OCI runtime %s", args[0]);
        goto done;
    }
    if (op[1] >= 0) {
        close(op[1]);
        op[1] = -1;
    }
    if (ep[1] >= 0) {
        close(ep[1]);
        ep[1] = -1;
    }
    /* Read its stdout/stderr to EOF (bounded), then collect it. */
    while (op[0] >= 0 || ep[0] >= 0) {
        struct pollfd f[2];
        int nf = 0, r;
        char buf[4096];
        if (op[0] >= 0) {
            f[nf].fd = op[0];
            f[nf++].events = POLLIN;
        }
        if (ep[0] >= 0) {
            f[nf].fd = ep[0];
            f[nf++].events = POLLIN;
        }
        r = poll(f, (nfds_t)nf, (int)o->timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* timed out: the wait below kills it */
        for (i = 0; i < (size_t)nf; i++) {
            ssize_t got;
            int *fdp = f[i].fd == op[0] ? &op[0] : &ep[0];
            hcsi_buf *b = fdp == &op[0] ? &ob : &eb;
            if (!f[i].revents)
                continue;
            got = read(*fdp, buf, sizeof buf);
            if (got > 0) {
                size_t room = (fdp == &op[0] ? MAX_CAPTURE : MAX_STDERR) - b->len;
                if ((size_t)got > room)
                    got = (ssize_t)room;
                if (got > 0)
                    hcsi_buf_append(b, buf, (size_t)got);
                continue;
            }
            if (got < 0 && errno == EINTR)
                continue;
            close(*fdp);
            *fdp = -1;
        }
    }
    if (hcsg_proc_wait_helper(o->procs, pid, o->timeout_ms, &status, e) != 0) {
        hcsg_err_prefix(e, "OCI runtime %s", args[0]);
        goto done;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        last_log_error(log, msg, sizeof msg);
        if (!msg[0] && eb.len) {
            snprintf(msg, sizeof msg, "%.*s", (int)eb.len, eb.data);
            trim(msg);
        }
        if (WIFEXITED(status))
            hcsg_err_plain(e, "%s %s: exit status %d: %s", o->path, args[0],
                           WEXITSTATUS(status), msg[0] ? msg : "(no message)");
        else
            hcsg_err_plain(e, "%s %s: killed by signal %d", o->path, args[0], WTERMSIG(status));
        goto done;
    }
    if (out) {
        *out = hcsi_buf_steal(&ob, NULL);
        if (!*out) {
            hcsg_err_plain(e, "out of memory");
            goto done;
        }
    }
    rc = 0;
    goto done;
sys:
    hcsg_err_plain(e, "OCI runtime %s: pipe: %s", args[0], strerror(errno));
done:
    for (i = 0; i < 2; i++) {
        if (op[i] >= 0)
            close(op[i]);
        if (ep[i] >= 0)
            close(ep[i]);
    }
    hcsi_buf_free(&ob);
    hcsi_buf_free(&eb);
    return rc;
}

int hcsg_console_listen(const char *dir, unsigned seq, char *path, size_t n, hcsg_err *e)
{
    struct sockaddr_un sa;
    int fd;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if ((size_t)snprintf(path, n, "%s/console-%ld-%u.sock", dir, (long)getpid(), seq) >= n ||
        strlen(path) >= sizeof sa.sun_path) {
        hcsg_err_plain(e, "console socket path under %s is too long", dir);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    (void)unlink(path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0) {
        hcsg_err_plain(e, "console socket %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        (void)unlink(path);
        return -1;
    }
    return fd;
}

int hcsg_console_receive(int lfd, uint32_t timeout_ms, hcsg_err *e)
{
    struct pollfd pf;
    int c, master = -1;
    struct msghdr mh;
    struct iovec iov;
    char byte[256];
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    hcsg_pollfd(&pf, lfd, POLLIN);
    if (poll(&pf, 1, (int)timeout_ms) <= 0) {
        hcsg_err_plain(e, "the OCI runtime sent no console within %lu ms",
                       (unsigned long)timeout_ms);
        return -1;
    }
    c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
        hcsg_err_plain(e, "console socket accept: %s", strerror(errno));
        return -1;
    }
    /* Connected is not sent: a runtime that connects and stays silent is
     * bounded by the same timeout. */
    hcsg_pollfd(&pf, c, POLLIN);
    if (poll(&pf, 1, (int)timeout_ms) <= 0) {
        close(c);
        hcsg_err_plain(e, "the OCI runtime connected to the console socket but sent no "
                          "console within %lu ms",
                       (unsigned long)timeout_ms);
        return -1;
    }
    memset(&mh, 0, sizeof mh);
    iov.iov_base = byte;
    iov.iov_len = sizeof byte;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof u.buf;
    if (recvmsg(c, &mh, MSG_CMSG_CLOEXEC) > 0) {
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
            memcpy(&master, CMSG_DATA(cm), sizeof master);
    }
    close(c);
    if (master < 0) {
        hcsg_err_plain(e, "the OCI runtime's console message carried no file descriptor");
    } else {
        /* Only a pty master is a console. */
        unsigned int n;
        if (ioctl(master, TIOCGPTN, &n) != 0) {
            close(master);
            master = -1;
            hcsg_err_plain(e, "the OCI runtime's console message carried a descriptor that "
                              "is not a pty master");
        }
    }
    return master;
}
