/*
 * libhcs — GCS bridge protocol constants (docs: ../shared/docs/gcs-protocol.md).
 *
 * Plain macros only, no functions: shared by the host bridge (hcs/gcs.h)
 * and the Linux guest agent. Values are wire facts from hcsshim.
 */
#ifndef HCS_GCS_PROTOCOL_H
#define HCS_GCS_PROTOCOL_H

#include "hcs/common.h"

/* ---- framing (§2.1) ---- */

/* Header: u32 LE type, u32 LE size (including the header), u64 LE id. */
#define HCS_GCS_HEADER_SIZE 16u
#define HCS_GCS_HEADER_OFF_TYPE 0u
#define HCS_GCS_HEADER_OFF_SIZE 4u
#define HCS_GCS_HEADER_OFF_ID 8u
/* Largest Size accepted from the guest (hcsshim's limit). */
#define HCS_GCS_MAX_MESSAGE_SIZE 65536u

/* ---- message type layout (§2.2): T(4) | category(8) | id(12) | ver(8) ---- */

#define HCS_GCS_MSG_TYPE_MASK 0xF0000000u
#define HCS_GCS_MSG_REQUEST 0x10000000u
#define HCS_GCS_MSG_RESPONSE 0x20000000u
#define HCS_GCS_MSG_NOTIFY 0x30000000u
#define HCS_GCS_MSG_CATEGORY_MASK 0x0FF00000u
#define HCS_GCS_MSG_ID_MASK 0x000FFF00u
#define HCS_GCS_MSG_VERSION_MASK 0x000000FFu
#define HCS_GCS_MSG_VERSION_V1 0x00000001u
#define HCS_GCS_CATEGORY_COMPUTE_SYSTEM 0x00100000u
#define HCS_GCS_CATEGORY_COMPUTE_SERVICE 0x00200000u

/* RPC procedure codes: category | (n << 8) | version 1. */
#define HCS_GCS_RPC_CREATE 0x00100101u
#define HCS_GCS_RPC_START 0x00100201u
#define HCS_GCS_RPC_SHUTDOWN_GRACEFUL 0x00100301u
#define HCS_GCS_RPC_SHUTDOWN_FORCED 0x00100401u
#define HCS_GCS_RPC_EXECUTE_PROCESS 0x00100501u
#define HCS_GCS_RPC_WAIT_FOR_PROCESS 0x00100601u
#define HCS_GCS_RPC_SIGNAL_PROCESS 0x00100701u
#define HCS_GCS_RPC_RESIZE_CONSOLE 0x00100801u
#define HCS_GCS_RPC_GET_PROPERTIES 0x00100901u
#define HCS_GCS_RPC_MODIFY_SETTINGS 0x00100A01u
#define HCS_GCS_RPC_NEGOTIATE_PROTOCOL 0x00100B01u
#define HCS_GCS_RPC_DUMP_STACKS 0x00100C01u
#define HCS_GCS_RPC_DELETE_CONTAINER_STATE 0x00100D01u
#define HCS_GCS_RPC_UPDATE_CONTAINER 0x00100E01u
#define HCS_GCS_RPC_LIFECYCLE_NOTIFICATION 0x00100F01u
#define HCS_GCS_RPC_MODIFY_SERVICE_SETTINGS 0x00200101u

/* Full wire types: request = 0x1xxxxxxx, response = 0x2xxxxxxx. */
#define HCS_GCS_REQUEST_TYPE(rpc) (HCS_GCS_MSG_REQUEST | (rpc))
#define HCS_GCS_RESPONSE_TYPE(rpc) (HCS_GCS_MSG_RESPONSE | (rpc))
/* The guest answers with 0x20000000 | (request type & 0x0FFFFFFF). */
#define HCS_GCS_RESPONSE_FOR(request_type) \
    (HCS_GCS_MSG_RESPONSE | ((request_type) & ~HCS_GCS_MSG_TYPE_MASK))

/* The one notification type (container state change), id 0. */
#define HCS_GCS_NOTIFY_CONTAINER 0x30100101u

/* ---- versions ---- */

#define HCS_GCS_PROTOCOL_VERSION 4u

/* ---- well-known ids ---- */

/* The UVM itself ("null container"); also the ActivityId hcsshim sends. */
#define HCS_GCS_NULL_CONTAINER_ID "00000000-0000-0000-0000-000000000000"
#define HCS_GCS_ZERO_ACTIVITY_ID "00000000-0000-0000-0000-000000000000"
/* WaitForProcess TimeoutInMs meaning "infinite". */
#define HCS_GCS_INFINITE_WAIT 0xFFFFFFFFu

/* ---- transport (§1.1, §6.2) ---- */

