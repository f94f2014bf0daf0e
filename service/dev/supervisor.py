"""Child processes of `make run`, kept running: a part that dies is started again after a pause that
doubles with each crash in a row; a part that keeps dying right after it starts makes the supervisor
give up with a message that names it and its log. Development only (service/dev)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# A part started this recently, and still running this long after its stop signal, is sent it again
# (`stop_all`): its interpreter may have been starting when the first came.
STARTING_SECONDS = 10.0
RESEND_AFTER_SECONDS = 1.0


class GiveUp(Exception):
    """A part crashed too often right after starting; the message says which and where its log is."""


@dataclass
class Part:
    name: str
    command: list[str]
    log_path: Path
    env: dict[str, str] | None = None
    # Run as this system user (PostgreSQL refuses to run as root).
    user: str | None = None
    stop_signal: int = signal.SIGINT
    # Called before every start (not the first one only): clear what a crash left behind.
    before_start: Callable[[], None] | None = None
    # Parts of a higher tier use those of a lower one (the API and the worker use PostgreSQL and
    # Temporal): they are stopped first, whatever order they were started in.
    tier: int = 0
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    # Crashes in a row, each within `quick_seconds` of its start.
    quick_crashes: int = 0
    restart_at: float | None = None
    restarts: int = 0
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"code {code}"


class Supervisor:
    def __init__(
        self,
        log: Callable[[str], None],
        *,
        quick_seconds: float = 15.0,
        max_quick_crashes: int = 5,
        first_pause: float = 0.5,
        max_pause: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.quick_seconds = quick_seconds
        self.max_quick_crashes = max_quick_crashes
        self.first_pause = first_pause
        self.max_pause = max_pause
        self.clock = clock
        self.parts: list[Part] = []

    def start(self, part: Part) -> Part:
        self.parts.append(part)
        self._launch(part)
        return part

    def get(self, name: str) -> Part:
        return next(p for p in self.parts if p.name == name)

    def _launch(self, part: Part) -> None:
        if part.before_start is not None:
            part.before_start()
        if part._log_file is None:
            part._log_file = open(part.log_path, "ab")  # kept open for the part's lifetime
        part.proc = subprocess.Popen(
            part.command,
            env=part.env,
            stdout=part._log_file,
            stderr=subprocess.STDOUT,
            # Its own session: the terminal's Ctrl-C reaches the supervisor only, which stops parts in order.
            start_new_session=True,
            user=part.user,
        )
        part.started_at = self.clock()
        part.restart_at = None

    def pause(self, quick_crashes: int) -> float:
        return min(self.max_pause, self.first_pause * 2 ** max(0, quick_crashes - 1))

    def check(self) -> None:
        """Notice parts that exited and start the ones whose pause is over; raise GiveUp when one keeps dying."""
        now = self.clock()
        for part in self.parts:
            if part.proc is None:
                if part.restart_at is not None and now >= part.restart_at:
                    part.restarts += 1
                    self._launch(part)
                    self.log(f"restarted {part.name} (pid {part.pid}, restart {part.restarts})")
                continue
            code = part.proc.poll()
            if code is None:
                continue
            lived = now - part.started_at
            part.quick_crashes = part.quick_crashes + 1 if lived < self.quick_seconds else 1
            part.proc = None
            if part.quick_crashes >= self.max_quick_crashes:
                raise GiveUp(
                    f"{part.name} exited {part.quick_crashes} times in a row within {self.quick_seconds:.0f}s of "
                    f"starting (last: {describe_exit(code)}); giving up and stopping everything. "
                    f"See {part.log_path}"
                )
            pause = self.pause(part.quick_crashes)
            part.restart_at = now + pause
            self.log(
                f"{part.name} exited ({describe_exit(code)}) after {lived:.1f}s; restarting in {pause:.1f}s "
                f"(see {part.log_path})"
            )

    @staticmethod
    def _signal_until_stopped(proc: subprocess.Popen[bytes], stop_signal: int, timeout: float, resend: bool) -> bool:
        """Send the stop signal, and once more after a second if the part still runs and `resend`;
        whether it stopped within `timeout`. A part asked to stop while its interpreter was still
        starting can lose the first signal (seen once in a test on a busy machine: a Python part
        slept on). A part that has run for a while is not sent a second: the API server takes a
        second SIGINT as "stop now", cutting the requests it was finishing."""
        proc.send_signal(stop_signal)
        if resend:
            try:
                proc.wait(timeout=min(RESEND_AFTER_SECONDS, timeout))
                return True
            except subprocess.TimeoutExpired:
                proc.send_signal(stop_signal)  # does nothing if it has stopped meanwhile
                timeout -= RESEND_AFTER_SECONDS
        try:
            proc.wait(timeout=max(0.0, timeout))
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop_all(self, timeout: float = 15.0) -> None:
        """Stop the parts of the highest tier first and, within a tier, in the reverse order of their
        start, each before the next."""
        for part in sorted(reversed(self.parts), key=lambda p: -p.tier):
            proc = part.proc
            part.restart_at = None
            if proc is not None and proc.poll() is None:
                young = self.clock() - part.started_at < STARTING_SECONDS
                if not self._signal_until_stopped(proc, part.stop_signal, timeout, resend=young):
                    self.log(f"{part.name} did not stop in time; killing it")
                    proc.kill()
                    proc.wait(timeout=5)
            if part._log_file is not None:
                part._log_file.close()
                part._log_file = None
