/* libFuzzer target: the schema decoder, encoder and validator on hostile
 * input. The first byte picks a struct type (ComputeSystem,
 * ModifySettingRequest, HCN and guest documents are favoured); the rest is
 * the JSON document. Checks: no crash / leak / UB; decode -> encode ->
 * decode -> encode is a fixed point; validate never fails for other reasons
 * than the document. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcs.h"

static const hcs_schema_type_id favoured[] = {
    HCS_SCHEMA_S2_ComputeSystem,      HCS_SCHEMA_S2_ModifySettingRequest,
    HCS_SCHEMA_S2_Properties,         HCS_SCHEMA_S2_ProcessParameters,
    HCS_SCHEMA_S2_System_PropertyQuery, HCS_SCHEMA_HCN_HostComputeNetwork,
    HCS_SCHEMA_HCN_HostComputeEndpoint, HCS_SCHEMA_HCN_HostComputeNamespace,
    HCS_SCHEMA_GS_ModificationRequest, HCS_SCHEMA_GS_LCOWProcessParameters,
};

static hcs_schema_type_id pick(uint8_t b)
{
    size_t nf = sizeof favoured / sizeof favoured[0];
    hcs_schema_type_info ti;
    int id;
    if (b < 128)
        return favoured[b % nf];
    /* any struct type: walk from a position to the next struct */
    for (id = (b - 128) * HCS_SCHEMA_TYPE_COUNT / 128;; id = (id + 1) % HCS_SCHEMA_TYPE_COUNT) {
        hcs_schema_type_get_info((hcs_schema_type_id)id, &ti);
        if (!ti.is_enum)
            return (hcs_schema_type_id)id;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hcs_schema_type_id type;
    hcs_schema_type_info ti;
    hcs_schema_version v21 = {2, 1};
    hcs_schema_report *rep = NULL;
    void *a, *b;
    char *j1 = NULL, *j2 = NULL;
    size_t n1 = 0, n2 = 0;
    hcs_result hr;
    if (size < 1)
        return 0;
    type = pick(data[0]);
    data++;
    size--;
    hcs_schema_type_get_info(type, &ti);
    a = calloc(1, ti.struct_size);
    b = calloc(1, ti.struct_size);
    if (!a || !b)
        abort();

    hr = hcs_schema_validate(type, (const char *)data, size, &v21, HCS_SCHEMA_VALIDATE_PUBLISHED_ONLY, &rep);
    if (!rep || (HCS_FAILED(hr) && hr != HCS_ERR_INVALID_JSON) || (!rep->count) != (hr == HCS_S_OK))
        abort();
    hcs_schema_report_free(rep);

    hr = hcs_schema_decode(type, (const char *)data, size, HCS_SCHEMA_DECODE_STRICT, a);
    hcs_schema_free_members(type, a);
    hr = hcs_schema_decode(type, (const char *)data, size, 0, a);
    if (HCS_SUCCEEDED(hr)) {
        if (HCS_FAILED(hcs_schema_encode(type, a, 0, &j1, &n1)))
            abort();
        if (HCS_FAILED(hcs_schema_decode(type, j1, n1, 0, b)))
            abort();
        if (HCS_FAILED(hcs_schema_encode(type, b, 0, &j2, &n2)))
            abort();
        /* Like Go, the writer turns invalid UTF-8 in Any / _unknown / map
         * keys into \ufffd escapes and a decoded U+FFFD back into raw bytes:
         * the text is a fixed point from the second round on. */
        if (n1 != n2 || memcmp(j1, j2, n1) != 0) {
            hcs_free(j1);
            j1 = j2;
            n1 = n2;
            j2 = NULL;
            hcs_schema_free_members(type, b);
            if (HCS_FAILED(hcs_schema_decode(type, j1, n1, 0, b)) ||
                HCS_FAILED(hcs_schema_encode(type, b, 0, &j2, &n2)))
                abort();
        }
        if (n1 != n2 || memcmp(j1, j2, n1) != 0) {
            fprintf(stderr, "not a fixed point:\n%s\n%s\n", j1, j2);
            abort();
        }
        hcs_free(j1);
        hcs_free(j2);
        hcs_schema_free_members(type, b);
    }
    hcs_schema_free_members(type, a);
    free(a);
    free(b);
    hcs_error_clear();
    return 0;
}
