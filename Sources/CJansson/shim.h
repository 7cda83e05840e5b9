/* jansson for Swift: the header, plus functions for what Swift cannot import (function-like macros). */
#ifndef BKCC_CJANSSON_SHIM_H
#define BKCC_CJANSSON_SHIM_H
#include <jansson.h>

static inline int bkcc_json_typeof(const json_t *json) { return (int)json_typeof(json); }
/* glibc's memmem is declared only under _GNU_SOURCE, which must precede every system header: declared here. */
extern void *memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);
static inline size_t bkcc_json_refcount(const json_t *json) { return json ? json->refcount : 0; }
#endif
