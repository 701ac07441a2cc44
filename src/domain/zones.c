/* Time-zone name lookup by bisection over a sorted array. */
#include "domain/zones.h"

#include <stdlib.h>
#include <string.h>

static int
compare_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

bool
zone_list_contains(const struct zone_list *zones, const char *name)
{
    if (!zones->names || strlen(name) >= ZONE_NAME_MAX)
        return false;
    return bsearch(name, zones->names, zones->count, ZONE_NAME_MAX, compare_names) != NULL;
}

void
zone_list_sort(struct zone_list *zones)
{
    if (zones->names)
        qsort(zones->names, zones->count, ZONE_NAME_MAX, compare_names);
}

void
zone_list_cleanup(struct zone_list *zones)
{
    free(zones->names);
    zones->names = NULL;
    zones->count = 0;
}
