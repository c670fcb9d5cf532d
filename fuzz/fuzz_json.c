/* The strict JSON parser and the Go-compatible writer: anything accepted is
 * written, re-parsed, and written again to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hcsi_json *v = NULL, *v2 = NULL;
    char *a = NULL, *b = NULL;
    if (HCS_SUCCEEDED(hcsi_json_parse((const char *)data, size, "fuzz", &v))) {
        if (HCS_FAILED(hcsi_json_to_string(v, HCSI_JSON_HTML_ESCAPE, &a)))
            goto out; /* e.g. a non-finite double: reported, not crashed */
        if (HCS_FAILED(hcsi_json_parse(a, strlen(a), "fuzz2", &v2)))
            abort();
        if (HCS_FAILED(hcsi_json_to_string(v2, HCSI_JSON_HTML_ESCAPE, &b)) ||
            strcmp(a, b) != 0)
            abort();
    }
out:
    free(a);
    free(b);
    hcsi_json_put(v);
    hcsi_json_put(v2);
    hcs_error_clear();
    return 0;
}
