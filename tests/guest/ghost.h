/*
 * A scripted GCS host for the hcs-gcs tests: it listens where the host
 * would (unix:DIR), starts a real hcs-gcs process, speaks frames to it and
 * serves the stdio ports it is asked to. Also drives --stdio agents over a
 * socketpair. cmocka assertions fail the calling test.
 */
#ifndef HCS_TESTS_GUEST_GHOST_H
#define HCS_TESTS_GUEST_GHOST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/internal.h"
#include "base/json.h"

#define GH_ZERO "00000000-0000-0000-0000-000000000000"

/* RPC codes (the request type is 0x10000000 | rpc). */
#define GH_CREATE 0x00100101u
#define GH_START 0x00100201u
#define GH_SHUTDOWN_GRACEFUL 0x00100301u
#define GH_SHUTDOWN_FORCED 0x00100401u
#define GH_EXEC 0x00100501u
#define GH_WAIT 0x00100601u
#define GH_SIGNAL 0x00100701u
#define GH_RESIZE 0x00100801u
#define GH_PROPERTIES 0x00100901u
#define GH_MODIFY 0x00100A01u
#define GH_NEGOTIATE 0x00100B01u
#define GH_STACKS 0x00100C01u
#define GH_DELETE 0x00100D01u

typedef struct gh_frame {
    uint32_t type;
    uint64_t id;
    char *body; /* NUL-terminated */
    size_t len;
} gh_frame;

typedef struct ghost {
    char dir[64];
    int listener; /* DIR/1073741824 */
    int br;       /* host end of the bridge */
    pid_t agent;
    uint64_t next_id;
    uint32_t next_port;
    gh_frame *q; /* frames received but not yet claimed */
    size_t nq, capq;
    unsigned char *rbuf;
    size_t rlen, rcap;
} ghost;

/* Path of the hcs-gcs binary under test. */
const char *gh_agent_path(void);

/* Starts an agent with --connect unix:DIR (stdio=0) or --stdio with
 * --stdio-dir DIR (stdio=1), plus extra NULL-terminated arguments. */
void gh_start(ghost *h, int stdio, const char *const *extra);
/* Same, with the agent's command prefixed (e.g. unshare ...) and the
 * temporary directory made from dir_template (NULL: /tmp/hcsg-test-XXXXXX). */
void gh_start_ex(ghost *h, int stdio, const char *const *extra, const char *const *prefix,
                 const char *dir_template);
/* A gh_start_ex prefix running the agent in a mount namespace of its own
 * with a tmpfs on /run, as in a utility VM: the paths under /run/gcs work
 * unchanged and every mount the agent makes vanishes with it. */
extern const char *const gh_vm_prefix[];
/* Closes the bridge and waits for the agent (killing it after timeout_ms).
 * Returns the agent's wait status. */
int gh_stop(ghost *h, int timeout_ms);
/* Removes the temporary directory. */
void gh_cleanup(ghost *h);
/* gh_stop, asserting the agent exited (not killed by a signal or at the
 * timeout); returns its exit status. */
int gh_stop_exited(ghost *h, int timeout_ms);
/* Waits up to timeout_ms for an agent that is ending by itself (bridge
 * still open), asserting it did; returns its wait status. */
int gh_reap(ghost *h, int timeout_ms);
/* The usual session: gh_start (unix:DIR) and gh_negotiate; gh_finish
 * asserts the agent exits 0 when the host leaves, then cleans up. */
void gh_up(ghost *h, const char *const *extra);
void gh_finish(ghost *h);

/* A cmocka fixture for one such session: *state holds the extra agent
 * arguments (NULL: none) and becomes the ghost, up and negotiated. The
 * teardown ends it like gh_finish (it runs after a failed test too), or
 * only cleans up when the test already stopped the agent. */
int gh_setup(void **state);
int gh_teardown(void **state);
/* cmocka's initialisers with that fixture (a macro, as cmocka's are). */
#define GH_TEST(f) cmocka_unit_test_setup_teardown(f, gh_setup, gh_teardown)
#define GH_TEST_ARGS(f, extra) \
    cmocka_unit_test_prestate_setup_teardown(f, gh_setup, gh_teardown, (void *)(extra))

/* A cmocka test entry named name running f with *state = arg: one test
 * function for several cases (cmocka_unit_test_prestate would give them
 * all f's name). */
#define GH_CASE(name, f, arg) {name, f, NULL, NULL, (void *)(arg)}
/* The int a GH_CASE passed. */
#define GH_CASE_INT(state) (*(const int *)*(state))

/* Sends a request; body is the JSON text (a trailing \n is added like Go's
 * encoder). Returns the id used. */
uint64_t gh_send(ghost *h, uint32_t rpc, const char *body);
void gh_send_typed(ghost *h, uint32_t type, uint64_t id, const char *body, size_t len);
void gh_send_bytes(ghost *h, const void *p, size_t n);
/* The same, but a peer that closed (EPIPE, ECONNRESET) ends it quietly:
 * for frames the agent may refuse before reading them whole. 0 when all
 * was sent, -1 when the peer closed. */
int gh_send_bytes_lenient(ghost *h, const void *p, size_t n);
/* Receives the frame answering id (other frames are queued). 0, or -1 on
 * timeout/EOF. */
