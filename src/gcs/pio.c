/* Bounded, cancellable stdio I/O of GCS processes (see pio.h): the parts
 * both OS halves share, the read and write loops among them. The OS
 * primitives (gcs/os.h) are in unix/pio.c and win/pio.c. */
#include "gcs/os.h"

#include <string.h>

hcs_result hcsi_gcs_pio_init(hcsi_gcs_pio *io)
{
    hcs_result hr;
    memset(io, 0, sizeof *io);
    hr = hcsi_gcs_pio_os_init(&io->os);
    if (HCS_FAILED(hr))
        return hr;
    hcsi_mutex_init(&io->lock);
    io->ready = 1;
    return HCS_S_OK;
}

void hcsi_gcs_pio_destroy(hcsi_gcs_pio *io)
{
    if (!io->ready)
        return;
    hcsi_gcs_pio_os_destroy(io->os);
    io->os = NULL;
    hcsi_mutex_destroy(&io->lock);
    io->ready = 0;
}

int hcsi_gcs_locked_int(hcsi_mutex *m, const int *flag)
{
    int v;
    hcsi_mutex_lock(m);
    v = *flag;
    hcsi_mutex_unlock(m);
    return v;
}

int hcsi_gcs_pio_cancelled(hcsi_gcs_pio *io)
{
    return hcsi_gcs_locked_int(&io->lock, &io->cancelled);
}

int64_t hcsi_gcs_pio_left_ms(int64_t timeout_ms, uint64_t deadline)
{
    uint64_t now;
    if (timeout_ms < 0)
        return -1;
    now = hcsi_now_ns();
    if (now >= deadline)
        return 0;
    return (int64_t)((deadline - now + 999999u) / 1000000u);
}

/* Waits for the slot after an attempt that would block: HCS_S_OK to try
 * again, else the bare timeout or abort code (pio.h). */
static hcs_result wait_slot(hcsi_gcs_pio *io, int slot, hcsi_sock s, int for_write,
                            int64_t timeout_ms, uint64_t deadline)
{
    switch (hcsi_gcs_pio_os_wait(io, slot, s, for_write,
                                 hcsi_gcs_pio_left_ms(timeout_ms, deadline))) {
    case 0:
        return HCS_ERR_OPERATION_TIMEOUT;
    case -1:
        return HCS_ERR_WIN32_OPERATION_ABORTED;
    default:
        return HCS_S_OK;
    }
}

hcs_result hcsi_gcs_pio_read(hcsi_gcs_pio *io, int slot, hcsi_sock s, void *buf,
                             size_t n, size_t *got, int64_t timeout_ms)
{
    uint64_t deadline = hcsi_deadline_ms(timeout_ms);
    int wait_first = hcsi_gcs_pio_os_waits_first && !io->last_full[slot];
    hcs_result hr = HCS_S_OK;
    *got = 0;
    for (;;) {
        if (hcsi_gcs_pio_cancelled(io))
            return HCS_ERR_WIN32_OPERATION_ABORTED;
        if (!wait_first) {
            hcsi_gcs_pio_try t = hcsi_gcs_pio_os_recv(io, slot, s, buf, n, got, &hr);
            if (t == HCSI_GCS_PIO_DONE) {
                io->last_full[slot] = n > 0 && *got == n;
                return HCS_S_OK;
            }
            if (t == HCSI_GCS_PIO_FAILED)
                return hr;
            if (t == HCSI_GCS_PIO_RETRY)
                continue;
        }
        wait_first = 0;
        hr = wait_slot(io, slot, s, 0, timeout_ms, deadline);
        if (HCS_FAILED(hr))
            return hr;
    }
}

hcs_result hcsi_gcs_pio_write(hcsi_gcs_pio *io, int slot, hcsi_sock s, const void *buf,
                              size_t n, int64_t timeout_ms, size_t *written)
{
    const char *p = (const char *)buf;
    uint64_t deadline = hcsi_deadline_ms(timeout_ms);
    hcs_result hr = HCS_S_OK;
    *written = 0;
    while (*written < n) {
        size_t sent = 0;
        hcsi_gcs_pio_try t;
        if (hcsi_gcs_pio_cancelled(io))
            return HCS_ERR_WIN32_OPERATION_ABORTED;
        t = hcsi_gcs_pio_os_send(io, slot, s, p + *written, n - *written, &sent, &hr);
        *written += sent;
        if (t == HCSI_GCS_PIO_FAILED)
            return hr;
        if (t == HCSI_GCS_PIO_BLOCKED) {
            hr = wait_slot(io, slot, s, 1, timeout_ms, deadline);
            if (HCS_FAILED(hr))
                return hr;
        }
    }
    return HCS_S_OK;
}
