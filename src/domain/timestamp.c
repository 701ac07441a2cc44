/* Timestamp text in and out. Parsing leaves calendar arithmetic to the C library (timegm
 * and gmtime_r): a parsed date is accepted only if it survives the round trip unchanged.
 * date_format, on the trend's hot path, does its own (civil_from_days). */
#define _DEFAULT_SOURCE /* timegm */
#include "domain/timestamp.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define US_PER_SEC INT64_C(1000000)
/* 0001-01-01T00:00:00Z and the last microsecond of 9999: the instants RFC 3339 (four-digit
 * years) can write in UTC, and so the only ones timestamp_format may be handed. */
#define EARLIEST_US (INT64_C(-62135596800) * US_PER_SEC)
#define LATEST_US (INT64_C(253402300799) * US_PER_SEC + 999999)

/* Reads exactly n decimal digits; returns the value or -1. */
static int
digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Converts a civil UTC date-time to seconds, refusing dates that do not exist. */
static int
civil_to_seconds(int year, int mon, int mday, int hour, int min, int sec, int64_t *out)
{
    struct tm tm = {.tm_year = year - 1900,
                    .tm_mon = mon - 1,
                    .tm_mday = mday,
                    .tm_hour = hour,
                    .tm_min = min,
                    .tm_sec = sec};
    if (mon < 1 || mon > 12 || mday < 1 || hour > 23 || min > 59 || sec > 59)
        return -1;
    time_t t = timegm(&tm);
    struct tm back;
    if (!gmtime_r(&t, &back) || back.tm_mday != mday || back.tm_mon != mon - 1)
        return -1;
    *out = (int64_t)t;
    return 0;
}

/* Parses ".ffff" (1..9 digits) at *p into microseconds and advances p. */
static int
parse_fraction(const char **p, int64_t *us)
{
    const char *s = *p;
    int64_t scale = 100000;
    int n = 0;
    *us = 0;
    if (*s != '.')
        return 0;
    for (s++; *s >= '0' && *s <= '9'; s++, n++) {
        *us += (*s - '0') * scale;
        scale /= 10;
    }
    *p = s;
    return n >= 1 && n <= 9 ? 0 : -1;
}

/* Parses "Z" or "+hh:mm"/"-hh:mm" that must end the string; seconds east of UTC. */
static int
parse_offset(const char *s, int *out_seconds)
{
    if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
        *out_seconds = 0;
        return 0;
    }
    if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':')
        return -1;
    int hh = digits(s + 1, 2), mm = digits(s + 4, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
        return -1;
    *out_seconds = (s[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return 0;
}

int
timestamp_parse(const char *text, int64_t *out_us)
{
    if (!text || strlen(text) < 20 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
        return -1;
    int year = digits(text, 4), mon = digits(text + 5, 2), mday = digits(text + 8, 2);
    int hour = digits(text + 11, 2), min = digits(text + 14, 2), sec = digits(text + 17, 2);
    if (year < 0 || mon < 0 || mday < 0 || hour < 0 || min < 0 || sec < 0)
        return -1;
    const char *p = text + 19;
    int64_t frac_us, secs;
    int offset;
    if (parse_fraction(&p, &frac_us) < 0 || parse_offset(p, &offset) < 0 ||
        civil_to_seconds(year, mon, mday, hour, min, sec, &secs) < 0)
        return -1;
    int64_t us = (secs - offset) * US_PER_SEC + frac_us;
    if (us < EARLIEST_US || us > LATEST_US)
        return -1; /* an offset pushed it past year 1 or 9999 in UTC */
    *out_us = us;
    return 0;
}

void
timestamp_format(int64_t us, char out[TIMESTAMP_TEXT_MAX])
{
    int64_t secs = us / US_PER_SEC, frac = us % US_PER_SEC;
    if (frac < 0) {
        frac += US_PER_SEC;
        secs--;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    int n = snprintf(out, TIMESTAMP_TEXT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (frac)
        n += snprintf(out + n, (size_t)(TIMESTAMP_TEXT_MAX - n), ".%06lld", (long long)frac);
    (void)snprintf(out + n, (size_t)(TIMESTAMP_TEXT_MAX - n), "Z");
}

int64_t
timestamp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

int64_t
monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

int64_t
monotonic_ms(void)
{
    return monotonic_us() / 1000;
}

int
date_parse(const char *text, int32_t *out_days)
{
    int64_t secs;
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return -1;
    int year = digits(text, 4), mon = digits(text + 5, 2), mday = digits(text + 8, 2);
    if (year < 0 || mon < 0 || mday < 0 || civil_to_seconds(year, mon, mday, 0, 0, 0, &secs) < 0)
        return -1;
    *out_days = (int32_t)(secs / 86400);
    return 0;
}

/* The civil date of a day count (Howard Hinnant's days-to-civil): the trend writes a
 * date per day, where gmtime_r and snprintf cost more than the rest of the bucket. */
static void
civil_from_days(int32_t days, int *year, unsigned *mon, unsigned *mday)
{
    int64_t z = (int64_t)days + 719468; /* days since 0000-03-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                    /* March = 0 */
    *mday = doy - (153 * mp + 2) / 5 + 1;
    *mon = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400) + (*mon <= 2);
}

/* Writes the n last decimal digits of v. */
static void
put_digits(char *out, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void
date_format(int32_t days, char out[11])
{
    int year;
    unsigned mon, mday;
    civil_from_days(days, &year, &mon, &mday);
    put_digits(out, (unsigned)year % 10000u, 4);
    out[4] = '-';
    put_digits(out + 5, mon, 2);
    out[7] = '-';
    put_digits(out + 8, mday, 2);
    out[10] = '\0';
}
