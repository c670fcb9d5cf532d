/*
 * hcs-gcs runtime: two runc commands the agent can do itself.
 *
 * `runc start` of a created container only opens the container's
 * exec.fifo (the blocked `runc init` then writes to it and execs the user's
 * process) and removes it; `runc delete` of a stopped container only
 * removes its cgroups and its state directory. Each runc command costs
 * ~16-20 ms of runc start-up, most of a container's lifecycle beyond `runc
 * run` (docs/hcs-gcs.md, "Benchmark: container lifecycle"). So, for runc
 * only (the file layout is runc 1.x's: ROOT/ID/exec.fifo, ROOT/ID/state.json
 * with "cgroup_paths"), for a spec without hooks, and when everything looks
 * as expected, the agent does exactly that; anything else falls back to the
 * runtime command. --no-runtime-shortcuts turns them off.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/runtime.h"

int hcsg_shortcuts_apply(const hcsg_oci *o)
{
    const char *b = strrchr(o->path, '/');
    b = b ? b + 1 : o->path;
    return !o->no_shortcuts && strcmp(b, "runc") == 0;
}

int hcsg_shortcut_start(const hcsg_oci *o, const char *id, pid_t init, uint32_t timeout_ms,
                        hcsg_err *e)
{
    char path[PATH_MAX + 128], b;
    struct stat st;
    uint64_t deadline = hcsi_now_ns() + (uint64_t)timeout_ms * 1000000u;
    int fd;
    if (!hcsg_shortcuts_apply(o))
        return 0;
    if ((size_t)snprintf(path, sizeof path, "%s/%s/exec.fifo", o->root, id) >= sizeof path ||
        lstat(path, &st) != 0 || !S_ISFIFO(st.st_mode))
        return 0; /* not the layout we know: the runtime command */
    /* Non-blocking: a reader exists at once, so the init's open for
     * writing completes; poll reports POLLIN when it wrote (a FIFO without
     * a writer yet does not report a hang-up). */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    for (;;) {
        struct pollfd f;
        ssize_t r;
        hcsg_pollfd(&f, fd, POLLIN);
        (void)poll(&f, 1, 100);
        r = read(fd, &b, 1);
        if (r == 1)
            break;
        if (r < 0 && errno != EAGAIN && errno != EINTR) {
            hcsg_err_plain(e, "start: read %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (kill(init, 0) != 0 || hcsi_now_ns() >= deadline) {
            hcsg_err_plain(e, "start: the container's init (pid %ld) %s", (long)init,
                           kill(init, 0) != 0 ? "is gone" : "did not take the start signal");
            close(fd);
            return -1;
        }
    }
    close(fd);
    (void)unlink(path); /* runc: running = no exec.fifo */
    return 1;
}

int hcsg_shortcut_delete(const hcsg_oci *o, const char *id)
{
    char dir[PATH_MAX + 64], path[PATH_MAX + 96], *text = NULL;
    hcsi_json *state = NULL, *paths;
    hcsi_json_iter it;
    const char *k;
    hcsi_json *v;
    FILE *f;
    long n;
    int rc = 0;
    if (!hcsg_shortcuts_apply(o))
        return 0;
    if ((size_t)snprintf(dir, sizeof dir, "%s/%s", o->root, id) >= sizeof dir)
        return 0;
    snprintf(path, sizeof path, "%s/state.json", dir);
    f = fopen(path, "re");
    if (!f)
        return 0;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || n > 1024 * 1024 ||
        fseek(f, 0, SEEK_SET) != 0 || !(text = (char *)malloc((size_t)n + 1)) ||
        fread(text, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(text);
        return 0;
    }
    fclose(f);
    if (HCS_FAILED(hcsi_json_parse(text, (size_t)n, "state.json", &state)) ||
        !(paths = hcsi_json_get(state, "cgroup_paths")) ||
        hcsi_json_kind_of(paths) != HCSI_JSON_OBJECT) {
        hcs_error_clear();
        goto out;
    }
    /* Every path must be a cgroup directory, or it is not ours to judge. */
    hcsi_json_iter_init(paths, &it);
    while (hcsi_json_iter_next(&it, &k, &v)) {
        const char *p = hcsi_json_kind_of(v) == HCSI_JSON_STRING ? hcsi_json_str(v, NULL) : "";
        if (strncmp(p, "/sys/fs/cgroup/", 15) != 0 || strstr(p, "/../") || strstr(p, "/./"))
            goto out;
    }
    hcsi_json_iter_init(paths, &it);
    while (hcsi_json_iter_next(&it, &k, &v)) {
        const char *p = hcsi_json_str(v, NULL);
        if (rmdir(p) != 0 && errno != ENOENT)
            goto out; /* busy (or odd): runc delete --force decides */
    }
    if (hcsg_remove_tree(dir) != 0)
        goto out;
    rc = 1;
out:
    hcsi_json_put(state);
    free(text);
    return rc;
}
