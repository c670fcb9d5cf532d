/* Connecting a GCS bridge: configuration, listener, accept, fd pairs, the
 * protocol handshake (and the Windows null-container setup), and the
 * bridge's accessors. See docs/gcs-bridge.md. */
#include "gcs/bridge.h"

#include <stdlib.h>
#include <string.h>

/* ================= config ================= */

HCSI_OPTIONS_INIT_FN(hcs_gcs_bridge_options, HCS_GCS_BRIDGE_OPTIONS_VERSION,
                     HCS_GCS_BRIDGE_OPTIONS_INIT)

/* The parts of a config that outlive the call (strings copied). */
typedef struct gcs_cfg {
    hcs_gcs_bridge_options c;
    char *stdio_address;
    char *uvm_id;
    char *uvm_config_json;
} gcs_cfg;

static void cfg_free(gcs_cfg *g)
{
    free(g->stdio_address);
    free(g->uvm_id);
    free(g->uvm_config_json);
    memset(g, 0, sizeof *g);
}

static hcs_result cfg_copy(gcs_cfg *g, const hcs_gcs_bridge_options *src)
{
    hcs_gcs_time_zone utc;
    hcs_gcs_system_time zero;
    hcs_result hr;
    memset(g, 0, sizeof *g);
    if (src && src->version != HCS_GCS_BRIDGE_OPTIONS_VERSION)
        return hcsi_check_version(src->version, HCS_GCS_BRIDGE_OPTIONS_VERSION,
                                  "hcs_gcs_bridge_options");
    if (src)
        g->c = *src;
    else
        hcs_gcs_bridge_options_init(&g->c, HCS_GCS_BRIDGE_OPTIONS_VERSION);
    if (g->c.max_message_size == 0)
        g->c.max_message_size = HCS_GCS_MAX_MESSAGE_SIZE;
    /* The reader holds one buffer of this size: bound it. */
    if (g->c.max_message_size < 1024 || g->c.max_message_size > (16u << 20))
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "GCS config: max_message_size %lu is outside 1024..16777216",
                        (unsigned long)g->c.max_message_size);
    if ((g->c.stdio_address && !(g->stdio_address = hcsi_strdup(g->c.stdio_address))) ||
        (g->c.uvm_id && !(g->uvm_id = hcsi_strdup(g->c.uvm_id)))) {
        cfg_free(g);
        return hcsi_err_oom();
    }
    if (g->uvm_id) {
        hcs_guid tmp;
        hr = hcs_guid_parse(g->uvm_id, &tmp);
        if (HCS_FAILED(hr)) {
            cfg_free(g);
            return hcsi_err_wrap(hr, "GCS config: uvm_id");
        }
    }
    /* The Windows null-container config is built now: the time zone is
     * borrowed only for this call. hcsshim's UTC form when unset. */
    if (!g->c.time_zone) {
        memset(&utc, 0, sizeof utc);
        memset(&zero, 0, sizeof zero);
        utc.standard_name = utc.daylight_name = "Coordinated Universal Time";
        utc.standard_date = utc.daylight_date = &zero;
    }
    hr = hcs_gcs_encode_uvm_config(g->c.time_zone ? g->c.time_zone : &utc,
                                   &g->uvm_config_json);
    if (HCS_FAILED(hr)) {
        cfg_free(g);
        return hr;
    }
    g->c.stdio_address = g->stdio_address;
    g->c.uvm_id = g->uvm_id;
    g->c.time_zone = NULL;
    return HCS_S_OK;
}

/* ================= connecting ================= */

/* The connection setup (accept + negotiation + Windows null-container
 * setup) is bounded as a whole, like hcsshim's GCSConnectionTimeout: each
 * handshake RPC gets what is left of the setup budget, never more than the
 * configured per-RPC timeout. */
static void setup_budget(hcs_gcs_bridge *b, int64_t rpc_ms, uint64_t deadline)
{
    uint64_t now = hcsi_now_ns();
    int64_t left;
    if (deadline == UINT64_MAX) {
        b->rpc_timeout_ms = rpc_ms;
        return;
    }
    left = now >= deadline ? 0 : (int64_t)((deadline - now) / 1000000u);
    b->rpc_timeout_ms = (rpc_ms < 0 || left < rpc_ms) ? left : rpc_ms;
}

