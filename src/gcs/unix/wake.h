/*
 * A self-pipe that wakes threads polling another fd (internal, POSIX): the
 * cancel of a pio and the shutdown of an fd-pair stream write one byte,
 * which stays unread so that every later poll sees it.
 */
#ifndef HCS_GCS_UNIX_WAKE_H
#define HCS_GCS_UNIX_WAKE_H

#include <stdint.h>

#include "hcs/error.h"

/* pipe() with both ends close-on-exec; failure: HCS_ERR_FAIL "pipe: ...". */
hcs_result hcsi_gcs_wake_open(int wake[2]);
void hcsi_gcs_wake_close(int wake[2]);
/* Makes wake[0] readable for good (the caller runs it once). */
void hcsi_gcs_wake_signal(int wake[2]);
/* Polls fd for events together with wake[0] for at most ms (< 0: no
 * bound): 1 fd ready, 0 timed out, -1 woken, 2 poll failed (errno says
 * why, e.g. EINTR). */
int hcsi_gcs_wake_poll(const int wake[2], int fd, short events, int64_t ms);

#endif /* HCS_GCS_UNIX_WAKE_H */
