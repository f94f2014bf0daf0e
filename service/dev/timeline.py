"""The start-up timeline of `make run`: when each phase on the way to "ready" ended and how long it took,
in seconds since the process started, logged with structlog. Development only (service/dev)."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any

import structlog


def configure() -> None:
    """One line per event, colours only on a terminal (the parts' output goes to .data/*.log)."""
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="%H:%M:%S"),
            structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty()),
        ],
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
    )


def process_age() -> float:
    """Seconds since this process started: the interpreter's start and the imports count too."""
    import psutil  # a dependency of pgserver

    return max(0.0, time.time() - psutil.Process().create_time())


class Timeline:
    def __init__(self, name: str = "thidua.devstack") -> None:
        self.logger = structlog.get_logger(name)
        self.started = time.monotonic() - process_age()

    def since_start(self) -> float:
        return time.monotonic() - self.started

    def done(self, phase: str, took: float | None = None, **details: Any) -> None:
        if took is not None:
            details["took"] = round(took, 2)
        self.logger.info("phase done", phase=phase, at=round(self.since_start(), 2), **details)

    @contextlib.contextmanager
    def phase(self, name: str, **details: Any) -> Iterator[dict[str, Any]]:
        """Times the block; what the block puts in the yielded dict is logged with it."""
        began = time.monotonic()
        yield details
        self.done(name, time.monotonic() - began, **details)
