/* Processes started through the GCS bridge and their stdio relay. */
#include "gcs/bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const g_stream_names[3] = {"stdin", "stdout", "stderr"};

HCSI_OPTIONS_INIT_FN(hcs_gcs_process_options, HCS_GCS_PROCESS_OPTIONS_VERSION,
                     HCS_GCS_PROCESS_OPTIONS_INIT)

void hcsi_gcs_process_deliver(hcs_gcs_process *p, hcs_result hr, uint32_t exit_code,
                              const char *msg)
{
    p->wait_call = NULL;
    p->exited = 1;
    hcsi_cond_broadcast(&p->b->flag_cv); /* hcsi_gcs_wait_flag_locked */
    p->exit_code = exit_code;
    p->wait_hr = hr;
    free(p->wait_msg);
    p->wait_msg = msg ? hcsi_strdup(msg) : NULL;
    hcsi_cond_broadcast(&p->cond);
}

/* The part of a request that names process p: its container and id. */
static void name_process(const hcs_gcs_process *p, hcs_gcs_request_base *base,
                         uint32_t *process_id)
{
    base->container_id = p->container_id;
    *process_id = p->pid;
}

/* Sends the asynchronous WaitForProcess (no timeout, as hcsshim). */
static hcs_result send_wait(hcs_gcs_process *p)
{
    hcs_gcs_bridge *b = p->b;
    hcs_gcs_wait_for_process_request w;
    hcsi_gcs_call *c;
    hcsi_buf frame;
    hcs_result hr;
    memset(&w, 0, sizeof w);
    name_process(p, &w.base, &w.process_id);
    w.timeout_ms = HCS_GCS_INFINITE_WAIT;
    c = (hcsi_gcs_call *)hcsi_calloc(1, sizeof *c);
    if (!c)
        return hcsi_err_oom();
    c->async = 1;
    c->owner = p;
    hcsi_buf_init(&frame, 0);
    hr = hcsi_gcs_frame_begin(&frame);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_gcs_enc_wait_for_process(&frame, &w);
    if (HCS_FAILED(hr)) {
        hcsi_buf_free(&frame);
        free(c);
        return hr;
    }
    /* Registered before the write; the reader may deliver (and free) it
     * as soon as the lock is released, so p->wait_call is set under the
     * lock by the same critical section that inserts it. */
    hcsi_mutex_lock(&b->lock);
    p->wait_call = c;
    hcsi_mutex_unlock(&b->lock);
    hr = hcsi_gcs_send_call(b, HCS_GCS_RPC_WAIT_FOR_PROCESS, &frame, c);
    hcsi_buf_free(&frame);
    if (HCS_FAILED(hr)) {
        /* not registered: the process wait reports why */
        const hcs_error *e = hcs_error_last();
        char *msg = hcsi_strdup(e ? e->message : "WaitForProcess was not sent");
        hcsi_mutex_lock(&b->lock);
        if (hr == HCS_ERR_CONNECTION_CLOSED)
            hcsi_gcs_process_deliver(p, hr, 0, b->dead_msg);
        else
            hcsi_gcs_process_deliver(p, hr, 0, msg);
        hcsi_mutex_unlock(&b->lock);
        free(msg);
        free(c);
    }
    return HCS_S_OK;
}

static void close_listeners(hcs_gcs_bridge *b, hcsi_sock l[3], const uint32_t port[3])
{
    int i;
    for (i = 0; i < 3; i++) {
        if (l[i] != HCSI_SOCK_INVALID) {
            hcsi_sock_close(l[i]);
            hcsi_gcs_addr_unlink_port(&b->stdio_addr, port[i]);
            l[i] = HCSI_SOCK_INVALID;
        }
    }
}

/* ---- what a container process may carry (Linux guests) ---- */

/* Appends the names of the set ProcessParameters fields that a Linux
 * guest ignores for a container process. */
