/*
 * A hostile GCS guest for hcsctl's end-to-end tests (test_cli_hostile):
 * speaks the bridge on stdin/stdout like `hcs-gcs --stdio`, negotiates
 * properly, then misbehaves as told. POSIX only.
 *
 *   hostile_gcs --stdio-dir DIR --stdin-sink
 *       ExecuteProcess: dials the stdio relays, closes stdout and stderr at
 *       once and never reads stdin. WaitForProcess is answered (ExitCode 0)
 *       only once the host's stdin is stuck: bytes are queued on the stdin
 *       relay and their number has not changed for 200 ms (at most 10 s).
 *       The stdin relay stays open until the bridge closes.
 *   hostile_gcs [--stdio-dir DIR] --stall N [--drip]
 *       Answers the first N-1 requests after NegotiateProtocol and never
 *       request N or any later one. A container run sends 1 CombinedLayers
 *       Add, 2 Create, 3 Start, 4 ExecuteProcess, 5 WaitForProcess, then
 *       at teardown 6 Shutdown...; a UVM process 1 ExecuteProcess, 2
 *       WaitForProcess. With --drip the answer to request N is written
 *       one byte every 250 ms instead.
 *
 * An ExecuteProcess that is answered dials the relays and closes stdout
 * and stderr at once (the process is done); WaitForProcess gets ExitCode
 * 0.
 *   hostile_gcs --stdio-dir DIR --bidi
 *       Text built to make the host's output read as something else: U+202E
 *       (right-to-left override), U+2066 (LRI), U+200B, U+200F, U+FEFF,
 *       U+00AD, U+061C, U+2028, U+E0041 (a tag) in
 *         - the ErrorMessage and ErrorRecords of a failed ModifySettings
 *           (the container mode's CombinedLayers Add),
 *         - those of a failed ExecuteProcess when argv[0] is "fail",
 *         - the ContainerId of a notification for an unknown container
 *           (logged by the bridge as a warning),
 *         - and, as bytes, on the relayed stdout and stderr of any other
 *           process (which hcsctl must pass through unchanged).
 *
 * Every other request gets {"Result":0}. EOF on stdin ends it (exit 0).
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define RPC_EXECUTE 0x00100501u
#define RPC_WAIT 0x00100601u
#define RPC_MODIFY 0x00100A01u
#define RPC_NEGOTIATE 0x00100B01u

#define OK "{\"Result\":0,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\"}"

/* JSON escapes: "exit code 0 <RLO>... " reads backwards on a terminal. */
#define BIDI_JSON                                                                     \
    "denied \\u202eLIAF\\u202c \\u2066x\\u2069 z\\u200bw\\u200fs\\ufeffb\\u00adh\\u061c" \
    "l\\u2028p\\udb40\\udc41t"
static const char g_bidi_error[] =
    "{\"Result\":-2147024891,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\","
    "\"ErrorMessage\":\"" BIDI_JSON "\",\"ErrorRecords\":[{\"Result\":-2147024891,"
    "\"Message\":\"" BIDI_JSON "\",\"ModuleName\":\"gcs\\u202e\",\"FileName\":\"\","
    "\"Line\":1}]}";
static const char g_bidi_notify[] =
    "{\"ContainerId\":\"c\\u202eevil\",\"Type\":\"Exit\\u2066\",\"Operation\":\"None\","
    "\"Result\":0}";
/* The same characters as UTF-8 bytes, for the relayed stdout/stderr. */
static const char g_bidi_bytes[] =
    "out \xE2\x80\xAE" "LIAF\xE2\x80\xAC \xE2\x81\xA6x\xE2\x81\xA9 \xE2\x80\x8B\xEF\xBB\xBF"
    "\xC2\xAD\xD8\x9C\xE2\x80\xA8\xF3\xA0\x81\x81\n";

#include "fake_guest_io.h"
#include "gcs_peer.h"

/* Waits until bytes are queued on s and their number stays put for
 * 200 ms (the host's writer is blocked), at most 10 s. */
