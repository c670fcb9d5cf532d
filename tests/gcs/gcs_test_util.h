/* Helpers shared by the GCS suites (header-only; each suite is one exe). */
#ifndef GCS_TEST_UTIL_H
#define GCS_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcs.h"
#include "gcs/pio.h"
#include "test_util.h"

/* The shared reading and golden paths (test_util.h), typed for the frame
 * suites: bytes; NULL when missing. Caller frees. */
static inline unsigned char *gt_slurp(const char *path, size_t *len)
{
    return (unsigned char *)tu_slurp(path, len);
}

static inline const char *gt_golden(const char *rel)
{
    return tu_golden(rel);
}

/* Asserts the thread's last error message contains needle. */
#define gt_expect_msg(needle)                                                  \
    do {                                                                       \
        const hcs_error *e_ = hcs_error_last();                               \
        if (!e_)                                                               \
            fail_msg("no error recorded, expected \"%s\"", (needle));         \
        if (!strstr(e_->message, (needle)))                                   \
            fail_msg("\"%s\" lacks \"%s\"", e_->message, (needle));          \
    } while (0)

/* A call run on a thread of its own whose return the test can watch
 * (blocked calls that another thread must wake). */
typedef hcs_result (*gt_bg_fn)(void *arg);

typedef struct gt_bg {
    gt_bg_fn fn;
    void *arg;
    hcsi_thread t;
    hcsi_mutex lock;
    int done;      /* fn returned (under lock) */
    hcs_result hr; /* what it returned, and its thread's last error message */
    char msg[256]; /* ("" if none): read them after gt_bg_join */
} gt_bg;

static inline void gt_bg_main(void *p)
{
    gt_bg *g = (gt_bg *)p;
    g->hr = g->fn(g->arg);
    snprintf(g->msg, sizeof g->msg, "%s", hcs_error_last() ? hcs_error_last()->message : "");
    hcsi_mutex_lock(&g->lock);
    g->done = 1;
    hcsi_mutex_unlock(&g->lock);
}

static inline void gt_bg_start(gt_bg *g, gt_bg_fn fn, void *arg)
{
    memset(g, 0, sizeof *g);
    g->fn = fn;
    g->arg = arg;
    hcsi_mutex_init(&g->lock);
    if (HCS_FAILED(hcsi_thread_start(&g->t, gt_bg_main, g)))
        fail_msg("cannot start a thread");
}

static inline int gt_bg_done(gt_bg *g) { return hcsi_gcs_locked_int(&g->lock, &g->done); }

/* Waits up to limit_ms from now for the call to return (5 ms polls): 1
 * when it did; *ms (optional) the time waited. */
static inline int gt_bg_wait(gt_bg *g, uint64_t limit_ms, uint64_t *ms)
{
    uint64_t t0 = hcsi_now_ns(), waited;
    for (;;) {
        int done = gt_bg_done(g);
        waited = (hcsi_now_ns() - t0) / 1000000u;
        if (ms)
            *ms = waited;
        if (done)
            return 1;
        if (waited > limit_ms)
            return 0;
        hcsi_sleep_ms(5);
    }
}

/* Joins the thread (the call has returned or is about to). */
static inline void gt_bg_join(gt_bg *g)
{
    hcsi_thread_join(&g->t);
    hcsi_mutex_destroy(&g->lock);
}

#ifndef _WIN32
#  include <errno.h>
#  include <unistd.h>

/* Writes total bytes ('x') into fd from a thread of its own, then closes
 * fd; stops early when fd's reader is gone (EPIPE, with SIGPIPE ignored).
 * sent: what fd took (read after gt_feed_join). */
typedef struct gt_feeder {
    int fd;
    size_t total, sent;
    hcsi_thread t;
} gt_feeder;

static inline void gt_feed_main(void *arg)
{
    gt_feeder *f = (gt_feeder *)arg;
    static char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    while (f->sent < f->total) {
        ssize_t w = write(f->fd, chunk, sizeof chunk);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        f->sent += (size_t)w;
    }
    close(f->fd);
}

static inline void gt_feed_start(gt_feeder *f, int fd, size_t total)
{
    f->fd = fd;
    f->total = total;
    f->sent = 0;
    if (HCS_FAILED(hcsi_thread_start(&f->t, gt_feed_main, f)))
        fail_msg("cannot start the feeder thread");
}

static inline void gt_feed_join(gt_feeder *f) { hcsi_thread_join(&f->t); }
#endif

#endif
