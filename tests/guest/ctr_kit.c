/* Container test kit (see ctr_kit.h). */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctr_kit.h"

int ck_available(void)
{
    const char *why = NULL;
    if (geteuid() != 0)
        why = "not root";
    else if (access("/usr/sbin/runc", X_OK) != 0)
        why = "no /usr/sbin/runc (apt-get install runc)";
    else if (access("/bin/busybox", X_OK) != 0)
        why = "no /bin/busybox (apt-get install busybox-static)";
    else if (access("/usr/bin/unshare", X_OK) != 0)
        why = "no unshare";
    return why ? gh_unavailable("container", "container tests need root, runc, busybox-static",
                                why)
               : 1;
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC), out;
    ssize_t n;
    assert_true(in >= 0);
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(out >= 0);
    while ((n = read(in, buf, sizeof buf)) > 0)
        assert_int_equal(write(out, buf, (size_t)n), n);
    close(in);
    close(out);
}

const char *ck_layer(const char *dir)
{
    static char layer[256];
    static const char *const dirs[] = {"bin", "proc", "dev", "sys", "tmp", "etc", "root", "data"};
    static const char *const tools[] = {"sh", "echo", "cat", "sleep", "hostname", "id", "ls",
                                        "true", "false", "stty", "kill", "printf", "test", "env"};
    char p[384];
    size_t i;
    FILE *f;
    snprintf(layer, sizeof layer, "%s/layer", dir);
    assert_int_equal(mkdir(layer, 0755), 0);
    for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", layer, dirs[i]);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    snprintf(p, sizeof p, "%s/bin/busybox", layer);
    copy_file("/bin/busybox", p, 0755);
    for (i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        snprintf(p, sizeof p, "%s/bin/%s", layer, tools[i]);
        assert_int_equal(symlink("busybox", p), 0);
    }
    snprintf(p, sizeof p, "%s/etc/passwd", layer);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/etc/group", layer);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs("root:x:0:\nnogroup:x:65534:\nstaff:x:50:nobody\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/data/image.txt", layer);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs("from the image\n", f);
    fclose(f);
    return layer;
}

void *ck_suite_new(size_t size, const char *tmpl)
{
    ck_suite *s;
    if (!ck_available())
        return NULL;
    s = (ck_suite *)calloc(1, size);
    assert_non_null(s);
    snprintf(s->dir, sizeof s->dir, "%s", tmpl);
    assert_non_null(mkdtemp(s->dir));
    s->layer = ck_layer(s->dir);
    return s;
}

int ck_suite_teardown(void **state)
{
    ck_suite *s = (ck_suite *)*state;
    if (s) {
        gh_rmtree(s->dir);
        free(s);
    }
    return 0;
}

void ck_start(ghost *h, const char *const *extra)
{
    const char *argv[24];
    size_t n = 0;
    argv[n++] = "--runtime-root";
    argv[n++] = "/run/gcs/runtime";
    while (extra && *extra && n < 22)
        argv[n++] = *extra++;
    argv[n] = NULL;
    gh_start_ex(h, 0, argv, gh_vm_prefix, NULL);
    gh_negotiate(h);
}

char *ck_spec(const char *root, const char *args_json, int terminal, int readonly,
              const char *hostname)
{
    return hcsi_asprintf(
        "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":%s,\"user\":{\"uid\":0,\"gid\":0},"
        "\"args\":%s,\"env\":[\"PATH=/bin\",\"TERM=xterm\"],\"cwd\":\"/\"},"
        "\"root\":{\"path\":\"%s\",\"readonly\":%s},\"hostname\":\"%s\","
        "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
        "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
        "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
        "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]}],"
        "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
        "{\"type\":\"mount\"}]}}",
        terminal ? "true" : "false", args_json, root, readonly ? "true" : "false", hostname);
}

static int32_t call_result(ghost *h, uint32_t rpc, const char *body, char **msg)
{
    hcsi_json *r = gh_call(h, rpc, body, 30000);
    int32_t res = gh_result(r);
    if (msg) {
        const char *m = NULL;
        *msg = NULL;
        if (hcsi_json_get_str(r, "r", "ErrorMessage", &m, NULL) == 1)
            *msg = strdup(m);
    }
    hcsi_json_put(r);
    return res;
}

