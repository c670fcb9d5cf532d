/* Bounded, cancellable stdio I/O of GCS processes, Windows half (see
 * pio.h, gcs/os.h): each socket is bound to an event with WSAEventSelect
 * (which makes it non-blocking); a call that would block waits for that
 * event or a manual-reset cancel event. Also the relay's I/O on the
 * caller's handles. */
#include "gcs/os.h"

#include <stdlib.h>
#include <string.h>

struct hcsi_gcs_pio_os {
    HANDLE cancel_ev;    /* manual-reset, set by cancel */
    WSAEVENT ev[3];      /* per slot, WSA_INVALID_EVENT until attached */
    HANDLE stdin_thread; /* relay thread to CancelSynchronousIo, or NULL */
};

hcs_result hcsi_gcs_pio_os_init(hcsi_gcs_pio_os **out)
{
    hcsi_gcs_pio_os *os = (hcsi_gcs_pio_os *)hcsi_calloc(1, sizeof *os);
    int i;
    if (!os)
        return hcsi_err_oom();
    for (i = 0; i < 3; i++)
        os->ev[i] = WSA_INVALID_EVENT;
    os->cancel_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!os->cancel_ev) {
        DWORD e = GetLastError();
        free(os);
        return hcsi_err(hcs_hresult_from_win32(e), "CreateEvent: error %lu", (unsigned long)e);
    }
    *out = os;
    return HCS_S_OK;
}

void hcsi_gcs_pio_os_destroy(hcsi_gcs_pio_os *os)
{
    int i;
    for (i = 0; i < 3; i++)
        if (os->ev[i] != WSA_INVALID_EVENT)
            WSACloseEvent(os->ev[i]);
    CloseHandle(os->cancel_ev);
    free(os);
}

hcs_result hcsi_gcs_pio_attach(hcsi_gcs_pio *io, int slot, hcsi_sock s)
{
    WSAEVENT ev = WSACreateEvent();
    if (ev == WSA_INVALID_EVENT)
        return hcsi_err(HCS_ERR_FAIL, "WSACreateEvent: Winsock error %d", WSAGetLastError());
    if (WSAEventSelect(s, ev, FD_READ | FD_WRITE | FD_CLOSE) != 0) {
        int e = WSAGetLastError();
        WSACloseEvent(ev);
        return hcsi_err(HCS_ERR_FAIL, "WSAEventSelect: Winsock error %d", e);
    }
    io->os->ev[slot] = ev;
    return HCS_S_OK;
}

void hcsi_gcs_pio_cancel(hcsi_gcs_pio *io)
{
    hcsi_mutex_lock(&io->lock);
    io->cancelled = 1;
    SetEvent(io->os->cancel_ev);
    if (io->os->stdin_thread)
        CancelSynchronousIo(io->os->stdin_thread); /* a ReadFile on the source */
    hcsi_mutex_unlock(&io->lock);
}

void hcsi_gcs_pio_set_stdin_thread(hcsi_gcs_pio *io, hcsi_thread *thread)
{
    HANDLE h = thread ? thread->handle : NULL;
    hcsi_mutex_lock(&io->lock);
    io->os->stdin_thread = h;
    if (h && io->cancelled)
        CancelSynchronousIo(h); /* cancelled before it was registered */
    hcsi_mutex_unlock(&io->lock);
}

void hcsi_gcs_pio_join_stdin_thread(hcsi_gcs_pio *io, hcsi_thread *thread)
{
    (void)io;
    /* The relay thread may sit in a synchronous ReadFile that started
     * after the cancel. */
    while (WaitForSingleObject(thread->handle, 20) == WAIT_TIMEOUT)
        CancelSynchronousIo(thread->handle);
    hcsi_thread_join(thread);
}

const int hcsi_gcs_pio_os_waits_first = 0;

