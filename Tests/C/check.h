/* The assertions of the C tests: count, report the failing line, go on. Each test prints
 * "N passed, N failed" from these counters and exits non-zero when any failed. */
#ifndef BKCC_TEST_CHECK_H
#define BKCC_TEST_CHECK_H

#include <bkcc.h>
#include <stdio.h>

static int passed, failed;

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (cond) {                                                                       \
      passed++;                                                                       \
    } else {                                                                          \
      failed++;                                                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
    }                                                                                 \
  } while (0)

#define CHECK_STATUS(err, expected)                                                             \
  do {                                                                                          \
    if ((err).status == (expected)) {                                                           \
      passed++;                                                                                 \
    } else {                                                                                    \
      failed++;                                                                                 \
      fprintf(stderr, "%s:%d: status %s, expected %s (%s)\n", __FILE__, __LINE__,               \
              bkcc_status_name((err).status), bkcc_status_name(expected), (err).message);       \
    }                                                                                           \
  } while (0)

#endif
