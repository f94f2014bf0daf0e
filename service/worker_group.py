"""`thidua worker` as several processes on one task queue (THIDUA_WORKER_PROCESSES, `--processes`).

A worker process runs Python on one core at a time; a container or a `make run` with more cores runs
several, as `thidua api` runs several uvicorn processes. They share nothing but Temporal and
PostgreSQL: Temporal hands each task to one poller, and every activity writes the read model as a
versioned upsert, so two processes never need to agree on anything in memory.

This process only supervises: it starts the others, forwards SIGINT and SIGTERM to them (each drains
as a single worker does), and when one exits on its own it stops the rest and exits with that code,
so that the container or the dev stack restarts the whole group.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from types import FrameType

log = logging.getLogger(__name__)


def run_group(processes: int) -> int:
    command = [sys.executable, "-m", "service.cli", "worker", "--processes", "1"]
    children = [subprocess.Popen(command) for _ in range(processes)]
    log.info("worker group: processes %s", ", ".join(str(c.pid) for c in children))
    stopping = False

    def forward(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    first: subprocess.Popen[bytes] | None = None
    while first is None:
        first = next((c for c in children if c.poll() is not None), None)
        if first is None:
            time.sleep(0.2)
    if not stopping:
        log.error("worker process %s exited with %s: stopping the group", first.pid, first.returncode)
        forward(signal.SIGTERM, None)
    codes = [c.wait() for c in children]
    return first.returncode if first.returncode else max(codes, key=abs)
