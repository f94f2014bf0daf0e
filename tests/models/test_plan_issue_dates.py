"""The seed plans as the seed documents say: nothing of a plan falls before it was issued, the Trạm Tấu
appendix has its twelve rows, its twelve bodies (six associations) each owe an exemplary collective,
and the sections cited are those of the documents (VII is Tổ chức thực hiện where VI is Kinh phí)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from models.rules.calendar import VN_TZ
from models.rules.plan_schedule import calendar, first_office_day, report_due, year_schedule
from models.rules.plans import PlanDef, PlanFileError, parse_plan
from tests.support.paths import ROOT
from tests.support.plans import FILES, PLANS, vn

SEEDS = ROOT.parent / "shared" / "seeds"
# The day each plan was issued, or the earliest it can have been when the document shows none.
IN_FORCE_FROM = {
    "gl-65-2024": date(2024, 3, 4),  # Quyết định 65/QĐ-UBND ngày 04/03/2024
    "yb-tt-246-2024": date(2024, 10, 15),  # Kế hoạch 246/KH-UBND ngày 15/10/2024
    "dt-ttt-2024": date(2024, 1, 16),  # implements Kế hoạch 16/KH-UBND ngày 16/01/2024 (its own date unreadable)
    "st-snv-2024": date(2024, 1, 16),  # "ngày tháng 01 năm 2024", based on Kế hoạch 07/KH-UBND ngày 16/01/2024
    "ct-1315-2024": date(2023, 12, 27),  # no date; cites Thông tư 25/2023/TT-BGDĐT ngày 27/12/2023
}
# The first yearly deadline of each plan (each stream), hand-written from the documents.
FIRST_DUE = {
    "gl-65-2024": vn(2024, 12, 5),
    "yb-tt-246-2024": vn(2024, 12, 1),
    "dt-ttt-2024": vn(2024, 11, 30),
    "st-snv-2024": vn(2024, 11, 25),
    "ct-1315-2024": vn(2024, 11, 30),
}
WIDE = (vn(2020, 1, 1), vn(2032, 1, 1))


@pytest.mark.parametrize("plan_id", sorted(PLANS))
def test_nothing_of_a_plan_falls_before_it_was_issued(plan_id: str) -> None:
    plan = PLANS[plan_id]
    assert plan.in_force_from == IN_FORCE_FROM[plan_id]
    start = first_office_day(plan)
    assert start is not None
    events = calendar(plan, *WIDE)
    early = [(e.kind, e.key, e.at.isoformat()) for e in events if e.at < start]
    assert not early, f"{plan_id}: events before the plan was issued: {early}"
    # Every stream's first deadline is the first one after the issue; then one a year to 2030.
    for stream in plan.reports:
        dues = [e.at for e in events if e.kind == "due" and e.subject == stream.key]
        assert dues[0] == FIRST_DUE[plan_id], (plan_id, stream.key, dues[:2])
        assert [d.year for d in dues] == list(range(2024, plan.period.end + 1))
        assert report_due(plan, stream, 2023) is None and report_due(plan, stream, 2031) is None
        assert report_due(plan, stream, 2024) == FIRST_DUE[plan_id]
        # Its task opens and its reminders go out before it, never before the issue.
        keys = {e.key for e in events if e.key.startswith(f"2024:{stream.key}:")}
        assert f"2024:{stream.key}:open_tasks" in keys
    assert not [e for e in year_schedule(plan, 2023) if e.kind in ("open_tasks", "reminder", "due")]


def test_the_2023_deadlines_once_shown_are_gone() -> None:
    shown = {
        "yb-tt-246-2024": vn(2023, 12, 1),
        "st-snv-2024": vn(2023, 11, 25),
        "dt-ttt-2024": vn(2023, 11, 30),
        "ct-1315-2024": vn(2023, 11, 30),
    }
    for plan_id, at in shown.items():
        assert not [e for e in calendar(PLANS[plan_id], *WIDE) if e.at == at], plan_id


def _issued(plan_id: str, **fields: object) -> PlanDef:
    raw = PLANS[plan_id].model_dump(mode="json")
    raw.update(fields)
    return PlanDef.model_validate(raw)


def test_a_plan_issued_days_before_a_deadline_opens_its_task_on_the_day_of_issue() -> None:
    # Issued on Wednesday 27/11/2024, due at the start of Sunday 01/12: the task opens that morning,
    # the reminder of five working days before (Monday 25/11) is dropped, the one of the last
    # working day before (Friday 29/11) stays.
    plan = _issued("yb-tt-246-2024", issued_on="2024-11-27")
    events = [(e.kind, e.at) for e in year_schedule(plan, 2024) if e.subject == "district_bodies"]
    assert events == [
        ("open_tasks", vn(2024, 11, 27, 8)),
        ("reminder", vn(2024, 11, 29, 8)),
        ("due", vn(2024, 12, 1)),
    ]
    # Issued on the due day itself: that year's report cannot be asked for; the next year's is.
    late = _issued("yb-tt-246-2024", issued_on="2024-12-01")
    assert not [e for e in year_schedule(late, 2024) if e.kind in ("open_tasks", "reminder", "due")]
    assert report_due(late, late.reports[0], 2025) == datetime(2025, 12, 1, tzinfo=VN_TZ)
    # A nomination window that closes before the plan was issued is a mistake of the file.
    with pytest.raises(ValueError, match=r"milestones.0.window: it closes before the plan was issued"):
        _issued("yb-tt-246-2024", issued_on="2026-01-05")


def test_an_issue_date_and_a_lower_bound_are_not_both_given() -> None:
    raw = PLANS["yb-tt-246-2024"].model_dump(mode="json") | {"issued_not_before": "2024-10-01"}
    with pytest.raises(PlanFileError, match="field issued_not_before"):
        parse_plan(raw, "yb-tt-246-2024.yaml")


def test_tram_tau_supervision_has_the_twelve_rows_of_the_appendix() -> None:
    tt = PLANS["yb-tt-246-2024"]
    rows = [(s.unit, s.supervises) for s in tt.supervision]
    assert len(rows) == 12 and rows[-1] == ("YB-TT-HCCB", "YB-TT-PALAU")
    assert len({u for u, _ in rows}) == len({c for _, c in rows}) == 12
    appendix = (SEEDS / "002_842c3c6ae8ca409e.txt").read_text(encoding="utf-8") if SEEDS.exists() else None
    if appendix is not None:  # the seed documents sit beside the repository (../shared/seeds)
        table = appendix.split("BẢNG PHÂN CÔNG", 1)[1]
        numbered = [line for line in table.splitlines() if line[:2].strip().isdigit()]
        assert len(numbered) == len(rows) == 12
        assert numbered[-1].split("\t")[1:] == ["Hội Cựu chiến binh", "Xã Pá Lau"]


def test_every_body_of_tram_tau_owes_an_exemplary_collective() -> None:
    tt = PLANS["yb-tt-246-2024"]
    collective = next(q for q in tt.quotas if q.nominee_kind == "collective")
    assert set(collective.units.codes) == {s.unit for s in tt.supervision}
    associations = {"YB-TT-HKH", "YB-TT-LDLD", "YB-TT-HLHPN", "YB-TT-HDTN", "YB-TT-HND", "YB-TT-HCCB"}
    assert associations <= set(collective.units.codes)


@pytest.mark.parametrize(
    ("plan_id", "cited"),
    [
        ("gl-65-2024", ["mục VII.9"]),
        ("yb-tt-246-2024", ["mục VII.1", "mục VII.2.1"]),
        ("ct-1315-2024", ["mục VII.11.d"]),
        ("st-snv-2024", ["mục VI.3"]),  # Sóc Trăng's plan has no Kinh phí section: VI is Tổ chức thực hiện
    ],
)
def test_deadlines_cite_the_sections_of_the_documents(plan_id: str, cited: list[str]) -> None:
    notes = [r.due.note or "" for r in PLANS[plan_id].reports]
    assert all(any(c in n for n in notes) for c in cited), notes
    text = FILES[plan_id].read_text(encoding="utf-8")
    if plan_id in ("gl-65-2024", "yb-tt-246-2024"):
        assert "VI.1" not in text and "VI.2.1" not in text and "VI.9" not in text
