/* The portable half of the storage module: function names and the
 * builders of LayerData / OsLayerOptions. Built and tested on every OS. */
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "storage/storage_int.h"

HCSI_FUNCTION_TABLE(hcsi_cs_names, HCSI_CS_COUNT, HCSI_CS_FUNCS,
                    hcs_layer_function_count, hcs_layer_function_name)


static hcs_result finish(hcsi_json *root, hcs_result hr, char **json)
{
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_json_to_string(root, 0, json);
    hcsi_json_put(root);
    return hr;
}

hcs_result hcs_layer_build_data(const hcs_layer_ref *layers, size_t count,
                                const char *filter_type, char **json)
{
    hcsi_json *root, *ver, *arr;
    hcs_result hr = HCS_S_OK;
    size_t i;
    if (!json)
        return hcsi_err(HCS_ERR_INVALIDARG, "LayerData: no output");
    *json = NULL;
    if (count && !layers)
        return hcsi_err(HCS_ERR_INVALIDARG, "LayerData: a count without its array");
    for (i = 0; i < count; i++)
        if (!layers[i].id || !layers[i].path)
            return hcsi_err(HCS_ERR_INVALIDARG, "LayerData: layer %zu needs an id and a path",
                            i);
    if (filter_type && strcmp(filter_type, "UnionFS") != 0 && strcmp(filter_type, "WCIFS") != 0)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "LayerData: filter type \"%s\" is not UnionFS or WCIFS", filter_type);
    root = hcsi_json_object();
    ver = hcsi_json_object();
    arr = hcsi_json_array();
    if (!root || !ver || !arr) {
        hcsi_json_put(root);
        hcsi_json_put(ver);
        hcsi_json_put(arr);
        return hcsi_err_oom();
    }
    hr = hcsi_json_set_int(ver, "Major", 2);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_json_set_int(ver, "Minor", 1);
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_json_set(root, "SchemaVersion", ver);
    else
        hcsi_json_put(ver);
    for (i = 0; i < count && HCS_SUCCEEDED(hr); i++) {
        hcsi_json *l = hcsi_json_object();
        if (!l) {
            hr = hcsi_err_oom();
            break;
        }
        hr = hcsi_json_set_str(l, "Id", layers[i].id);
        if (HCS_SUCCEEDED(hr))
            hr = hcsi_json_set_str(l, "Path", layers[i].path);
        if (HCS_SUCCEEDED(hr) && layers[i].path_type)
            hr = hcsi_json_set_str(l, "PathType", layers[i].path_type);
        if (HCS_SUCCEEDED(hr))
            hr = hcsi_json_append(arr, l);
        else
            hcsi_json_put(l);
    }
    if (HCS_SUCCEEDED(hr))
        hr = hcsi_json_set(root, "Layers", arr);
    else
        hcsi_json_put(arr);
    if (HCS_SUCCEEDED(hr) && filter_type)
        hr = hcsi_json_set_str(root, "FilterType", filter_type);
    return finish(root, hr, json);
}

hcs_result hcs_layer_build_os_options(const char *type, int disable_ci_cache,
                                      int skip_update_bcd, char **json)
{
    hcsi_json *root;
    hcs_result hr;
    if (!json)
        return hcsi_err(HCS_ERR_INVALIDARG, "OsLayerOptions: no output");
    *json = NULL;
    if (!type)
        type = "Container";
    if (strcmp(type, "Container") != 0 && strcmp(type, "Vm") != 0)
        return hcsi_err(HCS_ERR_INVALIDARG,
                        "OsLayerOptions: type \"%s\" is not Container or Vm", type);
    if (!(root = hcsi_json_object()))
        return hcsi_err_oom();
    hr = hcsi_json_set_str(root, "Type", type);
    if (HCS_SUCCEEDED(hr) && disable_ci_cache)
        hr = hcsi_json_set_bool(root, "DisableCiCacheOptimization", 1);
    if (HCS_SUCCEEDED(hr) && skip_update_bcd)
        hr = hcsi_json_set_bool(root, "SkipUpdateBcdForBoot", 1);
    return finish(root, hr, json);
}
