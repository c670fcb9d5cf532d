/* The portable half of the Windows backend: function names, the key table
 * of reference-counted objects, event queues, and the rich errors built
 * from HCS result documents. Built and tested on every OS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "compute/compute_int.h"
#include "hcs/network.h"

/* ---- names ---- */

HCSI_FUNCTION_TABLE(hcsi_cc_names, HCSI_CC_COUNT, HCSI_CC_FUNCS,
                    hcs_compute_function_count, hcs_compute_function_name)

int hcsi_cc_index(const char *name)
{
    int i;
    if (!name)
        return -1;
    for (i = 0; i < HCSI_CC_COUNT; i++)
        if (strcmp(hcsi_cc_names[i], name) == 0)
            return i;
    return -1;
}


hcs_result hcsi_core_not_windows(const char *fn)
{
    return hcsi_err(HCS_ERR_WIN32_NOT_SUPPORTED, "%s: " HCSI_NOT_WINDOWS_TEXT,
                    fn);
}

const char *hcs_compute_event_type_name(uint32_t type)
{
    switch (type) {
    case HCS_EVENT_INVALID: return "Invalid";
    case HCS_EVENT_SYSTEM_EXITED: return "SystemExited";
    case HCS_EVENT_SYSTEM_CRASH_INITIATED: return "SystemCrashInitiated";
    case HCS_EVENT_SYSTEM_CRASH_REPORT: return "SystemCrashReport";
    case HCS_EVENT_SYSTEM_RDP_ENHANCED_MODE_STATE_CHANGED:
        return "SystemRdpEnhancedModeStateChanged";
    case HCS_EVENT_SYSTEM_SILO_JOB_CREATED: return "SystemSiloJobCreated";
    case HCS_EVENT_SYSTEM_GUEST_CONNECTION_CLOSED:
        return "SystemGuestConnectionClosed";
    case HCS_EVENT_PROCESS_EXITED: return "ProcessExited";
    case HCS_EVENT_OPERATION_CALLBACK: return "OperationCallback";
    case HCS_EVENT_SERVICE_DISCONNECT: return "ServiceDisconnect";
    case HCS_EVENT_GROUP_VM_LIFECYCLE: return "GroupVmLifecycle";
    case HCS_EVENT_GROUP_LIVE_MIGRATION: return "GroupLiveMigration";
    case HCS_EVENT_GROUP_OPERATION_INFO: return "GroupOperationInfo";
    default: return "Unknown";
    }
}

const char *hcs_compute_op_type_name(int type)
{
    static const char *const names[] = {
        "Enumerate", "Create", "Start", "Shutdown", "Pause", "Resume", "Save",
        "Terminate", "Modify", "GetProperties", "CreateProcess",
        "SignalProcess", "GetProcessInfo", "GetProcessProperties",
        "ModifyProcess", "Crash", "Reserved1", "Reserved2", "Reserved3",
        "LiveMigration"};
    if (type == HCS_OP_TYPE_NONE)
        return "None";
    if (type >= 0 && (size_t)type < HCSI_ARRAY_LEN(names))
        return names[type];
    return "Unknown";
}

HCSI_OPTIONS_INIT_FN(hcs_compute_system_create_options, HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_VERSION,
                     HCS_COMPUTE_SYSTEM_CREATE_OPTIONS_INIT)

void hcs_compute_process_info_clear(hcs_compute_process_info *info)
{
    if (!info)
        return;
    hcs_compute_stream_close(info->std_in);
    hcs_compute_stream_close(info->std_out);
    hcs_compute_stream_close(info->std_err);
    memset(info, 0, sizeof *info);
}

/* ---- the key table ---- */

typedef struct reg_entry {
    uint64_t key;
    hcsi_obj *obj;
} reg_entry;

static hcsi_once g_reg_once = HCSI_ONCE_INIT;
static hcsi_mutex g_reg_lock;
static reg_entry *g_reg;
static size_t g_reg_n, g_reg_cap;
static uint64_t g_next_key = 1;

static void reg_init(void) { hcsi_mutex_init(&g_reg_lock); }

static void reg_lock(void)
{
    hcsi_once_run(&g_reg_once, reg_init);
    hcsi_mutex_lock(&g_reg_lock);
}

static void reg_unlock(void) { hcsi_mutex_unlock(&g_reg_lock); }

