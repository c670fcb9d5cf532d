/* GCS bridge framing (see frame.h). */
#include "gcs/frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hcsi_gcs_header_pack(uint8_t o[16], uint32_t type, uint32_t size,
                          uint64_t id)
{
    int i;
    for (i = 0; i < 4; i++) {
        o[i] = (uint8_t)(type >> (8 * i));
        o[4 + i] = (uint8_t)(size >> (8 * i));
    }
    for (i = 0; i < 8; i++)
        o[8 + i] = (uint8_t)(id >> (8 * i));
}

void hcsi_gcs_header_unpack(const uint8_t in[16], hcsi_gcs_header *h)
{
    int i;
    h->type = 0;
    h->size = 0;
    h->id = 0;
    for (i = 3; i >= 0; i--) {
        h->type = (h->type << 8) | in[i];
        h->size = (h->size << 8) | in[4 + i];
    }
    for (i = 7; i >= 0; i--)
        h->id = (h->id << 8) | in[8 + i];
}

hcs_result hcsi_gcs_header_check(const hcsi_gcs_header *h, uint32_t max_size,
                                 uint64_t offset)
{
    char name[40];
    if (max_size == 0)
        max_size = HCS_GCS_MAX_MESSAGE_SIZE;
    if (h->size < HCS_GCS_HEADER_SIZE)
        return hcsi_err(HCS_ERR_PROTOCOL_ERROR,
                        "GCS frame at byte offset %llu (%s, id %llu): size %lu "
                        "is smaller than the 16-byte header",
                        (unsigned long long)offset,
                        hcsi_gcs_type_name(h->type, name, sizeof name),
                        (unsigned long long)h->id, (unsigned long)h->size);
    if (h->size > max_size)
        return hcsi_err(HCS_ERR_PROTOCOL_ERROR,
                        "GCS frame at byte offset %llu (%s, id %llu): size %lu "
                        "exceeds the %lu-byte limit",
                        (unsigned long long)offset,
                        hcsi_gcs_type_name(h->type, name, sizeof name),
                        (unsigned long long)h->id, (unsigned long)h->size,
                        (unsigned long)max_size);
    return HCS_S_OK;
}

static const char *const g_rpc_names[] = {
    NULL,
    "Create",
    "Start",
    "ShutdownGraceful",
    "ShutdownForced",
    "ExecuteProcess",
    "WaitForProcess",
    "SignalProcess",
    "ResizeConsole",
    "GetProperties",
    "ModifySettings",
    "NegotiateProtocol",
    "DumpStacks",
    "DeleteContainerState",
    "UpdateContainer",
    "LifecycleNotification",
};

const char *hcsi_gcs_rpc_name(uint32_t type)
{
    uint32_t kind = type & HCS_GCS_MSG_TYPE_MASK;
    uint32_t proc = type & ~HCS_GCS_MSG_TYPE_MASK;
    uint32_t n;
    if (kind == HCS_GCS_MSG_NOTIFY)
        return type == HCS_GCS_NOTIFY_CONTAINER ? "Container" : NULL;
    if (kind != HCS_GCS_MSG_REQUEST && kind != HCS_GCS_MSG_RESPONSE)
        return NULL;
    if (proc == HCS_GCS_RPC_MODIFY_SERVICE_SETTINGS)
        return "ModifyServiceSettings";
    if ((proc & (HCS_GCS_MSG_CATEGORY_MASK | HCS_GCS_MSG_VERSION_MASK)) !=
        (HCS_GCS_CATEGORY_COMPUTE_SYSTEM | HCS_GCS_MSG_VERSION_V1))
        return NULL;
    n = (proc & HCS_GCS_MSG_ID_MASK) >> 8;
    if (n == 0 || n >= HCSI_ARRAY_LEN(g_rpc_names))
        return NULL;
    return g_rpc_names[n];
}

const char *hcsi_gcs_kind_name(uint32_t type)
{
    switch (type & HCS_GCS_MSG_TYPE_MASK) {
    case HCS_GCS_MSG_REQUEST: return "Request";
    case HCS_GCS_MSG_RESPONSE: return "Response";
    case HCS_GCS_MSG_NOTIFY: return "Notify";
    default: return NULL;
    }
}

char *hcsi_gcs_type_name(uint32_t type, char *buf, size_t n)
{
    const char *kind = hcsi_gcs_kind_name(type);
    const char *rpc = hcsi_gcs_rpc_name(type);
    if (!buf || n == 0)
        return buf;
    if (kind && rpc)
        snprintf(buf, n, "%s(%s)", kind, rpc);
    else
        snprintf(buf, n, "%s(0x%08lx)", kind ? kind : "Unknown",
                 (unsigned long)type);
    return buf;
}

/* ---- reader ---- */

static hcs_result sock_read_fn(void *ctx, void *buf, size_t n, size_t *got)
{
    hcsi_gcs_reader *r = (hcsi_gcs_reader *)ctx;
    return hcsi_sock_read(r->sock, buf, n, got);
}

