"""Page statements kept per condition (service/queries/statements.py): a condition is told apart by
its structure and every value bound in it, so that a statement built for one user's list is never
run for another's."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Unit
from service.api.schemas.nominations import NominationFilters
from service.queries import statements
from service.queries.nominations import list_page, nominations_where
from service.queries.statements import StatementCache, condition_key
from service.security.authz import ScopedGrant
from service.security.principal import CurrentUser
from tests.support.read_model import insert_dossiers


def _user(user_id: int, grants: list[tuple[str, int]]) -> CurrentUser:
    unit = Unit(id=grants[0][1], code="U", name="U", kind="k", level="school")
    return CurrentUser(
        id=user_id, username=f"u{user_id}", full_name="U", unit=unit,
        grants=[ScopedGrant(role, unit_id) for role, unit_id in grants], roles=grants,
    )  # fmt: skip


def test_a_condition_is_told_apart_by_its_values_not_only_its_shape() -> None:
    clerk_a, clerk_b = _user(1, [("clerk", 10)]), _user(2, [("clerk", 11)])
    council = _user(3, [("council_secretary", 10)])
    none = NominationFilters()
    # The same grants and filters, built twice (by two requests, or two users): one key.
    assert condition_key(nominations_where(clerk_a, none)) == condition_key(
        nominations_where(_user(9, [("clerk", 10)]), none)
    )
    keys = {
        condition_key(nominations_where(clerk_a, none)),
        condition_key(nominations_where(clerk_b, none)),  # same shape, another unit
        condition_key(nominations_where(council, none)),  # an access key, not a unit
        condition_key(nominations_where(clerk_a, NominationFilters(status="awarded"))),
        condition_key(nominations_where(clerk_a, NominationFilters(status="rejected"))),
        condition_key(nominations_where(clerk_a, NominationFilters(overdue=True))),
        condition_key(nominations_where(clerk_a, NominationFilters(overdue=False))),
    }
    assert len(keys) == 7


def test_the_least_recently_used_statement_is_dropped_first() -> None:
    cache = StatementCache(kept=2)
    built: list[str] = []

    def build(name: str) -> object:
        built.append(name)
        return text(name)

    a = cache.get("a", lambda: build("a"))  # type: ignore[arg-type,return-value]
    cache.get("b", lambda: build("b"))  # type: ignore[arg-type,return-value]
    assert cache.get("a", lambda: build("a again")) is a  # type: ignore[arg-type,return-value]
    cache.get("c", lambda: build("c"))  # type: ignore[arg-type,return-value]  # drops b, used least recently
    assert len(cache) == 2
    cache.get("b", lambda: build("b again"))  # type: ignore[arg-type,return-value]
    assert built == ["a", "b", "c", "b again"]


@pytest.mark.own_database
async def test_two_users_lists_in_one_process_each_see_their_own(
    engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    """The second user's list reuses no statement of the first's, though both have one shape."""
    async with owner_engine.connect() as conn:
        first, second = (await conn.execute(text("SELECT min(id), max(id) FROM units"))).one()
    await insert_dossiers(
        owner_engine, 30, prefix="statements-", unit=f"CASE WHEN i % 3 = 0 THEN {second} ELSE {first} END"
    )
    counts = {}
    for unit in (first, second, first):
        user = _user(unit, [("clerk", unit)])
        async with AsyncSession(engine) as session:
            rows, total, _ = await list_page(
                session, nominations_where(user, NominationFilters()), after=None, limit=50, offset=0
            )
        assert {r.proposing_unit_id for r in rows} <= {unit}
        counts[unit] = total
    assert counts[first] >= 20 and counts[second] >= 10
    assert len(statements.PAGES) >= 2


def test_a_value_that_cannot_be_compared_shares_no_statement() -> None:
    from sqlalchemy import bindparam, literal_column

    where = literal_column("x") == bindparam("v", {"a": [1, 2]})
    assert condition_key(where) == condition_key(literal_column("x") == bindparam("v", {"a": [1, 2]}))
    unhashable = literal_column("x") == bindparam("v", {1, 2})
    assert condition_key(unhashable) != condition_key(literal_column("x") == bindparam("v", {1, 2}))
