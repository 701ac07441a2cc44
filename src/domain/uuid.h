/* UUID text validation. Ids are generated elsewhere (util/random.h). */
#ifndef OIH_UUID_H
#define OIH_UUID_H

#include <stdbool.h>

/* True when text is a UUID in canonical 8-4-4-4-12 form (hex digits of either case);
 * then writes its lowercase form to out[37]. out may be NULL. */
bool uuid_normalize(const char *text, char *out);

#endif
