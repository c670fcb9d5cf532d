/*
 * hcs-gcs: the ModifySettings "Network" resource (guest/net).
 *
 * Unit part (no privileges): validation of every field of an
 * LCOWNetworkAdapter and the resolv.conf text.
 *
 * Namespace part (root, real namespaces): the test makes two network
 * namespaces with `ip netns add`: A, where the agent runs (its "UVM"
 * namespace, where new NICs appear), and P, the peer. A veth pair joins
 * them: va (known MAC) in A, vp (10.77.0.1/24, fd77::1/64) in P. The agent
 * runs in A, in a mount namespace of its own with a tmpfs on /run, and keeps
 * its namespaces under /run/t (hidden --netns-dir / --netns-etc-dir), so
 * whatever it mounts dies with it; the test looks at them through
 * /proc/<agent>/root. Every namespace, veth and directory is removed in the
 * teardown, also after a failure. Under CI=true a missing tool fails.
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctr_kit.h"
#include "net/net.h"

#define NSID "6f0b3a4c-1d2e-4f50-8a9b-0c1d2e3f4a5b"
#define NSID_UPPER "6F0B3A4C-1D2E-4F50-8A9B-0C1D2E3F4A5B"
#define AID "a1b2c3d4-0000-4000-8000-00000000a001"
#define NSDIR "/run/t/netns"
#define ETCDIR "/run/t/etc"
#define E_FAIL_HR ((int32_t)0x80004005)

/* ---- unit: validation ---- */

static hcs_gs_LCOWIPConfig g_ips[4];
static hcs_gs_LCOWRoute g_routes[4];

/* A valid adapter; tests break one field. */
static void good(hcs_gs_LCOWNetworkAdapter *s)
{
    memset(s, 0, sizeof *s);
    memset(g_ips, 0, sizeof g_ips);
    memset(g_routes, 0, sizeof g_routes);
    s->NamespaceID = (char *)NSID_UPPER;
    s->ID = (char *)AID;
    s->MacAddress = (char *)"02-48-43-00-00-01";
    s->DNSSuffix = (char *)"corp.example, example.com";
    s->DNSServerList = (char *)"10.0.0.53,fd00::53, 10.0.0.53";
    g_ips[0].IPAddress = (char *)"10.0.0.2";
    g_ips[0].PrefixLength.v = 24;
    g_ips[1].IPAddress = (char *)"fd00::2";
    g_ips[1].PrefixLength.v = 64;
    s->IPConfigs.items = g_ips;
    s->IPConfigs.n = 2;
    g_routes[0].NextHop = (char *)"10.0.0.1";
    g_routes[0].DestinationPrefix = (char *)"0.0.0.0/0";
    g_routes[0].Metric.v = 7;
    g_routes[1].NextHop = (char *)"";
    g_routes[1].DestinationPrefix = (char *)"10.9.0.0/16";
    g_routes[2].NextHop = (char *)"::";
    g_routes[2].DestinationPrefix = (char *)"::/0";
    s->Routes.items = g_routes;
    s->Routes.n = 3;
}

static void refused(const hcs_gs_LCOWNetworkAdapter *s, int remove, const char *needle)
{
    hcsg_net_plan p;
    hcsg_err e;
    hcsg_err_clear(&e);
    assert_int_equal(hcsg_net_plan_parse(s, remove, &p, &e), -1);
    assert_int_equal(e.hr, E_FAIL_HR);
    if (!strstr(e.msg, needle))
        fail_msg("\"%s\" does not name \"%s\"", e.msg, needle);
}

static void test_plan_valid(void **st)
{
    hcs_gs_LCOWNetworkAdapter s;
    hcsg_net_plan p;
    hcsg_err e;
    char t[64];
    (void)st;
    good(&s);
    assert_int_equal(hcsg_net_plan_parse(&s, 0, &p, &e), 0);
    assert_string_equal(p.nsid, NSID); /* lower-cased */
    assert_int_equal(p.mac[0], 0x02);
    assert_int_equal(p.mac[5], 0x01);
    assert_int_equal(p.nips, 2);
    hcsg_net_ip_format(&p.ips[1], 1, t, sizeof t);
    assert_string_equal(t, "fd00::2/64");
    /* The default route with NextHop "::" means "no gateway": skipped. */
    assert_int_equal(p.nroutes, 2);
    assert_int_equal(p.routes[0].metric, 7);
    assert_int_equal(p.routes[0].dst.len, 0);
    assert_int_equal(p.routes[1].gw.family, 0); /* on-link */
    assert_int_equal(p.nsearch, 2);
    assert_string_equal(p.search[1], "example.com");
    assert_int_equal(p.nservers, 2); /* the duplicate dropped */
    assert_string_equal(p.servers[1], "fd00::53");
    /* MAC with colons, lower case. */
    s.MacAddress = (char *)"02:48:43:0a:0b:0c";
    assert_int_equal(hcsg_net_plan_parse(&s, 0, &p, &e), 0);
    assert_int_equal(p.mac[5], 0x0c);
}

