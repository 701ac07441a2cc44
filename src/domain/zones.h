/* The IANA time-zone names the database knows (pg_timezone_names), held in memory so a
 * patient's zone is validated without a round trip. Read-only after loading. */
#ifndef OIH_ZONES_H
#define OIH_ZONES_H

#include <stdbool.h>
#include <stddef.h>

enum { ZONE_NAME_MAX = 64 };

struct zone_list {
    char (*names)[ZONE_NAME_MAX]; /* sorted by strcmp */
    size_t count;
};

bool zone_list_contains(const struct zone_list *zones, const char *name);
/* Sorts names so zone_list_contains can bisect. */
void zone_list_sort(struct zone_list *zones);
void zone_list_cleanup(struct zone_list *zones);

#endif
