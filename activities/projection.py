"""Activities that write the nomination read model (nominations, tasks, audit, notifications).

Every write is keyed by ids the workflow chose (deterministic across replays) and guarded by
the nomination's projection version, so a retried activity changes nothing twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio import activity

from models.calendar import VN_TZ, add_working_days, reminder_before
from models.tables import AuditEntry, Nomination, Notification, Task, Unit
from models.text import fold, nfc_deep
from workflows.contracts import (
    RECORD_NOTIFICATION,
    RECORD_TRANSITION,
    NotificationInput,
    OpenedTask,
    TransitionInput,
)

EDITABLE_FIELDS = ("nominee", "achievements", "criteria")


def search_text(nominee_name: str, achievements: str) -> str:
    return fold(f"{nominee_name} {achievements}")


def _dossier_changes(changes: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    changes = nfc_deep(changes)
    if "nominee" in changes:
        values["nominee"] = changes["nominee"]
        values["nominee_name"] = changes["nominee"]["name"]
        values["nominee_kind"] = changes["nominee"]["kind"]
    if "achievements" in changes:
        values["achievements"] = changes["achievements"]
    if "criteria" in changes:
        values["criteria"] = changes["criteria"]
    return values


class Projector:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @activity.defn(name=RECORD_TRANSITION)
    async def record_transition(self, inp: TransitionInput) -> OpenedTask | None:
        opened: OpenedTask | None = None
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    select(col(Nomination.version), col(Nomination.nominee_name), col(Nomination.achievements))
                    .where(col(Nomination.id) == uuid.UUID(inp.nomination_id))
                    .with_for_update()
                )
            ).one_or_none()
            if row is None:
                raise RuntimeError(f"nomination {inp.nomination_id} is not in the read model")

            if inp.close_task_id is not None:
                await conn.execute(
                    update(Task)
                    .where(col(Task.id) == uuid.UUID(inp.close_task_id), col(Task.status) == "open")
                    .values(
                        status=inp.close_task_status,
                        outcome=inp.close_outcome,
                        decided_by=inp.close_actor.user_id if inp.close_actor else None,
                        comment=inp.close_comment,
                        completed_at=inp.at,
                    )
                )
            for a in inp.audit:
                await conn.execute(
                    insert(AuditEntry)
                    .values(
                        id=uuid.UUID(a.audit_id),
                        nomination_id=uuid.UUID(inp.nomination_id),
                        at=inp.at,
                        actor_id=a.actor.user_id if a.actor else None,
                        actor_name=a.actor.name if a.actor else "Hệ thống",
                        action=a.action,
                        step=a.step,
                        comment=a.comment,
                        source_address=a.actor.address if a.actor else None,
                    )
                    .on_conflict_do_nothing(index_elements=["id"])
                )
            if inp.open_task is not None:
                spec = inp.open_task
                due = add_working_days(inp.at, spec.working_days)
                remind = reminder_before(inp.at, due, spec.reminder_working_days)
                await conn.execute(
                    insert(Task)
                    .values(
                        id=uuid.UUID(spec.task_id),
                        nomination_id=uuid.UUID(inp.nomination_id),
                        step=spec.step,
                        step_index=spec.step_index,
                        step_name=spec.name,
                        role=spec.role,
                        unit_id=spec.unit_id,
                        status="open",
                        created_at=inp.at,
                        due_at=due,
                        remind_at=remind,
                    )
                    .on_conflict_do_nothing(index_elements=["id"])
                )
                opened = OpenedTask(task_id=spec.task_id, due_at=due, remind_at=remind)

            values: dict[str, Any] = {
                "status": inp.status,
                "current_step": inp.current_step,
                "current_step_index": inp.current_step_index,
                "updated_at": inp.at,
                "version": inp.version,
                **_dossier_changes(inp.changes),
            }
            if inp.decided:
                values["decided_at"] = inp.at
            if "nominee_name" in values or "achievements" in values:
                values["search_text"] = search_text(
                    values.get("nominee_name", row.nominee_name), values.get("achievements", row.achievements)
                )
            await conn.execute(
                update(Nomination)
                .where(col(Nomination.id) == uuid.UUID(inp.nomination_id), col(Nomination.version) < inp.version)
                .values(**values)
            )
        return opened

    @activity.defn(name=RECORD_NOTIFICATION)
    async def record_notification(self, inp: NotificationInput) -> None:
        async with self._engine.begin() as conn:
            task = (await conn.execute(select(Task).where(col(Task.id) == uuid.UUID(inp.task_id)))).one()
            nominee = (
                await conn.execute(select(col(Nomination.nominee_name)).where(col(Nomination.id) == task.nomination_id))
            ).scalar_one()
            due = task.due_at.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y") if task.due_at else ""
            if inp.kind == "reminder":
                role, unit_id = task.role, task.unit_id
                message = f"Nhắc việc: hồ sơ «{nominee}» – {task.step_name}, hạn xử lý {due}."
                column = "reminded_at"
            else:
                role, unit_id = "chairperson", await _head_unit(conn, task.unit_id)
                message = f"Quá hạn: hồ sơ «{nominee}» – {task.step_name} chưa được xử lý, hạn {due}."
                column = "escalated_at"
            await conn.execute(
                insert(Notification)
                .values(
                    task_id=task.id,
                    nomination_id=task.nomination_id,
                    kind=inp.kind,
                    role=role,
                    unit_id=unit_id,
                    message=message,
                    created_at=inp.at,
                )
                .on_conflict_do_nothing(index_elements=["task_id", "kind"])
            )
            await conn.execute(
                update(Task).where(Task.id == task.id, getattr(Task, column).is_(None)).values({column: inp.at})
            )


async def _head_unit(conn: Any, unit_id: int) -> int:
    """The people's committee that heads a unit: the escalation goes to its chairperson."""
    current: int | None = unit_id
    while current is not None:
        unit = (
            await conn.execute(select(col(Unit.id), col(Unit.kind), col(Unit.parent_id)).where(col(Unit.id) == current))
        ).one()
        if unit.kind == "people_committee":
            return int(unit.id)
        current = unit.parent_id
    return unit_id
