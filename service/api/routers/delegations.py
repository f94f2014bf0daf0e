"""Signing on behalf (a chairperson to a deputy) and substitutes (an absent approver to a colleague)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter
from sqlalchemy import or_
from sqlmodel import col, select

from models.rules.text import nfc
from models.tables import Delegation, RoleAssignment, UnitAncestor, User
from service.api.deps import SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.delegations import DelegationCreate, DelegationOut
from service.security.audit import record_admin_action
from service.security.delegations import NOT_DELEGABLE, SIGN_ON_BEHALF, SUBSTITUTE_MUST_HOLD, today

router = APIRouter(prefix="/api/v1/delegations", tags=["delegations"])


async def _out(session: SessionDep, rows: list[Delegation]) -> list[DelegationOut]:
    ids = {d.from_user_id for d in rows} | {d.to_user_id for d in rows}
    names = dict((await session.exec(select(User.id, User.full_name).where(col(User.id).in_(ids)))).all())
    day = today()
    return [
        DelegationOut(
            **d.model_dump(),
            from_name=names.get(d.from_user_id, ""),
            to_name=names.get(d.to_user_id, ""),
            active=d.revoked_at is None and d.starts_on <= day <= d.ends_on,
        )
        for d in rows
    ]


async def _holds(session: SessionDep, user_id: int, role: str, unit_id: int) -> bool:
    found = (
        await session.exec(
            select(RoleAssignment.id).where(
                RoleAssignment.user_id == user_id, RoleAssignment.role == role, RoleAssignment.unit_id == unit_id
            )
        )
    ).first()
    return found is not None


async def _check_substitute(session: SessionDep, delegate: User, role: str, unit_id: int) -> None:
    """A substitute must be eligible by the unit's rules (see SUBSTITUTE_MUST_HOLD)."""
    assert delegate.id is not None
    needed = SUBSTITUTE_MUST_HOLD.get(role)
    if needed is not None:
        if not await _holds(session, delegate.id, needed, unit_id):
            names = {"deputy_chairperson": "Phó Chủ tịch", "council_member": "thành viên Hội đồng"}
            raise Problem(
                422, f"Người thay thế phải là {names[needed]} của cùng đơn vị.", code="substitute_not_eligible"
            )
        return
    # The delegate's unit is the unit or below it (unit_ancestors holds every unit with itself).
    below = (
        await session.exec(
            select(UnitAncestor.unit_id).where(
                UnitAncestor.unit_id == delegate.unit_id, UnitAncestor.ancestor_id == unit_id
            )
        )
    ).first()
    if below is None:
        raise Problem(422, "Người thay thế phải thuộc đơn vị được giao.", code="substitute_not_eligible")


@router.post("", status_code=201, response_model=DelegationOut)
async def create_delegation(body: DelegationCreate, session: SessionDep, user: UserDep) -> DelegationOut:
    if (body.role, body.unit_id) not in user.roles or (body.role, body.unit_id) in user.acting:
        raise Problem(403, "Bạn chỉ giao được vai trò mà chính bạn đang giữ tại đơn vị đó.", code="not_your_role")
    if body.role in NOT_DELEGABLE:
        raise Problem(
            422,
            "Không thể giao vai trò này: mỗi thành viên Hội đồng tự bỏ phiếu cho ghế của mình, "
            "và quyền quản trị không được giao.",
            code="role_not_delegable",
        )
    if body.kind == SIGN_ON_BEHALF and body.role != "chairperson":
        raise Problem(422, "Chỉ Chủ tịch mới giao ký thay (KT. CHỦ TỊCH).", code="not_chairperson")
    if body.ends_on < today():
        raise Problem(422, "Thời hạn giao đã qua.", code="period_past")
    delegate = (await session.exec(select(User).where(User.username == body.to_username.lower()))).one_or_none()
    if delegate is None or not delegate.is_active or delegate.id is None:
        raise Problem(422, f"Không có người dùng «{body.to_username}».", code="unknown_user")
    if delegate.id == user.id:
        raise Problem(422, "Không thể tự giao cho chính mình.", code="self_delegation")
    if body.kind == SIGN_ON_BEHALF:
        if not await _holds(session, delegate.id, "deputy_chairperson", body.unit_id):
            raise Problem(422, "Người được giao ký thay phải là Phó Chủ tịch của cùng cơ quan.", code="not_deputy")
    else:
        await _check_substitute(session, delegate, body.role, body.unit_id)
    delegation = Delegation(
        id=uuid.uuid4(), kind=body.kind, from_user_id=user.id, to_user_id=delegate.id, role=body.role,
        unit_id=body.unit_id, starts_on=body.starts_on, ends_on=body.ends_on,
        reason=nfc(body.reason) if body.reason else None, created_at=datetime.now(UTC),
    )  # fmt: skip
    session.add(delegation)
    record_admin_action(
        session, user, f"delegation_{body.kind}", subject_type="delegation", subject_id=delegation.id,
        unit_id=body.unit_id, comment=f"{body.role} → {delegate.full_name}, {body.starts_on:%d/%m/%Y}–{body.ends_on:%d/%m/%Y}",
    )  # fmt: skip
    await session.commit()
    return (await _out(session, [delegation]))[0]


@router.get("", response_model=list[DelegationOut])
async def list_delegations(session: SessionDep, user: UserDep) -> list[DelegationOut]:
    query = select(Delegation).order_by(col(Delegation.starts_on).desc(), col(Delegation.id))
    mine = or_(col(Delegation.from_user_id) == user.id, col(Delegation.to_user_id) == user.id)
    # Administrators also see the delegations of the units in their scope.
    admin_units = user.units_for("admin")
    query = query.where(or_(mine, col(Delegation.unit_id).in_(sorted(admin_units))) if admin_units else mine)
    return await _out(session, list((await session.exec(query.limit(200))).all()))


@router.post("/{delegation_id}/revoke", response_model=DelegationOut)
async def revoke_delegation(delegation_id: uuid.UUID, session: SessionDep, user: UserDep) -> DelegationOut:
    delegation = (await session.exec(select(Delegation).where(Delegation.id == delegation_id))).one_or_none()
    # Administrators revoke delegations of units in their scope only.
    if delegation is None or (delegation.from_user_id != user.id and not user.has_role("admin", delegation.unit_id)):
        raise Problem(404, "Không tìm thấy việc giao quyền.", code="delegation_not_found")
    if delegation.revoked_at is None:
        delegation.revoked_at = datetime.now(UTC)
        session.add(delegation)
        record_admin_action(
            session, user, "delegation_revoked", subject_type="delegation", subject_id=delegation.id,
            unit_id=delegation.unit_id,
        )  # fmt: skip
        await session.commit()
    return (await _out(session, [delegation]))[0]
