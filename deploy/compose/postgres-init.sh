#!/bin/sh
# Run once by the postgres image on an empty data directory: the role Temporal's schema job and server
# sign in as (it creates its two databases, temporal and temporal_visibility). thidua's two roles are
# made by the db-roles job (`thidua db roles`, deploy/sql/roles.sql).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v pw="$TEMPORAL_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE temporal LOGIN CREATEDB PASSWORD %L', :'pw')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'temporal') \gexec
SQL
