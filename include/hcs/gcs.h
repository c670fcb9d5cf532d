/*
 * libhcs — the GCS bridge, host side (placeholder while the connection API
 * lands; see hcs/gcs_messages.h for the message codecs).
 */
#ifndef HCS_GCS_H
#define HCS_GCS_H

#include "common.h"
#include "gcs_messages.h"
#include "gcs_protocol.h"

#endif /* HCS_GCS_H */