hcs_result hcsi_gcs_reader_init(hcsi_gcs_reader *r, hcsi_gcs_read_fn fn,
                                void *ctx, uint32_t max_size)
{
    memset(r, 0, sizeof *r);
    r->sock = HCSI_SOCK_INVALID;
    r->read = fn;
    r->ctx = ctx;
    r->max_size = max_size ? max_size : HCS_GCS_MAX_MESSAGE_SIZE;
    if (r->max_size < HCS_GCS_HEADER_SIZE)
        r->max_size = HCS_GCS_HEADER_SIZE;
    /* Room for one maximal frame plus read-ahead, so a frame never has to
     * be split across buffers. */
    r->cap = (size_t)r->max_size + 16384;
    r->buf = (unsigned char *)hcsi_malloc(r->cap);
    if (!r->buf)
        return hcsi_err_oom();
    return HCS_S_OK;
}

hcs_result hcsi_gcs_reader_init_sock(hcsi_gcs_reader *r, hcsi_sock s,
                                     uint32_t max_size)
{
    hcs_result hr = hcsi_gcs_reader_init(r, sock_read_fn, NULL, max_size);
    if (HCS_FAILED(hr))
        return hr;
    r->ctx = r;
    r->sock = s;
    return HCS_S_OK;
}

void hcsi_gcs_reader_free(hcsi_gcs_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    r->buf = NULL;
    r->start = r->end = r->cap = 0;
}

/* Makes at least `need` bytes available at buf[start]; returns
 * HCS_S_OK, HCSI_GCS_EOF (stream ended; fewer bytes are available), or the
 * read error. */
static hcs_result fill(hcsi_gcs_reader *r, size_t need)
{
    while (r->end - r->start < need) {
        size_t got = 0;
        hcs_result hr;
        if (r->eof)
            return HCSI_GCS_EOF;
        if (r->cap - r->start < need) {
            /* Slide the partial frame to the front; need <= cap holds. */
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->start = 0;
        }
        hr = r->read(r->ctx, r->buf + r->end, r->cap - r->end, &got);
        if (HCS_FAILED(hr))
            return hr;
        if (got == 0) {
            r->eof = 1;
            return HCSI_GCS_EOF;
        }
        r->end += got;
    }
    return HCS_S_OK;
}

hcs_result hcsi_gcs_reader_next(hcsi_gcs_reader *r, hcsi_gcs_frame *f)
{
    hcsi_gcs_header h;
    hcs_result hr;
    char name[40];
    if (!r->buf)
        return hcsi_err(HCS_ERR_INVALID_STATE, "GCS frame reader is closed");
    if (r->start == r->end) {
        /* Nothing buffered: rewind so reads land at the front. */
        r->start = r->end = 0;
    }
    hr = fill(r, HCS_GCS_HEADER_SIZE);
    if (hr == HCSI_GCS_EOF) {
        size_t have = r->end - r->start;
        if (have == 0)
            return HCSI_GCS_EOF;
        return hcsi_err(HCS_ERR_CONNECTION_CLOSED,
                        "GCS frame at byte offset %llu: truncated header "
                        "(stream ended after %zu of 16 bytes)",
                        (unsigned long long)r->offset, have);
    }
    if (HCS_FAILED(hr))
        return hcsi_err_wrap(hr, "reading GCS frame header at byte offset %llu",
                             (unsigned long long)r->offset);
    hcsi_gcs_header_unpack(r->buf + r->start, &h);
    hr = hcsi_gcs_header_check(&h, r->max_size, r->offset);
    if (HCS_FAILED(hr))
        return hr;
    hr = fill(r, h.size);
    if (hr == HCSI_GCS_EOF)
        return hcsi_err(HCS_ERR_CONNECTION_CLOSED,
                        "GCS frame at byte offset %llu (%s, id %llu): "
                        "truncated body (stream ended after %zu of %lu body "
                        "bytes)",
                        (unsigned long long)r->offset,
                        hcsi_gcs_type_name(h.type, name, sizeof name),
                        (unsigned long long)h.id,
                        r->end - r->start - HCS_GCS_HEADER_SIZE,
                        (unsigned long)(h.size - HCS_GCS_HEADER_SIZE));
    if (HCS_FAILED(hr))
        return hcsi_err_wrap(hr, "reading GCS frame body at byte offset %llu",
                             (unsigned long long)r->offset);
    f->type = h.type;
    f->size = h.size;
    f->id = h.id;
    f->offset = r->offset;
    f->body = (const char *)r->buf + r->start + HCS_GCS_HEADER_SIZE;
    f->body_len = h.size - HCS_GCS_HEADER_SIZE;
    r->start += h.size;
    r->offset += h.size;
    return HCS_S_OK;
}

