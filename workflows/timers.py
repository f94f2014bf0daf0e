"""Sleeping on a durable timer until an instant, unless something interrupts the sleep.

Workflow code only (it calls `workflow.wait_condition`), in the spirit of samples-python's
`UpdatableTimer`. It starts the same timer the hand-written loops it replaced started, at the
same point, so recorded histories replay unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow


async def sleep_until(
    at: datetime,
    interrupted: Callable[[], bool],
    *,
    now: Callable[[], datetime] = workflow.now,
    check_if_past: bool = True,
) -> bool:
    """Sleep until `at` unless `interrupted()` becomes true first; True when the time came.

    While `at` is ahead this is exactly one `wait_condition(interrupted, timeout=<seconds left>)`,
    seconds counted from `now()`:
    - `interrupted()` is or becomes true before the timer fires: False (the timer is cancelled);
    - the timer fires: True, even if `interrupted()` became true in the same workflow task. A caller
      for which the interruption must still win checks `interrupted()` again.
    When `at` has already come no timer is started: the result is `not interrupted()`, or True
    without looking when `check_if_past` is False.
    """
    delay = (at - now()).total_seconds()
    if delay > 0:
        try:
            await workflow.wait_condition(interrupted, timeout=delay)
        except TimeoutError:
            return True
        return False
    return not check_if_past or not interrupted()
