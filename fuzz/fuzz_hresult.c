/* hcs_hresult_parse on arbitrary text: never crashes; accepted numbers
 * decode with every lookup function. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = (char *)malloc(size + 1);
    hcs_result hr;
    hcs_hresult_info info;
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    if (HCS_SUCCEEDED(hcs_hresult_parse(text, &hr))) {
        if (!hcs_strerror(hr))
            abort();
        (void)hcs_hresult_lookup(hr, &info);
        (void)hcs_hresult_equivalent(hr);
        (void)hcs_facility_name(hcs_hresult_facility(hr));
    } else if (!hcs_error_last()) {
        abort(); /* every rejection carries a message */
    }
    hcs_error_clear();
    free(text);
    return 0;
}
