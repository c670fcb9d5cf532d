/* hcs_guid_parse on arbitrary text: accepted GUIDs format back to the same
 * text (case-folded, braces dropped) and survive the byte layout. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "hcs/guid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = (char *)malloc(size + 1), buf[37];
    hcs_guid g, g2;
    uint8_t bytes[16];
    size_t i;
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    if (HCS_SUCCEEDED(hcs_guid_parse(text, &g))) {
        const char *core = text[0] == '{' ? text + 1 : text;
        if (HCS_FAILED(hcs_guid_format(&g, buf, sizeof buf)))
            abort();
        for (i = 0; i < 36; i++)
            if (tolower((unsigned char)core[i]) != buf[i])
                abort();
        hcs_guid_to_bytes(&g, bytes);
        hcs_guid_from_bytes(bytes, &g2);
        if (!hcs_guid_equal(&g, &g2))
            abort();
    }
    hcs_error_clear();
    free(text);
    return 0;
}
