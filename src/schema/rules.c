/*
 * Validation rules the descriptor tables cannot express:
 *   - ComputeSystem: exactly one of Container / VirtualMachine / HostedSystem;
 *     HostedSystem needs HostingSystemId and is itself a HostedSystem document;
 *   - ModifySettingRequest: ResourcePath grammar, the RequestTypes it allows
 *     and the Settings type it implies; GuestRequest is a guest request;
 *   - guest ModificationRequest: Settings typed by ResourceType;
 *   - HCN policies / namespace resources: Settings / Data typed by Type;
 *     HostComputeQuery.Filter holds a JSON object as a string;
 *   - ProcessParameters.ConsoleSize is a (height, width) pair.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "schema/schema_internal.h"

static int present(const hcsi_json *obj, const char *key)
{
    return hcsi_json_get(obj, key) != NULL;
}

static const char *str_member(const hcsi_json *obj, const char *key)
{
    hcsi_json *v = hcsi_json_get(obj, key);
    if (!v || hcsi_json_kind_of(v) != HCSI_JSON_STRING)
        return NULL;
    return hcsi_json_str(v, NULL);
}

/* Validates member `key` of obj as struct `type`. */
static void sub_struct(hcsi_vctx *v, const hcsi_json *obj, const char *key, int32_t type)
{
    hcsi_json *m = hcsi_json_get(obj, key);
    size_t mark;
    if (!m)
        return;
    mark = hcsi_vpath_push_field(v, key);
    hcsi_vstruct(v, type, m);
    hcsi_vpath_pop(v, mark);
}

static void rule_at(hcsi_vctx *v, const char *key, const char *fmt, ...) HCSI_PRINTF(3, 4);
static void rule_at(hcsi_vctx *v, const char *key, const char *fmt, ...)
{
    size_t mark = key ? hcsi_vpath_push_field(v, key) : 0;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hcsi_vproblem(v, HCS_SCHEMA_PROBLEM_RULE, "%s", msg);
    if (key)
        hcsi_vpath_pop(v, mark);
}

/* ---- ComputeSystem */

static void rules_compute_system(hcsi_vctx *v, const hcsi_json *obj)
{
    static const char *const kinds[] = {"Container", "VirtualMachine", "HostedSystem"};
    const char *found[3];
    int n = 0, i;
    for (i = 0; i < 3; i++)
        if (present(obj, kinds[i]))
            found[n++] = kinds[i];
    if (n == 0)
        rule_at(v, NULL, "exactly one of Container, VirtualMachine or HostedSystem is required; none is set");
    else if (n > 1)
        rule_at(v, NULL, "exactly one of Container, VirtualMachine or HostedSystem is allowed; found %s and %s",
                found[0], found[1]);
    if (present(obj, "HostedSystem")) {
        if (!present(obj, "HostingSystemId"))
            rule_at(v, "HostedSystem", "HostedSystem requires HostingSystemId (the utility VM hosting it)");
        sub_struct(v, obj, "HostedSystem", HCS_SCHEMA_S2_HostedSystem);
    }
}

/* ---- ModifySettingRequest */

static const char *seg_end(const char *s)
{
    while (*s && *s != '/')
        s++;
    return s;
}

/* Checks one path segment [s, e) against a pattern segment [p, pe).
 * Returns NULL when it matches, else a description of what was expected
 * (literal segments: "" so the caller can distinguish). */
static const char *seg_match(const char *p, const char *pe, const char *s, const char *e)
{
    size_t pn = (size_t)(pe - p), n = (size_t)(e - s);
    if (pn == 0 || p[0] != '{')
        return (pn == n && memcmp(p, s, n) == 0) ? NULL : "";
    if (n == 0)
        return "a non-empty name";
    if (pn == 6 && memcmp(p, "{name}", 6) == 0)
        return NULL;
    if (pn == 6 && memcmp(p, "{guid}", 6) == 0)
        return hcsi_schema_guid_ok(s, n) ? NULL : "a GUID";
    if (pn == 4 && memcmp(p, "{u8}", 4) == 0)
        return hcsi_schema_uint_ok(s, n, 0xFF) ? NULL : "a uint8 index";
    if (pn == 5 && memcmp(p, "{u32}", 5) == 0)
        return hcsi_schema_uint_ok(s, n, 0xFFFFFFFFu) ? NULL : "a uint32 (LUN)";
    if (pn == 5 && memcmp(p, "{u64}", 5) == 0)
        return hcsi_schema_uint_ok(s, n, UINT64_MAX) ? NULL : "a uint64 offset";
    if (pn == 6 && memcmp(p, "{port}", 6) == 0)
        return (n == 1 && (s[0] == '0' || s[0] == '1')) ? NULL : "0 or 1";
    return "?";
}

/* Matches path against pattern. Returns 1 on a match. Otherwise sets
 * *literal_prefix (number of leading segments that match) and, when every
 * literal segment matched but a placeholder did not, *bad_seg / *want. */
