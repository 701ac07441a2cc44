/* Allocation that aborts on failure (as in redis and kore): a request never handles
 * out-of-memory itself. Nothing else lives here. */
#ifndef OIH_XALLOC_H
#define OIH_XALLOC_H

#include <stddef.h>

/* Returns new memory the caller frees with free(); aborts when the system has none. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Returns a new copy of s (caller frees). */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
