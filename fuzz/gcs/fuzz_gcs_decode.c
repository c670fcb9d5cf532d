/* libFuzzer: one GCS response/notification decoder, chosen at build time
 * (FUZZ_DECODER_<name>). The input is a frame (golden seeds) whose body is
 * decoded, or a bare body when it is not a valid frame. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcs/codec.h"
#include "gcs/frame.h"

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
    {
        hcs_gcs_negotiate_response r;
        hcs_gcs_decode_negotiate_response(body, len, &r);
        hcs_gcs_negotiate_response_clear(&r);
    }
#elif defined(FUZZ_DECODER_create)
    {
        hcs_gcs_create_response r;
        hcs_gcs_decode_create_response(body, len, &r);
        hcs_gcs_create_response_clear(&r);
    }
#elif defined(FUZZ_DECODER_execute_process)
    {
        hcs_gcs_execute_process_response r;
        hcs_gcs_decode_execute_process_response(body, len, &r);
        hcs_gcs_execute_process_response_clear(&r);
    }
#elif defined(FUZZ_DECODER_wait_for_process)
    {
        hcs_gcs_wait_for_process_response r;
        hcs_gcs_decode_wait_for_process_response(body, len, &r);
        hcs_gcs_wait_for_process_response_clear(&r);
    }
#elif defined(FUZZ_DECODER_get_properties)
    {
        hcs_gcs_get_properties_response r;
        hcs_gcs_decode_get_properties_response(body, len, &r);
        hcs_gcs_get_properties_response_clear(&r);
    }
#elif defined(FUZZ_DECODER_dump_stacks)
    {
        hcs_gcs_dump_stacks_response r;
        hcs_gcs_decode_dump_stacks_response(body, len, &r);
        hcs_gcs_dump_stacks_response_clear(&r);
    }
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
