/* Validation error lists. Pointers are truncated rather than failing: a clipped pointer to
 * a 96-byte-plus key is still a useful hint and can never overflow. */
#include "domain/field_errors.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static struct field_error *
push(struct field_errors *errs)
{
    if (errs->count == errs->cap) {
        errs->cap = errs->cap ? errs->cap * 2 : 8;
        errs->items = xrealloc(errs->items, errs->cap * sizeof(errs->items[0]));
    }
    struct field_error *e = &errs->items[errs->count++];
    memset(e, 0, sizeof(*e));
    return e;
}

/* Bytes in the UTF-8 sequence that starts with c (continuation bytes count as 1). */
static size_t
utf8_sequence_bytes(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* Appends name to out (which holds used bytes) with JSON Pointer escaping; stops before a
 * character that does not fit whole, so the pointer stays valid UTF-8. */
static void
append_escaped(char *out, size_t used, const char *name)
{
    for (const char *p = name; *p;) {
        bool special = *p == '~' || *p == '/';
        size_t n = special ? 2 : utf8_sequence_bytes((unsigned char)*p);
        if (used + n >= FIELD_POINTER_MAX)
            break;
        if (special) {
            out[used++] = '~';
            out[used++] = *p++ == '~' ? '0' : '1';
            continue;
        }
        for (size_t i = 0; i < n && *p; i++)
            out[used++] = *p++;
    }
    out[used] = '\0';
}

void
field_errors_add(struct field_errors *errs, const char *prefix, const char *name,
                 const char *detail)
{
    struct field_error *e = push(errs);
    int n = snprintf(e->pointer, FIELD_POINTER_MAX, "%s%s", prefix, name ? "/" : "");
    if (name && n > 0 && n < FIELD_POINTER_MAX)
        append_escaped(e->pointer, (size_t)n, name);
    e->detail = detail;
}

void
field_errors_add_index(struct field_errors *errs, const char *prefix, size_t index,
                       const char *detail)
{
    struct field_error *e = push(errs);
    (void)snprintf(e->pointer, FIELD_POINTER_MAX, "%s/%zu", prefix, index);
    e->detail = detail;
}

void
field_errors_add_param(struct field_errors *errs, const char *name, const char *detail)
{
    struct field_error *e = push(errs);
    (void)snprintf(e->pointer, FIELD_POINTER_MAX, "%s", name);
    e->detail = detail;
    e->is_parameter = 1;
}

void
field_errors_cleanup(struct field_errors *errs)
{
    free(errs->items);
    memset(errs, 0, sizeof(*errs));
}
