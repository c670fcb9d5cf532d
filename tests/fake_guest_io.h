/*
 * The bridge I/O of the fake guests the hcsctl end-to-end tests run in place
 * of hcs-gcs (tests/gcs/hostile_gcs.c, tests/guest/scripted_gcs.c): whole
 * reads and writes on stdin/stdout, frames (the 16-byte header, then the
 * body), the relay port a request asks for, dialing DIR/PORT. POSIX only;
 * the includer includes errno.h, stdint.h, stdio.h, stdlib.h, string.h,
 * time.h, sys/socket.h, sys/un.h and unistd.h first.
 */
#ifndef HCS_TEST_FAKE_GUEST_IO_H
#define HCS_TEST_FAKE_GUEST_IO_H

static inline int read_full(int fd, unsigned char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static inline void write_full(int fd, const void *p, size_t n)
{
    const unsigned char *c = (const unsigned char *)p;
    while (n) {
        ssize_t r = write(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            exit(3);
        c += r;
        n -= (size_t)r;
    }
}

static inline void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static inline void put32(unsigned char *p, uint32_t v)
{
    int i;
    for (i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void send_frame(uint32_t type, uint64_t id, const char *body, int drip)
{
    unsigned char frame[4096];
    size_t n = strlen(body), i;
    if (16 + n > sizeof frame)
        exit(3);
    put32(frame, type);
    put32(frame + 4, (uint32_t)(16 + n));
    for (i = 0; i < 8; i++)
        frame[8 + i] = (unsigned char)(id >> (8 * i));
    memcpy(frame + 16, body, n);
    if (!drip) {
        write_full(1, frame, 16 + n);
        return;
    }
    for (i = 0; i < 16 + n; i++) { /* until the host goes away (EPIPE) */
        write_full(1, frame + i, 1);
        sleep_ms(250);
    }
}

static inline void respond(uint32_t req_type, uint64_t id, const char *body, int drip)
{
    send_frame(0x20000000u | (req_type & 0x0FFFFFFFu), id, body, drip);
}

/* The port after "KEY": in the VsockStdioRelaySettings object, or 0. */
static inline uint32_t relay_port(const char *body, const char *key)
{
    const char *s = strstr(body, "\"VsockStdioRelaySettings\"");
    char pat[32];
    if (!s)
        return 0;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    s = strstr(s, pat);
    return s ? (uint32_t)strtoul(s + strlen(pat), NULL, 10) : 0;
}

static inline int dial(const char *dir, uint32_t port)
{
    struct sockaddr_un a;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s/%lu", dir, (unsigned long)port);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

#endif /* HCS_TEST_FAKE_GUEST_IO_H */