static void test_plan_refusals(void **st)
{
    hcs_gs_LCOWNetworkAdapter s;
    (void)st;
#define BAD(field_stmt, needle)                                                              \
    do {                                                                                     \
        good(&s);                                                                            \
        field_stmt;                                                                          \
        refused(&s, 0, needle);                                                              \
    } while (0)
    BAD(s.NamespaceID = (char *)"../../etc/passwd", "NamespaceID");
    BAD(s.NamespaceID = NULL, "NamespaceID");
    BAD(s.NamespaceID = (char *)"6f0b3a4c-1d2e-4f50-8a9b-0c1d2e3f4a5b/", "NamespaceID");
    BAD(s.ID = (char *)"eth0", "ID \"eth0\" is not a GUID");
    BAD(s.MacAddress = (char *)"01-00-5E-00-00-01", "MacAddress");  /* multicast */
    BAD(s.MacAddress = (char *)"00-00-00-00-00-00", "MacAddress");  /* zero */
    BAD(s.MacAddress = (char *)"02-48-43-00-00", "MacAddress");     /* short */
    BAD(s.MacAddress = (char *)"02-48:43-00-00-01", "MacAddress");  /* mixed */
    BAD(s.MacAddress = NULL, "MacAddress");
    BAD(g_ips[0].IPAddress = (char *)"10.0.0.256", "IPConfigs[0].IPAddress");
    BAD(g_ips[0].IPAddress = (char *)"fe80::1%eth0", "IPConfigs[0].IPAddress");
    BAD(g_ips[0].IPAddress = (char *)"::ffff:10.0.0.2", "IPConfigs[0].IPAddress");
    BAD(g_ips[0].IPAddress = (char *)"127.0.0.2", "loopback");
    BAD(g_ips[0].IPAddress = (char *)"0.0.0.0", "unspecified");
    BAD(g_ips[1].IPAddress = (char *)"ff02::1", "multicast");
    BAD(g_ips[0].PrefixLength.v = 33, "IPConfigs[0].PrefixLength 33");
    BAD(g_ips[1].PrefixLength.v = 129, "IPConfigs[1].PrefixLength 129");
    BAD(g_ips[0].PrefixLength.v = 0, "IPConfigs[0].PrefixLength 0");
    BAD(g_ips[1].IPAddress = (char *)"10.0.0.2"; g_ips[1].PrefixLength.v = 24, "given twice");
    BAD(g_routes[1].DestinationPrefix = (char *)"10.9.0.1/16", "Routes[1].DestinationPrefix");
    BAD(g_routes[1].DestinationPrefix = (char *)"10.9.0.0/33", "Routes[1].DestinationPrefix");
    BAD(g_routes[1].DestinationPrefix = (char *)"10.9.0.0", "Routes[1].DestinationPrefix");
    BAD(g_routes[1].DestinationPrefix = (char *)"10.9.0.0/016", "Routes[1].DestinationPrefix");
    BAD(g_routes[0].NextHop = (char *)"10.0.0.1; rm -rf /", "Routes[0].NextHop");
    BAD(g_routes[0].NextHop = (char *)"fd00::1", "different address families");
    BAD(g_routes[0].NextHop = (char *)"224.0.0.1", "multicast");
    BAD(g_routes[0].NextHop = (char *)"", "needs a NextHop");
    BAD(s.DNSSuffix = (char *)"corp.example\nnameserver 6.6.6.6", "DNSSuffix");
    BAD(s.DNSSuffix = (char *)"a..b", "DNSSuffix");
    BAD(s.DNSSuffix = (char *)"a,b,c,d,e,f,g", "more than 6 domains");
    BAD(s.DNSServerList = (char *)"10.0.0.53 nameserver", "DNSServerList");
    BAD(s.DNSServerList = (char *)"0.0.0.0", "DNSServerList");
    BAD(s.VPCIAssigned.v = 1, "VPCIAssigned");
    BAD(s.IPConfigs.n = 0, "udhcpc");
#undef BAD
    /* Remove needs the ID (and a GUID NamespaceID when one is given). */
    good(&s);
    s.ID = (char *)"x";
    refused(&s, 1, "ID");
    good(&s);
    s.NamespaceID = (char *)"../x";
    refused(&s, 1, "NamespaceID");
    {
        hcsg_net_plan p;
        hcsg_err e;
        good(&s);
        s.NamespaceID = NULL;
        s.MacAddress = (char *)"nonsense"; /* not looked at by Remove */
        assert_int_equal(hcsg_net_plan_parse(&s, 1, &p, &e), 0);
    }
}

static void test_resolv_text(void **st)
{
    hcs_gs_LCOWNetworkAdapter s;
    hcsg_net_plan a, b;
    const hcsg_net_plan *both[2] = {&a, &b};
    hcsg_err e;
    char text[1024];
    (void)st;
    good(&s);
    assert_int_equal(hcsg_net_plan_parse(&s, 0, &a, &e), 0);
    s.DNSSuffix = (char *)"example.com,other.example";
    s.DNSServerList = (char *)"10.0.0.54,10.0.0.53";
    assert_int_equal(hcsg_net_plan_parse(&s, 0, &b, &e), 0);
    assert_int_equal(hcsg_net_resolv_text(both, 2, text, sizeof text, &e), 0);
    assert_string_equal(text, "search corp.example example.com other.example\n"
                              "nameserver 10.0.0.53\nnameserver fd00::53\n"
                              "nameserver 10.0.0.54\n");
    /* Merged, the searches may not exceed six. */
    s.DNSSuffix = (char *)"a,b,c,d,e";
    assert_int_equal(hcsg_net_plan_parse(&s, 0, &b, &e), 0);
    assert_int_equal(hcsg_net_resolv_text(both, 2, text, sizeof text, &e), -1);
    assert_non_null(strstr(e.msg, "more than 6 domains"));
    /* No DNS settings at all: an empty file, as the Go GCS writes. */
    s.DNSSuffix = NULL;
    s.DNSServerList = NULL;
    assert_int_equal(hcsg_net_plan_parse(&s, 0, &b, &e), 0);
    assert_int_equal(hcsg_net_resolv_text(both + 1, 1, text, sizeof text, &e), 0);
    assert_string_equal(text, "");
}

