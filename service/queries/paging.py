"""Paging large lists: counts that stop at a cap, and keyset cursors with a stable tiebreak.

Counting every visible row of a million-row table on each page view costs more than the page;
past COUNT_CAP the list says "more than 10,000". A cursor is the (updated_at, id) of the last row
shown, so the next page starts exactly after it whatever arrived meanwhile.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.api.problems import Problem

COUNT_CAP = 10_000


async def capped_count(session: AsyncSession, rows: Any) -> tuple[int, bool]:
    """How many rows `rows` (a SELECT) has, counting no further than COUNT_CAP; and whether it stopped."""
    statement = select(func.count()).select_from(rows.limit(COUNT_CAP + 1).subquery())
    counted = (await session.execute(statement)).scalar_one()
    return min(int(counted), COUNT_CAP), int(counted) > COUNT_CAP


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, row_id = raw.split("|", 1)
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, uuid.UUID(row_id)
    except (ValueError, UnicodeDecodeError):
        raise Problem(
            422, "Tham số trang (cursor) không hợp lệ; hãy tải lại danh sách.", code="invalid_cursor"
        ) from None
