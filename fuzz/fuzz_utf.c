/* UTF-8 -> UTF-16 -> UTF-8 must round-trip exactly whenever the first
 * conversion accepts; UTF-16 input (the bytes reinterpreted) must never
 * crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "base/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint16_t *w = NULL, *w2;
    char *back = NULL;
    size_t n = 0, m = 0, bad;
    if (HCS_SUCCEEDED(hcsi_utf8_to_utf16((const char *)data, size, &w, &n))) {
        if (!hcsi_utf8_valid((const char *)data, size, &bad))
            abort();
        if (HCS_FAILED(hcsi_utf16_to_utf8(w, n, &back, &m)) || m != size ||
            memcmp(back, data, size) != 0)
            abort();
        free(back);
        free(w);
    }
    w2 = (uint16_t *)malloc(size / 2 * sizeof(uint16_t) + 1);
    if (w2) {
        memcpy(w2, data, size / 2 * sizeof(uint16_t));
        if (HCS_SUCCEEDED(hcsi_utf16_to_utf8(w2, size / 2, &back, &m))) {
            uint16_t *w3 = NULL;
            size_t k = 0;
            /* valid UTF-16 gives valid UTF-8 that converts back identically */
            if (HCS_FAILED(hcsi_utf8_to_utf16(back, m, &w3, &k)) || k != size / 2 ||
                memcmp(w3, w2, k * sizeof(uint16_t)) != 0)
                abort();
            free(w3);
            free(back);
        }
        free(w2);
    }
    hcs_error_clear();
    return 0;
}