static void ignored_fields(const hcs_gcs_process_options *cfg, char *buf, size_t size)
{
    const char *names[5];
    size_t n = 0, i;
    if (cfg->argv)
        names[n++] = "argv";
    if (cfg->command_line)
        names[n++] = "command_line";
    if (cfg->env)
        names[n++] = "env";
    if (cfg->cwd)
        names[n++] = "cwd";
    if (cfg->user)
        names[n++] = "user";
    buf[0] = '\0';
    for (i = 0; i < n; i++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? ", " : "", names[i]);
}

/* process.terminal of an OCI process document: 1/0, or fails. */
static hcs_result oci_terminal(const char *oci, int *terminal)
{
    hcsi_json *v = NULL;
    const char *k;
    hcs_result hr = hcsi_json_parse(oci, strlen(oci), "oci_process_json", &v);
    *terminal = 0;
    if (HCS_FAILED(hr))
        return hcsi_err_wrap(hr, "ExecuteProcess");
    if (hcsi_json_kind_of(v) != HCSI_JSON_OBJECT) {
        hcsi_json_put(v);
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "ExecuteProcess: oci_process_json is not a JSON object (an OCI "
                        "runtime Process, see hcs_gcs_encode_oci_process)");
    }
    k = hcsi_gcs_json_key(v, "terminal");
    if (k && hcsi_json_get_bool(v, "oci_process_json", k, terminal) < 0) {
        hcsi_json_put(v);
        return hcsi_err_wrap(HCS_ERR_INVALID_JSON, "ExecuteProcess");
    }
    hcsi_json_put(v);
    return HCS_S_OK;
}

/* Checks cfg against the guest's rules and decides the tty setting that
 * is sent (EmulateConsole, stderr merged). Linux guests (Microsoft's GCS,
 * hcsshim's semantics): a UVM process takes argv/env/cwd/tty size; a
 * container process takes only the pipe flags and, for an exec, the OCI
 * process; without one it is the container's init start. */
static hcs_result check_config(hcs_gcs_bridge *b, const hcs_gcs_process_options *cfg,
                               int *tty)
{
    const char *cid = cfg->container_id;
    char fields[64];
    int init_tty = -1, terminal = 0;
    hcs_result hr;
    *tty = cfg->tty != 0;
    if (cfg->version != HCS_GCS_PROCESS_OPTIONS_VERSION)
        return hcsi_check_version(cfg->version, HCS_GCS_PROCESS_OPTIONS_VERSION,
                                  "hcs_gcs_process_options");
    if (cid && !*cid)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "ExecuteProcess: container_id is empty (NULL runs the process in "
                        "the UVM)");
    if (b->os == HCS_GCS_OS_WINDOWS) {
        if (cfg->oci_process_json)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "ExecuteProcess: oci_process_json is for Linux guests; a Windows "
                            "guest runs command_line");
        return HCS_S_OK;
    }
    if (!cid || strcmp(cid, HCS_GCS_NULL_CONTAINER_ID) == 0) {
        if (cfg->oci_process_json)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "ExecuteProcess: oci_process_json is only for a container "
                            "process (container_id); a process in the UVM takes argv, env "
                            "and cwd");
        return HCS_S_OK;
    }
    ignored_fields(cfg, fields, sizeof fields);
    if (fields[0] && !cfg->oci_process_json)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "ExecuteProcess: container \"%s\": %s set without oci_process_json: "
                        "a container exec needs its OCI process (hcs_gcs_encode_oci_process); "
                        "only the init start takes none, and a Linux guest would ignore %s "
                        "and start the init process again",
                        cid, fields, fields);
    if (fields[0])
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "ExecuteProcess: container \"%s\": %s set next to oci_process_json: "
                        "a Linux guest ignores them for a container process; put them in "
                        "the OCI process", cid, fields);
    if (cfg->tty_height || cfg->tty_width)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "ExecuteProcess: container \"%s\": tty_height/tty_width "
                        "(ProcessParameters.ConsoleSize) are ignored by Linux guests for "
                        "a container process; set consoleSize in the OCI process "
                        "(hcs_gcs_oci_process_options.console_height/width), later sizes "
                        "with hcs_gcs_process_resize", cid);
    if (cfg->oci_process_json) {
        hr = oci_terminal(cfg->oci_process_json, &terminal);
        if (HCS_FAILED(hr))
            return hr;
        if (cfg->tty && !terminal)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "ExecuteProcess: container \"%s\": tty is set but the OCI "
                            "process has no \"terminal\":true (the terminal is set once, in "
                            "the OCI process)", cid);
        *tty = terminal;
        return HCS_S_OK;
    }
    /* the init start: its terminal is the Create spec's process.terminal */
    hcsi_mutex_lock(&b->lock);
    {
        hcsi_gcs_container *c = hcsi_gcs_find_container(b, cid);
        if (c)
            init_tty = c->init_tty;
    }
    hcsi_mutex_unlock(&b->lock);
    if (init_tty == 0 && cfg->tty)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "ExecuteProcess: container \"%s\": tty is set but the container's "
                        "spec has no process.terminal (the init's terminal is set once, in "
                        "the spec given to Create)", cid);
    if (init_tty >= 0)
        *tty = init_tty;
    return HCS_S_OK;
}

