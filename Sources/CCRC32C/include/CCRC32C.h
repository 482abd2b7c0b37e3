/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka RecordBatch v2.
 *
 * All functions take and return the *finalised* CRC (pre- and post-inverted, as Kafka stores it),
 * so that `tern_crc32c_extend(tern_crc32c_extend(0, a, n), b, m)` equals the CRC of `a` followed
 * by `b`, and the CRC of nothing is 0. The standard check value is
 * crc32c("123456789") = 0xE3069283.
 *
 * Three implementations give identical results:
 *  - portable: slicing-by-8 tables, any CPU;
 *  - hardware: the SSE4.2 `crc32` instruction on x86_64, the ARMv8 CRC32 extension
 *    (`crc32c*`) on arm64, three interleaved streams so the instruction's latency is hidden;
 *  - `tern_crc32c_extend`: the hardware path when the CPU has it, else the portable one
 *    (detected once, at first use).
 * All are thread-safe; lookup tables are built once on first use.
 */
#ifndef TERN_CCRC32C_H
#define TERN_CCRC32C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** CRC-32C of `crc`'s data followed by `len` bytes at `data` (the fastest available path). */
uint32_t tern_crc32c_extend(uint32_t crc, const void *data, size_t len);

/** The table-driven (slicing-by-8) implementation; works on every CPU. */
uint32_t tern_crc32c_extend_portable(uint32_t crc, const void *data, size_t len);

/**
 * The CPU-instruction implementation. On a CPU without the instructions (or an architecture
 * without a hardware path) it returns the portable result instead of faulting, so calling it is
 * always safe; check `tern_crc32c_hardware_available` to know which one ran.
 */
uint32_t tern_crc32c_extend_hardware(uint32_t crc, const void *data, size_t len);

/** 1 when this CPU has the CRC-32C instructions and the hardware path uses them, else 0. */
int tern_crc32c_hardware_available(void);

#ifdef __cplusplus
}
#endif

#endif /* TERN_CCRC32C_H */