/* vsock ports (LCOW): the bridge, first stdio port, GCS log, entropy. */
#define HCS_GCS_VSOCK_PORT_BRIDGE 0x40000000u
#define HCS_GCS_VSOCK_PORT_STDIO_FIRST 0x40000001u
#define HCS_GCS_VSOCK_PORT_LOG 109u
#define HCS_GCS_VSOCK_PORT_ENTROPY 1u
#define HCS_GCS_ENTROPY_BYTES 512u
/* Host CID the Linux guest dials. */
#define HCS_GCS_VSOCK_CID_HOST 2u

/* hvsock service GUID of vsock port P: this template with Data1 = P. */
#define HCS_GCS_HVSOCK_TEMPLATE "00000000-facb-11e6-bd58-64006a7986d3"
/* Default bridge service GUIDs. */
#define HCS_GCS_LINUX_SERVICE_ID "40000000-facb-11e6-bd58-64006a7986d3"
#define HCS_GCS_WINDOWS_SERVICE_ID "acef5661-84a1-4e44-856b-6245e69f4620"
#define HCS_GCS_WINDOWS_SIDECAR_SERVICE_ID "ae8da506-a019-4553-a52b-902bc0fa0411"
#define HCS_GCS_WINDOWS_LOGGING_SERVICE_ID "172dad59-976d-45f2-8b6c-6d1b13f2ac4d"
/* ParentAddress of the WCOW HvSocket settings update. */
#define HCS_GCS_WINDOWS_HOST_ID "894cc2d6-9d79-424f-93fe-42969ae6d8d1"
/* Special hvsock VM ids. */
#define HCS_GCS_HV_GUID_PARENT "a42e7cda-d03f-480c-9cc2-a4de20abb878"
#define HCS_GCS_HV_GUID_LOOPBACK "e0e16197-dd56-4a10-9195-5ee7a155a838"

/* ---- capability field names (NegotiateProtocol response, §4.1) ---- */

#define HCS_GCS_CAP_SEND_HOST_CREATE_MESSAGE "SendHostCreateMessage"
#define HCS_GCS_CAP_SEND_HOST_START_MESSAGE "SendHostStartMessage"
#define HCS_GCS_CAP_HV_SOCKET_CONFIG_ON_STARTUP "HvSocketConfigOnStartup"
#define HCS_GCS_CAP_SEND_LIFECYCLE_NOTIFICATIONS "SendLifecycleNotifications"
#define HCS_GCS_CAP_MODIFY_SERVICE_SETTINGS_SUPPORTED "ModifyServiceSettingsSupported"
#define HCS_GCS_CAP_SUPPORTED_SCHEMA_VERSIONS "SupportedSchemaVersions"
#define HCS_GCS_CAP_RUNTIME_OS_TYPE "RuntimeOsType"
#define HCS_GCS_CAP_GUEST_DEFINED "GuestDefinedCapabilities"
/* Inside GuestDefinedCapabilities. */
#define HCS_GCS_CAP_NAMESPACE_ADD_REQUEST_SUPPORTED "NamespaceAddRequestSupported"
#define HCS_GCS_CAP_SIGNAL_PROCESS_SUPPORTED "SignalProcessSupported"
#define HCS_GCS_CAP_DUMP_STACKS_SUPPORTED "DumpStacksSupported"
#define HCS_GCS_CAP_DELETE_CONTAINER_STATE_SUPPORTED "DeleteContainerStateSupported"
#define HCS_GCS_CAP_UPDATE_CONTAINER_SUPPORTED "UpdateContainerSupported"
#define HCS_GCS_CAP_LOG_FORWARDING_SUPPORTED "LogForwardingSupported"
#define HCS_GCS_CAP_HOST_PROCESS_CONTAINER_SUPPORTED "HostProcessContainerSupported"

/* ---- HRESULTs the guests return (§7.2) ---- */

#define HCS_GCS_HR_NOT_IMPL ((int32_t)0x80004001u)
#define HCS_GCS_HR_FAIL ((int32_t)0x80004005u)
#define HCS_GCS_HR_NOT_FOUND ((int32_t)0x80070490u)
#define HCS_GCS_HR_INVALID_ARG ((int32_t)0x80070057u)
#define HCS_GCS_HR_TIMEOUT ((int32_t)0xC0370109u)
#define HCS_GCS_HR_UNKNOWN_MESSAGE ((int32_t)0xC037010Bu)
#define HCS_GCS_HR_UNSUPPORTED_PROTOCOL_VERSION ((int32_t)0xC037010Cu)
#define HCS_GCS_HR_INVALID_JSON ((int32_t)0xC037010Du)
#define HCS_GCS_HR_SYSTEM_NOT_FOUND ((int32_t)0xC037010Eu)
#define HCS_GCS_HR_SYSTEM_ALREADY_EXISTS ((int32_t)0xC037010Fu)
#define HCS_GCS_HR_SYSTEM_ALREADY_STOPPED ((int32_t)0xC0370110u)
#define HCS_GCS_HR_INVALID_STATE ((int32_t)0x80370105u)

#endif /* HCS_GCS_PROTOCOL_H */
