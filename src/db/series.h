/* The daily series of one patient, aggregated by local day in SQL (where it shrinks the
 * data); the statistics are computed from it in src/domain/. */
#ifndef OIH_DB_SERIES_H
#define OIH_DB_SERIES_H

#include <stdint.h>

#include "db/db.h"
#include "domain/series.h"

/* Fills s with the patient's local days [first_day, last_day] from the daily rollup (days
 * in the patient's zone; doses with a duration spread their MME over the hours they
 * cover). s's location strings are borrowed from *owner, which the caller releases with
 * db_series_release after s. */
enum db_status db_series_load(struct db_conn *c, const char *patient_id, int32_t first_day,
                              int32_t last_day, struct series *s, void **owner);
void db_series_release(void *owner);

/* The patient's local date of a moment (microseconds since the epoch) in zone tz. */
enum db_status db_local_date(struct db_conn *c, const char *tz, int64_t at, int32_t *out);

#endif
