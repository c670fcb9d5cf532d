/* Every public header, included alone and together, compiles as strict
 * pedantic C99 (built as an object library; a failure breaks the build). */
#include "hcs/common.h"
#include "hcs/error.h"
#include "hcs/guid.h"
#include "hcs.h"
#include "hcs/schema_types.h" /* opt-in, not in the umbrella */

int hcs_headertest_c99(void);
int hcs_headertest_c99(void)
{
    return (int)sizeof(hcs_error) + (int)sizeof(hcs_guid) + (int)sizeof(hcs_s2_ComputeSystem);
}