hcs_result hcsi_obj_init(hcsi_obj *o, int kind, hcsi_obj_destroy_fn destroy)
{
    o->refs = 1;
    o->kind = kind;
    o->destroy = destroy;
    o->registered = 0;
    reg_lock();
    if (g_reg_n == g_reg_cap) {
        size_t ncap = g_reg_cap ? g_reg_cap * 2 : 32;
        reg_entry *n = (reg_entry *)hcsi_realloc(g_reg, ncap * sizeof *n);
        if (!n) {
            reg_unlock();
            return hcsi_err_oom();
        }
        g_reg = n;
        g_reg_cap = ncap;
    }
    o->key = g_next_key++;
    g_reg[g_reg_n].key = o->key;
    g_reg[g_reg_n].obj = o;
    g_reg_n++;
    o->registered = 1;
    reg_unlock();
    return HCS_S_OK;
}

hcs_result hcsi_obj_init_locked(hcsi_obj *o, hcsi_mutex *m, int kind,
                                hcsi_obj_destroy_fn destroy)
{
    hcs_result hr;
    hcsi_mutex_init(m);
    hr = hcsi_obj_init(o, kind, destroy);
    if (HCS_FAILED(hr))
        hcsi_mutex_destroy(m);
    return hr;
}

hcsi_obj *hcsi_obj_lookup(uint64_t key, int kind)
{
    size_t i;
    hcsi_obj *found = NULL;
    if (key == 0)
        return NULL;
    reg_lock();
    for (i = 0; i < g_reg_n; i++) {
        if (g_reg[i].key == key) {
            if (kind == HCSI_KIND_ANY || g_reg[i].obj->kind == kind) {
                found = g_reg[i].obj;
                found->refs++;
            }
            break;
        }
    }
    reg_unlock();
    return found;
}

hcsi_obj *hcsi_obj_find(int kind, int (*match)(const hcsi_obj *o, void *arg),
                        void *arg)
{
    size_t i;
    hcsi_obj *found = NULL;
    reg_lock();
    for (i = 0; i < g_reg_n; i++) {
        hcsi_obj *o = g_reg[i].obj;
        if ((kind == HCSI_KIND_ANY || o->kind == kind) && match(o, arg)) {
            found = o;
            found->refs++;
            break;
        }
    }
    reg_unlock();
    return found;
}

void hcsi_obj_unregister(hcsi_obj *o)
{
    size_t i;
    if (!o)
        return;
    reg_lock();
    if (o->registered) {
        for (i = 0; i < g_reg_n; i++) {
            if (g_reg[i].obj == o) {
                g_reg[i] = g_reg[g_reg_n - 1];
                g_reg_n--;
                break;
            }
        }
        o->registered = 0;
    }
    reg_unlock();
}

void hcsi_obj_ref(hcsi_obj *o)
{
    reg_lock();
    o->refs++;
    reg_unlock();
}

/* Set while this thread runs one of HCS's callbacks (the trampolines). */
static HCSI_THREAD_LOCAL int t_in_callback;
/* Destroys handed to a thread of their own, not finished yet (reg lock). */
static size_t g_deferred;
static hcsi_cond g_deferred_cv;
static int g_deferred_cv_ready;

void hcsi_obj_callback_enter(void) { t_in_callback++; }
void hcsi_obj_callback_leave(void) { t_in_callback--; }

static void deferred_destroy(void *arg)
{
    hcsi_obj *o = (hcsi_obj *)arg;
    o->destroy(o);
    reg_lock();
    g_deferred--;
    hcsi_cond_broadcast(&g_deferred_cv);
    reg_unlock();
}

void hcsi_obj_unref(hcsi_obj *o)
{
    int last;
    hcsi_thread t;
    if (!o)
        return;
    reg_lock();
    last = --o->refs == 0;
    if (last && t_in_callback) {
        if (!g_deferred_cv_ready) {
            hcsi_cond_init(&g_deferred_cv);
            g_deferred_cv_ready = 1;
        }
        g_deferred++;
    }
    reg_unlock();
    if (!last)
        return;
    hcsi_obj_unregister(o);
    if (!t_in_callback) {
        o->destroy(o);
        return;
    }
    /* The last reference went on one of HCS's callback threads. The
     * destroy closes the HCS handle, and HcsCloseComputeSystem /
     * HcsCloseProcess wait for the handle's running callbacks -- this one
     * included: on this thread it would wait for itself (hcsshim's v2
     * system.go / process.go; WSL's deadlock fix, microsoft/WSL PR #41269).
     * The destroy runs on a thread of its own. */
    if (HCS_SUCCEEDED(hcsi_thread_start(&t, deferred_destroy, o))) {
        hcsi_thread_detach(&t);
        return;
    }
    /* no thread (out of resources): leak the object rather than hang */
    hcs_error_clear();
    reg_lock();
    g_deferred--;
    reg_unlock();
}