/* ---- namespaces: fixture ---- */

typedef struct nenv {
    ghost h;
    int running;
    char nsa[32], nsp[32];
    char mac[18];
    char dir[64]; /* container layer */
} nenv;

static unsigned g_seq;

/* A command's output (stdout and stderr), malloc'ed; *status its exit. */
static char *out(int *status, const char *fmt, ...) HCSI_PRINTF(2, 3);
static char *out(int *status, const char *fmt, ...)
{
    char cmd[2048], buf[4096];
    hcsi_buf b;
    va_list ap;
    FILE *f;
    size_t n;
    int st;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd - 8, fmt, ap);
    va_end(ap);
    strcat(cmd, " 2>&1");
    f = popen(cmd, "r");
    assert_non_null(f);
    hcsi_buf_init(&b, 0);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        assert_int_equal(hcsi_buf_append(&b, buf, n), 0);
    st = pclose(f);
    if (status)
        *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    assert_int_equal(hcsi_buf_putc(&b, '\0'), 0);
    return hcsi_buf_steal(&b, NULL);
}

static int tools_available(int containers)
{
    const char *why = NULL;
    if (geteuid() != 0)
        why = "not root";
    else if (gh_sh("command -v ip nsenter unshare busybox >/dev/null") != 0)
        why = "ip (iproute2), nsenter/unshare (util-linux) and busybox are needed";
    else if (gh_sh("ip netns add hcsgt-probe-%ld && ip netns del hcsgt-probe-%ld", (long)getpid(),
                (long)getpid()) != 0)
        why = "`ip netns add` is not permitted here";
    if (!why && containers)
        return ck_available();
    return why ? gh_unavailable("network", "network tests need root and real namespaces", why)
               : 1;
}

static int setup_common(void **state, int containers)
{
    nenv *e;
    unsigned k = ++g_seq;
    if (!tools_available(containers))
        return 0; /* the tests skip themselves */
    e = (nenv *)calloc(1, sizeof *e);
    assert_non_null(e);
    snprintf(e->nsa, sizeof e->nsa, "hcsgt-%ld-%ua", (long)getpid(), k);
    snprintf(e->nsp, sizeof e->nsp, "hcsgt-%ld-%up", (long)getpid(), k);
    snprintf(e->mac, sizeof e->mac, "02:48:43:%02x:%02x:%02x", (unsigned)(getpid() >> 8) & 0xff,
             (unsigned)getpid() & 0xff, k & 0xff);
    *state = e;
    /* va is up in A before the agent takes it: Remove must restore that. */
    if (gh_sh("ip netns add %s && ip netns add %s && ip -n %s link set lo up && "
           "ip -n %s link set lo up && "
           "ip -n %s link add va address %s type veth peer name vp netns %s && "
           "ip -n %s addr add 10.77.0.1/24 dev vp && ip -n %s addr add fd77::1/64 dev vp nodad && "
           "ip -n %s link set vp up && ip -n %s link set va up",
           e->nsa, e->nsp, e->nsa, e->nsp, e->nsa, e->mac, e->nsp, e->nsp, e->nsp, e->nsp,
           e->nsa) != 0)
        fail_msg("could not create the test's namespaces and veth pair");
    return 0;
}

static int setup(void **state) { return setup_common(state, 0); }
static int setup_ctr(void **state) { return setup_common(state, 1); }

static int teardown(void **state)
{
    nenv *e = (nenv *)*state;
    if (!e)
        return 0;
    if (e->running) {
        (void)gh_stop(&e->h, 15000);
        gh_cleanup(&e->h);
    }
    /* The veth pair goes with its namespaces (wherever its ends are). */
    (void)gh_sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", e->nsa, e->nsp);
    if (e->dir[0])
        (void)gh_sh("rm -rf '%s'", e->dir);
    free(e);
    *state = NULL;
    return 0;
}

static nenv *begin(void **state, int reconnect)
{
    nenv *e = (nenv *)*state;
    char netarg[96];
    const char *prefix[] = {"nsenter", netarg, "unshare", "-m", "--propagation", "private",
                            "sh", "-c", "mount -t tmpfs -o mode=0755 tmpfs /run && exec \"$@\"",
                            "hcsg-ns", NULL};
    const char *extra[] = {"--netns-dir", NSDIR, "--netns-etc-dir", ETCDIR, "--runtime-root",
                           "/run/gcs/runtime", reconnect ? "--reconnect" : NULL, NULL};
    if (!e)
        skip();
    snprintf(netarg, sizeof netarg, "--net=/run/netns/%s", e->nsa);
    gh_start_ex(&e->h, 0, extra, prefix, NULL);
    e->running = 1;
    gh_negotiate(&e->h);
    return e;
}

