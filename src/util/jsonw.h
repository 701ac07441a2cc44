/* A minimal JSON writer for the large, hot responses (trend series): one buffer sized up
 * front, numbers formatted without printf. Callers write the structure (braces, commas)
 * themselves; the writer escapes strings and formats values. Everything else uses jansson. */
#ifndef OIH_JSONW_H
#define OIH_JSONW_H

#include <stddef.h>
#include <string.h>

struct jsonw {
    char *buf; /* new (malloc); handed over by jsonw_finish */
    size_t len, cap;
};

/* Starts an empty document with room for about hint bytes. */
void jsonw_init(struct jsonw *w, size_t hint);
/* Appends the first n bytes of text as is. */
void jsonw_rawn(struct jsonw *w, const char *text, size_t n);
/* Appends text as is (structure: "{", "\"key\":", ","). Inline, so the length of a
 * literal is known when compiling. */
static inline void
jsonw_raw(struct jsonw *w, const char *text)
{
    jsonw_rawn(w, text, strlen(text));
}
/* Appends a JSON string: quotes and escapes s (valid UTF-8). */
void jsonw_string(struct jsonw *w, const char *s);
/* The same for the first n bytes of s (no NUL among them). */
void jsonw_stringn(struct jsonw *w, const char *s, size_t n);
void jsonw_int(struct jsonw *w, long long v);
/* Appends v rounded to two decimals, written like jansson writes reals ("5.5", "90.0"). */
void jsonw_fixed2(struct jsonw *w, double v);
void jsonw_null(struct jsonw *w);
/* Returns the document (new; caller frees) and its length; w is left empty. */
char *jsonw_finish(struct jsonw *w, size_t *len);

#endif
