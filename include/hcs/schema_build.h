/* placeholder */
#ifndef HCS_SCHEMA_BUILD_H
#define HCS_SCHEMA_BUILD_H
#endif