int hcsi_gcs_reader_has_frame(const hcsi_gcs_reader *r)
{
    hcsi_gcs_header h;
    size_t have;
    if (!r->buf || r->eof)
        return 1;
    have = r->end - r->start;
    if (have < HCS_GCS_HEADER_SIZE)
        return 0;
    hcsi_gcs_header_unpack(r->buf + r->start, &h);
    if (h.size < HCS_GCS_HEADER_SIZE || h.size > r->max_size)
        return 1; /* next() fails at once */
    return have >= h.size;
}

hcs_result hcsi_gcs_frame_parse(const void *buf, size_t len,
                                uint32_t max_size, uint64_t base_offset,
                                hcsi_gcs_frame *f, size_t *consumed)
{
    hcsi_gcs_header h;
    hcs_result hr;
    char name[40];
    if (len == 0)
        return HCSI_GCS_EOF;
    if (len < HCS_GCS_HEADER_SIZE)
        return hcsi_err(HCS_ERR_CONNECTION_CLOSED,
                        "GCS frame at byte offset %llu: truncated header "
                        "(%zu of 16 bytes)",
                        (unsigned long long)base_offset, len);
    hcsi_gcs_header_unpack((const uint8_t *)buf, &h);
    hr = hcsi_gcs_header_check(&h, max_size, base_offset);
    if (HCS_FAILED(hr))
        return hr;
    if (h.size > len)
        return hcsi_err(HCS_ERR_CONNECTION_CLOSED,
                        "GCS frame at byte offset %llu (%s, id %llu): "
                        "truncated body (%zu of %lu body bytes)",
                        (unsigned long long)base_offset,
                        hcsi_gcs_type_name(h.type, name, sizeof name),
                        (unsigned long long)h.id, len - HCS_GCS_HEADER_SIZE,
                        (unsigned long)(h.size - HCS_GCS_HEADER_SIZE));
    f->type = h.type;
    f->size = h.size;
    f->id = h.id;
    f->offset = base_offset;
    f->body = (const char *)buf + HCS_GCS_HEADER_SIZE;
    f->body_len = h.size - HCS_GCS_HEADER_SIZE;
    *consumed = h.size;
    return HCS_S_OK;
}

/* ---- writer ---- */

hcs_result hcsi_gcs_frame_begin(hcsi_buf *b)
{
    static const uint8_t zero[16] = {0};
    return hcsi_buf_append(b, zero, sizeof zero);
}

hcs_result hcsi_gcs_frame_finish(hcsi_buf *b, uint32_t type, uint64_t id)
{
    if (b->len < HCS_GCS_HEADER_SIZE || b->len > 0xFFFFFFFFu)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "GCS frame of %zu bytes cannot be framed", b->len);
    hcsi_gcs_header_pack((uint8_t *)b->data, type, (uint32_t)b->len, id);
    return HCS_S_OK;
}

void hcsi_gcs_frame_set_id(void *frame, uint64_t id)
{
    uint8_t *p = (uint8_t *)frame + HCS_GCS_HEADER_OFF_ID;
    int i;
    for (i = 0; i < 8; i++)
        p[i] = (uint8_t)(id >> (8 * i));
}

hcs_result hcsi_gcs_frame_build(hcsi_buf *out, uint32_t type, uint64_t id,
                                const void *body, size_t len)
{
    uint8_t h[16];
    hcs_result hr;
    if (len > 0xFFFFFFFFu - HCS_GCS_HEADER_SIZE)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "GCS frame body of %zu bytes is too large", len);
    hcsi_gcs_header_pack(h, type, (uint32_t)(len + HCS_GCS_HEADER_SIZE), id);
    hr = hcsi_buf_append(out, h, sizeof h);
    if (HCS_SUCCEEDED(hr) && len)
        hr = hcsi_buf_append(out, body, len);
    return hr;
}

hcs_result hcsi_gcs_frame_write_sock(hcsi_sock s, uint32_t type, uint64_t id,
                                     const void *body, size_t len)
{
    unsigned char stack[4096];
    unsigned char *p = stack;
    hcs_result hr;
    if (len > 0xFFFFFFFFu - HCS_GCS_HEADER_SIZE)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "GCS frame body of %zu bytes is too large", len);
    /* One write per frame: frames from concurrent writers never interleave
     * as long as callers serialise, and the peer sees whole frames. */
    if (len + HCS_GCS_HEADER_SIZE > sizeof stack) {
        p = (unsigned char *)hcsi_malloc(len + HCS_GCS_HEADER_SIZE);
        if (!p)
            return hcsi_err_oom();
    }
    hcsi_gcs_header_pack(p, type, (uint32_t)(len + HCS_GCS_HEADER_SIZE), id);
    if (len)
        memcpy(p + HCS_GCS_HEADER_SIZE, body, len);
    hr = hcsi_sock_write_full(s, p, len + HCS_GCS_HEADER_SIZE);
    if (p != stack)
        free(p);
    return hr;
}
