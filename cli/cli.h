/* hcsctl internals: the command table, output helpers, exit codes.
 * hcsctl is a thin layer over libhcs's public API. */
#ifndef HCSCTL_CLI_H
#define HCSCTL_CLI_H

#include <stdint.h>
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
/* This process's standard stream fd (0, 1, 2) as the handle the relay
 * calls take: GetStdHandle on Windows, the fd itself elsewhere. */
hcs_os_handle hcsctl_std_handle(int fd);
/* A Windows command line from argv (CommandLineToArgvW quoting); malloc'ed. */
char *hcsctl_windows_command_line(char **argv, int n);
/* HCN (cmd_net.c) and container layers (cmd_layer.c); Windows. */
int hcsctl_cmd_net(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_net(FILE *out);
int hcsctl_cmd_endpoint(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_endpoint(FILE *out);
int hcsctl_cmd_namespace(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_namespace(FILE *out);
int hcsctl_cmd_lb(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_lb(FILE *out);
int hcsctl_cmd_layer(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_layer(FILE *out);
int hcsctl_cmd_version(hcsctl_ctx *ctx, int argc, char **argv);
void hcsctl_help_version(FILE *out);

/* Prints "hcsctl: WHAT: <message> (0xHRESULT)" for the thread's last libhcs
 * error (or hr's description) to stderr, the message escaped with
 * hcsctl_text, and returns HCSCTL_EXIT_FAILED. */
int hcsctl_fail(const char *what, hcs_result hr);
/* hcsctl_fail, then with --json the error's detail document (HCS's result
 * document, HCN's error record), escaped: "hcsctl: WHAT: LABEL: <detail>". */
int hcsctl_fail_detail(const hcsctl_ctx *ctx, const char *label, const char *what,
                       hcs_result hr);
/* Prints "hcsctl: <message>" and a hint to stderr; returns EXIT_USAGE. */
int hcsctl_usage_error(const char *fmt, ...);
/* 1 when arg is -h or --help. */
int hcsctl_is_help(const char *arg);

/* Untrusted text (cli/output.c). JSON output: write s (n bytes, NULs
 * included) as a JSON string literal that is always valid JSON: control
 * characters, DEL, C1 and the invisible code points (hcsctl_invisible) as
 * \uXXXX escapes (\u0000 for NUL, a surrogate pair above U+FFFF), each
 * byte that is not UTF-8 as \ufffd. */
void hcsctl_json_string(FILE *out, const char *s);
void hcsctl_json_string_n(FILE *out, const char *s, size_t n);
/* Terminal-safe text for untrusted strings (guest messages, frame bodies):
 * \n \r \t, \xNN for other control characters, DEL and bytes that are
 * not UTF-8, \u00NN for C1 controls, \uXXXX (\UXXXXXXXX above U+FFFF) for
 * the invisible code points; the rest of valid UTF-8 as is. One line, no
 * escape sequences reach the terminal, nothing reorders or hides text. */
void hcsctl_text(FILE *out, const char *s);
void hcsctl_text_n(FILE *out, const char *s, size_t n);
/* 1 for the code points that are escaped although valid and printable:
 * General_Category Cf (bidi controls U+202A-U+202E and U+2066-U+2069,
 * U+061C, U+200B-U+200F, U+2060-U+2064, U+FEFF, U+00AD, tags, ...),
 * Default_Ignorable_Code_Point, U+2028 and U+2029. */
int hcsctl_invisible(uint32_t cp);

/* Reads PATH ("-": stdin, binary) whole, at most max bytes (a longer input
 * is cut at max: compare *len with max). *data is malloc'ed and
 * NUL-terminated. A missing or unreadable file or a directory prints
 * "hcsctl: WHAT: cannot open "PATH": <strerror>" (or "... is a directory",
 * "cannot read ...") and returns HCSCTL_EXIT_USAGE; 0 on success. */
int hcsctl_read_input(const char *what, const char *path, size_t max, char **data,
                      size_t *len);

#endif /* HCSCTL_CLI_H */
