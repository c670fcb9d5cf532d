/* hcsctl's HCN commands: net, endpoint, namespace, lb — list, show, create,
 * delete (and namespace add-endpoint / remove-endpoint). Thin layer over
 * hcs/network.h. Outside Windows every command prints libhcs's "only
 * available on Windows" error and exits 1 (usage errors still exit 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"

typedef struct net_kind {
    const char *cmd;
    const char *noun;
    hcs_result (*list)(const char *, char **);
    hcs_result (*get)(const char *, const char *, char **);
    hcs_result (*del)(const char *);
} net_kind;

static const net_kind k_kinds[] = {
    {"net", "network", hcs_net_network_list, hcs_net_network_get, hcs_net_network_delete},
    {"endpoint", "endpoint", hcs_net_endpoint_list, hcs_net_endpoint_get, hcs_net_endpoint_delete},
    {"namespace", "namespace", hcs_net_namespace_list, hcs_net_namespace_get, hcs_net_namespace_delete},
    {"lb", "load balancer", hcs_net_lb_list, hcs_net_lb_get, hcs_net_lb_delete},
};

static void help(const net_kind *k, FILE *out)
{
    fprintf(out,
            "usage: hcsctl [--json] %s list [--query JSON]\n"
            "       hcsctl [--json] %s show ID [--query JSON]\n"
            "       hcsctl [--json] %s create %sFILE|- [--id ID]\n"
            "       hcsctl %s delete ID\n",
            k->cmd, k->cmd, k->cmd, strcmp(k->cmd, "endpoint") == 0 ? "NETWORK_ID " : "",
            k->cmd);
    if (strcmp(k->cmd, "net") == 0)
        fprintf(out, "       hcsctl [--json] net create --nat NAME --subnet PREFIX "
                     "[--gateway IP] [--id ID]\n");
    if (strcmp(k->cmd, "namespace") == 0)
        fprintf(out, "       hcsctl namespace add-endpoint|remove-endpoint NAMESPACE_ID "
                     "ENDPOINT_ID\n");
    fprintf(out,
            "\nHCN %ss (computenetwork.dll). list prints one id per line (--json: HNS's\n"
            "JSON array); show prints the properties document (JSON); create reads a\n"
            "Host Compute %s document from FILE (or stdin with -), creates it (HNS\n"
            "picks the id unless --id) and prints the id; delete deletes it.\n"
            "Features this host's HNS lacks are refused with a clear error.\n\n"
            "Windows only: elsewhere the command prints \"the Host Compute Service is only\n"
            "available on Windows\" and exits 1.\n"
            "Exit codes: 0 success, 1 the operation failed, 2 usage error.\n",
            k->noun, k->noun);
}

void hcsctl_help_net(FILE *out) { help(&k_kinds[0], out); }
void hcsctl_help_endpoint(FILE *out) { help(&k_kinds[1], out); }
void hcsctl_help_namespace(FILE *out) { help(&k_kinds[2], out); }
void hcsctl_help_lb(FILE *out) { help(&k_kinds[3], out); }

/* Prints the ids of a JSON array of strings, one per line. */
static void print_ids(const char *json)
{
    const char *p = json;
    int n = 0;
    while ((p = strchr(p, '"')) != NULL) {
        const char *q = strchr(p + 1, '"');
        if (!q)
            break;
        printf("%.*s\n", (int)(q - p - 1), p + 1);
        n++;
        p = q + 1;
    }
    if (n == 0)
        printf("none\n");
}

