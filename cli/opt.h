/* hcsctl's one option parser. Every command describes its options in a
 * table and calls hcsctl_opt_parse, so every command reads its command line
 * the same way and says the same words when it is wrong:
 *   - long options only: "--name VALUE" or "--name=VALUE"; flags take no
 *     value ("--tty=1" is an error); -h / --help print the command's help;
 *   - "--" ends the options; for a command that runs a command line, what
 *     follows is that command line;
 *   - anything else not starting with "-" is a positional argument, and
 *     so are "-" alone (stdin) and "-" followed by a digit (a negative
 *     number);
 *   - errors (exit 2): "CMD: unknown option "X" (see hcsctl CMD --help)",
 *     "CMD: X needs a value", "CMD: X takes no value", "CMD: X "V" is not
 *     ...", "CMD: unexpected argument "A"", "CMD: missing WHAT",
 *     "CMD: missing "-- COMMAND [ARGS...]"".
 * Portable (no getopt: the Windows build has none). Values point into argv;
 * like GNU getopt, the parser moves the positional arguments to the front
 * of argv[first..] (a->pos), so there is no limit on how many. */
#ifndef HCSCTL_OPT_H
#define HCSCTL_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum hcsctl_opt_kind {
    HCSCTL_OPT_FLAG,    /* dest int *: set to 1 */
    HCSCTL_OPT_STRING,  /* dest const char **: the value (the last one given) */
    HCSCTL_OPT_CHOICE,  /* dest const char **: one of choices, "linux|windows" */
    HCSCTL_OPT_SECONDS, /* dest int64_t *: milliseconds from decimal seconds in min..max */
    HCSCTL_OPT_INT,     /* dest long *: an integer in min..max */
    HCSCTL_OPT_LIST,    /* dest hcsctl_opt_list *: repeatable, at most its max */
    HCSCTL_OPT_CALL     /* call(ctx, name, value): 0, or the exit code of an error it printed */
} hcsctl_opt_kind;

typedef struct hcsctl_opt_list {
    const char **items; /* caller's array of max entries */
    int n;
    int max;
} hcsctl_opt_list;

typedef struct hcsctl_opt {
    const char *name; /* "--timeout" */
    hcsctl_opt_kind kind;
    void *dest;
    /* CHOICE: "a|b|c". SECONDS / INT: the inclusive range. */
    const char *choices;
    double min, max;
    /* STRING / LIST: a value check; returns NULL when value is fine, else
     * what it should be ("KEY=VALUE", "an absolute directory"). */
    const char *(*check)(const char *value);
    /* CALL: the option's action; takes_value says whether it has a value. */
    int (*call)(void *ctx, const char *name, const char *value);
    int takes_value;
} hcsctl_opt;

/* Table entries (designated, so the rest of each entry is zero). */
#define HCSCTL_FLAG(n, d) {.name = (n), .kind = HCSCTL_OPT_FLAG, .dest = (d)}
#define HCSCTL_STRING(n, d) {.name = (n), .kind = HCSCTL_OPT_STRING, .dest = (d)}
#define HCSCTL_CHOICE(n, d, c) {.name = (n), .kind = HCSCTL_OPT_CHOICE, .dest = (d), .choices = (c)}
#define HCSCTL_SECONDS(n, d, lo, hi)                                                \
    {.name = (n), .kind = HCSCTL_OPT_SECONDS, .dest = (d), .min = (lo), .max = (hi)}
#define HCSCTL_INT(n, d, lo, hi)                                                    \
    {.name = (n), .kind = HCSCTL_OPT_INT, .dest = (d), .min = (lo), .max = (hi)}
#define HCSCTL_LIST(n, d, chk) {.name = (n), .kind = HCSCTL_OPT_LIST, .dest = (d), .check = (chk)}
#define HCSCTL_CALL(n, fn) {.name = (n), .kind = HCSCTL_OPT_CALL, .call = (fn), .takes_value = 1}

/* What a command accepts, and what hcsctl_opt_parse found. */
typedef struct hcsctl_args {
    const char *cmd;          /* "gcs run": the prefix of every message */
    void (*help)(FILE *out);  /* printed for -h / --help, or: */
    void (*help_with)(const void *arg, FILE *out);
    const void *help_arg;
    const hcsctl_opt *opts;
    size_t nopts;
    int min_pos, max_pos;     /* positional arguments */
    const char *pos_names;    /* their names, "ID PATH": "missing PATH" after one */
    int rest;                 /* 0: no "-- ARGS"; 1: allowed; 2: required */
    const char *rest_names;   /* for "missing": "COMMAND [ARGS...]" (default) */
    void *ctx;                /* for CALL options */
    /* out */
    char **pos;               /* the positional arguments, moved to the front of argv */
    int npos;
    char **argv_rest;         /* after "--" */
    int nrest;
} hcsctl_args;

/* a zeroed, then the command name, its help and its option table (opts may
 * be NULL with nopts 0); set the other fields after. */
void hcsctl_args_init(hcsctl_args *a, const char *cmd, void (*help)(FILE *out),
                      const hcsctl_opt *opts, size_t nopts);
#define HCSCTL_NOPTS(t) (sizeof(t) / sizeof((t)[0]))

/* Parses argv[first..argc). Returns 0 when parsed, -1 when help was printed
 * (the command exits 0), else HCSCTL_EXIT_USAGE after printing the error. */
int hcsctl_opt_parse(hcsctl_args *a, int argc, char **argv, int first);

/* Common checks for STRING / LIST options. */
const char *hcsctl_check_key_value(const char *v);  /* KEY=VALUE, KEY not empty */
const char *hcsctl_check_absolute(const char *v);   /* an absolute path */

#endif /* HCSCTL_OPT_H */
