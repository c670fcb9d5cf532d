/* A small emulated PCI device for HDV (hcs/hdv.h): one 4 KiB memory BAR
 * with three 32-bit registers.
 *   BAR0 + 0x0  COUNT   reads: how many writes COUNT has seen; writes count
 *   BAR0 + 0x4  VALUE   reads: the last value written to COUNT
 *   BAR0 + 0x8  RING    writing anything raises the device's MSI
 *                       (msi_address / msi_data) with hcs_hdv_deliver_interrupt
 * PCI id 1414:c0de (class ff: vendor specific). */
#ifndef HDV_COUNTER_H
#define HDV_COUNTER_H

#include "hcs.h"

#define COUNTER_VENDOR 0x1414
#define COUNTER_DEVICE 0xC0DE
#define COUNTER_BAR0_SIZE 4096u

typedef struct counter_device {
    hcs_hdv_device *dev; /* set once hcs_hdv_device_create returned */
    uint32_t count;
    uint32_t value;
    uint64_t msi_address;
    uint32_t msi_data;
    int started;
    hcs_result last_interrupt; /* what the last RING's interrupt returned */
} counter_device;

/* The callback table (ctx: a counter_device). */
extern const hcs_hdv_pci_device_ops counter_ops;

/* Creates the device on host with instance id instance_id. */
hcs_result counter_create(hcs_hdv_host *host, const char *instance_id, counter_device *c);

#endif /* HDV_COUNTER_H */