static void end(nenv *e)
{
    int st = gh_stop(&e->h, 15000);
    e->running = 0;
    gh_cleanup(&e->h);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* A path inside the agent's mount namespace. */
static void apath(const nenv *e, const char *p, char *o, size_t n)
{
    snprintf(o, n, "/proc/%ld/root%s", (long)e->h.agent, p);
}

static int exists(const nenv *e, const char *p)
{
    char path[512];
    struct stat st;
    apath(e, p, path, sizeof path);
    return stat(path, &st) == 0;
}

/* Output of `ip ARGS` inside the agent's namespace NSID. */
static char *in_ns(const nenv *e, const char *args)
{
    char path[512];
    int st;
    char *o;
    apath(e, NSDIR "/" NSID, path, sizeof path);
    o = out(&st, "nsenter --net=%s ip %s", path, args);
    if (st != 0)
        fail_msg("ip %s in the namespace: exit %d: %s", args, st, o);
    return o;
}

static void has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, text);
}

static void lacks(const char *text, const char *needle)
{
    if (strstr(text, needle))
        fail_msg("did not expect \"%s\" in:\n%s", needle, text);
}

/* ModifySettings Network; returns the response (caller puts). */
static hcsi_json *modify(nenv *e, const char *reqtype, const char *settings)
{
    char *body = hcsi_asprintf("{\"ContainerId\":\"" GH_ZERO "\",\"ActivityId\":\"" GH_ZERO
                               "\",\"Request\":{\"RequestType\":\"%s\",\"ResourceType\":"
                               "\"Network\",\"Settings\":%s}}",
                               reqtype, settings);
    hcsi_json *r = gh_call(&e->h, GH_MODIFY, body, 30000);
    free(body);
    return r;
}

static const char *errmsg(const hcsi_json *r)
{
    const char *m = "";
    (void)hcsi_json_get_str(r, "r", "ErrorMessage", &m, NULL);
    return m;
}

static void modify_ok(nenv *e, const char *reqtype, const char *settings)
{
    hcsi_json *r = modify(e, reqtype, settings);
    if (gh_result(r) != 0)
        fail_msg("%s: 0x%08x %s", reqtype, (unsigned)gh_result(r), errmsg(r));
    hcsi_json_put(r);
}

/* The adapter's settings with the test's MAC; extra: more members. */
static char *adapter(const nenv *e, const char *extra)
{
    return hcsi_asprintf("{\"NamespaceID\":\"" NSID_UPPER "\",\"ID\":\"" AID
                         "\",\"MacAddress\":\"%s\"%s%s}",
                         e->mac, extra && *extra ? "," : "", extra ? extra : "");
}

#define FULL                                                                                 \
    "\"EncapOverhead\":50,\"DNSSuffix\":\"corp.example,example.com\","                       \
    "\"DNSServerList\":\"10.77.0.1,fd77::1\","                                               \
    "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24},"                      \
    "{\"IPAddress\":\"fd77::2\",\"PrefixLength\":64}],"                                      \
    "\"Routes\":[{\"NextHop\":\"10.77.0.1\",\"DestinationPrefix\":\"0.0.0.0/0\","            \
    "\"Metric\":5},{\"NextHop\":\"\",\"DestinationPrefix\":\"10.99.0.0/16\"},"               \
    "{\"NextHop\":\"fd77::1\",\"DestinationPrefix\":\"::/0\"}]"

/* va back home in A as it was: up, MTU 1500, none of the addresses. */
static void assert_home(const nenv *e)
{
    int st;
    char *o = out(&st, "ip -n %s -o link show dev va", e->nsa);
    if (st != 0)
        fail_msg("va is not back in the agent's namespace: %s", o);
    has(o, "mtu 1500");
    has(o, ",UP");
    free(o);
    o = out(&st, "ip -n %s -o addr show dev va", e->nsa);
    lacks(o, "10.77.0.2");
    lacks(o, "fd77::2");
    lacks(o, "10.76.");
    free(o);
}

/* ---- namespaces: tests ---- */

/* Add: va leaves A for the namespace NSID (made by the agent), MTU lowered
 * by EncapOverhead, up, both addresses, the three routes (default with its
 * metric, on-link, IPv6 default), lo up, resolv.conf; P's ping answered.
 * Remove restores A's va and removes the namespace and resolv.conf. */
