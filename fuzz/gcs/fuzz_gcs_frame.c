/* libFuzzer: the bounded GCS frame reader. The input is a guest byte
 * stream, delivered in chunks whose sizes the input's first byte varies,
 * so frames straddle reads in every way. Each frame's header is checked
 * against the in-memory parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcs/frame.h"

typedef struct src {
    const uint8_t *p;
    size_t n, off;
    size_t chunk;
} src;

static hcs_result rd(void *ctx, void *buf, size_t n, size_t *got)
{
    src *s = (src *)ctx;
    size_t k = s->n - s->off;
    if (k > n)
        k = n;
    if (k > s->chunk)
        k = s->chunk;
    memcpy(buf, s->p + s->off, k);
    s->off += k;
    *got = k;
    return HCS_S_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hcsi_gcs_reader r;
    src s;
    uint32_t max;
    size_t moff = 0;
    if (size < 1)
        return 0;
    s.chunk = (size_t)(data[0] % 37) + 1;
    if (data[0] & 0x80)
        s.chunk = 70000; /* whole-buffer reads */
    /* a small limit sometimes, to exercise the > max path cheaply */
    max = (data[0] & 0x40) ? 1024 : 0;
    s.p = data + 1;
    s.n = size - 1;
    s.off = 0;
    if (HCS_FAILED(hcsi_gcs_reader_init(&r, rd, &s, max)))
        return 0;
    for (;;) {
        hcsi_gcs_frame f, g;
        size_t used = 0;
        char name[40];
        hcs_result hr = hcsi_gcs_reader_next(&r, &f);
        if (hr != HCS_S_OK)
            break;
        if (f.size < 16 || f.body_len != f.size - 16u || f.offset != moff)
            abort();
        /* the memory parser agrees on the same bytes */
        if (hcsi_gcs_frame_parse(s.p + moff, s.n - moff, max, moff, &g, &used) != HCS_S_OK ||
            used != f.size || g.type != f.type || g.id != f.id ||
            memcmp(g.body, f.body, f.body_len) != 0)
            abort();
        hcsi_gcs_type_name(f.type, name, sizeof name);
        moff += f.size;
    }
    hcsi_gcs_reader_free(&r);
    return 0;
}