static int path_match(const char *pattern, const char *path, int *prefix, int *bad_seg,
                      const char **want)
{
    const char *p = pattern, *s = path;
    int seg = 0, all_literals = 1, counting = 1;
    *prefix = 0;
    *bad_seg = -1;
    *want = NULL;
    for (;;) {
        const char *pe = seg_end(p), *se = seg_end(s);
        const char *why = seg_match(p, pe, s, se);
        if (why) {
            counting = 0;
            if (*why == '\0')
                all_literals = 0;
            else if (*bad_seg < 0) {
                *bad_seg = seg;
                *want = why;
            }
        } else if (counting) {
            (*prefix)++;
        }
        seg++;
        if (!*pe || !*se) {
            if (*pe || *se) {
                *bad_seg = -1;
                return 0; /* different segment counts */
            }
            break;
        }
        p = pe + 1;
        s = se + 1;
    }
    if (!all_literals)
        *bad_seg = -1;
    return *bad_seg < 0 && all_literals;
}

static uint32_t request_bit(const char *rt)
{
    if (!rt)
        return 0;
    if (strcmp(rt, "Add") == 0)
        return HCSI_REQ_ADD;
    if (strcmp(rt, "Remove") == 0)
        return HCSI_REQ_REMOVE;
    if (strcmp(rt, "Update") == 0)
        return HCSI_REQ_UPDATE;
    return 0;
}

static void allowed_text(uint32_t mask, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s%s%s", (mask & HCSI_REQ_ADD) ? "Add" : "",
             (mask & HCSI_REQ_ADD) && (mask & ~HCSI_REQ_ADD) ? ", " : "",
             (mask & HCSI_REQ_REMOVE) ? "Remove" : "",
             (mask & HCSI_REQ_REMOVE) && (mask & HCSI_REQ_UPDATE) ? ", " : "",
             (mask & HCSI_REQ_UPDATE) ? "Update" : "");
}

static void rules_modify_setting(hcsi_vctx *v, const hcsi_json *obj)
{
    const char *rp = str_member(obj, "ResourcePath");
    const char *rt = str_member(obj, "RequestType");
    const hcsi_resource_path *match = NULL, *best = NULL, *placeholder = NULL;
    int best_prefix = -1, bad_seg = -1;
    const char *want = NULL;
    size_t i;

    if (present(obj, "GuestRequest"))
        sub_struct(v, obj, "GuestRequest", HCS_SCHEMA_GS_ModificationRequest);
    if (!rp) {
        if (!present(obj, "ResourcePath") && !present(obj, "GuestRequest"))
            rule_at(v, NULL, "a ModifySettingRequest needs a ResourcePath, a GuestRequest or both");
        if (!present(obj, "ResourcePath") && present(obj, "Settings"))
            rule_at(v, "Settings", "Settings without a ResourcePath");
        return;
    }
    for (i = 0; i < hcsi_resource_path_count; i++) {
        int prefix, bs;
        const char *w;
        if (path_match(hcsi_resource_paths[i].pattern, rp, &prefix, &bs, &w)) {
            match = &hcsi_resource_paths[i];
            break;
        }
        if (bs >= 0 && !placeholder) {
            placeholder = &hcsi_resource_paths[i];
            bad_seg = bs;
            want = w;
        }
        if (prefix > best_prefix) {
            best_prefix = prefix;
            best = &hcsi_resource_paths[i];
        }
    }
    if (!match) {
        if (placeholder) {
            const char *s = rp;
            char seg[128];
            int k;
            size_t n;
            for (k = 0; k < bad_seg && *s; k++)
                s = *seg_end(s) ? seg_end(s) + 1 : seg_end(s);
            n = (size_t)(seg_end(s) - s);
            if (n >= sizeof seg)
                n = sizeof seg - 1;
            memcpy(seg, s, n);
            seg[n] = '\0';
            {
                char msg[300];
                snprintf(msg, sizeof msg, "segment %d \"%s\" must be %s", bad_seg + 1, seg, want);
                rule_at(v, "ResourcePath", "%s (pattern %s)", msg, placeholder->pattern);
            }
        } else {
            rule_at(v, "ResourcePath", "unknown resource path \"%.200s\" (closest known: %s)", rp,
                    best ? best->pattern : "-");
        }
        return;
    }
    if (!present(obj, "RequestType")) {
        rule_at(v, NULL, "RequestType is required with ResourcePath %s", match->pattern);
    } else if (rt && request_bit(rt) && !(request_bit(rt) & match->requests)) {
        char allowed[40], msg[300];
        allowed_text(match->requests, allowed, sizeof allowed);
        snprintf(msg, sizeof msg, "RequestType \"%s\" is not allowed for %s", rt, match->pattern);
        rule_at(v, "RequestType", "%s (allowed: %s)", msg, allowed);
    }
    switch (match->settings_kind) {
    case HCSI_K_OBJ:
        if (present(obj, "Settings")) {
            sub_struct(v, obj, "Settings", match->settings);
        } else if (rt && strcmp(rt, "Remove") != 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "%s requires Settings (%s)", rt,
                     hcsi_schema_types[match->settings].qname);
            rule_at(v, NULL, "%s for %s", msg, match->pattern);
        }
        break;
    case HCSI_K_U64:
    case HCSI_K_U32:
        if (present(obj, "Settings")) {
            size_t mark = hcsi_vpath_push_field(v, "Settings");
            hcsi_vscalar(v, match->settings_kind, hcsi_json_get(obj, "Settings"));
            hcsi_vpath_pop(v, mark);
        }
        break;
    case HCSI_K_NONE:
        if (present(obj, "Settings"))
            rule_at(v, "Settings", "%s takes no Settings", match->pattern);
        break;
    default:
        break;
    }
}

