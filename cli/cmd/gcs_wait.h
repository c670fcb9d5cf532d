/* hcsctl gcs run: relaying a process's stdio while waiting for its exit. */
#ifndef HCSCTL_GCS_WAIT_H
#define HCSCTL_GCS_WAIT_H

#include <stdint.h>

#include "hcs.h"

/* How long output may stay open after the process exited (hcsshim's
 * Cmd.Wait gives its copies one second after the exit). */
#define HCSCTL_OUTPUT_GRACE_MS 1000u

typedef struct hcsctl_run_result {
    hcs_result relay_hr; /* the relay's failure, or HCS_S_OK */
    hcs_result wait_hr;  /* the wait's failure, or HCS_S_OK */
    uint32_t exit_code;  /* when wait_hr succeeded */
    int output_cut;      /* output still open grace_ms after the exit: dropped */
    /* The wait's error (it ran on another thread, so hcs_error_last() of
     * the caller does not have it): owned, hcsctl_run_result_free. */
    char *wait_message;
    char *wait_detail;
} hcsctl_run_result;

void hcsctl_run_result_free(hcsctl_run_result *r);

/* Relays in_fd -> stdin, stdout -> out_fd, stderr -> err_fd while waiting
 * for the exit. Once the process has exited its output gets grace_ms to
 * reach EOF; output still held open then (by a process it left behind) is
 * no longer relayed. A relay failure stops the wait and is reported in
 * relay_hr (the process is left running, as before). Without a thread to
 * spare, relays to EOF and then waits. p stays the caller's. */
void hcsctl_relay_and_wait(hcs_gcs_process *p, hcs_os_handle in_fd, hcs_os_handle out_fd,
                           hcs_os_handle err_fd, uint32_t grace_ms, hcsctl_run_result *r);

#endif
