/* Uses the installed public API only; exits non-zero on any mismatch. */
#include <stdio.h>
#include <string.h>

#include <hcs.h>

int main(void)
{
    hcs_result hr = 0;
    hcs_guid g;
    char buf[HCS_GUID_STRING_LEN + 1];
    if (hcs_hresult_parse("-2143878898", &hr) != HCS_S_OK || hr != HCS_ERR_SYSTEM_NOT_FOUND)
        return 1;
    if (strcmp(hcs_hresult_name(hr), "HCS_E_SYSTEM_NOT_FOUND") != 0)
        return 2;
    if (hcs_guid_parse("not-a-guid", &g) != HCS_ERR_INVALIDARG || !hcs_error_last())
        return 3;
    if (hcs_guid_generate(&g) != HCS_S_OK || hcs_guid_format(&g, buf, sizeof buf) != HCS_S_OK)
        return 4;
    printf("consumer: libhcs %s decodes %s; guid %s\n", hcs_version(), hcs_hresult_name(hr), buf);
    return 0;
}
