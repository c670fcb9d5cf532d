/* hcsctl gcs run: relaying a process's stdio while waiting for its exit.
 *
 * A process may exit while something it started still holds its stdout
 * (sh -c "daemon & echo started"). Relaying to EOF before waiting would
 * then wait for that something too; waiting first would let the output
 * pile up unread. hcsshim does both at once and gives the output a bounded
 * time once the exit is known; so do we. The relay runs on the calling
 * thread, a watcher thread waits for the exit and cancels the relay when
 * the grace time passes. For containers and tty processes the guest only
 * reports the exit after the output is drained, so the grace never
 * starts before the relay is done. */
#include "gcs_wait.h"

#include <stdlib.h>

#include "base/internal.h"
#include "base/platform.h"

typedef struct watch {
    hcs_gcs_process *p;
    uint32_t grace_ms;
    hcsi_mutex m;
    hcsi_cond c;
    int relay_done; /* the relay returned (EOF, failure or cancel) */
    int stop;       /* the relay failed: stop waiting */
    int exited;
    int cut;
    hcs_result hr;
    uint32_t code;
    char *msg, *detail; /* the wait's error */
} watch;

/* The wait is polled so that a failed relay can stop it. */
#define WATCH_POLL_MS 100

static void watch_main(void *arg)
{
    watch *w = (watch *)arg;
    hcs_result hr;
    uint32_t code = 0;
    uint64_t deadline;
    for (;;) {
        int stop;
        hcsi_mutex_lock(&w->m);
        stop = w->stop;
        hcsi_mutex_unlock(&w->m);
        if (stop)
            return;
        hr = hcs_gcs_process_wait(w->p, WATCH_POLL_MS, &code);
        if (hr != HCS_ERR_OPERATION_TIMEOUT)
            break;
    }
    if (HCS_FAILED(hr)) {
        const hcs_error *e = hcs_error_last();
        w->msg = hcsi_strdup(e ? e->message : NULL);
        w->detail = hcsi_strdup(e ? e->detail : NULL);
    }
    hcsi_mutex_lock(&w->m);
    w->exited = 1;
    w->hr = hr;
    w->code = code;
    deadline = hcsi_now_ns() + (uint64_t)w->grace_ms * 1000000u;
    while (!w->relay_done && !w->stop)
        if (hcsi_cond_wait_until(&w->c, &w->m, deadline))
            break;
    if (!w->relay_done && !w->stop) {
        /* Exited (or the wait failed) and the output is still open. */
        w->cut = HCS_SUCCEEDED(hr);
        hcsi_mutex_unlock(&w->m);
        hcs_gcs_process_cancel_io(w->p);
        return;
    }
    hcsi_mutex_unlock(&w->m);
}

void hcsctl_relay_and_wait(hcs_gcs_process *p, hcs_os_handle in_fd, hcs_os_handle out_fd,
                           hcs_os_handle err_fd, uint32_t grace_ms, hcsctl_run_result *r)
{
    watch w;
    hcsi_thread t;
    hcs_result hr;
    r->relay_hr = r->wait_hr = HCS_S_OK;
    r->exit_code = 0;
    r->output_cut = 0;
    r->wait_message = r->wait_detail = NULL;
    w.p = p;
    w.grace_ms = grace_ms;
    w.relay_done = w.stop = w.exited = w.cut = 0;
    w.hr = HCS_S_OK;
    w.code = 0;
    w.msg = w.detail = NULL;
    hcsi_mutex_init(&w.m);
    hcsi_cond_init(&w.c);
    if (HCS_FAILED(hcsi_thread_start(&t, watch_main, &w))) {
        hcs_error_clear();
        r->relay_hr = hcs_gcs_process_relay(p, in_fd, out_fd, err_fd);
        if (HCS_SUCCEEDED(r->relay_hr))
            r->wait_hr = hcs_gcs_process_wait(p, HCS_TIMEOUT_INFINITE, &r->exit_code);
        goto out;
    }
    hr = hcs_gcs_process_relay(p, in_fd, out_fd, err_fd);
    hcsi_mutex_lock(&w.m);
    w.relay_done = 1;
    if (HCS_FAILED(hr) && !w.cut)
        w.stop = 1;
    hcsi_cond_broadcast(&w.c);
    hcsi_mutex_unlock(&w.m);
    hcsi_thread_join(&t);
    if (w.cut) {
        r->output_cut = 1; /* the relay's "cancelled" is ours */
        hcs_error_clear();
    } else if (HCS_FAILED(hr)) {
        r->relay_hr = hr;
        goto out;
    }
    if (w.exited) {
        r->wait_hr = w.hr;
        r->exit_code = w.code;
        r->wait_message = w.msg;
        r->wait_detail = w.detail;
        w.msg = w.detail = NULL;
    } else {
        r->wait_hr = hcs_gcs_process_wait(p, HCS_TIMEOUT_INFINITE, &r->exit_code);
    }
out:
    free(w.msg);
    free(w.detail);
    hcsi_cond_destroy(&w.c);
    hcsi_mutex_destroy(&w.m);
}

void hcsctl_run_result_free(hcsctl_run_result *r)
{
    free(r->wait_message);
    free(r->wait_detail);
    r->wait_message = r->wait_detail = NULL;
}
