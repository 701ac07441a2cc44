/* The medication catalog in memory: medications, their forms (route and unit) and MME
 * factors. Loaded once from the database at start-up (db/catalog.c) and read-only after,
 * so any thread may read it without locks. */
#ifndef OIH_CATALOG_H
#define OIH_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

enum med_class {
    MED_OPIOID,
    MED_BENZODIAZEPINE,
    MED_GABAPENTINOID,
    MED_ANTIDEPRESSANT,
    MED_NSAID,
    MED_OTHER,
};

#define MED_FORMS_MAX 4

struct med_form {
    char route[24];
    char unit[16];
    bool has_factor; /* false: no MME (non-opioids, buprenorphine) */
    double factor;
    bool continuous; /* the unit is a rate (mcg/h): MME accrues per hour worn */
};

struct medication {
    char key[48];
    char name[64];
    enum med_class med_class;
    struct med_form forms[MED_FORMS_MAX];
    int nforms;
};

struct catalog {
    struct medication *meds; /* sorted by key */
    size_t count;
    char source[256];
};

/* Returns the medication with this key, borrowed from cat, or NULL. */
const struct medication *catalog_find(const struct catalog *cat, const char *key);
/* Returns the form of med for this route, borrowed, or NULL. */
const struct med_form *medication_form(const struct medication *med, const char *route);

/* "opioid", "benzodiazepine", ...; static strings. */
const char *med_class_name(enum med_class c);
/* Parses a class name; returns 0 or -1. */
int med_class_parse(const char *name, enum med_class *out);

/* Sorts cat->meds by key so catalog_find can bisect. */
void catalog_sort(struct catalog *cat);
void catalog_cleanup(struct catalog *cat);

#endif
