/* hcsctl schema validate|show|list: the schema layer from the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"

void hcsctl_help_schema(FILE *out)
{
    fprintf(out,
            "usage: hcsctl [--json] schema validate --type TYPE [--version X.Y] [--published-only] FILE|-\n"
            "       hcsctl [--json] schema show TYPE\n"
            "       hcsctl [--json] schema list [hcs|hcn|guest]\n\n"
            "validate  checks a JSON document offline against the generated schema:\n"
            "          unknown fields, wrong types, bad enum values, out-of-range\n"
            "          integers, malformed GUIDs / MAC addresses / dates, fields and\n"
            "          enum values newer than --version (the host's schema version,\n"
            "          e.g. 2.1 for Windows Server 2019; known: HCS 2.0-2.6, HCN\n"
            "          2.0-2.16), and cross-field rules\n"
            "          (one of Container / VirtualMachine / HostedSystem, the\n"
            "          ModifySettingRequest resource-path grammar, typed Settings).\n"
            "          One line per problem: PATH: message ((root) for the document).\n"
            "          --published-only also reports fields Microsoft never published\n"
            "          (hcsshim extensions from schema/overlay.json).\n"
            "show      fields of a type (JSON name, type, schema version it appeared\n"
            "          in), or the values of an enum.\n"
            "list      every type: HCS (ComputeSystem ...), HCN (hcn.HostComputeNetwork\n"
            "          ...) and guest documents (guest.LCOWMappedVirtualDisk ...).\n\n"
            "TYPE is a name as listed (\"ComputeSystem\", \"hcn.HostComputeNetwork\");\n"
            "HCN and guest names may omit their prefix when unambiguous.\n\n"
            "Exit: 0 valid / done, 1 the document is invalid, 2 usage error (unknown\n"
            "type, bad version, unreadable file).\n");
}

static const char *ns_name(hcs_schema_namespace ns)
{
    return ns == HCS_SCHEMA_NS_HCN ? "hcn" : ns == HCS_SCHEMA_NS_GUEST ? "guest" : "hcs";
}

static const char *problem_kind_name(hcs_schema_problem_kind k)
{
    switch (k) {
    case HCS_SCHEMA_PROBLEM_INVALID_JSON: return "invalid_json";
    case HCS_SCHEMA_PROBLEM_UNKNOWN_FIELD: return "unknown_field";
    case HCS_SCHEMA_PROBLEM_WRONG_TYPE: return "wrong_type";
    case HCS_SCHEMA_PROBLEM_BAD_ENUM: return "bad_enum";
    case HCS_SCHEMA_PROBLEM_OUT_OF_RANGE: return "out_of_range";
    case HCS_SCHEMA_PROBLEM_BAD_GUID: return "bad_guid";
    case HCS_SCHEMA_PROBLEM_BAD_FORMAT: return "bad_format";
    case HCS_SCHEMA_PROBLEM_TOO_NEW: return "too_new";
    case HCS_SCHEMA_PROBLEM_RULE: return "rule";
    case HCS_SCHEMA_PROBLEM_UNPUBLISHED: return "unpublished";
    case HCS_SCHEMA_PROBLEM_LIMIT: return "limit";
    }
    return "unknown";
}

static int find_type(const char *name, hcs_schema_type_id *id)
{
    if (hcs_schema_type_lookup(name, id))
        return 1;
    hcsctl_usage_error("schema: unknown type \"%s\" (see hcsctl schema list)", name);
    return 0;
}

static void version_text(char *buf, size_t n, hcs_schema_version v)
{
    if (v.major || v.minor)
        snprintf(buf, n, "%u.%u", (unsigned)v.major, (unsigned)v.minor);
    else
        snprintf(buf, n, "-");
}

static int version_cmp(hcs_schema_version a, hcs_schema_version b)
{
    if (a.major != b.major)
        return a.major < b.major ? -1 : 1;
    return a.minor < b.minor ? -1 : a.minor > b.minor;
}

/* The schema versions the tables know for a namespace: from the oldest to
 * the newest "since" of its fields and enum values (HCS 2.0-2.6, HCN
 * 2.0-2.16). Guest documents carry no versions of their own: they travel
 * in HCS requests, so theirs is the HCS range. */
