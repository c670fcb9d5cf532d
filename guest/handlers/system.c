/* hcs-gcs handlers: NegotiateProtocol, DumpStacks, GetProperties. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bridge/agent_internal.h"
#include <dirent.h>

int hcsg_h_negotiate(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o, *caps;
    hcsg_base b;
    uint32_t minv = 0, maxv = 0, ver;
    if (hcsg_req_base(r, e, "NegotiateProtocol", &o, &b) < 0)
        return -1;
    if (hcsg_get_u32(e, o, "NegotiateProtocol", "MinimumVersion", &minv) < 0 ||
        hcsg_get_u32(e, o, "NegotiateProtocol", "MaximumVersion", &maxv) < 0)
        return hcsg_fail_unmarshal(r, e);
    if (maxv < HCS_GCS_PROTOCOL_VERSION || HCS_GCS_PROTOCOL_VERSION < minv) {
        hcsg_err_wrap(e, HCSG_HR_UNSUPPORTED_PROTOCOL,
                      "hcs-gcs speaks protocol version 4 only; the host offered %lu..%lu",
                      (unsigned long)minv, (unsigned long)maxv);
        return -1;
    }
    ver = maxv < HCS_GCS_PROTOCOL_VERSION ? maxv : HCS_GCS_PROTOCOL_VERSION;
    a->protver = ver;
    *resp = hcsg_resp_new(0, r->aid);
    caps = hcsg_capabilities();
    if (!*resp || !caps || HCS_FAILED(hcsi_json_set_uint(*resp, "Version", ver)) ||
        HCS_FAILED(hcsi_json_set(*resp, "Capabilities", caps))) {
        hcsi_json_put(*resp);
        *resp = NULL;
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    HCSG_INFO("negotiated protocol version %lu", (unsigned long)ver);
    return 0;
}


int hcsg_h_properties(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o, *q = NULL, *types = NULL, *props = NULL;
    hcsg_base b;
    const char *query = "";
    size_t qlen = 0, i, n;
    int want_list = 0, want_stats = 0, container;
    char *text;
    if (hcsg_req_base(r, e, "ContainerGetProperties", &o, &b) < 0)
        return -1;
    if (hcsg_get_str(e, o, "ContainerGetProperties", "Query", &query, &qlen) < 0)
        return hcsg_fail_unmarshal(r, e);
    if (qlen != 0) {
        if (hcsg_parse_message(e, query, qlen, "PropertyQuery", &q) < 0 ||
            hcsg_get_strarr(e, q, "PropertyQuery", "PropertyTypes", &types) < 0) {
            hcsi_json_put(q);
            hcsg_err_prefix(e, "The query could not be unmarshaled: '%.300s'", query);
            return -1;
        }
    }
    n = hcsi_json_array_len(types);
    for (i = 0; i < n; i++) {
        hcsi_json *t = hcsi_json_array_at(types, i);
        const char *s = hcsi_json_kind_of(t) == HCSI_JSON_STRING ? hcsi_json_str(t, NULL) : "";
        if (strcmp(s, "ProcessList") == 0)
            want_list = 1;
        else if (strcmp(s, "Statistics") == 0)
            want_stats = 1;
        else
            HCSG_WARN("GetProperties: property type \"%s\" is not supported; ignored", s);
    }
    hcsi_json_put(q);
    container = strcmp(b.container_id, NULL_CID) != 0;
    if (container) {
        /* The runtime answers these: not on the reader. */
        int rc = hcsg_defer_for(a, r, b.container_id, hcsg_h_properties, e);
        if (rc != 0)
            return rc;
        props = hcsi_json_object();
        if (!props)
            goto oom;
        if (hcsg_ctr_properties(a->ctrs, b.container_id, want_list, want_stats, props, e) != 0) {
            hcsi_json_put(props);
            return -1;
        }
        goto reply;
    }
    if (a->o.strict) {
        hcsg_err_plain(e, "getPropertiesV2 is not supported against the UVM");
        return -1;
    }
    props = hcsi_json_object();
    if (!props)
        goto oom;
    if (want_list && !a->dry_run) {
        pid_t *pids = NULL;
        size_t k, np = hcsg_proc_list(a->procs, "", &pids);
        if (np > 0) {
            hcsi_json *arr = hcsi_json_array();
            if (!arr) {
                free(pids);
                goto oom;
            }
            for (k = 0; k < np; k++) {
                hcsi_json *d = hcsi_json_object();
                if (!d || HCS_FAILED(hcsi_json_set_uint(d, "ProcessId", (uint32_t)pids[k])) ||
                    HCS_FAILED(hcsi_json_append(arr, d))) {
                    hcsi_json_put(arr);
                    free(pids);
                    goto oom;
                }
            }
            if (HCS_FAILED(hcsi_json_set(props, "ProcessList", arr))) {
                free(pids);
                goto oom;
            }
        }
        free(pids);
    }
