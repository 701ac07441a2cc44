/* Who is calling, as resolved from a bearer token, and the roles of api.md. */
#ifndef OIH_PRINCIPAL_H
#define OIH_PRINCIPAL_H

enum role { ROLE_PATIENT = 1 << 0, ROLE_CLINICIAN = 1 << 1, ROLE_ADMIN = 1 << 2 };
#define ROLE_ANY (ROLE_PATIENT | ROLE_CLINICIAN | ROLE_ADMIN)

struct principal {
    char id[37];
    enum role role;
    char patient_id[37]; /* "" unless role is patient */
    char token_id[37];
};

/* "patient", "clinician" or "admin". */
const char *role_name(enum role role);
/* Parses a role name; returns 0 or -1. */
int role_parse(const char *name, enum role *out);

#endif
