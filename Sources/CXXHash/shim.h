/* xxHash's XXH3 for Swift, compiled into bkcc (XXH_INLINE_ALL: the functions are static inline, so no libxxhash
 * at run time; callgrind: ~45 instructions for a 10-30 byte string). XXH3's output is stable since xxHash 0.8.0, the same
 * on every platform: a report's digests written by one build are read by another. */
#ifndef BKCC_CXXHASH_SHIM_H
#define BKCC_CXXHASH_SHIM_H
#define XXH_INLINE_ALL
#include <xxhash.h>

/* XXH_INLINE_ALL renames the functions through macros (XXH_INLINE_XXH3_64bits_withSeed), which Swift does not
 * see: one name for what bkcc takes. */
static inline XXH64_hash_t bkcc_xxh3(const void *bytes, size_t count, XXH64_hash_t seed) {
    return XXH3_64bits_withSeed(bytes, count, seed);
}
#endif
