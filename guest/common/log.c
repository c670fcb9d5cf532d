/* hcs-gcs logging: one line per record, levels, stderr or a file. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "gcs.h"

static int g_level = HCSG_LOG_INFO;
static int g_fd = 2;
static int g_own_fd;

static const char *const g_names[] = {"error", "warn", "info", "debug", "trace"};

int hcsg_log_level_parse(const char *s)
{
    size_t i;
    if (!s)
        return -1;
    if (strcasecmp(s, "warning") == 0)
        return HCSG_LOG_WARN;
    for (i = 0; i < HCSI_ARRAY_LEN(g_names); i++)
        if (strcasecmp(s, g_names[i]) == 0)
            return (int)i;
    return -1;
}

void hcsg_log_set_level(int level)
{
    if (level < HCSG_LOG_ERROR)
        level = HCSG_LOG_ERROR;
    if (level > HCSG_LOG_TRACE)
        level = HCSG_LOG_TRACE;
    __atomic_store_n(&g_level, level, __ATOMIC_RELAXED);
}

int hcsg_log_enabled(int level)
{
    return level <= __atomic_load_n(&g_level, __ATOMIC_RELAXED);
}

int hcsg_log_open(const char *path)
{
    int fd;
    if (!path) {
        g_fd = 2;
        return 0;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (g_own_fd)
        close(g_fd);
    g_fd = fd;
    g_own_fd = 1;
    return 0;
}

void hcsg_log_close(void)
{
    if (g_own_fd)
        close(g_fd);
    g_fd = 2;
    g_own_fd = 0;
}

void hcsg_log(int level, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    size_t n;
    int k;
    va_list ap;
    if (!hcsg_log_enabled(level))
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    k = snprintf(line, sizeof line,
                 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ hcs-gcs[%ld] %s: ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, (long)getpid(),
                 g_names[level < 0 ? 0 : level > 4 ? 4 : level]);
    n = k > 0 ? (size_t)k : 0;
    if (n >= sizeof line)
        n = sizeof line - 1;
    va_start(ap, fmt);
    k = vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    if (k > 0)
        n += (size_t)k;
    if (n > sizeof line - 2)
        n = sizeof line - 2; /* truncated */
    line[n++] = '\n';
    /* One write per record: lines from threads never interleave. */
    {
        const char *p = line;
        while (n > 0) {
            ssize_t w = write(g_fd, p, n);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                break;
            }
            p += w;
            n -= (size_t)w;
        }
    }
}
