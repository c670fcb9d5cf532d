/* GCS framing: header packing, type names, the bounded reader, the writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gcs/frame.h"

static void expect_msg(const char *needle)
{
    const hcs_error *e = hcs_error_last();
    assert_non_null(e);
    if (!strstr(e->message, needle))
        fail_msg("\"%s\" lacks \"%s\"", e->message, needle);
}

static void test_header(void **s)
{
    uint8_t b[16];
    hcsi_gcs_header h;
    static const uint8_t want[16] = {0x01, 0x0b, 0x10, 0x10, 0x7d, 0, 0, 0,
                                     0, 0, 0, 0, 0, 0, 0, 0};
    (void)s;
    hcsi_gcs_header_pack(b, 0x10100b01u, 125, 0);
    assert_memory_equal(b, want, 16);
    hcsi_gcs_header_pack(b, 0xF1020304u, 0x80000001u, 0x0102030405060708ull);
    hcsi_gcs_header_unpack(b, &h);
    assert_int_equal(h.type, 0xF1020304u);
    assert_int_equal(h.size, 0x80000001u);
    assert_true(h.id == 0x0102030405060708ull);
    assert_int_equal(b[8], 0x08);
    assert_int_equal(b[15], 0x01);
}

static void test_type_names(void **s)
{
    static const struct {
        uint32_t type;
        const char *name;
    } cases[] = {
        {0x10100101u, "Request(Create)"},
        {0x20100b01u, "Response(NegotiateProtocol)"},
        {0x10100f01u, "Request(LifecycleNotification)"},
        {0x10200101u, "Request(ModifyServiceSettings)"},
        {0x30100101u, "Notify(Container)"},
        {0x30100201u, "Notify(0x30100201)"},
        {0x20101001u, "Response(0x20101001)"},
        {0x20100102u, "Response(0x20100102)"},
        {0x40000000u, "Unknown(0x40000000)"},
        {0x20000000u, "Response(0x20000000)"},
    };
    char buf[40];
    size_t i;
    (void)s;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(hcsi_gcs_type_name(cases[i].type, buf, sizeof buf), cases[i].name);
    assert_int_equal(HCS_GCS_RESPONSE_FOR(0x10100501u), 0x20100501u);
    assert_int_equal(HCS_GCS_REQUEST_TYPE(HCS_GCS_RPC_MODIFY_SERVICE_SETTINGS),
                     270532865u);
    /* truncated output is still terminated */
    assert_string_equal(hcsi_gcs_type_name(0x10100101u, buf, 4), "Req");
}

/* Writes frames on one end of a socketpair and reads them on the other. */
static void test_reader_stream(void **s)
{
    hcsi_sock p[2];
    hcsi_gcs_reader r;
    hcsi_gcs_frame f;
    hcsi_buf b;
    int i;
    (void)s;
    assert_int_equal(hcsi_net_init(), 0);
    assert_int_equal(hcsi_sock_pair(p), 0);
    for (i = 0; i < 5; i++) {
        char body[32];
        int n = snprintf(body, sizeof body, "{\"i\":%d}", i);
        assert_int_equal(hcsi_gcs_frame_write_sock(p[0], 0x20100101u,
                                                   (uint64_t)i, body,
                                                   (size_t)n), 0);
    }
    /* an empty-body frame (Size 16) is legal */
    assert_int_equal(hcsi_gcs_frame_write_sock(p[0], 0x30100101u, 0, NULL, 0), 0);
    /* a frame built in place */
    hcsi_buf_init(&b, 0);
    assert_int_equal(hcsi_gcs_frame_begin(&b), 0);
    assert_int_equal(hcsi_buf_puts(&b, "{}\n"), 0);
    assert_int_equal(hcsi_gcs_frame_finish(&b, 0x10100201u, 7), 0);
    hcsi_gcs_frame_set_id(b.data, 99);
    assert_int_equal(hcsi_sock_write_full(p[0], b.data, b.len), 0);
    hcsi_buf_free(&b);
    hcsi_sock_shutdown_write(p[0]);

    assert_int_equal(hcsi_gcs_reader_init_sock(&r, p[1], 0), 0);
    for (i = 0; i < 5; i++) {
        char want[32];
        int n = snprintf(want, sizeof want, "{\"i\":%d}", i);
        assert_int_equal(hcsi_gcs_reader_next(&r, &f), 0);
        assert_int_equal(f.type, 0x20100101u);
        assert_int_equal((int)f.id, i);
        assert_int_equal(f.body_len, (size_t)n);
        assert_memory_equal(f.body, want, (size_t)n);
    }
    assert_int_equal(hcsi_gcs_reader_next(&r, &f), 0);
    assert_int_equal(f.size, 16);
    assert_int_equal(f.body_len, 0);
    assert_int_equal(hcsi_gcs_reader_next(&r, &f), 0);
    assert_true(f.id == 99);
    assert_int_equal(f.body_len, 3);
    assert_int_equal(f.offset, 5 * (16 + 7) + 16);
    assert_int_equal(hcsi_gcs_reader_next(&r, &f), HCSI_GCS_EOF);
    hcsi_gcs_reader_free(&r);
    hcsi_sock_close(p[0]);
    hcsi_sock_close(p[1]);
}

