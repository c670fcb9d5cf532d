/* hcsctl's one option parser (opt.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opt.h"

const char *hcsctl_check_key_value(const char *v)
{
    return strchr(v, '=') && v[0] != '=' ? NULL : "KEY=VALUE";
}

const char *hcsctl_check_absolute(const char *v)
{
#ifdef _WIN32
    if ((v[0] && v[1] == ':' && (v[2] == '\\' || v[2] == '/')) || v[0] == '\\')
        return NULL;
#endif
    return v[0] == '/' ? NULL : "an absolute path";
}

static const hcsctl_opt *find(const hcsctl_args *a, const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < a->nopts; i++)
        if (strlen(a->opts[i].name) == len && strncmp(a->opts[i].name, name, len) == 0)
            return &a->opts[i];
    return NULL;
}

static int takes_value(const hcsctl_opt *o)
{
    return o->kind == HCSCTL_OPT_CALL ? o->takes_value : o->kind != HCSCTL_OPT_FLAG;
}

static int bad_value(const hcsctl_args *a, const hcsctl_opt *o, const char *v, const char *want)
{
    return hcsctl_usage_error("%s: %s \"%s\" is not %s", a->cmd, o->name, v, want);
}

/* "a|b|c" holds v. */
static int one_of(const char *choices, const char *v)
{
    size_t n = strlen(v);
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0)
            return 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    return 0;
}

static int apply(hcsctl_args *a, const hcsctl_opt *o, const char *v)
{
    const char *why;
    char *end = NULL;
    char want[128];
    switch (o->kind) {
    case HCSCTL_OPT_FLAG:
        *(int *)o->dest = 1;
        return 0;
    case HCSCTL_OPT_STRING:
        if (o->check && (why = o->check(v)) != NULL)
            return bad_value(a, o, v, why);
        *(const char **)o->dest = v;
        return 0;
    case HCSCTL_OPT_CHOICE:
        if (!one_of(o->choices, v)) {
            snprintf(want, sizeof want, "one of %s", o->choices);
            return bad_value(a, o, v, want);
        }
        *(const char **)o->dest = v;
        return 0;
    case HCSCTL_OPT_SECONDS: {
        double s = strtod(v, &end);
        if (!*v || *end || !(s >= o->min && s <= o->max)) {
            snprintf(want, sizeof want, "%.10g..%.10g seconds", o->min, o->max);
            return bad_value(a, o, v, want);
        }
        *(int64_t *)o->dest = (int64_t)(s * 1000.0);
        return 0;
    }
    case HCSCTL_OPT_INT: {
        long n = strtol(v, &end, 10);
        if (!*v || *end || (double)n < o->min || (double)n > o->max) {
            snprintf(want, sizeof want, "an integer in %.0f..%.0f", o->min, o->max);
            return bad_value(a, o, v, want);
        }
        *(long *)o->dest = n;
        return 0;
    }
    case HCSCTL_OPT_LIST: {
        hcsctl_opt_list *l = (hcsctl_opt_list *)o->dest;
        if (o->check && (why = o->check(v)) != NULL)
            return bad_value(a, o, v, why);
        if (l->n >= l->max)
            return hcsctl_usage_error("%s: more than %d %s options", a->cmd, l->max, o->name);
        l->items[l->n++] = v;
        return 0;
    }
    case HCSCTL_OPT_CALL:
        return o->call(a->ctx, o->name, v);
    }
    return HCSCTL_EXIT_USAGE;
}

void hcsctl_args_init(hcsctl_args *a, const char *cmd, void (*help)(FILE *out),
                      const hcsctl_opt *opts, size_t nopts)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->help = help;
    a->opts = opts;
    a->nopts = nopts;
}

int hcsctl_opt_parse(hcsctl_args *a, int argc, char **argv, int first)
{
    int i, rc;
    a->pos = argv + first;
    a->npos = 0;
    a->argv_rest = NULL;
    a->nrest = 0;
    for (i = first; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq, *v;
        const hcsctl_opt *o;
        size_t len;
        if (hcsctl_is_help(arg)) {
            if (a->help_with)
                a->help_with(a->help_arg, stdout);
            else if (a->help)
                a->help(stdout);
            return -1;
        }
        if (strcmp(arg, "--") == 0) {
            if (!a->rest)
                return hcsctl_usage_error("%s: unexpected \"--\" (see hcsctl %s --help)", a->cmd,
                                          a->cmd);
            a->argv_rest = argv + i + 1;
            a->nrest = argc - i - 1;
            break;
        }
        /* "-" (stdin) and negative numbers are arguments, not options */
        if (arg[0] != '-' || arg[1] == '\0' || (arg[1] >= '0' && arg[1] <= '9')) {
            if (a->npos >= a->max_pos)
                return hcsctl_usage_error("%s: unexpected argument \"%s\" (see hcsctl %s --help)",
                                          a->cmd, arg, a->cmd);
            a->pos[a->npos++] = argv[i]; /* never past i: nothing unread is overwritten */
            continue;
        }
        eq = arg[1] == '-' ? strchr(arg, '=') : NULL;
        len = eq ? (size_t)(eq - arg) : strlen(arg);
        o = arg[1] == '-' ? find(a, arg, len) : NULL;
        if (!o)
            return hcsctl_usage_error("%s: unknown option \"%.*s\" (see hcsctl %s --help)", a->cmd,
                                      (int)len, arg, a->cmd);
        if (!takes_value(o)) {
            if (eq)
                return hcsctl_usage_error("%s: %s takes no value", a->cmd, o->name);
            v = NULL;
        } else if (eq) {
            v = eq + 1;
        } else {
            if (i + 1 >= argc)
                return hcsctl_usage_error("%s: %s needs a value (see hcsctl %s --help)", a->cmd,
                                          o->name, a->cmd);
            v = argv[++i];
        }
        rc = apply(a, o, v);
        if (rc)
            return rc;
    }
    if (a->npos < a->min_pos) {
        /* the first missing one of pos_names ("ID PATH": "missing PATH") */
        const char *w = a->pos_names ? a->pos_names : "argument";
        int k;
        size_t len;
        for (k = 0; k < a->npos && strchr(w, ' '); k++)
            w = strchr(w, ' ') + 1;
        len = strchr(w, ' ') ? (size_t)(strchr(w, ' ') - w) : strlen(w);
        return hcsctl_usage_error("%s: missing %.*s (see hcsctl %s --help)", a->cmd, (int)len,
                                  w, a->cmd);
    }
    if (a->rest == 2 && a->nrest <= 0)
        return hcsctl_usage_error("%s: missing \"-- %s\"", a->cmd,
                                  a->rest_names ? a->rest_names : "COMMAND [ARGS...]");
    return 0;
}
