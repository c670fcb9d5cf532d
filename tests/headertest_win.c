/* Compiles libhcs's public headers together with the Windows SDK's HCS
 * headers (mingw-w64's copies): any clash between our names and the SDK's
 * Hcs* / HCS_* / HCN_* names is a compile error here. Built in the Windows
 * build only; running it checks a few values against the SDK's. */
#include <windows.h>
#include <computecore.h>
#include <computedefs.h>
#include <computenetwork.h>
#include <computestorage.h>

#include "hcs.h"

int main(void)
{
    /* Same numbers under different names. */
    if (HCS_ERR_INVALIDARG != E_INVALIDARG || HCS_ERR_NOTIMPL != E_NOTIMPL ||
        HCS_ERR_WIN32_NOT_FOUND != HRESULT_FROM_WIN32(ERROR_NOT_FOUND))
        return 1;
    return 0;
}
