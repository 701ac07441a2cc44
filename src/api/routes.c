/* The whole API on one screen. Order does not matter for matching; roles say who may call a
 * route at all (others get 403); finer checks, such as which patient, live in handlers.
 * READ routes tolerate a second of replication lag, so a replica may serve them; PAT
 * routes name a patient in parameter 0, and every call to them is audited. */
#include "api/api.h"

#define ANY ROLE_ANY
#define STAFF (ROLE_CLINICIAN | ROLE_ADMIN)
#define ADMIN ROLE_ADMIN
#define READ ROUTE_READ
#define PAT ROUTE_PATIENT
#define BODY ROUTE_BODY
#define PATIENTS "/v1/patients/:patient_id"
#define P "/v1/patients/{patient_id}"

const struct route api_routes[] = {
    {HTTP_GET, "/healthz", ops_healthz, "/healthz", 0, ROUTE_PUBLIC},
    {HTTP_GET, "/readyz", ops_readyz, "/readyz", 0, ROUTE_PUBLIC | ROUTE_DB},
    {HTTP_GET, "/metrics", ops_metrics, "/metrics", 0, ROUTE_PUBLIC},
    {HTTP_GET, "/openapi.json", ops_openapi, "/openapi.json", 0, ROUTE_PUBLIC},
    {HTTP_GET, "/v1/me", me_get, "/v1/me", ANY, 0},
    {HTTP_POST, "/v1/tokens", tokens_create, "/v1/tokens", STAFF, BODY},
    {HTTP_DELETE, "/v1/tokens/:token_id", tokens_revoke, "/v1/tokens/{token_id}", STAFF, 0},
    {HTTP_GET, "/v1/medications", medications_list, "/v1/medications", ANY, 0},
    {HTTP_POST, "/v1/patients", patients_create, "/v1/patients", STAFF, BODY},
    {HTTP_GET, "/v1/patients", patients_list, "/v1/patients", ANY, READ},
    {HTTP_GET, PATIENTS, patients_get, P, ANY, PAT},
    {HTTP_DELETE, PATIENTS, patients_delete, P, ADMIN, PAT},
    {HTTP_PUT, PATIENTS "/clinicians/:principal_id", care_team_add, P "/clinicians/{principal_id}",
     ADMIN, PAT},
    {HTTP_DELETE, PATIENTS "/clinicians/:principal_id", care_team_remove,
     P "/clinicians/{principal_id}", ADMIN, PAT},
    {HTTP_POST, PATIENTS "/pain-entries", pain_create, P "/pain-entries", ANY, PAT | BODY},
    {HTTP_GET, PATIENTS "/pain-entries", pain_list, P "/pain-entries", ANY, PAT | READ},
    {HTTP_DELETE, PATIENTS "/pain-entries/:entry_id", pain_delete, P "/pain-entries/{entry_id}",
     ANY, PAT},
    {HTTP_POST, PATIENTS "/dose-entries", dose_create, P "/dose-entries", ANY, PAT | BODY},
    {HTTP_GET, PATIENTS "/dose-entries", dose_list, P "/dose-entries", ANY, PAT | READ},
    {HTTP_DELETE, PATIENTS "/dose-entries/:entry_id", dose_delete, P "/dose-entries/{entry_id}",
     ANY, PAT},
    {HTTP_GET, PATIENTS "/trend", trend_get, P "/trend", ANY, PAT | READ},
    {HTTP_GET, PATIENTS "/risk", risk_get, P "/risk", ANY, PAT | READ},
    {HTTP_GET, PATIENTS "/audit", audit_list, P "/audit", ADMIN, PAT},
    {HTTP_GET, "/v1/risk", cohort_list, "/v1/risk", STAFF, READ},
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
