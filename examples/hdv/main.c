/* hdv_counter: attaches the counter device (counter.h) to a running
 * compute system through HDV and serves it until Enter is pressed.
 *   hdv_counter SYSTEM_ID INSTANCE_ID
 * The VM must list the device (its INSTANCE_ID) in its FlexibleIov /
 * VirtualPci devices with an emulator hosted by this process. On systems
 * other than Windows it says that HDV is only available on Windows. */
#include <stdio.h>
#include <string.h>

#include "counter.h"

static int fail(const char *what, hcs_result hr)
{
    const hcs_error *e = hcs_error_last();
    fprintf(stderr, "hdv_counter: %s: %s (0x%08lX)\n", what, e ? e->message : hcs_strerror(hr),
            (unsigned long)(uint32_t)hr);
    return 1;
}

int main(int argc, char **argv)
{
    hcs_system *s = NULL;
    hcs_hdv_host *host = NULL;
    counter_device dev;
    hcs_result hr;
    int c;
    if (argc != 3 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr, "usage: hdv_counter SYSTEM_ID INSTANCE_ID\n");
        return argc == 2 ? 0 : 2;
    }
    memset(&dev, 0, sizeof dev);
    dev.msi_address = 0xFEE00000u;
    dev.msi_data = 0x41;
    hr = hcs_compute_system_open(argv[1], &s);
    if (HCS_FAILED(hr))
        return fail("open the compute system", hr);
    hr = hcs_hdv_host_create(s, HCS_HDV_HOST_FLAG_NONE, &host);
    if (HCS_SUCCEEDED(hr))
        hr = counter_create(host, argv[2], &dev);
    if (HCS_FAILED(hr)) {
        c = fail("create the device", hr);
        hcs_hdv_host_teardown(host);
        hcs_compute_system_close(s);
        return c;
    }
    printf("counter device %s serving compute system %s; press Enter to stop\n", argv[2], argv[1]);
    fflush(stdout);
    while ((c = getchar()) != EOF && c != '\n')
        ;
    printf("COUNT=%lu VALUE=%lu\n", (unsigned long)dev.count, (unsigned long)dev.value);
    hr = hcs_hdv_host_teardown(host);
    hcs_compute_system_close(s);
    return HCS_FAILED(hr) ? fail("tear down the device host", hr) : 0;
}