static void test_add_ping_remove(void **state)
{
    nenv *e = begin(state, 0);
    char *s = adapter(e, FULL), *o, path[512];
    int st;
    modify_ok(e, "Add", s);
    o = out(&st, "ip -n %s link show dev va", e->nsa);
    assert_int_not_equal(st, 0); /* gone from A */
    free(o);
    assert_true(exists(e, NSDIR "/" NSID)); /* lower-cased id */
    o = in_ns(e, "-o link show dev va");
    has(o, "mtu 1450");
    has(o, ",UP");
    free(o);
    o = in_ns(e, "-o link show dev lo");
    has(o, "LOOPBACK,UP");
    free(o);
    o = in_ns(e, "-o addr show dev va");
    has(o, "inet 10.77.0.2/24");
    has(o, "inet6 fd77::2/64");
    free(o);
    o = in_ns(e, "-4 route show");
    has(o, "default via 10.77.0.1 dev va");
    has(o, "metric 5");
    has(o, "10.99.0.0/16 dev va");
    free(o);
    o = in_ns(e, "-6 route show");
    has(o, "default via fd77::1 dev va");
    free(o);
    /* The peer reaches the address through the veth pair. */
    o = out(&st, "ip netns exec %s busybox ping -c 1 -W 3 10.77.0.2", e->nsp);
    if (st != 0)
        fail_msg("ping from the peer namespace was not answered: %s", o);
    free(o);
    apath(e, ETCDIR "/" NSID "/resolv.conf", path, sizeof path);
    o = out(&st, "cat %s", path);
    assert_int_equal(st, 0);
    assert_string_equal(o, "search corp.example example.com\n"
                           "nameserver 10.77.0.1\nnameserver fd77::1\n");
    free(o);
    /* The same adapter again: refused, nothing changes. */
    {
        hcsi_json *r = modify(e, "Add", s);
        assert_int_equal(gh_result(r), E_FAIL_HR);
        has(errmsg(r), "already present");
        hcsi_json_put(r);
    }
    modify_ok(e, "Remove", s);
    assert_home(e);
    assert_false(exists(e, NSDIR "/" NSID));
    assert_false(exists(e, ETCDIR "/" NSID "/resolv.conf"));
    o = out(&st, "ip netns exec %s busybox ping -c 1 -W 1 10.77.0.2", e->nsp);
    assert_int_not_equal(st, 0); /* nobody has the address any more */
    free(o);
    /* Removing it again succeeds, as in the Go GCS. */
    modify_ok(e, "Remove", s);
    free(s);
    end(e);
}

/* A MAC that never appears: refused after the bounded wait, nothing made. */
static void test_mac_never_appears(void **state)
{
    nenv *e = begin(state, 0);
    char *s = hcsi_asprintf("{\"NamespaceID\":\"" NSID "\",\"ID\":\"" AID "\","
                            "\"MacAddress\":\"02-48-43-FF-FF-01\","
                            "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}]}");
    uint64_t t0 = gh_now_ms(), dt;
    hcsi_json *r = modify(e, "Add", s);
    dt = gh_now_ms() - t0;
    assert_int_equal(gh_result(r), E_FAIL_HR);
    has(errmsg(r), "timed out waiting for net adapter");
    has(errmsg(r), "02-48-43-ff-ff-01");
    has(errmsg(r), AID);
    hcsi_json_put(r);
    if (dt < 4500 || dt > 15000)
        fail_msg("the wait took %llu ms (5 s expected)", (unsigned long long)dt);
    assert_false(exists(e, NSDIR "/" NSID));
    assert_home(e);
    free(s);
    end(e);
}

/* Bad settings are refused before anything changes (no wait, no
 * namespace); a failure the kernel reports half-way (a duplicate route)
 * undoes the steps already done. */
