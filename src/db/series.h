/* The daily series of one patient, aggregated by local day in SQL (where it shrinks the
 * data); the statistics are computed from it in src/domain/. */
#ifndef OIH_DB_SERIES_H
#define OIH_DB_SERIES_H

#include <stdint.h>

#include "db/db.h"
#include "db/patients.h"
#include "domain/principal.h"
#include "domain/series.h"

/* Fills s with the patient's local days [first_day, last_day] from the daily rollup (days
 * in the patient's zone; doses with a duration spread their MME over the hours they
 * cover). s's location strings are borrowed from *owner, which the caller releases with
 * db_series_release after s. */
enum db_status db_series_load(struct db_conn *c, const char *patient_id, int32_t first_day,
                              int32_t last_day, struct series *s, void **owner);
void db_series_release(void *owner);

/* The days to read around an anchor date: anchor_day when >= 0, else the patient's local
 * date of anchor_at when not 0, else the patient's local date today. */
struct series_window {
    int32_t anchor_day;
    int64_t anchor_at;
    bool has_first; /* first_day is the first day to read... */
    int32_t first_day;
    int first_offset; /* ...else the anchor plus this many days */
    int last_offset;  /* the last day: the anchor plus this many days */
    int max_days;     /* a longer (or empty) window reads no days at all */
};

/* The patient, when who may see them (else DB_NOT_FOUND), the anchor date, and the daily
 * series over the window (empty when the window is not readable), in one round trip. s is
 * borrowed from *owner as with db_series_load. */
enum db_status db_patient_series_load(struct db_conn *c, const struct principal *who,
                                      const char *patient_id, const struct series_window *w,
                                      struct patient *p, int32_t *anchor, struct series *s,
                                      void **owner);

/* The patient's local date of a moment (microseconds since the epoch) in zone tz. */
enum db_status db_local_date(struct db_conn *c, const char *tz, int64_t at, int32_t *out);

#endif