int hcsi_obj_drain_deferred(int64_t timeout_ms)
{
    uint64_t deadline = hcsi_now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
    int done;
    reg_lock();
    while (g_deferred > 0 && g_deferred_cv_ready &&
           hcsi_cond_wait_until(&g_deferred_cv, &g_reg_lock, deadline) == 0) {
    }
    done = g_deferred == 0;
    reg_unlock();
    return done;
}

size_t hcsi_obj_live_count(void)
{
    size_t n;
    reg_lock();
    n = g_reg_n;
    reg_unlock();
    return n;
}

/* ---- event queues ---- */

struct hcsi_event_node {
    struct hcsi_event_node *next;
    hcs_event *e;
};

int hcsi_event_is_critical(uint32_t type)
{
    return type == HCS_EVENT_SYSTEM_EXITED || type == HCS_EVENT_PROCESS_EXITED ||
           type == HCS_EVENT_SYSTEM_CRASH_INITIATED ||
           type == HCS_EVENT_SYSTEM_CRASH_REPORT ||
           type == HCS_EVENT_SERVICE_DISCONNECT ||
           type == HCS_NET_EVENT_SERVICE_DISCONNECT;
}

void hcs_compute_event_free(hcs_event *e)
{
    if (!e)
        return;
    free(e->data);
    free(e->system_id);
    free(e);
}

hcs_event *hcsi_event_new(uint32_t type, const char *data,
                          const char *system_id, uint32_t pid,
                          uint64_t operation_id, uint64_t tag)
{
    hcs_event *e = (hcs_event *)hcsi_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->type = type;
    e->process_id = pid;
    e->operation_id = operation_id;
    e->tag = tag;
    if ((data && !(e->data = hcsi_strdup(data))) ||
        (system_id && !(e->system_id = hcsi_strdup(system_id)))) {
        hcs_compute_event_free(e);
        return NULL;
    }
    return e;
}

static void events_destroy(hcsi_obj *o)
{
    hcs_events *q = (hcs_events *)o;
    struct hcsi_event_node *n = q->head;
    while (n) {
        struct hcsi_event_node *next = n->next;
        hcs_compute_event_free(n->e);
        free(n);
        n = next;
    }
    hcsi_cond_destroy(&q->c);
    hcsi_mutex_destroy(&q->m);
    free(q);
}

hcs_result hcsi_events_new(hcs_events **out)
{
    hcs_events *q;
    hcs_result hr;
    if (!out)
        return hcsi_err(HCS_ERR_POINTER, "events: out is NULL");
    *out = NULL;
    q = (hcs_events *)hcsi_calloc(1, sizeof *q);
    if (!q)
        return hcsi_err_oom();
    hcsi_mutex_init(&q->m);
    hcsi_cond_init(&q->c);
    hr = hcsi_obj_init(&q->base, HCSI_KIND_EVENTS, events_destroy);
    if (HCS_FAILED(hr)) {
        events_destroy(&q->base);
        return hr;
    }
    *out = q;
    return HCS_S_OK;
}

void hcsi_events_push(hcs_events *q, hcs_event *e)
{
    struct hcsi_event_node *n;
    if (!e)
        return;
    hcsi_mutex_lock(&q->m);
    if (q->closed ||
        (q->n >= HCSI_EVENTS_MAX_QUEUED && !hcsi_event_is_critical(e->type))) {
        q->dropped++;
        hcsi_mutex_unlock(&q->m);
        hcs_compute_event_free(e);
        return;
    }
    n = (struct hcsi_event_node *)malloc(sizeof *n);
    if (!n) {
        q->dropped++;
        hcsi_mutex_unlock(&q->m);
        hcs_compute_event_free(e);
        return;
    }
    n->next = NULL;
    n->e = e;
    if (q->tail)
        q->tail->next = n;
    else
        q->head = n;
    q->tail = n;
    q->n++;
    hcsi_cond_signal(&q->c);
    hcsi_mutex_unlock(&q->m);
}

