"""Page statements built once per shape of condition, not once per request.

A list's page statement (its count, its two ways to the page, its rows) is a tree of a few hundred
SQLAlchemy objects. Building it cost about 1.5 ms of the API's CPU per request, a tenth of a list's
whole time, and SQLAlchemy then walked the new tree again to find its compiled SQL in its cache.
The statement depends only on the list's condition (who the user is and the filters) and on
whether a cursor is given; the page's own values (cursor, limit, offset) are parameters of it. So a
statement is kept per condition and reused with new page values.

A condition is identified exactly, by SQLAlchemy's own cache key of it (its structure) and the
values bound in it (the user's access keys and units, the filters): two conditions with the same
key select the same rows, whoever built them. It is a cache of statements, never of data: each
process keeps its own, and nothing in it has to agree with another process.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import ColumnElement, Executable

# Statements kept per process: a province's users and their usual filters, a few hundred shapes.
# A list's statement with its compiled form takes about 50 kB, so at most about 13 MB.
KEPT = 256


def condition_key(where: ColumnElement[bool]) -> Hashable:
    """What identifies a condition: its structure (SQLAlchemy's cache key) and its bound values."""
    cache_key = where._generate_cache_key()
    if cache_key is None:  # an element SQLAlchemy cannot cache: never shared
        return object()
    return cache_key.key, tuple(_hashable(b.effective_value) for b in cache_key.bindparams)


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return object()  # a value that cannot be compared: this condition's statement is never shared
    return value  # type: ignore[no-any-return]


class StatementCache:
    """Statements by (what they are for, condition key, variant), least recently used dropped first."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._statements: OrderedDict[Hashable, Executable] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Executable]) -> Executable:
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = build()
            if len(self._statements) > self._kept:
                self._statements.popitem(last=False)
        else:
            self._statements.move_to_end(key)
        return statement

    def __len__(self) -> int:
        return len(self._statements)


PAGES = StatementCache()