hcs_result hcs_gcs_process_start(hcs_gcs_bridge *b, const hcs_gcs_process_options *cfg,
                                 hcs_gcs_process **out)
{
    hcs_gcs_process *p;
    hcs_gcs_execute_process_request req;
    hcs_gcs_execute_process_response resp;
    hcsi_sock l[3] = {HCSI_SOCK_INVALID, HCSI_SOCK_INVALID, HCSI_SOCK_INVALID};
    uint32_t port[3] = {0, 0, 0};
    int want[3], i, tty = 0, is_uvm;
    hcs_result hr;
    if (!b || !cfg || !out)
        return hcsi_err(HCS_ERR_INVALIDARG, "ExecuteProcess: NULL argument");
    *out = NULL;
    hr = check_config(b, cfg, &tty);
    if (HCS_FAILED(hr))
        return hr;
    is_uvm = !cfg->container_id || strcmp(cfg->container_id, HCS_GCS_NULL_CONTAINER_ID) == 0;
    want[0] = cfg->use_stdin;
    want[1] = cfg->use_stdout;
    /* With a tty the guest merges stderr into stdout and may never dial a
     * stderr stream. */
    want[2] = cfg->use_stderr && !tty;
    if ((want[0] || want[1] || want[2]) && !b->has_stdio_addr)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "ExecuteProcess: stdio relays need a port space (set "
                        "hcs_gcs_bridge_options.stdio_address, e.g. \"unix:DIR\")");
    p = (hcs_gcs_process *)hcsi_calloc(1, sizeof *p);
    if (!p)
        return hcsi_err_oom();
    for (i = 0; i < 3; i++)
        p->io[i] = HCSI_SOCK_INVALID;
    hr = hcsi_gcs_pio_init(&p->pio);
    if (HCS_FAILED(hr)) {
        free(p);
        return hr;
    }
    hcsi_cond_init(&p->cond);
    p->container_id = hcsi_strdup(cfg->container_id ? cfg->container_id
                                                    : HCS_GCS_NULL_CONTAINER_ID);
    if (!p->container_id) {
        hcsi_cond_destroy(&p->cond);
        hcsi_gcs_pio_destroy(&p->pio);
        free(p);
        return hcsi_err_oom();
    }
    hcsi_gcs_bridge_ref(b);
    p->b = b;

    /* Ports: one counter per connection, stdin/stdout/stderr order, never
     * reused. Listeners exist before the request: the guest dials while
     * handling it. */
    hcsi_mutex_lock(&b->lock);
    if (b->dead) {
        hr = hcsi_gcs_closed_error(b, "ExecuteProcess");
        hcsi_mutex_unlock(&b->lock);
        goto fail;
    }
    for (i = 0; i < 3; i++)
        if (want[i])
            port[i] = b->next_port++;
    hcsi_mutex_unlock(&b->lock);
    for (i = 0; i < 3; i++) {
        if (!want[i])
            continue;
        hr = hcsi_gcs_addr_listen_port(&b->stdio_addr, port[i], &l[i]);
        if (HCS_FAILED(hr)) {
            hr = hcsi_err_wrap(hr, "ExecuteProcess: %s relay listener (port 0x%08lx)",
                               g_stream_names[i], (unsigned long)port[i]);
            goto fail;
        }
    }

    memset(&req, 0, sizeof req);
    req.base.container_id = p->container_id;
    req.params.command_args = cfg->argv;
    req.params.command_line = cfg->command_line;
    req.params.environment = cfg->env;
    req.params.working_directory = cfg->cwd;
    req.params.user = cfg->user;
    req.params.emulate_console = tty;
    req.params.create_stdin_pipe = want[0];
    req.params.create_stdout_pipe = want[1];
    req.params.create_stderr_pipe = want[2];
    /* ConsoleSize only where the guest reads it (a container process takes
     * its size from the OCI process: check_config refused one here). */
    if (tty && (is_uvm || b->os == HCS_GCS_OS_WINDOWS)) {
        req.params.console_height = cfg->tty_height;
        req.params.console_width = cfg->tty_width;
    }
    req.params.oci_process_json = cfg->oci_process_json;
    req.relay = b->os == HCS_GCS_OS_WINDOWS ? HCS_GCS_RELAY_HVSOCK : HCS_GCS_RELAY_VSOCK;
    req.stdin_port = port[0];
    req.stdout_port = port[1];
    req.stderr_port = port[2];
    hr = hcsi_gcs_rpc_decode(b, HCS_GCS_RPC_EXECUTE_PROCESS, "ExecuteProcess",
                             hcsi_gcs_enc_execute_process_v, &req,
                             hcsi_gcs_decode_execute_process_response_v, &resp);
    if (HCS_FAILED(hr))
        goto fail;
    p->pid = resp.process_id;
    hcs_gcs_execute_process_response_clear(&resp);

    /* WaitForProcess right away (the Linux GCS emits a container's exit
     * notification only after its init was waited on). */
    hr = send_wait(p);
    if (HCS_FAILED(hr))
        goto fail;

    /* The guest dialled before it answered, so these are already queued;
     * the bound covers guests that never dial. */
    for (i = 0; i < 3; i++) {
        if (!want[i])
            continue;
        hr = hcsi_sock_accept(l[i], b->stdio_timeout_ms, &p->io[i]);
        if (HCS_FAILED(hr)) {
            if (hr == HCS_ERR_CONNECTION_TIMEOUT)
                hr = hcsi_err(HCS_ERR_CONNECTION_TIMEOUT,
                              "ExecuteProcess: the guest did not connect the %s relay "
                              "(port 0x%08lx) of process %lu within %lld ms",
                              g_stream_names[i], (unsigned long)port[i],
                              (unsigned long)p->pid, (long long)b->stdio_timeout_ms);
            else
                hr = hcsi_err_wrap(hr, "ExecuteProcess: accepting the %s relay",
                                   g_stream_names[i]);
            goto fail;
        }
        p->port[i] = port[i];
        hr = hcsi_gcs_pio_attach(&p->pio, i, p->io[i]);
        if (HCS_FAILED(hr)) {
            hr = hcsi_err_wrap(hr, "ExecuteProcess: %s relay", g_stream_names[i]);
            goto fail;
        }
    }
    close_listeners(b, l, port);
    *out = p;
    return HCS_S_OK;
