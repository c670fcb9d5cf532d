/*
 * The side channel of the test-double computecore.dll (fake_computecore.c):
 * exported Fake* functions that the contract tests look up with
 * GetProcAddress on the loaded module. Shared by the double and the tests.
 *
 * The double records every call (function, string arguments as UTF-8 and as
 * the exact UTF-16 units received, handles, integers, thread) and answers
 * from a script of steps (FIFO per function) or with its default world: the
 * systems "fakevm-running" (Running) and "fakevm-stopped" (Stopped), a mini
 * shell for processes (see below), and documents resembling HCS's.
 *
 * Process command lines (ProcessParameters.CommandLine), ';'-separated:
 *   echo TEXT   TEXT\n on stdout        err TEXT   TEXT\n on stderr
 *   cat         stdin -> stdout to EOF  sleep MS   pause
 *   hang        until terminated        exit N     exit code N (default 0)
 * A terminated process exits with 137.
 *
 * It also checks the caller's discipline and counts violations: a handle
 * used or closed after it was closed, an operation closed while another
 * thread waits on it, an operation used twice.
 */
#ifndef FAKE_CONTROL_H
#define FAKE_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_MAX_STR 4

typedef struct fake_call {
    const char *fn;                  /* function name (static) */
    char *str[FAKE_MAX_STR];         /* string arguments in order, UTF-8;
                                        NULL when the caller passed NULL */
    uint16_t *wstr[FAKE_MAX_STR];    /* the same as received (UTF-16) */
    size_t wlen[FAKE_MAX_STR];       /* their length in units */
    uint64_t h[4];                   /* handles/pointers in order */
    uint64_t n[2];                   /* integers in order (timeout, access,
                                        pid, options, types) */
    unsigned long tid;               /* the calling thread */
} fake_call;

#define FAKE_PENDING_NEVER (-1)      /* until FakeCompleteAll() */

typedef struct fake_step {
    const char *fn;          /* which function this answers */
    int32_t call_hr;         /* what the call itself returns */
    int32_t result_hr;       /* the operation's (or synchronous) result */
    const char *result_doc;  /* UTF-8; NULL: the default document; U+FDD0
                                becomes an unpaired surrogate (0xD800) */
    int pending_ms;          /* 0: complete at once (callbacks still run on
                                another thread); > 0: after this delay on
                                another thread; FAKE_PENDING_NEVER */
    int late_callback;       /* deliver callbacks even after a close */
    uint32_t pid;            /* CreateProcess: the pid (0: next) */
    int started_anyway;      /* CreateProcess: the process starts and its handle
                                stays valid although the operation reports
                                result_hr (process-isolated containers on
                                Windows Server 2022: hcsshim recovers with
                                HcsGetProcessInfo) */
    const char *error_record; /* HCN: an error record handed out with the
                                call's answer, S_OK included (hcsshim's
                                checkForErrors treats it as a failure) */
    int handle_on_failure;   /* CreateComputeSystem / CreateProcess: the handle
                                comes back although the call fails (the docs
                                do not promise NULL then; hcsshim keeps the
                                handle it got and closes it) */
} fake_step;

typedef void (*fake_push_fn)(const fake_step *s);
typedef void (*fake_void_fn)(void);
typedef int (*fake_int_fn)(void);
typedef const fake_call *(*fake_call_fn)(int index);
/* Index of the nth (0-based) call of fn, or -1. */
typedef int (*fake_find_fn)(const char *fn, int nth);
/* Calls of fn so far. */
typedef int (*fake_count_fn)(const char *fn);
/* Violations so far; their text (one per line) into buf. */
typedef int (*fake_violations_fn)(char *buf, size_t n);
/* The strings the double handed out (allocated with LocalAlloc). */
typedef size_t (*fake_strings_fn)(void **out, size_t max);
/* Fires an event to every open handle of the system (pid 0) or process
 * that registered a callback, from a new thread; late: also to closed
 * handles that had one. */
typedef void (*fake_fire_fn)(const char *system_id, uint32_t pid, uint32_t type,
                             const char *data, int late);

/* Exported names (all in fake_computecore.c):
 *   FakeReset            fake_void_fn      forget calls, steps, violations,
 *                                          and reset the world
 *   FakePush             fake_push_fn
 *   FakeCallCount        fake_int_fn       number of recorded calls
 *   FakeCall             fake_call_fn
 *   FakeFind             fake_find_fn
 *   FakeCount            fake_count_fn
 *   FakeViolations       fake_violations_fn
 *   FakeLiveHandles      fake_int_fn       operations + system + process
 *                                          handles not yet closed
 *   FakeStrings          fake_strings_fn
 *   FakeCompleteAll      fake_void_fn      completes every pending operation
 *   FakeFire             fake_fire_fn
 *   FakeCallbacksRunning fake_int_fn       callbacks in flight
 */

#endif /* FAKE_CONTROL_H */