hcs_result hcsi_events_wait(hcs_events *q, int64_t timeout_ms, hcs_event **out)
{
    uint64_t deadline;
    struct hcsi_event_node *n;
    hcs_result hr = HCS_S_OK;
    if (!q || !out)
        return hcsi_err(HCS_ERR_POINTER, "events wait: queue or out is NULL");
    *out = NULL;
    deadline = timeout_ms == HCS_TIMEOUT_DEFAULT
                   ? hcsi_deadline_ms(HCS_DEFAULT_TIMEOUT_MS)
                   : hcsi_deadline_ms(timeout_ms);
    hcsi_obj_ref(&q->base);
    hcsi_mutex_lock(&q->m);
    while (!q->head && !q->closed) {
        if (deadline == UINT64_MAX)
            hcsi_cond_wait(&q->c, &q->m);
        else if (hcsi_cond_wait_until(&q->c, &q->m, deadline) &&
                 !q->head && hcsi_now_ns() >= deadline)
            break;
    }
    n = q->head;
    if (n) {
        q->head = n->next;
        if (!q->head)
            q->tail = NULL;
        q->n--;
    } else if (q->closed) {
        hr = HCS_ERR_HANDLE;
    } else {
        hr = HCS_ERR_OPERATION_TIMEOUT;
    }
    hcsi_mutex_unlock(&q->m);
    hcsi_obj_unref(&q->base);
    if (n) {
        *out = n->e;
        free(n);
        return HCS_S_OK;
    }
    if (hr == HCS_ERR_HANDLE)
        return hcsi_err(hr, "events: the queue was closed");
    return hcsi_err(hr, "events: no event within %lld ms",
                    (long long)(timeout_ms == HCS_TIMEOUT_DEFAULT ? HCS_DEFAULT_TIMEOUT_MS
                                                                  : timeout_ms));
}

/* The events q holds now, or (dropped) has dropped so far, read under its
 * lock; 0 for NULL. */
static uint64_t events_count(hcs_events *q, int dropped)
{
    uint64_t n;
    if (!q)
        return 0;
    hcsi_mutex_lock(&q->m);
    n = dropped ? q->dropped : (uint64_t)q->n;
    hcsi_mutex_unlock(&q->m);
    return n;
}

size_t hcsi_events_pending(hcs_events *q) { return (size_t)events_count(q, 0); }

uint64_t hcsi_events_dropped(hcs_events *q) { return events_count(q, 1); }

void hcsi_events_close(hcs_events *q)
{
    if (!q)
        return;
    hcsi_mutex_lock(&q->m);
    q->closed = 1;
    hcsi_cond_broadcast(&q->c);
    hcsi_mutex_unlock(&q->m);
    hcsi_obj_unregister(&q->base);
    hcsi_obj_unref(&q->base);
}

/* ---- errors ---- */

int hcsi_core_is_not_found(hcs_result hr)
{
    return hr == HCS_ERR_SYSTEM_NOT_FOUND || hr == HCS_ERR_VMCOMPUTE_SYSTEM_NOT_FOUND;
}

int hcsi_core_is_gone(hcs_result hr)
{
    return hr == HCS_ERR_PROCESS_ALREADY_STOPPED || hr == HCS_ERR_SYSTEM_ALREADY_STOPPED ||
           hr == HCS_ERR_VMCOMPUTE_SYSTEM_ALREADY_STOPPED || hr == HCS_ERR_WIN32_NOT_FOUND ||
           hcsi_core_is_not_found(hr);
}

int hcsi_core_is_already_stopped(hcs_result hr)
{
    /* hcsshim v2/process.go Kill: TerminateProcess on a process that has
     * ended fails with ERROR_ACCESS_DENIED (Win32 TerminateProcess remarks),
     * and processSignalResult takes ERROR_VMCOMPUTE_INVALID_STATE, "system
     * does not exist" and "element not found" as "not delivered, no error" */
    return hcsi_core_is_gone(hr) || hr == HCS_ERR_ACCESSDENIED ||
           hr == HCS_ERR_VMCOMPUTE_INVALID_STATE;
}

int hcsi_core_is_stop_done(hcs_result hr)
{
    /* hcsshim v2/system.go Shutdown / Terminate: nil for "already stopped",
     * "does not exist" and ERROR_VMCOMPUTE_OPERATION_PENDING (a stop is
     * already under way) */
    return hr == HCS_ERR_SYSTEM_ALREADY_STOPPED || hr == HCS_ERR_VMCOMPUTE_SYSTEM_ALREADY_STOPPED ||
           hcsi_core_is_not_found(hr) || hr == HCS_ERR_VMCOMPUTE_OPERATION_PENDING;
}