static void test_bad_settings_change_nothing(void **state)
{
    nenv *e = begin(state, 0);
    static const struct {
        const char *extra;
        const char *needle;
    } bad[] = {
        {"\"IPConfigs\":[{\"IPAddress\":\"10.77.0.300\",\"PrefixLength\":24}]",
         "IPConfigs[0].IPAddress \"10.77.0.300\""},
        {"\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":33}]",
         "IPConfigs[0].PrefixLength 33"},
        {"\"IPConfigs\":[{\"IPAddress\":\"fd77::2\",\"PrefixLength\":200}]",
         "IPConfigs[0].PrefixLength 200"},
        {"\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}],"
         "\"Routes\":[{\"NextHop\":\"10.77.0.1\",\"DestinationPrefix\":\"10.1.2.3/8\"}]",
         "Routes[0].DestinationPrefix"},
        {"\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}],"
         "\"Routes\":[{\"NextHop\":\"fd77::1\",\"DestinationPrefix\":\"0.0.0.0/0\"}]",
         "different address families"},
        {"\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}],"
         "\"DNSServerList\":\"10.77.0.1\\nsearch evil\"",
         "DNSServerList"},
        {"\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}],"
         "\"VPCIAssigned\":true",
         "VPCIAssigned"},
        {"", "no IPConfigs"},
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *s = adapter(e, bad[i].extra);
        uint64_t t0 = gh_now_ms();
        hcsi_json *r = modify(e, "Add", s);
        assert_int_equal(gh_result(r), E_FAIL_HR);
        has(errmsg(r), bad[i].needle);
        assert_true(gh_now_ms() - t0 < 2000); /* refused before any wait */
        hcsi_json_put(r);
        free(s);
    }
    /* Identity fields: a path for a namespace, an interface name for an id,
     * a multicast MAC. */
    {
        static const struct {
            const char *doc, *needle;
        } ids[] = {
            {"{\"NamespaceID\":\"../../../proc/1/ns/net\",\"ID\":\"" AID "\","
             "\"MacAddress\":\"02-48-43-00-00-01\","
             "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}]}",
             "NamespaceID"},
            {"{\"NamespaceID\":\"" NSID "\",\"ID\":\"eth0\",\"MacAddress\":\"02-48-43-00-00-01\","
             "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}]}",
             "ID \"eth0\""},
            {"{\"NamespaceID\":\"" NSID "\",\"ID\":\"" AID "\",\"MacAddress\":\"ff-ff-ff-ff-ff-ff\","
             "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}]}",
             "MacAddress"},
        };
        for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
            hcsi_json *r = modify(e, "Add", ids[i].doc);
            assert_int_equal(gh_result(r), E_FAIL_HR);
            has(errmsg(r), ids[i].needle);
            hcsi_json_put(r);
        }
    }
    /* A Metric beyond uint16: Go's decoding refuses it (0xC037010D). */
    {
        char *s = adapter(e, "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}],"
                             "\"Routes\":[{\"NextHop\":\"10.77.0.1\",\"DestinationPrefix\":"
                             "\"0.0.0.0/0\",\"Metric\":70000}]");
        hcsi_json *r = modify(e, "Add", s);
        assert_int_equal(gh_result(r), (int32_t)0xC037010D);
        hcsi_json_put(r);
        free(s);
    }
    /* PreAdd and Update are the Go GCS's "not supported". */
    {
        char *s = adapter(e, "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}]");
        hcsi_json *r = modify(e, "Update", s);
        assert_int_equal(gh_result(r), E_FAIL_HR);
        has(errmsg(r), "the RequestType \"Update\" is not supported");
        hcsi_json_put(r);
        free(s);
    }
    assert_false(exists(e, NSDIR "/" NSID));
    assert_home(e);
    /* The kernel refuses the second, identical route after va was moved,
     * addressed and given the first: all of it is undone. */
    {
        char *s = adapter(e, "\"EncapOverhead\":100,"
                             "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}],"
                             "\"Routes\":[{\"NextHop\":\"10.77.0.1\",\"DestinationPrefix\":"
                             "\"10.98.0.0/16\"},{\"NextHop\":\"10.77.0.1\",\"DestinationPrefix\":"
                             "\"10.98.0.0/16\"}]");
        hcsi_json *r = modify(e, "Add", s);
        assert_int_equal(gh_result(r), E_FAIL_HR);
        has(errmsg(r), "adding route 10.98.0.0/16 via 10.77.0.1");
        has(errmsg(r), "File exists");
        hcsi_json_put(r);
        free(s);
    }
    assert_false(exists(e, NSDIR "/" NSID));
    assert_false(exists(e, ETCDIR "/" NSID "/resolv.conf"));
    assert_home(e);
    /* And a good Add still works afterwards. */
    {
        char *s = adapter(e, "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}]");
        modify_ok(e, "Add", s);
        modify_ok(e, "Remove", s);
        free(s);
    }
    assert_home(e);
    end(e);
}

/* A gateway outside the adapter's subnet: the Go GCS's answer to the
 * kernel's "network is unreachable" (the gateway's host address on the
 * link, then the route); EnableLowMetric: the rule to table 101 and the
 * routes there with metric 500. Remove takes all of it away. */
static void test_gateway_outside_subnet_low_metric(void **state)
{
    nenv *e = begin(state, 0);
    char *s = adapter(e, "\"EnableLowMetric\":true,"
                         "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}],"
                         "\"Routes\":[{\"NextHop\":\"10.76.0.1\",\"DestinationPrefix\":"
                         "\"0.0.0.0/0\"}]"),
         *o;
    modify_ok(e, "Add", s);
    o = in_ns(e, "-o addr show dev va");
    has(o, "inet 10.77.0.2/24");
    has(o, "inet 10.76.0.1/32");
    free(o);
    o = in_ns(e, "rule show");
    has(o, "5:\tfrom 10.77.0.2 lookup 101");
    free(o);
    o = in_ns(e, "route show table 101");
    has(o, "default via 10.76.0.1 dev va");
    has(o, "metric 500");
    free(o);
    o = in_ns(e, "route show table main");
    lacks(o, "default");
    free(o);
    modify_ok(e, "Remove", s);
    assert_home(e);
    assert_false(exists(e, NSDIR "/" NSID));
    free(s);
    end(e);
}

/* Two adapters in one namespace with PolicyBasedRouting: the first keeps
 * the main table, the second gets the low metric (the Go GCS's Sync); the
 * namespace's resolv.conf merges both; the namespace stays until the last
 * adapter is removed. */
