/*
 * hcs-gcs in process: address parsing (the vsock path is only ever tested
 * here, never dialled), go-shellwords splitting, $PATH lookup, users, Go
 * decoding rules, response shapes, and the dispatcher's answers through a
 * capture sink (dry run: nothing is spawned or dialled).
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gcs.h"
#include "runtime/runtime.h"

static void test_addr_parse(void **s)
{
    hcsg_addr a;
    hcsg_err err;
    char buf[160];
    (void)s;
    assert_int_equal(hcsg_addr_parse("vsock", &a, &err), 0);
    assert_int_equal(a.kind, HCSG_TRANSPORT_VSOCK);
    assert_int_equal(a.cid, 2);
    assert_int_equal(a.port, 0x40000000u);
    assert_int_equal(hcsg_addr_parse("vsock:1073741824", &a, &err), 0);
    assert_int_equal(a.port, 1073741824u);
    assert_int_equal(hcsg_addr_parse("vsock:0x40000001", &a, &err), 0);
    assert_int_equal(a.port, 0x40000001u);
    assert_int_equal(hcsg_addr_parse("vsock:4294967295", &a, &err), 0);
    assert_int_equal(a.port, 0xFFFFFFFFu);
    hcsg_addr_format(&a, buf, sizeof buf);
    assert_string_equal(buf, "vsock:4294967295 (cid 2)");
    assert_int_equal(hcsg_addr_parse("vsock:4294967296", &a, &err), -1);
    assert_non_null(strstr(err.msg, "bad vsock port"));
    assert_int_equal(err.hr, HCSG_HR_INVALID_ARG);
    assert_int_equal(hcsg_addr_parse("vsock:0", &a, &err), -1);
    assert_int_equal(hcsg_addr_parse("vsock:", &a, &err), -1);
    assert_int_equal(hcsg_addr_parse("vsock:12x", &a, &err), -1);
    assert_int_equal(hcsg_addr_parse("vsock:-1", &a, &err), -1);
    assert_int_equal(hcsg_addr_parse("vsockx", &a, &err), -1);
    assert_int_equal(hcsg_addr_parse("unix:/run/gcs", &a, &err), 0);
    assert_int_equal(a.kind, HCSG_TRANSPORT_UNIX);
    assert_string_equal(a.dir, "/run/gcs");
    assert_int_equal(hcsg_addr_parse("unix:/run/gcs//", &a, &err), 0);
    assert_string_equal(a.dir, "/run/gcs");
    assert_int_equal(hcsg_addr_parse("unix:/", &a, &err), 0);
    assert_string_equal(a.dir, "/");
    assert_int_equal(hcsg_addr_parse("unix:", &a, &err), -1);
    {
        char longdir[200];
        memset(longdir, 'a', sizeof longdir);
        memcpy(longdir, "unix:/", 6);
        longdir[199] = '\0';
        assert_int_equal(hcsg_addr_parse(longdir, &a, &err), -1);
        assert_non_null(strstr(err.msg, "too long"));
    }
    assert_int_equal(hcsg_addr_parse("tcp:1", &a, &err), -1);
    assert_int_equal(hcsg_addr_parse("", &a, &err), -1);
    assert_int_equal(hcsg_addr_parse(NULL, &a, &err), -1);
    /* Dialling a unix transport with nothing listening fails cleanly. */
    assert_int_equal(hcsg_addr_parse("unix:/nonexistent-hcsg-dir", &a, &err), 0);
    assert_int_equal(hcsg_dial(&a, 5, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent-hcsg-dir/5"));
    assert_int_equal(err.hr, HCSG_HR_FAIL);
    a.kind = HCSG_TRANSPORT_NONE;
    assert_int_equal(hcsg_dial(&a, 5, &err), -1);
    assert_non_null(strstr(err.msg, "no stdio transport"));
}

static void expect_words(const char *line, const char *const *want)
{
    hcsg_strv v;
    size_t i = 0;
    if (hcsg_shellwords(line, strlen(line), &v) != 0)
        fail_msg("\"%s\" did not parse", line);
    for (i = 0; want[i]; i++) {
        if (i >= v.n)
            fail_msg("\"%s\": only %zu words", line, v.n);
        assert_string_equal(v.v[i], want[i]);
    }
    if (v.n != i)
        fail_msg("\"%s\": %zu words, want %zu", line, v.n, i);
    hcsg_strv_free(&v);
}

static void test_shellwords(void **s)
{
    hcsg_strv v;
    (void)s;
    {
        const char *const w[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL};
        expect_words("/bin/sh -c \"echo out; echo err >&2; exit 3\"", w);
    }
    {
        const char *const w[] = {"a", "b c", "d'e", "f\"g", "", NULL};
        expect_words("  a 'b c' \"d'e\" 'f\"g' \"\"  ", w);
    }
    {
        const char *const w[] = {"tab\there", "nl\nx", "\\", "a b", NULL};
        expect_words("tab\\there nl\\nx \\\\ a\\ b", w);
    }
    {
        /* Parsing stops at an unquoted ; & | < > ("2>" drops the 2). */
        const char *const w[] = {"echo", "a", NULL};
        expect_words("echo a; rm -rf /", w);
        expect_words("echo a 2>/dev/null", w);
        expect_words("echo a | cat", w);
    }
    {
        const char *const w[] = {"echo", "$(date)", "`x y`", NULL};
        expect_words("echo $(date) `x y`", w);
    }
    {
        const char *const w[] = {NULL};
        expect_words("", w);
        expect_words("   \t ", w);
    }
    assert_int_equal(hcsg_shellwords("'unclosed", 9, &v), -1);
    assert_int_equal(hcsg_shellwords("\"unclosed", 9, &v), -1);
    assert_int_equal(hcsg_shellwords("trailing\\", 9, &v), -1);
    assert_int_equal(hcsg_shellwords("a (b)", 5, &v), -1);
    assert_int_equal(hcsg_shellwords("a )", 3, &v), -1);
    assert_int_equal(hcsg_shellwords("`open", 5, &v), -1);
}

static void test_lookpath_and_users(void **s)
{
    hcsg_err err;
    char *p;
    hcsg_user u;
    (void)s;
    p = hcsg_lookpath("sh", &err);
    assert_non_null(p);
    assert_true(p[0] == '/');
    free(p);
    p = hcsg_lookpath("./relative", &err);
    assert_string_equal(p, "./relative");
    free(p);
    assert_null(hcsg_lookpath("no-such-program-hcsg", &err));
    assert_string_equal(err.msg, "exec: \"no-such-program-hcsg\": executable file not found in $PATH");
    assert_int_equal(err.hr, HCSG_HR_FAIL);
    assert_null(hcsg_lookpath("", &err));

    assert_int_equal(hcsg_user_lookup("root", &u, &err), 0);
    assert_int_equal(u.uid, 0);
    assert_int_equal(u.gid, 0);
    assert_int_equal(hcsg_user_lookup("1234", &u, &err), 0);
    assert_int_equal(u.uid, 1234);
    assert_int_equal(hcsg_user_lookup("1234:5678", &u, &err), 0);
    assert_int_equal(u.gid, 5678);
    assert_int_equal(hcsg_user_lookup("root:root", &u, &err), 0);
    assert_int_equal(u.gid, 0);
    assert_int_equal(hcsg_user_lookup("no-such-user-hcsg", &u, &err), -1);
    assert_string_equal(err.msg, "unable to find user no-such-user-hcsg: no matching entries "
                                 "in passwd file");
    assert_int_equal(err.hr, HCSG_HR_FAIL);
    assert_int_equal(hcsg_user_lookup("root:no-such-group-hcsg", &u, &err), -1);
    assert_int_equal(hcsg_user_lookup(":0", &u, &err), -1);
    assert_int_equal(hcsg_user_lookup("0:", &u, &err), -1);
    assert_int_equal(hcsg_user_lookup("99999999999", &u, &err), -1);
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;
    assert_true((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) < sizeof path);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* DIR/REL made (a directory; with target, a symbolic link to it). */
static void make_at(const char *dir, const char *rel, const char *target)
{
    char path[700];
    assert_true((size_t)snprintf(path, sizeof path, "%s/%s", dir, rel) < sizeof path);
    if (target)
        assert_int_equal(symlink(target, path), 0);
    else
        assert_int_equal(mkdir(path, 0755), 0);
}

/* sgid: the supplementary group expected after the primary one (from the
 * group file's member lists), or 0 for none. */
static void expect_user_sg(const char *root, const char *spec, unsigned uid, unsigned gid,
                           unsigned sgid)
{
    hcsg_user u;
    hcsg_err err;
    hcsg_err_clear(&err);
    if (hcsg_user_lookup_root(root, spec, &u, &err) != 0)
        fail_msg("%s in %s: %s", spec, root, err.msg);
    assert_int_equal(u.uid, uid);
    assert_int_equal(u.gid, gid);
    assert_int_equal(u.groups[0], gid);
    if (sgid && sgid != gid) {
        assert_int_equal(u.ngroups, 2);
        assert_int_equal(u.groups[1], sgid);
    } else {
        assert_int_equal(u.ngroups, 1);
    }
}

static void expect_user(const char *root, const char *spec, unsigned uid, unsigned gid)
{
    expect_user_sg(root, spec, uid, gid, 0);
}

/* The lookup error for spec under root, which must contain want. */
static void expect_user_err(const char *root, const char *spec, int32_t hr, const char *want)
{
    hcsg_user u;
    hcsg_err err;
    hcsg_err_clear(&err);
    assert_int_equal(hcsg_user_lookup_root(root, spec, &u, &err), -1);
    if (!strstr(err.msg, want))
        fail_msg("%s in %s: \"%s\" lacks \"%s\"", spec, root, err.msg, want);
    assert_int_equal(err.hr, hr);
}

static void test_user_lookup_root(void **s)
{
    char dir[] = "/tmp/hcsg-users-XXXXXX", root[600], path[700], *longline;
    hcsg_user u;
    hcsg_err err;
    size_t i;
    (void)s;
    assert_non_null(mkdtemp(dir));
    /* DIR/img: the image; DIR/other: /etc/passwd and /etc/group as links
     * out of it; DIR/etclink: etc as a link; DIR/fifo: a FIFO passwd;
     * DIR/bare: no etc at all. */
    make_at(dir, "img", NULL);
    make_at(dir, "img/etc", NULL);
    snprintf(root, sizeof root, "%s/img", dir);
    snprintf(path, sizeof path, "%s/etc", root);
    /* A line longer than the 4 KiB kept of one: its tail ("evil:...") is
     * never read as a line of its own. */
    longline = (char *)malloc(8192);
    assert_non_null(longline);
    i = (size_t)snprintf(longline, 8192, "mallory:x:1500:1501:");
    while (i < 4095)
        longline[i++] = 'G';
    snprintf(longline + i, 8192 - i, "evil:x:0:0::/:/bin/sh\n");
    {
        char *text = hcsi_asprintf("root:x:0:0:root:/root:/bin/sh\n"
                                   "alice:x:1000:1001:Alice:/home/alice:/bin/sh\n"
                                   "%s"
                                   "bob:x:1002:1003::/home/bob:/bin/sh\n"
                                   "badid:x:12x:1::/:/bin/sh\n",
                                   longline);
        assert_non_null(text);
        put_file(path, "passwd", text);
        free(text);
    }
    free(longline);
    put_file(path, "group", "root:x:0:\nstaff:x:50:alice,bob\nalice:x:1001:\n");

    /* alice and bob are members of staff (50): a supplementary group. */
    expect_user_sg(root, "alice", 1000, 1001, 50);
    expect_user_sg(root, "1000", 1000, 1001, 50); /* its passwd group, its name's groups */
    expect_user(root, "4242", 4242, 4242); /* not in passwd: uid as gid */
    expect_user(root, "1000:50", 1000, 50);
    expect_user(root, "alice:staff", 1000, 50);
    expect_user_sg(root, "bob:alice", 1002, 1001, 50);
    expect_user(root, "mallory", 1500, 1501);
    expect_user_sg(root, "bob", 1002, 1003, 50); /* after the long line */
    {
        char slash[700];
        snprintf(slash, sizeof slash, "%s//", root);
        expect_user_sg(slash, "alice", 1000, 1001, 50);
    }
    expect_user_err(root, "nobody-hcsg", HCSG_HR_FAIL,
                    "unable to find user nobody-hcsg: no matching entries in passwd file");
    expect_user_err(root, "evil", HCSG_HR_FAIL, "unable to find user evil");
    expect_user_err(root, "alice:wheel-hcsg", HCSG_HR_FAIL,
                    "unable to find group wheel-hcsg: no matching entries in group file");
    expect_user_err(root, "badid", HCSG_HR_FAIL, "bad uid for user badid in ");
    expect_user_err(root, "", HCSG_HR_FAIL, "empty user name");
    /* Not the agent's own users: root exists there, daemon (usually) does
     * but not in the image. */
    expect_user_err(root, "daemon", HCSG_HR_FAIL, "unable to find user daemon");

    /* "" and "/" are the agent's own /etc, as hcsg_user_lookup. */
    expect_user("", "root", 0, 0);
    expect_user("/", "root:root", 0, 0);
    expect_user(NULL, "1234:5678", 1234, 5678);
    expect_user_err("/", "no-such-user-hcsg", HCSG_HR_FAIL,
                    "unable to find user no-such-user-hcsg: no matching entries in passwd file");
    /* A relative root is refused. */
    expect_user_err("tmp/img", "alice", HCSG_HR_INVALID_ARG, "not an absolute path");
    expect_user_err(".", "0", HCSG_HR_INVALID_ARG, "not an absolute path");

    /* etc/passwd and etc/group as links (absolute, and relative inside the
     * root's own tree): not followed. */
    make_at(dir, "other", NULL);
    make_at(dir, "other/etc", NULL);
    snprintf(root, sizeof root, "%s/img/etc/passwd", dir);
    make_at(dir, "other/etc/passwd", root);
    make_at(dir, "other/etc/group", "../../img/etc/group");
    snprintf(root, sizeof root, "%s/other", dir);
    expect_user_err(root, "alice", HCSG_HR_FAIL, "symbolic link is not followed");
    expect_user_err(root, "alice", HCSG_HR_FAIL, "/other/etc/passwd");
    expect_user_err(root, "0:staff", HCSG_HR_FAIL, "unable to find group staff: cannot read");
    expect_user_err(root, "0:staff", HCSG_HR_FAIL, "symbolic link is not followed");
    /* A numeric uid needs no passwd: the refused link is not read. */
    expect_user(root, "1000", 1000, 1000);

    /* etc itself a link. */
    make_at(dir, "etclink", NULL);
    snprintf(root, sizeof root, "%s/img/etc", dir);
    make_at(dir, "etclink/etc", root);
    snprintf(root, sizeof root, "%s/etclink", dir);
    expect_user_err(root, "alice", HCSG_HR_FAIL, "symbolic link is not followed");

    /* A FIFO passwd is never opened (opening it would block). */
    make_at(dir, "fifo", NULL);
    make_at(dir, "fifo/etc", NULL);
    snprintf(path, sizeof path, "%s/fifo/etc/passwd", dir);
    assert_int_equal(mkfifo(path, 0644), 0);
    snprintf(root, sizeof root, "%s/fifo", dir);
    expect_user_err(root, "alice", HCSG_HR_FAIL, "not a regular file");

    /* No etc: names fail naming the file, numbers work. */
    make_at(dir, "bare", NULL);
    snprintf(root, sizeof root, "%s/bare", dir);
    expect_user_err(root, "alice", HCSG_HR_FAIL, "/bare/etc/passwd: no such file or directory");
    expect_user(root, "7:8", 7, 8);
    hcsg_err_clear(&err);
    assert_int_equal(hcsg_user_lookup_root("/nonexistent-hcsg-root", "alice", &u, &err), -1);
    assert_non_null(strstr(err.msg, "cannot read /nonexistent-hcsg-root/etc/passwd"));

    {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
}

static void test_go_decoding(void **s)
{
    hcsi_json *o = NULL, *m = NULL;
    hcsg_err e;
    const char *str = NULL;
    uint32_t u = 0;
    int32_t i = 0;
    const char *doc = "{\"processid\":1,\"ProcessId\":7,\"S\":\"x\",\"Neg\":-1,\"Big\":4294967296,"
                      "\"F\":1.0,\"N\":null,\"Arr\":[\"a\",null],\"Bad\":[1],\"Map\":{\"k\":null}}";
    (void)s;
    assert_int_equal(hcsi_json_parse(doc, strlen(doc), "t", &o), 0);
    /* Case-insensitive; the last matching key wins (Go). */
    assert_int_equal(hcsg_get_u32(&e, o, "T", "PROCESSID", &u), 1);
    assert_int_equal(u, 7);
    assert_int_equal(hcsg_get_str(&e, o, "T", "s", &str, NULL), 1);
    assert_string_equal(str, "x");
    assert_int_equal(hcsg_get_u32(&e, o, "T", "N", &u), 0); /* null = absent */
    assert_int_equal(hcsg_get_u32(&e, o, "T", "Missing", &u), 0);
    assert_int_equal(hcsg_get_u32(&e, o, "T", "Neg", &u), -1);
    assert_int_equal((uint32_t)e.hr, 0xC037010Du);
    assert_non_null(strstr(e.msg, "json: cannot unmarshal number -1 into Go struct field T.Neg of type uint32"));
    assert_int_equal(hcsg_get_u32(&e, o, "T", "Big", &u), -1);
    assert_int_equal(hcsg_get_u32(&e, o, "T", "F", &u), -1);
    assert_int_equal(hcsg_get_i32(&e, o, "T", "Neg", &i), 1);
    assert_int_equal(i, -1);
    assert_int_equal(hcsg_get_str(&e, o, "T", "ProcessId", &str, NULL), -1);
    assert_non_null(strstr(e.msg, "cannot unmarshal number"));
    assert_int_equal(hcsg_get_strarr(&e, o, "T", "Arr", &m), 1);
    assert_int_equal(hcsg_get_strarr(&e, o, "T", "Bad", &m), -1);
    assert_int_equal(hcsg_get_strmap(&e, o, "T", "Map", &m), 1);
    assert_int_equal(hcsg_get_strmap(&e, o, "T", "Arr", &m), -1);
    assert_int_equal(hcsg_get_obj(&e, o, "T", "S", &m), -1);
    hcsi_json_put(o);
    /* Whole messages. */
    assert_int_equal(hcsg_parse_message(&e, "null", 4, "X", &o), 0);
    assert_null(o);
    assert_int_equal(hcsg_parse_message(&e, "[]", 2, "X", &o), -1);
    assert_non_null(strstr(e.msg, "cannot unmarshal array into Go value of type prot.X"));
    assert_int_equal(hcsg_parse_message(&e, "", 0, "X", &o), -1);
    assert_non_null(strstr(e.msg, "unexpected end of JSON input"));
    assert_int_equal(hcsg_parse_message(&e, "{\"a\":1}\n", 8, "X", &o), 0);
    hcsi_json_put(o);
}

static void test_responses(void **s)
{
    hcsg_err e;
    hcsi_json *o;
    char *t, ts[64];
    (void)s;
    hcsg_err_bare(&e, HCSG_HR_SYSTEM_NOT_FOUND);
    o = hcsg_resp_error(&e, "00000000-0000-0000-0000-000000000000");
    t = hcsg_resp_text(o, NULL);
    /* Byte-identical to the Go GCS (golden live-uvm frame 18). */
    assert_string_equal(t, "{\"Result\":-1070137074,\"ActivityId\":\"00000000-0000-0000-0000-000000000000\","
                           "\"ErrorMessage\":\"HRESULT: 0xc037010e\",\"ErrorRecords\":[{\"Result\":-1070137074,"
                           "\"Message\":\"HRESULT: 0xc037010e\",\"ModuleName\":\"gcs\",\"FileName\":\"\","
                           "\"Line\":4294967295}]}");
    free(t);
    hcsi_json_put(o);
    /* json.Marshal escapes HTML characters. */
    hcsg_err_plain(&e, "a <b> & c");
    o = hcsg_resp_error(&e, "");
    t = hcsg_resp_text(o, NULL);
    assert_string_equal(t, "{\"Result\":-2147467259,\"ErrorMessage\":\"a \\u003cb\\u003e \\u0026 c\","
                           "\"ErrorRecords\":[{\"Result\":-2147467259,\"Message\":\"a \\u003cb\\u003e "
                           "\\u0026 c\",\"ModuleName\":\"gcs\",\"FileName\":\"\",\"Line\":4294967295}]}");
    free(t);
    hcsi_json_put(o);
    hcsg_err_wrap(&e, HCSG_HR_NOT_IMPL, "x");
    assert_string_equal(e.msg, "HRESULT 0x80004001: x");
    hcsg_err_prefix(&e, "ctx %d", 1);
    assert_string_equal(e.msg, "ctx 1: HRESULT 0x80004001: x");
    assert_int_equal((uint32_t)e.hr, 0x80004001u);
    hcsg_type_string(0x10100501u, ts, sizeof ts);
    assert_string_equal(ts, "ComputeSystemExecuteProcessV1");
    hcsg_type_string(0x10200101u, ts, sizeof ts);
    assert_string_equal(ts, "270532865");
    hcsg_type_string(0x20100d01u, ts, sizeof ts);
    assert_string_equal(ts, "537922817");
    hcsg_type_string(0x30100101u, ts, sizeof ts);
    assert_string_equal(ts, "ComputeSystemNotificationV1");
}

/* ---- the dispatcher through a capture sink ---- */

typedef struct capture {
    uint32_t type;
    uint64_t id;
    char body[8192];
    int count;
} capture;

static int capture_send(void *ctx, uint32_t type, uint64_t id, const char *body, size_t len)
{
    capture *c = (capture *)ctx;
    c->type = type;
    c->id = id;
    snprintf(c->body, sizeof c->body, "%.*s", (int)len, body);
    c->count++;
    return 0;
}

static int handle(hcsg_agent *a, capture *c, uint32_t type, const char *body)
{
    c->count = 0;
    c->body[0] = '\0';
    return hcsg_agent_handle(a, type, 5, body, strlen(body));
}

static void test_dispatch(void **s)
{
    hcsg_options o;
    hcsg_agent *a;
    capture c;
    (void)s;
    hcsg_options_init(&o);
    hcsg_log_set_level(HCSG_LOG_ERROR);
    a = hcsg_agent_new(&o);
    assert_non_null(a);
    hcsg_agent_set_sink(a, capture_send, &c);
    hcsg_agent_set_dry_run(a, 1);
    /* Before negotiation. */
    handle(a, &c, 0x10100c01u, "{}");
    assert_int_equal(c.type, 0x20100c01u);
    assert_non_null(strstr(c.body, "\"Result\":-2147467263"));
    /* A response/notify type from the host is not a request. */
    handle(a, &c, 0x30100101u, "{}");
    assert_int_equal(c.type, 0x20100101u);
    assert_non_null(strstr(c.body, "header type: ComputeSystemNotificationV1"));
    handle(a, &c, 0x10100b01u, "{\"ContainerId\":\"\",\"MinimumVersion\":4,\"MaximumVersion\":4}");
    assert_int_equal(c.count, 1);
    assert_non_null(strstr(c.body, "\"Version\":4"));
    /* After: every RPC has an answer. */
    handle(a, &c, 0x10100c01u, "{\"ContainerId\":\"" HCS_GCS_NULL_CONTAINER_ID "\"}");
    assert_non_null(strstr(c.body, "\"GuestStacks\":\"hcs-gcs"));
    handle(a, &c, 0x10100501u, "{\"ContainerId\":\"" HCS_GCS_NULL_CONTAINER_ID
                               "\",\"Settings\":{\"ProcessParameters\":\"{}\"}}");
    assert_non_null(strstr(c.body, "dry run"));
    handle(a, &c, 0x10100601u, "{\"ContainerId\":\"" HCS_GCS_NULL_CONTAINER_ID "\",\"ProcessId\":3}");
    assert_non_null(strstr(c.body, "\"Result\":-2147023728"));
    /* A UVM shutdown in a dry run does not stop anything. */
    assert_int_equal(handle(a, &c, 0x10100401u, "{\"ContainerId\":\"" HCS_GCS_NULL_CONTAINER_ID "\"}"), 0);
    assert_int_equal(c.count, 1);
    handle(a, &c, 0x10100101u, "{\"ContainerConfig\":7}");
    assert_non_null(strstr(c.body, "\"Result\":-1070137075"));
    assert_non_null(strstr(c.body, "ContainerCreate.ContainerConfig of type string"));
    hcsg_agent_free(a);
}

/* The console socket of a hostile runtime: one that connects and stays
 * silent is bounded by the timeout, a descriptor that is not a pty master
 * is refused (and closed), a real pty master is taken. */
static int console_client(const char *path)
{
    hcsi_sock c = HCSI_SOCK_INVALID;
    assert_int_equal(hcsi_sock_connect_unix(path, &c), HCS_S_OK);
    return (int)c;
}

static void send_fd(int c, int fd)
{
    struct msghdr mh;
    struct iovec iov;
    char byte = 'x';
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct cmsghdr *cm;
    memset(&mh, 0, sizeof mh);
    iov.iov_base = &byte;
    iov.iov_len = 1;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof u.buf;
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    assert_int_equal(sendmsg(c, &mh, 0), 1);
}

static void test_console_socket_hostile(void **s)
{
    char dir[] = "/tmp/hcsg-console-XXXXXX", path[512];
    hcsg_err e;
    int lfd, c, p[2], m;
    (void)s;
    assert_non_null(mkdtemp(dir));
    /* silent after connecting */
    hcsg_err_clear(&e);
    lfd = hcsg_console_listen(dir, 1, path, sizeof path, &e);
    assert_true(lfd >= 0);
    c = console_client(path);
    assert_int_equal(hcsg_console_receive(lfd, 200, &e), -1);
    assert_non_null(strstr(e.msg, "connected to the console socket but sent no console"));
    close(c);
    close(lfd);
    unlink(path);
    /* a pipe is not a console */
    hcsg_err_clear(&e);
    lfd = hcsg_console_listen(dir, 2, path, sizeof path, &e);
    assert_true(lfd >= 0);
    c = console_client(path);
    assert_int_equal(pipe(p), 0);
    send_fd(c, p[0]);
    assert_int_equal(hcsg_console_receive(lfd, 2000, &e), -1);
    assert_non_null(strstr(e.msg, "not a pty master"));
    close(c);
    close(lfd);
    unlink(path);
    close(p[0]);
    close(p[1]);
    /* a pty master is */
    hcsg_err_clear(&e);
    lfd = hcsg_console_listen(dir, 3, path, sizeof path, &e);
    assert_true(lfd >= 0);
    c = console_client(path);
    p[0] = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(p[0] >= 0);
    send_fd(c, p[0]);
    m = hcsg_console_receive(lfd, 2000, &e);
    assert_true(m >= 0);
    close(m);
    close(p[0]);
    close(c);
    close(lfd);
    unlink(path);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_shellwords),
        cmocka_unit_test(test_lookpath_and_users),
        cmocka_unit_test(test_user_lookup_root),
        cmocka_unit_test(test_go_decoding),
        cmocka_unit_test(test_responses),
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_console_socket_hostile),
    };
    return cmocka_run_group_tests_name("hcs-gcs unit", tests, NULL, NULL);
}
