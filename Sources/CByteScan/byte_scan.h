/* Sixteen bytes at a time, the bytes a JSON string scan must look at: SSE2 (every x86-64 has it) where Swift's
 * SIMD types have no "which lanes matched" mask (pmovmskb). Header only: static inline, compiled into bkcc. */
#ifndef BKCC_BYTE_SCAN_H
#define BKCC_BYTE_SCAN_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
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
/* The length of the run of well-formed multi-byte UTF-8 sequences at `bytes` (up to the first byte below 0x80, or
 * `left` bytes), or -1 when one in it is malformed: a stray continuation byte, an overlong form, a surrogate, past
 * U+10FFFF, or cut short by the end. `bytes[0]` must be at or above 0x80. The well-formedness is Unicode's
 * (Table 3-7: what jansson and Swift's String accept), decided by a lead's length and its second byte's range from
 * two small tables. Why by hand: there is no UTF-8 validator among bkcc's libraries (jansson's is internal), and
 * Swift's switch over lead ranges was ~26 instructions a Chinese character (callgrind, 5,000 rows). */
static inline long bkcc_utf8_run(const uint8_t *bytes, size_t left) {
    /* By lead byte 0xC0 + i: the sequence's length (0: never a lead), the second byte's lowest and highest. */
    static const uint8_t length[64] = {
        0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
        3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t low[64] = {
        0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
        0xA0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
        0x90, 0x80, 0x80, 0x80, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t high[64] = {
        0, 0, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF,
        0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF,
        0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF, 0x9F, 0xBF, 0xBF,
        0xBF, 0xBF, 0xBF, 0xBF, 0x8F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t *at = bytes, *end = bytes + left;
    while (at < end && *at >= 0x80) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* Three-byte sequences (CJK text is nearly all of them) in a loop of their own: a four-byte load, a mask
         * for the lead E0..EF and two continuation bytes, and the second byte's range for the two leads that narrow it
         * (E0: A0..BF, not overlong; ED: 80..9F, not a surrogate). ~15 instructions a character; the general path
         * below ~30. */
        while (end - at >= 4) {
            uint32_t word;
            memcpy(&word, at, 4);  /* at[0] is the low byte */
            if ((word & 0xC0C0F0u) != 0x8080E0u) break;
            /* The second byte is 80..BF here; A0..BF is its bit 0x20 (the word's 0x2000). E0 needs it, ED must not
             * have it; other leads take any. */
            uint32_t nibble = word & 0x0Fu;
            if (nibble == 0x0u || nibble == 0xDu) {
                if ((nibble == 0x0u) != ((word & 0x2000u) != 0)) return -1;
            }
            at += 3;
        }
        if (at >= end || *at < 0x80) break;
#endif
        if (*at < 0xC0) return -1;
        unsigned lead = (unsigned)*at - 0xC0, count = length[lead];
        if (count == 0 || (size_t)(end - at) < count) return -1;
        if (at[1] < low[lead] || at[1] > high[lead]) return -1;
        if (count >= 3 && (at[2] & 0xC0) != 0x80) return -1;
        if (count == 4 && (at[3] & 0xC0) != 0x80) return -1;
        at += count;
    }
    return (long)(at - bytes);
}

/* Whether the `count` bytes at `bytes` are well-formed UTF-8: ASCII skipped sixteen bytes at a time (SSE2), then
 * eight, then one; each run of other bytes checked by bkcc_utf8_run. */
static inline int bkcc_utf8_valid(const uint8_t *bytes, size_t count) {
    size_t at = 0;
    while (at < count) {
#if defined(__SSE2__)
        if (count - at >= 16) {
            uint32_t high = (uint32_t)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(bytes + at)));
            if (high == 0) { at += 16; continue; }
            at += (size_t)__builtin_ctz(high);
        }
#endif
        if (count - at >= 8) {
            uint64_t word;
            memcpy(&word, bytes + at, 8);
            if ((word & 0x8080808080808080u) == 0) { at += 8; continue; }
        }
        if (bytes[at] < 0x80) { at++; continue; }
        long run = bkcc_utf8_run(bytes + at, count - at);
        if (run < 0) return 0;
        at += (size_t)run;
    }
    return 1;
}

#endif