static void known_versions(hcs_schema_namespace ns, hcs_schema_version *lo,
                           hcs_schema_version *hi)
{
    size_t i, j, n = hcs_schema_type_count();
    int found = 0;
    lo->major = lo->minor = hi->major = hi->minor = 0;
    for (i = 0; i < n; i++) {
        hcs_schema_type_info ti;
        if (HCS_FAILED(hcs_schema_type_get_info((hcs_schema_type_id)i, &ti)) || ti.ns != ns)
            continue;
        for (j = 0; j < (ti.is_enum ? ti.value_count : ti.field_count); j++) {
            hcs_schema_version v;
            if (ti.is_enum) {
                hcs_schema_enum_value_info vi;
                if (HCS_FAILED(hcs_schema_enum_value_get_info((hcs_schema_type_id)i, j, &vi)))
                    continue;
                v = vi.since;
            } else {
                hcs_schema_field_info fi;
                if (HCS_FAILED(hcs_schema_field_get_info((hcs_schema_type_id)i, j, &fi)))
                    continue;
                v = fi.since;
            }
            if (!v.major)
                continue; /* not versioned */
            if (!found || version_cmp(v, *lo) < 0)
                *lo = v;
            if (!found || version_cmp(v, *hi) > 0)
                *hi = v;
            found = 1;
        }
    }
    if (!found && ns != HCS_SCHEMA_NS_HCS)
        known_versions(HCS_SCHEMA_NS_HCS, lo, hi);
}

static int cmd_validate(hcsctl_ctx *ctx, int argc, char **argv)
{
    const char *type = NULL, *version = NULL, *file = NULL;
    unsigned flags = 0;
    hcs_schema_type_id id;
    hcs_schema_version target;
    hcs_schema_report *rep = NULL;
    hcs_result hr;
    char *data;
    size_t len = 0, i;
    int published_only = 0, rc;
    {
        const hcsctl_opt t[] = {
            HCSCTL_STRING("--type", &type),
            HCSCTL_STRING("--version", &version),
            HCSCTL_FLAG("--published-only", &published_only),
        };
        hcsctl_args pa;
        hcsctl_args_init(&pa, "schema validate", hcsctl_help_schema, t, HCSCTL_NOPTS(t));
        pa.max_pos = 1;
        rc = hcsctl_opt_parse(&pa, argc, argv, 1);
        if (rc)
            return rc < 0 ? HCSCTL_EXIT_OK : rc;
        if (pa.npos)
            file = pa.pos[0];
        if (published_only)
            flags |= HCS_SCHEMA_VALIDATE_PUBLISHED_ONLY;
    }
    if (!type)
        return hcsctl_usage_error("schema validate: --type TYPE is required");
    if (!file)
        return hcsctl_usage_error("schema validate: FILE (or - for stdin) is required");
    if (!find_type(type, &id))
        return HCSCTL_EXIT_USAGE;
    if (version && HCS_FAILED(hcs_schema_version_parse(version, &target)))
        return hcsctl_usage_error("schema validate: %s", hcs_error_last()->message);
    if (version) {
        hcs_schema_type_info ti;
        hcs_schema_version lo, hi;
        hcs_schema_type_get_info(id, &ti);
        known_versions(ti.ns, &lo, &hi);
        if (version_cmp(target, lo) < 0 || version_cmp(target, hi) > 0)
            return hcsctl_usage_error("schema validate: unknown schema version \"%s\" for %s "
                                      "types (known: %u.%u to %u.%u)",
                                      version, ns_name(ti.ns), (unsigned)lo.major,
                                      (unsigned)lo.minor, (unsigned)hi.major,
                                      (unsigned)hi.minor);
    }
    /* One byte more than the limit, so that validation reports "too large". */
    rc = hcsctl_read_input("schema validate", file, (size_t)HCS_SCHEMA_MAX_DOCUMENT + 1, &data,
                           &len);
    if (rc != HCSCTL_EXIT_OK)
        return rc;
    hr = hcs_schema_validate(id, data, len, version ? &target : NULL, flags, &rep);
    free(data);
    if (!rep)
        return hcsctl_fail("schema validate", hr);
    if (ctx->json) {
        hcs_schema_type_info ti;
        hcs_schema_type_get_info(id, &ti);
        printf("{\"valid\":%s,\"type\":", rep->count ? "false" : "true");
        hcsctl_json_string(stdout, ti.qualified_name);
        printf(",\"target\":");
        if (version)
            printf("\"%u.%u\"", (unsigned)target.major, (unsigned)target.minor);
        else
            printf("null");
        printf(",\"problems\":[");
        for (i = 0; i < rep->count; i++) {
            printf("%s{\"path\":", i ? "," : "");
            hcsctl_json_string(stdout, rep->problems[i].path);
            printf(",\"kind\":\"%s\",\"message\":", problem_kind_name(rep->problems[i].kind));
            hcsctl_json_string(stdout, rep->problems[i].message);
            printf("}");
        }
        printf("]}\n");
    } else {
        /* paths and messages quote the document: terminal-safe text */
        for (i = 0; i < rep->count; i++) {
            hcsctl_text(stdout, *rep->problems[i].path ? rep->problems[i].path : "(root)");
            fputs(": ", stdout);
            hcsctl_text(stdout, rep->problems[i].message);
            fputc('\n', stdout);
        }
        if (!rep->count)
            printf("valid\n");
    }
    rc = rep->count ? HCSCTL_EXIT_FAILED : HCSCTL_EXIT_OK;
    hcs_schema_report_free(rep);
    return rc;
}

