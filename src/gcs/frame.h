/*
 * GCS bridge framing: the 16-byte header, a bounded buffered frame reader
 * and a frame writer. Shared by the host bridge (src/gcs) and the Linux
 * guest agent (guest/). Internal (hcsi_), not installed; stable API.
 *
 * Constants (message types, ports, GUIDs, capability names) live in the
 * public header hcs/gcs_protocol.h, which this header includes.
 */
#ifndef HCS_GCS_FRAME_H
#define HCS_GCS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "hcs/gcs_messages.h"
#include "hcs/gcs_protocol.h"
#include "base/internal.h"
#include "base/platform.h"

/* A decoded header. */
typedef struct hcsi_gcs_header {
    uint32_t type;
    uint32_t size; /* total, including the 16-byte header */
    uint64_t id;
} hcsi_gcs_header;

/* Little-endian packing of the header. */
void hcsi_gcs_header_pack(uint8_t out[16], uint32_t type, uint32_t size,
                          uint64_t id);
void hcsi_gcs_header_unpack(const uint8_t in[16], hcsi_gcs_header *h);

/* HCS_ERR_PROTOCOL_ERROR (message names the size and offset) unless
 * 16 <= size <= max_size. */
hcs_result hcsi_gcs_header_check(const hcsi_gcs_header *h, uint32_t max_size,
                                 uint64_t offset);

/* "Create", "NegotiateProtocol", ..., for any request/response type of a
 * known RPC (type nibble ignored), "Container" for the notification;
 * NULL when unknown. Static strings. */
const char *hcsi_gcs_rpc_name(uint32_t type);
/* "Request", "Response", "Notify" by type nibble; NULL otherwise. */
const char *hcsi_gcs_kind_name(uint32_t type);
/* Writes "Request(Create)", "Notify(Container)", "Response(0x20100f02)",
 * "Unknown(0x40000000)" into buf (always NUL-terminated when n > 0).
 * Returns buf. 32 bytes are always enough. */
char *hcsi_gcs_type_name(uint32_t type, char *buf, size_t n);

/* ---- reader ---- */

/* One read from the stream: *got = 0 means EOF. Same contract as
 * hcsi_sock_read (records a thread error on failure). */
typedef hcs_result (*hcsi_gcs_read_fn)(void *ctx, void *buf, size_t n,
                                       size_t *got);

/* Returned by hcsi_gcs_reader_next on an orderly EOF between frames. */
#define HCSI_GCS_EOF ((hcs_result)1)

/* A frame as returned by the reader: body points into the reader's buffer
 * (not NUL-terminated) and stays valid until the next reader call. The
 * public hcs_gcs_frame (type, size, id, the stream offset of the header's
 * first byte, body, body_len = size - 16), so hcs_gcs_frame_parse hands
 * it out as it is. */
typedef hcs_gcs_frame hcsi_gcs_frame;

typedef struct hcsi_gcs_reader {
    hcsi_gcs_read_fn read;
    void *ctx;
    hcsi_sock sock; /* used when initialised with hcsi_gcs_reader_init_sock */
    uint32_t max_size;
    uint64_t offset; /* stream offset of buf[start] */
    unsigned char *buf;
    size_t start, end, cap;
    int eof;
} hcsi_gcs_reader;

/* max_size 0 = HCS_GCS_MAX_MESSAGE_SIZE. The reader allocates one buffer
 * of max_size bytes (plus slack); it reads ahead, so it must be the only
 * reader of its stream. */
hcs_result hcsi_gcs_reader_init(hcsi_gcs_reader *r, hcsi_gcs_read_fn fn,
                                void *ctx, uint32_t max_size);
hcs_result hcsi_gcs_reader_init_sock(hcsi_gcs_reader *r, hcsi_sock s,
                                     uint32_t max_size);
void hcsi_gcs_reader_free(hcsi_gcs_reader *r);

/* Reads the next frame.
 *   HCS_S_OK      *f filled;
 *   HCSI_GCS_EOF  orderly EOF exactly at a frame boundary;
 *   HCS_ERR_PROTOCOL_ERROR   size < 16 or > max_size (message has the
 *                            offset and the size);
 *   HCS_ERR_CONNECTION_CLOSED  EOF inside a header or body (truncated,
 *                            message has the offset and byte counts);
 *   other         the read function's error.
 * After an error the reader is unusable (the stream is out of sync). */
hcs_result hcsi_gcs_reader_next(hcsi_gcs_reader *r, hcsi_gcs_frame *f);

/* 1 when hcsi_gcs_reader_next can return without reading the stream: a
 * complete frame (or a header it will reject) is buffered, or EOF was
 * seen. Lets a caller wait for readability with its own timeout first. */
int hcsi_gcs_reader_has_frame(const hcsi_gcs_reader *r);

/* Parses one frame from memory: HCS_S_OK with *f (body points into buf)
 * and *consumed; HCSI_GCS_EOF when len == 0; HCS_ERR_PROTOCOL_ERROR for a
 * bad size; HCS_ERR_CONNECTION_CLOSED when buf ends inside the frame. */
hcs_result hcsi_gcs_frame_parse(const void *buf, size_t len,
                                uint32_t max_size, uint64_t base_offset,
                                hcsi_gcs_frame *f, size_t *consumed);

/* ---- writer ---- */

/* Building a frame in place: begin appends a 16-byte placeholder header to
 * b (which should be empty); the caller appends the body; finish writes the
 * header (type, size = b->len, id). finish fails with HCS_ERR_INVALIDARG
 * when the frame would exceed 4 GiB. */
hcs_result hcsi_gcs_frame_begin(hcsi_buf *b);
hcs_result hcsi_gcs_frame_finish(hcsi_buf *b, uint32_t type, uint64_t id);
/* Rewrites just the id of a finished frame (ids are assigned at send
 * time). */
void hcsi_gcs_frame_set_id(void *frame, uint64_t id);

/* Appends a whole frame (header + body) to out. */
hcs_result hcsi_gcs_frame_build(hcsi_buf *out, uint32_t type, uint64_t id,
                                const void *body, size_t len);
/* Writes a whole frame with a single write of header + body. */
hcs_result hcsi_gcs_frame_write_sock(hcsi_sock s, uint32_t type, uint64_t id,
                                     const void *body, size_t len);

#endif /* HCS_GCS_FRAME_H */
