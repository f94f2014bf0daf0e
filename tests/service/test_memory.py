"""A long-running process's garbage collector: start-up frozen once, then fewer, shorter collections
(service/core/memory.py). Each case runs in a process of its own: the settings are process-wide."""

from __future__ import annotations

import json
import subprocess
import sys

from service.core.memory import THRESHOLDS

PROBE = """
import gc, json
from service.core.memory import freeze_after_start
before = gc.get_threshold()
freeze_after_start()
frozen = gc.get_freeze_count()
freeze_after_start()
print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": frozen, "again": gc.get_freeze_count()}))
"""


def test_start_up_is_frozen_once_and_the_thresholds_set() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)
    seen = json.loads(out.stdout)
    assert seen["before"] == [700, 10, 10], "Python's defaults, to be replaced"
    assert seen["after"] == list(THRESHOLDS)
    assert seen["frozen"] > 1_000, "what the imports left alive is in the permanent generation"
    # The second call (a test process starting another application) freezes nothing more.
    assert seen["again"] == seen["frozen"]