fail:
    {
        hcs_error *e = hcs_error_take();
        close_listeners(b, l, port);
        hcs_gcs_process_close(p);
        hr = hcsi_err_restore(e, hr);
    }
    return hr;
}

uint32_t hcs_gcs_process_pid(const hcs_gcs_process *p) { return p ? p->pid : 0; }

static hcs_result stream_check(hcs_gcs_process *p, int i, const char *what)
{
    if (!p)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: NULL process", what);
    if (!p->port[i])
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: process %lu has no %s relay", what,
                        (unsigned long)p->pid, g_stream_names[i]);
    return HCS_S_OK;
}

/* The message of a pio timeout/abort (bare codes) or the recorded error. */
static hcs_result io_error(hcs_gcs_process *p, int i, hcs_result hr, int64_t timeout_ms,
                           size_t done, size_t n)
{
    if (hr == HCS_ERR_WIN32_OPERATION_ABORTED)
        return hcsi_err(hr, "process %lu %s: I/O cancelled (hcs_gcs_process_cancel_io)",
                        (unsigned long)p->pid, g_stream_names[i]);
    if (hr == HCS_ERR_OPERATION_TIMEOUT && i == 0)
        return hcsi_err(hr,
                        "process %lu stdin: the guest took %zu of %zu bytes within %lld ms",
                        (unsigned long)p->pid, done, n, (long long)timeout_ms);
    if (hr == HCS_ERR_OPERATION_TIMEOUT)
        return hcsi_err(hr, "process %lu %s: no data within %lld ms (the stream stays open)",
                        (unsigned long)p->pid, g_stream_names[i], (long long)timeout_ms);
    return hcsi_err_wrap(hr, "process %lu %s", (unsigned long)p->pid, g_stream_names[i]);
}

