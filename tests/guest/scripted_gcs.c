/*
 * A scripted GCS guest for hcsctl's end-to-end tests: it speaks the bridge
 * on stdin/stdout (like `hcs-gcs --stdio`) and answers with what a real
 * guest could not produce on demand.
 *
 *   scripted_gcs --stdio-dir DIR --exit-code N
 *       ExecuteProcess: dials the requested stdio ports (DIR/PORT) and
 *       answers ProcessId 42; WaitForProcess: closes the relays and answers
 *       ExitCode N (any uint32, e.g. 256 or 4294967295).
 *   scripted_gcs --stdio-dir DIR --exec-error
 *       ExecuteProcess fails with an ErrorMessage and an ErrorRecord that
 *       hold terminal escapes (ESC [31m, a C1 CSI), CR and LF: a hostile
 *       guest trying to forge lines on the host's terminal.
 *
 * Every other request gets {"Result":0}. EOF on stdin ends it (exit 0).
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define RPC_EXECUTE 0x00100501u
#define RPC_WAIT 0x00100601u
#define RPC_NEGOTIATE 0x00100B01u

static const char g_caps[] =
    "{\"Result\":0,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\",\"Version\":4,"
    "\"Capabilities\":{\"SupportedSchemaVersions\":[{\"Major\":2,\"Minor\":1}],"
    "\"RuntimeOsType\":\"Linux\",\"GuestDefinedCapabilities\":{"
    "\"NamespaceAddRequestSupported\":true,\"SignalProcessSupported\":true,"
    "\"DumpStacksSupported\":true,\"DeleteContainerStateSupported\":true}}}";

/* JSON escapes: ESC [31m, a C1 CSI (U+009B) [2J, CR and LF with a forged
 * "hcsctl:" line after them. */
#define HOSTILE "boom \\u001b[31mRED\\u009b2J\\r\\nhcsctl: forged line"
static const char g_exec_error[] =
    "{\"Result\":-2147467259,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\","
    "\"ErrorMessage\":\"" HOSTILE "\",\"ErrorRecords\":[{\"Result\":-2147467259,"
    "\"Message\":\"" HOSTILE "\",\"ModuleName\":\"gcs\\u001b]0;title\\u0007\","
    "\"FileName\":\"\",\"Line\":4294967295}]}";

#include "fake_guest_io.h"

int main(int argc, char **argv)
{
    const char *dir = NULL;
    unsigned long long exit_code = 0;
    int exec_error = 0, i, socks[3] = {-1, -1, -1};
    signal(SIGPIPE, SIG_IGN);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stdio-dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--exit-code") == 0 && i + 1 < argc)
            exit_code = strtoull(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--exec-error") == 0)
            exec_error = 1;
        else {
            fprintf(stderr, "scripted_gcs: bad argument \"%s\"\n", argv[i]);
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "scripted_gcs: --stdio-dir DIR is required\n");
        return 2;
    }
    for (;;) {
        unsigned char h[16];
        uint32_t type, size;
        uint64_t id = 0;
        char *body;
        if (read_full(0, h, 16) != 0)
            break;
        type = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        size = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
        for (i = 7; i >= 0; i--)
            id = (id << 8) | h[8 + i];
        if (size < 16 || size > (1u << 24))
            return 3;
        body = (char *)malloc(size - 16 + 1);
        if (!body || read_full(0, (unsigned char *)body, size - 16) != 0)
            return 3;
        body[size - 16] = '\0';
        switch (type & 0x0FFFFFFFu) {
        case RPC_NEGOTIATE:
            respond(type, id, g_caps, 0);
            break;
        case RPC_EXECUTE:
            if (exec_error) {
                respond(type, id, g_exec_error, 0);
            } else {
                static const char *const keys[3] = {"StdIn", "StdOut", "StdErr"};
                for (i = 0; i < 3; i++) {
                    uint32_t port = relay_port(body, keys[i]);
                    if (port && (socks[i] = dial(dir, port)) < 0) {
                        fprintf(stderr, "scripted_gcs: dial %s/%lu: %s\n", dir,
                                (unsigned long)port, strerror(errno));
                        return 3;
                    }
                }
                respond(type, id,
                        "{\"Result\":0,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\","
                        "\"ProcessId\":42}", 0);
            }
            break;
        case RPC_WAIT: {
            char resp[160];
            for (i = 0; i < 3; i++)
                if (socks[i] >= 0) {
                    close(socks[i]);
                    socks[i] = -1;
                }
            snprintf(resp, sizeof resp,
                     "{\"Result\":0,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\","
                     "\"ExitCode\":%llu}",
                     exit_code);
            respond(type, id, resp, 0);
            break;
        }
        default:
            respond(type, id, "{\"Result\":0}", 0);
            break;
        }
        free(body);
    }
    return 0;
}
