/* Container processes through the bridge: what an init start and an exec
 * may carry (refused locally otherwise), where the terminal and console
 * size are read, and container waits. Against the fake guest. POSIX only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gcs_fake_guest.h"

/* ---- containers: what a container process may carry ---- */

/* Starts cfg expecting a local refusal: nothing may reach the guest. */
static void expect_refused(env *e, const hcs_gcs_process_options *pc, hcs_result code,
                           const char *msg)
{
    hcs_gcs_process *p = (hcs_gcs_process *)1;
    int before = peer_frames(&e->p);
    assert_int_equal(hcs_gcs_process_start(e->b, pc, &p), code);
    gt_expect_msg(msg);
    assert_null(p);
    hcsi_sleep_ms(20);
    assert_int_equal(peer_frames(&e->p), before);
}

static char *oci_process(const char *const *args, int terminal, uint16_t h, uint16_t w)
{
    hcs_gcs_oci_process_options o;
    char *json = NULL;
    hcs_gcs_oci_process_options_init(&o, HCS_GCS_OCI_PROCESS_OPTIONS_VERSION);
    o.args = args;
    o.terminal = terminal;
    o.console_height = h;
    o.console_width = w;
    assert_int_equal(hcs_gcs_encode_oci_process(&o, &json), HCS_S_OK);
    return json;
}

static void test_container_rules(void **s)
{
    env e;
    hcs_gcs_process_options pc;
    static const char *const argv[] = {"echo", NULL};
    static const char *const envv[] = {"A=1", NULL};
    char *oci = oci_process(argv, 0, 0, 0);
    (void)s;
    env_up(&e, 5000);

    /* an exec without its OCI process would be a second init start */
    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.container_id = "c1";
    pc.argv = argv;
    pc.use_stdout = 1;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "container \"c1\": argv set without oci_process_json: a container exec "
                   "needs its OCI process (hcs_gcs_encode_oci_process); only the init start "
                   "takes none");
    pc.argv = NULL;
    pc.env = envv;
    pc.cwd = "/";
    pc.user = "root";
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG, "env, cwd, user set without oci_process_json");

    /* fields the guest ignores next to an OCI process */
    pc.oci_process_json = oci;
    pc.env = NULL;
    pc.user = NULL;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "cwd set next to oci_process_json: a Linux guest ignores them");
    pc.cwd = NULL;
    pc.command_line = "echo";
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG, "command_line set next to oci_process_json");
    pc.command_line = NULL;

    /* ConsoleSize is ignored for container processes */
    pc.tty = 1;
    pc.tty_height = 24;
    pc.tty_width = 80;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "tty_height/tty_width (ProcessParameters.ConsoleSize) are ignored by "
                   "Linux guests for a container process; set consoleSize in the OCI process");
    /* the terminal is set once, in the OCI process */
    pc.tty_height = pc.tty_width = 0;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "tty is set but the OCI process has no \"terminal\":true");
    pc.tty = 0;

    /* the OCI process must be one */
    pc.oci_process_json = "[1]";
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG, "oci_process_json is not a JSON object");
    pc.oci_process_json = "{\"args\":";
    expect_refused(&e, &pc, HCS_ERR_INVALID_JSON, "ExecuteProcess: ");
    pc.oci_process_json = "{\"terminal\":\"yes\"}";
    expect_refused(&e, &pc, HCS_ERR_INVALID_JSON, "terminal");

    /* UVM processes take no OCI process; an empty id is a mistake */
    pc.container_id = NULL;
    pc.oci_process_json = oci;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "oci_process_json is only for a container process");
    pc.container_id = HCS_GCS_NULL_CONTAINER_ID;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "oci_process_json is only for a container process");
    pc.container_id = "";
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG, "container_id is empty");
    assert_true(hcs_gcs_bridge_is_alive(e.b));
    hcs_free(oci);
    env_down(&e);
}

/* The ProcessParameters document of request frame i (inner JSON). */
static hcsi_json *sent_params(env *e, int i)
{
    hcsi_json *req = NULL, *settings = NULL, *pp = NULL;
    const char *pps = NULL;
    assert_int_equal(hcsi_json_parse(e->p.bodies[i], strlen(e->p.bodies[i]), "req", &req), 0);
    assert_int_equal(hcsi_json_get_obj(req, "req", "Settings", &settings), 1);
    assert_int_equal(hcsi_json_get_str(settings, "req", "ProcessParameters", &pps, NULL), 1);
    assert_int_equal(hcsi_json_parse(pps, strlen(pps), "pp", &pp), 0);
    hcsi_json_put(req);
    return pp;
}

/* The ProcessParameters of request frame i ask for a terminal: console
 * emulated, its size not set there, stderr merged into stdout. */
static hcsi_json *sent_tty_params(env *e, int i)
{
    hcsi_json *pp = sent_params(e, i);
    int b = 0;
    assert_int_equal(hcsi_json_get_bool(pp, "pp", "EmulateConsole", &b), 1);
    assert_true(b);
    assert_null(hcsi_json_get(pp, "ConsoleSize"));
    assert_null(hcsi_json_get(pp, "CreateStdErrPipe"));
    return pp;
}

