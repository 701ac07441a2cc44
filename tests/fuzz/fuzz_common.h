/* Shared by the libFuzzer targets in tests/fuzz/: start-up as the service does it, the
 * invariant check that turns a broken promise into a crash, and small predicates the
 * targets assert with. Nothing here is linked into the service. */
#ifndef OIH_FUZZ_COMMON_H
#define OIH_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/field_errors.h"

/* Aborts with the failed condition and its place, so libFuzzer saves the input. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__FILE__, __LINE__, #cond);                                                  \
    } while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *what);

/* What main.c does before any request: jansson allocates through xmalloc, and a fixed hash
 * seed (json_object_seed(0) picks one once; the fuzzers then stay reproducible). */
void fuzz_init_like_service(void);

/* True when text is a UUID in canonical form with lowercase hex digits. */
bool fuzz_uuid_canonical(const char *text);

/* Checks every error of errs: a detail, a pointer that is valid UTF-8, and either a JSON
 * Pointer ("" or starting with '/') for body errors or a parameter name for query errors. */
void fuzz_check_errors(const struct field_errors *errs, size_t from, int is_parameter);

/* Returns a new NUL-terminated copy of data[0..size) (caller frees). */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif
