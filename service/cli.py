"""The `thidua` command: the worker, migrations and plan start-up in production; the dev stack and the plan
simulator in development (imported only when asked for, so a production image needs no dev extras)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from service.core.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="thidua")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start everything for development (embedded Temporal and PostgreSQL)")
    sub.add_parser("worker", help="run the Temporal worker")
    sub.add_parser("migrate", help="apply database migrations and seed reference data")
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
    args = parser.parse_args(argv)
    if args.command == "decisions":
        return verify_command(args.file, args.trust)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("temporalio", "pgserver", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    if args.command == "run":
        from service.dev.devstack import main as run_stack

        return run_stack()
    settings = get_settings()
    if args.command == "plans" and args.plans_command == "start":
        from service.temporal.plan_startup import start_plans_command

        if not settings.database_url:
            print("DATABASE_URL is not set", file=sys.stderr)
            return 2
        return start_plans_command(settings)
    if args.command == "plans":
        # The simulator runs a plan on the time-skipping test server: a development tool.
        from service.dev.plan_simulator import main as simulate_plan

        return simulate_plan(args, settings)
    if args.command == "worker":
        from service.worker import run_worker

        asyncio.run(run_worker(settings))
        return 0
    if args.command == "migrate":
        from models.db.migrate import migrate
        from models.store.seed import seed

        if not settings.database_url:
            print("DATABASE_URL is not set", file=sys.stderr)
            return 2
        migrate(settings.database_url)
        print(seed(settings.database_url, settings.deploy_dir, demo=settings.is_dev))
        return 0
    return 2


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
