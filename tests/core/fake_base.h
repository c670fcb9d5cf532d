/*
 * What the test doubles of computenetwork.dll, computestorage.dll and
 * vmdevicehost.dll share (fake_base.c is compiled into each): the call log,
 * scripted steps, the strings handed out, violations, and the exported
 * control surface the contract suites resolve with GetProcAddress (the
 * same names as fake_computecore's, see fake_control.h):
 *   FakeReset FakePush FakeCallCount FakeCall FakeFind FakeCount
 *   FakeViolations FakeLiveHandles FakeStrings
 * A step's call_hr is what the next call of its function returns (its
 * result_doc the error record / output it hands out, when it has one).
 */
#ifndef FAKE_BASE_H
#define FAKE_BASE_H

#include <windows.h>
#include <objbase.h>

#include "fake_control.h"

#define FAKE_API __declspec(dllexport)

/* The allocator a handed-out string came from (FakeStrings reports the
 * pointer; FakeStringAlloc(i) the allocator). */
enum { FK_LOCAL = 1, FK_COTASK = 2 };

void fk_lock(void);
void fk_unlock(void);
/* size zeroed bytes; a double has no out-of-memory behaviour to play, so
 * it aborts instead. */
void *fk_alloc(size_t size);
/* A new log entry for fn; fill it, then fk_commit. */
fake_call *fk_rec(const char *fn);
/* The same with its first handle / pointer arguments h[0..2] (FK_H). */
#define FK_H(p) ((uint64_t)(uintptr_t)(p))
fake_call *fk_rec_h(const char *fn, uint64_t h0, uint64_t h1, uint64_t h2);
void fk_str(fake_call *c, int i, PCWSTR w);
void fk_commit(fake_call *c);
/* The next scripted step of fn (0 when none: *s zeroed). */
int fk_step(const char *fn, fake_step *s);
/* Commits c and answers with its function's next step: its call_hr (S_OK
 * when none is scripted). */
HRESULT fk_answer(fake_call *c);
void fk_violation(const char *fmt, ...);
/* A UTF-16 copy of utf8 from the allocator, recorded (NULL for NULL). */
PWSTR fk_out(const char *utf8, int alloc);
/* Records a non-string allocation handed out (freed by the caller with
 * the DLL's own free function: fk_forget when it is). */
void fk_handed(void *p, int alloc);
int fk_forget(void *p);
/* UTF-16 -> UTF-8 (malloc'ed). */
char *fk_u8(PCWSTR w);
/* Live handle accounting. */
void fk_live(int delta);
/* Called by FakeReset (each double defines it: forget its world). */
void fk_world_reset(void);

#endif /* FAKE_BASE_H */