static int create(hcsctl_ctx *ctx, const net_kind *k, const char *network, const char *doc,
                  const char *id)
{
    hcs_result hr;
    const char *got = NULL;
    char what[64];
    snprintf(what, sizeof what, "%s create", k->cmd);
    if (strcmp(k->cmd, "net") == 0) {
        hcs_network *n = NULL;
        hr = hcs_net_network_create(id, doc, &n);
        if (HCS_SUCCEEDED(hr))
            printf(ctx->json ? "{\"id\":\"%s\"}\n" : "%s\n", (got = hcs_net_network_id(n)));
        hcs_net_network_close(n);
    } else if (strcmp(k->cmd, "endpoint") == 0) {
        hcs_network *n = NULL;
        hcs_endpoint *e = NULL;
        hr = hcs_net_network_open(network, &n);
        if (HCS_SUCCEEDED(hr))
            hr = hcs_net_endpoint_create(n, id, doc, &e);
        if (HCS_SUCCEEDED(hr))
            printf(ctx->json ? "{\"id\":\"%s\"}\n" : "%s\n", (got = hcs_net_endpoint_id(e)));
        hcs_net_endpoint_close(e);
        hcs_net_network_close(n);
    } else if (strcmp(k->cmd, "namespace") == 0) {
        hcs_namespace *ns = NULL;
        hr = hcs_net_namespace_create(id, doc, &ns);
        if (HCS_SUCCEEDED(hr))
            printf(ctx->json ? "{\"id\":\"%s\"}\n" : "%s\n", (got = hcs_net_namespace_id(ns)));
        hcs_net_namespace_close(ns);
    } else {
        hcs_lb *lb = NULL;
        hr = hcs_net_lb_create(id, doc, &lb);
        if (HCS_SUCCEEDED(hr))
            printf(ctx->json ? "{\"id\":\"%s\"}\n" : "%s\n", (got = hcs_net_lb_id(lb)));
        hcs_net_lb_close(lb);
    }
    (void)got;
    return HCS_FAILED(hr) ? hcsctl_fail_detail(ctx, "error record", what, hr) : HCSCTL_EXIT_OK;
}

static void help_kind(const void *k, FILE *out) { help((const net_kind *)k, out); }

