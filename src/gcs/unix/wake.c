/* The self-pipe of POSIX pio and fd-pair streams (see wake.h). */
#include "gcs/unix/wake.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "base/internal.h"

hcs_result hcsi_gcs_wake_open(int wake[2])
{
    if (pipe(wake) != 0)
        return hcsi_err(HCS_ERR_FAIL, "pipe: %s", strerror(errno));
    fcntl(wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(wake[1], F_SETFD, FD_CLOEXEC);
    return HCS_S_OK;
}

void hcsi_gcs_wake_close(int wake[2])
{
    close(wake[0]);
    close(wake[1]);
}

void hcsi_gcs_wake_signal(int wake[2])
{
    char c = 1;
    if (write(wake[1], &c, 1) < 0) {
        /* an empty pipe of our own: cannot fail in practice */
    }
}

int hcsi_gcs_wake_poll(const int wake[2], int fd, short events, int64_t ms)
{
    struct pollfd p[2];
    int rc;
    p[0].fd = fd;
    p[0].events = events;
    p[0].revents = 0;
    p[1].fd = wake[0];
    p[1].events = POLLIN;
    p[1].revents = 0;
    rc = poll(p, 2, ms < 0 ? -1 : (int)(ms > 0x7FFFFFFF ? 0x7FFFFFFF : ms));
    if (rc < 0)
        return 2;
    if (rc == 0)
        return 0;
    if (p[1].revents)
        return -1;
    return 1;
}