static hcs_result handshake(hcs_gcs_bridge *b, uint64_t deadline)
{
    int64_t rpc_ms = b->rpc_timeout_ms;
    hcs_gcs_negotiate_request nr;
    hcsi_buf frame;
    char *body = NULL;
    size_t len = 0;
    hcs_result hr;
    const char *os;
    memset(&nr, 0, sizeof nr);
    nr.base.container_id = ""; /* what a real hcsshim connect sends */
    nr.minimum_version = nr.maximum_version = HCS_GCS_PROTOCOL_VERSION;
    hcsi_buf_init(&frame, 0);
    hr = hcsi_gcs_frame_begin(&frame);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_gcs_enc_negotiate(&frame, &nr);
    /* Nothing else is sent until this answer arrives: the Linux GCS
     * rejects requests read before the version is set. */
    setup_budget(b, rpc_ms, deadline);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_gcs_call_sync(b, HCS_GCS_RPC_NEGOTIATE_PROTOCOL, &frame,
                                HCS_TIMEOUT_DEFAULT, "NegotiateProtocol", &body, &len);
    hcsi_buf_free(&frame);
    b->rpc_timeout_ms = rpc_ms;
    if (HCS_FAILED(hr))
        return hr;
    hr = hcs_gcs_decode_negotiate_response(body, len, &b->neg);
    free(body);
    if (HCS_FAILED(hr))
        return hr;
    b->rpc_timeout_ms = rpc_ms;
    if (b->neg.base.result != 0)
        return hcsi_gcs_guest_error("NegotiateProtocol", &b->neg.base);
    if (b->neg.version != HCS_GCS_PROTOCOL_VERSION)
        return hcsi_err(HCS_ERR_UNSUPPORTED_PROTOCOL_VERSION,
                        "NegotiateProtocol: the guest selected protocol version %lu, "
                        "only %u is supported",
                        (unsigned long)b->neg.version, HCS_GCS_PROTOCOL_VERSION);
    os = b->neg.capabilities.runtime_os_type;
    if (!os || !*os) {
        b->os = HCS_GCS_OS_WINDOWS; /* hcsshim's default */
    } else {
        char low[16];
        size_t i;
        for (i = 0; os[i] && i + 1 < sizeof low; i++)
            low[i] = (char)((os[i] >= 'A' && os[i] <= 'Z') ? os[i] - 'A' + 'a' : os[i]);
        low[i] = '\0';
        if (strcmp(low, "windows") == 0 && !os[i])
            b->os = HCS_GCS_OS_WINDOWS;
        else if (strcmp(low, "linux") == 0 && !os[i])
            b->os = HCS_GCS_OS_LINUX;
        else
            b->os = HCS_GCS_OS_UNKNOWN; /* treated like Linux (vsock relays) */
    }
    if (b->os != HCS_GCS_OS_WINDOWS)
        return HCS_S_OK;
    /* Windows guests: null-container Create/Start when asked, then the
     * HvSocket settings the inbox GCS needs to run containers. */
    if (b->neg.capabilities.send_host_create_message) {
        hcs_gcs_create_request cr;
        memset(&cr, 0, sizeof cr);
        cr.base.container_id = HCS_GCS_NULL_CONTAINER_ID;
        cr.container_config_json = b->uvm_config_json;
        setup_budget(b, rpc_ms, deadline);
        hr = hcsi_gcs_rpc_call(b, HCS_GCS_RPC_CREATE, "Create (null container)",
                               hcsi_gcs_enc_create_v, &cr);
        if (HCS_FAILED(hr)) {
            b->rpc_timeout_ms = rpc_ms;
            return hr;
        }
        if (b->neg.capabilities.send_host_start_message) {
            setup_budget(b, rpc_ms, deadline);
            hr = hcsi_gcs_base_rpc(b, HCS_GCS_RPC_START, "Start (null container)",
                          HCS_GCS_NULL_CONTAINER_ID);
            if (HCS_FAILED(hr)) {
                b->rpc_timeout_ms = rpc_ms;
                return hr;
            }
        }
    }
    {
        char *settings = hcsi_asprintf("{\"LocalAddress\":\"%s\",\"ParentAddress\":\"%s\"}",
                                       b->uvm_id ? b->uvm_id : HCS_GCS_NULL_CONTAINER_ID,
                                       HCS_GCS_WINDOWS_HOST_ID);
        if (!settings) {
            b->rpc_timeout_ms = rpc_ms;
            return hcsi_err_oom();
        }
        setup_budget(b, rpc_ms, deadline);
        hr = hcs_gcs_modify_settings(b, HCS_GCS_NULL_CONTAINER_ID, "Update", "HvSocket",
                                     settings);
        free(settings);
    }
    b->rpc_timeout_ms = rpc_ms;
    return hr;
}

