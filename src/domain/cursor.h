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

/* What a list sorts by. The kind is written into the cursor, so a cursor of one list is
 * refused by another instead of being read as the wrong kind of key. */
enum cursor_kind {
    CURSOR_TIME = 1,     /* key: microseconds since the epoch */
    CURSOR_SCORE = 2,    /* key: a risk score */
    CURSOR_SEQUENCE = 3, /* key: a row number (the audit log's id) */
};

/* Writes c as 50 lowercase hex characters and a NUL. */
void cursor_encode(const struct cursor *c, enum cursor_kind kind, char out[CURSOR_TEXT_MAX]);
/* Parses text written by cursor_encode for the same kind; returns 0, or -1 for anything
 * else. The key's range is the caller's to check. */
int cursor_decode(const char *text, enum cursor_kind kind, struct cursor *out);

#endif
