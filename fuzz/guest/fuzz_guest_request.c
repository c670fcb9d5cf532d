/*
 * libFuzzer target: hcs-gcs's request decoding and dispatch.
 *
 * The input is a stream of bridge frames (16-byte header + body), as the
 * host would send them; each input gets a fresh dry-run agent (nothing is
 * spawned, dialled or signalled) whose responses go to a sink that checks
 * them: every request is answered with a frame of the matching response
 * type whose body is valid JSON carrying an int32 Result, and no response
 * exceeds hcsshim's 64 KiB receive limit. A first frame other than
 * NegotiateProtocol is preceded by a valid negotiation so that every
 * handler is reachable. Input that is not a frame stream is also fed as the
 * body of every request type, then as a CommandLine to the go-shellwords
 * splitter, as a transport address, and as a container id, a bundle path
 * and an overlay layer path (the runtime's checks and escaping).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcs.h"
#include "runtime/runtime.h"
#include "gcs/frame.h"

typedef struct sink {
    int responses;
} sink;

static int check_send(void *ctx, uint32_t type, uint64_t id, const char *body, size_t len)
{
    sink *s = (sink *)ctx;
    hcsi_json *v = NULL;
    int32_t r;
    (void)id;
    s->responses++;
    if ((type & 0xF0000000u) != 0x20000000u)
        abort(); /* the agent only ever answers */
    if (len + 16 > 65536)
        abort(); /* hcsshim would kill the bridge */
    if (HCS_FAILED(hcsi_json_parse(body, len, "response", &v)))
        abort();
    if (hcsi_json_get_i32(v, "r", "Result", &r) != 1)
        abort();
    hcsi_json_put(v);
    return 0;
}

static const uint32_t g_rpcs[] = {
    HCS_GCS_RPC_CREATE, HCS_GCS_RPC_START, HCS_GCS_RPC_SHUTDOWN_GRACEFUL,
    HCS_GCS_RPC_SHUTDOWN_FORCED, HCS_GCS_RPC_EXECUTE_PROCESS, HCS_GCS_RPC_WAIT_FOR_PROCESS,
    HCS_GCS_RPC_SIGNAL_PROCESS, HCS_GCS_RPC_RESIZE_CONSOLE, HCS_GCS_RPC_GET_PROPERTIES,
    HCS_GCS_RPC_MODIFY_SETTINGS, HCS_GCS_RPC_DUMP_STACKS, HCS_GCS_RPC_DELETE_CONTAINER_STATE,
    HCS_GCS_RPC_UPDATE_CONTAINER, HCS_GCS_RPC_MODIFY_SERVICE_SETTINGS};

static const char g_negotiate[] =
    "{\"ContainerId\":\"\",\"ActivityId\":\"00000000-0000-0000-0000-000000000000\","
    "\"MinimumVersion\":4,\"MaximumVersion\":4}\n";

static hcsg_agent *fresh(sink *s, int negotiated)
{
    hcsg_options o;
    hcsg_agent *a;
    hcsg_options_init(&o);
    a = hcsg_agent_new(&o);
    if (!a)
        abort();
    hcsg_agent_set_sink(a, check_send, s);
    hcsg_agent_set_dry_run(a, 1);
    if (negotiated) {
        hcsg_agent_handle(a, HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_NEGOTIATE_PROTOCOL), 0,
                          g_negotiate, sizeof g_negotiate - 1);
    }
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    sink s = {0};
    hcsg_agent *a;
    hcsi_gcs_frame f;
    size_t off = 0, used, i;
    int frames = 0, expect = 0;
    if (!init) {
        hcsg_log_set_level(HCSG_LOG_ERROR);
        hcsg_log_open("/dev/null");
        init = 1;
    }
    if (size > 1u << 20)
        return 0;
    /* A stream of frames. */
    if (HCS_SUCCEEDED(hcsi_gcs_frame_parse(data, size, HCSG_DEFAULT_MAX_FRAME, 0, &f, &used)) &&
        f.size >= 16) {
        a = fresh(&s, f.type != HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_NEGOTIATE_PROTOCOL));
        expect = s.responses;
        while (frames < 64 && off < size &&
               hcsi_gcs_frame_parse(data + off, size - off, HCSG_DEFAULT_MAX_FRAME, off, &f,
                                    &used) == HCS_S_OK) {
            uint32_t t = f.type;
            int stop = hcsg_agent_handle(a, t, f.id, f.body, f.body_len);
            /* Everything but a UVM shutdown (not taken in a dry run) and
             * the answers sent later (none in a dry run) is answered now. */
            if (!stop)
                expect++;
            if (s.responses != expect)
                abort();
            off += used;
            frames++;
        }
        hcsg_agent_free(a);
        hcs_error_clear();
        return 0;
    }
    /* Raw bodies for every request type. */
    a = fresh(&s, 1);
    for (i = 0; i < sizeof g_rpcs / sizeof g_rpcs[0]; i++) {
        int before = s.responses;
        hcsg_agent_handle(a, HCS_GCS_REQUEST_TYPE(g_rpcs[i]), i + 1, (const char *)data, size);
        if (s.responses != before + 1)
            abort();
    }
    hcsg_agent_free(a);
    /* The command line splitter and the address parser. */
    {
        hcsg_strv v;
        hcsg_addr ad;
        hcsg_err ae;
        char *z = (char *)malloc(size + 1);
        if (!z)
            return 0;
        memcpy(z, data, size);
        z[size] = '\0';
        if (hcsg_shellwords((const char *)data, size, &v) == 0) {
            for (i = 0; i < v.n; i++)
                if (!v.v[i])
                    abort();
            hcsg_strv_free(&v);
        }
        (void)hcsg_addr_parse(z, &ad, &ae);
        {
            /* The runtime's checks: an id and a path either pass or fail
             * with a message; an escaped path has no bare ',' or ':'. */
            hcsg_err ge;
            char esc[8192];
            hcsg_err_clear(&ge);
            if (hcsg_check_id(z, &ge) == 0 && (strchr(z, '/') || strlen(z) > HCSG_MAX_ID))
                abort();
            hcsg_err_clear(&ge);
            if (hcsg_check_path_under("/run/gcs/c", z, "path", &ge) == 0 &&
                (strncmp(z, "/run/gcs/c/", 11) != 0 || strstr(z, "/../") || strstr(z, "//")))
                abort();
            if (hcsg_overlay_escape(z, esc, sizeof esc) == 0) {
                size_t k;
                for (k = 0; esc[k]; k++) {
                    if (esc[k] == '\\') {
                        if (!esc[k + 1])
                            abort();
                        k++;
                    } else if (esc[k] == ',' || esc[k] == ':') {
                        abort();
                    }
                }
            }
        }
        free(z);
    }
    hcs_error_clear();
    return 0;
}
