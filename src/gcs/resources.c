/* Typed ModifySettings documents for Linux guests and GetProperties
 * helpers (hcsshim's guestresource shapes: every field omitempty). */
#include <stdlib.h>
#include <string.h>

#include "gcs/jsonw.h"
#include "hcs/gcs.h"
#include "base/json.h"

static hcs_result start(hcsi_buf *b, jw *w, const void *s, char **json, const char *what)
{
    /* initialised on every path (keeps -O3's flow analysis quiet) */
    hcsi_buf_init(b, 0);
    jw_init(w, b, 0);
    if (!s || !json)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: NULL argument", what);
    *json = NULL;
    jw_begin(w, "{");
    return HCS_S_OK;
}

/* Writes the members of one settings document. */
typedef void (*fill_fn)(jw *w, const void *s);

/* The document of settings s (what: its resource type, for messages). */
static hcs_result encode(const void *s, char **json, const char *what, fill_fn fill)
{
    hcsi_buf b;
    jw w;
    hcs_result hr = start(&b, &w, s, json, what);
    if (HCS_FAILED(hr))
        return hr;
    fill(&w, s);
    jw_end(&w, "}");
    return jw_doc_take(&w, json);
}

/* ModifySettings with the document of s as resource_type's settings. */
static hcs_result modify(hcs_gcs_bridge *b, const char *request_type,
                         const char *resource_type, const void *s, fill_fn fill)
{
    char *doc = NULL;
    hcs_result hr = encode(s, &doc, resource_type, fill);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcs_gcs_modify_settings(b, NULL, request_type, resource_type, doc);
    free(doc);
    return hr;
}

static void fill_mapped_virtual_disk(jw *w, const hcs_gcs_mapped_virtual_disk *s)
{
    jw_kstr_opt(w, "MountPath", s->mount_path);
    if (s->lun) jw_ku64(w, "Lun", s->lun);
    if (s->controller) jw_ku64(w, "Controller", s->controller);
    if (s->partition) jw_ku64(w, "Partition", s->partition);
    jw_kbool_opt(w, "ReadOnly", s->read_only);
    jw_kbool_opt(w, "Encrypted", s->encrypted);
    if (s->options && s->options[0])
        jw_kstrings(w, "Options", s->options);
    jw_kbool_opt(w, "BlockDev", s->block_dev);
    jw_kbool_opt(w, "EnsureFilesystem", s->ensure_filesystem);
    jw_kstr_opt(w, "Filesystem", s->filesystem);
}

static void fill_mapped_directory(jw *w, const hcs_gcs_mapped_directory *s)
{
    jw_kstr_opt(w, "MountPath", s->mount_path);
    if (s->port) jw_ki64(w, "Port", s->port);
    jw_kstr_opt(w, "ShareName", s->share_name);
    jw_kbool_opt(w, "ReadOnly", s->read_only);
}

static void fill_combined_layers(jw *w, const hcs_gcs_combined_layers *s)
{
    size_t i;
    jw_kstr_opt(w, "ContainerID", s->container_id);
    jw_kstr_opt(w, "ContainerRootPath", s->container_root_path);
    if (s->layer_paths && s->layer_paths[0]) {
        jw_kbegin(w, "Layers", "[");
        for (i = 0; s->layer_paths[i]; i++) {
            jw_item_begin(w);
            jw_kstr_opt(w, "Path", s->layer_paths[i]);
            jw_end(w, "}");
        }
        jw_end(w, "]");
    }
    jw_kstr_opt(w, "ScratchPath", s->scratch_path);
}

