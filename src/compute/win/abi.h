/*
 * Our own declarations of the computecore.dll ABI (Windows only; private).
 *
 * The library never includes the SDK's computecore.h / computedefs.h:
 * mingw-w64 10 lacks 8 of the 60 functions and several types
 * (HCS_OPERATION_OPTIONS, HCS_RESOURCE_TYPE, the event groups), and a newer
 * SDK must not be able to clash with us. Everything here has an HCSI_CC_
 * name with the SDK's layout (shared/docs/hcs-api.md section 2):
 *   - handles are pointers to the SDK's DECLARE_HANDLE struct tags, so they
 *     are the very same types as HCS_OPERATION & co.;
 *   - enums are 32-bit integers;
 *   - structs are declared field by field.
 *
 * HCSI_CC_SDK_TYPES (defined by the test-double DLL, which also includes the
 * SDK header) maps the types onto the SDK's own ones, so that redeclaring
 * every function from compute/funcs.h is checked by the compiler against the
 * SDK's prototypes; the double also asserts the struct layouts below equal
 * the SDK's.
 */
#ifndef HCS_CORE_CC_DECLS_H
#define HCS_CORE_CC_DECLS_H

#include <windows.h>

struct HCS_OPERATION__;
struct HCS_SYSTEM__;
struct HCS_PROCESS__;

/* The struct layouts, always under our names. */
struct hcsi_cc_event {
    UINT32 Type;            /* HCS_EVENT_TYPE */
    PCWSTR EventData;
    struct HCS_OPERATION__ *Operation;
};

struct hcsi_cc_process_information {
    DWORD ProcessId;
    DWORD Reserved;
    HANDLE StdInput;
    HANDLE StdOutput;
    HANDLE StdError;
};

typedef void(CALLBACK *hcsi_cc_event_callback_fn)(struct hcsi_cc_event *event,
                                                  void *context);

struct hcsi_cc_create_options_1 {
    INT32 Version;          /* HCSI_CC_CREATE_OPTIONS_VERSION_1 */
    HANDLE UserToken;
    SECURITY_DESCRIPTOR *SecurityDescriptor;
    INT32 CallbackOptions;  /* HCS_EVENT_OPTIONS */
    void *CallbackContext;
    hcsi_cc_event_callback_fn Callback;
};

#define HCSI_CC_CREATE_OPTIONS_VERSION_1 0x00010000
#define HCSI_CC_INVALID_OPERATION_ID ((UINT64)-1)

/* Newer types the mingw-w64 10 headers lack: always ours. */
typedef INT32 HCSI_CC_OPERATION_OPTIONS;
typedef INT32 HCSI_CC_RESOURCE_TYPE;

#ifdef HCSI_CC_SDK_TYPES
typedef HCS_OPERATION HCSI_CC_OPERATION;
typedef HCS_SYSTEM HCSI_CC_SYSTEM;
typedef HCS_PROCESS HCSI_CC_PROCESS;
typedef HCS_OPERATION_TYPE HCSI_CC_OPERATION_TYPE;
typedef HCS_EVENT_OPTIONS HCSI_CC_EVENT_OPTIONS;
typedef HCS_EVENT HCSI_CC_EVENT;
typedef HCS_PROCESS_INFORMATION HCSI_CC_PROCESS_INFORMATION;
typedef HCS_CREATE_OPTIONS HCSI_CC_CREATE_OPTIONS;
typedef HCS_OPERATION_COMPLETION HCSI_CC_OPERATION_COMPLETION;
typedef HCS_EVENT_CALLBACK HCSI_CC_EVENT_CALLBACK;
#else
typedef struct HCS_OPERATION__ *HCSI_CC_OPERATION;
typedef struct HCS_SYSTEM__ *HCSI_CC_SYSTEM;
typedef struct HCS_PROCESS__ *HCSI_CC_PROCESS;
typedef INT32 HCSI_CC_OPERATION_TYPE;
typedef INT32 HCSI_CC_EVENT_OPTIONS;
typedef struct hcsi_cc_event HCSI_CC_EVENT;
typedef struct hcsi_cc_process_information HCSI_CC_PROCESS_INFORMATION;
typedef INT32 HCSI_CC_CREATE_OPTIONS; /* points at an ..._OPTIONS_1 */
typedef void(CALLBACK *HCSI_CC_OPERATION_COMPLETION)(HCSI_CC_OPERATION operation,
                                                     void *context);
typedef hcsi_cc_event_callback_fn HCSI_CC_EVENT_CALLBACK;
#endif

#include "compute/funcs.h"

/* The function-pointer types: hcsi_cc_pfn_HcsCreateOperation, ... */
#define HCSI_CC_PFN_TYPEDEF(ret, name, params)                                \
    typedef ret(WINAPI *hcsi_cc_pfn_##name) params;
HCSI_CC_FUNCS(HCSI_CC_PFN_TYPEDEF)
#undef HCSI_CC_PFN_TYPEDEF

#endif /* HCS_CORE_CC_DECLS_H */