static hcs_result bridge_start(hcsi_gcs_stream *stream, const gcs_cfg *cfg,
                               const hcsi_gcs_addr *listen_addr, uint64_t setup_deadline,
                               hcs_gcs_bridge **out)
{
    hcs_gcs_bridge *b;
    hcs_result hr;
    *out = NULL;
    b = (hcs_gcs_bridge *)hcsi_calloc(1, sizeof *b);
    if (!b) {
        stream->ops->destroy(stream);
        return hcsi_err_oom();
    }
    hcsi_mutex_init(&b->lock);
    hcsi_mutex_init(&b->log_lock);
    hcsi_buf_init(&b->outq, 0);
    hcsi_buf_init(&b->spare, 0);
    hcsi_cond_init(&b->bg_cv);
    hcsi_cond_init(&b->flag_cv);
    b->rd_deadline = UINT64_MAX;
    b->refs = 1;
    b->stream = stream;
    b->next_port = HCS_GCS_VSOCK_PORT_STDIO_FIRST;
    b->rpc_timeout_ms = cfg->c.rpc_timeout_ms;
    b->stdio_timeout_ms = cfg->c.stdio_timeout_ms;
    b->log = cfg->c.log;
    b->log_ctx = cfg->c.log_ctx;
    if ((cfg->uvm_id && !(b->uvm_id = hcsi_strdup(cfg->uvm_id))) ||
        !(b->uvm_config_json = hcsi_strdup(cfg->uvm_config_json))) {
        hr = hcsi_err_oom();
        goto fail;
    }
    if (cfg->stdio_address) {
        hr = hcsi_gcs_addr_parse(cfg->stdio_address, &b->stdio_addr);
        if (HCS_FAILED(hr)) {
            hr = hcsi_err_wrap(hr, "GCS config: stdio_address");
            goto fail;
        }
        b->has_stdio_addr = 1;
    } else if (listen_addr) {
        b->stdio_addr = *listen_addr;
        b->stdio_addr.dir = NULL;
        if (listen_addr->dir && !(b->stdio_addr.dir = hcsi_strdup(listen_addr->dir))) {
            hr = hcsi_err_oom();
            goto fail;
        }
        b->has_stdio_addr = 1;
    }
    if (!b->uvm_id && b->has_stdio_addr && b->stdio_addr.kind == HCSI_GCS_ADDR_HVSOCK) {
        char g[40];
        hcs_guid_format(&b->stdio_addr.vm_id, g, sizeof g);
        if (!(b->uvm_id = hcsi_strdup(g))) {
            hr = hcsi_err_oom();
            goto fail;
        }
    }
    hr = hcsi_gcs_bridge_start_io(b, cfg->c.max_message_size);
    if (HCS_FAILED(hr))
        goto fail;
    hr = handshake(b, setup_deadline);
    if (HCS_FAILED(hr)) {
        hcs_error *e = hcs_error_take();
        hcs_gcs_bridge_close(b);
        return hcsi_err_wrap(hcsi_err_restore(e, hr), "GCS handshake");
    }
    *out = b;
    return HCS_S_OK;
fail:
    {
        hcs_error *e = hcs_error_take();
        hcs_gcs_bridge_close(b);
        hr = hcsi_err_restore(e, hr);
    }
    return hr;
}

hcs_result hcs_gcs_connect_fds(hcs_os_handle read_fd, hcs_os_handle write_fd, int take_ownership,
                               const hcs_gcs_bridge_options *cfg, hcs_gcs_bridge **out)
{
    gcs_cfg g;
    hcsi_gcs_stream *s = NULL;
    hcs_result hr;
    if (!out)
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_gcs_connect_fds: NULL output");
    *out = NULL;
    hr = hcsi_net_init();
    if (HCS_FAILED(hr))
        return hr;
    hr = cfg_copy(&g, cfg);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcsi_gcs_stream_from_fds(read_fd, write_fd, take_ownership, &s);
    if (HCS_SUCCEEDED(hr))
        hr = bridge_start(s, &g, NULL, hcsi_deadline_ms(g.c.accept_timeout_ms), out);
    cfg_free(&g);
    return hr;
}

void hcs_gcs_bridge_shutdown(hcs_gcs_bridge *b, const char *reason)
{
    if (!b)
        return;
    hcsi_gcs_bridge_kill(b, "%s", reason ? reason : "shut down by the host");
}

void hcs_gcs_bridge_close(hcs_gcs_bridge *b)
{
    if (!b)
        return;
    hcsi_gcs_bridge_kill(b, "closed by the host");
    if (b->reader_started && !b->reader_joined) {
        hcsi_thread_join(&b->reader_thread);
        b->reader_joined = 1;
    }
    hcsi_gcs_bridge_unref(b);
}

