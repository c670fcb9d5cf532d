/* hcsctl gcs run --rootfs/--layer: a container through the GCS bridge
 * (see gcs_ctr.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcs_ctr.h"

void hcsctl_ctr_init(hcsctl_ctr *c)
{
    memset(c, 0, sizeof *c);
    c->state_root = "/run/gcs/c";
    c->exit_wait_ms = 10000;
}

int hcsctl_ctr_enabled(const hcsctl_ctr *c) { return c->nlayers > 0; }

/* Prints the usage error; -1. */
#define usage(...) (hcsctl_usage_error(__VA_ARGS__), -1)

int hcsctl_ctr_option(hcsctl_ctr *c, const char *a, const char *val)
{
    int rc = hcsctl_attach_option(&c->attach, a, val);
    if (rc != 0)
        return rc;
    if (strcmp(a, "--rootfs") == 0 || strcmp(a, "--layer") == 0) {
        if (!val || val[0] != '/')
            return usage("gcs run: %s needs an absolute directory, not \"%s\"", a,
                                      val ? val : "");
        if (c->nlayers >= HCSCTL_CTR_MAX_LAYERS)
            return usage("gcs run: more than %d layers", HCSCTL_CTR_MAX_LAYERS);
        c->layers[c->nlayers++] = val;
        return 1;
    }
    if (strcmp(a, "--scratch") == 0 || strcmp(a, "--bundle-root") == 0) {
        if (!val || val[0] != '/' || strlen(val) > 300)
            return usage("gcs run: %s needs an absolute path (under 300 bytes), "
                                      "not \"%s\"", a, val ? val : "");
        if (a[2] == 's')
            c->scratch = val;
        else
            c->state_root = val;
        return 1;
    }
    if (strcmp(a, "--hostname") == 0) {
        c->hostname = val;
        return 1;
    }
    if (strcmp(a, "--user") == 0) {
        if (!val || !*val)
            return usage("gcs run: --user needs uid[:gid] or name[:group]");
        c->user = val;
        return 1;
    }
    return 0;
}

/* "uid" / "uid:gid" in numbers fill uid/gid; anything else is a user
 * string the guest resolves in the container's /etc/passwd. */
static void set_user(hcs_gcs_oci_process_options *p, const char *user)
{
    char *end = NULL;
    unsigned long u = strtoul(user, &end, 10);
    if (end != user && (*end == '\0' || *end == ':') && u <= 0xFFFFFFFFul) {
        p->uid = (uint32_t)u;
        p->gid = (uint32_t)u;
        if (*end == ':') {
            const char *g = end + 1;
            unsigned long gv = strtoul(g, &end, 10);
            if (end != g && *end == '\0' && gv <= 0xFFFFFFFFul) {
                p->gid = (uint32_t)gv;
                return;
            }
            p->username = user; /* uid:group */
            return;
        }
        return;
    }
    p->username = user;
}

int hcsctl_ctr_give_up(hcsctl_ctr *c, hcs_gcs_bridge *b, hcs_result hr)
{
    if (hr != HCS_ERR_OPERATION_TIMEOUT || !b)
        return 0;
    if (c)
        c->gave_up = 1;
    hcs_gcs_bridge_shutdown(b, "the guest stopped answering (an RPC timed out)");
    return 1;
}

void hcsctl_gcs_say_failed(const char *what, hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    fprintf(stderr, "hcsctl: gcs run: %s: ", what);
    hcsctl_text(stderr, e && e->message ? e->message : hcs_strerror(hr));
    fprintf(stderr, " (0x%08lX)\n", (unsigned long)(uint32_t)hr);
    if (e && e->detail) {
        fputs("hcsctl: guest error records: ", stderr);
        hcsctl_text(stderr, e->detail);
        fputc('\n', stderr);
    }
}

/* An RPC that timed out gives the guest up (hcsctl_ctr_give_up). */
static hcs_result fail(hcsctl_ctr *c, hcs_result hr, const char *what)
{
    hcsctl_gcs_say_failed(what, hr);
    hcsctl_ctr_give_up(c, c->b, hr);
    return hr;
}