int gh_recv(ghost *h, uint64_t id, int timeout_ms, gh_frame *out);
/* gh_recv that must succeed with exactly the body want. */
void gh_expect_body(ghost *h, uint64_t id, int timeout_ms, const char *want);
/* The next guest notification (type 0x3...), queued or arriving. */
int gh_recv_notification(ghost *h, int timeout_ms, gh_frame *out);
void gh_frame_free(gh_frame *f);
/* Sends and waits; returns the parsed response body (caller puts). */
hcsi_json *gh_call(ghost *h, uint32_t rpc, const char *body, int timeout_ms);
/* Result of a response body. */
int32_t gh_result(const hcsi_json *resp);
/* Its ErrorMessage (asserted present; valid while resp is). */
const char *gh_error_message(const hcsi_json *resp);

/* NegotiateProtocol, asserting success. */
void gh_negotiate(ghost *h);

/* Stdio listener on DIR/port. */
int gh_listen(ghost *h, uint32_t port);
/* Accepts one connection within timeout_ms (-1 on timeout). */
int gh_accept(int listener, int timeout_ms);

/* An exec in the UVM. params_extra is inserted into ProcessParameters
 * (e.g. "\"CommandArgs\":[\"/bin/echo\",\"hi\"]"); pipes is a mask of
 * GH_IN/GH_OUT/GH_ERR. On success *pid and the accepted sockets are set. */
#define GH_IN 1
#define GH_OUT 2
#define GH_ERR 4
typedef struct gh_proc {
    uint32_t pid;
    int in, out, err;
    int32_t result;
    char error[512];
} gh_proc;
int gh_exec(ghost *h, const char *params_extra, int pipes, gh_proc *p);
/* Exec that must succeed. */
void gh_exec_ok(ghost *h, const char *params_extra, int pipes, gh_proc *p);
/* WaitForProcess: returns Result; *code gets ExitCode. */
int32_t gh_wait(ghost *h, uint32_t pid, uint32_t timeout_ms, uint32_t *code, int rpc_timeout_ms);
int32_t gh_signal(ghost *h, uint32_t pid, int sig);
/* An unbounded gh_wait asserted to succeed; returns ExitCode. */
uint32_t gh_exit_code(ghost *h, uint32_t pid);
/* The same for a container's process (GH_ZERO: the UVM's), waiting up to 20 s
 * for the answer. */
uint32_t gh_exit_code_in(ghost *h, const char *cid, uint32_t pid);
/* gh_signal then gh_exit_code, both asserted to succeed. */
uint32_t gh_signal_wait(ghost *h, uint32_t pid, int sig);
/* The same for a container's processes. */
int gh_exec_in(ghost *h, const char *cid, const char *params_extra, int pipes, gh_proc *p);
int32_t gh_wait_in(ghost *h, const char *cid, uint32_t pid, uint32_t timeout_ms, uint32_t *code,
                   int rpc_timeout_ms);
int32_t gh_signal_in(ghost *h, const char *cid, uint32_t pid, int sig);
/* Sends a WaitForProcess without waiting for its answer; returns its id. */
uint64_t gh_send_wait_in(ghost *h, const char *cid, uint32_t pid, uint32_t timeout_ms);
/* ResizeConsole to height x width, answered within timeout_ms; returns the
 * response (caller puts). */
hcsi_json *gh_resize_in(ghost *h, const char *cid, uint32_t pid, unsigned height, unsigned width,
                        int timeout_ms);
void gh_close_proc(gh_proc *p);
/* An exec with stdout only (none: out NULL), run to its end: stdout read
 * to EOF into out (initialised here), the socket closed, the exit waited
 * for (each step asserted). Returns the exit code. */
uint32_t gh_run(ghost *h, const char *params_extra, hcsi_buf *out);

/* Reads fd to EOF (or timeout) into b; returns 0 on EOF, -1 on timeout. */
int gh_read_all(int fd, hcsi_buf *b, int timeout_ms);
/* Reads until the buffer contains needle; 0 found, -1 EOF/timeout. */
int gh_read_until(int fd, hcsi_buf *b, const char *needle, int timeout_ms);
/* b initialised, then fd read to EOF into it (asserted, within timeout_ms). */
void gh_slurp(int fd, hcsi_buf *b, int timeout_ms);
/* b initialised, then fd read until b holds needle (asserted). */
void gh_slurp_until(int fd, hcsi_buf *b, const char *needle, int timeout_ms);
/* fd read to EOF (asserted, within timeout_ms); returns how many bytes. */
size_t gh_drain(int fd, int timeout_ms);
/* out and err initialised; each of p's output sockets read to EOF and
 * closed (the drain rule: the agent reports the exit once the host has
 * closed its ends). */
void gh_read_both(gh_proc *p, hcsi_buf *out, hcsi_buf *err, int timeout_ms);
void gh_write_all(int fd, const void *p, size_t n);

/* JSON-string-encodes s (for ProcessParameters/Query); malloc'ed. */
char *gh_quote(const char *s);

/* Reads the file at path into buf (at most n - 1 bytes, NUL-terminated);
 * returns the length, or -1 when it cannot be opened. */
long gh_read_file(const char *path, char *buf, size_t n);
/* rm -rf dir (saying so on stderr when it cannot). */
void gh_rmtree(const char *dir);

/* Milliseconds since an arbitrary origin. */
uint64_t gh_now_ms(void);
/* 1 while pid exists (kill(pid, 0)). */
int gh_pid_alive(pid_t pid);

/* A suite that cannot run here (why): under CI=true the test fails;
 * elsewhere "skipped: <needs>: <why>" is printed and 0 returned. */
int gh_unavailable(const char *suite, const char *needs, const char *why);
/* Runs a shell command (its output to the test's stderr): the exit status,
 * -1 when it did not exit. */
int gh_sh(const char *fmt, ...) HCSI_PRINTF(1, 2);

#endif
