-- The two database roles of thidua, for one database. Run it as a superuser (the production schema
-- job does), connected to the thidua database, before `thidua migrate`; running it again changes
-- nothing that is already right.
--
--   psql "postgresql://postgres@db.example/thidua" -v ON_ERROR_STOP=1 \
--        -v owner_role=thidua_owner -v service_role=thidua_app -f deploy/sql/roles.sql
--
-- then give each role its password (`\password thidua_owner`, `\password thidua_app`) and set
--   THIDUA_MIGRATION_DATABASE_URL=postgresql://thidua_owner:...@db.example/thidua   (thidua migrate)
--   DATABASE_URL=postgresql://thidua_app:...@db.example/thidua                      (API and worker)
-- `thidua db roles` runs this same file (it replaces the two psql variables below and nothing else).
--
-- owner role:   runs the migrations and owns every table, sequence and function of the schema.
-- service role: the API and the worker; owns nothing. Its rights on each table are granted by the
--               migrations (0005: only what the code needs; on audit_entries only INSERT and SELECT),
--               so it can neither change nor remove an audit row, disable or drop a trigger, or set
--               session_replication_role.

BEGIN;

SELECT set_config('thidua.owner_role', :'owner_role', true),
       set_config('thidua.service_role', :'service_role', true);

DO $roles$
DECLARE
    owner_role   text := current_setting('thidua.owner_role');
    service_role text := current_setting('thidua.service_role');
    role_name    text;
    obj          record;
BEGIN
    IF owner_role IS NULL OR service_role IS NULL OR owner_role = '' OR service_role = '' THEN
        RAISE EXCEPTION 'set owner_role and service_role (psql -v owner_role=... -v service_role=...)';
    END IF;
    IF owner_role = service_role THEN
        RAISE EXCEPTION 'the owner role and the service role must be two roles, not both %', owner_role;
    END IF;

    FOREACH role_name IN ARRAY ARRAY[owner_role, service_role] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name AND (rolsuper OR rolbypassrls)) THEN
            RAISE EXCEPTION 'role % is a superuser or bypasses row security: choose another role name', role_name;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', role_name);
        END IF;
        -- Neither role may create databases or roles, or replicate.
        EXECUTE format('ALTER ROLE %I LOGIN NOCREATEDB NOCREATEROLE NOREPLICATION', role_name);
        EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), role_name);
    END LOOP;

    -- The service role must not inherit the owner's rights (nor the other way round).
    IF pg_has_role(service_role, owner_role, 'MEMBER') THEN
        EXECUTE format('REVOKE %I FROM %I', owner_role, service_role);
    END IF;
    IF pg_has_role(service_role, owner_role, 'MEMBER') THEN
        RAISE EXCEPTION 'role % is still a member of % (through another role): the service role must not be able to act as the owner', service_role, owner_role;
    END IF;
    IF pg_has_role(owner_role, service_role, 'MEMBER') THEN
        EXECUTE format('REVOKE %I FROM %I', service_role, owner_role);
    END IF;

    -- Only the owner creates objects in the schema (PostgreSQL 15+ no longer lets PUBLIC create there;
    -- older servers did).
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', owner_role);
    EXECUTE format('REVOKE CREATE ON SCHEMA public FROM %I', service_role);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', service_role);

    -- A database migrated before the roles existed: the owner role takes over every object of the
    -- schema (a sequence that belongs to a table column follows its table).
    FOR obj IN
        SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = owner_role)
    LOOP
        EXECUTE format(
            'ALTER %s public.%I OWNER TO %I',
            CASE obj.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                             WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
            obj.relname, owner_role);
    END LOOP;
    FOR obj IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'S'
          AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = owner_role)
    LOOP
        EXECUTE format('ALTER SEQUENCE public.%I OWNER TO %I', obj.relname, owner_role);
    END LOOP;
    FOR obj IN
        SELECT p.oid::regprocedure AS signature, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public'
          AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = owner_role)
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I',
                       CASE obj.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
                       obj.signature, owner_role);
    END LOOP;
    FOR obj IN
        SELECT t.oid::regtype AS name, t.typtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
          AND t.typowner <> (SELECT oid FROM pg_roles WHERE rolname = owner_role)
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', CASE obj.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
                       obj.name, owner_role);
    END LOOP;

    -- The service role owns nothing in this database.
    EXECUTE format('REASSIGN OWNED BY %I TO %I', service_role, owner_role);
END
$roles$;

COMMIT;
