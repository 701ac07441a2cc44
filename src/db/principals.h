/* Principals and their bearer tokens: lookup on every request, creation and revocation. */
#ifndef OIH_DB_PRINCIPALS_H
#define OIH_DB_PRINCIPALS_H

#include <stdint.h>

#include "db/db.h"
#include "domain/principal.h"

struct token_spec {
    enum role role;
    const char *name;       /* may be NULL */
    const char *patient_id; /* required for ROLE_PATIENT, else NULL */
    const char *created_by; /* principal id, or NULL from the command line */
    int64_t expires_at;     /* microseconds since the epoch; 0: never */
};

struct token_record {
    char id[37];
    char principal_id[37];
    int64_t created_at;
};

/* Resolves a bearer token (its text) to the principal and the token's expiry (0: none);
 * DB_NOT_FOUND when the token is unknown, revoked or expired. */
enum db_status db_token_lookup(struct db_conn *c, const char *token, struct principal *out,
                               int64_t *expires_us);

/* Stores SHA-256 of token under a principal: a new one for clinicians and admins, the
 * patient's own (made on first use) for patients. DB_NOT_FOUND when the patient is gone. */
enum db_status db_token_create(struct db_conn *c, const struct token_spec *spec, const char *token,
                               struct token_record *out);

/* Revokes an active token. only_creator (a principal id) restricts it to tokens that
 * principal created; NULL allows any. DB_NOT_FOUND when nothing active matched. */
enum db_status db_token_revoke(struct db_conn *c, const char *token_id, const char *only_creator);

#endif
