/* Handlers of every route, the route table, and helpers shared by the handler files.
 * Handlers follow one shape: parse and validate, call domain and db, reply. */
#ifndef OIH_API_H
#define OIH_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "db/db.h"
#include "db/entries.h"
#include "db/patients.h"
#include "http/reply.h"
#include "http/request.h"
#include "http/router.h"

/* THE route table (routes.c). */
extern const struct route api_routes[];
extern const size_t api_routes_count;

/* Resolves the bearer token of req into req->who. Returns 0, or the status the request
 * must be answered with (401, or 503 when the database cannot say). */
int api_authenticate(struct request *req);

/* Builds the cached GET /v1/medications body from the catalog; new string, caller frees. */
char *api_medications_body(const struct catalog *cat);

/* --- helpers (common.c) --- */

/* Answers a failed db status (404, 409, 422, 503, 500); st must not be DB_OK. */
void reply_db_status(struct response *res, enum db_status st);
/* Loads the patient named by path parameter 0 if the caller may see it; otherwise replies
 * (404, 503) and returns false. */
bool load_patient(struct request *req, struct response *res, struct patient *out);
/* True when a patient lookup succeeded; otherwise replies 404 (unknown, or not visible to
 * the caller), 503 or 500 and returns false. */
bool patient_found(struct response *res, enum db_status st);
/* Validates path parameter i as a UUID into out[37]; replies 404 and returns false if not. */
bool path_uuid(struct request *req, struct response *res, int i, char out[37]);
/* Adapts req->query to the parse layer's param_get_fn. */
const char *query_param(const void *req, const char *name);
/* Ends query-parameter validation: when errs holds errors, replies 400 naming each
 * parameter and returns false. Cleans errs up either way. */
bool finish_query(struct response *res, struct field_errors *errs);
/* Records that the response shows patient_id's data (lists: one call per patient listed),
 * so the access audit names them. Copies the id. */
void request_audit_patient(struct request *req, const char *patient_id);
/* Adds a "next_cursor" member: the cursor text, or null when there is no next page. */
void set_next_cursor(json_t *body, bool more, enum cursor_kind kind, int64_t key, const char *id);

/* --- JSON of resources (render.c); every function returns a new object --- */
json_t *render_patient(const struct patient *p);
json_t *render_pain(const struct pain_entry *e, int64_t created_at);
json_t *render_dose(const struct dose_record *d);
/* A timestamp as a new JSON string in UTC. */
json_t *render_time(int64_t us);

/* --- handlers --- */
handler_fn ops_healthz, ops_readyz, ops_metrics, ops_openapi;
handler_fn me_get, tokens_create, tokens_revoke;
handler_fn medications_list;
handler_fn patients_create, patients_list, patients_get, patients_delete;
handler_fn care_team_add, care_team_remove;
handler_fn pain_create, pain_list, pain_delete;
handler_fn dose_create, dose_list, dose_delete;
handler_fn trend_get, risk_get, cohort_list, audit_list;

#endif
