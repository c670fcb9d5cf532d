/*
 * GCS transports: byte streams for the bridge (a connected socket, or a
 * read/write fd pair such as a child's stdout/stdin) and the "port spaces"
 * the host listens in (AF_VSOCK, AF_HYPERV, or unix:DIR standing in for
 * vsock ports). Internal.
 *
 * AF_VSOCK/AF_HYPERV sockets are only created by hcsi_gcs_addr_listen on
 * those address kinds; tests exercise only the pure packing/parsing
 * functions for them.
 */
#ifndef HCS_GCS_TRANSPORT_H
#define HCS_GCS_TRANSPORT_H

#include <stdint.h>

#include "hcs/guid.h"
#include "base/internal.h"
#include "base/platform.h"

/* ---- streams ---- */

typedef struct hcsi_gcs_stream hcsi_gcs_stream;

typedef struct hcsi_gcs_stream_ops {
    /* One read; *got = 0 on EOF or after shutdown. */
    hcs_result (*read)(hcsi_gcs_stream *s, void *buf, size_t n, size_t *got);
    /* Writes everything or fails. */
    hcs_result (*write)(hcsi_gcs_stream *s, const void *buf, size_t n);
    /* Waits until a read would not block (data, EOF, error or shutdown):
     * HCS_S_OK, or HCS_ERR_CONNECTION_TIMEOUT after timeout_ms (< 0:
     * forever). */
    hcs_result (*wait_readable)(hcsi_gcs_stream *s, int64_t timeout_ms);
    /* Wakes any thread blocked in read/write and makes later calls fail
     * (read: EOF). Thread-safe, idempotent. */
    void (*shutdown)(hcsi_gcs_stream *s);
    /* Closes and frees; no other thread may be using the stream. */
    void (*destroy)(hcsi_gcs_stream *s);
} hcsi_gcs_stream_ops;

struct hcsi_gcs_stream {
    const hcsi_gcs_stream_ops *ops;
};

/* A connected socket (ownership moves to the stream, even on failure). */
hcs_result hcsi_gcs_stream_from_sock(hcsi_sock s, hcsi_gcs_stream **out);
/* An fd pair (POSIX fds / Windows HANDLEs as intptr_t): reads from rd,
 * writes to wr (rd == wr allowed). own: close them on destroy. On POSIX
 * both fds are switched to non-blocking mode so that shutdown can wake
 * blocked threads. */
hcs_result hcsi_gcs_stream_from_fds(intptr_t rd, intptr_t wr, int own,
                                    hcsi_gcs_stream **out);

/* The read function shape of hcsi_gcs_reader for a stream. */
hcs_result hcsi_gcs_stream_read_fn(void *ctx, void *buf, size_t n, size_t *got);

/* ---- addresses ---- */

typedef enum hcsi_gcs_addr_kind {
    HCSI_GCS_ADDR_VSOCK = 1, /* "vsock:PORT" */
    HCSI_GCS_ADDR_HVSOCK,    /* "hvsock:VMID[:SERVICEGUID]" */
    HCSI_GCS_ADDR_UNIX       /* "unix:DIR" */
} hcsi_gcs_addr_kind;

typedef struct hcsi_gcs_addr {
    hcsi_gcs_addr_kind kind;
    uint32_t port;      /* vsock: the bridge port (default 0x40000000) */
    hcs_guid vm_id;     /* hvsock */
    hcs_guid service_id;
    int has_service;    /* hvsock: SERVICEGUID given */
    char *dir;          /* unix */
} hcsi_gcs_addr;

/* Parses an address; HCS_ERR_INVALIDARG with a message naming the
 * problem. Free with hcsi_gcs_addr_free. */
hcs_result hcsi_gcs_addr_parse(const char *text, hcsi_gcs_addr *out);
void hcsi_gcs_addr_free(hcsi_gcs_addr *a);

/* Listens on the bridge endpoint of the address: vsock PORT; hvsock
 * VMID + SERVICEGUID (default: the Linux or Windows GCS service GUID by
 * windows_guest); unix DIR/<PORT> with PORT 0x40000000 (decimal). */
hcs_result hcsi_gcs_addr_listen_bridge(const hcsi_gcs_addr *a, int windows_guest,
                                       hcsi_sock *out);
/* Listens on vsock port `port` of the address's port space (stdio
 * relays): vsock port, hvsock VMID + the port's service GUID, DIR/<port>. */
hcs_result hcsi_gcs_addr_listen_port(const hcsi_gcs_addr *a, uint32_t port,
                                     hcsi_sock *out);
/* Removes a unix socket file created by listen (no-op for other kinds). */
void hcsi_gcs_addr_unlink_port(const hcsi_gcs_addr *a, uint32_t port);

/* ---- pure helpers (unit-tested; no sockets) ---- */

#define HCSI_AF_VSOCK_LINUX 40
#define HCSI_AF_HYPERV 34
#define HCSI_HV_PROTOCOL_RAW 1
#define HCSI_VMADDR_CID_ANY 0xFFFFFFFFu

/* vsock port -> hvsock service GUID (template, Data1 = port). */
void hcsi_gcs_vsock_service_guid(uint32_t port, hcs_guid *out);
/* Linux struct sockaddr_vm (16 bytes, host byte order fields). */
void hcsi_gcs_pack_sockaddr_vm(uint32_t cid, uint32_t port, uint8_t out[16]);
/* Windows SOCKADDR_HV (36 bytes: family, reserved, VmId, ServiceId). */
void hcsi_gcs_pack_sockaddr_hv(const hcs_guid *vm_id, const hcs_guid *service_id,
                               uint8_t out[36]);

#endif /* HCS_GCS_TRANSPORT_H */
