/* Opaque keyset-pagination cursors: the sort key of the last row returned (a time in
 * microseconds, or a score) and its UUID. Clients must treat the text as opaque. */
#ifndef OIH_CURSOR_H
#define OIH_CURSOR_H

#include <stdint.h>

#define CURSOR_TEXT_MAX 64

struct cursor {
    int64_t key;
    char id[37];
};

/* Writes c as 50 lowercase hex characters and a NUL. */
void cursor_encode(const struct cursor *c, char out[CURSOR_TEXT_MAX]);
/* Parses text written by cursor_encode; returns 0, or -1 for anything else. */
int cursor_decode(const char *text, struct cursor *out);

#endif