static void wait_stuck(int s)
{
    int last = -1, stable = 0, i;
    for (i = 0; i < 200 && stable < 4; i++) {
        int q = 0;
        if (ioctl(s, FIONREAD, &q) != 0)
            break;
        stable = q > 0 && q == last ? stable + 1 : 0;
        last = q;
        sleep_ms(50);
    }
    fprintf(stderr, "hostile_gcs: %d bytes of stdin queued, unread\n", last);
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int stdin_sink = 0, bidi = 0, drip = 0, i, socks[3] = {-1, -1, -1};
    long stall = 0, nreq = 0;
    signal(SIGPIPE, SIG_IGN);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stdio-dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--stdin-sink") == 0)
            stdin_sink = 1;
        else if (strcmp(argv[i], "--stall") == 0 && i + 1 < argc)
            stall = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--drip") == 0)
            drip = 1;
        else if (strcmp(argv[i], "--bidi") == 0)
            bidi = 1;
        else {
            fprintf(stderr, "hostile_gcs: bad argument \"%s\"\n", argv[i]);
            return 2;
        }
    }
    for (;;) {
        unsigned char h[16];
        hcsi_gcs_header hd;
        uint32_t type, rpc;
        uint64_t id;
        char *body;
        if (read_full(0, h, 16) != 0)
            break;
        hcsi_gcs_header_unpack(h, &hd);
        type = hd.type;
        id = hd.id;
        if (hd.size < 16 || hd.size > (1u << 24))
            return 3;
        body = (char *)malloc(hd.size - 16 + 1);
        if (!body || read_full(0, (unsigned char *)body, hd.size - 16) != 0)
            return 3;
        body[hd.size - 16] = '\0';
        rpc = type & 0x0FFFFFFFu;
        if (rpc == RPC_NEGOTIATE) {
            respond(type, id, PEER_LINUX_NEGOTIATE, 0);
            free(body);
            continue;
        }
        nreq++;
        if (stall && nreq > stall) {
            free(body); /* silent from here on */
            continue;
        }
        if (stall && nreq == stall) {
            if (drip)
                respond(type, id, OK, 1);
            free(body);
            continue;
        }
        if (rpc == RPC_MODIFY && bidi) {
            respond(type, id, g_bidi_error, 0);
        } else if (rpc == RPC_EXECUTE && bidi && strstr(body, "\\\"fail\\\"")) {
            respond(type, id, g_bidi_error, 0);
        } else if (rpc == RPC_EXECUTE) {
            static const char *const keys[3] = {"StdIn", "StdOut", "StdErr"};
            for (i = 0; i < 3; i++) {
                uint32_t port = relay_port(body, keys[i]);
                if (port && dir && (socks[i] = dial(dir, port)) < 0) {
                    fprintf(stderr, "hostile_gcs: dial %s/%lu: %s\n", dir,
                            (unsigned long)port, strerror(errno));
                    return 3;
                }
            }
            if (bidi) {
                send_frame(0x30100101u, 0, g_bidi_notify, 0);
                for (i = 1; i < 3; i++)
                    if (socks[i] >= 0)
                        write_full(socks[i], g_bidi_bytes, sizeof g_bidi_bytes - 1);
            }
            for (i = 1; i < 3; i++) /* the process "exits": EOF on its output */
                if (socks[i] >= 0) {
                    close(socks[i]);
                    socks[i] = -1;
                }
            respond(type, id, "{\"Result\":0,\"ActivityId\":"
                              "\"00000000-0000-0000-0000-000000000000\",\"ProcessId\":42}", 0);
        } else if (rpc == RPC_WAIT) {
            if (stdin_sink && socks[0] >= 0)
                wait_stuck(socks[0]);
            respond(type, id, "{\"Result\":0,\"ActivityId\":"
                              "\"00000000-0000-0000-0000-000000000000\",\"ExitCode\":0}", 0);
        } else {
            respond(type, id, OK, 0);
        }
        free(body);
    }
    return 0;
}
