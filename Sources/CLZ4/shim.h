/*
 * liblz4's frame API (the standard LZ4 frame format, codec 3 of Kafka RecordBatch v2), reached
 * through pkg-config `liblz4` (Debian: liblz4-dev). Only the stable frame API is exposed.
 */
#ifndef TERN_CLZ4_SHIM_H
#define TERN_CLZ4_SHIM_H

#include <lz4frame.h>

#endif /* TERN_CLZ4_SHIM_H */