static void test_two_adapters_policy_routing(void **state)
{
    nenv *e = begin(state, 0);
    char mac2[18], *s1, *s2, *o, path[512];
    int st;
    snprintf(mac2, sizeof mac2, "%.15s%02x", e->mac, (unsigned)(e->mac[16] == 'f' ? 0x10 : 0xf0));
    if (gh_sh("ip -n %s link add vb address %s type veth peer name vq netns %s && "
           "ip -n %s addr add 10.78.0.1/24 dev vq && ip -n %s link set vq up",
           e->nsa, mac2, e->nsp, e->nsp, e->nsp) != 0)
        fail_msg("could not create the second veth pair");
    s1 = adapter(e, "\"PolicyBasedRouting\":true,\"DNSSuffix\":\"one.example\","
                    "\"DNSServerList\":\"10.77.0.1\","
                    "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}],"
                    "\"Routes\":[{\"NextHop\":\"10.77.0.1\",\"DestinationPrefix\":"
                    "\"0.0.0.0/0\"}]");
    s2 = hcsi_asprintf("{\"NamespaceID\":\"" NSID "\",\"ID\":\"a1b2c3d4-0000-4000-8000-00000000a002\","
                       "\"MacAddress\":\"%s\",\"PolicyBasedRouting\":true,"
                       "\"DNSSuffix\":\"two.example,one.example\",\"DNSServerList\":\"10.78.0.1\","
                       "\"IPConfigs\":[{\"IPAddress\":\"10.78.0.2\",\"PrefixLength\":24}],"
                       "\"Routes\":[{\"NextHop\":\"10.78.0.1\",\"DestinationPrefix\":"
                       "\"0.0.0.0/0\"}]}",
                       mac2);
    modify_ok(e, "Add", s1);
    modify_ok(e, "Add", s2);
    o = in_ns(e, "rule show");
    lacks(o, "from 10.77.0.2");
    has(o, "5:\tfrom 10.78.0.2 lookup 101");
    free(o);
    o = in_ns(e, "route show table main");
    has(o, "default via 10.77.0.1 dev va");
    lacks(o, "default via 10.78.0.1");
    free(o);
    o = in_ns(e, "route show table 101");
    has(o, "default via 10.78.0.1 dev vb");
    has(o, "metric 500");
    free(o);
    apath(e, ETCDIR "/" NSID "/resolv.conf", path, sizeof path);
    o = out(&st, "cat %s", path);
    assert_string_equal(o, "search one.example two.example\n"
                           "nameserver 10.77.0.1\nnameserver 10.78.0.1\n");
    free(o);
    /* Both peers reach their adapter. */
    assert_int_equal(gh_sh("ip netns exec %s busybox ping -c 1 -W 3 10.77.0.2 >/dev/null && "
                        "ip netns exec %s busybox ping -c 1 -W 3 10.78.0.2 >/dev/null",
                        e->nsp, e->nsp),
                     0);
    modify_ok(e, "Remove", s1);
    assert_home(e);
    assert_true(exists(e, NSDIR "/" NSID));
    o = out(&st, "cat %s", path);
    assert_string_equal(o, "search two.example one.example\nnameserver 10.78.0.1\n");
    free(o);
    modify_ok(e, "Remove", s2);
    o = out(&st, "ip -n %s -o addr show dev vb", e->nsa);
    assert_int_equal(st, 0); /* vb is back home too */
    lacks(o, "10.78.0.2");
    free(o);
    assert_false(exists(e, NSDIR "/" NSID));
    free(s1);
    free(s2);
    end(e);
}

/* A namespace that exists already under the id (made by someone else) is
 * used and left in place by Remove and by the cleanup; a file there that is
 * not a network namespace is refused. */
static void test_existing_namespace(void **state)
{
    nenv *e = begin(state, 1);
    char *s = adapter(e, "\"IPConfigs\":[{\"IPAddress\":\"10.77.0.2\",\"PrefixLength\":24}]"),
         *o;
    hcsi_json *r;
    /* A plain file first. */
    assert_int_equal(gh_sh("nsenter -t %ld -m sh -c 'mkdir -p " NSDIR " && touch " NSDIR "/" NSID
                        "'",
                        (long)e->h.agent),
                     0);
    r = modify(e, "Add", s);
    assert_int_equal(gh_result(r), E_FAIL_HR);
    has(errmsg(r), "exists and is not a network namespace");
    hcsi_json_put(r);
    assert_true(exists(e, NSDIR "/" NSID)); /* not the agent's to remove */
    assert_home(e);
    /* Now a network namespace of someone else's, bound there. */
    assert_int_equal(gh_sh("nsenter -t %ld -m unshare -n sh -c 'mount --bind /proc/self/ns/net "
                        NSDIR "/" NSID "'",
                        (long)e->h.agent),
                     0);
    modify_ok(e, "Add", s);
    o = in_ns(e, "-o addr show dev va");
    has(o, "inet 10.77.0.2/24");
    free(o);
    modify_ok(e, "Remove", s);
    assert_home(e);
    o = in_ns(e, "-o link show"); /* still there, still a namespace */
    lacks(o, "va");
    free(o);
    /* The cleanup after a lost bridge leaves it alone too. */
    modify_ok(e, "Add", s);
    close(e->h.br);
    e->h.br = gh_accept(e->h.listener, 20000);
    assert_true(e->h.br >= 0);
    assert_home(e);
    o = in_ns(e, "-o link show");
    has(o, "lo");
    free(o);
    gh_negotiate(&e->h);
    gh_send(&e->h, GH_SHUTDOWN_GRACEFUL, "{\"ContainerId\":\"" GH_ZERO "\",\"ActivityId\":\""
                                         GH_ZERO "\"}");
    end(e);
    free(s);
}

/* The bridge is lost: the agent undoes every adapter and namespace before
 * it dials again (--reconnect); a plain agent does the same before it
 * exits, so the veth end survives (in a namespace destroyed with it inside,
 * a veth pair is destroyed). */
