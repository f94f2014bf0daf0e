"""The `thidua` command: the worker, migrations and plan start-up in production; the dev stack and the plan
simulator in development (imported only when asked for, so a production image needs no dev extras)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

from service.core.settings import CoreSettings, get_core_settings

log = logging.getLogger("thidua")


def build_parser() -> argparse.ArgumentParser:
    """The command line; tests/deploy checks every command the image and the manifests name against it."""
    parser = argparse.ArgumentParser(prog="thidua")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start everything for development (embedded Temporal and PostgreSQL)")
    api = sub.add_parser("api", help="serve the API and the web UI (uvicorn; THIDUA_API_HOST, _PORT, _WORKERS)")
    api.add_argument("--host", help="listen address (default: THIDUA_API_HOST)")
    api.add_argument("--port", type=int, help="listen port (default: THIDUA_API_PORT)")
    api.add_argument("--workers", type=int, help="processes (default: THIDUA_API_WORKERS)")
    worker = sub.add_parser("worker", help="run the Temporal worker (drains on SIGTERM: THIDUA_SHUTDOWN_SECONDS)")
    worker.add_argument("--processes", type=int, help="worker processes (default: THIDUA_WORKER_PROCESSES)")
    sub.add_parser(
        "migrate",
        help="apply database migrations and seed reference data, as the owner role "
        "(THIDUA_MIGRATION_DATABASE_URL, else DATABASE_URL); as a superuser it first creates the two roles",
    )
    db = sub.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_roles = db_sub.add_parser(
        "roles", help="create the owner and service roles (deploy/sql/roles.sql); needs a superuser's connection"
    )
    db_roles.add_argument(
        "--admin-url",
        help="a superuser's postgresql:// URL to the thidua database (default: THIDUA_MIGRATION_DATABASE_URL, "
        "else DATABASE_URL)",
    )
    db_wait = db_sub.add_parser(
        "wait",
        help="wait until `thidua migrate` has brought the database to this release's schema (or a later one); "
        "as the service role (DATABASE_URL): the init container of the API's and the workers' pods",
    )
    db_wait.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait before exiting with 1 (default: 300)"
    )
    plans = sub.add_parser("plans", help="plans: preview a plan's timeline, start the plan workflows")
    plans_sub = plans.add_subparsers(dest="plans_command", required=True)
    simulate = plans_sub.add_parser("simulate", help="run a plan on the time-skipping server and print its timeline")
    simulate.add_argument("plan", help="a plan id (deploy/plans) or the path of a plan file")
    simulate.add_argument("--from", dest="start", default="2024-01-01", help="first day (YYYY-MM-DD)")
    simulate.add_argument("--to", dest="end", default="2031-01-01", help="day after the last (YYYY-MM-DD)")
    plans_sub.add_parser("start", help="start each plan's workflow unless it runs")
    decisions = sub.add_parser("decisions", help="award decisions: verify a decision's signed PDF")
    decisions_sub = decisions.add_subparsers(dest="decisions_command", required=True)
    verify = decisions_sub.add_parser("verify", help="is this PDF intact, and whose signature does it carry?")
    verify.add_argument("file", help="the decision's PDF")
    verify.add_argument(
        "--trust", action="append", default=[], help="a trusted authority's certificate (PEM or DER); repeatable; "
        "THIDUA_SIGNING_TRUST_ROOTS by default",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "decisions":
        return verify_command(args.file, args.trust)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("temporalio", "pgserver", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    if args.command == "run":
        from service.dev.devstack import main as run_stack

        return run_stack()
    if args.command == "api":
        return api_command(args.host, args.port, args.workers)
    # None of these commands signs a token: they need no signing secret (the API's settings do).
    settings = get_core_settings()
    if args.command == "plans" and args.plans_command == "start":
        from service.temporal.plan_startup import start_plans_command

        if not settings.database_url:
            print("DATABASE_URL is not set", file=sys.stderr)
            return 2
        code = start_plans_command(settings)
        # As the worker: the Temporal client's Rust threads may still call into Python while the
        # interpreter finalises, which aborts the process (exit 134) after a successful start.
        _exit_now(code)
    if args.command == "plans":
        # The simulator runs a plan on the time-skipping test server: a development tool.
        from service.dev.plan_simulator import main as simulate_plan

        return simulate_plan(args, settings)
    if args.command == "worker":
        processes = args.processes or settings.worker_processes
        if processes > 1:
            from service.worker_group import run_group

            return run_group(processes)
        import uvloop

        from service.worker import run_worker

        # uvloop: the SDK's Rust threads wake the loop for every task; uvloop's wake-up and sockets cost less CPU.
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(run_worker(settings))
        # Drained and closed. Exit without the interpreter's finalisation: the Temporal SDK's Rust
        # threads may still call into Python while it finalises, which aborts the process
        # ("PyGILState_Release ... finalizing") and turns a clean stop into a crash (exit 134).
        _exit_now(0)
    if args.command == "migrate":
        return migrate_command(settings)
    if args.command == "db" and args.db_command == "roles":
        return roles_command(settings, args.admin_url)
    if args.command == "db" and args.db_command == "wait":
        return wait_command(settings, args.timeout)
    return 2


def _exit_now(code: int) -> NoReturn:
    """Exit without the interpreter's finalisation, output flushed (see the worker and `plans start`)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def api_command(host: str | None, port: int | None, workers: int | None) -> int:
    """uvicorn serving `service.app:create_app` as a factory. The settings are checked here first, so
    that a missing secret in production is one clear line, not a traceback in every worker process."""
    import tempfile

    import uvicorn
    from pydantic import ValidationError

    from service.core.settings import get_settings

    try:
        settings = get_settings()
    except ValidationError as exc:
        print(f"thidua api: invalid settings: {exc}", file=sys.stderr)
        return 2
    if not settings.database_url:
        print("DATABASE_URL is not set", file=sys.stderr)
        return 2
    processes = workers or settings.api_workers
    if processes > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several processes: each writes its metrics there and /metrics adds them up.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="thidua-metrics-")
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=processes,
        proxy_headers=settings.api_proxy_headers,
        forwarded_allow_ips=settings.api_forwarded_allow_ips,
        access_log=False,
        # Requests in flight get this long after SIGTERM before the process exits.
        timeout_graceful_shutdown=max(1, int(settings.shutdown_seconds)),
    )
    return 0