static void test_container_exec_tty(void **s)
{
    env e;
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    static const char *const argv[] = {"echo", NULL};
    char *oci = oci_process(argv, 1, 24, 80);
    hcsi_json *pp, *op = NULL, *size = NULL;
    int b = 0;
    uint32_t u = 0, code = 1;
    char buf[64];
    (void)s;
    env_up(&e, 5000);
    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.container_id = "c1";
    pc.oci_process_json = oci;
    pc.use_stdout = pc.use_stderr = 1; /* tty left 0: it follows the OCI process */
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    pp = sent_tty_params(&e, 1);
    assert_null(hcsi_json_get(pp, "CommandArgs"));
    assert_int_equal(hcsi_json_get_obj(pp, "pp", "OciProcess", &op), 1);
    assert_int_equal(hcsi_json_get_bool(op, "op", "terminal", &b), 1);
    assert_true(b);
    assert_int_equal(hcsi_json_get_obj(op, "op", "consoleSize", &size), 1);
    assert_int_equal(hcsi_json_get_u32(size, "size", "height", &u), 1);
    assert_int_equal(u, 24);
    assert_int_equal(hcsi_json_get_u32(size, "size", "width", &u), 1);
    assert_int_equal(u, 80);
    hcsi_json_put(pp);
    assert_non_null(strstr(e.p.bodies[1], "\"VsockStdioRelaySettings\":{\"StdOut\":1073741825}"));
    read_all(p, 1, buf, sizeof buf);
    assert_string_equal(buf, "hello\n");
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    hcs_gcs_process_close(p);
    hcs_free(oci);
    env_down(&e);
}

static char *lcow_config(const char *id, int terminal)
{
    hcs_gcs_oci_spec_options o;
    static const char *const argv[] = {"init", NULL};
    char *spec = NULL, *config = NULL;
    char bundle[64];
    hcs_gcs_oci_spec_options_init(&o, HCS_GCS_OCI_SPEC_OPTIONS_VERSION);
    o.process.args = argv;
    o.process.terminal = terminal;
    o.container_id = id;
    assert_int_equal(hcs_gcs_encode_oci_spec(&o, &spec), HCS_S_OK);
    snprintf(bundle, sizeof bundle, "/run/gcs/c/%s", id);
    assert_int_equal(hcs_gcs_encode_lcow_container_config(bundle, spec, NULL, &config), 0);
    hcs_free(spec);
    return config;
}

static void test_container_init(void **s)
{
    env e;
    hcs_gcs_process_options pc;
    hcs_gcs_process *p = NULL;
    char *cfg_tty = lcow_config("ctty", 1), *cfg_plain = lcow_config("cplain", 0);
    hcsi_json *pp;
    uint32_t code = 1;
    char buf[16];
    (void)s;
    env_up(&e, 5000);
    assert_int_equal(hcs_gcs_container_create(e.b, "cplain", cfg_plain), 0);
    assert_int_equal(hcs_gcs_container_create(e.b, "ctty", cfg_tty), 0);

    /* the init start of a plain container: hcsshim's exact parameters */
    hcs_gcs_process_options_init(&pc, HCS_GCS_PROCESS_OPTIONS_VERSION);
    pc.container_id = "cplain";
    pc.use_stdin = pc.use_stdout = pc.use_stderr = 1;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    assert_non_null(strstr(e.p.bodies[3],
                           "\"ProcessParameters\":\"{\\\"CreateStdInPipe\\\":true,"
                           "\\\"CreateStdOutPipe\\\":true,\\\"CreateStdErrPipe\\\":true}\""));
    assert_int_equal(hcs_gcs_process_close_stdin(p), 0);
    read_all(p, 1, buf, sizeof buf);
    read_all(p, 2, buf, sizeof buf);
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    hcs_gcs_process_close(p);

    /* tty contradicting the spec is refused */
    pc.tty = 1;
    expect_refused(&e, &pc, HCS_ERR_INVALIDARG,
                   "tty is set but the container's spec has no process.terminal");

    /* a terminal spec: the init start follows it without being told */
    pc.container_id = "ctty";
    pc.tty = 0;
    pc.use_stdin = 0;
    assert_int_equal(hcs_gcs_process_start(e.b, &pc, &p), 0);
    pp = sent_tty_params(&e, 5);
    hcsi_json_put(pp);
    read_all(p, 1, buf, sizeof buf);
    assert_int_equal(hcs_gcs_process_wait(p, 5000, &code), 0);
    hcs_gcs_process_close(p);
    hcs_free(cfg_tty);
    hcs_free(cfg_plain);
    env_down(&e);
}

/* A container wait with the default timeout (on a gt_bg thread). */
typedef struct cwait_arg {
    hcs_gcs_bridge *b;
    const char *id;
    hcs_gcs_notification n;
} cwait_arg;

static hcs_result cwait_main(void *arg)
{
    cwait_arg *a = (cwait_arg *)arg;
    return hcs_gcs_container_wait(a->b, a->id, HCS_TIMEOUT_DEFAULT, &a->n);
}

static void test_container_wait_default_is_forever(void **s)
{
    env e;
    cwait_arg a;
    gt_bg bg;
    (void)s;
    env_up_rpc(&e, 5000, 100); /* RPC timeout 100 ms */
    memset(&a, 0, sizeof a);
    a.b = e.b;
    a.id = "c9";
    assert_int_equal(hcs_gcs_container_create(e.b, a.id, "{}"), 0);
    gt_bg_start(&bg, cwait_main, &a);
    hcsi_sleep_ms(500); /* five RPC timeouts */
    assert_false(gt_bg_done(&bg));
    peer_send(&e.p, HCS_GCS_NOTIFY_CONTAINER, 0,
              "{\"ContainerId\":\"c9\",\"Type\":\"UnexpectedExit\",\"Operation\":\"None\","
              "\"Result\":0}");
    gt_bg_join(&bg);
    assert_int_equal(bg.hr, HCS_S_OK);
    assert_string_equal(a.n.type, "UnexpectedExit");
    hcs_gcs_notification_clear(&a.n);
    env_down(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_container_rules),
        cmocka_unit_test(test_container_exec_tty),
        cmocka_unit_test(test_container_init),
        cmocka_unit_test(test_container_wait_default_is_forever),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
