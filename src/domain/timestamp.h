/* RFC 3339 timestamps and calendar dates as the API writes them. Time is kept as
 * microseconds since the Unix epoch (UTC), the resolution PostgreSQL stores. */
#ifndef OIH_TIMESTAMP_H
#define OIH_TIMESTAMP_H

#include <stdbool.h>
#include <stdint.h>

#define TIMESTAMP_TEXT_MAX 40

/* Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)"; an offset is required, the
 * calendar date must exist (no Feb 30), and the instant must lie in years 1..9999 in UTC
 * (so timestamp_format can write it back). Sub-microsecond digits are dropped.
 * Returns 0 and *out_us, or -1. */
int timestamp_parse(const char *text, int64_t *out_us);

/* Writes us as UTC "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (fraction only when non-zero). */
void timestamp_format(int64_t us, char out[TIMESTAMP_TEXT_MAX]);

/* Microseconds since the epoch, now (CLOCK_REALTIME). */
int64_t timestamp_now(void);
/* Milliseconds on the monotonic clock: for durations, timeouts and intervals only. */
int64_t monotonic_ms(void);
/* Microseconds on the monotonic clock. */
int64_t monotonic_us(void);

/* Parses a calendar day "YYYY-MM-DD" that exists; returns 0 and days since 1970-01-01, or -1. */
int date_parse(const char *text, int32_t *out_days);

/* Writes days since 1970-01-01 as "YYYY-MM-DD" into out[11]. */
void date_format(int32_t days, char out[11]);

#endif
