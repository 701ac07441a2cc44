/* Canonical UUID text: 36 characters, dashes at fixed places. Case is folded because
 * RFC 9562 says input is case-insensitive (iOS, for one, prints uppercase). */
#include "domain/uuid.h"

#include <ctype.h>
#include <string.h>

bool
uuid_normalize(const char *text, char *out)
{
    if (!text || strlen(text) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : !isxdigit((unsigned char)text[i]))
            return false;
    }
    if (out) {
        for (int i = 0; i < 36; i++)
            out[i] = (char)tolower((unsigned char)text[i]);
        out[36] = '\0';
    }
    return true;
}
