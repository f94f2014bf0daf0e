"""Writing a nomination's notification, once: in the transaction of what it tells (a transition
projected by activities/projection.py, a decision recorded by models/store/decisions.py).

A retried activity or request writes nothing twice: a task's notification is unique by (task_id,
kind), any other by its event_key (models/tables/nominations.py Notification).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from models.db.engine import driver_connection
from models.store.projection_sql import INSERT_NOTIFICATION


async def notify(
    conn: AsyncConnection,
    *,
    kind: str,
    role: str,
    unit_id: int,
    nomination_id: uuid.UUID,
    message: str,
    at: datetime,
    task_id: uuid.UUID | None = None,
    decision_id: uuid.UUID | None = None,
    event_key: str | None = None,
) -> None:
    assert task_id is not None or event_key is not None, "a notification needs a key that keeps it single"
    # Plain SQL on the driver's connection: a notice is written with every transition of every dossier.
    pg = await driver_connection(conn)
    await pg.execute(
        INSERT_NOTIFICATION, (task_id, nomination_id, decision_id, event_key, kind, role, unit_id, message, at)
    )
