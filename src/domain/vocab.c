/* Pain-entry vocabularies. Order matters: sets are stored in this order, so a replay with
 * the same words in another order is still the same content. */
#include "domain/vocab.h"

#include <string.h>

const char *const vocab_qualities[QUALITY_COUNT] = {
    "aching", "burning",  "cramping", "dull",      "electric",
    "sharp",  "shooting", "stabbing", "throbbing", "tingling",
};

const char *const vocab_evoked[EVOKED_COUNT] = {"light_touch", "cold", "heat", "pressure",
                                                "movement"};

int
vocab_index(const char *const *list, size_t n, const char *word)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], word) == 0)
            return (int)i;
    }
    return -1;
}

bool
vocab_location_ok(const char *token)
{
    size_t len = strlen(token);
    if (len < 1 || len > 40 || token[0] < 'a' || token[0] > 'z')
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = token[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

json_t *
vocab_words_json(const char *const *list, size_t n, unsigned mask)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        if (mask & (1u << i))
            json_array_append_new(a, json_string(list[i]));
    }
    return a;
}

size_t
utf8_length(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if ((*p & 0xc0) != 0x80)
            n++;
    }
    return n;
}

/* Length of the sequence starting with lead byte c, or 0 if c cannot start one. */
static size_t
sequence_length(unsigned char c)
{
    if (c >= 0x01 && c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return 2;
    if (c >= 0xe0 && c <= 0xef)
        return 3;
    if (c >= 0xf0 && c <= 0xf4)
        return 4;
    return 0;
}

bool
utf8_valid(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    while (p < end) {
        size_t n = sequence_length(*p);
        if (n == 0 || (size_t)(end - p) < n)
            return false;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
        }
        /* overlong 3/4-byte forms, surrogates and code points above U+10FFFF */
        if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
            (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
            return false;
        p += n;
    }
    return true;
}