static int stdin_closed(hcs_gcs_process *p)
{
    return hcsi_gcs_locked_int(&p->pio.lock, &p->stdin_closed);
}

static hcs_result closed_stdin_error(hcs_gcs_process *p)
{
    return hcsi_err(HCS_ERR_INVALID_STATE,
                    "write stdin: stdin is closed (process %lu: hcs_gcs_process_close_stdin "
                    "was called)", (unsigned long)p->pid);
}

hcs_result hcs_gcs_process_write_stdin_timeout(hcs_gcs_process *p, const void *buf,
                                               size_t n, int64_t timeout_ms,
                                               size_t *written)
{
    size_t done = 0;
    hcs_result hr;
    if (written)
        *written = 0;
    hr = stream_check(p, 0, "write stdin");
    if (HCS_FAILED(hr))
        return hr;
    if (!buf && n)
        return hcsi_err(HCS_ERR_INVALIDARG, "write stdin: NULL buffer");
    if (stdin_closed(p))
        return closed_stdin_error(p);
    if (timeout_ms == HCS_TIMEOUT_DEFAULT)
        timeout_ms = HCS_TIMEOUT_INFINITE;
    hr = hcsi_gcs_pio_write(&p->pio, 0, p->io[0], buf, n, timeout_ms, &done);
    if (written)
        *written = done;
    if (HCS_FAILED(hr)) {
        if (stdin_closed(p)) /* closed by another thread meanwhile */
            return closed_stdin_error(p);
        return io_error(p, 0, hr, timeout_ms, done, n);
    }
    return HCS_S_OK;
}

hcs_result hcs_gcs_process_write_stdin(hcs_gcs_process *p, const void *buf, size_t n)
{
    return hcs_gcs_process_write_stdin_timeout(p, buf, n, HCS_TIMEOUT_INFINITE, NULL);
}

hcs_result hcs_gcs_process_close_stdin(hcs_gcs_process *p)
{
    hcs_result hr = stream_check(p, 0, "close stdin");
    if (HCS_FAILED(hr))
        return hr;
    hcsi_mutex_lock(&p->pio.lock);
    if (p->stdin_closed) {
        hcsi_mutex_unlock(&p->pio.lock);
        return HCS_S_OK;
    }
    p->stdin_closed = 1;
    hcsi_mutex_unlock(&p->pio.lock);
    /* Half-close: the guest copies until EOF, then closes the pipe. */
    return hcsi_sock_shutdown_write(p->io[0]);
}

