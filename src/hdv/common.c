/* The portable half of the HDV module: the function names. */
#include <stddef.h>

#include "hdv/hdv_int.h"

HCSI_FUNCTION_TABLE(hcsi_hdv_names, HCSI_HDV_COUNT, HCSI_HDV_FUNCS, hcs_hdv_function_count,
                    hcs_hdv_function_name)