/* Waits for the slot's event: 1 signalled, 0 timed out, -1 cancelled. */
int hcsi_gcs_pio_os_wait(hcsi_gcs_pio *io, int slot, hcsi_sock s, int for_write, int64_t ms)
{
    HANDLE h[2];
    DWORD rc;
    (void)s;
    (void)for_write; /* the event covers FD_READ, FD_WRITE and FD_CLOSE */
    h[0] = io->os->ev[slot];
    h[1] = io->os->cancel_ev;
    rc = WaitForMultipleObjects(2, h, FALSE,
                                ms < 0 ? INFINITE : (DWORD)(ms > 0x7FFFFFFF ? 0x7FFFFFFF : ms));
    if (rc == WAIT_OBJECT_0 + 1)
        return -1;
    if (rc == WAIT_TIMEOUT)
        return 0;
    return 1;
}

/* A Winsock error that means the guest closed or reset the stream. */
static int closed_by_peer(int e)
{
    return e == WSAECONNRESET || e == WSAECONNABORTED || e == WSAESHUTDOWN;
}

hcsi_gcs_pio_try hcsi_gcs_pio_os_recv(hcsi_gcs_pio *io, int slot, hcsi_sock s, void *buf,
                                      size_t n, size_t *moved, hcs_result *hr)
{
    int r, e;
    /* Reset before the attempt: data arriving after it sets it again. */
    WSAResetEvent(io->os->ev[slot]);
    r = recv(s, (char *)buf, n > 0x7FFFFFFF ? 0x7FFFFFFF : (int)n, 0);
    e = r < 0 ? WSAGetLastError() : 0;
    if (r >= 0 || closed_by_peer(e)) {
        *moved = r > 0 ? (size_t)r : 0; /* closed or reset: EOF */
        return HCSI_GCS_PIO_DONE;
    }
    if (e == WSAEWOULDBLOCK)
        return HCSI_GCS_PIO_BLOCKED;
    *hr = hcsi_err(HCS_ERR_WIN32_BROKEN_PIPE, "recv: Winsock error %d", e);
    return HCSI_GCS_PIO_FAILED;
}

hcsi_gcs_pio_try hcsi_gcs_pio_os_send(hcsi_gcs_pio *io, int slot, hcsi_sock s,
                                      const void *buf, size_t n, size_t *moved,
                                      hcs_result *hr)
{
    int w, e;
    WSAResetEvent(io->os->ev[slot]);
    w = send(s, (const char *)buf, n > 0x7FFFFFFF ? 0x7FFFFFFF : (int)n, 0);
    if (w >= 0) {
        *moved = (size_t)w;
        return HCSI_GCS_PIO_DONE;
    }
    e = WSAGetLastError();
    if (e == WSAEWOULDBLOCK)
        return HCSI_GCS_PIO_BLOCKED;
    if (closed_by_peer(e))
        *hr = hcsi_err(HCS_ERR_CONNECTION_CLOSED,
                       "send: the guest closed the stream (Winsock error %d)", e);
    else
        *hr = hcsi_err(HCS_ERR_WIN32_BROKEN_PIPE, "send: Winsock error %d", e);
    return HCSI_GCS_PIO_FAILED;
}

int hcsi_gcs_fd_read(hcsi_gcs_pio *io, hcs_os_handle fd, void *buf, size_t n, size_t *got)
{
    DWORD g = 0;
    *got = 0;
    if (!ReadFile((HANDLE)fd, buf, (DWORD)(n > 0x40000000 ? 0x40000000 : n), &g, NULL))
        /* cancelled (or closing), else EOF or a broken pipe */
        return hcsi_gcs_pio_cancelled(io) ? -1 : 0;
    *got = g;
    return 0;
}

void hcsi_gcs_nosigpipe_enter(hcsi_gcs_nosigpipe *g) { g->raised = 0; }
void hcsi_gcs_nosigpipe_leave(hcsi_gcs_nosigpipe *g) { (void)g; }

hcs_result hcsi_gcs_fd_write_all(hcsi_gcs_pio *io, hcs_os_handle fd, const void *buf, size_t n,
                                 hcsi_gcs_nosigpipe *g)
{
    const char *p = (const char *)buf;
    (void)io;
    (void)g;
    while (n > 0) {
        DWORD w = 0;
        if (!WriteFile((HANDLE)fd, p, (DWORD)(n > 0x40000000 ? 0x40000000 : n), &w, NULL))
            return hcsi_err(hcs_hresult_from_win32(GetLastError()), "WriteFile: error %lu",
                            (unsigned long)GetLastError());
        p += w;
        n -= w;
    }
    return HCS_S_OK;
}
