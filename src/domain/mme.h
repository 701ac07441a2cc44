/* Morphine milligram equivalents of one dose entry (risk-model.md section 1). */
#ifndef OIH_MME_H
#define OIH_MME_H

#include <stdbool.h>

#include "domain/catalog.h"

/* Hours a continuous form (a patch) is worn when the entry does not say. */
#define MME_DEFAULT_PATCH_HOURS 72.0

/* Computes the MME of dose units of form taken over duration_hours (ignored unless the
 * form is continuous). Returns false when the form has no MME (non-opioids,
 * buprenorphine); the entry's mme is then null. A patch of S mcg/h worn H hours is
 * S x factor x H / 24. Results are rounded to 4 decimals to hide binary noise. */
bool mme_of_dose(const struct med_form *form, double dose, double duration_hours, double *out);

#endif
