/*
 * The platform layer: everything that differs between POSIX and Windows,
 * behind one internal API. Not installed; hcsi_ symbols are never exported.
 * Each function that can fail records a thread error (see internal.h).
 */
#ifndef HCS_PLATFORM_H
#define HCS_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "hcs/error.h"

#ifdef _WIN32
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  include <winsock2.h>
#  include <windows.h>
#else
#  include <pthread.h>
#endif

/* ---- UTF-8 <-> UTF-16 (strict; portable code, identical on every OS) ---- */

/* Converts len bytes of UTF-8 (len == (size_t)-1: NUL-terminated) to a
 * NUL-terminated UTF-16 string (malloc'ed; caller frees with free()).
 * Rejects overlong forms, surrogates, code points above U+10FFFF and
 * truncated sequences with HCS_ERR_WIN32_NO_UNICODE_TRANSLATION and a
 * message giving the byte offset. out_len (optional) gets the unit count
 * without the NUL. */
hcs_result hcsi_utf8_to_utf16(const char *s, size_t len, uint16_t **out,
                              size_t *out_len);
/* The reverse; rejects unpaired surrogates (with the unit index). len ==
 * (size_t)-1: NUL-terminated. */
hcs_result hcsi_utf16_to_utf8(const uint16_t *s, size_t len, char **out,
                              size_t *out_len);
/* The same for text a system component returned (HCS documents, messages):
 * an unpaired surrogate becomes U+FFFD instead of failing the call whose
 * result it is; only an embedded NUL (len given) or OOM fail. */
hcs_result hcsi_utf16_to_utf8_lenient(const uint16_t *s, size_t len, char **out,
                                      size_t *out_len);
/* 1 when s[0..len) is well-formed UTF-8, else 0 and *bad_offset set. */
int hcsi_utf8_valid(const char *s, size_t len, size_t *bad_offset);

/* ---- threads ---- */

typedef struct hcsi_thread {
#ifdef _WIN32
    HANDLE handle;
#else
    pthread_t tid;
#endif
} hcsi_thread;

typedef void (*hcsi_thread_fn)(void *arg);

/* A variable per thread (C11 _Thread_local; MSVC's spelling). */
#if defined(_MSC_VER) && !defined(__clang__)
#  define HCSI_THREAD_LOCAL __declspec(thread)
#else
#  define HCSI_THREAD_LOCAL _Thread_local
#endif

hcs_result hcsi_thread_start(hcsi_thread *t, hcsi_thread_fn fn, void *arg);
void hcsi_thread_join(hcsi_thread *t);
void hcsi_thread_detach(hcsi_thread *t);

typedef struct hcsi_mutex {
#ifdef _WIN32
    SRWLOCK lock;
#else
    pthread_mutex_t m;
#endif
} hcsi_mutex;

void hcsi_mutex_init(hcsi_mutex *m);
void hcsi_mutex_destroy(hcsi_mutex *m);
void hcsi_mutex_lock(hcsi_mutex *m);
void hcsi_mutex_unlock(hcsi_mutex *m);

typedef struct hcsi_cond {
#ifdef _WIN32
    CONDITION_VARIABLE cv;
#else
    pthread_cond_t c;
#endif
} hcsi_cond;

void hcsi_cond_init(hcsi_cond *c);
void hcsi_cond_destroy(hcsi_cond *c);
void hcsi_cond_wait(hcsi_cond *c, hcsi_mutex *m);
/* Waits until signalled or the monotonic deadline (hcsi_now_ns() units)
 * passes. Returns 0 when signalled (or spuriously woken), 1 on timeout. */
int hcsi_cond_wait_until(hcsi_cond *c, hcsi_mutex *m, uint64_t deadline_ns);
void hcsi_cond_signal(hcsi_cond *c);
void hcsi_cond_broadcast(hcsi_cond *c);

typedef struct hcsi_once {
#ifdef _WIN32
    INIT_ONCE once;
#else
    pthread_once_t once;
#endif
} hcsi_once;

