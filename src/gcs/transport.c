/* GCS transports: socket streams, address parsing, listeners (the fd-pair
 * streams and the OS listeners are in unix/transport.c, win/transport.c). */
#include "gcs/os.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcs/gcs_protocol.h"

/* ================= socket stream ================= */

typedef struct sock_stream {
    hcsi_gcs_stream base;
    hcsi_sock sock;
} sock_stream;

static hcs_result ss_read(hcsi_gcs_stream *s, void *buf, size_t n, size_t *got)
{
    return hcsi_sock_read(((sock_stream *)s)->sock, buf, n, got);
}

static hcs_result ss_write(hcsi_gcs_stream *s, const void *buf, size_t n)
{
    return hcsi_sock_write_full(((sock_stream *)s)->sock, buf, n);
}

static hcs_result ss_wait(hcsi_gcs_stream *s, int64_t timeout_ms)
{
    return hcsi_sock_wait_readable(((sock_stream *)s)->sock, timeout_ms);
}

static void ss_shutdown(hcsi_gcs_stream *s)
{
    hcsi_sock_shutdown_both(((sock_stream *)s)->sock);
}

static void ss_destroy(hcsi_gcs_stream *s)
{
    if (!s)
        return;
    hcsi_sock_close(((sock_stream *)s)->sock);
    free(s);
}

static const hcsi_gcs_stream_ops g_sock_ops = {ss_read, ss_write, ss_wait, ss_shutdown,
                                              ss_destroy};

hcs_result hcsi_gcs_stream_from_sock(hcsi_sock s, hcsi_gcs_stream **out)
{
    sock_stream *st = (sock_stream *)hcsi_calloc(1, sizeof *st);
    if (!st) {
        hcsi_sock_close(s);
        return hcsi_err_oom();
    }
    st->base.ops = &g_sock_ops;
    st->sock = s;
    *out = &st->base;
    return HCS_S_OK;
}

hcs_result hcsi_gcs_stream_read_fn(void *ctx, void *buf, size_t n, size_t *got)
{
    hcsi_gcs_stream *s = (hcsi_gcs_stream *)ctx;
    return s->ops->read(s, buf, n, got);
}

/* ================= addresses ================= */

void hcsi_gcs_vsock_service_guid(uint32_t port, hcs_guid *out)
{
    hcs_guid_parse(HCS_GCS_HVSOCK_TEMPLATE, out);
    out->data1 = port;
}

void hcsi_gcs_pack_sockaddr_vm(uint32_t cid, uint32_t port, uint8_t out[16])
{
    uint16_t fam = HCSI_AF_VSOCK_LINUX;
    memset(out, 0, 16);
    /* Host byte order, as the kernel's struct sockaddr_vm. */
    memcpy(out, &fam, 2);
    memcpy(out + 4, &port, 4);
    memcpy(out + 8, &cid, 4);
}

void hcsi_gcs_pack_sockaddr_hv(const hcs_guid *vm_id, const hcs_guid *service_id,
                               uint8_t out[36])
{
    uint16_t fam = HCSI_AF_HYPERV;
    memset(out, 0, 36);
    memcpy(out, &fam, 2);
    hcs_guid_to_bytes(vm_id, out + 4);
    hcs_guid_to_bytes(service_id, out + 20);
}

static hcs_result parse_port(const char *s, const char *text, uint32_t *out)
{
    char *end = NULL;
    unsigned long long v;
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "GCS address \"%s\": missing vsock port number", text);
    v = strtoull(s, &end, 0);
    if (*end || v > 0xFFFFFFFFull)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "GCS address \"%s\": \"%s\" is not a 32-bit port number",
                        text, s);
    *out = (uint32_t)v;
    return HCS_S_OK;
}

