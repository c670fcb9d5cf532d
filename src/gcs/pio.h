/*
 * Stdio I/O of a GCS process that can be bounded and cancelled
 * (internal). Each hcs_gcs_process owns one hcsi_gcs_pio for its three
 * relay sockets (slots 0 stdin, 1 stdout, 2 stderr).
 *
 * POSIX: MSG_DONTWAIT send/recv; when a call would block it polls the
 * socket together with a self-pipe that cancel writes to.
 * Windows: each socket is bound to an event with WSAEventSelect (which
 * makes it non-blocking); a call that would block waits for that event or
 * a manual-reset cancel event.
 *
 * Cancel is sticky: the first cancel wakes every blocked call, and every
 * call from then on fails with HCS_ERR_WIN32_OPERATION_ABORTED. One thread
 * at a time per slot; cancel from any thread.
 */
#ifndef HCS_GCS_PIO_H
#define HCS_GCS_PIO_H

#include "hcs/gcs.h"
#include "base/internal.h"
#include "base/platform.h"

/* The OS half's state (gcs/os.h; defined in unix/pio.c or win/pio.c). */
typedef struct hcsi_gcs_pio_os hcsi_gcs_pio_os;

typedef struct hcsi_gcs_pio {
    hcsi_mutex lock;
    int cancelled;
    int ready;             /* init succeeded */
    int last_full[3];      /* the slot's last read filled the buffer (its
                            * reader's own state): read before polling */
    hcsi_gcs_pio_os *os;   /* POSIX: a self-pipe cancel writes to; Windows:
                            * the cancel event, the slots' events, the
                            * relay's stdin thread */
} hcsi_gcs_pio;

hcs_result hcsi_gcs_pio_init(hcsi_gcs_pio *io);
void hcsi_gcs_pio_destroy(hcsi_gcs_pio *io);
/* Prepares socket s for slot (Windows: event-select; POSIX: nothing). */
hcs_result hcsi_gcs_pio_attach(hcsi_gcs_pio *io, int slot, hcsi_sock s);
/* Wakes blocked calls; later calls fail. Thread-safe, idempotent. */
void hcsi_gcs_pio_cancel(hcsi_gcs_pio *io);
int hcsi_gcs_pio_cancelled(hcsi_gcs_pio *io);

/* Reads a flag that m guards (the pio's cancel, stdin_closed, a stream's
 * shutdown). */
int hcsi_gcs_locked_int(hcsi_mutex *m, const int *flag);

/* One read of at most n bytes: HCS_S_OK with *got (0 = EOF, also for a
 * reset connection); HCS_ERR_OPERATION_TIMEOUT when nothing arrived within
 * timeout_ms (< 0: no bound; 0: only what is there); aborted when
 * cancelled. A bare code is returned for timeout/abort (the caller words
 * the message); other failures record one. */
hcs_result hcsi_gcs_pio_read(hcsi_gcs_pio *io, int slot, hcsi_sock s, void *buf,
                             size_t n, size_t *got, int64_t timeout_ms);
/* Writes all n bytes within timeout_ms (< 0: no bound). *written (always
 * set) counts what the socket accepted, also on failure. Failures as for
 * read; a peer that closed: HCS_ERR_CONNECTION_CLOSED. */
hcs_result hcsi_gcs_pio_write(hcsi_gcs_pio *io, int slot, hcsi_sock s, const void *buf,
                              size_t n, int64_t timeout_ms, size_t *written);

/* The relay's stdin thread (NULL: none): on Windows cancel interrupts its
 * ReadFile on the caller's source; nothing to do on POSIX. */
void hcsi_gcs_pio_set_stdin_thread(hcsi_gcs_pio *io, hcsi_thread *thread);
/* Joins the relay's stdin thread after a cancel. On Windows it keeps
 * cancelling a synchronous ReadFile that started after the cancel. */
void hcsi_gcs_pio_join_stdin_thread(hcsi_gcs_pio *io, hcsi_thread *thread);

/* One read of at most n bytes from a caller's fd (POSIX fd, Windows
 * HANDLE) for the stdin relay: 0 with *got (0: EOF, or the source
 * failed), -1 when io was cancelled first. On POSIX it waits for the fd
 * together with io's cancel; on Windows the ReadFile is interrupted by
 * cancel (hcsi_gcs_pio_set_stdin_thread). */
int hcsi_gcs_fd_read(hcsi_gcs_pio *io, hcs_os_handle fd, void *buf, size_t n, size_t *got);

/* A stretch of writes to the caller's fds on one thread without SIGPIPE
 * (POSIX): enter blocks SIGPIPE for the calling thread, leave consumes a
 * SIGPIPE the writes raised (not one that was pending before) and unblocks
 * it again unless it was blocked before. One mask change per relay instead
 * of per write. No-ops on Windows. */
typedef struct hcsi_gcs_nosigpipe {
    int was_blocked; /* POSIX: SIGPIPE was blocked at enter */
    int was_pending; /* POSIX: a SIGPIPE was pending at enter */
    int raised;      /* a write failed with EPIPE */
} hcsi_gcs_nosigpipe;

void hcsi_gcs_nosigpipe_enter(hcsi_gcs_nosigpipe *g);
void hcsi_gcs_nosigpipe_leave(hcsi_gcs_nosigpipe *g);

/* Writes all n bytes to a caller's fd (POSIX fd, Windows HANDLE). On
 * POSIX a non-blocking fd is waited for together with io's cancel (then
 * HCS_ERR_WIN32_OPERATION_ABORTED); a blocking fd or a Windows handle
 * blocks in the write as long as its reader does not read (the caller's
 * side, never the guest's). On POSIX it must run between
 * hcsi_gcs_nosigpipe_enter/leave on the same thread (g records EPIPE). */
hcs_result hcsi_gcs_fd_write_all(hcsi_gcs_pio *io, hcs_os_handle fd, const void *buf, size_t n,
                                 hcsi_gcs_nosigpipe *g);

#endif /* HCS_GCS_PIO_H */
