/*
 * hcs-gcs networking: a container's OCI spec joins the agent's namespace.
 * Used by the runtime's Create (runtime/container.c); independent of
 * netlink, so the static agent without libmnl has it too (it never joins).
 */
#define _GNU_SOURCE 1
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "net/net.h"

/* windows.network.networkNamespace names the namespace of the host's
 * adapters (the Go GCS moves them into the container's namespace). When it
 * is one the agent configured (ModifySettings Network), the container joins
 * it: its linux.namespaces network entry gets the namespace's path, and its
 * resolv.conf is bound at /etc/resolv.conf unless the spec mounts one (as
 * the Go GCS binds the resolv.conf it writes). */
int hcsg_net_spec_join(hcsg_net *net, hcsi_json *spec, hcsi_json *ns, char netns[37],
                       hcsg_err *e)
{
    hcsi_json *id = hcsg_member(hcsg_member(hcsg_member(spec, "windows"), "network"),
                                "networkNamespace");
    hcsi_json *mounts, *o = NULL, *opts = NULL;
    char path[PATH_MAX], resolv[PATH_MAX + 16];
    size_t i, k = hcsi_json_array_len(ns);
    int found = 0, ro;
    if (!net || hcsi_json_kind_of(id) != HCSI_JSON_STRING ||
        !hcsg_net_join(net, hcsi_json_str(id, NULL), path, sizeof path, resolv, sizeof resolv))
        return 0;
    (void)hcsg_net_guid(hcsi_json_str(id, NULL), netns);
    for (i = 0; i < k; i++) {
        hcsi_json *ent = hcsi_json_array_at(ns, i), *t = hcsg_member(ent, "type");
        hcsi_json *p = hcsg_member(ent, "path");
        if (hcsi_json_kind_of(t) != HCSI_JSON_STRING || strcmp(hcsi_json_str(t, NULL), "network"))
            continue;
        found = 1;
        if (hcsi_json_kind_of(p) == HCSI_JSON_STRING && *hcsi_json_str(p, NULL) &&
            strcmp(hcsi_json_str(p, NULL), path) != 0) {
            hcsg_err_plain(e, "OciSpecification: windows.network.networkNamespace %s is the "
                              "namespace at %s, but linux.namespaces names network path %.200s",
                           netns, path, hcsi_json_str(p, NULL));
            return -1;
        }
        if (hcsi_json_kind_of(ent) != HCSI_JSON_OBJECT ||
            HCS_FAILED(hcsi_json_set_str(ent, "path", path)))
            goto oom;
    }
    if (!found) {
        hcs_result hr;
        o = hcsi_json_object();
        if (!o || HCS_FAILED(hcsi_json_set_str(o, "type", "network")) ||
            HCS_FAILED(hcsi_json_set_str(o, "path", path)))
            goto oom;
        hr = hcsi_json_append(ns, o); /* takes o, also when it fails */
        o = NULL;
        if (HCS_FAILED(hr))
            goto oom;
    }
    if (!resolv[0])
        return 1;
    mounts = hcsg_member(spec, "mounts");
    if (!mounts) {
        mounts = hcsi_json_array();
        if (!mounts || HCS_FAILED(hcsi_json_set(spec, "mounts", mounts)))
            goto oom;
    }
    if (hcsi_json_kind_of(mounts) != HCSI_JSON_ARRAY) {
        hcsg_err_plain(e, "OciSpecification.mounts is not an array");
        return -1;
    }
    k = hcsi_json_array_len(mounts);
    for (i = 0; i < k; i++) {
        hcsi_json *d = hcsg_member(hcsi_json_array_at(mounts, i), "destination");
        if (hcsi_json_kind_of(d) == HCSI_JSON_STRING &&
            strcmp(hcsi_json_str(d, NULL), "/etc/resolv.conf") == 0)
            return 1; /* the host's own */
    }
    ro = hcsi_json_boolval(hcsg_member(hcsg_member(spec, "root"), "readonly"));
    o = hcsi_json_object();
    opts = hcsi_json_array();
    if (!o || !opts || HCS_FAILED(hcsi_json_append(opts, hcsi_json_string("bind"))) ||
        (ro && HCS_FAILED(hcsi_json_append(opts, hcsi_json_string("ro"))))) {
        hcsi_json_put(opts);
        goto oom;
    }
    /* The setters take what they are given, also when they fail. */
    if (HCS_FAILED(hcsi_json_set(o, "options", opts)) ||
        HCS_FAILED(hcsi_json_set_str(o, "destination", "/etc/resolv.conf")) ||
        HCS_FAILED(hcsi_json_set_str(o, "type", "bind")) ||
        HCS_FAILED(hcsi_json_set_str(o, "source", resolv)))
        goto oom;
    if (HCS_FAILED(hcsi_json_append(mounts, o))) {
        o = NULL;
        goto oom;
    }
    return 1;
oom:
    hcsi_json_put(o);
    hcsg_err_plain(e, "out of memory");
    return -1;
}