reply:
    text = hcsg_resp_text(props, NULL);
    hcsi_json_put(props);
    props = NULL;
    if (!text)
        goto oom;
    *resp = hcsg_resp_new(0, r->aid);
    if (!*resp || HCS_FAILED(hcsi_json_set_str(*resp, "Properties", text))) {
        free(text);
        goto oom;
    }
    free(text);
    return 0;
oom:
    hcsi_json_put(props);
    hcsi_json_put(*resp);
    *resp = NULL;
    hcsg_err_plain(e, "out of memory");
    return -1;
}

/* ModifySettings: ResourceType settings schemas (guestresource). */

static void read_status_line(const char *key, char *out, size_t n)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    size_t kl = strlen(key);
    snprintf(out, n, "?");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            char *v = line + kl + 1;
            size_t l;
            while (*v == ' ' || *v == '\t')
                v++;
            l = strlen(v);
            while (l && (v[l - 1] == '\n' || v[l - 1] == ' '))
                v[--l] = '\0';
            snprintf(out, n, "%s", v);
            break;
        }
    }
    fclose(f);
}

/* Reads a small /proc file into buf (trailing newline dropped). */
static void read_small(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "re");
    size_t l;
    buf[0] = '\0';
    if (!f)
        return;
    l = fread(buf, 1, n - 1, f);
    fclose(f);
    buf[l] = '\0';
    while (l && (buf[l - 1] == '\n' || buf[l - 1] == ' '))
        buf[--l] = '\0';
}

/* Every agent thread: name, scheduler state and kernel wait channel (what
 * it is blocked in), the C counterpart of the Go GCS's goroutine dump. */
static void dump_threads(hcsi_buf *t)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *de;
    if (!d)
        return;
    hcsi_buf_puts(t, "thread list:\n");
    while ((de = readdir(d)) != NULL) {
        char path[96], comm[64], stat[512], wchan[64];
        const char *st = "?";
        char *rp;
        if (de->d_name[0] == '.')
            continue;
        if (t->len > HCSG_MAX_STACKS_TEXT / 2) {
            hcsi_buf_puts(t, "  ... (truncated)\n");
            break;
        }
        snprintf(path, sizeof path, "/proc/self/task/%.20s/comm", de->d_name);
        read_small(path, comm, sizeof comm);
        snprintf(path, sizeof path, "/proc/self/task/%.20s/stat", de->d_name);
        read_small(path, stat, sizeof stat);
        rp = strrchr(stat, ')');
        if (rp && rp[1] == ' ' && rp[2]) {
            rp[3] = '\0';
            st = rp + 2;
        }
        snprintf(path, sizeof path, "/proc/self/task/%.20s/wchan", de->d_name);
        read_small(path, wchan, sizeof wchan);
        hcsi_buf_printf(t, "  tid %s %s: state %s, waiting in %s\n", de->d_name, comm, st,
                        wchan[0] && strcmp(wchan, "0") != 0 ? wchan : "-");
    }
    closedir(d);
}

int hcsg_h_stacks(hcsg_agent *a, req *r, hcsi_json **resp, hcsg_err *e)
{
    hcsi_json *o;
    hcsg_base b;
    hcsi_buf t;
    char th[64], rss[64], addr[160];
    unsigned workers;
    if (hcsg_req_base(r, e, "MessageBase", &o, &b) < 0)
        return -1;
    hcsi_buf_init(&t, HCSG_MAX_STACKS_TEXT);
    read_status_line("Threads", th, sizeof th);
    read_status_line("VmRSS", rss, sizeof rss);
    if (a->o.use_stdio)
        snprintf(addr, sizeof addr, "stdio");
    else
        hcsg_addr_format(&a->o.bridge, addr, sizeof addr);
    hcsi_buf_printf(&t, "hcs-gcs %s (pid %ld, up %.1fs)\n", HCSG_VERSION, (long)getpid(),
                    (double)(hcsi_now_ns() - a->start_ns) / 1e9);
    hcsi_buf_printf(&t, "bridge: %s, protocol v%lu, %llu frames read, mode %s\n", addr,
                    (unsigned long)a->protver, (unsigned long long)a->frames,
                    a->o.strict ? "strict (Go GCS refusals)" : "extended");
    pthread_mutex_lock(&a->xm);
    workers = a->exec_workers;
    pthread_mutex_unlock(&a->xm);
    hcsi_buf_printf(&t, "threads: %s, rss: %s, exec workers: %u\n", th, rss, workers);
    dump_threads(&t);
    if (!a->dry_run) {
        hcsg_proc_dump(a->procs, &t);
        hcsg_containers_dump(a->ctrs, &t);
        hcsg_storage_dump(a->storage, &t);
        hcsg_net_dump(a->net, &t);
    }
    *resp = hcsg_resp_new(0, r->aid);
    if (!*resp || HCS_FAILED(hcsi_json_set(*resp, "GuestStacks",
                                           hcsi_json_string_len(t.data ? t.data : "", t.len)))) {
        hcsi_buf_free(&t);
        hcsi_json_put(*resp);
        *resp = NULL;
        hcsg_err_plain(e, "out of memory");
        return -1;
    }
    hcsi_buf_free(&t);
    return 0;
}

