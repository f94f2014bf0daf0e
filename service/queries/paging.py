"""Paging large lists: counts that stop at a cap, and keyset cursors with a stable tiebreak.

Counting every visible row of a million-row table on each page view costs more than the page;
past COUNT_CAP the list says "more than 10,000". A cursor is the (updated_at, id) of the last row
shown, so the next page starts exactly after it whatever arrived meanwhile.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Float, Integer, Select, Uuid, bindparam, column, func, select, tuple_
from sqlalchemy import table as sa_table
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.text import has_control_characters
from service.api.problems import Problem

COUNT_CAP = 10_000


async def plan_for_these_values(session: AsyncSession) -> None:
    """Until the end of this transaction, plan each statement for its own values.

    psycopg prepares a statement the fifth time a connection runs it, and PostgreSQL may then keep
    one generic plan for any value. For a list that is blind to what the values select (a council's
    access key is half the dossiers, a commune's one in five hundred): once a connection had
    answered the same list a dozen times, an inbox's count took 160 ms instead of 4 at a million
    dossiers. A list costs a millisecond or two to plan; the writes of the route keep PostgreSQL's
    choice (one plan fits every key), so they are not planned on every call. The statements stay
    prepared, sparing their parsing. Said once per transaction, however many lists and counts a
    request reads in it (a page of saved views counts each view)."""
    connection = await session.connection()
    transaction = session.sync_session.get_transaction()
    if session.info.get(_PLANNED_FOR_VALUES) is transaction:
        return
    await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    session.info[_PLANNED_FOR_VALUES] = transaction


# The transaction in which `plan_for_these_values` last set the plan cache mode (session.info).
_PLANNED_FOR_VALUES = "planned_for_values"


# ---- a kept statement's page values (service/queries/statements.py) -------------------------------
# A statement kept per condition takes the page's values as parameters, named here for every list:
# page_limit, page_offset, page_end (their sum), after_at and after_id (a cursor of the list's
# order), count_read and count_cap (the cap is read when the statement runs, so a statement kept
# before a test lowers it still counts to the new cap).


def page_limit() -> ColumnElement[int]:
    return bindparam("page_limit", type_=Integer)


def page_offset() -> ColumnElement[int]:
    return bindparam("page_offset", type_=Integer)


def page_end() -> ColumnElement[int]:
    return bindparam("page_end", type_=Integer)


def page_after() -> ColumnElement[Any]:
    """The cursor's (updated_at, id), for a list in the order of the last change."""
    return tuple_(bindparam("after_at", type_=DateTime(timezone=True)), bindparam("after_id", type_=Uuid()))


def count_read() -> ColumnElement[int]:
    """The rows a capped count reads: COUNT_CAP + 1."""
    return bindparam("count_read", type_=Integer)


def count_cap() -> ColumnElement[int]:
    return bindparam("count_cap", type_=Integer)


def page_values(*, limit: int, offset: int, after: tuple[datetime, uuid.UUID] | None = None) -> dict[str, Any]:
    """The values of a page's parameters."""
    values: dict[str, Any] = {
        "page_limit": limit, "page_offset": offset, "page_end": offset + limit,
        "count_read": COUNT_CAP + 1, "count_cap": COUNT_CAP,
    }  # fmt: skip
    if after is not None:
        values["after_at"], values["after_id"] = after
    return values


def counted(rows: Any) -> Select[Any]:
    """How many rows `rows` (a SELECT) has, counting no further than count_read."""
    return select(func.count()).select_from(rows.limit(count_read()).subquery())


@cache
def estimated_rows(table: str) -> ColumnElement[float]:
    """How many rows `table` has as PostgreSQL last estimated them (pg_class.reltuples, kept by
    VACUUM and ANALYZE; -1 before either ever ran), as a scalar subquery: what a list's choice of way
    weighs its share of the table against. Built once per table (an element may sit in any number
    of statements)."""
    return (
        select(column("reltuples", Float))
        .select_from(sa_table("pg_class"))
        .where(column("oid") == func.to_regclass(table))
        .scalar_subquery()
    )


async def capped_count(session: AsyncSession, rows: Any) -> tuple[int, bool]:
    """How many rows `rows` (a SELECT) has, counting no further than COUNT_CAP; and whether it stopped."""
    number = int(
        (await (await session.connection()).execute(counted(rows), {"count_read": COUNT_CAP + 1})).scalar_one()
    )
    return min(number, COUNT_CAP), number > COUNT_CAP


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def encode_keyset(order: str, value: str | None, row_id: uuid.UUID) -> str:
    """A cursor for a list that may be sorted in several ways: the order's name, the last row's sort
    value (None for a missing one) and its id."""
    return base64.urlsafe_b64encode(json.dumps([order, value, str(row_id)]).encode()).decode().rstrip("=")


def decode_keyset(cursor: str, order: str) -> tuple[str | None, uuid.UUID]:
    """The sort value and id a cursor of `order` holds; 422 for any other text (or another order's cursor)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        if not (isinstance(raw, list) and len(raw) == 3 and raw[0] == order):
            raise ValueError("not a cursor of this order")
        if raw[1] is not None and (not isinstance(raw[1], str) or has_control_characters(raw[1])):
            # A lone surrogate or NUL could not even be sent to PostgreSQL.
            raise ValueError("value")
        return raw[1], uuid.UUID(raw[2])
    except (ValueError, TypeError, UnicodeDecodeError, AttributeError):
        raise Problem(
            422, "Tham số trang (cursor) không hợp lệ; hãy tải lại danh sách.", code="invalid_cursor"
        ) from None


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
