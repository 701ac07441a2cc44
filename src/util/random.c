/* Kernel randomness via getrandom(2); never a userspace PRNG, because tokens come from here. */
#include "util/random.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int
random_bytes(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

static void
hex_encode(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int
random_hex(char *out, size_t n)
{
    uint8_t buf[64];
    if (n > sizeof(buf) || random_bytes(buf, n) < 0)
        return -1;
    hex_encode(out, buf, n);
    return 0;
}

int
random_uuid(char out[37])
{
    uint8_t b[16];
    char hex[33];
    if (random_bytes(b, sizeof(b)) < 0)
        return -1;
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    hex_encode(hex, b, sizeof(b));
    (void)snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
                   hex + 20);
    return 0;
}

int
random_token(char out[TOKEN_TEXT_SIZE])
{
    memcpy(out, "oiw_", 4);
    return random_hex(out + 4, 32);
}
