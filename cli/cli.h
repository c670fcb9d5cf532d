/* hcsctl internals: the command table, output helpers, exit codes.
 * hcsctl is a thin layer over libhcs's public API. */
#ifndef HCSCTL_CLI_H
#define HCSCTL_CLI_H

#include <stdio.h>

#include "hcs.h"

/* Stable exit codes (docs/hcsctl.md). */
enum {
    HCSCTL_EXIT_OK = 0,      /* success */
    HCSCTL_EXIT_FAILED = 1,  /* the operation failed (libhcs/HCS/guest error) */
    HCSCTL_EXIT_USAGE = 2,   /* bad command line or malformed input */
    HCSCTL_EXIT_BRIDGE = 125 /* gcs run: hcsctl or the bridge failed */
};

typedef struct hcsctl_ctx {
    int json; /* --json: machine-readable output */
    const char *prog;
} hcsctl_ctx;

typedef struct hcsctl_command {
    const char *name;
    const char *summary;
    int (*run)(hcsctl_ctx *ctx, int argc, char **argv);
    void (*help)(FILE *out);
} hcsctl_command;

/* Commands (one file each). */
int hcsctl_cmd_hresult(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_hresult(FILE *out);
int hcsctl_cmd_gcs(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_gcs(FILE *out);
int hcsctl_cmd_schema(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_schema(FILE *out);
/* Compute systems (cmd_compute.c; Windows). */
int hcsctl_cmd_list(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_list(FILE *out);
int hcsctl_cmd_props(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_props(FILE *out);
int hcsctl_cmd_create(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_create(FILE *out);
int hcsctl_cmd_start(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_start(FILE *out);
int hcsctl_cmd_shutdown(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_shutdown(FILE *out);
int hcsctl_cmd_terminate(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_terminate(FILE *out);
int hcsctl_cmd_kill(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_kill(FILE *out);
int hcsctl_cmd_pause(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_pause(FILE *out);
int hcsctl_cmd_resume(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_resume(FILE *out);
int hcsctl_cmd_crash(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_crash(FILE *out);
int hcsctl_cmd_save(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_save(FILE *out);
int hcsctl_cmd_modify(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_modify(FILE *out);
int hcsctl_cmd_wait(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_wait(FILE *out);
int hcsctl_cmd_events(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_events(FILE *out);
int hcsctl_cmd_exec(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_exec(FILE *out);
int hcsctl_cmd_features(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_features(FILE *out);
/* hcsctl uvm run (cmd_uvm.c; Windows). */
int hcsctl_cmd_uvm(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_uvm(FILE *out);
/* A Windows command line from argv (CommandLineToArgvW quoting); malloc'ed. */
char *hcsctl_windows_command_line(char **argv, int n);
int hcsctl_cmd_version(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_version(FILE *out);

/* Prints "hcsctl: <message>" for the thread's last libhcs error (or
 * fallback) to stderr and returns HCSCTL_EXIT_FAILED. */
int hcsctl_fail(const char *what, hcs_result hr);
/* Prints "hcsctl: <message>" and a hint to stderr; returns EXIT_USAGE. */
int hcsctl_usage_error(const char *fmt, ...);
/* 1 when arg is -h or --help. */
int hcsctl_is_help(const char *arg);

/* JSON output helper: writes s as a JSON string literal. */
void hcsctl_json_string(FILE *out, const char *s);

#endif /* HCSCTL_CLI_H */
