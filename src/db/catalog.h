/* Loading the reference data the service keeps in memory: the medication catalog and the
 * list of time-zone names. */
#ifndef OIH_DB_CATALOG_H
#define OIH_DB_CATALOG_H

#include "db/db.h"
#include "domain/catalog.h"
#include "domain/zones.h"

/* Fills cat (which the caller cleans up with catalog_cleanup). */
enum db_status db_catalog_load(struct db_conn *c, struct catalog *cat);
/* Fills zones (cleaned up with zone_list_cleanup). */
enum db_status db_zones_load(struct db_conn *c, struct zone_list *zones);

#endif
