"""`python -m service.dev.prestart GO_FILE api|worker`: the API or the worker of `make run`, started early.

Importing either takes seconds of CPU. The dev stack starts both processes at once, before PostgreSQL
and Temporal are up: each imports its modules while the database is started, migrated and seeded, then
waits for the dev stack to create GO_FILE (database ready, Temporal up) and runs `thidua api` or
`thidua worker` in this same process, as production does. A restart by the supervisor finds GO_FILE
already there and goes on at once. Development only (service/dev).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from service.dev.timeline import Timeline, configure


def _import(command: str) -> None:
    """What the command imports anyway, loaded before it may run."""
    if command == "api":
        import uvicorn  # noqa: F401

        import service.app
    elif command == "worker":
        import service.worker  # noqa: F401


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in ("api", "worker"):
        print("usage: python -m service.dev.prestart GO_FILE api|worker [options]", file=sys.stderr)
        return 2
    go, command = Path(argv[0]), argv[1:]
    parent = os.getppid()
    try:
        configure()
        timeline = Timeline(f"thidua.prestart.{command[0]}")
        _import(command[0])
        timeline.done("imports")
        waiting = time.monotonic()
        while not go.exists():
            if os.getppid() != parent:
                # The dev stack died before the database was ready: nobody will open the gate.
                print("prestart: the dev stack is gone; not starting", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.05)
    except KeyboardInterrupt:  # stopped (Ctrl-C) before the gate opened: nothing ran, nothing to clean
        return 0
    timeline.done("waited_for_database_and_temporal", time.monotonic() - waiting)
    from service.cli import main as thidua

    return thidua(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