int hcsi_core_is_timeout(hcs_result hr)
{
    /* HCS_E_OPERATION_TIMEOUT is the only code an operation wait returns when
     * the time ran out (hcs-api.md §6). ERROR_VMCOMPUTE_TIMEOUT (0xC0370109,
     * "no response from the VM or container") is an outcome the operation
     * completed with: hcsshim's v2 system.go / process.go pass it on as the
     * operation's error and never cancel over it. */
    return hr == HCS_ERR_OPERATION_TIMEOUT;
}

int hcsi_core_is_exit_timeout(hcs_result hr)
{
    /* the exit waits may also answer HRESULT_FROM_WIN32(WAIT_TIMEOUT) */
    return hr == HCS_ERR_OPERATION_TIMEOUT || hr == HCS_ERR_WIN32_WAIT_TIMEOUT;
}

/* Appends ", <what> <value>" for a string or integer member. */
static void append_member(hcsi_buf *b, const hcsi_json *o, const char *key,
                          const char *label, int *first)
{
    hcsi_json *v = hcsi_json_get(o, key);
    hcsi_json_kind k = hcsi_json_kind_of(v);
    if (k != HCSI_JSON_STRING && k != HCSI_JSON_INT)
        return;
    if (k == HCSI_JSON_STRING && !*hcsi_json_str(v, NULL))
        return;
    (void)hcsi_buf_puts(b, *first ? " (" : ", ");
    *first = 0;
    if (k == HCSI_JSON_STRING)
        (void)hcsi_buf_printf(b, "%s %s", label, hcsi_json_str(v, NULL));
    else
        (void)hcsi_buf_printf(b, "%s %lld", label, (long long)hcsi_json_i64(v));
}

/* Appends "; event: <Message> (provider .., event id .., source ..)" per
 * object of a ResultError's ErrorEvents. */
static void append_events(hcsi_buf *b, const hcsi_json *root)
{
    hcsi_json *events = hcsi_json_get(root, "ErrorEvents");
    size_t i, n = hcsi_json_kind_of(events) == HCSI_JSON_ARRAY ? hcsi_json_array_len(events) : 0;
    for (i = 0; i < n; i++) {
        hcsi_json *ev = hcsi_json_array_at(events, i);
        hcsi_json *m;
        int first = 1;
        if (hcsi_json_kind_of(ev) != HCSI_JSON_OBJECT)
            continue;
        m = hcsi_json_get(ev, "Message");
        (void)hcsi_buf_printf(b, "; event: %s",
                              hcsi_json_kind_of(m) == HCSI_JSON_STRING
                                  ? hcsi_json_str(m, NULL) : "(no message)");
        append_member(b, ev, "Provider", "provider", &first);
        append_member(b, ev, "EventId", "event id", &first);
        append_member(b, ev, "Source", "source", &first);
        if (!first)
            (void)hcsi_buf_putc(b, ')');
    }
}

hcs_result hcsi_fail_doc(int kind, hcs_result hr, const char *doc, const char *fmt, ...)
{
    /* the message of computecore's ResultError; of an HCN error record */
    static const char *const k_hcs_keys[] = {"ErrorMessage"};
    static const char *const k_hcn_keys[] = {"Error", "ErrorMessage", "Message"};
    const char *const *keys = kind == HCSI_FAIL_HCN ? k_hcn_keys : k_hcs_keys;
    size_t nkeys = kind == HCSI_FAIL_HCN ? HCSI_ARRAY_LEN(k_hcn_keys) : 1, i;
    va_list ap;
    hcsi_buf b;
    hcsi_json *root = NULL;
    const char *text = NULL, *name = hcs_hresult_name(hr);
    char *msg;
    int has_doc = doc && *doc;
    hcsi_buf_init(&b, 0);
    va_start(ap, fmt);
    msg = hcsi_vasprintf(fmt, ap);
    va_end(ap);
    if (msg) {
        (void)hcsi_buf_puts(&b, msg);
        (void)hcsi_buf_puts(&b, ": ");
        free(msg);
    }
    if (has_doc) {
        if (HCS_SUCCEEDED(hcsi_json_parse(doc, strlen(doc),
                                          kind == HCSI_FAIL_HCN ? "error record"
                                                                : "result document",
                                          &root)) &&
            hcsi_json_kind_of(root) == HCSI_JSON_OBJECT) {
            for (i = 0; i < nkeys && !text; i++) {
                hcsi_json *m = hcsi_json_get(root, keys[i]);
                if (hcsi_json_kind_of(m) == HCSI_JSON_STRING && *hcsi_json_str(m, NULL))
                    text = hcsi_json_str(m, NULL);
            }
        } else if (!root && kind == HCSI_FAIL_HCN) {
            text = doc; /* not JSON: HNS's text as is */
        }
        hcs_error_clear();
    }
    (void)hcsi_buf_puts(&b, text ? text : hcs_strerror(hr));
    (void)hcsi_buf_printf(&b, " (%s%s0x%08lX)", name ? name : "", name ? " " : "",
                          (unsigned long)(uint32_t)hr);
    if (kind == HCSI_FAIL_HCS && hcsi_json_kind_of(root) == HCSI_JSON_OBJECT)
        append_events(&b, root);
    hcsi_json_put(root);
    msg = hcsi_buf_steal(&b, NULL);
    hcsi_buf_free(&b);
    if (!msg) {
        (void)hcsi_err_oom();
        return hr;
    }
    (void)hcsi_err_detail(hr, has_doc ? doc : NULL, "%s", msg);
    free(msg);
    return hr;
}

