/* Helpers of the fuzz targets (see fuzz_common.h). */
#include "fuzz_common.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/uuid.h"
#include "domain/vocab.h"
#include "util/xalloc.h"

void
fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "\n*** fuzz invariant failed at %s:%d: %s\n", file, line, what);
    abort();
}

void
fuzz_init_like_service(void)
{
    json_set_alloc_funcs(xmalloc, free);
    json_object_seed(0);
}

bool
fuzz_uuid_canonical(const char *text)
{
    char lower[37];
    return uuid_normalize(text, lower) && strcmp(lower, text) == 0;
}

void
fuzz_check_errors(const struct field_errors *errs, size_t from, int is_parameter)
{
    FUZZ_CHECK(errs->count <= errs->cap);
    FUZZ_CHECK(errs->count == 0 || errs->items != NULL);
    for (size_t i = from; i < errs->count; i++) {
        const struct field_error *e = &errs->items[i];
        size_t len = strnlen(e->pointer, FIELD_POINTER_MAX);
        FUZZ_CHECK(len < FIELD_POINTER_MAX);
        FUZZ_CHECK(utf8_valid(e->pointer, len));
        FUZZ_CHECK(e->detail != NULL && e->detail[0] != '\0');
        FUZZ_CHECK(e->is_parameter == is_parameter);
        if (is_parameter)
            FUZZ_CHECK(len > 0);
        else
            FUZZ_CHECK(len == 0 || e->pointer[0] == '/');
    }
}

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1);
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