static void fill_network_adapter(jw *w, const hcs_gcs_network_adapter *s)
{
    size_t i;
    jw_kstr_opt(w, "NamespaceID", s->namespace_id);
    jw_kstr_opt(w, "ID", s->id);
    jw_kstr_opt(w, "MacAddress", s->mac_address);
    jw_kstr_opt(w, "DNSSuffix", s->dns_suffix);
    jw_kstr_opt(w, "DNSServerList", s->dns_server_list);
    if (s->encap_overhead) jw_ku64(w, "EncapOverhead", s->encap_overhead);
    jw_kbool_opt(w, "VPCIAssigned", s->vpci_assigned);
    if (s->ip_config_count) {
        jw_kbegin(w, "IPConfigs", "[");
        for (i = 0; i < s->ip_config_count; i++) {
            jw_item_begin(w);
            jw_kstr_opt(w, "IPAddress", s->ip_configs[i].address);
            if (s->ip_configs[i].prefix_length)
                jw_ku64(w, "PrefixLength", s->ip_configs[i].prefix_length);
            jw_end(w, "}");
        }
        jw_end(w, "]");
    }
    if (s->route_count) {
        jw_kbegin(w, "Routes", "[");
        for (i = 0; i < s->route_count; i++) {
            jw_item_begin(w);
            jw_kstr_opt(w, "NextHop", s->routes[i].next_hop);
            jw_kstr_opt(w, "DestinationPrefix", s->routes[i].destination_prefix);
            if (s->routes[i].metric)
                jw_ku64(w, "Metric", s->routes[i].metric);
            jw_end(w, "}");
        }
        jw_end(w, "]");
    }
    jw_kbool_opt(w, "PolicyBasedRouting", s->policy_based_routing);
    jw_kbool_opt(w, "EnableLowMetric", s->enable_low_metric);
}

static void fill_vpmem_device(jw *w, const hcs_gcs_vpmem_device *s)
{
    if (s->device_number) jw_ku64(w, "DeviceNumber", s->device_number);
    jw_kstr_opt(w, "MountPath", s->mount_path);
    if (s->has_mapping) {
        jw_kbegin(w, "MappingInfo", "{");
        if (s->device_offset_in_bytes)
            jw_ku64(w, "DeviceOffsetInBytes", s->device_offset_in_bytes);
        if (s->device_size_in_bytes)
            jw_ku64(w, "DeviceSizeInBytes", s->device_size_in_bytes);
        jw_end(w, "}");
    }
}

/* Each settings type's fill_fn adapter, public encoder and ModifySettings
 * call: the same one-line bodies for every type, which C can only spell
 * once with a macro. */
