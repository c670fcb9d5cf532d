/* The table of known HRESULTs and the functions that decode any code. */
#include <ctype.h>
#include <string.h>

#include "base/internal.h"

#define X(macro, sdk, group, desc) {macro, sdk, #macro, group, desc},
static const hcs_hresult_info g_table[] = {
#include "base/gen/hresult_table.inc"
};
#undef X

size_t hcs_hresult_count(void) { return HCSI_ARRAY_LEN(g_table); }

const hcs_hresult_info *hcs_hresult_at(size_t index)
{
    return index < HCSI_ARRAY_LEN(g_table) ? &g_table[index] : NULL;
}

static const hcs_hresult_info *find_code(hcs_result code)
{
    size_t i;
    for (i = 0; i < HCSI_ARRAY_LEN(g_table); i++)
        if (g_table[i].code == code)
            return &g_table[i];
    return NULL;
}

int hcs_hresult_lookup(hcs_result code, hcs_hresult_info *out)
{
    const hcs_hresult_info *e = find_code(code);
    if (!e) {
        /* An HCS code written in the other form (0x8037 <-> 0xC037) that
         * has no entry of its own (e.g. 0xC0370114) still decodes. */
        hcs_result alt = code;
        uint32_t u = (uint32_t)code;
        if ((u & 0xFFFF0000u) == 0xC0370000u)
            alt = (hcs_result)((u & 0x0000FFFFu) | 0x80370000u);
        else if ((u & 0xFFFF0000u) == 0x80370000u)
            alt = (hcs_result)((u & 0x0000FFFFu) | 0xC0370000u);
        if (alt != code)
            e = find_code(alt);
        if (!e)
            return 0;
        if (out) {
            *out = *e;
            out->code = code;
        }
        return 1;
    }
    if (out)
        *out = *e;
    return 1;
}

