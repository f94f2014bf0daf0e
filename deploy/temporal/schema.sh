#!/bin/sh
# Temporal's two databases on PostgreSQL: create (if missing), setup-schema (first time), then
# update-schema to the version of this admin-tools image (run it again after upgrading Temporal).
# Environment: POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, POSTGRES_PWD, DBNAME, VISIBILITY_DBNAME.
set -eu
: "${DB_PORT:=5432}" "${DBNAME:=temporal}" "${VISIBILITY_DBNAME:=temporal_visibility}"
SCHEMA=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
export SQL_PASSWORD="$POSTGRES_PWD"
tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}
for pair in "$DBNAME:temporal" "$VISIBILITY_DBNAME:visibility"; do
  db=${pair%%:*}
  dir=${pair#*:}
  tool --db "$db" create || echo "database $db exists"
  # setup-schema -v 0.0 only creates the version table; it is a no-op on a database already set up.
  tool --db "$db" setup-schema -v 0.0 || echo "schema of $db already set up"
  tool --db "$db" update-schema -d "$SCHEMA/$dir/versioned"
done
echo "temporal schema ready"