#define RESOURCE(stem, resource_type)                                         \
    static void fill_##stem##_v(jw *w, const void *s)                         \
    {                                                                         \
        fill_##stem(w, (const hcs_gcs_##stem *)s);                            \
    }                                                                         \
    hcs_result hcs_gcs_encode_##stem(const hcs_gcs_##stem *s, char **json)    \
    {                                                                         \
        return encode(s, json, resource_type, fill_##stem##_v);               \
    }                                                                         \
    hcs_result hcs_gcs_modify_##stem(hcs_gcs_bridge *b, const char *request_type, \
                                     const hcs_gcs_##stem *s)                 \
    {                                                                         \
        return modify(b, request_type, resource_type, s, fill_##stem##_v);    \
    }

RESOURCE(mapped_virtual_disk, "MappedVirtualDisk")
RESOURCE(mapped_directory, "MappedDirectory")
RESOURCE(combined_layers, "CombinedLayers")
RESOURCE(network_adapter, "Network")
RESOURCE(vpmem_device, "VPMemDevice")

/* ---- GetProperties helpers ---- */

void hcs_gcs_process_list_free(hcs_gcs_process_info *list, size_t n)
{
    size_t i;
    if (!list)
        return;
    for (i = 0; i < n; i++)
        free(list[i].image_name);
    free(list);
}

#define MAX_PROCESSES 65536u

/* GetProperties with query, its Properties parsed (what names them). */
static hcs_result get_properties_doc(hcs_gcs_bridge *b, const char *container_id,
                                     const char *query, const char *what, hcsi_json **doc)
{
    char *props = NULL;
    hcs_result hr = hcs_gcs_container_get_properties(b, container_id, query, &props);
    if (HCS_FAILED(hr))
        return hr;
    hr = hcsi_json_parse(props, strlen(props), what, doc);
    free(props);
    return hr;
}

hcs_result hcs_gcs_container_get_process_list(hcs_gcs_bridge *b, const char *container_id,
                                    hcs_gcs_process_info **list, size_t *n)
{
    hcsi_json *doc = NULL, *arr = NULL;
    hcs_gcs_process_info *out = NULL;
    size_t i, count = 0;
    hcs_result hr;
    if (!list || !n)
        return hcsi_err(HCS_ERR_INVALIDARG, "process list: NULL output");
    *list = NULL;
    *n = 0;
    hr = get_properties_doc(b, container_id, "{\"PropertyTypes\":[\"ProcessList\"]}",
                            "GetProperties ProcessList", &doc);
    if (HCS_FAILED(hr))
        return hr;
    if (hcsi_json_kind_of(doc) != HCSI_JSON_OBJECT) {
        hr = hcsi_err(HCS_ERR_INVALID_JSON, "GetProperties: Properties is not an object");
        goto done;
    }
    if (hcsi_json_get_arr(doc, "Properties", "ProcessList", &arr) < 0) {
        hr = HCS_ERR_INVALID_JSON;
        goto done;
    }
    count = arr ? hcsi_json_array_len(arr) : 0;
    if (count > MAX_PROCESSES) {
        hr = hcsi_err(HCS_ERR_INVALID_JSON, "Properties.ProcessList: %zu entries", count);
        goto done;
    }
    if (count) {
        out = (hcs_gcs_process_info *)hcsi_calloc(count, sizeof *out);
        if (!out) {
            hr = hcsi_err_oom();
            goto done;
        }
    }
    for (i = 0; i < count; i++) {
        hcsi_json *e = hcsi_json_array_at(arr, i);
        const char *name = NULL;
        if (hcsi_json_kind_of(e) != HCSI_JSON_OBJECT) {
            hr = hcsi_err(HCS_ERR_INVALID_JSON,
                          "Properties.ProcessList[%zu]: expected an object", i);
            goto done;
        }
        if (hcsi_json_get_u32(e, "Properties.ProcessList[]", "ProcessId",
                              &out[i].process_id) < 0 ||
            hcsi_json_get_str(e, "Properties.ProcessList[]", "ImageName", &name, NULL) < 0) {
            hr = HCS_ERR_INVALID_JSON;
            goto done;
        }
        if (name && !(out[i].image_name = hcsi_strdup(name))) {
            hr = hcsi_err_oom();
            goto done;
        }
    }
    *list = out;
    *n = count;
    out = NULL;
done:
    hcs_gcs_process_list_free(out, count);
    hcsi_json_put(doc);
    return hr;
}

hcs_result hcs_gcs_container_get_statistics(hcs_gcs_bridge *b, const char *container_id,
                                  char **statistics_json)
{
    hcsi_json *doc = NULL, *st = NULL;
    hcs_result hr;
    if (!statistics_json)
        return hcsi_err(HCS_ERR_INVALIDARG, "statistics: NULL output");
    *statistics_json = NULL;
    hr = get_properties_doc(b, container_id, "{\"PropertyTypes\":[\"Statistics\"]}",
                            "GetProperties Statistics", &doc);
    if (HCS_FAILED(hr))
        return hr;
    if (hcsi_json_kind_of(doc) == HCSI_JSON_OBJECT) {
        st = hcsi_json_get(doc, "Statistics");
        if (!st)
            st = hcsi_json_get(doc, "LCOWMetrics");
    }
    if (!st)
        hr = hcsi_err(HCS_ERR_INVALID_JSON,
                      "GetProperties: the guest returned no Statistics or LCOWMetrics");
    else
        hr = hcsi_json_to_string(st, 0, statistics_json);
    hcsi_json_put(doc);
    return hr;
}
