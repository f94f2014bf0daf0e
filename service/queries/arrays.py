"""`column = ANY(array)`: a set of values sent as one parameter.

`column.in_(values)` makes SQLAlchemy build, render and bind one parameter per value, and a list
page's hundred ids cost more of the API's time that way than PostgreSQL spends on the statement.
One array parameter is built once, and the statement's text is the same for any number of values
(one plan cache entry).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Integer, Uuid, any_, bindparam
from sqlalchemy.types import TypeEngine


def is_any(column: Any, values: Iterable[Any], item_type: TypeEngine[Any]) -> ColumnElement[bool]:
    items = list(values)
    return column == any_(bindparam(None, items, type_=ARRAY(item_type)))  # type: ignore[no-any-return]


def id_in(column: Any, ids: Iterable[uuid.UUID]) -> ColumnElement[bool]:
    return is_any(column, ids, Uuid())


def int_in(column: Any, numbers: Iterable[int]) -> ColumnElement[bool]:
    return is_any(column, numbers, Integer())