hcs_result hcsctl_ctr_setup(hcsctl_ctr *c, hcs_gcs_bridge *b, char **argv, const char *const *env,
                            const char *cwd, int tty, uint16_t rows, uint16_t cols)
{
    hcs_guid g;
    hcs_gcs_combined_layers cl;
    hcs_gcs_oci_spec_options so;
    char *spec = NULL, *config = NULL;
    hcs_result hr;
    c->b = b;
    hr = hcs_guid_generate(&g);
    if (HCS_FAILED(hr) || HCS_FAILED(hr = hcs_guid_format(&g, c->id, sizeof c->id)))
        return fail(c, hr, "container id");
    snprintf(c->bundle, sizeof c->bundle, "%s/%s", c->state_root, c->id);
    snprintf(c->root, sizeof c->root, "%s/rootfs", c->bundle);
    if (!c->read_only)
        snprintf(c->scratch_path, sizeof c->scratch_path, "%s",
                 c->scratch ? c->scratch : c->bundle);
    if (!c->read_only && !c->scratch)
        snprintf(c->scratch_path, sizeof c->scratch_path, "%s/scratch", c->bundle);
    memset(&cl, 0, sizeof cl);
    cl.container_id = c->id;
    cl.container_root_path = c->root;
    c->layers[c->nlayers] = NULL;
    cl.layer_paths = c->layers;
    cl.scratch_path = c->read_only ? NULL : c->scratch_path;
    hr = hcs_gcs_modify_combined_layers(b, "Add", &cl);
    if (HCS_FAILED(hr))
        return fail(c, hr, "mount the layers");
    c->layers_added = 1;

    hcs_gcs_oci_spec_options_init(&so, HCS_GCS_OCI_SPEC_OPTIONS_VERSION);
    so.process.args = (const char *const *)argv;
    so.process.env = env;
    so.process.cwd = cwd;
    so.process.terminal = tty;
    if (tty) {
        so.process.console_height = rows ? rows : 24;
        so.process.console_width = cols ? cols : 80;
    }
    if (c->user)
        set_user(&so.process, c->user);
    so.container_id = c->id;
    so.root_path = c->root;
    so.root_readonly = c->read_only;
    so.hostname = c->hostname;
    /* the namespace --net configured: the container joins it */
    so.network_namespace_id = hcsctl_attach_namespace(&c->attach);
    hr = hcs_gcs_encode_oci_spec(&so, &spec);
    if (HCS_FAILED(hr)) {
        fail(c, hr, "container spec");
        return HCS_ERR_INVALIDARG;
    }
    hr = hcs_gcs_encode_lcow_container_config(c->bundle, spec, NULL, &config);
    hcs_free(spec);
    if (HCS_FAILED(hr))
        return fail(c, hr, "container config");
    hr = hcs_gcs_container_create(b, c->id, config);
    hcs_free(config);
    if (HCS_FAILED(hr))
        return fail(c, hr, "create the container");
    c->created = 1;
    hr = hcs_gcs_container_start(b, c->id);
    if (HCS_FAILED(hr))
        return fail(c, hr, "start the container");
    return HCS_S_OK;
}

void hcsctl_ctr_teardown(hcsctl_ctr *c)
{
    hcs_result hr;
    if (!c->b)
        return;
    if (c->gave_up) {
        if (c->created || c->layers_added)
            fprintf(stderr, "hcsctl: gcs run: container %s was not torn down: the guest "
                            "stopped answering%s\n", c->id,
                    c->layers_added ? " (its layers stay mounted)" : "");
        c->created = c->layers_added = 0;
        return;
    }
    /* hcsshim's order: the init stopped (a no-op once it exited) and its
     * one exit notification, the layers unmounted, then the state. */
    if (c->created) {
        hr = hcs_gcs_container_shutdown(c->b, c->id, 1);
        if (HCS_FAILED(hr)) {
            fail(c, hr, "stop the container");
        } else if (HCS_FAILED(hr = hcs_gcs_container_wait(c->b, c->id, c->exit_wait_ms,
                                                           NULL))) {
            /* a missing notification is no RPC timeout: the rest is tried */
            const hcs_error *e = hcs_error_last();
            fprintf(stderr, "hcsctl: gcs run: wait for the container's exit: ");
            hcsctl_text(stderr, e && e->message ? e->message : hcs_strerror(hr));
            fprintf(stderr, " (0x%08lX)\n", (unsigned long)(uint32_t)hr);
        }
        if (c->gave_up) {
            hcsctl_ctr_teardown(c); /* says what is left */
            return;
        }
    }
    if (c->layers_added) {
        hcs_gcs_combined_layers cl;
        memset(&cl, 0, sizeof cl);
        cl.container_id = c->id;
        cl.container_root_path = c->root;
        hr = hcs_gcs_modify_combined_layers(c->b, "Remove", &cl);
        if (HCS_FAILED(hr))
            fail(c, hr, "unmount the layers");
        if (c->gave_up) {
            hcsctl_ctr_teardown(c);
            return;
        }
        c->layers_added = 0;
    }
    if (c->created) {
        hr = hcs_gcs_container_delete_state(c->b, c->id);
        if (HCS_FAILED(hr))
            fail(c, hr, "delete the container");
        c->created = 0;
    }
}