int32_t ck_create_spec(ghost *h, const char *id, const char *layer, const char *spec)
{
    char root[256], *cfg, *q, *body;
    int32_t res;
    snprintf(root, sizeof root, "/run/gcs/c/%s/rootfs", id);
    body = hcsi_asprintf(
        "{\"ContainerId\":\"" GH_ZERO "\",\"ActivityId\":\"" GH_ZERO "\",\"Request\":{"
        "\"RequestType\":\"Add\",\"ResourceType\":\"CombinedLayers\",\"Settings\":{"
        "\"ContainerID\":\"%s\",\"ContainerRootPath\":\"%s\",\"Layers\":[{\"Path\":\"%s\"}],"
        "\"ScratchPath\":\"/run/gcs/c/%s/scratch\"}}}",
        id, root, layer, id);
    res = call_result(h, GH_MODIFY, body, NULL);
    free(body);
    assert_int_equal(res, 0);
    cfg = hcsi_asprintf("{\"SchemaVersion\":{\"Major\":2,\"Minor\":1},\"OciBundlePath\":"
                        "\"/run/gcs/c/%s\",\"OciSpecification\":%s}",
                        id, spec);
    q = gh_quote(cfg);
    body = hcsi_asprintf("{\"ContainerId\":\"%s\",\"ActivityId\":\"" GH_ZERO
                         "\",\"ContainerConfig\":%s}",
                         id, q);
    res = call_result(h, GH_CREATE, body, NULL);
    free(body);
    free(q);
    free(cfg);
    return res;
}

int32_t ck_create(ghost *h, const char *id, const char *layer, const char *args_json,
                  int terminal, int readonly)
{
    char root[256], *spec;
    int32_t res;
    snprintf(root, sizeof root, "/run/gcs/c/%s/rootfs", id);
    spec = ck_spec(root, args_json, terminal, readonly, "ctr-test");
    res = ck_create_spec(h, id, layer, spec);
    free(spec);
    return res;
}

int32_t ck_simple(ghost *h, uint32_t rpc, const char *id, char **msg)
{
    char body[512];
    snprintf(body, sizeof body, "{\"ContainerId\":\"%s\",\"ActivityId\":\"" GH_ZERO "\"}", id);
    return call_result(h, rpc, body, msg);
}

char *ck_notification(ghost *h, const char *id, int timeout_ms)
{
    gh_frame f;
    hcsi_json *v = NULL;
    const char *cid = NULL, *type = NULL;
    char *out;
    if (gh_recv_notification(h, timeout_ms, &f) != 0)
        fail_msg("no exit notification for %s within %d ms", id, timeout_ms);
    assert_int_equal(f.type, 0x30100101u);
    assert_int_equal(hcsi_json_parse(f.body, f.len, "notification", &v), 0);
    assert_int_equal(hcsi_json_get_str(v, "n", "ContainerId", &cid, NULL), 1);
    assert_string_equal(cid, id);
    assert_int_equal(hcsi_json_get_str(v, "n", "Type", &type, NULL), 1);
    out = strdup(type);
    hcsi_json_put(v);
    gh_frame_free(&f);
    return out;
}

void ck_remove(ghost *h, const char *id)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"ContainerId\":\"" GH_ZERO "\",\"ActivityId\":\"" GH_ZERO "\",\"Request\":{"
             "\"RequestType\":\"Remove\",\"ResourceType\":\"CombinedLayers\",\"Settings\":{"
             "\"ContainerID\":\"%s\",\"ContainerRootPath\":\"/run/gcs/c/%s/rootfs\"}}}",
             id, id);
    assert_int_equal(call_result(h, GH_MODIFY, body, NULL), 0);
    assert_int_equal(ck_simple(h, GH_DELETE, id, NULL), 0);
}

void ck_agent_path(const ghost *h, const char *path, char *out, size_t n)
{
    snprintf(out, n, "/proc/%ld/root%s", (long)h->agent, path);
}
