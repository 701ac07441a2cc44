/* Patients, who may see them, and care teams. */
#ifndef OIH_DB_PATIENTS_H
#define OIH_DB_PATIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "domain/cursor.h"
#include "domain/principal.h"
#include "domain/zones.h"

struct patient {
    char id[37];
    bool has_external_ref;
    char external_ref[128 * 4 + 1]; /* 128 characters of up to 4 UTF-8 bytes */
    char timezone[ZONE_NAME_MAX];
    int64_t created_at;
};

struct patient_page {
    struct patient *items; /* new; freed by patient_page_cleanup */
    size_t count;
    bool more;
};

/* Creates a patient; when clinician_id is not NULL the patient joins that care team in the
 * same statement. DB_CONFLICT when external_ref is taken. */
enum db_status db_patient_create(struct db_conn *c, const char *external_ref, const char *timezone,
                                 const char *clinician_id, struct patient *out);

/* Fetches a patient the caller may see; DB_NOT_FOUND for unknown and invisible alike. */
enum db_status db_patient_get(struct db_conn *c, const struct principal *who, const char *id,
                              struct patient *out);

/* Lists visible patients newest first, optionally only the one with external_ref, after the
 * cursor if given. */
enum db_status db_patient_list(struct db_conn *c, const struct principal *who,
                               const char *external_ref, const struct cursor *after, int limit,
                               struct patient_page *out);
void patient_page_cleanup(struct patient_page *page);

/* Erases a patient and, by cascade, every row that belongs to them. */
enum db_status db_patient_delete(struct db_conn *c, const char *id);

/* Adds or removes a clinician on a patient's care team. DB_NOT_FOUND when the patient or
 * the clinician does not exist (or, for remove, was not on the team). */
enum db_status db_care_team_add(struct db_conn *c, const char *patient_id,
                                const char *clinician_id);
enum db_status db_care_team_remove(struct db_conn *c, const char *patient_id,
                                   const char *clinician_id);

#endif