hcs_result hcs_gcs_process_read_timeout(hcs_gcs_process *p, int stream, void *buf, size_t n,
                                        size_t *got, int64_t timeout_ms)
{
    hcs_result hr;
    if (!got || (stream != 1 && stream != 2))
        return hcsi_err(HCS_ERR_INVALIDARG, "process read: stream must be 1 or 2");
    *got = 0;
    hr = stream_check(p, stream, "process read");
    if (HCS_FAILED(hr))
        return hr;
    if (!buf && n)
        return hcsi_err(HCS_ERR_INVALIDARG, "process read: NULL buffer");
    if (p->io[stream] == HCSI_SOCK_INVALID)
        return HCS_S_OK; /* already at EOF */
    if (timeout_ms == HCS_TIMEOUT_DEFAULT)
        timeout_ms = HCS_TIMEOUT_INFINITE;
    hr = hcsi_gcs_pio_read(&p->pio, stream, p->io[stream], buf, n, got, timeout_ms);
    if (HCS_FAILED(hr))
        return io_error(p, stream, hr, timeout_ms, 0, n);
    if (*got == 0 && n > 0) {
        /* Read to EOF, then close: the Linux guest waits for this before
         * it reports the exit code. */
        hcsi_sock_close(p->io[stream]);
        p->io[stream] = HCSI_SOCK_INVALID;
    }
    return HCS_S_OK;
}

hcs_result hcs_gcs_process_read(hcs_gcs_process *p, int stream, void *buf, size_t n,
                                size_t *got)
{
    return hcs_gcs_process_read_timeout(p, stream, buf, n, got, HCS_TIMEOUT_INFINITE);
}

hcs_result hcs_gcs_process_cancel_io(hcs_gcs_process *p)
{
    if (!p)
        return hcsi_err(HCS_ERR_INVALIDARG, "process cancel I/O: NULL process");
    hcsi_gcs_pio_cancel(&p->pio);
    return HCS_S_OK;
}

/* ---- relay ---- */

#define RELAY_BUF 65536

typedef struct pump_arg {
    hcs_gcs_process *p;
    int stream;
    hcs_os_handle fd;
    hcs_result hr;
    char *msg;
} pump_arg;

static void pump_output(pump_arg *a)
{
    char *buf = (char *)malloc(RELAY_BUF);
    int sink_ok = 1;
    hcsi_gcs_nosigpipe g;
    a->hr = HCS_S_OK;
    if (!buf) {
        a->hr = hcsi_err_oom();
        return;
    }
    hcsi_gcs_nosigpipe_enter(&g);
    for (;;) {
        size_t got = 0;
        hcs_result hr = hcs_gcs_process_read(a->p, a->stream, buf, RELAY_BUF, &got);
        if (HCS_FAILED(hr)) {
            a->hr = hr;
            break;
        }
        if (got == 0)
            break; /* EOF: hcs_gcs_process_read closed the stream */
        if (sink_ok && a->fd != HCS_OS_HANDLE_NONE) {
            hr = hcsi_gcs_fd_write_all(&a->p->pio, a->fd, buf, got, &g);
            if (HCS_FAILED(hr)) {
                /* Keep draining so the guest can finish; report later. */
                a->hr = hcsi_err_wrap(hr, "relaying %s", g_stream_names[a->stream]);
                sink_ok = 0;
            }
        }
    }
    hcsi_gcs_nosigpipe_leave(&g);
    if (HCS_FAILED(a->hr)) {
        const hcs_error *e = hcs_error_last();
        a->msg = hcsi_strdup(e ? e->message : "relay failed");
    }
    free(buf);
}

static void pump_thread(void *arg) { pump_output((pump_arg *)arg); }

