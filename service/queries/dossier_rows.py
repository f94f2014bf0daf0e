"""A page's rows as the API's lists read them: a dossier's columns of its view, the list's order, and
rows made dicts once per page (the nominations list and its search here; the inbox's cards in
service/queries/tasks.py)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Row
from sqlmodel import col

from models.tables import Nomination

# A row of a page (a list's dossier, an inbox's card), read by name (`row.id`) or, for a whole page,
# through `as_dicts`.
PageRow = Row[*tuple[Any, ...]]

# What a dossier of the API takes from its row as it is.
OUT_FIELDS = (
    "id", "workflow_id", "award_form", "nominee", "achievements", "criteria", "status", "current_step",
    "created_at", "updated_at", "decided_at", "signed_by", "disclosure_until", "result",
)  # fmt: skip
# Every column a dossier of the API is built from (`to_out`).
LISTED_FIELDS = (*OUT_FIELDS, "proposing_unit_id", "period_kind", "period_year", "route", "submission_id")
# The list's order: newest change first, the id as the tiebreak (keyset paging).
NEWEST: tuple[Any, ...] = (col(Nomination.updated_at).desc(), col(Nomination.id).desc())


@cache
def listed_columns() -> tuple[Any, ...]:
    """The columns of a list's rows (LISTED_FIELDS), read as plain rows rather than as ORM objects:
    fifty dossiers cost 1.3 ms as rows and about 3 ms more as ORM objects (their instance state, the
    identity map), for a page that is read once and never changed. Lists and searches read these."""
    table = Nomination.__table__  # type: ignore[attr-defined]
    return tuple(table.c[name] for name in LISTED_FIELDS)


def listed(nomination: Nomination) -> dict[str, Any]:
    """One loaded dossier as a list's row (`to_out` of a single dossier)."""
    return {name: getattr(nomination, name) for name in LISTED_FIELDS}


def as_dicts(rows: Sequence[PageRow]) -> list[dict[str, Any]]:
    """Rows as plain dicts, their columns named once: reading a SQLAlchemy row by name
    (`row.step`, `row._mapping`) costs a lookup per field, which a page of a hundred cards felt."""
    if not rows:
        return []
    fields = rows[0]._fields
    return [dict(zip(fields, row, strict=True)) for row in rows]