/* ---- variants: a discriminator member selects the type of another member */

static int unknown_keys(int32_t type, const hcsi_json *obj)
{
    const hcsi_stype *t = &hcsi_schema_types[type];
    hcsi_json_iter it;
    const char *key;
    hcsi_json *val;
    int n = 0;
    uint16_t i;
    if (hcsi_json_kind_of(obj) != HCSI_JSON_OBJECT)
        return 1000;
    hcsi_json_iter_init(obj, &it);
    while (hcsi_json_iter_next(&it, &key, &val)) {
        int found = 0;
        for (i = 0; i < t->nfields && !found; i++)
            found = strcmp(t->fields[i].name, key) == 0 ||
                    (t->fields[i].alias && strcmp(t->fields[i].alias, key) == 0);
        n += !found;
    }
    return n;
}

static void rules_variant(hcsi_vctx *v, const hcsi_json *obj, int32_t holder, const char *disc,
                          const char *member, const hcsi_variant *table, size_t count)
{
    const char *key = str_member(obj, disc);
    const hcsi_json *m = hcsi_json_get(obj, member);
    int32_t best = -1;
    int best_unknown = 1 << 30;
    size_t i;
    if (!key || !m)
        return;
    for (i = 0; i < count; i++) {
        int u;
        if (table[i].holder != holder || strcmp(table[i].key, key) != 0 || table[i].settings < 0)
            continue;
        u = unknown_keys(table[i].settings, m);
        if (u < best_unknown) {
            best_unknown = u;
            best = table[i].settings;
        }
    }
    if (best >= 0)
        sub_struct(v, obj, member, best);
}

static void rules_hcn_query(hcsi_vctx *v, const hcsi_json *obj)
{
    hcsi_json *f = hcsi_json_get(obj, "Filter"), *j = NULL;
    const char *s;
    size_t n;
    if (!f || hcsi_json_kind_of(f) != HCSI_JSON_STRING)
        return;
    s = hcsi_json_str(f, &n);
    if (n == 0)
        return;
    if (HCS_FAILED(hcsi_json_parse(s, n, "Filter", &j)) || hcsi_json_kind_of(j) != HCSI_JSON_OBJECT)
        rule_at(v, "Filter", "Filter must hold a JSON object encoded as a string, e.g. \"{\\\"Name\\\":\\\"nat\\\"}\"");
    hcsi_json_put(j);
}

static void rules_console_size(hcsi_vctx *v, const hcsi_json *obj)
{
    hcsi_json *cs = hcsi_json_get(obj, "ConsoleSize");
    if (cs && hcsi_json_kind_of(cs) == HCSI_JSON_ARRAY && hcsi_json_array_len(cs) != 2)
        rule_at(v, "ConsoleSize", "ConsoleSize must have exactly 2 elements (height, width)");
}

void hcsi_schema_rules(hcsi_vctx *v, int32_t type, const hcsi_json *obj)
{
    switch (type) {
    case HCS_SCHEMA_S2_ComputeSystem:
        rules_compute_system(v, obj);
        break;
    case HCS_SCHEMA_S2_ModifySettingRequest:
        rules_modify_setting(v, obj);
        break;
    case HCS_SCHEMA_S2_ProcessParameters:
    case HCS_SCHEMA_GS_LCOWProcessParameters:
        rules_console_size(v, obj);
        break;
    case HCS_SCHEMA_GS_ModificationRequest:
        rules_variant(v, obj, type, "ResourceType", "Settings", hcsi_guest_resource_variants,
                      hcsi_guest_resource_variant_count);
        break;
    case HCS_SCHEMA_HCN_NetworkPolicy:
    case HCS_SCHEMA_HCN_EndpointPolicy:
    case HCS_SCHEMA_HCN_SubnetPolicy:
        rules_variant(v, obj, type, "Type", "Settings", hcsi_hcn_policy_variants,
                      hcsi_hcn_policy_variant_count);
        break;
    case HCS_SCHEMA_HCN_NamespaceResource:
        rules_variant(v, obj, type, "Type", "Data", hcsi_hcn_policy_variants,
                      hcsi_hcn_policy_variant_count);
        break;
    case HCS_SCHEMA_HCN_HostComputeQuery:
        rules_hcn_query(v, obj);
        break;
    default:
        break;
    }
}
