/* hcsctl's option parser (cli/opt.c): the rules every command shares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "opt.h"

/* The two helpers opt.c uses from main.c, recording instead of printing. */
static char g_err[512];
static int g_helped;

int hcsctl_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_err, sizeof g_err, fmt, ap);
    va_end(ap);
    return HCSCTL_EXIT_USAGE;
}

int hcsctl_is_help(const char *arg) { return !strcmp(arg, "-h") || !strcmp(arg, "--help"); }

static void help(FILE *out) { (void)out; g_helped++; }

typedef struct fixture {
    int flag;
    const char *str, *os;
    int64_t ms;
    long n;
    const char *items[2];
    hcsctl_opt_list list;
    hcsctl_opt t[6];
    hcsctl_args a;
} fixture;

static void setup(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->ms = -5;
    f->list.items = f->items;
    f->list.max = 2;
    f->t[0] = (hcsctl_opt){"--flag", HCSCTL_OPT_FLAG, &f->flag, NULL, 0, 0, NULL, NULL, 0};
    f->t[1] = (hcsctl_opt){"--str", HCSCTL_OPT_STRING, &f->str, NULL, 0, 0, NULL, NULL, 0};
    f->t[2] = (hcsctl_opt){"--os", HCSCTL_OPT_CHOICE, &f->os, "linux|windows", 0, 0, NULL, NULL, 0};
    f->t[3] = (hcsctl_opt){"--timeout", HCSCTL_OPT_SECONDS, &f->ms, NULL, 1, 60, NULL, NULL, 0};
    f->t[4] = (hcsctl_opt){"--n", HCSCTL_OPT_INT, &f->n, NULL, -3, 3, NULL, NULL, 0};
    f->t[5] = (hcsctl_opt){"--env", HCSCTL_OPT_LIST, &f->list, NULL, 0, 0, hcsctl_check_key_value,
                           NULL, 0};
    f->a.cmd = "t";
    f->a.help = help;
    f->a.opts = f->t;
    f->a.nopts = 6;
    f->a.max_pos = 2;
    f->a.min_pos = 1;
    f->a.pos_names = "ID PATH";
    f->a.rest = 1;
    g_err[0] = 0;
    g_helped = 0;
}

static int parse(fixture *f, int argc, char **argv) { return hcsctl_opt_parse(&f->a, argc, argv, 1); }

static void test_values_and_positionals(void **state)
{
    fixture f;
    char *argv[] = {"t", "--str", "a b", "id", "--timeout=1.5", "--flag", "--os", "windows",
                    "-", "--env", "K=V", "--n", "-3", "--", "--not-an-option", "x"};
    (void)state;
    setup(&f);
    assert_int_equal(parse(&f, 16, argv), 0);
    assert_int_equal(f.flag, 1);
    assert_string_equal(f.str, "a b");
    assert_string_equal(f.os, "windows");
    assert_int_equal(f.ms, 1500);
    assert_int_equal(f.n, -3);
    assert_int_equal(f.list.n, 1);
    assert_string_equal(f.items[0], "K=V");
    /* positionals moved to the front, in order; "-" is one */
    assert_int_equal(f.a.npos, 2);
    assert_string_equal(f.a.pos[0], "id");
    assert_string_equal(f.a.pos[1], "-");
    assert_int_equal(f.a.nrest, 2);
    assert_string_equal(f.a.argv_rest[0], "--not-an-option");
}

static void test_errors(void **state)
{
    static const struct {
        int argc;
        const char *argv[4];
        const char *err;
    } cases[] = {
        {3, {"t", "id", "--frob"}, "t: unknown option \"--frob\" (see hcsctl t --help)"},
        {3, {"t", "id", "--frob=1"}, "t: unknown option \"--frob\""},
        {3, {"t", "id", "--str"}, "t: --str needs a value"},
        {3, {"t", "id", "--flag=1"}, "t: --flag takes no value"},
        {3, {"t", "id", "--os=bsd"}, "t: --os \"bsd\" is not one of linux|windows"},
        {3, {"t", "id", "--timeout=0"}, "t: --timeout \"0\" is not 1..60 seconds"},
        {3, {"t", "id", "--timeout=1s"}, "t: --timeout \"1s\" is not 1..60 seconds"},
        {3, {"t", "id", "--n=4"}, "t: --n \"4\" is not an integer in -3..3"},
        {3, {"t", "id", "--env=K"}, "t: --env \"K\" is not KEY=VALUE"},
        {4, {"t", "a", "b", "c"}, "t: unexpected argument \"c\""},
        {2, {"t", "-x"}, "t: unknown option \"-x\""},
        {1, {"t"}, "t: missing ID (see hcsctl t --help)"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        char *argv[4];
        memcpy(argv, cases[i].argv, sizeof argv);
        setup(&f);
        assert_int_equal(parse(&f, cases[i].argc, argv), HCSCTL_EXIT_USAGE);
        if (!strstr(g_err, cases[i].err))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, g_err, cases[i].err);
    }
}

static void test_list_limit_help_and_rest(void **state)
{
    fixture f;
    char *a1[] = {"t", "id", "--env", "A=1", "--env", "B=2", "--env", "C=3"};
    char *a2[] = {"t", "--str", "x", "--help", "--frob"};
    char *a3[] = {"t", "id", "--"};
    (void)state;
    setup(&f);
    assert_int_equal(parse(&f, 8, a1), HCSCTL_EXIT_USAGE);
    assert_non_null(strstr(g_err, "more than 2 --env options"));
    setup(&f);
    assert_int_equal(parse(&f, 5, a2), -1); /* help wins, nothing after it is read */
    assert_int_equal(g_helped, 1);
    setup(&f);
    f.a.rest = 2;
    assert_int_equal(parse(&f, 3, a3), HCSCTL_EXIT_USAGE);
    assert_non_null(strstr(g_err, "missing \"-- COMMAND [ARGS...]\""));
    setup(&f);
    f.a.rest = 0;
    assert_int_equal(parse(&f, 3, a3), HCSCTL_EXIT_USAGE);
    assert_non_null(strstr(g_err, "unexpected \"--\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_positionals),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_list_limit_help_and_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