def _roles_sql(settings: CoreSettings) -> Path:
    """deploy/sql/roles.sql from THIDUA_DEPLOY_DIR: an installed package (the image) has no source tree."""
    return settings.deploy_dir / "sql" / "roles.sql"


def _role_passwords(settings: CoreSettings) -> dict[str, str]:
    """Passwords the configured URLs give the two roles (a URL that signs in as a role, with a password)."""
    from sqlalchemy.engine import make_url

    out: dict[str, str] = {}
    for url in (settings.database_url, settings.migration_database_url):
        if url:
            parsed = make_url(url)
            if parsed.username in (settings.db_owner_role, settings.db_service_role) and parsed.password:
                out[parsed.username] = str(parsed.password)
    return out


def roles_command(settings: CoreSettings, admin_url: str | None) -> int:
    import models.db.roles as roles

    url = admin_url or settings.migration_url()
    if not url:
        print("give --admin-url, or set THIDUA_MIGRATION_DATABASE_URL or DATABASE_URL", file=sys.stderr)
        return 2
    me = roles.inspect(url)
    if not me.superuser:
        print(f"{me.user} is not a superuser: connect as one (--admin-url) to create the roles", file=sys.stderr)
        return 2
    roles.install_roles(url, settings.db_roles, passwords=_role_passwords(settings), path=_roles_sql(settings))
    log.info("database roles ready: owner %s, service %s", settings.db_owner_role, settings.db_service_role)
    return 0


def migrate_command(settings: CoreSettings) -> int:
    import models.db.migrate
    import models.db.roles as roles
    import models.store.seed

    url = settings.migration_url()
    if not url:
        print("THIDUA_MIGRATION_DATABASE_URL and DATABASE_URL are not set", file=sys.stderr)
        return 2
    if not settings.migration_database_url:
        log.log(
            logging.WARNING if settings.env == "prod" else logging.INFO,
            "THIDUA_MIGRATION_DATABASE_URL is not set: migrating over DATABASE_URL; in production migrate as "
            "the owner role (%s) and give DATABASE_URL the service role (%s)",
            settings.db_owner_role,
            settings.db_service_role,
        )
    if roles.inspect(url).superuser:
        # A superuser: create or repair both roles first; the migrations then act as the owner role.
        roles.install_roles(url, settings.db_roles, passwords=_role_passwords(settings), path=_roles_sql(settings))
    models.db.migrate.migrate(url, settings.db_roles)
    print(models.store.seed.seed(url, settings.deploy_dir, demo=settings.is_dev))
    # Last: the pods waiting in `thidua db wait` start only once the reference data is in too.
    log.info("database at revision %s", models.db.migrate.mark_migrated(url, settings.db_roles))
    return 0


def wait_command(settings: CoreSettings, timeout: float) -> int:
    """Exit 0 once the schema is this release's (or later), 1 past the timeout (the pod's init
    container is then started again by Kubernetes, with its back-off)."""
    import models.db.migrate

    if not settings.database_url:
        print("DATABASE_URL is not set", file=sys.stderr)
        return 2
    ready = models.db.migrate.wait_for_schema(settings.database_url, timeout, say=log.info)
    return 0 if ready else 1


def verify_command(file: str, trust: list[str]) -> int:
    """Print the verification as JSON; exit 0 when the PDF is signed, intact and covered whole, else 1."""
    import json
    import os
    from pathlib import Path

    from service.documents.signature import load_roots, verify_pdf

    # Verification needs no other setting (no database, no secret): read only the trust roots.
    configured = json.loads(os.environ.get("THIDUA_SIGNING_TRUST_ROOTS") or "[]")
    roots = [Path(t) for t in (trust or configured)]
    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        print(f"{file}: {exc}", file=sys.stderr)
        return 2
    result = verify_pdf(data, load_roots(roots))
    report = {
        "file": file, "ok": result.ok, "signed": result.signed, "intact": result.intact, "valid": result.valid,
        "trusted": result.trusted, "covers_whole_file": result.covers_whole_file, "signer": result.signer,
        "signers": list(result.signers),
        "signed_at": result.signed_at.isoformat() if result.signed_at else None, "problem": result.problem,
    }  # fmt: skip
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