/* A subcommand of exactly n positional arguments (names) and no option. */
static int positional(const char *cmd, int argc, char **argv, int n, const char *names)
{
    hcsctl_args pa;
    hcsctl_args_init(&pa, cmd, hcsctl_help_schema, NULL, 0);
    pa.min_pos = pa.max_pos = n;
    pa.pos_names = names;
    return hcsctl_opt_parse(&pa, argc, argv, 1);
}

static int cmd_show(hcsctl_ctx *ctx, int argc, char **argv)
{
    hcs_schema_type_id id;
    hcs_schema_type_info ti;
    char since[16];
    size_t i;
    int rc = positional("schema show", argc, argv, 1, "TYPE");
    if (rc)
        return rc < 0 ? HCSCTL_EXIT_OK : rc;
    if (!find_type(argv[1], &id))
        return HCSCTL_EXIT_USAGE;
    hcs_schema_type_get_info(id, &ti);
    if (ctx->json) {
        printf("{\"name\":");
        hcsctl_json_string(stdout, ti.qualified_name);
        printf(",\"namespace\":\"%s\",\"kind\":\"%s\",\"published\":%s", ns_name(ti.ns),
               ti.is_enum ? "enum" : "struct", ti.overlay ? "false" : "true");
        if (ti.note) {
            printf(",\"note\":");
            hcsctl_json_string(stdout, ti.note);
        }
        if (ti.is_enum) {
            printf(",\"sent_as_number\":%s,\"values\":[", ti.numeric ? "true" : "false");
            for (i = 0; i < ti.value_count; i++) {
                hcs_schema_enum_value_info vi;
                hcs_schema_enum_value_get_info(id, i, &vi);
                version_text(since, sizeof since, vi.since);
                printf("%s{\"value\":", i ? "," : "");
                hcsctl_json_string(stdout, vi.name);
                printf(",\"since\":%s%s%s,\"published\":%s}", vi.since.major ? "\"" : "",
                       vi.since.major ? since : "null", vi.since.major ? "\"" : "",
                       vi.overlay ? "false" : "true");
            }
        } else {
            printf(",\"fields\":[");
            for (i = 0; i < ti.field_count; i++) {
                hcs_schema_field_info fi;
                hcs_schema_field_get_info(id, i, &fi);
                version_text(since, sizeof since, fi.since);
                printf("%s{\"name\":", i ? "," : "");
                hcsctl_json_string(stdout, fi.name);
                printf(",\"type\":");
                hcsctl_json_string(stdout, fi.type);
                printf(",\"since\":%s%s%s,\"published\":%s", fi.since.major ? "\"" : "",
                       fi.since.major ? since : "null", fi.since.major ? "\"" : "",
                       fi.overlay ? "false" : "true");
                if (fi.alias) {
                    printf(",\"alias\":");
                    hcsctl_json_string(stdout, fi.alias);
                }
                if (fi.note) {
                    printf(",\"note\":");
                    hcsctl_json_string(stdout, fi.note);
                }
                printf("}");
            }
        }
        printf("]}\n");
        return HCSCTL_EXIT_OK;
    }
    printf("%s (%s %s%s)\n", ti.qualified_name, ns_name(ti.ns), ti.is_enum ? "enum" : "struct",
           ti.overlay ? ", not published" : "");
    if (ti.note)
        printf("  note: %s\n", ti.note);
    if (ti.is_enum) {
        if (ti.numeric)
            printf("  hcsshim sends this as a number; fields using it are uint32\n");
        for (i = 0; i < ti.value_count; i++) {
            hcs_schema_enum_value_info vi;
            hcs_schema_enum_value_get_info(id, i, &vi);
            version_text(since, sizeof since, vi.since);
            printf("  %-44s %s%s\n", *vi.name ? vi.name : "\"\"", since, vi.overlay ? " (overlay)" : "");
        }
        return HCSCTL_EXIT_OK;
    }
    printf("  %-40s %-40s %s\n", "FIELD", "TYPE", "SINCE");
    for (i = 0; i < ti.field_count; i++) {
        hcs_schema_field_info fi;
        hcs_schema_field_get_info(id, i, &fi);
        version_text(since, sizeof since, fi.since);
        printf("  %-40s %-40s %s%s%s%s\n", fi.name, fi.type, since, fi.overlay ? " (overlay)" : "",
               fi.alias ? " alias " : "", fi.alias ? fi.alias : "");
    }
    return HCSCTL_EXIT_OK;
}

