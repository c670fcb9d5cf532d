/* libFuzzer: one GCS response/notification decoder, chosen at build time
 * (FUZZ_DECODER_<name>). The input is a frame (golden seeds) whose body is
 * decoded, or a bare body when it is not a valid frame. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcs/codec.h"
#include "gcs/frame.h"

/* Decodes, then clears, with the decoder's own types: for the decoders
 * whose result needs no further check (one spelling for six types). */
#define DECODE_AND_CLEAR(stem)                                                \
    do {                                                                      \
        hcs_gcs_##stem r;                                                     \
        hcs_gcs_decode_##stem(body, len, &r);                                 \
        hcs_gcs_##stem##_clear(&r);                                           \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hcsi_gcs_frame f;
    size_t used;
    const char *body = (const char *)data;
    size_t len = size;
    if (hcsi_gcs_frame_parse(data, size, 0, 0, &f, &used) == HCS_S_OK) {
        body = f.body;
        len = f.body_len;
    }
#if defined(FUZZ_DECODER_base)
    {
        hcs_gcs_response_base r;
        if (HCS_SUCCEEDED(hcs_gcs_decode_response_base(body, len, &r)) && r.result != 0)
            hcsi_gcs_guest_error("fuzz", &r); /* the error path with detail */
        hcs_gcs_response_base_clear(&r);
    }
#elif defined(FUZZ_DECODER_negotiate)
    DECODE_AND_CLEAR(negotiate_response);
#elif defined(FUZZ_DECODER_create)
    DECODE_AND_CLEAR(create_response);
#elif defined(FUZZ_DECODER_execute_process)
    DECODE_AND_CLEAR(execute_process_response);
#elif defined(FUZZ_DECODER_wait_for_process)
    DECODE_AND_CLEAR(wait_for_process_response);
#elif defined(FUZZ_DECODER_get_properties)
    DECODE_AND_CLEAR(get_properties_response);
#elif defined(FUZZ_DECODER_dump_stacks)
    DECODE_AND_CLEAR(dump_stacks_response);
#elif defined(FUZZ_DECODER_notification)
    {
        hcs_gcs_notification r;
        if (HCS_SUCCEEDED(hcs_gcs_decode_notification(body, len, &r)) &&
            (!r.container_id || !r.type || !r.operation))
            abort(); /* documented: never NULL on success */
        hcs_gcs_notification_clear(&r);
    }
#else
#  error "define FUZZ_DECODER_<name>"
#endif
    return 0;
}
