/*
 * GCS message codecs, internal side: encoders that append a request body
 * to a buffer (so the bridge can build header + body in one allocation)
 * and helpers shared with the bridge.
 */
#ifndef HCS_GCS_CODEC_H
#define HCS_GCS_CODEC_H

#include "hcs/gcs_messages.h"
#include "base/internal.h"
#include "base/json.h"

/* Each appends the body (with the trailing '\n') to b. */
hcs_result hcsi_gcs_enc_negotiate(hcsi_buf *b, const hcs_gcs_negotiate_request *r);
hcs_result hcsi_gcs_enc_create(hcsi_buf *b, const hcs_gcs_create_request *r);
hcs_result hcsi_gcs_enc_base(hcsi_buf *b, const hcs_gcs_request_base *r);
hcs_result hcsi_gcs_enc_execute_process(hcsi_buf *b,
                                        const hcs_gcs_execute_process_request *r);
hcs_result hcsi_gcs_enc_wait_for_process(hcsi_buf *b,
                                         const hcs_gcs_wait_for_process_request *r);
hcs_result hcsi_gcs_enc_signal_process(hcsi_buf *b,
                                       const hcs_gcs_signal_process_request *r);
hcs_result hcsi_gcs_enc_resize_console(hcsi_buf *b,
                                       const hcs_gcs_resize_console_request *r);
hcs_result hcsi_gcs_enc_get_properties(hcsi_buf *b,
                                       const hcs_gcs_get_properties_request *r);
hcs_result hcsi_gcs_enc_modify_settings(hcsi_buf *b,
                                        const hcs_gcs_modify_settings_request *r);
hcs_result hcsi_gcs_enc_update_container(hcsi_buf *b,
                                         const hcs_gcs_update_container_request *r);
hcs_result hcsi_gcs_enc_modify_service_settings(
    hcsi_buf *b, const hcs_gcs_modify_service_settings_request *r);
/* The same with the request as a void * (the bridge's hcsi_gcs_enc_fn). */
hcs_result hcsi_gcs_enc_negotiate_v(hcsi_buf *b, const void *r);
hcs_result hcsi_gcs_enc_create_v(hcsi_buf *b, const void *r);
hcs_result hcsi_gcs_enc_base_v(hcsi_buf *b, const void *r);
hcs_result hcsi_gcs_enc_execute_process_v(hcsi_buf *b, const void *r);
hcs_result hcsi_gcs_enc_wait_for_process_v(hcsi_buf *b, const void *r);
hcs_result hcsi_gcs_enc_signal_process_v(hcsi_buf *b, const void *r);
hcs_result hcsi_gcs_enc_resize_console_v(hcsi_buf *b, const void *r);
hcs_result hcsi_gcs_enc_get_properties_v(hcsi_buf *b, const void *r);
hcs_result hcsi_gcs_enc_modify_settings_v(hcsi_buf *b, const void *r);
hcs_result hcsi_gcs_enc_update_container_v(hcsi_buf *b, const void *r);
hcs_result hcsi_gcs_enc_modify_service_settings_v(hcsi_buf *b, const void *r);

/* A response decoder with the response as a void * (hcsi_gcs_rpc_decode),
 * for the responses that are the base and one field (codec_decode.c). */
typedef hcs_result (*hcsi_gcs_dec_fn)(const char *body, size_t len, void *resp);
hcs_result hcsi_gcs_decode_create_response_v(const char *body, size_t len, void *resp);
hcs_result hcsi_gcs_decode_execute_process_response_v(const char *body, size_t len, void *resp);
hcs_result hcsi_gcs_decode_wait_for_process_response_v(const char *body, size_t len,
                                                       void *resp);
hcs_result hcsi_gcs_decode_get_properties_response_v(const char *body, size_t len, void *resp);
hcs_result hcsi_gcs_decode_dump_stacks_response_v(const char *body, size_t len, void *resp);

/* Appends a user-supplied JSON document compacted the way Go marshals a
 * json.RawMessage: validated (HCS_ERR_INVALID_JSON naming `what`),
 * insignificant whitespace removed, literals kept as written, and with
 * html != 0 the characters < > & U+2028 U+2029 escaped. */
hcs_result hcsi_gcs_append_raw(hcsi_buf *b, const char *json, const char *what,
                               int html);

/* The member name of obj that Go's encoding/json would decode as key: the
 * exact name, else the first case-insensitive match; NULL when absent. */
const char *hcsi_gcs_json_key(const hcsi_json *obj, const char *key);

/* The hvsock service GUID text of a vsock port (template, Data1 = port). */
void hcsi_gcs_port_guid(uint32_t port, char out[37]);

/* Builds the message of a failed RPC from its decoded base:
 * records "<what>: guest returned 0x%08X: <ErrorMessage>" with the
 * ErrorRecords JSON as detail, and returns the guest's HRESULT. */
/* A copy of guest-supplied text that is safe to print (text.c), valid
 * UTF-8 on one line: C0 controls (ESC, CR, LF, ...), DEL and bytes that
 * are not UTF-8 become \xNN; C1 controls and the invisible or
 * reordering code points of hcsi_gcs_invisible become \uXXXX
 * (\UXXXXXXXX above U+FFFF); so a hostile guest can neither forge log
 * lines or terminal sequences nor make text read as something else (a
 * right-to-left override). At most max bytes of the input are kept ("..."
 * marks a cut, never inside a character). NULL on out-of-memory. Free
 * with free(). */
char *hcsi_gcs_sanitize(const char *s, size_t max);
/* 1 for a code point that hcsi_gcs_sanitize escapes although it is valid
 * and not a control: General_Category Cf (bidi controls U+202A-U+202E and
 * U+2066-U+2069, LRM/RLM/ALM, zero-width characters, BOM, soft hyphen,
 * tags, ...), Default_Ignorable_Code_Point, and U+2028/U+2029. */
int hcsi_gcs_invisible(uint32_t cp);
/* Length of the well-formed UTF-8 sequence at p (n bytes available), its
 * code point in *cp; 0 when p does not start one (a stray continuation
 * byte, an overlong form, a surrogate, > U+10FFFF, truncated). */
size_t hcsi_gcs_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp);

hcs_result hcsi_gcs_guest_error(const char *what,
                                const hcs_gcs_response_base *base);

#endif /* HCS_GCS_CODEC_H */
