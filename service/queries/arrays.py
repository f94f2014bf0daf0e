"""`column = ANY(array)`: a set of ids sent as one parameter.

`column.in_(values)` makes SQLAlchemy build, render and bind one parameter per value, and a list
page's hundred ids cost more of the API's time that way than PostgreSQL spends on the statement.
One array parameter is built once, and the statement's text is the same for any number of ids
(one plan cache entry).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Uuid, any_, bindparam


def id_in(column: Any, ids: Iterable[uuid.UUID]) -> ColumnElement[bool]:
    return column == any_(bindparam(None, list(ids), type_=ARRAY(Uuid())))  # type: ignore[no-any-return]


def id_in_parameter(column: Any, name: str) -> ColumnElement[bool]:
    """`id_in` for a statement kept and run again (service/queries/statements.py): the ids are the
    parameter `name`, given when it runs."""
    return column == any_(bindparam(name, type_=ARRAY(Uuid())))  # type: ignore[no-any-return]