static int cmd_list(hcsctl_ctx *ctx, int argc, char **argv)
{
    size_t i, n = hcs_schema_type_count();
    int want = -1;
    const char *ns = NULL;
    int rc;
    {
        hcsctl_args pa;
        hcsctl_args_init(&pa, "schema list", hcsctl_help_schema, NULL, 0);
        pa.max_pos = 1;
        rc = hcsctl_opt_parse(&pa, argc, argv, 1);
        if (rc)
            return rc < 0 ? HCSCTL_EXIT_OK : rc;
        if (pa.npos)
            ns = pa.pos[0];
    }
    if (ns) {
        if (strcmp(ns, "hcs") == 0)
            want = HCS_SCHEMA_NS_HCS;
        else if (strcmp(ns, "hcn") == 0)
            want = HCS_SCHEMA_NS_HCN;
        else if (strcmp(ns, "guest") == 0)
            want = HCS_SCHEMA_NS_GUEST;
        else
            return hcsctl_usage_error("schema list: unknown namespace \"%s\" (hcs, hcn, guest)", ns);
    }
    for (i = 0; i < n; i++) {
        hcs_schema_type_info ti;
        hcs_schema_type_get_info((hcs_schema_type_id)i, &ti);
        if (want >= 0 && (int)ti.ns != want)
            continue;
        if (ctx->json) { /* one object per line */
            printf("{\"name\":");
            hcsctl_json_string(stdout, ti.qualified_name);
            printf(",\"namespace\":\"%s\",\"kind\":\"%s\",\"count\":%zu,\"published\":%s}\n", ns_name(ti.ns),
                   ti.is_enum ? "enum" : "struct", ti.is_enum ? ti.value_count : ti.field_count,
                   ti.overlay ? "false" : "true");
        } else {
            printf("%-52s %-6s %3zu %s%s\n", ti.qualified_name, ti.is_enum ? "enum" : "struct",
                   ti.is_enum ? ti.value_count : ti.field_count, ti.is_enum ? "values" : "fields",
                   ti.overlay ? "  (not published)" : "");
        }
    }
    return HCSCTL_EXIT_OK;
}

int hcsctl_cmd_schema(hcsctl_ctx *ctx, int argc, char **argv)
{
    if (argc < 2)
        return hcsctl_usage_error("schema: expected validate, show or list (hcsctl schema --help)");
    if (hcsctl_is_help(argv[1])) {
        hcsctl_help_schema(stdout);
        return HCSCTL_EXIT_OK;
    }
    if (strcmp(argv[1], "validate") == 0)
        return cmd_validate(ctx, argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0)
        return cmd_show(ctx, argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return cmd_list(ctx, argc - 1, argv + 1);
    return hcsctl_usage_error("schema: unknown subcommand \"%s\" (validate, show, list)", argv[1]);
}