int hcsi_core_parse_last_wait_result(const char *status_json, uint32_t *last_wait)
{
    hcsi_json *root = NULL;
    int64_t v = 0;
    int r = 0;
    if (!status_json || !*status_json ||
        HCS_FAILED(hcsi_json_parse(status_json, strlen(status_json), "ProcessStatus", &root)))
        return 0;
    if (hcsi_json_kind_of(root) == HCSI_JSON_OBJECT)
        r = hcsi_json_get_i64(root, "ProcessStatus", "LastWaitResult", &v);
    hcsi_json_put(root);
    if (r == 1 && last_wait)
        *last_wait = (uint32_t)v;
    hcs_error_clear();
    return r == 1;
}

int hcsi_core_parse_exit_code(const char *status_json, uint32_t *code)
{
    hcsi_json *root = NULL;
    int64_t v = 0;
    int r;
    if (!status_json || !*status_json)
        return 0;
    if (HCS_FAILED(hcsi_json_parse(status_json, strlen(status_json), "ProcessStatus",
                                   &root)))
        return 0;
    if (hcsi_json_kind_of(root) != HCSI_JSON_OBJECT) {
        hcsi_json_put(root);
        return 0;
    }
    r = hcsi_json_get_i64(root, "ProcessStatus", "ExitCode", &v);
    hcsi_json_put(root);
    if (r == 1) {
        if (v < INT32_MIN || v > (int64_t)UINT32_MAX)
            return -1;
        if (code)
            *code = (uint32_t)v; /* NTSTATUS codes arrive signed or unsigned */
    }
    return r;
}

char *hcsi_core_command_line(const char *params_json)
{
    hcsi_json *root = NULL, *args = NULL;
    const char *cl = NULL;
    char *out = NULL;
    if (!params_json ||
        HCS_FAILED(hcsi_json_parse(params_json, strlen(params_json), "ProcessParameters",
                                   &root)))
        return NULL;
    if (hcsi_json_kind_of(root) == HCSI_JSON_OBJECT) {
        if (hcsi_json_get_str(root, "ProcessParameters", "CommandLine", &cl, NULL) == 1 &&
            *cl) {
            out = hcsi_strdup(cl);
        } else if (hcsi_json_get_arr(root, "ProcessParameters", "CommandArgs", &args) == 1) {
            hcsi_buf b;
            size_t i, n = hcsi_json_array_len(args);
            hcsi_buf_init(&b, 0);
            for (i = 0; i < n; i++) {
                hcsi_json *a = hcsi_json_array_at(args, i);
                if (hcsi_json_kind_of(a) != HCSI_JSON_STRING)
                    continue;
                if (b.len)
                    (void)hcsi_buf_putc(&b, ' ');
                (void)hcsi_buf_puts(&b, hcsi_json_str(a, NULL));
            }
            out = b.len ? hcsi_buf_steal(&b, NULL) : NULL;
            hcsi_buf_free(&b);
        }
    }
    hcsi_json_put(root);
    hcs_error_clear();
    return out;
}

uint32_t hcsi_core_timeout_dword(int64_t timeout_ms)
{
    if (timeout_ms == HCS_TIMEOUT_INFINITE)
        return 0xFFFFFFFFu;
    if (timeout_ms < 0)
        return HCS_DEFAULT_TIMEOUT_MS;
    if (timeout_ms >= 0xFFFFFFFFll)
        return 0xFFFFFFFEu;
    return (uint32_t)timeout_ms;
}
