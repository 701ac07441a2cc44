/* Schema migrations: the numbered files of sql/, compiled into the binary, applied in
 * order, each once, and recorded in schema_migrations. */
#ifndef OIH_MIGRATE_H
#define OIH_MIGRATE_H

#include "db/db.h"

/* Applies every pending migration, each in its own transaction, while holding a
 * session advisory lock so concurrent replicas apply each file once. Returns 0 and the
 * number applied in *applied, or -1 (logged). */
int db_migrate(struct db_conn *c, int *applied);

/* The highest applied migration (0 when none), or DB_* failure. */
enum db_status db_schema_version(struct db_conn *c, int *out);

/* The highest migration compiled into this binary: what /readyz expects. */
int db_expected_schema_version(void);

#endif