/* Feeds raw bytes, half-closes, and expects the reader's outcome. */
static hcs_result read_raw(const void *data, size_t len, int frames_ok)
{
    hcsi_sock p[2];
    hcsi_gcs_reader r;
    hcsi_gcs_frame f;
    hcs_result hr;
    int i;
    assert_int_equal(hcsi_sock_pair(p), 0);
    assert_int_equal(hcsi_sock_write_full(p[0], data, len), 0);
    hcsi_sock_shutdown_write(p[0]);
    assert_int_equal(hcsi_gcs_reader_init_sock(&r, p[1], 0), 0);
    for (i = 0; i < frames_ok; i++)
        assert_int_equal(hcsi_gcs_reader_next(&r, &f), 0);
    hr = hcsi_gcs_reader_next(&r, &f);
    hcsi_gcs_reader_free(&r);
    hcsi_sock_close(p[0]);
    hcsi_sock_close(p[1]);
    return hr;
}

static void test_reader_faults(void **s)
{
    uint8_t b[64];
    uint8_t *big;
    (void)s;
    assert_int_equal(hcsi_net_init(), 0);
    /* size below the header */
    hcsi_gcs_header_pack(b, 0x20100101u, 15, 3);
    assert_int_equal(read_raw(b, 16, 0), HCS_ERR_PROTOCOL_ERROR);
    expect_msg("size 15 is smaller than the 16-byte header");
    expect_msg("byte offset 0");
    /* size above 64 KiB, after one good frame: offset 20 */
    hcsi_gcs_header_pack(b, 0x20100101u, 20, 0);
    memcpy(b + 16, "{}  ", 4);
    hcsi_gcs_header_pack(b + 20, 0x20100101u, 65537, 1);
    assert_int_equal(read_raw(b, 36, 1), HCS_ERR_PROTOCOL_ERROR);
    expect_msg("size 65537 exceeds the 65536-byte limit");
    expect_msg("byte offset 20");
    /* truncated header */
    assert_int_equal(read_raw(b, 7, 0), HCS_ERR_CONNECTION_CLOSED);
    expect_msg("truncated header (stream ended after 7 of 16 bytes)");
    /* truncated body */
    hcsi_gcs_header_pack(b, 0x20100601u, 40, 5);
    assert_int_equal(read_raw(b, 30, 0), HCS_ERR_CONNECTION_CLOSED);
    expect_msg("truncated body (stream ended after 14 of 24 body bytes)");
    expect_msg("Response(WaitForProcess), id 5");
    /* exactly 64 KiB is accepted */
    big = (uint8_t *)calloc(1, 65536);
    assert_non_null(big);
    hcsi_gcs_header_pack(big, 0x20100c01u, 65536, 1);
    assert_int_equal(read_raw(big, 65536, 1), HCSI_GCS_EOF);
    free(big);
}

static void test_parse_memory(void **s)
{
    uint8_t b[40];
    hcsi_gcs_frame f;
    size_t used = 0;
    (void)s;
    hcsi_gcs_header_pack(b, 0x30100101u, 18, 0);
    b[16] = '{';
    b[17] = '}';
    assert_int_equal(hcsi_gcs_frame_parse(b, 18, 0, 100, &f, &used), 0);
    assert_int_equal(used, 18);
    assert_int_equal(f.offset, 100);
    assert_int_equal(hcsi_gcs_frame_parse(b, 0, 0, 0, &f, &used), HCSI_GCS_EOF);
    assert_int_equal(hcsi_gcs_frame_parse(b, 17, 0, 0, &f, &used),
                     HCS_ERR_CONNECTION_CLOSED);
    assert_int_equal(hcsi_gcs_frame_parse(b, 5, 0, 0, &f, &used),
                     HCS_ERR_CONNECTION_CLOSED);
    hcsi_gcs_header_pack(b, 0x30100101u, 3, 0);
    assert_int_equal(hcsi_gcs_frame_parse(b, 18, 0, 0, &f, &used),
                     HCS_ERR_PROTOCOL_ERROR);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *d;
    long n;
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    d = (unsigned char *)malloc((size_t)n + 1);
    if (d && fread(d, 1, (size_t)n, fp) != (size_t)n) {
        free(d);
        d = NULL;
    }
    fclose(fp);
    *len = (size_t)n;
    return d;
}

/* Every golden frame parses and its header agrees with INDEX.tsv. */
static void test_golden_headers(void **s)
{
    const char *dir = getenv("HCS_GOLDEN_DIR");
    char path[1024], line[512];
    FILE *idx;
    int count = 0;
    (void)s;
    if (!dir)
        skip();
    snprintf(path, sizeof path, "%s/host-requests/INDEX.tsv", dir);
    idx = fopen(path, "r");
    assert_non_null(idx);
    while (fgets(line, sizeof line, idx)) {
        char file[200], name[100];
        unsigned long type, size;
        unsigned long long id;
        unsigned char *d;
        size_t len = 0, used = 0;
        hcsi_gcs_frame f;
        char tn[40];
        if (line[0] == '#')
            continue;
        assert_int_equal(sscanf(line, "%199s %lx %lu %llu %99s", file, &type,
                                &size, &id, name), 5);
        snprintf(path, sizeof path, "%s/host-requests/%s.frame.bin", dir, file);
        d = slurp(path, &len);
        assert_non_null(d);
        assert_int_equal(hcsi_gcs_frame_parse(d, len, 0, 0, &f, &used), 0);
        assert_int_equal(used, len);
        assert_int_equal(f.type, type);
        assert_int_equal(f.size, size);
        assert_true(f.id == id);
        assert_string_equal(hcsi_gcs_type_name(f.type, tn, sizeof tn), name);
        free(d);
        count++;
    }
    fclose(idx);
    assert_int_equal(count, 21);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_reader_stream),
        cmocka_unit_test(test_reader_faults),
        cmocka_unit_test(test_parse_memory),
        cmocka_unit_test(test_golden_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