#ifdef _WIN32
#  define HCSI_ONCE_INIT {INIT_ONCE_STATIC_INIT}
#else
#  define HCSI_ONCE_INIT {PTHREAD_ONCE_INIT}
#endif

void hcsi_once_run(hcsi_once *o, void (*fn)(void));

/* ---- time ---- */

/* Monotonic clock in nanoseconds (arbitrary origin). */
uint64_t hcsi_now_ns(void);
/* Deadline helper: now + ms, or UINT64_MAX when ms < 0 (no deadline). */
uint64_t hcsi_deadline_ms(int64_t ms);
void hcsi_sleep_ms(uint32_t ms);

/* ---- randomness ---- */

/* Fills buf from the OS's cryptographic generator. */
hcs_result hcsi_random_bytes(void *buf, size_t n);

/* ---- sockets (AF_UNIX everywhere; Winsock on Windows) ---- */

#ifdef _WIN32
typedef SOCKET hcsi_sock;
#  define HCSI_SOCK_INVALID INVALID_SOCKET
#else
typedef int hcsi_sock;
#  define HCSI_SOCK_INVALID (-1)
#endif

/* Starts Winsock once (no-op on POSIX). The library never changes the
 * process's SIGPIPE disposition: socket writes use MSG_NOSIGNAL, writes
 * that may hit a pipe use hcsi_write_nosigpipe. */
hcs_result hcsi_net_init(void);

#ifndef _WIN32
#  include <sys/types.h>
/* write(2) that cannot raise SIGPIPE: SIGPIPE is blocked for the calling
 * thread around the call and a SIGPIPE the write raised is consumed
 * (sigtimedwait) before the mask is restored; a SIGPIPE that was already
 * pending stays. Returns and sets errno like write (EPIPE). */
ssize_t hcsi_write_nosigpipe(int fd, const void *buf, size_t n);
#endif

/* A connected stream pair (AF_UNIX socketpair; on Windows a loopback TCP
 * pair). */
hcs_result hcsi_sock_pair(hcsi_sock out[2]);
/* Binds and listens on an AF_UNIX path (an existing socket file there is
 * replaced). */
hcs_result hcsi_sock_listen_unix(const char *path, hcsi_sock *out);
hcs_result hcsi_sock_connect_unix(const char *path, hcsi_sock *out);
/* HCS_S_OK when path fits a sockaddr_un's sun_path of size bytes (with its
 * NUL), else HCS_ERR_WIN32_BAD_PATHNAME naming the path and the limit. */
hcs_result hcsi_unix_path_check(const char *path, size_t size);
/* Accepts one connection, waiting at most timeout_ms (< 0: forever).
 * Timeout: HCS_ERR_CONNECTION_TIMEOUT. */
hcs_result hcsi_sock_accept(hcsi_sock listener, int64_t timeout_ms,
                            hcsi_sock *out);
/* Waits until readable (or EOF/error pending). Returns HCS_S_OK, or
 * HCS_ERR_CONNECTION_TIMEOUT when timeout_ms passed (< 0: forever). */
hcs_result hcsi_sock_wait_readable(hcsi_sock s, int64_t timeout_ms);
/* One read: *got = 0 means orderly EOF. EINTR is retried. */
hcs_result hcsi_sock_read(hcsi_sock s, void *buf, size_t n, size_t *got);
/* Reads exactly n bytes. EOF before n: HCS_ERR_CONNECTION_CLOSED and *got
 * (optional) holds how many arrived. */
hcs_result hcsi_sock_read_full(hcsi_sock s, void *buf, size_t n,
                               size_t *got);
/* Writes all n bytes (no SIGPIPE). */
hcs_result hcsi_sock_write_full(hcsi_sock s, const void *buf, size_t n);
/* Half-close: the peer reads EOF, we can still read. */
hcs_result hcsi_sock_shutdown_write(hcsi_sock s);
/* Shuts both directions: wakes a thread blocked reading s. */
void hcsi_sock_shutdown_both(hcsi_sock s);
void hcsi_sock_close(hcsi_sock s);
/* Last socket error as text, for messages (static or thread buffer). */
const char *hcsi_sock_strerror(void);

#endif /* HCS_PLATFORM_H */
