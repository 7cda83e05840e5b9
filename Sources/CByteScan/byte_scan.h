/* Sixteen bytes at a time, the bytes a JSON string scan must look at: SSE2 (every x86-64 has it) where Swift's
 * SIMD types have no "which lanes matched" mask (pmovmskb). Header only: static inline, compiled into bkcc. */
#ifndef BKCC_BYTE_SCAN_H
#define BKCC_BYTE_SCAN_H
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Bit i set where byte i of the 16 at `bytes` is a quote, a backslash or below 0x20 — or, when `high` is not 0,
 * at or above 0x80 (a UTF-8 lead or continuation byte). The 16 bytes must be readable. */
static inline uint32_t bkcc_json_stops16(const uint8_t *bytes, int high) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)bytes);
    __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    /* unsigned v <= 0x1F: min(v, 0x1F) == v (SSE2 compares bytes as signed only) */
    __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
    uint32_t mask = (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control));
    if (high) mask |= (uint32_t)_mm_movemask_epi8(v);
    return mask;
#else
    uint32_t mask = 0;
    for (int i = 0; i < 16; i++) {
        uint8_t b = bytes[i];
        if (b == '"' || b == '\\' || b < 0x20 || (high && b >= 0x80)) mask |= 1u << i;
    }
    return mask;
#endif
}
#endif
