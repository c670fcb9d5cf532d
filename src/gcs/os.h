/*
 * The bridge's OS halves (internal): what pio.c and transport.c leave to
 * src/gcs/unix/ and src/gcs/win/. CMake builds one half per platform, so
 * the portable files need no OS #ifdefs. Besides these, each half defines
 * the OS-specific functions of pio.h (attach, cancel, read, write, the
 * caller-fd I/O) and hcsi_gcs_stream_from_fds of transport.h.
 */
#ifndef HCS_GCS_OS_H
#define HCS_GCS_OS_H

#include "gcs/pio.h"
#include "gcs/transport.h"

/* ---- pio (unix/pio.c, win/pio.c) ---- */

/* The OS state of an hcsi_gcs_pio: the cancel wake-up and, on Windows, the
 * slots' events and the relay's stdin thread. */
hcs_result hcsi_gcs_pio_os_init(hcsi_gcs_pio_os **out);
void hcsi_gcs_pio_os_destroy(hcsi_gcs_pio_os *os);

/* What one attempt to move bytes on a slot's socket without blocking did
 * (hcsi_gcs_pio_read and _write loop over them in pio.c). */
typedef enum hcsi_gcs_pio_try {
    HCSI_GCS_PIO_DONE,    /* *moved bytes (a read: 0 is EOF, also a reset) */
    HCSI_GCS_PIO_BLOCKED, /* would block: wait for the slot, then again */
    HCSI_GCS_PIO_RETRY,   /* interrupted: again at once */
    HCSI_GCS_PIO_FAILED   /* *hr, with its message recorded */
} hcsi_gcs_pio_try;

hcsi_gcs_pio_try hcsi_gcs_pio_os_recv(hcsi_gcs_pio *io, int slot, hcsi_sock s, void *buf,
                                      size_t n, size_t *moved, hcs_result *hr);
hcsi_gcs_pio_try hcsi_gcs_pio_os_send(hcsi_gcs_pio *io, int slot, hcsi_sock s,
                                      const void *buf, size_t n, size_t *moved,
                                      hcs_result *hr);
/* Waits at most ms (< 0: no bound) until the slot's socket may be read
 * (for_write 0) or written: 0 timed out, -1 cancelled, else ready (or
 * interrupted): try again. */
int hcsi_gcs_pio_os_wait(hcsi_gcs_pio *io, int slot, hcsi_sock s, int for_write, int64_t ms);
/* 1 when a read after a short one starts by waiting (POSIX: poll + recv
 * instead of recv + poll + recv); 0 on Windows, where the slot's event is
 * reset just before each recv and a wait before it could miss data that
 * is already there. */
extern const int hcsi_gcs_pio_os_waits_first;

/* Milliseconds left until deadline for a wait (-1: none); pio.c. */
int64_t hcsi_gcs_pio_left_ms(int64_t timeout_ms, uint64_t deadline);

/* ---- transport (unix/transport.c, win/transport.c) ---- */

/* Listens on AF_VSOCK port `port` (Linux only; elsewhere
 * HCS_ERR_WIN32_NOT_SUPPORTED). */
hcs_result hcsi_gcs_listen_vsock(uint32_t port, hcsi_sock *out);
/* Listens on AF_HYPERV VM id + service id (Windows only; elsewhere
 * HCS_ERR_WIN32_NOT_SUPPORTED). */
hcs_result hcsi_gcs_listen_hv(const hcs_guid *vm, const hcs_guid *svc, hcsi_sock *out);
/* Removes a unix socket file; errors are ignored. */
void hcsi_gcs_remove_file(const char *path);

#endif /* HCS_GCS_OS_H */
