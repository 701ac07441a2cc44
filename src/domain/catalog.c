/* Lookups in the in-memory medication catalog. Loading lives in db/catalog.c. */
#include "domain/catalog.h"

#include <stdlib.h>
#include <string.h>

static const char *const class_names[] = {
    [MED_OPIOID] = "opioid",
    [MED_BENZODIAZEPINE] = "benzodiazepine",
    [MED_GABAPENTINOID] = "gabapentinoid",
    [MED_ANTIDEPRESSANT] = "antidepressant",
    [MED_NSAID] = "nsaid",
    [MED_OTHER] = "other",
};

const char *
med_class_name(enum med_class c)
{
    return class_names[c];
}

int
med_class_parse(const char *name, enum med_class *out)
{
    for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++) {
        if (strcmp(name, class_names[i]) == 0) {
            *out = (enum med_class)i;
            return 0;
        }
    }
    return -1;
}

static int
compare_key(const void *key, const void *elem)
{
    return strcmp(key, ((const struct medication *)elem)->key);
}

static int
compare_meds(const void *a, const void *b)
{
    return strcmp(((const struct medication *)a)->key, ((const struct medication *)b)->key);
}

const struct medication *
catalog_find(const struct catalog *cat, const char *key)
{
    if (!cat->meds)
        return NULL;
    return bsearch(key, cat->meds, cat->count, sizeof(cat->meds[0]), compare_key);
}

const struct med_form *
medication_form(const struct medication *med, const char *route)
{
    for (int i = 0; i < med->nforms; i++) {
        if (strcmp(med->forms[i].route, route) == 0)
            return &med->forms[i];
    }
    return NULL;
}

void
catalog_sort(struct catalog *cat)
{
    if (cat->meds)
        qsort(cat->meds, cat->count, sizeof(cat->meds[0]), compare_meds);
}

void
catalog_cleanup(struct catalog *cat)
{
    free(cat->meds);
    cat->meds = NULL;
    cat->count = 0;
}
