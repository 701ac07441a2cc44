/* Role names as they appear in the API and the database. */
#include "domain/principal.h"

#include <string.h>

static const struct {
    enum role role;
    const char *name;
} roles[] = {{ROLE_PATIENT, "patient"}, {ROLE_CLINICIAN, "clinician"}, {ROLE_ADMIN, "admin"}};

const char *
role_name(enum role role)
{
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
        if (roles[i].role == role)
            return roles[i].name;
    }
    return "unknown";
}

int
role_parse(const char *name, enum role *out)
{
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
        if (strcmp(roles[i].name, name) == 0) {
            *out = roles[i].role;
            return 0;
        }
    }
    return -1;
}
