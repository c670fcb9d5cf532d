/* hcsctl hresult CODE...: decode HRESULTs. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "opt.h"

void hcsctl_help_hresult(FILE *out)
{
    fprintf(out,
            "usage: hcsctl [--json] hresult CODE...\n\n"
            "Decodes each CODE: name, value, facility, severity and description.\n"
            "CODE may be 0x-hex (0x8037010E), decimal (2151088398), negative\n"
            "decimal as Go prints HRESULTs (-2143878898) or a name\n"
            "(HCS_E_PROCESS_NOT_FOUND, E_INVALIDARG, ERROR_NOT_FOUND).\n"
            "Unknown codes still get facility and severity decoding.\n\n"
            "  --json   one JSON object per code\n\n"
            "Exit: 0 all decoded, 2 a CODE is malformed (nothing is printed for\n"
            "it; the error names it).\n");
}

static void print_one(hcsctl_ctx *ctx, const char *input, hcs_result hr)
{
    hcs_hresult_info info;
    int known = hcs_hresult_lookup(hr, &info);
    unsigned fac = hcs_hresult_facility(hr);
    const char *facname = hcs_facility_name(fac);
    hcs_result eq = hcs_hresult_equivalent(hr);
    const char *eqname = eq != hr ? hcs_hresult_name(eq) : NULL;
    uint32_t w32 = hcs_hresult_to_win32(hr);
    const char *name = known ? hcs_hresult_name(hr) : NULL;
    if (known && !name)
        name = info.name; /* other-form match, e.g. 0xC0370114 */
    if (ctx->json) {
        printf("{\"input\":");
        hcsctl_json_string(stdout, input);
        printf(",\"value\":\"0x%08lX\",\"decimal\":%ld,\"known\":%s,\"name\":",
               (unsigned long)(uint32_t)hr, (long)hr, known ? "true" : "false");
        if (name)
            hcsctl_json_string(stdout, name);
        else
            fputs("null", stdout);
        printf(",\"facility\":%u,\"facility_name\":", fac);
        if (facname)
            hcsctl_json_string(stdout, facname);
        else
            fputs("null", stdout);
        printf(",\"severity\":\"%s\",\"description\":",
               hcs_hresult_is_failure(hr) ? "failure" : "success");
        hcsctl_json_string(stdout, hcs_strerror(hr));
        if (w32)
            printf(",\"win32\":%lu", (unsigned long)w32);
        if (eqname) {
            printf(",\"equivalent\":");
            hcsctl_json_string(stdout, eqname);
        }
        printf("}\n");
        return;
    }
    printf("%s\n", name ? name : "(unknown code)");
    printf("  value:       0x%08lX (%ld)\n", (unsigned long)(uint32_t)hr, (long)hr);
    printf("  facility:    %u (0x%03X)%s%s\n", fac, fac, facname ? " " : "",
           facname ? facname : "");
    printf("  severity:    %s\n", hcs_hresult_is_failure(hr) ? "failure" : "success");
    if (w32)
        printf("  win32:       %lu\n", (unsigned long)w32);
    printf("  description: %s\n", hcs_strerror(hr));
    if (eqname)
        printf("  same as:     %s (0x%08lX)\n", eqname, (unsigned long)(uint32_t)eq);
}

int hcsctl_cmd_hresult(hcsctl_ctx *ctx, int argc, char **argv)
{
    int i, n = 0, bad = 0;
    hcsctl_args pa;
    char **codes;
    int ncodes;
    hcsctl_args_init(&pa, "hresult", hcsctl_help_hresult, NULL, 0);
    pa.max_pos = argc;
    pa.rest = 1; /* "--": what follows is a code even if it looks like an option */
    i = hcsctl_opt_parse(&pa, argc, argv, 1);
    if (i)
        return i < 0 ? HCSCTL_EXIT_OK : i;
    /* the codes in order: the positional ones, then those after "--" */
    codes = pa.pos;
    ncodes = pa.npos;
    if (pa.nrest) {
        int k;
        for (k = 0; k < pa.nrest; k++)
            codes[ncodes + k] = pa.argv_rest[k];
        ncodes += pa.nrest;
    }
    for (i = 0; i < ncodes; i++) {
        hcs_result hr;
        if (HCS_FAILED(hcs_hresult_parse(codes[i], &hr))) {
            const hcs_error *e = hcs_error_last();
            hcsctl_usage_error("hresult: %s", e ? e->message : codes[i]);
            bad = 1;
            continue;
        }
        print_one(ctx, codes[i], hr);
        n++;
    }
    if (bad)
        return HCSCTL_EXIT_USAGE;
    if (n == 0) {
        hcsctl_help_hresult(stderr);
        return hcsctl_usage_error("hresult: no CODE given");
    }
    return HCSCTL_EXIT_OK;
}
