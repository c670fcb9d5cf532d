/*
 * The computecore.dll backend: the HCS service calls and the file / VM access helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/win/compute_win.h"

/* ------------------------------------------------------------------ */
/* the service, files and access                                       */
/* ------------------------------------------------------------------ */

/* fn(wide arg) -> PWSTR result, for the synchronous string functions. */
static hcs_result sync_string_call(int ix, const char *arg, const char *arg_what,
                                   int required, char **result, const char *what)
{
    const cc_table *t;
    uint16_t *warg = NULL;
    PWSTR wres = NULL;
    char *res = NULL;
    hcs_result hr, chr;
    if (result)
        *result = NULL;
    if (required && !arg)
        return hcsi_err(HCS_ERR_POINTER, "%s: %s is NULL", what, arg_what);
    hr = hcsi_cc_need3(&t, ix, -1, -1);
    if (HCS_SUCCEEDED(hr))
        hr = to_w(arg, arg_what, &warg);
    if (HCS_FAILED(hr))
        return hr;
    if (ix == IX(HcsGetServiceProperties))
        hr = CC(t, HcsGetServiceProperties)(W(warg), &wres);
    else if (ix == IX(HcsModifyServiceSettings))
        hr = CC(t, HcsModifyServiceSettings)(W(warg), &wres);
    else /* HcsGetProcessorCompatibilityFromSavedState: PCWSTR * */
        hr = CC(t, HcsGetProcessorCompatibilityFromSavedState)(W(warg),
                                                               (PCWSTR *)&wres);
    free(warg);
    chr = hcsi_cc_take_w(wres, &res);
    if (HCS_FAILED(hr)) {
        hr = hcsi_core_fail(hr, res, "%s", what);
        free(res);
        return hr;
    }
    if (HCS_FAILED(chr))
        return chr;
    if (result)
        *result = res;
    else
        free(res);
    return hr;
}

hcs_result hcs_compute_service_properties(const char *query_json, char **json)
{
    if (!json)
        return hcsi_err(HCS_ERR_POINTER, "hcs_compute_service_properties: json is NULL");
    return sync_string_call(IX(HcsGetServiceProperties), query_json, "query", 0, json,
                            "get the service properties (HcsGetServiceProperties)");
}

hcs_result hcs_compute_service_modify(const char *settings_json, char **result_json)
{
    return sync_string_call(IX(HcsModifyServiceSettings), settings_json, "settings", 1,
                            result_json,
                            "modify the service settings (HcsModifyServiceSettings)");
}

hcs_result hcs_compute_processor_compat_from_saved_state(const char *runtime_file,
                                                 char **json)
{
    return sync_string_call(IX(HcsGetProcessorCompatibilityFromSavedState),
                            runtime_file, "runtime_file", 1, json,
                            "read the processor compatibility of a saved state "
                            "(HcsGetProcessorCompatibilityFromSavedState)");
}

/* fn(one or two wide strings) -> HRESULT. */
static hcs_result sync_path_call(int ix, const char *a, const char *b,
                                 const char *what)
{
    const cc_table *t;
    uint16_t *wa = NULL, *wb = NULL;
    hcs_result hr;
    int two = ix == IX(HcsGrantVmAccess) || ix == IX(HcsRevokeVmAccess);
    if (!a || (two && !b))
        return hcsi_err(HCS_ERR_POINTER, "%s: an argument is NULL", hcsi_cc_names[ix]);
    hr = hcsi_cc_need3(&t, ix, -1, -1);
    if (HCS_SUCCEEDED(hr))
        hr = to_w(a, "argument", &wa);
    if (HCS_SUCCEEDED(hr) && two)
        hr = to_w(b, "path", &wb);
    if (HCS_FAILED(hr)) {
        free(wa);
        return hr;
    }
    if (two)
        hr = ((hcsi_cc_pfn_HcsGrantVmAccess)t->fn[ix])(W(wa), W(wb));
    else
        hr = ((hcsi_cc_pfn_HcsGrantVmGroupAccess)t->fn[ix])(W(wa));
    free(wa);
    free(wb);
    if (HCS_FAILED(hr)) {
        if (two)
            return hcsi_core_fail(hr, NULL, "%s \"%s\" for VM \"%s\" (%s)", what, b, a,
                                  hcsi_cc_names[ix]);
        return hcsi_core_fail(hr, NULL, "%s \"%s\" (%s)", what, a, hcsi_cc_names[ix]);
    }
    return hr;
}

hcs_result hcs_compute_service_submit_wer_report(const char *settings_json)
{
    return sync_path_call(IX(HcsSubmitWerReport), settings_json, NULL,
                          "submit the WER report");
}
hcs_result hcs_compute_guest_state_file_create(const char *path)
{
    return sync_path_call(IX(HcsCreateEmptyGuestStateFile), path, NULL,
                          "create the guest state file");
}
hcs_result hcs_compute_runtime_state_file_create(const char *path)
{
    return sync_path_call(IX(HcsCreateEmptyRuntimeStateFile), path, NULL,
                          "create the runtime state file");
}
hcs_result hcs_compute_vm_access_grant(const char *vm_id, const char *path)
{
    return sync_path_call(IX(HcsGrantVmAccess), vm_id, path, "grant access to");
}
hcs_result hcs_compute_vm_access_revoke(const char *vm_id, const char *path)
{
    return sync_path_call(IX(HcsRevokeVmAccess), vm_id, path, "revoke access to");
}
hcs_result hcs_compute_vm_group_access_grant(const char *path)
{
    return sync_path_call(IX(HcsGrantVmGroupAccess), path, NULL,
                          "grant the Virtual Machines group access to");
}
hcs_result hcs_compute_vm_group_access_revoke(const char *path)
{
    return sync_path_call(IX(HcsRevokeVmGroupAccess), path, NULL,
                          "revoke the Virtual Machines group access to");
}