static void stdin_thread(void *arg)
{
    hcs_gcs_process *p = (hcs_gcs_process *)arg;
    char *buf = (char *)malloc(RELAY_BUF);
    size_t done;
    if (!buf)
        goto done;
    for (;;) {
        size_t got;
        if (hcsi_gcs_fd_read(&p->pio, p->stdin_src, buf, RELAY_BUF, &got) < 0)
            goto done; /* cancelled (or closing): no EOF for the guest */
        if (got == 0)
            break; /* EOF or a broken source */
        if (HCS_FAILED(hcsi_gcs_pio_write(&p->pio, 0, p->io[0], buf, got,
                                          HCS_TIMEOUT_INFINITE, &done)))
            goto done; /* the guest closed stdin, or cancelled */
    }
    /* EOF reaches the process as a half-close. */
    hcs_gcs_process_close_stdin(p);
done:
    free(buf);
}

hcs_result hcs_gcs_process_relay(hcs_gcs_process *p, hcs_os_handle in_fd, hcs_os_handle out_fd,
                                 hcs_os_handle err_fd)
{
    pump_arg out, err;
    hcsi_thread t;
    int err_thread = 0;
    hcs_result hr;
    if (!p)
        return hcsi_err(HCS_ERR_INVALIDARG, "process relay: NULL process");
    if (p->io[0] != HCSI_SOCK_INVALID && !p->stdin_thread_running && !stdin_closed(p)) {
        if (in_fd == HCS_OS_HANDLE_NONE) {
            hcs_gcs_process_close_stdin(p);
        } else {
            p->stdin_src = in_fd;
            hr = hcsi_thread_start(&p->stdin_thread, stdin_thread, p);
            if (HCS_FAILED(hr))
                return hr;
            p->stdin_thread_running = 1;
            hcsi_gcs_pio_set_stdin_thread(&p->pio, &p->stdin_thread);
        }
    }
    memset(&out, 0, sizeof out);
    memset(&err, 0, sizeof err);
    out.p = err.p = p;
    out.stream = 1;
    err.stream = 2;
    out.fd = out_fd;
    err.fd = err_fd;
    if (p->io[2] != HCSI_SOCK_INVALID) {
        if (p->io[1] != HCSI_SOCK_INVALID) {
            hr = hcsi_thread_start(&t, pump_thread, &err);
            if (HCS_FAILED(hr))
                return hr;
            err_thread = 1;
        } else {
            pump_output(&err);
        }
    }
    if (p->io[1] != HCSI_SOCK_INVALID)
        pump_output(&out);
    if (err_thread)
        hcsi_thread_join(&t);
    hr = HCS_S_OK;
    if (HCS_FAILED(out.hr))
        hr = hcsi_err(out.hr, "%s", out.msg ? out.msg : "stdout relay failed");
    else if (HCS_FAILED(err.hr))
        hr = hcsi_err(err.hr, "%s", err.msg ? err.msg : "stderr relay failed");
    free(out.msg);
    free(err.msg);
    return hr;
}

/* ---- control ---- */

hcs_result hcs_gcs_process_signal(hcs_gcs_process *p, int signal)
{
    hcs_gcs_signal_process_request r;
    hcs_result hr;
    if (!p)
        return hcsi_err(HCS_ERR_INVALIDARG, "SignalProcess: NULL process");
    memset(&r, 0, sizeof r);
    name_process(p, &r.base, &r.process_id);
    r.has_options = signal != 0;
    r.signal = signal;
    hr = hcsi_gcs_rpc_call(p->b, HCS_GCS_RPC_SIGNAL_PROCESS, "SignalProcess",
                           hcsi_gcs_enc_signal_process_v, &r);
    if (hr == HCS_GCS_HR_NOT_FOUND) {
        hcs_error_clear();
        return HCS_S_FALSE; /* not delivered: the process is gone */
    }
    return hr;
}

hcs_result hcs_gcs_process_kill(hcs_gcs_process *p) { return hcs_gcs_process_signal(p, 0); }

