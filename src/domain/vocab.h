/* The closed vocabularies and token rules of pain entries (api.md, Pain entries):
 * qualities, evoked-by stimuli and body-region tokens, and the note length rule. */
#ifndef OIH_VOCAB_H
#define OIH_VOCAB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum { QUALITY_COUNT = 10, EVOKED_COUNT = 5 };

extern const char *const vocab_qualities[QUALITY_COUNT];
extern const char *const vocab_evoked[EVOKED_COUNT];

/* Returns the index of word in list (of n words), or -1. */
int vocab_index(const char *const *list, size_t n, const char *word);
/* True for a body-region token: ^[a-z][a-z0-9_]{0,39}$ */
bool vocab_location_ok(const char *token);
/* The words of list (n words) whose bits are set in mask, as a new JSON array in list
 * order: how sets of qualities and stimuli are stored and returned. */
json_t *vocab_words_json(const char *const *list, size_t n, unsigned mask);
/* Number of Unicode characters in valid UTF-8 text. */
size_t utf8_length(const char *text);
/* True when text is valid UTF-8 without NUL (len bytes). */
bool utf8_valid(const char *text, size_t len);

#endif
