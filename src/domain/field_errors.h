/* A list of validation failures, each naming the field by JSON Pointer (or a query
 * parameter by name), collected so one 422 can name every invalid field. */
#ifndef OIH_FIELD_ERRORS_H
#define OIH_FIELD_ERRORS_H

#include <stddef.h>

enum { FIELD_POINTER_MAX = 96 };

struct field_error {
    char pointer[FIELD_POINTER_MAX];
    const char *detail; /* static string */
    int is_parameter;   /* 1: pointer holds a query parameter name */
};

struct field_errors {
    struct field_error *items; /* new; released by field_errors_cleanup */
    size_t count, cap;
};

/* Adds "<prefix>/<name>" with detail (a static string). name may be NULL (prefix alone)
 * and is escaped as RFC 6901 requires ('~' -> "~0", '/' -> "~1"). */
void field_errors_add(struct field_errors *errs, const char *prefix, const char *name,
                      const char *detail);
/* Adds "<prefix>/<index>". */
void field_errors_add_index(struct field_errors *errs, const char *prefix, size_t index,
                            const char *detail);
/* Adds a query-parameter error. */
void field_errors_add_param(struct field_errors *errs, const char *name, const char *detail);
void field_errors_cleanup(struct field_errors *errs);

#endif