hcs_result hcsi_gcs_addr_parse(const char *text, hcsi_gcs_addr *out)
{
    hcs_result hr;
    memset(out, 0, sizeof *out);
    if (!text)
        return hcsi_err(HCS_ERR_INVALIDARG, "GCS address: NULL");
    if (strncmp(text, "vsock:", 6) == 0) {
        out->kind = HCSI_GCS_ADDR_VSOCK;
        if (text[6] == '\0') {
            out->port = HCS_GCS_VSOCK_PORT_BRIDGE;
            return HCS_S_OK;
        }
        return parse_port(text + 6, text, &out->port);
    }
    if (strncmp(text, "hvsock:", 7) == 0) {
        const char *p = text + 7;
        char vm[40];
        out->kind = HCSI_GCS_ADDR_HVSOCK;
        if (strlen(p) < HCS_GUID_STRING_LEN ||
            (p[HCS_GUID_STRING_LEN] && p[HCS_GUID_STRING_LEN] != ':'))
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "GCS address \"%s\": expected hvsock:VMID[:SERVICEGUID] "
                            "with 36-character GUIDs", text);
        memcpy(vm, p, HCS_GUID_STRING_LEN);
        vm[HCS_GUID_STRING_LEN] = '\0';
        hr = hcs_guid_parse(vm, &out->vm_id);
        if (HCS_FAILED(hr))
            return hcsi_err_wrap(hr, "GCS address \"%s\": VM id", text);
        if (p[HCS_GUID_STRING_LEN] == ':') {
            hr = hcs_guid_parse(p + HCS_GUID_STRING_LEN + 1, &out->service_id);
            if (HCS_FAILED(hr))
                return hcsi_err_wrap(hr, "GCS address \"%s\": service id", text);
            out->has_service = 1;
        }
        out->port = HCS_GCS_VSOCK_PORT_BRIDGE;
        return HCS_S_OK;
    }
    if (strncmp(text, "unix:", 5) == 0) {
        size_t n = strlen(text + 5);
        if (n == 0)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "GCS address \"%s\": missing directory", text);
        out->kind = HCSI_GCS_ADDR_UNIX;
        out->dir = hcsi_strdup(text + 5);
        if (!out->dir)
            return hcsi_err_oom();
        /* "unix:DIR/" and "unix:DIR" name the same directory */
        while (n > 1 && (out->dir[n - 1] == '/' || out->dir[n - 1] == '\\'))
            out->dir[--n] = '\0';
        out->port = HCS_GCS_VSOCK_PORT_BRIDGE;
        return HCS_S_OK;
    }
    return hcsi_err(HCS_ERR_INVALIDARG,
                    "GCS address \"%s\": expected vsock:PORT, "
                    "hvsock:VMID[:SERVICEGUID] or unix:DIR", text);
}

void hcsi_gcs_addr_free(hcsi_gcs_addr *a)
{
    if (!a)
        return;
    free(a->dir);
    a->dir = NULL;
}

static char *unix_port_path(const hcsi_gcs_addr *a, uint32_t port)
{
    return hcsi_asprintf("%s/%lu", a->dir, (unsigned long)port);
}

/* Listens on port of the address's port space (svc: its hvsock service),
 * Winsock started first. */
static hcs_result listen_kind(const hcsi_gcs_addr *a, uint32_t port,
                              const hcs_guid *svc, hcsi_sock *out)
{
    hcs_result hr = hcsi_net_init();
    if (HCS_FAILED(hr))
        return hr;
    switch (a->kind) {
    case HCSI_GCS_ADDR_UNIX: {
        char *path = unix_port_path(a, port);
        if (!path)
            return hcsi_err_oom();
        hr = hcsi_sock_listen_unix(path, out);
        free(path);
        return hr;
    }
    case HCSI_GCS_ADDR_VSOCK:
        return hcsi_gcs_listen_vsock(port, out);
    case HCSI_GCS_ADDR_HVSOCK:
        return hcsi_gcs_listen_hv(&a->vm_id, svc, out);
    }
    return hcsi_err(HCS_ERR_INVALIDARG, "GCS address: unknown kind");
}

hcs_result hcsi_gcs_addr_listen_bridge(const hcsi_gcs_addr *a, int windows_guest,
                                       hcsi_sock *out)
{
    hcs_guid svc;
    if (a->has_service)
        svc = a->service_id;
    else
        hcs_guid_parse(windows_guest ? HCS_GCS_WINDOWS_SERVICE_ID
                                     : HCS_GCS_LINUX_SERVICE_ID, &svc);
    return listen_kind(a, a->port, &svc, out);
}

hcs_result hcsi_gcs_addr_listen_port(const hcsi_gcs_addr *a, uint32_t port,
                                     hcsi_sock *out)
{
    hcs_guid svc;
    hcsi_gcs_vsock_service_guid(port, &svc);
    return listen_kind(a, port, &svc, out);
}

void hcsi_gcs_addr_unlink_port(const hcsi_gcs_addr *a, uint32_t port)
{
    char *path;
    if (a->kind != HCSI_GCS_ADDR_UNIX)
        return;
    path = unix_port_path(a, port);
    if (!path)
        return;
    hcsi_gcs_remove_file(path);
    free(path);
}
