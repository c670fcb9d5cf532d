/*
 * The computecore.dll functions the loader binds, as an X-macro:
 *   X(return type, name, (parameters))
 * The 59 functions of the newest SDK computecore.h (shared/docs/hcs-api.md
 * section 1.3) plus HcsCancelLiveMigration (exported by newer builds, bound
 * by hcsshim, absent from the header). Parameter types are those of
 * compute/win/abi.h (Windows only); portable code only stringifies the names.
 * Order: the SDK header's groups; the index is the function's number in
 * hcs_compute_function_name().
 */
#ifndef HCS_CORE_CC_FUNCS_H
#define HCS_CORE_CC_FUNCS_H

#define HCSI_CC_FUNCS(X)                                                       \
    /* operations (17) */                                                      \
    X(HCSI_CC_OPERATION, HcsCreateOperation,                                   \
      (const void *context, HCSI_CC_OPERATION_COMPLETION callback))            \
    X(HCSI_CC_OPERATION, HcsCreateOperationWithNotifications,                  \
      (HCSI_CC_OPERATION_OPTIONS eventTypes, const void *context,              \
       HCSI_CC_EVENT_CALLBACK callback))                                       \
    X(void, HcsCloseOperation, (HCSI_CC_OPERATION operation))                  \
    X(void *, HcsGetOperationContext, (HCSI_CC_OPERATION operation))           \
    X(HRESULT, HcsSetOperationContext,                                         \
      (HCSI_CC_OPERATION operation, const void *context))                      \
    X(HCSI_CC_SYSTEM, HcsGetComputeSystemFromOperation,                        \
      (HCSI_CC_OPERATION operation))                                           \
    X(HCSI_CC_PROCESS, HcsGetProcessFromOperation,                             \
      (HCSI_CC_OPERATION operation))                                           \
    X(HCSI_CC_OPERATION_TYPE, HcsGetOperationType,                             \
      (HCSI_CC_OPERATION operation))                                           \
    X(UINT64, HcsGetOperationId, (HCSI_CC_OPERATION operation))                \
    X(HRESULT, HcsGetOperationResult,                                          \
      (HCSI_CC_OPERATION operation, PWSTR * resultDocument))                   \
    X(HRESULT, HcsGetOperationResultAndProcessInfo,                            \
      (HCSI_CC_OPERATION operation,                                            \
       HCSI_CC_PROCESS_INFORMATION * processInformation,                       \
       PWSTR * resultDocument))                                                \
    X(HRESULT, HcsAddResourceToOperation,                                      \
      (HCSI_CC_OPERATION operation, HCSI_CC_RESOURCE_TYPE type, PCWSTR uri,    \
       HANDLE handle))                                                         \
    X(HRESULT, HcsWaitForOperationResult,                                      \
      (HCSI_CC_OPERATION operation, DWORD timeoutMs, PWSTR * resultDocument))  \
    X(HRESULT, HcsWaitForOperationResultAndProcessInfo,                        \
      (HCSI_CC_OPERATION operation, DWORD timeoutMs,                           \
       HCSI_CC_PROCESS_INFORMATION * processInformation,                       \
       PWSTR * resultDocument))                                                \
    X(HRESULT, HcsSetOperationCallback,                                        \
      (HCSI_CC_OPERATION operation, const void *context,                       \
       HCSI_CC_OPERATION_COMPLETION callback))                                 \
    X(HRESULT, HcsCancelOperation, (HCSI_CC_OPERATION operation))              \
    X(HRESULT, HcsGetOperationProperties,                                      \
      (HCSI_CC_OPERATION operation, PCWSTR options, PWSTR * resultDocument))   \
    /* enumeration (2) */                                                      \
    X(HRESULT, HcsEnumerateComputeSystems,                                     \
      (PCWSTR query, HCSI_CC_OPERATION operation))                             \
    X(HRESULT, HcsEnumerateComputeSystemsInNamespace,                          \
      (PCWSTR idNamespace, PCWSTR query, HCSI_CC_OPERATION operation))         \
    /* compute systems (16) */                                                 \
    X(HRESULT, HcsCreateComputeSystem,                                         \
      (PCWSTR id, PCWSTR configuration, HCSI_CC_OPERATION operation,           \
       const SECURITY_DESCRIPTOR *securityDescriptor,                          \
       HCSI_CC_SYSTEM *computeSystem))                                         \
    X(HRESULT, HcsCreateComputeSystemInNamespace,                              \
      (PCWSTR idNamespace, PCWSTR id, PCWSTR configuration,                    \
       HCSI_CC_OPERATION operation, const HCSI_CC_CREATE_OPTIONS *options,     \
       HCSI_CC_SYSTEM *computeSystem))                                         \
    X(HRESULT, HcsOpenComputeSystem,                                           \
      (PCWSTR id, DWORD requestedAccess, HCSI_CC_SYSTEM *computeSystem))       \
    X(HRESULT, HcsOpenComputeSystemInNamespace,                                \
      (PCWSTR idNamespace, PCWSTR id, DWORD requestedAccess,                   \
       HCSI_CC_SYSTEM *computeSystem))                                         \
    X(void, HcsCloseComputeSystem, (HCSI_CC_SYSTEM computeSystem))             \
    X(HRESULT, HcsStartComputeSystem,                                          \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    X(HRESULT, HcsShutDownComputeSystem,                                       \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    X(HRESULT, HcsTerminateComputeSystem,                                      \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    X(HRESULT, HcsCrashComputeSystem,                                          \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    X(HRESULT, HcsPauseComputeSystem,                                          \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    X(HRESULT, HcsResumeComputeSystem,                                         \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    X(HRESULT, HcsSaveComputeSystem,                                           \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    X(HRESULT, HcsGetComputeSystemProperties,                                  \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR propertyQuery))                                                  \
    X(HRESULT, HcsModifyComputeSystem,                                         \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR configuration, HANDLE identity))                                 \
    X(HRESULT, HcsWaitForComputeSystemExit,                                    \
      (HCSI_CC_SYSTEM computeSystem, DWORD timeoutMs, PWSTR * result))         \
    X(HRESULT, HcsSetComputeSystemCallback,                                    \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_EVENT_OPTIONS callbackOptions,    \
       const void *context, HCSI_CC_EVENT_CALLBACK callback))                  \
    /* live migration (4 in the header + HcsCancelLiveMigration) */            \
    X(HRESULT, HcsInitializeLiveMigrationOnSource,                             \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    X(HRESULT, HcsStartLiveMigrationOnSource,                                  \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    X(HRESULT, HcsStartLiveMigrationTransfer,                                  \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    X(HRESULT, HcsFinalizeLiveMigration,                                       \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    X(HRESULT, HcsCancelLiveMigration,                                         \
      (HCSI_CC_SYSTEM computeSystem, HCSI_CC_OPERATION operation,              \
       PCWSTR options))                                                        \
    /* processes (10) */                                                       \
    X(HRESULT, HcsCreateProcess,                                               \
      (HCSI_CC_SYSTEM computeSystem, PCWSTR processParameters,                 \
       HCSI_CC_OPERATION operation,                                            \
       const SECURITY_DESCRIPTOR *securityDescriptor,                          \
       HCSI_CC_PROCESS *process))                                              \
    X(HRESULT, HcsOpenProcess,                                                 \
      (HCSI_CC_SYSTEM computeSystem, DWORD processId, DWORD requestedAccess,   \
       HCSI_CC_PROCESS *process))                                              \
    X(void, HcsCloseProcess, (HCSI_CC_PROCESS process))                        \
    X(HRESULT, HcsTerminateProcess,                                            \
      (HCSI_CC_PROCESS process, HCSI_CC_OPERATION operation, PCWSTR options))  \
    X(HRESULT, HcsSignalProcess,                                               \
      (HCSI_CC_PROCESS process, HCSI_CC_OPERATION operation, PCWSTR options))  \
    X(HRESULT, HcsGetProcessInfo,                                              \
      (HCSI_CC_PROCESS process, HCSI_CC_OPERATION operation))                  \
    X(HRESULT, HcsGetProcessProperties,                                        \
      (HCSI_CC_PROCESS process, HCSI_CC_OPERATION operation,                   \
       PCWSTR propertyQuery))                                                  \
    X(HRESULT, HcsModifyProcess,                                               \
      (HCSI_CC_PROCESS process, HCSI_CC_OPERATION operation,                   \
       PCWSTR settings))                                                       \
    X(HRESULT, HcsSetProcessCallback,                                          \
      (HCSI_CC_PROCESS process, HCSI_CC_EVENT_OPTIONS callbackOptions,         \
       void *context, HCSI_CC_EVENT_CALLBACK callback))                        \
    X(HRESULT, HcsWaitForProcessExit,                                          \
      (HCSI_CC_PROCESS computeSystem, DWORD timeoutMs, PWSTR * result))        \
    /* service (3) */                                                          \
    X(HRESULT, HcsGetServiceProperties,                                        \
      (PCWSTR propertyQuery, PWSTR * result))                                  \
    X(HRESULT, HcsModifyServiceSettings, (PCWSTR settings, PWSTR * result))    \
    X(HRESULT, HcsSubmitWerReport, (PCWSTR settings))                          \
    /* VM and file utilities (7) */                                            \
    X(HRESULT, HcsCreateEmptyGuestStateFile, (PCWSTR guestStateFilePath))      \
    X(HRESULT, HcsCreateEmptyRuntimeStateFile, (PCWSTR runtimeStateFilePath))  \
    X(HRESULT, HcsGrantVmAccess, (PCWSTR vmId, PCWSTR filePath))               \
    X(HRESULT, HcsRevokeVmAccess, (PCWSTR vmId, PCWSTR filePath))              \
    X(HRESULT, HcsGrantVmGroupAccess, (PCWSTR filePath))                       \
    X(HRESULT, HcsRevokeVmGroupAccess, (PCWSTR filePath))                      \
    X(HRESULT, HcsGetProcessorCompatibilityFromSavedState,                     \
      (PCWSTR RuntimeFileName, PCWSTR * ProcessorFeaturesString))

/* Index of each function (HCSI_CC_IX_HcsCreateOperation, ...). */
#define HCSI_CC_IX_ENUM(ret, name, params) HCSI_CC_IX_##name,
enum { HCSI_CC_FUNCS(HCSI_CC_IX_ENUM) HCSI_CC_COUNT };
#undef HCSI_CC_IX_ENUM

#endif /* HCS_CORE_CC_FUNCS_H */
