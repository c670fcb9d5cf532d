/* The portable half of the HDV module: the function names. */
#include <stddef.h>

#include "hdv/hdv_int.h"

#define HCSI_HDV_NAME(ret, name, params) #name,
const char *const hcsi_hdv_names[HCSI_HDV_COUNT] = {HCSI_HDV_FUNCS(HCSI_HDV_NAME)};
#undef HCSI_HDV_NAME

size_t hcs_hdv_function_count(void) { return HCSI_HDV_COUNT; }

const char *hcs_hdv_function_name(size_t index)
{
    return index < HCSI_HDV_COUNT ? hcsi_hdv_names[index] : NULL;
}
