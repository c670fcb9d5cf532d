/* The scripted GCS host used by the hcs-gcs tests (see ghost.h). */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ghost.h"

uint64_t gh_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Alive = exists and is not a zombie (an orphan's zombie lingers until
 * whatever init this machine has reaps it). */
int gh_pid_alive(pid_t pid)
{
    char path[64], buf[512];
    char *rp;
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    if (gh_read_file(path, buf, sizeof buf) < 0)
        return 0;
    rp = strrchr(buf, ')');
    return !(rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X'));
}

long gh_read_file(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    size_t len;
    if (!f)
        return -1;
    len = fread(buf, 1, n - 1, f);
    fclose(f);
    buf[len] = '\0';
    return (long)len;
}

void gh_rmtree(const char *dir)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

const char *gh_agent_path(void)
{
    const char *env = getenv("HCS_GCS_AGENT");
    if (env && *env)
        return env;
#ifdef HCS_GCS_AGENT_PATH
    return HCS_GCS_AGENT_PATH;
#else
    return "hcs-gcs";
#endif
}

/* Closes *fd if open and marks it closed. */
static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int unix_listen(const char *path)
{
    struct sockaddr_un a;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    unlink(path);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 64), 0);
    return fd;
}

int gh_accept(int listener, int timeout_ms)
{
    struct pollfd p;
    int rc;
    p.fd = listener;
    p.events = POLLIN;
    do {
        rc = poll(&p, 1, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    if (rc <= 0)
        return -1;
    return accept4(listener, NULL, NULL, SOCK_CLOEXEC);
}

int gh_listen(ghost *h, uint32_t port)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%lu", h->dir, (unsigned long)port);
    return unix_listen(path);
}

const char *const gh_vm_prefix[] = {
    "unshare", "-m", "--propagation", "private", "sh", "-c",
    "mount -t tmpfs -o mode=0755 tmpfs /run && exec \"$@\"",
    "hcsg-ns", NULL};

void gh_start(ghost *h, int stdio, const char *const *extra)
{
    gh_start_ex(h, stdio, extra, NULL, NULL);
}

void gh_start_ex(ghost *h, int stdio, const char *const *extra, const char *const *prefix,
                 const char *dir_template)
{
    char path[128], addr[128];
    const char *argv[48];
    const char *level = getenv("HCS_GCS_TEST_LOG");
    int n = 0, sv[2] = {-1, -1};
    memset(h, 0, sizeof *h);
    h->listener = h->br = -1;
    h->next_port = 0x40000001u;
    snprintf(h->dir, sizeof h->dir, "%s", dir_template ? dir_template : "/tmp/hcsg-test-XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    signal(SIGPIPE, SIG_IGN);
    while (prefix && *prefix && n < 16)
        argv[n++] = *prefix++;
    argv[n++] = gh_agent_path();
    if (stdio) {
        argv[n++] = "--stdio";
        argv[n++] = "--stdio-dir";
        argv[n++] = h->dir;
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    } else {
        snprintf(path, sizeof path, "%s/1073741824", h->dir);
        h->listener = unix_listen(path);
        snprintf(addr, sizeof addr, "unix:%s", h->dir);
        argv[n++] = "--connect";
        argv[n++] = addr;
    }
    argv[n++] = "--log-level";
    argv[n++] = level && *level ? level : "warn";
    while (extra && *extra && n < 46)
        argv[n++] = *extra++;
    argv[n] = NULL;
    h->agent = fork();
    assert_true(h->agent >= 0);
    if (h->agent == 0) {
        if (stdio) {
            dup2(sv[1], 0);
            dup2(sv[1], 1);
        }
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (stdio) {
        close(sv[1]);
        h->br = sv[0];
    } else {
        h->br = gh_accept(h->listener, 10000);
        assert_true(h->br >= 0);
    }
}

int gh_stop(ghost *h, int timeout_ms)
{
    int status = -1;
    uint64_t end = gh_now_ms() + (uint64_t)timeout_ms;
    close_fd(&h->br);
    if (h->agent > 0) {
        for (;;) {
            pid_t r = waitpid(h->agent, &status, WNOHANG);
            if (r == h->agent)
                break;
            if (gh_now_ms() >= end) {
                kill(h->agent, SIGKILL);
                waitpid(h->agent, &status, 0);
                status = -1;
                break;
            }
            usleep(5000);
        }
        h->agent = 0;
    }
    return status;
}

int gh_stop_exited(ghost *h, int timeout_ms)
{
    int st = gh_stop(h, timeout_ms);
    if (!WIFEXITED(st))
        fail_msg("the agent did not exit by itself (wait status %d)", st);
    return WEXITSTATUS(st);
}

int gh_reap(ghost *h, int timeout_ms)
{
    uint64_t end = gh_now_ms() + (uint64_t)timeout_ms;
    int st = 0;
    pid_t r;
    while ((r = waitpid(h->agent, &st, WNOHANG)) == 0 && gh_now_ms() < end)
        usleep(10000);
    if (r != h->agent)
        fail_msg("the agent did not end within %d ms", timeout_ms);
    h->agent = 0;
    return st;
}

void gh_up(ghost *h, const char *const *extra)
{
    gh_start(h, 0, extra);
    gh_negotiate(h);
}

void gh_finish(ghost *h)
{
    assert_int_equal(gh_stop_exited(h, 10000), 0);
    gh_cleanup(h);
}

int gh_setup(void **state)
{
    ghost *h = (ghost *)calloc(1, sizeof *h);
    assert_non_null(h);
    gh_up(h, (const char *const *)*state);
    *state = h;
    return 0;
}

int gh_teardown(void **state)
{
    ghost *h = (ghost *)*state;
    if (h->agent > 0)
        gh_finish(h);
    else
        gh_cleanup(h);
    free(h);
    return 0;
}

void gh_cleanup(ghost *h)
{
    DIR *d;
    size_t i;
    close_fd(&h->br);
    close_fd(&h->listener);
    if (h->agent > 0) {
        kill(h->agent, SIGKILL);
        waitpid(h->agent, NULL, 0);
        h->agent = 0;
    }
    for (i = 0; i < h->nq; i++)
        free(h->q[i].body);
    free(h->q);
    h->q = NULL;
    h->nq = h->capq = 0;
    free(h->rbuf);
    h->rbuf = NULL;
    d = opendir(h->dir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(p, sizeof p, "%s/%s", h->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
        rmdir(h->dir);
    }
}

void gh_send_typed(ghost *h, uint32_t type, uint64_t id, const char *body, size_t len)
{
    unsigned char hdr[16];
    uint32_t size = (uint32_t)(len + 16);
    int i;
    for (i = 0; i < 4; i++) {
        hdr[i] = (unsigned char)(type >> (8 * i));
        hdr[4 + i] = (unsigned char)(size >> (8 * i));
    }
    for (i = 0; i < 8; i++)
        hdr[8 + i] = (unsigned char)(id >> (8 * i));
    gh_send_bytes(h, hdr, 16);
    if (len)
        gh_send_bytes(h, body, len);
}

int gh_send_bytes_lenient(ghost *h, const void *p, size_t n)
{
    const char *c = (const char *)p;
    while (n > 0) {
        ssize_t w = send(h->br, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
            return -1;
        assert_true(w > 0);
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

void gh_send_bytes(ghost *h, const void *p, size_t n)
{
    assert_int_equal(gh_send_bytes_lenient(h, p, n), 0); /* a closed peer fails the test */
}

uint64_t gh_send(ghost *h, uint32_t rpc, const char *body)
{
    uint64_t id = h->next_id++;
    size_t n = strlen(body);
    char *b = (char *)malloc(n + 2);
    assert_non_null(b);
    memcpy(b, body, n);
    b[n] = '\n';
    gh_send_typed(h, 0x10000000u | rpc, id, b, n + 1);
    free(b);
    return id;
}

void gh_frame_free(gh_frame *f)
{
    free(f->body);
    f->body = NULL;
}

/* Reads one frame (blocking up to timeout). 0 ok, -1 timeout/EOF. */
static int read_frame(ghost *h, int timeout_ms, gh_frame *f)
{
    uint64_t end = gh_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        if (h->rlen >= 16) {
            uint32_t size = (uint32_t)h->rbuf[4] | (uint32_t)h->rbuf[5] << 8 |
                            (uint32_t)h->rbuf[6] << 16 | (uint32_t)h->rbuf[7] << 24;
            assert_true(size >= 16);
            assert_true(size <= 16u * 1024u * 1024u);
            if (h->rlen >= size) {
                int i;
                f->type = (uint32_t)h->rbuf[0] | (uint32_t)h->rbuf[1] << 8 |
                          (uint32_t)h->rbuf[2] << 16 | (uint32_t)h->rbuf[3] << 24;
                f->id = 0;
                for (i = 7; i >= 0; i--)
                    f->id = (f->id << 8) | h->rbuf[8 + i];
                f->len = size - 16;
                f->body = (char *)malloc(f->len + 1);
                assert_non_null(f->body);
                memcpy(f->body, h->rbuf + 16, f->len);
                f->body[f->len] = '\0';
                memmove(h->rbuf, h->rbuf + size, h->rlen - size);
                h->rlen -= size;
                return 0;
            }
        }
        {
            struct pollfd p;
            int64_t left = (int64_t)(end - gh_now_ms());
            ssize_t r;
            if (left <= 0 || (int64_t)end < (int64_t)gh_now_ms())
                return -1;
            p.fd = h->br;
            p.events = POLLIN;
            if (poll(&p, 1, (int)left) <= 0)
                continue;
            if (h->rcap - h->rlen < 65536) {
                h->rcap = h->rcap ? h->rcap * 2 : 131072;
                h->rbuf = (unsigned char *)realloc(h->rbuf, h->rcap);
                assert_non_null(h->rbuf);
            }
            r = read(h->br, h->rbuf + h->rlen, h->rcap - h->rlen);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return -1;
            h->rlen += (size_t)r;
        }
    }
}

static int recv_kind(ghost *h, uint64_t id, int timeout_ms, gh_frame *out, uint32_t kind);

int gh_recv(ghost *h, uint64_t id, int timeout_ms, gh_frame *out)
{
    return recv_kind(h, id, timeout_ms, out, 2);
}

int gh_recv_notification(ghost *h, int timeout_ms, gh_frame *out)
{
    return recv_kind(h, 0, timeout_ms, out, 3);
}

static int recv_kind(ghost *h, uint64_t id, int timeout_ms, gh_frame *out, uint32_t kind)
{
    size_t i;
    uint64_t end = gh_now_ms() + (uint64_t)timeout_ms;
    for (i = 0; i < h->nq; i++) {
        if (h->q[i].id == id && (h->q[i].type >> 28) == kind) {
            *out = h->q[i];
            memmove(&h->q[i], &h->q[i + 1], (h->nq - i - 1) * sizeof *h->q);
            h->nq--;
            return 0;
        }
    }
    for (;;) {
        gh_frame f;
        uint64_t now = gh_now_ms();
        if (now >= end || read_frame(h, (int)(end - now), &f) != 0)
            return -1;
        if (f.id == id && (f.type >> 28) == kind) {
            *out = f;
            return 0;
        }
        if (h->nq == h->capq) {
            h->capq = h->capq ? h->capq * 2 : 16;
            h->q = (gh_frame *)realloc(h->q, h->capq * sizeof *h->q);
            assert_non_null(h->q);
        }
        h->q[h->nq++] = f;
    }
}

void gh_expect_body(ghost *h, uint64_t id, int timeout_ms, const char *want)
{
    gh_frame f;
    if (gh_recv(h, id, timeout_ms, &f) != 0)
        fail_msg("no answer to id %llu within %d ms", (unsigned long long)id, timeout_ms);
    assert_string_equal(f.body, want);
    gh_frame_free(&f);
}

hcsi_json *gh_call(ghost *h, uint32_t rpc, const char *body, int timeout_ms)
{
    gh_frame f;
    hcsi_json *v = NULL;
    uint64_t id = gh_send(h, rpc, body);
    if (gh_recv(h, id, timeout_ms, &f) != 0)
        fail_msg("no response to rpc 0x%08x id %llu within %d ms", rpc,
                 (unsigned long long)id, timeout_ms);
    assert_int_equal(f.type, 0x20000000u | rpc);
    if (HCS_FAILED(hcsi_json_parse(f.body, f.len, "response", &v)))
        fail_msg("bad response JSON: %s", f.body);
    gh_frame_free(&f);
    return v;
}

int32_t gh_result(const hcsi_json *resp)
{
    int32_t r = 0;
    assert_int_equal(hcsi_json_get_i32(resp, "resp", "Result", &r), 1);
    return r;
}

const char *gh_error_message(const hcsi_json *resp)
{
    const char *m = "";
    assert_int_equal(hcsi_json_get_str(resp, "resp", "ErrorMessage", &m, NULL), 1);
    return m;
}

void gh_negotiate(ghost *h)
{
    hcsi_json *r = gh_call(h, GH_NEGOTIATE,
                           "{\"ContainerId\":\"\",\"ActivityId\":\"" GH_ZERO
                           "\",\"MinimumVersion\":4,\"MaximumVersion\":4}",
                           10000);
    uint32_t v = 0;
    assert_int_equal(gh_result(r), 0);
    assert_int_equal(hcsi_json_get_u32(r, "resp", "Version", &v), 1);
    assert_int_equal(v, 4);
    hcsi_json_put(r);
}

char *gh_quote(const char *s)
{
    hcsi_buf b;
    hcsi_buf_init(&b, 0);
    assert_int_equal(hcsi_json_write_string(&b, s, strlen(s), 0), 0);
    return hcsi_buf_steal(&b, NULL);
}

int gh_exec(ghost *h, const char *params_extra, int pipes, gh_proc *p)
{
    return gh_exec_in(h, GH_ZERO, params_extra, pipes, p);
}

int gh_exec_in(ghost *h, const char *cid, const char *params_extra, int pipes, gh_proc *p)
{
    char params[8192], relay[256], *q, *body;
    int lis[3] = {-1, -1, -1};
    uint32_t port[3] = {0, 0, 0};
    static const char *const keys[3] = {"StdIn", "StdOut", "StdErr"};
    static const char *const flags[3] = {"CreateStdInPipe", "CreateStdOutPipe",
                                         "CreateStdErrPipe"};
    size_t off;
    int i;
    gh_frame f;
    hcsi_json *resp = NULL;
    uint64_t id;
    memset(p, 0, sizeof *p);
    p->in = p->out = p->err = -1;
    off = (size_t)snprintf(params, sizeof params, "{%s", params_extra);
    for (i = 0; i < 3; i++)
        if (pipes & (1 << i))
            off += (size_t)snprintf(params + off, sizeof params - off, ",\"%s\":true",
                                    flags[i]);
    snprintf(params + off, sizeof params - off, "}");
    off = (size_t)snprintf(relay, sizeof relay, "{");
    for (i = 0; i < 3; i++) {
        if (!(pipes & (1 << i)))
            continue;
        port[i] = h->next_port++;
        lis[i] = gh_listen(h, port[i]);
        off += (size_t)snprintf(relay + off, sizeof relay - off, "%s\"%s\":%lu",
                                off > 1 ? "," : "", keys[i], (unsigned long)port[i]);
    }
    snprintf(relay + off, sizeof relay - off, "}");
    q = gh_quote(params);
    body = hcsi_asprintf("{\"ContainerId\":\"%s\",\"ActivityId\":\"" GH_ZERO
                         "\",\"Settings\":{\"ProcessParameters\":%s,"
                         "\"VsockStdioRelaySettings\":%s}}",
                         cid, q, relay);
    free(q);
    id = gh_send(h, GH_EXEC, body);
    free(body);
    /* The agent dials before it answers: accept first (like hcsshim's
     * accept goroutines), then read the response. */
    for (i = 0; i < 3; i++) {
        int fd;
        if (lis[i] < 0)
            continue;
        fd = gh_accept(lis[i], 3000);
        if (i == 0)
            p->in = fd;
        else if (i == 1)
            p->out = fd;
        else
            p->err = fd;
        close(lis[i]);
        if (fd < 0)
            break; /* the agent failed before dialling this one */
    }
    if (gh_recv(h, id, 15000, &f) != 0)
        fail_msg("no ExecuteProcess response");
    assert_int_equal(f.type, 0x20100501u);
    assert_int_equal(hcsi_json_parse(f.body, f.len, "exec response", &resp), 0);
    p->result = gh_result(resp);
    if (p->result == 0) {
        assert_int_equal(hcsi_json_get_u32(resp, "resp", "ProcessId", &p->pid), 1);
    } else {
        const char *m = "";
        hcsi_json_get_str(resp, "resp", "ErrorMessage", &m, NULL);
        snprintf(p->error, sizeof p->error, "%s", m);
    }
    hcsi_json_put(resp);
    gh_frame_free(&f);
    return p->result == 0 ? 0 : -1;
}

void gh_exec_ok(ghost *h, const char *params_extra, int pipes, gh_proc *p)
{
    if (gh_exec(h, params_extra, pipes, p) != 0)
        fail_msg("exec {%s} failed: 0x%08x %s", params_extra, (unsigned)p->result, p->error);
    assert_true(p->pid > 0);
}

int32_t gh_wait(ghost *h, uint32_t pid, uint32_t timeout_ms, uint32_t *code, int rpc_timeout_ms)
{
    return gh_wait_in(h, GH_ZERO, pid, timeout_ms, code, rpc_timeout_ms);
}

static void wait_body(char *body, size_t n, const char *cid, uint32_t pid, uint32_t timeout_ms)
{
    snprintf(body, n,
             "{\"ContainerId\":\"%s\",\"ActivityId\":\"" GH_ZERO
             "\",\"ProcessId\":%lu,\"TimeoutInMs\":%lu}",
             cid, (unsigned long)pid, (unsigned long)timeout_ms);
}

uint64_t gh_send_wait_in(ghost *h, const char *cid, uint32_t pid, uint32_t timeout_ms)
{
    char body[512];
    wait_body(body, sizeof body, cid, pid, timeout_ms);
    return gh_send(h, GH_WAIT, body);
}

int32_t gh_wait_in(ghost *h, const char *cid, uint32_t pid, uint32_t timeout_ms, uint32_t *code,
                   int rpc_timeout_ms)
{
    char body[512];
    hcsi_json *r;
    int32_t res;
    wait_body(body, sizeof body, cid, pid, timeout_ms);
    r = gh_call(h, GH_WAIT, body, rpc_timeout_ms);
    res = gh_result(r);
    if (res == 0 && code)
        assert_int_equal(hcsi_json_get_u32(r, "resp", "ExitCode", code), 1);
    hcsi_json_put(r);
    return res;
}

int32_t gh_signal(ghost *h, uint32_t pid, int sig)
{
    return gh_signal_in(h, GH_ZERO, pid, sig);
}

static uint32_t exit_code(ghost *h, const char *cid, uint32_t pid, int rpc_timeout_ms)
{
    uint32_t code = 0;
    assert_int_equal(gh_wait_in(h, cid, pid, 0xFFFFFFFFu, &code, rpc_timeout_ms), 0);
    return code;
}

uint32_t gh_exit_code(ghost *h, uint32_t pid)
{
    return exit_code(h, GH_ZERO, pid, 10000);
}

uint32_t gh_exit_code_in(ghost *h, const char *cid, uint32_t pid)
{
    return exit_code(h, cid, pid, 20000);
}

uint32_t gh_signal_wait(ghost *h, uint32_t pid, int sig)
{
    assert_int_equal(gh_signal(h, pid, sig), 0);
    return gh_exit_code(h, pid);
}

int32_t gh_signal_in(ghost *h, const char *cid, uint32_t pid, int sig)
{
    char body[512];
    hcsi_json *r;
    int32_t res;
    if (sig)
        snprintf(body, sizeof body,
                 "{\"ContainerId\":\"%s\",\"ActivityId\":\"" GH_ZERO
                 "\",\"ProcessId\":%lu,\"Options\":{\"Signal\":%d}}",
                 cid, (unsigned long)pid, sig);
    else
        snprintf(body, sizeof body,
                 "{\"ContainerId\":\"%s\",\"ActivityId\":\"" GH_ZERO
                 "\",\"ProcessId\":%lu}",
                 cid, (unsigned long)pid);
    r = gh_call(h, GH_SIGNAL, body, 10000);
    res = gh_result(r);
    hcsi_json_put(r);
    return res;
}

hcsi_json *gh_resize_in(ghost *h, const char *cid, uint32_t pid, unsigned height, unsigned width,
                        int timeout_ms)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"ContainerId\":\"%s\",\"ActivityId\":\"" GH_ZERO
             "\",\"ProcessId\":%lu,\"Height\":%u,\"Width\":%u}",
             cid, (unsigned long)pid, height, width);
    return gh_call(h, GH_RESIZE, body, timeout_ms);
}

void gh_close_proc(gh_proc *p)
{
    close_fd(&p->in);
    close_fd(&p->out);
    close_fd(&p->err);
}

/* Appends what fd gives to b until needle is in b (0), or with needle
 * NULL until EOF (0); EOF before the needle or the timeout: -1. */
static int read_for(int fd, hcsi_buf *b, const char *needle, int timeout_ms)
{
    uint64_t end = gh_now_ms() + (uint64_t)timeout_ms;
    char tmp[65536];
    for (;;) {
        struct pollfd p;
        ssize_t r;
        int64_t left = (int64_t)end - (int64_t)gh_now_ms();
        if (needle && b->len && memmem(b->data, b->len, needle, strlen(needle)))
            return 0;
        if (left <= 0)
            return -1;
        p.fd = fd;
        p.events = POLLIN;
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        r = read(fd, tmp, sizeof tmp);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return needle ? -1 : 0;
        assert_int_equal(hcsi_buf_append(b, tmp, (size_t)r), 0);
    }
}

int gh_read_all(int fd, hcsi_buf *b, int timeout_ms)
{
    return read_for(fd, b, NULL, timeout_ms);
}

int gh_read_until(int fd, hcsi_buf *b, const char *needle, int timeout_ms)
{
    return read_for(fd, b, needle, timeout_ms);
}

void gh_slurp(int fd, hcsi_buf *b, int timeout_ms)
{
    hcsi_buf_init(b, 0);
    assert_int_equal(gh_read_all(fd, b, timeout_ms), 0);
}

static void drain_close(int *fd, hcsi_buf *b, int timeout_ms)
{
    if (*fd < 0)
        return;
    assert_int_equal(gh_read_all(*fd, b, timeout_ms), 0);
    close_fd(fd);
}

void gh_read_both(gh_proc *p, hcsi_buf *out, hcsi_buf *err, int timeout_ms)
{
    hcsi_buf_init(out, 0);
    hcsi_buf_init(err, 0);
    drain_close(&p->out, out, timeout_ms);
    drain_close(&p->err, err, timeout_ms);
}

void gh_slurp_until(int fd, hcsi_buf *b, const char *needle, int timeout_ms)
{
    hcsi_buf_init(b, 0);
    if (gh_read_until(fd, b, needle, timeout_ms) != 0)
        fail_msg("\"%s\" not read within %d ms", needle, timeout_ms);
}

size_t gh_drain(int fd, int timeout_ms)
{
    hcsi_buf b;
    size_t n;
    gh_slurp(fd, &b, timeout_ms);
    n = b.len;
    hcsi_buf_free(&b);
    return n;
}

uint32_t gh_run(ghost *h, const char *params_extra, hcsi_buf *out)
{
    gh_proc p;
    gh_exec_ok(h, params_extra, out ? GH_OUT : 0, &p);
    if (out)
        gh_slurp(p.out, out, 10000);
    gh_close_proc(&p);
    return gh_exit_code(h, p.pid);
}

void gh_write_all(int fd, const void *p, size_t n)
{
    const char *c = (const char *)p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        assert_true(w > 0);
        c += w;
        n -= (size_t)w;
    }
}

int gh_unavailable(const char *suite, const char *needs, const char *why)
{
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0)
        fail_msg("%s tests cannot run: %s (CI=true: this fails, it does not skip)", suite, why);
    fprintf(stderr, "skipped: %s: %s\n", needs, why);
    return 0;
}

int gh_sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    int st;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    st = system(cmd);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
