/* Cursor layout: one kind byte, the key as 8 big-endian bytes, the 16 UUID bytes, all
 * hex-encoded. A new layout would take new kind values, so old cursors are never misread. */
#include "domain/cursor.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "domain/uuid.h"

enum { CURSOR_BYTES = 25 };

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int
hex_decode(const char *text, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

void
cursor_encode(const struct cursor *c, enum cursor_kind kind, char out[CURSOR_TEXT_MAX])
{
    uint64_t key = (uint64_t)c->key;
    char *p = out + snprintf(out, CURSOR_TEXT_MAX, "%02x", (unsigned)kind);
    for (int shift = 56; shift >= 0; shift -= 8)
        p += snprintf(p, 3, "%02x", (unsigned)((key >> shift) & 0xff));
    for (const char *u = c->id; *u; u++) {
        if (*u != '-')
            *p++ = (char)tolower((unsigned char)*u);
    }
    *p = '\0';
}

int
cursor_decode(const char *text, enum cursor_kind kind, struct cursor *out)
{
    uint8_t b[CURSOR_BYTES];
    if (!text || strlen(text) != 2 * CURSOR_BYTES || hex_decode(text, b, CURSOR_BYTES) < 0 ||
        b[0] != (uint8_t)kind)
        return -1;
    uint64_t key = 0;
    for (int i = 1; i <= 8; i++)
        key = key << 8 | b[i];
    out->key = (int64_t)key;
    const char *u = text + 18;
    char id[37];
    (void)snprintf(id, sizeof(id), "%.8s-%.4s-%.4s-%.4s-%.12s", u, u + 8, u + 12, u + 16, u + 20);
    return uuid_normalize(id, out->id) ? 0 : -1;
}
