/*
 * CRC-32C for Tern: a slicing-by-8 table implementation and a CPU-instruction implementation
 * (SSE4.2 on x86_64, the ARMv8 CRC32 extension on arm64), chosen at run time. See CCRC32C.h for
 * the contract and README.md for the method.
 *
 * Internally every routine works on the *raw* CRC register (no pre/post inversion); the public
 * functions invert on entry and exit. The register is linear over GF(2) in its initial value,
 * which is what lets three independent streams be computed at once and combined afterwards:
 *     raw(a ++ b, r) == shift_len(b)(raw(a, r)) ^ raw(b, 0)
 * where shift_n(r) is the register after feeding n zero bytes starting from r.
 */
#include "CCRC32C.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#elif defined(__aarch64__)
#include <arm_acle.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#endif
#endif

/* The reflected Castagnoli polynomial. */
#define TERN_CRC32C_POLY 0x82F63B78u

/* Bytes per stream in the three-way interleaved hardware loop: long runs for big buffers, short
 * runs so that medium buffers (a few KiB) still get the interleaving. Both multiples of 8. */
#define TERN_LONG_STREAM 8192u
#define TERN_SHORT_STREAM 256u

/* Four 256-entry tables that apply shift_n (n zero bytes) to a register, one byte at a time. */
typedef struct {
    uint32_t byte[4][256];
} tern_shift_table;

static uint32_t tern_slice_table[8][256];
static tern_shift_table tern_long_shift;
static tern_shift_table tern_short_shift;
static int tern_hardware_flag;
static pthread_once_t tern_init_once = PTHREAD_ONCE_INIT;

/* ---------------------------------------------------------------------------------------------
 * Portable path
 * ------------------------------------------------------------------------------------------- */

static void tern_build_slice_table(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ TERN_CRC32C_POLY : c >> 1;
        }
        tern_slice_table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = tern_slice_table[0][n];
        for (int k = 1; k < 8; k++) {
            c = tern_slice_table[0][c & 0xFF] ^ (c >> 8);
            tern_slice_table[k][n] = c;
        }
    }
}

/* Reads 8 bytes as a little-endian integer, whatever the host order and alignment. */
static inline uint64_t tern_load_le64(const unsigned char *p) {
    uint64_t word;
    memcpy(&word, p, sizeof word);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    return word;
}

