/* Small rules about entries that are shared by parsing, storage and the trend code. */
#include "domain/entry.h"

#include <math.h>

bool
pain_entry_peg(const struct pain_entry *e, double *out)
{
    if (e->enjoyment < 0 || e->activity < 0)
        return false;
    *out = round((e->score + e->enjoyment + e->activity) / 3.0 * 10.0) / 10.0;
    return true;
}

bool
entry_time_ok(int64_t t, int64_t now)
{
    return t >= ENTRY_EARLIEST_US && t <= now + (int64_t)FUTURE_SLACK_SECONDS * 1000000;
}
