"""Milestone nomination windows: a preliminary or final review nomination must fall in an open
window of a plan covering the proposing unit, with an award form that milestone allows."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.calendar import VN_TZ
from models.rules.labels import PERIOD_KINDS
from models.tables import Unit
from models.tables.plans import Plan, PlanMilestone
from service.api.problems import Problem

# The milestone periods, named in lower case inside a sentence ("đợt sơ kết").
MILESTONE_KINDS = {kind: PERIOD_KINDS[kind].lower() for kind in ("preliminary_review", "final_review")}


def _day(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%d/%m/%Y")


async def covering_codes(session: AsyncSession, unit_id: int) -> list[str]:
    """The codes of the unit and of every unit above it: a plan scoped to any of them covers the unit."""
    codes: list[str] = []
    current: int | None = unit_id
    while current is not None and len(codes) < 100:
        row = (await session.exec(select(Unit.code, Unit.parent_id).where(Unit.id == current))).one_or_none()
        if row is None:
            break
        codes.append(row[0])
        current = row[1]
    return codes


async def check_milestone_window(
    session: AsyncSession,
    award_form_code: str,
    period_kind: str,
    period_year: int,
    proposing_unit_id: int,
    at: datetime,
) -> None:
    """Refuse a milestone nomination outside every open window, or with a form its milestone does not allow."""
    if period_kind not in MILESTONE_KINDS:
        return  # annual nominations are not tied to a plan's milestone
    label = MILESTONE_KINDS[period_kind]
    codes = await covering_codes(session, proposing_unit_id)
    rows = (
        await session.exec(
            select(PlanMilestone, Plan.title)
            .join(Plan, col(Plan.id) == col(PlanMilestone.plan_id))
            .where(col(Plan.scope_code).in_(codes), col(PlanMilestone.period_kind) == period_kind)
        )
    ).all()
    if not rows:
        raise Problem(
            422,
            f"Không có kế hoạch thi đua nào áp dụng cho đơn vị đề nghị có đợt {label}; "
            "đề nghị khen thưởng theo đợt sơ kết, tổng kết chỉ được nhận trong đợt của một kế hoạch.",
            code="outside_window",
        )
    open_now = [(m, title) for m, title in rows if m.year == period_year and m.opens_at <= at < m.closes_at]
    if not open_now:
        same_year = [m for m, _ in rows if m.year == period_year]
        if same_year:
            windows = "; ".join(f"từ {_day(m.opens_at)} đến trước {_day(m.closes_at)}" for m in same_year)
            detail = f"Đợt nhận đề nghị khen thưởng {label} năm {period_year} không mở vào lúc này ({windows})."
        else:
            years = ", ".join(sorted({str(m.year) for m, _ in rows}))
            detail = (
                f"Kế hoạch áp dụng cho đơn vị không có đợt {label} năm {period_year} (các năm có đợt {label}: {years})."
            )
        raise Problem(422, detail, code="outside_window")
    if not any(award_form_code in m.award_forms for m, _ in open_now):
        allowed = sorted({code for m, _ in open_now for code in m.award_forms})
        raise Problem(
            422,
            f"Hình thức khen thưởng «{award_form_code}» không được xét trong đợt {label} năm {period_year}; "
            f"các hình thức được xét: {', '.join(allowed)}.",
            code="award_not_allowed_at_milestone",
            allowed=allowed,
        )
