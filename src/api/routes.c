/* The whole API on one screen. Order does not matter for matching; roles say who may call a
 * route at all (others get 403); finer checks, such as which patient, live in handlers.
 * READ routes tolerate a second of replication lag, so a replica may serve them. */
#include "api/api.h"

#define ANY ROLE_ANY
#define STAFF (ROLE_CLINICIAN | ROLE_ADMIN)
#define PATIENTS "/v1/patients/:patient_id"
#define READ ROUTE_READ

const struct route api_routes[] = {
    {HTTP_GET, "/healthz", ops_healthz, "/healthz", 0, ROUTE_PUBLIC},
    {HTTP_GET, "/readyz", ops_readyz, "/readyz", 0, ROUTE_PUBLIC | ROUTE_DB},
    {HTTP_GET, "/metrics", ops_metrics, "/metrics", 0, ROUTE_PUBLIC},
    {HTTP_GET, "/openapi.json", ops_openapi, "/openapi.json", 0, ROUTE_PUBLIC},
    {HTTP_GET, "/v1/me", me_get, "/v1/me", ANY, 0},
    {HTTP_POST, "/v1/tokens", tokens_create, "/v1/tokens", STAFF, ROUTE_BODY},
    {HTTP_DELETE, "/v1/tokens/:token_id", tokens_revoke, "/v1/tokens/{token_id}", STAFF, 0},
    {HTTP_GET, "/v1/medications", medications_list, "/v1/medications", ANY, 0},
    {HTTP_POST, "/v1/patients", patients_create, "/v1/patients", STAFF, ROUTE_BODY},
    {HTTP_GET, "/v1/patients", patients_list, "/v1/patients", ANY, READ},
    {HTTP_GET, PATIENTS, patients_get, "/v1/patients/{patient_id}", ANY, 0},
    {HTTP_DELETE, PATIENTS, patients_delete, "/v1/patients/{patient_id}", ROLE_ADMIN, 0},
    {HTTP_PUT, PATIENTS "/clinicians/:principal_id", care_team_add,
     "/v1/patients/{patient_id}/clinicians/{principal_id}", ROLE_ADMIN, 0},
    {HTTP_DELETE, PATIENTS "/clinicians/:principal_id", care_team_remove,
     "/v1/patients/{patient_id}/clinicians/{principal_id}", ROLE_ADMIN, 0},
    {HTTP_POST, PATIENTS "/pain-entries", pain_create, "/v1/patients/{patient_id}/pain-entries",
     ANY, ROUTE_BODY},
    {HTTP_GET, PATIENTS "/pain-entries", pain_list, "/v1/patients/{patient_id}/pain-entries",
     ANY, READ},
    {HTTP_DELETE, PATIENTS "/pain-entries/:entry_id", pain_delete,
     "/v1/patients/{patient_id}/pain-entries/{entry_id}", ANY, 0},
    {HTTP_POST, PATIENTS "/dose-entries", dose_create, "/v1/patients/{patient_id}/dose-entries",
     ANY, ROUTE_BODY},
    {HTTP_GET, PATIENTS "/dose-entries", dose_list, "/v1/patients/{patient_id}/dose-entries",
     ANY, READ},
    {HTTP_DELETE, PATIENTS "/dose-entries/:entry_id", dose_delete,
     "/v1/patients/{patient_id}/dose-entries/{entry_id}", ANY, 0},
    {HTTP_GET, PATIENTS "/trend", trend_get, "/v1/patients/{patient_id}/trend", ANY, READ},
    {HTTP_GET, PATIENTS "/risk", risk_get, "/v1/patients/{patient_id}/risk", ANY, READ},
    {HTTP_GET, "/v1/risk", cohort_list, "/v1/risk", STAFF, READ},
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
