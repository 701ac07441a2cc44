/* FNV-1a over strings: a spread for table placement and a cheap check of identity, never
 * a security property. Chain calls to hash several strings as one key. */
#ifndef OIH_HASH_H
#define OIH_HASH_H

#include <stdint.h>

#define HASH_FNV1A_INIT UINT64_C(14695981039346656037)

/* Continues h over the bytes of s. */
static inline uint64_t
hash_fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

#endif