static int name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (toupper((unsigned char)*a) != toupper((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* Win32 names whose HRESULT_FROM_WIN32 form is listed under its COM name. */
static const struct {
    const char *name;
    hcs_result code;
} g_aliases[] = {
    {"ERROR_INVALID_PARAMETER", (hcs_result)0x80070057u},
    {"ERROR_ACCESS_DENIED", (hcs_result)0x80070005u},
    {"ERROR_INVALID_HANDLE", (hcs_result)0x80070006u},
    {"ERROR_OUTOFMEMORY", (hcs_result)0x8007000Eu},
};

int hcs_hresult_from_name(const char *name, hcs_result *out)
{
    size_t i;
    if (!name)
        return 0;
    for (i = 0; i < HCSI_ARRAY_LEN(g_aliases); i++) {
        if (name_eq(name, g_aliases[i].name)) {
            if (out)
                *out = g_aliases[i].code;
            return 1;
        }
    }
    for (i = 0; i < HCSI_ARRAY_LEN(g_table); i++) {
        if (name_eq(name, g_table[i].name) || name_eq(name, g_table[i].macro)) {
            if (out)
                *out = g_table[i].code;
            return 1;
        }
    }
    return 0;
}

const char *hcs_hresult_name(hcs_result code)
{
    const hcs_hresult_info *e = find_code(code);
    return e ? e->name : NULL;
}

hcs_result hcs_hresult_equivalent(hcs_result code)
{
    uint32_t u = (uint32_t)code;
    hcs_result alt;
    if ((u & 0xFFFF0000u) == 0xC0370000u)
        alt = (hcs_result)((u & 0xFFFFu) | 0x80370000u);
    else if ((u & 0xFFFF0000u) == 0x80370000u)
        alt = (hcs_result)((u & 0xFFFFu) | 0xC0370000u);
    else
        return code;
    return (find_code(code) && find_code(alt)) ? alt : code;
}

unsigned hcs_hresult_facility(hcs_result code)
{
    return ((uint32_t)code >> 16) & 0x1FFFu;
}

int hcs_hresult_is_failure(hcs_result code) { return ((uint32_t)code >> 31) != 0; }

const char *hcs_facility_name(unsigned facility)
{
    switch (facility) {
    case 0: return "NULL";
    case 1: return "RPC";
    case 2: return "DISPATCH";
    case 3: return "STORAGE";
    case 4: return "ITF";
    case 7: return "WIN32";
    case 8: return "WINDOWS";
    case 9: return "SECURITY";
    case 10: return "CONTROL";
    case 11: return "CERT";
    case 0x37: return "VIRTUALIZATION";
    case 0x3B: return "HCN";
    default: return NULL;
    }
}

hcs_result hcs_hresult_from_win32(uint32_t e)
{
    if ((int32_t)e <= 0)
        return (hcs_result)e;
    return (hcs_result)((e & 0x0000FFFFu) | (7u << 16) | 0x80000000u);
}

uint32_t hcs_hresult_to_win32(hcs_result code)
{
    uint32_t u = (uint32_t)code;
    /* hcsshim's unwrapping rule: (hr & 0x1FFF0000) == 0x00070000. */
    if ((u & 0x1FFF0000u) == 0x00070000u)
        return u & 0xFFFFu;
    return 0;
}

const char *hcs_strerror(hcs_result code)
{
    hcs_hresult_info info;
    unsigned fac;
    if (hcs_hresult_lookup(code, &info))
        return info.description;
    if (!hcs_hresult_is_failure(code))
        return "Success";
    fac = hcs_hresult_facility(code);
    switch (fac) {
    case 7: return "Unknown Win32 error";
    case 0x37: return "Unknown virtualization (HCS) error";
    case 0x3B: return "Unknown host compute network (HCN) error";
    case 0: return "Unknown error";
    default: return "Unknown error in this facility";
    }
}

/* Case-insensitive edit distance, capped: names are short (< 64). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t row[65], i, j, la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = toupper((unsigned char)a[i - 1]) == toupper((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The SDK name closest to a mistyped one, when close enough to suggest. */
static const char *nearest_name(const char *text)
{
    size_t i, best = (size_t)-1, limit = strlen(text) / 3 + 1;
    const char *name = NULL;
    for (i = 0; i < HCSI_ARRAY_LEN(g_table); i++) {
        size_t d = edit_distance(text, g_table[i].name);
        if (d < best) {
            best = d;
            name = g_table[i].name;
        }
    }
    return best <= limit ? name : NULL;
}

hcs_result hcs_hresult_parse(const char *text, hcs_result *out)
{
    const char *p = text;
    uint64_t v = 0;
    int neg = 0, digits = 0;
    if (!text || !out)
        return hcsi_err(HCS_ERR_INVALIDARG, "HRESULT: NULL argument");
    if (*p == '\0')
        return hcsi_err(HCS_ERR_INVALIDARG, "HRESULT: empty string");
    if ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z') ||
        p[0] == '_') {
        const char *near;
        if (hcs_hresult_from_name(text, out))
            return HCS_S_OK;
        near = nearest_name(text);
        if (near)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "\"%.80s\" is not a known HRESULT name (did you mean %s?)",
                            text, near);
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "\"%.80s\" is not a known HRESULT name "
                        "(try a number such as 0x8037010E)", text);
    }
    if (*p == '-') {
        neg = 1;
        p++;
    } else if (*p == '+') {
        p++;
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        if (neg)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "\"%.80s\": a hex HRESULT cannot be negative", text);
        for (p += 2; *p; p++, digits++) {
            int d = (*p >= '0' && *p <= '9')   ? *p - '0'
                    : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
                    : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
                                               : -1;
            if (d < 0)
                return hcsi_err(HCS_ERR_INVALIDARG,
                                "\"%.80s\": invalid hex digit '%c' at position %d",
                                text, *p, (int)(p - text));
            v = v * 16 + (uint64_t)d;
            if (v > 0xFFFFFFFFu)
                return hcsi_err(HCS_ERR_INVALIDARG,
                                "\"%.80s\": larger than 32 bits", text);
        }
        if (!digits)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "\"%.80s\": no hex digits after 0x", text);
        *out = (hcs_result)(uint32_t)v;
        return HCS_S_OK;
    }
    for (; *p; p++, digits++) {
        if (*p < '0' || *p > '9')
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "\"%.80s\": invalid character '%c' at position %d "
                            "(expected a decimal number, 0x-hex or a name)",
                            text, *p, (int)(p - text));
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > 0xFFFFFFFFu)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "\"%.80s\": out of the 32-bit HRESULT range", text);
    }
    if (!digits)
        return hcsi_err(HCS_ERR_INVALIDARG, "\"%.80s\": no digits", text);
    if (neg) {
        if (v > 0x80000000u)
            return hcsi_err(HCS_ERR_INVALIDARG,
                            "\"%.80s\": below -2147483648, the smallest "
                            "HRESULT", text);
        *out = (hcs_result)(uint32_t)(0u - (uint32_t)v);
        return HCS_S_OK;
    }
    *out = (hcs_result)(uint32_t)v;
    return HCS_S_OK;
}