static int run_kind(hcsctl_ctx *ctx, const net_kind *k, int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL};
    const char *query = NULL, *id = NULL, *nat = NULL, *subnet = NULL, *gateway = NULL;
    const char *sub;
    int npos = 0, i;
    char *json = NULL, *doc = NULL;
    hcs_result hr;
    if (argc < 2 || hcsctl_is_help(argv[1])) {
        help(k, argc < 2 ? stderr : stdout);
        return argc < 2 ? HCSCTL_EXIT_USAGE : HCSCTL_EXIT_OK;
    }
    sub = argv[1];
    {
        int is_net = strcmp(k->cmd, "net") == 0;
        const hcsctl_opt t[] = {
            HCSCTL_STRING("--query", &query),     HCSCTL_STRING("--id", &id),
            HCSCTL_STRING("--nat", &nat),         HCSCTL_STRING("--subnet", &subnet),
            HCSCTL_STRING("--gateway", &gateway),
        };
        hcsctl_args pa;
        char cmd[64];
        snprintf(cmd, sizeof cmd, "%s %s", k->cmd, sub);
        /* --nat/--subnet/--gateway: networks only */
        hcsctl_args_init(&pa, cmd, NULL, t, is_net ? 5 : 2);
        pa.help_with = help_kind;
        pa.help_arg = k;
        pa.max_pos = 3;
        i = hcsctl_opt_parse(&pa, argc, argv, 2);
        if (i)
            return i < 0 ? HCSCTL_EXIT_OK : i;
        for (npos = 0; npos < pa.npos; npos++)
            pos[npos] = pa.pos[npos];
    }
    if (strcmp(sub, "list") == 0) {
        if (npos)
            return hcsctl_usage_error("%s list: unexpected argument \"%s\"", k->cmd, pos[0]);
        hr = k->list(query, &json);
        if (HCS_FAILED(hr))
            return hcsctl_fail_detail(ctx, "error record", "list", hr);
        if (ctx->json)
            printf("%s\n", json);
        else
            print_ids(json);
        hcs_free(json);
        return HCSCTL_EXIT_OK;
    }
    if (strcmp(sub, "show") == 0 || strcmp(sub, "delete") == 0) {
        if (npos != 1)
            return hcsctl_usage_error("%s %s: expected one ID (see hcsctl %s --help)", k->cmd,
                                      sub, k->cmd);
        if (sub[0] == 'd') {
            hr = k->del(pos[0]);
            return HCS_FAILED(hr) ? hcsctl_fail_detail(ctx, "error record", "delete", hr) : HCSCTL_EXIT_OK;
        }
        hr = k->get(pos[0], query, &json);
        if (HCS_FAILED(hr))
            return hcsctl_fail_detail(ctx, "error record", "show", hr);
        printf("%s\n", json);
        hcs_free(json);
        return HCSCTL_EXIT_OK;
    }
    if (strcmp(sub, "create") == 0) {
        int endpoint = strcmp(k->cmd, "endpoint") == 0;
        int rc;
        if (nat) {
            hcs_schema_hcn_subnet sn;
            hcs_schema_hcn_network_options o;
            if (npos || !subnet)
                return hcsctl_usage_error("net create --nat NAME needs --subnet PREFIX and no FILE");
            memset(&sn, 0, sizeof sn);
            o = (hcs_schema_hcn_network_options)HCS_SCHEMA_HCN_NETWORK_OPTIONS_INIT;
            sn.prefix = subnet;
            sn.gateway = gateway;
            o.name = nat;
            o.subnets = &sn;
            o.subnet_count = 1;
            hr = hcs_schema_build_hcn_network(&o, &doc);
            if (HCS_FAILED(hr))
                return hcsctl_fail("net create", hr);
        } else {
            if (npos != (endpoint ? 2 : 1))
                return hcsctl_usage_error("%s create: expected %sFILE|- (see hcsctl %s --help)",
                                          k->cmd, endpoint ? "NETWORK_ID " : "", k->cmd);
            size_t len = 0;
            char what[64];
            snprintf(what, sizeof what, "%s create", k->cmd);
            rc = hcsctl_read_input(what, pos[endpoint ? 1 : 0], ((size_t)16 << 20) + 1, &doc,
                                   &len);
            if (rc == 0 && len > ((size_t)16 << 20)) {
                free(doc);
                return hcsctl_usage_error("%s: the document is larger than 16 MiB", what);
            }
            if (rc)
                return rc;
        }
        rc = create(ctx, k, endpoint ? pos[0] : NULL, doc, id);
        hcs_free(doc);
        return rc;
    }
    if (strcmp(k->cmd, "namespace") == 0 &&
        (strcmp(sub, "add-endpoint") == 0 || strcmp(sub, "remove-endpoint") == 0)) {
        if (npos != 2)
            return hcsctl_usage_error("namespace %s: expected NAMESPACE_ID ENDPOINT_ID", sub);
        hr = sub[0] == 'a' ? hcs_net_namespace_add_endpoint(pos[0], pos[1])
                           : hcs_net_namespace_remove_endpoint(pos[0], pos[1]);
        return HCS_FAILED(hr) ? hcsctl_fail_detail(ctx, "error record", sub, hr) : HCSCTL_EXIT_OK;
    }
    return hcsctl_usage_error("%s: unknown subcommand \"%s\" (see hcsctl %s --help)", k->cmd, sub,
                              k->cmd);
}

int hcsctl_cmd_net(hcsctl_ctx *ctx, int argc, char **argv)
{
    return run_kind(ctx, &k_kinds[0], argc, argv);
}
int hcsctl_cmd_endpoint(hcsctl_ctx *ctx, int argc, char **argv)
{
    return run_kind(ctx, &k_kinds[1], argc, argv);
}
int hcsctl_cmd_namespace(hcsctl_ctx *ctx, int argc, char **argv)
{
    return run_kind(ctx, &k_kinds[2], argc, argv);
}
int hcsctl_cmd_lb(hcsctl_ctx *ctx, int argc, char **argv)
{
    return run_kind(ctx, &k_kinds[3], argc, argv);
}
