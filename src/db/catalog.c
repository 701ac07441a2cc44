/* Reads catalog rows into the domain structs. Rows come ordered by medication so the
 * forms of one medication are adjacent. */
#include "db/catalog.h"

#include <stdio.h>
#include <string.h>

#include "db/internal.h"
#include "log.h"
#include "util/xalloc.h"

static const char catalog_sql[] =
    "SELECT m.key, m.name, m.class, f.route, f.unit, f.mme_factor, f.continuous,"
    " (SELECT source FROM catalog_info WHERE id = 1)"
    " FROM medications m JOIN medication_forms f ON f.medication_key = m.key"
    " ORDER BY m.key, f.route";

static int
add_form(struct catalog *cat, const PGresult *res, int r)
{
    struct medication *med = cat->count ? &cat->meds[cat->count - 1] : NULL;
    if (!med || strcmp(med->key, PQgetvalue(res, r, 0)) != 0) {
        med = &cat->meds[cat->count++];
        memset(med, 0, sizeof(*med));
        (void)snprintf(med->key, sizeof(med->key), "%s", PQgetvalue(res, r, 0));
        (void)snprintf(med->name, sizeof(med->name), "%s", PQgetvalue(res, r, 1));
        if (med_class_parse(PQgetvalue(res, r, 2), &med->med_class) < 0)
            return -1;
    }
    if (med->nforms == MED_FORMS_MAX)
        return -1;
    struct med_form *f = &med->forms[med->nforms++];
    (void)snprintf(f->route, sizeof(f->route), "%s", PQgetvalue(res, r, 3));
    (void)snprintf(f->unit, sizeof(f->unit), "%s", PQgetvalue(res, r, 4));
    f->has_factor = !PQgetisnull(res, r, 5);
    f->factor = f->has_factor ? db_double(res, r, 5) : 0.0;
    f->continuous = db_bool(res, r, 6);
    return 0;
}

enum db_status
db_catalog_load(struct db_conn *c, struct catalog *cat)
{
    PGresult *res = NULL;
    memset(cat, 0, sizeof(*cat));
    enum db_status st = db_query(c, "catalog_load", catalog_sql, 0, NULL, &res);
    if (st != DB_OK)
        return st;
    int rows = PQntuples(res);
    cat->meds = xcalloc((size_t)rows, sizeof(cat->meds[0]));
    for (int r = 0; r < rows; r++) {
        if (add_form(cat, res, r) < 0) {
            log_error("catalog row rejected", "{s:i}", "row", r);
            st = DB_ERROR;
            break;
        }
    }
    if (rows > 0)
        (void)snprintf(cat->source, sizeof(cat->source), "%s", PQgetvalue(res, 0, 7));
    PQclear(res);
    if (st == DB_OK)
        catalog_sort(cat);
    else
        catalog_cleanup(cat);
    return st;
}

enum db_status
db_zones_load(struct db_conn *c, struct zone_list *zones)
{
    PGresult *res = NULL;
    memset(zones, 0, sizeof(*zones));
    enum db_status st =
        db_query(c, "zones_load", "SELECT name FROM pg_timezone_names", 0, NULL, &res);
    if (st != DB_OK)
        return st;
    int rows = PQntuples(res);
    zones->names = xcalloc((size_t)rows, ZONE_NAME_MAX);
    for (int r = 0; r < rows; r++) {
        const char *name = PQgetvalue(res, r, 0);
        if (strlen(name) < ZONE_NAME_MAX)
            memcpy(zones->names[zones->count++], name, strlen(name) + 1);
    }
    PQclear(res);
    zone_list_sort(zones);
    return DB_OK;
}
