/* Platform helpers that are the same on every OS. */
#include "platform.h"

uint64_t hcsi_deadline_ms(int64_t ms)
{
    uint64_t now;
    if (ms < 0)
        return UINT64_MAX;
    now = hcsi_now_ns();
    if ((uint64_t)ms > (UINT64_MAX - now) / 1000000u)
        return UINT64_MAX;
    return now + (uint64_t)ms * 1000000u;
}
