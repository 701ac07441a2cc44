/* JSON writer. Only the escapes JSON requires are written (quote, backslash, controls);
 * UTF-8 passes through, since every string we write came validated from jansson or the
 * database (client_encoding UTF8). */
#include "util/jsonw.h"

#include <math.h>
#include <string.h>

#include "util/xalloc.h"

static void
reserve(struct jsonw *w, size_t more)
{
    if (w->len + more + 1 <= w->cap)
        return;
    while (w->len + more + 1 > w->cap)
        w->cap = w->cap ? w->cap * 2 : 256;
    w->buf = xrealloc(w->buf, w->cap);
}

static void
append(struct jsonw *w, const char *s, size_t n)
{
    reserve(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

void
jsonw_init(struct jsonw *w, size_t hint)
{
    w->len = 0;
    w->cap = hint > 0 ? hint : 256;
    w->buf = xmalloc(w->cap);
    w->buf[0] = '\0';
}

void
jsonw_rawn(struct jsonw *w, const char *text, size_t n)
{
    append(w, text, n);
}

void
jsonw_string(struct jsonw *w, const char *s)
{
    jsonw_stringn(w, s, strlen(s));
}

void
jsonw_stringn(struct jsonw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *end = (const unsigned char *)s + n;
    const unsigned char *run = (const unsigned char *)s; /* start of bytes not yet written */
    append(w, "\"", 1);
    for (const unsigned char *p = run; p < end; p++) {
        if (*p != '"' && *p != '\\' && *p >= 0x20)
            continue;
        append(w, (const char *)run, (size_t)(p - run));
        run = p + 1;
        if (*p < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            append(w, esc, 6);
        } else {
            char esc[2] = {'\\', (char)*p};
            append(w, esc, 2);
        }
    }
    append(w, (const char *)run, (size_t)(end - run));
    append(w, "\"", 1);
}

/* Writes the digits of v (v >= 0) just before end; returns where they start. */
static char *
digits(char *end, unsigned long long v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void
jsonw_int(struct jsonw *w, long long v)
{
    char buf[24], *end = buf + sizeof(buf);
    if (v < 0)
        append(w, "-", 1);
    char *start = digits(end, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
    append(w, start, (size_t)(end - start));
}

void
jsonw_fixed2(struct jsonw *w, double v)
{
    if (!isfinite(v) || fabs(v) >= 1e15) {
        jsonw_null(w); /* never produced by our data; refuse to write an invalid number */
        return;
    }
    long long cents = llround(v * 100.0);
    if (cents < 0) {
        append(w, "-", 1);
        cents = -cents;
    }
    jsonw_int(w, cents / 100);
    char frac[3] = {'.', (char)('0' + cents % 100 / 10), (char)('0' + cents % 10)};
    append(w, frac, frac[2] == '0' ? 2 : 3); /* "5.5", and "90.0" rather than "90.00" */
}

void
jsonw_null(struct jsonw *w)
{
    append(w, "null", 4);
}

char *
jsonw_finish(struct jsonw *w, size_t *len)
{
    char *out = w->buf;
    *len = w->len;
    w->buf = NULL;
    w->len = w->cap = 0;
    return out;
}
