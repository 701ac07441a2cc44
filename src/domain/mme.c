/* MME arithmetic. Factors come from the catalog, never from constants here, so a new
 * guideline is a data change. */
#include "domain/mme.h"

#include <math.h>

bool
mme_of_dose(const struct med_form *form, double dose, double duration_hours, double *out)
{
    if (!form->has_factor)
        return false;
    double mme = dose * form->factor;
    if (form->continuous)
        mme = mme * duration_hours / 24.0;
    *out = round(mme * 10000.0) / 10000.0;
    return true;
}
