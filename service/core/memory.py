"""The garbage collector of a long-running process (API, worker).

Python's full collection walks every tracked object the process holds: the modules, SQLAlchemy's
and pydantic's tables, the catalogue, the Temporal client, several hundred thousand objects that
live as long as the process. Collections come by themselves as requests allocate, and a full one
paused a request for 100 to 190 ms (measured at a million dossiers, `bench/read_scale.py`): the
lists' 95th percentile was those pauses. Freezing what start-up left alive takes it out of every
later collection; what requests create is still collected as before.
"""

from __future__ import annotations

import gc

_frozen = False
# (young, middle, full): see above.
THRESHOLDS = (2_000, 10, 100)


def freeze_after_start() -> None:
    """Collect once, then move every surviving object to the permanent generation, and set the
    thresholds. Once per process: a test process that starts many applications freezes only the
    first start-up."""
    global _frozen
    if _frozen:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    _frozen = True
