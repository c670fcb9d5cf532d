/* See counter.h. */
#include <string.h>

#include "counter.h"

/* Any class id works for an emulated device; this one is the example's. */
#define COUNTER_CLASS_ID "6f7a9c1e-3b2d-4c5e-8f90-a1b2c3d4e5f6"

static hcs_result c_start(void *ctx)
{
    ((counter_device *)ctx)->started = 1;
    return HCS_S_OK;
}

static void c_stop(void *ctx) { ((counter_device *)ctx)->started = 0; }

static hcs_result c_details(void *ctx, hcs_hdv_pci_pnp_id *id, uint32_t bars[HCS_HDV_PCI_BAR_COUNT])
{
    (void)ctx;
    id->vendor_id = COUNTER_VENDOR;
    id->device_id = COUNTER_DEVICE;
    id->base_class = 0xFF;
    bars[0] = ~(COUNTER_BAR0_SIZE - 1u); /* 4 KiB, 32-bit memory BAR */
    return HCS_S_OK;
}

static hcs_result c_read_config(void *ctx, uint32_t offset, uint32_t *value)
{
    (void)ctx;
    *value = offset == 0 ? ((uint32_t)COUNTER_DEVICE << 16) | COUNTER_VENDOR : 0;
    return HCS_S_OK;
}

static hcs_result c_read(void *ctx, int bar, uint64_t offset, uint64_t length, uint8_t *value)
{
    counter_device *c = (counter_device *)ctx;
    uint32_t reg = 0;
    if (bar != 0 || length > 4 || offset + length > COUNTER_BAR0_SIZE)
        return HCS_ERR_INVALIDARG;
    if (offset == 0)
        reg = c->count;
    else if (offset == 4)
        reg = c->value;
    memcpy(value, &reg, (size_t)length); /* little-endian, as the guest reads it */
    return HCS_S_OK;
}

static hcs_result c_write(void *ctx, int bar, uint64_t offset, uint64_t length,
                          const uint8_t *value)
{
    counter_device *c = (counter_device *)ctx;
    uint32_t reg = 0;
    if (bar != 0 || length > 4 || offset + length > COUNTER_BAR0_SIZE)
        return HCS_ERR_INVALIDARG;
    memcpy(&reg, value, (size_t)length);
    if (offset == 0) {
        c->count++;
        c->value = reg;
    } else if (offset == 8 && c->dev) {
        c->last_interrupt = hcs_hdv_deliver_interrupt(c->dev, c->msi_address, c->msi_data);
    }
    return HCS_S_OK;
}

const hcs_hdv_pci_device_ops counter_ops = {
    NULL, NULL, NULL, c_details, c_start, c_stop, c_read_config, NULL, c_read, c_write,
};

hcs_result counter_create(hcs_hdv_host *host, const char *instance_id, counter_device *c)
{
    return hcs_hdv_device_create(host, COUNTER_CLASS_ID, instance_id, &counter_ops, c, &c->dev);
}
