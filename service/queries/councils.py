"""Council queries of the API: a council's members as the organisation data records them, and the
membership a meeting is judged on."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import RoleAssignment
from service.api.problems import Problem
from service.queries.rosters import RosterCache
from service.security.audit import record_admin_action
from service.security.principal import CurrentUser


async def holds_seat(session: AsyncSession, user_id: int, council_unit_id: int) -> bool:
    """Whether the user is a member of the council in their own right: a seat is never held by delegation."""
    found = (
        await session.exec(
            select(RoleAssignment.id).where(
                col(RoleAssignment.user_id) == user_id,
                col(RoleAssignment.role) == "council_member",
                col(RoleAssignment.unit_id) == council_unit_id,
            )
        )
    ).first()
    return found is not None


async def meeting_membership(
    session: AsyncSession,
    user: CurrentUser,
    council_unit_id: int,
    declared: int | None,
    reason: str | None,
    *,
    nomination_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    rosters: RosterCache,
) -> int:
    """The council's size a meeting is judged on: the organisation's roster, or an audited override.

    A smaller number would let a thin meeting pass (4 present of 9 members is no quorum), so the
    override can only add members the system does not know yet, with the reason, in the audit trail
    (committed here, before the meeting's result is sent).
    """
    recorded = await rosters.size(session, council_unit_id)
    if declared is None or declared == recorded:
        if recorded < 1:
            raise Problem(
                422,
                "Hội đồng chưa có danh sách thành viên trong hệ thống: hãy ghi tổng số thành viên theo quyết định "
                "thành lập Hội đồng và lý do.",
                code="members_required",
            )
        return recorded
    if declared < recorded:
        raise Problem(
            422,
            f"Hội đồng có {recorded} thành viên theo dữ liệu tổ chức; không thể tính trên số nhỏ hơn.",
            code="members_below_roster",
        )
    if not (reason or "").strip():
        raise Problem(422, "Hãy ghi lý do dùng số thành viên khác với danh sách của Hội đồng.", code="reason_required")
    record_admin_action(
        session, user, "council_size_override", subject_type="council", subject_id=council_unit_id,
        unit_id=council_unit_id, nomination_id=nomination_id, comment=(reason or "").strip(),
        details={"recorded": recorded, "declared": declared, **(details or {})},
    )  # fmt: skip
    await session.commit()
    return declared
