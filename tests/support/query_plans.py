"""What PostgreSQL did with a statement: its plan as it ran (EXPLAIN ANALYZE), and the plan's nodes,
for tests that check which way or which index a list took."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine


async def plan_as_run(engine: AsyncEngine, statement: str, parameters: Any) -> dict[str, Any]:
    """The top node of the statement's plan, run (EXPLAIN (ANALYZE, FORMAT JSON))."""
    async with engine.connect() as conn:
        plan = (await conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)).scalar_one()
    return dict(plan[0]["Plan"])


def plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """A plan's node and every node below it, depth first."""
    return [plan, *(n for child in plan.get("Plans", []) for n in plan_nodes(child))]