int hcs_gcs_bridge_is_alive(hcs_gcs_bridge *b)
{
    int alive;
    if (!b)
        return 0;
    hcsi_mutex_lock(&b->lock);
    alive = !b->dead;
    hcsi_mutex_unlock(&b->lock);
    return alive;
}

hcs_gcs_os hcs_gcs_bridge_os(const hcs_gcs_bridge *b)
{
    return b ? b->os : HCS_GCS_OS_UNKNOWN;
}

uint32_t hcs_gcs_bridge_protocol_version(const hcs_gcs_bridge *b)
{
    return b ? b->neg.version : 0;
}

const hcs_gcs_capabilities *hcs_gcs_bridge_capabilities(const hcs_gcs_bridge *b)
{
    return b ? &b->neg.capabilities : NULL;
}

void hcs_gcs_bridge_get_statistics(hcs_gcs_bridge *b, hcs_gcs_bridge_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!b)
        return;
    hcsi_mutex_lock(&b->lock);
    *out = b->stats;
    hcsi_mutex_unlock(&b->lock);
}

/* ================= listener ================= */

struct hcs_gcs_listener {
    hcsi_gcs_addr addr;
    hcsi_sock sock;
    gcs_cfg cfg;
};

hcs_result hcs_gcs_listen(const char *address, const hcs_gcs_bridge_options *cfg,
                          hcs_gcs_listener **out)
{
    hcs_gcs_listener *l;
    hcs_result hr;
    if (!out || !address)
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_gcs_listen: NULL argument");
    *out = NULL;
    l = (hcs_gcs_listener *)hcsi_calloc(1, sizeof *l);
    if (!l)
        return hcsi_err_oom();
    l->sock = HCSI_SOCK_INVALID;
    hr = cfg_copy(&l->cfg, cfg);
    if (HCS_FAILED(hr)) {
        free(l);
        return hr;
    }
    hr = hcsi_gcs_addr_parse(address, &l->addr);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_gcs_addr_listen_bridge(&l->addr, l->cfg.c.os_hint == HCS_GCS_OS_WINDOWS,
                                         &l->sock);
    if (HCS_FAILED(hr)) {
        hcs_gcs_listener_close(l);
        return hr;
    }
    *out = l;
    return HCS_S_OK;
}

hcs_result hcs_gcs_accept(hcs_gcs_listener *l, hcs_gcs_bridge **out)
{
    uint64_t setup_deadline;
    hcsi_sock s = HCSI_SOCK_INVALID;
    hcsi_gcs_stream *st = NULL;
    hcs_result hr;
    if (!l || !out)
        return hcsi_err(HCS_ERR_INVALIDARG, "hcs_gcs_accept: NULL argument");
    *out = NULL;
    if (l->sock == HCSI_SOCK_INVALID)
        return hcsi_err(HCS_ERR_INVALID_STATE,
                        "hcs_gcs_accept: the listener already accepted its connection");
    setup_deadline = hcsi_deadline_ms(l->cfg.c.accept_timeout_ms);
    hr = hcsi_sock_accept(l->sock, l->cfg.c.accept_timeout_ms, &s);
    if (HCS_FAILED(hr)) {
        if (hr == HCS_ERR_CONNECTION_TIMEOUT)
            return hcsi_err(HCS_ERR_CONNECTION_TIMEOUT,
                            "the guest did not connect to the GCS bridge within %lld ms",
                            (long long)l->cfg.c.accept_timeout_ms);
        return hcsi_err_wrap(hr, "accepting the GCS bridge connection");
    }
    /* One connection per listener, as hcsshim does. */
    hcsi_sock_close(l->sock);
    l->sock = HCSI_SOCK_INVALID;
    hcsi_gcs_addr_unlink_port(&l->addr, l->addr.port);
    hr = hcsi_gcs_stream_from_sock(s, &st);
    if (HCS_FAILED(hr))
        return hr;
    return bridge_start(st, &l->cfg, &l->addr, setup_deadline, out);
}

void hcs_gcs_listener_close(hcs_gcs_listener *l)
{
    if (!l)
        return;
    if (l->sock != HCSI_SOCK_INVALID) {
        hcsi_sock_close(l->sock);
        hcsi_gcs_addr_unlink_port(&l->addr, l->addr.port);
    }
    hcsi_gcs_addr_free(&l->addr);
    cfg_free(&l->cfg);
    free(l);
}
