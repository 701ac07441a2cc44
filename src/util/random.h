/* Random bytes from the kernel (getrandom) and the identifiers made from them:
 * bearer tokens, UUIDs and request ids. No other randomness is used. */
#ifndef OIH_RANDOM_H
#define OIH_RANDOM_H

#include <stddef.h>

/* Fills buf with n random bytes; returns 0, or -1 when the kernel refuses. Thread-safe. */
int random_bytes(void *buf, size_t n);
/* Writes 2*n lowercase hex digits and a NUL of n random bytes into out; 0 or -1. */
int random_hex(char *out, size_t n);
/* Writes a random (version 4) UUID, lowercase canonical form, into out[37]; 0 or -1. */
int random_uuid(char out[37]);

/* Bearer tokens: "oiw_" and 64 hex digits (256 random bits). */
enum { TOKEN_TEXT_SIZE = 4 + 64 + 1 };
/* Writes a new bearer token into out; 0 or -1. */
int random_token(char out[TOKEN_TEXT_SIZE]);

#endif