hcs_result hcs_gcs_process_resize(hcs_gcs_process *p, uint16_t height, uint16_t width)
{
    hcs_gcs_resize_console_request r;
    if (!p)
        return hcsi_err(HCS_ERR_INVALIDARG, "ResizeConsole: NULL process");
    memset(&r, 0, sizeof r);
    name_process(p, &r.base, &r.process_id);
    r.height = height;
    r.width = width;
    return hcsi_gcs_rpc_call(p->b, HCS_GCS_RPC_RESIZE_CONSOLE, "ResizeConsole",
                             hcsi_gcs_enc_resize_console_v, &r);
}

hcs_result hcs_gcs_process_wait(hcs_gcs_process *p, int64_t timeout_ms,
                                uint32_t *exit_code)
{
    hcs_gcs_bridge *b;
    uint64_t deadline;
    hcs_result hr = HCS_S_OK;
    if (!p)
        return hcsi_err(HCS_ERR_INVALIDARG, "process wait: NULL process");
    b = p->b;
    if (timeout_ms == HCS_TIMEOUT_DEFAULT)
        timeout_ms = HCS_TIMEOUT_INFINITE;
    deadline = hcsi_deadline_ms(timeout_ms);
    hcsi_mutex_lock(&b->lock);
    if (!hcsi_gcs_wait_flag_locked(b, &p->exited, timeout_ms < 0 ? UINT64_MAX : deadline)) {
        hcsi_mutex_unlock(&b->lock);
        return hcsi_err(HCS_ERR_OPERATION_TIMEOUT, "process %lu did not exit within %lld ms",
                        (unsigned long)p->pid, (long long)timeout_ms);
    }
    if (!p->exited || p->wait_hr == HCS_ERR_CONNECTION_CLOSED)
        hr = hcsi_err(HCS_ERR_CONNECTION_CLOSED,
                      "WaitForProcess for process %lu: GCS bridge closed: %s",
                      (unsigned long)p->pid, p->wait_msg ? p->wait_msg : "unknown reason");
    else if (HCS_FAILED(p->wait_hr))
        hr = hcsi_err(p->wait_hr, "%s", p->wait_msg ? p->wait_msg : "WaitForProcess failed");
    else if (exit_code)
        *exit_code = p->exit_code;
    hcsi_mutex_unlock(&b->lock);
    return hr;
}

void hcs_gcs_process_close(hcs_gcs_process *p)
{
    hcs_gcs_bridge *b;
    int i;
    if (!p)
        return;
    b = p->b;
    /* Wakes every blocked stdio call, and the relay's stdin thread, which
     * may sit in a write the guest never takes (a guest that does not read
     * its stdin). The stdin stream is shut down too, so that no write on
     * it can block again: close never waits for the guest. */
    hcsi_gcs_pio_cancel(&p->pio);
    if (p->io[0] != HCSI_SOCK_INVALID)
        hcsi_sock_shutdown_both(p->io[0]);
    if (p->stdin_thread_running)
        hcsi_gcs_pio_join_stdin_thread(&p->pio, &p->stdin_thread);
    for (i = 0; i < 3; i++)
        if (p->io[i] != HCSI_SOCK_INVALID)
            hcsi_sock_close(p->io[i]);
    if (b) {
        hcsi_mutex_lock(&b->lock);
        if (p->wait_call) {
            if (hcsi_gcs_table_remove(b, p->wait_call))
                free(p->wait_call); /* a late answer is dropped */
            else
                p->wait_call->owner = NULL; /* the reader frees it */
            p->wait_call = NULL;
        }
        hcsi_mutex_unlock(&b->lock);
        hcsi_gcs_bridge_unref(b);
    }
    hcsi_cond_destroy(&p->cond);
    hcsi_gcs_pio_destroy(&p->pio);
    free(p->wait_msg);
    free(p->container_id);
    free(p);
}
