/* GUID text and binary forms. */
#include <stdio.h>
#include <string.h>

#include "hcs/guid.h"
#include "base/platform.h"
#include "base/internal.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

hcs_result hcs_guid_parse(const char *text, hcs_guid *out)
{
    /* Positions of the hex digit pairs that make the 16 bytes, in text
     * order, for the 36-character form. */
    static const int pos[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21,
                                24, 26, 28, 30, 32, 34};
    uint8_t b[16];
    const char *p;
    size_t len, i;
    int braced = 0;
    if (!text || !out)
        return hcsi_err(HCS_ERR_INVALIDARG, "GUID: NULL argument");
    len = strlen(text);
    p = text;
    if (len > 0 && text[0] == '{') {
        if (len != 38 || text[37] != '}')
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "invalid GUID \"%.64s\": a braced GUID must be 38 "
                            "characters and end with '}'", text);
        braced = 1;
        p = text + 1;
        len = 36;
    }
    if (len != 36)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "invalid GUID \"%.64s\": expected 36 characters "
                        "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), got %zu",
                        text, len);
    for (i = 0; i < 36; i++) {
        int dash = (i == 8 || i == 13 || i == 18 || i == 23);
        if (dash ? p[i] != '-' : hexval(p[i]) < 0)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "invalid GUID \"%.64s\": expected %s at "
                            "position %zu, found '%c'", text,
                            dash ? "'-'" : "a hex digit",
                            i + (size_t)braced, p[i]);
    }
    for (i = 0; i < 16; i++)
        b[i] = (uint8_t)(hexval(p[pos[i]]) << 4 | hexval(p[pos[i] + 1]));
    out->data1 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                 (uint32_t)b[2] << 8 | b[3];
    out->data2 = (uint16_t)(b[4] << 8 | b[5]);
    out->data3 = (uint16_t)(b[6] << 8 | b[7]);
    memcpy(out->data4, b + 8, 8);
    return HCS_S_OK;
}

hcs_result hcs_guid_format(const hcs_guid *g, char *buf, size_t size)
{
    if (!g || !buf)
        return hcsi_err(HCS_ERR_INVALIDARG, "GUID format: NULL argument");
    if (size < HCS_GUID_STRING_LEN + 1)
        return hcsi_err(HCS_ERR_WIN32_INSUFFICIENT_BUFFER,
                        "GUID format: buffer of %zu bytes, need %d", size,
                        HCS_GUID_STRING_LEN + 1);
    snprintf(buf, size,
             "%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             (unsigned long)g->data1, g->data2, g->data3, g->data4[0],
             g->data4[1], g->data4[2], g->data4[3], g->data4[4], g->data4[5],
             g->data4[6], g->data4[7]);
    return HCS_S_OK;
}

hcs_result hcs_guid_generate(hcs_guid *out)
{
    uint8_t b[16];
    hcs_result r;
    if (!out)
        return hcsi_err(HCS_ERR_INVALIDARG, "GUID generate: NULL argument");
    r = hcsi_random_bytes(b, sizeof b);
    if (HCS_FAILED(r))
        return r;
    b[7] = (uint8_t)((b[7] & 0x0F) | 0x40); /* version 4 (in data3) */
    b[8] = (uint8_t)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    hcs_guid_from_bytes(b, out);
    return HCS_S_OK;
}

void hcs_guid_to_bytes(const hcs_guid *g, uint8_t o[16])
{
    o[0] = (uint8_t)g->data1;
    o[1] = (uint8_t)(g->data1 >> 8);
    o[2] = (uint8_t)(g->data1 >> 16);
    o[3] = (uint8_t)(g->data1 >> 24);
    o[4] = (uint8_t)g->data2;
    o[5] = (uint8_t)(g->data2 >> 8);
    o[6] = (uint8_t)g->data3;
    o[7] = (uint8_t)(g->data3 >> 8);
    memcpy(o + 8, g->data4, 8);
}

void hcs_guid_from_bytes(const uint8_t in[16], hcs_guid *g)
{
    g->data1 = (uint32_t)in[0] | (uint32_t)in[1] << 8 |
               (uint32_t)in[2] << 16 | (uint32_t)in[3] << 24;
    g->data2 = (uint16_t)(in[4] | in[5] << 8);
    g->data3 = (uint16_t)(in[6] | in[7] << 8);
    memcpy(g->data4, in + 8, 8);
}

int hcs_guid_equal(const hcs_guid *a, const hcs_guid *b)
{
    return a->data1 == b->data1 && a->data2 == b->data2 &&
           a->data3 == b->data3 && memcmp(a->data4, b->data4, 8) == 0;
}

int hcs_guid_is_nil(const hcs_guid *g)
{
    static const hcs_guid nil;
    return hcs_guid_equal(g, &nil);
}