static uint32_t tern_portable_raw(uint32_t c, const unsigned char *p, size_t n) {
    while (n >= 8) {
        uint64_t w = tern_load_le64(p) ^ c;
        c = tern_slice_table[7][w & 0xFF] ^ tern_slice_table[6][(w >> 8) & 0xFF] ^
            tern_slice_table[5][(w >> 16) & 0xFF] ^ tern_slice_table[4][(w >> 24) & 0xFF] ^
            tern_slice_table[3][(w >> 32) & 0xFF] ^ tern_slice_table[2][(w >> 40) & 0xFF] ^
            tern_slice_table[1][(w >> 48) & 0xFF] ^ tern_slice_table[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n > 0) {
        c = tern_slice_table[0][(c ^ *p) & 0xFF] ^ (c >> 8);
        p++;
        n--;
    }
    return c;
}

/* ---------------------------------------------------------------------------------------------
 * Combining streams: shift_n as byte tables
 * ------------------------------------------------------------------------------------------- */

/* shift_n for one register value, by feeding n zero bytes through the byte table (init only). */
static uint32_t tern_shift_slow(uint32_t c, size_t n) {
    for (size_t i = 0; i < n; i++) {
        c = tern_slice_table[0][c & 0xFF] ^ (c >> 8);
    }
    return c;
}

/* Builds the tables of shift_n from its images of the 32 basis vectors (shift_n is linear). */
static void tern_build_shift_table(tern_shift_table *table, size_t n) {
    uint32_t basis[32];
    for (int bit = 0; bit < 32; bit++) {
        basis[bit] = tern_shift_slow(1u << bit, n);
    }
    for (int k = 0; k < 4; k++) {
        for (uint32_t b = 0; b < 256; b++) {
            uint32_t image = 0;
            for (int bit = 0; bit < 8; bit++) {
                if (b & (1u << bit)) {
                    image ^= basis[8 * k + bit];
                }
            }
            table->byte[k][b] = image;
        }
    }
}

static inline uint32_t tern_shift(const tern_shift_table *table, uint32_t c) {
    return table->byte[0][c & 0xFF] ^ table->byte[1][(c >> 8) & 0xFF] ^
           table->byte[2][(c >> 16) & 0xFF] ^ table->byte[3][c >> 24];
}

/* ---------------------------------------------------------------------------------------------
 * Hardware path: one body, per-architecture instructions
 * ------------------------------------------------------------------------------------------- */

#if defined(__x86_64__)
#define TERN_HAS_HW_PATH 1
#define TERN_HW_TARGET __attribute__((target("sse4.2")))
#define TERN_HW_BYTE(c, b) _mm_crc32_u8((c), (b))
#define TERN_HW_WORD(c, w) ((uint32_t)_mm_crc32_u64((c), (w)))

static int tern_detect_hardware(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}
#elif defined(__aarch64__)
#define TERN_HAS_HW_PATH 1
#define TERN_HW_TARGET __attribute__((target("crc")))
#define TERN_HW_BYTE(c, b) __crc32cb((c), (b))
#define TERN_HW_WORD(c, w) __crc32cd((c), (w))

static int tern_detect_hardware(void) {
#if defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) ? 1 : 0;
#elif defined(__APPLE__)
    return 1; /* every Apple arm64 CPU implements ARMv8.1+, where CRC32 is mandatory */
#else
    return 0;
#endif
}
#else
#define TERN_HAS_HW_PATH 0

static int tern_detect_hardware(void) { return 0; }
#endif

#if TERN_HAS_HW_PATH
/* One stream, 8 bytes per instruction; used for the head, the tail and short buffers. */
TERN_HW_TARGET static uint32_t tern_hardware_single(uint32_t c, const unsigned char *p, size_t n) {
    while (n >= 8) {
        c = TERN_HW_WORD(c, tern_load_le64(p));
        p += 8;
        n -= 8;
    }
    while (n > 0) {
        c = TERN_HW_BYTE(c, *p);
        p++;
        n--;
    }
    return c;
}

/* Three adjacent streams of `stream` bytes each, computed in lockstep so that three instructions
 * are in flight at once (the instruction has a latency of about three cycles but a throughput of
 * one per cycle), then combined with the shift tables. */
TERN_HW_TARGET static uint32_t tern_hardware_three(uint32_t c0, const unsigned char *p, size_t stream,
                                                   const tern_shift_table *table) {
    uint32_t c1 = 0;
    uint32_t c2 = 0;
    const unsigned char *end = p + stream;
    while (p < end) {
        c0 = TERN_HW_WORD(c0, tern_load_le64(p));
        c1 = TERN_HW_WORD(c1, tern_load_le64(p + stream));
        c2 = TERN_HW_WORD(c2, tern_load_le64(p + 2 * stream));
        p += 8;
    }
    c0 = tern_shift(table, c0) ^ c1;
    return tern_shift(table, c0) ^ c2;
}

static uint32_t tern_hardware_raw(uint32_t c, const unsigned char *p, size_t n) {
    while (n >= 3 * TERN_LONG_STREAM) {
        c = tern_hardware_three(c, p, TERN_LONG_STREAM, &tern_long_shift);
        p += 3 * TERN_LONG_STREAM;
        n -= 3 * TERN_LONG_STREAM;
    }
    while (n >= 3 * TERN_SHORT_STREAM) {
        c = tern_hardware_three(c, p, TERN_SHORT_STREAM, &tern_short_shift);
        p += 3 * TERN_SHORT_STREAM;
        n -= 3 * TERN_SHORT_STREAM;
    }
    return tern_hardware_single(c, p, n);
}
#endif

/* ---------------------------------------------------------------------------------------------
 * Initialisation and public entry points
 * ------------------------------------------------------------------------------------------- */

static void tern_initialise(void) {
    tern_build_slice_table();
    tern_build_shift_table(&tern_long_shift, TERN_LONG_STREAM);
    tern_build_shift_table(&tern_short_shift, TERN_SHORT_STREAM);
    tern_hardware_flag = tern_detect_hardware();
}

static inline void tern_ensure_initialised(void) {
    pthread_once(&tern_init_once, tern_initialise);
}

int tern_crc32c_hardware_available(void) {
    tern_ensure_initialised();
    return tern_hardware_flag;
}

uint32_t tern_crc32c_extend_portable(uint32_t crc, const void *data, size_t len) {
    tern_ensure_initialised();
    return ~tern_portable_raw(~crc, (const unsigned char *)data, len);
}

uint32_t tern_crc32c_extend_hardware(uint32_t crc, const void *data, size_t len) {
    tern_ensure_initialised();
#if TERN_HAS_HW_PATH
    if (tern_hardware_flag) {
        return ~tern_hardware_raw(~crc, (const unsigned char *)data, len);
    }
#endif
    return ~tern_portable_raw(~crc, (const unsigned char *)data, len);
}

uint32_t tern_crc32c_extend(uint32_t crc, const void *data, size_t len) {
    return tern_crc32c_extend_hardware(crc, data, len);
}
