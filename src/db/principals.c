/* Token storage. Only sha256(token) is stored or compared; the token text itself never
 * reaches a log or a table. */
#include "db/principals.h"

#include <stdio.h>
#include <string.h>

#include "db/internal.h"
#include "domain/timestamp.h"

static const char lookup_sql[] =
    "SELECT t.id, p.id, p.role, p.patient_id, oih_epoch_us(t.expires_at)"
    " FROM tokens t JOIN principals p ON p.id = t.principal_id"
    " WHERE t.token_hash = sha256(convert_to($1, 'UTF8')) AND t.revoked_at IS NULL"
    " AND (t.expires_at IS NULL OR t.expires_at > now())";

enum db_status
db_token_lookup(struct db_conn *c, const char *token, struct principal *out, int64_t *expires_us)
{
    PGresult *res = NULL;
    const char *params[] = {token};
    enum db_status st = db_query(c, "token_lookup", lookup_sql, 1, params, &res);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) != 1 || role_parse(PQgetvalue(res, 0, 2), &out->role) < 0) {
        PQclear(res);
        return DB_NOT_FOUND;
    }
    (void)snprintf(out->token_id, sizeof(out->token_id), "%s", PQgetvalue(res, 0, 0));
    (void)snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 1));
    (void)snprintf(out->patient_id, sizeof(out->patient_id), "%s", PQgetvalue(res, 0, 3));
    *expires_us = PQgetisnull(res, 0, 4) ? 0 : db_int(res, 0, 4);
    PQclear(res);
    return DB_OK;
}

/* A patient's devices share one principal: the upsert returns the existing one. */
static const char create_sql[] =
    "WITH p AS ("
    "  INSERT INTO principals (role, name, patient_id) VALUES ($1, $2, $3::uuid)"
    "  ON CONFLICT (patient_id) DO UPDATE SET role = excluded.role"
    "  RETURNING id)"
    " INSERT INTO tokens (principal_id, token_hash, created_by, expires_at)"
    " SELECT id, sha256(convert_to($4, 'UTF8')), $5::uuid, $6::timestamptz FROM p"
    " RETURNING id, principal_id, oih_epoch_us(created_at)";

enum db_status
db_token_create(struct db_conn *c, const struct token_spec *spec, const char *token,
                struct token_record *out)
{
    PGresult *res = NULL;
    char expires[TIMESTAMP_TEXT_MAX];
    if (spec->expires_at)
        timestamp_format(spec->expires_at, expires);
    const char *params[] = {role_name(spec->role), spec->name,
                            spec->patient_id,      token,
                            spec->created_by,      spec->expires_at ? expires : NULL};
    enum db_status st = db_query(c, "token_create", create_sql, 6, params, &res);
    if (st != DB_OK)
        return st;
    (void)snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
    (void)snprintf(out->principal_id, sizeof(out->principal_id), "%s", PQgetvalue(res, 0, 1));
    out->created_at = db_int(res, 0, 2);
    PQclear(res);
    return DB_OK;
}

enum db_status
db_token_revoke(struct db_conn *c, const char *token_id, const char *only_creator)
{
    PGresult *res = NULL;
    const char *params[] = {token_id, only_creator};
    enum db_status st = db_query(c, "token_revoke",
                                 "UPDATE tokens SET revoked_at = now()"
                                 " WHERE id = $1::uuid AND revoked_at IS NULL"
                                 " AND ($2::uuid IS NULL OR created_by = $2::uuid)"
                                 " RETURNING id",
                                 2, params, &res);
    if (st == DB_OK && PQntuples(res) == 0)
        st = DB_NOT_FOUND;
    PQclear(res);
    return st;
}
