/*
 * libhcs — umbrella header. Include this to get every public module.
 * See docs/architecture.md for the layers and the ownership rules.
 */
#ifndef HCS_H
#define HCS_H

#include "hcs/common.h"
#include "hcs/error.h"
#include "hcs/guid.h"
#include "hcs/gcs.h"
#include "hcs/gcs_oci.h"
#include "hcs/schema.h"
#include "hcs/compute.h"
#include "hcs/network.h"
#include "hcs/storage.h"
#include "hcs/hdv.h"

#endif /* HCS_H */