static void test_lost_bridge_cleanup(void **state)
{
    nenv *e = begin(state, 1);
    char *s = adapter(e, FULL), path[512], *o;
    int st;
    modify_ok(e, "Add", s);
    assert_true(exists(e, NSDIR "/" NSID));
    close(e->h.br);
    e->h.br = gh_accept(e->h.listener, 20000);
    assert_true(e->h.br >= 0);
    assert_home(e);
    assert_false(exists(e, NSDIR "/" NSID));
    assert_false(exists(e, ETCDIR "/" NSID "/resolv.conf"));
    /* Nothing of the agent's stays mounted at the directory either. */
    snprintf(path, sizeof path, "/proc/%ld/mountinfo", (long)e->h.agent);
    o = out(&st, "cat %s", path);
    lacks(o, NSDIR);
    free(o);
    /* A new connection: Add again, then the host goes away for good. */
    gh_negotiate(&e->h);
    modify_ok(e, "Add", s);
    gh_send(&e->h, GH_SHUTDOWN_GRACEFUL, "{\"ContainerId\":\"" GH_ZERO "\",\"ActivityId\":\""
                                         GH_ZERO "\"}");
    end(e);
    assert_home(e);
    free(s);
}

/* A container whose spec names the namespace (windows.network
 * .networkNamespace, as hcsshim sends it, any case) runs in it: it sees va
 * with its address and the namespace's resolv.conf. The namespace stays
 * while the container record does, even after its adapter is removed. */
static void test_container_joins_namespace(void **state)
{
    nenv *e = begin(state, 0);
    char *s = adapter(e, FULL), *spec, *full, root[128];
    gh_proc p;
    hcsi_buf b;
    uint32_t code = 1;
    const char *layer;
    snprintf(e->dir, sizeof e->dir, "/tmp/hcsg-net-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    layer = ck_layer(e->dir);
    modify_ok(e, "Add", s);
    snprintf(root, sizeof root, "/run/gcs/c/n1/rootfs");
    spec = ck_spec(root,
                   "[\"sh\",\"-c\",\"cat /proc/net/dev /proc/net/fib_trie /etc/resolv.conf\"]", 0,
                   0, "ctr-net");
    /* ck_spec's document ends with the linux section's "}}". */
    spec[strlen(spec) - 1] = '\0';
    full = hcsi_asprintf("%s,\"windows\":{\"network\":{\"networkNamespace\":\"" NSID_UPPER
                         "\"}}}",
                         spec);
    assert_int_equal(ck_create_spec(&e->h, "n1", layer, full), 0);
    assert_int_equal(gh_exec_in(&e->h, "n1", "\"EmulateConsole\":false", GH_OUT, &p), 0);
    hcsi_buf_init(&b, 0);
    assert_int_equal(gh_read_all(p.out, &b, 20000), 0);
    assert_int_equal(hcsi_buf_putc(&b, '\0'), 0);
    gh_close_proc(&p);
    assert_int_equal(gh_wait_in(&e->h, "n1", p.pid, 0xFFFFFFFFu, &code, 20000), 0);
    assert_int_equal(code, 0);
    has(b.data, "va:");
    has(b.data, "10.77.0.2");
    has(b.data, "search corp.example example.com\nnameserver 10.77.0.1\n");
    hcsi_buf_free(&b);
    {
        char *t = ck_notification(&e->h, "n1", 20000);
        free(t);
    }
    /* A spec whose own network path contradicts the namespace it names is
     * refused (and gives its reference back: see the end). */
    {
        char *spec2 = ck_spec("/run/gcs/c/n2/rootfs", "[\"true\"]", 0, 0, "ctr-net2");
        char *mid = strstr(spec2, "{\"type\":\"mount\"}]");
        char *full2, *body;
        hcsi_json *r;
        assert_non_null(mid);
        *mid = '\0';
        full2 = hcsi_asprintf("%s{\"type\":\"mount\"},{\"type\":\"network\",\"path\":"
                              "\"/proc/1/ns/net\"}]},\"windows\":{\"network\":{"
                              "\"networkNamespace\":\"" NSID "\"}}}",
                              spec2);
        assert_int_equal(ck_create_spec(&e->h, "n2", layer, full2), E_FAIL_HR);
        body = hcsi_asprintf("{\"ContainerId\":\"" GH_ZERO "\",\"ActivityId\":\"" GH_ZERO
                             "\",\"Request\":{\"RequestType\":\"Remove\",\"ResourceType\":"
                             "\"CombinedLayers\",\"Settings\":{\"ContainerID\":\"n2\","
                             "\"ContainerRootPath\":\"/run/gcs/c/n2/rootfs\"}}}");
        r = gh_call(&e->h, GH_MODIFY, body, 30000);
        assert_int_equal(gh_result(r), 0);
        hcsi_json_put(r);
        free(body);
        free(full2);
        free(spec2);
    }
    /* The adapter goes; the container's record still holds the namespace. */
    modify_ok(e, "Remove", s);
    assert_home(e);
    assert_true(exists(e, NSDIR "/" NSID));
    (void)ck_simple(&e->h, GH_SHUTDOWN_FORCED, "n1", NULL);
    ck_remove(&e->h, "n1");
    assert_false(exists(e, NSDIR "/" NSID));
    free(full);
    free(spec);
    free(s);
    end(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_valid),
        cmocka_unit_test(test_plan_refusals),
        cmocka_unit_test(test_resolv_text),
        cmocka_unit_test_setup_teardown(test_add_ping_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mac_never_appears, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_settings_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gateway_outside_subnet_low_metric, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_adapters_policy_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_namespace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_bridge_cleanup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container_joins_namespace, setup_ctr, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
