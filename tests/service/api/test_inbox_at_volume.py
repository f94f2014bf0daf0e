"""The inbox at volume: filters that each narrow it, orders with stable pages, bulk actions that send
each task its own Update (and refuse those whose step needs something else), saved views whose
counts are the list's totals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import String, insert, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio.testing import WorkflowEnvironment

from models.rules.calendar import VN_TZ
from models.rules.text import MARKED_LETTERS, UNMARKED_LETTERS, fold
from models.tables import Nomination, Submission, Task, User
from service.queries import tasks as tasks_queries
from service.queries.tasks import name_key
from tests.support.api import PROBLEM, approve_step, body, create, login, task_for
from tests.support.helpers import assert_eq_eventually, running_api
from tests.support.security import ensure_user, unit_id

# Exact inboxes and counts: this module's dossiers are the only ones in its database.
pytestmark = pytest.mark.own_database

# An appraiser of the province's Home Affairs who also heads the commune (signs its Giấy khen): one
# inbox with two kinds of step.
APPRAISER = "inbox.appraiser"


@dataclass
class World:
    """Five dossiers in one inbox: four at the province's appraisal (three of the school, one of the
    commune), one of the school at the commune's signing; and one still at the school's council."""

    ids: dict[str, str] = field(default_factory=dict)  # letter -> nomination id
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)  # letter -> the appraiser's task
    school: int = 0
    commune: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    def letter(self, nomination_id: str) -> str:
        return next(k for k, v in self.ids.items() if v == nomination_id)


NAMES = {
    "A": ("Đặng Thị Ánh", "BANG_KHEN_TINH"),
    "B": ("Nguyễn Văn Bình", "BANG_KHEN_TINH"),
    "C": ("Lê Thị Cúc", "BANG_KHEN_TINH"),
    "S": ("Trần Văn Sơn", "GIAY_KHEN_XA"),
}


async def build(api: httpx.AsyncClient, engine: AsyncEngine, owner_engine: AsyncEngine) -> World:
    w = World()
    await ensure_user(
        owner_engine, APPRAISER, "GL-SNV", [("appraiser", "GL-SNV", False), ("chairperson", "GL-BH", False)],
        full_name="Đặng Thị Thu",
    )  # fmt: skip
    w.school, w.commune = await unit_id(engine, "GL-BH-THCS"), await unit_id(engine, "GL-BH")
    clerk, commune_clerk = await login(api, "clerk.school"), await login(api, "clerk.commune")
    for letter, (name, form) in NAMES.items():
        w.ids[letter] = (await create(api, clerk, body(w.school, form, name=name)))["id"]
    w.ids["X"] = (await create(api, clerk, body(w.school, name="Vũ Văn Xuân")))["id"]
    w.ids["E"] = (
        await create(api, commune_clerk, body(w.commune, name="Phạm Thị Xã", period={"kind": "annual", "year": 2025}))
    )["id"]
    school_council, commune_council = await login(api, "council.school"), await login(api, "council.commune")
    for letter in "ABCS":
        assert (
            await approve_step(api, school_council, await task_for(api, school_council, w.ids[letter])) == "in_progress"
        )
    for letter in "ABCSE":
        assert (
            await approve_step(api, commune_council, await task_for(api, commune_council, w.ids[letter]))
            == "in_progress"
        )
    w.headers = await login(api, APPRAISER)
    for letter in "ABCES":
        w.tasks[letter] = await task_for(api, w.headers, w.ids[letter])
    return w


async def inbox(api: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = await api.get("/api/v1/tasks", headers=headers, params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def letters(api: httpx.AsyncClient, w: World, **params: Any) -> list[str]:
    page = await inbox(api, w.headers, **params)
    found = [w.letter(t["nomination_id"]) for t in page["items"]]
    assert page["total"] == len(found), page
    return found


async def set_due(engine: AsyncEngine, w: World, due: dict[str, datetime]) -> None:
    """Due dates the test states (the read model behind the workflow's back)."""
    async with engine.begin() as conn:
        for letter, at in due.items():
            await conn.execute(update(Task).where(col(Task.id) == uuid.UUID(w.tasks[letter]["id"])).values(due_at=at))


async def test_filters_orders_pages_and_saved_views(
    api: httpx.AsyncClient, engine: AsyncEngine, owner_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await build(api, engine, owner_engine)
    now = datetime.now(UTC).replace(microsecond=0)
    # Three tasks due at the same instant: only the task id can order them.
    same = now + timedelta(days=2)
    await set_due(
        engine, w, {"A": same, "C": same, "E": same, "B": now - timedelta(days=3), "S": now + timedelta(days=40)}
    )
    appraisal, signing = w.tasks["A"]["step"], w.tasks["S"]["step"]
    assert appraisal.startswith("appraisal:") and signing.startswith("sign:")

    assert sorted(await letters(api, w)) == sorted("ABCES")
    # Each filter narrows the inbox to exactly the tasks it names.
    assert sorted(await letters(api, w, unit_id=w.school)) == sorted("ABCS")
    assert await letters(api, w, unit_id=w.commune) == ["E"]
    assert await letters(api, w, award_form="GIAY_KHEN_XA") == ["S"]
    assert sorted(await letters(api, w, award_form="BANG_KHEN_TINH")) == sorted("ABCE")
    assert await letters(api, w, year=2025) == ["E"]
    assert sorted(await letters(api, w, period_kind="annual")) == sorted("ABCES")
    assert await letters(api, w, period_kind="final_review") == []
    assert await letters(api, w, step=signing) == ["S"]
    assert sorted(await letters(api, w, step=appraisal)) == sorted("ABCE")
    assert await letters(api, w, q="dang thi anh") == ["A"]
    assert await letters(api, w, q="Cúc") == ["C"]
    assert await letters(api, w, overdue=True) == ["B"]
    assert sorted(await letters(api, w, overdue=False)) == sorted("ACES")
    today = now.astimezone(VN_TZ).date()
    assert await letters(api, w, due_before=today.isoformat()) == ["B"]
    assert sorted(await letters(api, w, due_before=(today + timedelta(days=10)).isoformat())) == sorted("ABCE")
    assert sorted(await letters(api, w, unit_id=w.school, award_form="BANG_KHEN_TINH", overdue=False)) == ["A", "C"]
    # A unit's list (tờ trình): the dossier proposed in it.
    submission = uuid.uuid4()
    async with engine.begin() as conn:
        clerk_id = (await conn.execute(select(col(User.id)).where(col(User.username) == "clerk.school"))).scalar_one()
        await conn.execute(insert(Submission).values(
            id=submission, proposing_unit_id=w.school, award_form="BANG_KHEN_TINH", period_kind="annual",
            period_year=2026, year=2026, number=1, symbol="TTr-THCS", total=1, source="json", created_by=clerk_id,
            created_at=now,
        ))  # fmt: skip
        await conn.execute(
            update(Nomination).where(col(Nomination.id) == uuid.UUID(w.ids["A"])).values(submission_id=submission)
        )
    assert await letters(api, w, submission_id=str(submission)) == ["A"]
    assert await letters(api, w, submission_id=str(uuid.uuid4())) == []

    # Each order and page both ways an inbox is read: sorted from its rows (a short inbox) and walked
    # in the order's index (a long one, here by lowering the bound).
    for sorted_below in (tasks_queries.SORTED_INBOX, 0):
        monkeypatch.setattr(tasks_queries, "SORTED_INBOX", sorted_below)
        # Orders: soonest due first, equal due dates by task id; names as read, accents aside ("Đặng" among the D).
        by_id = sorted("ACE", key=lambda x: w.tasks[x]["id"])
        assert await letters(api, w) == ["B", *by_id, "S"]
        assert await letters(api, w, sort="-due_at") == ["S", *reversed(by_id), "B"]
        assert await letters(api, w, sort="nominee_name") == ["A", "C", "B", "E", "S"]
        created = (await inbox(api, w.headers, sort="created_at"))["items"]
        assert [(t["created_at"], t["id"]) for t in created] == sorted((t["created_at"], t["id"]) for t in created)
        newest = [t["id"] for t in (await inbox(api, w.headers, sort="-created_at"))["items"]]
        assert newest == [t["id"] for t in reversed(created)]

        # Pages of two, by cursor and by offset, in every order: each task once, in the list's order.
        for sort in ("due_at", "-due_at", "created_at", "-created_at", "nominee_name"):
            whole = [t["id"] for t in (await inbox(api, w.headers, sort=sort))["items"]]
            by_cursor: list[str] = []
            cursor = None
            for _ in range(10):
                params: dict[str, Any] = {"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
                page = (await api.get("/api/v1/tasks", headers=w.headers, params=params)).json()
                by_cursor += [t["id"] for t in page["items"]]
                assert page["total"] == 5
                cursor = page["next_cursor"]
                if not cursor:
                    break
            by_offset: list[str] = []
            for offset in range(0, 6, 2):
                page = (
                    await api.get(
                        "/api/v1/tasks", headers=w.headers, params={"sort": sort, "limit": 2, "offset": offset}
                    )
                ).json()
                by_offset += [t["id"] for t in page["items"]]
            assert by_cursor == whole == by_offset, sort
    monkeypatch.undo()
    first = (await api.get("/api/v1/tasks", headers=w.headers, params={"limit": 2})).json()
    for bad in ("không-phải-cursor", first["next_cursor"]):
        r = await api.get("/api/v1/tasks", headers=w.headers, params={"cursor": bad, "sort": "nominee_name"})
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM and r.json()["code"] == "invalid_cursor"
    r = await api.get("/api/v1/tasks", headers=w.headers, params={"sort": "due"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM

    # Saved views: each with its count, which is the list's total with the same filters.
    views = await api.get("/api/v1/saved-views", headers=w.headers, params={"target": "tasks"})
    assert views.status_code == 200, views.text
    builtin = {v["key"]: v for v in views.json()["builtin"]}
    assert [v["name"] for v in views.json()["builtin"]] == ["Tất cả", "Quá hạn", "Đến hạn trong 3 ngày làm việc"]
    assert (builtin["all"]["count"], builtin["overdue"]["count"], builtin["due_soon"]["count"]) == (5, 1, 3)
    for view in builtin.values():
        assert view["count"] == (await inbox(api, w.headers, **view["filters"]))["total"], view
    assert views.json()["items"] == []

    made = await api.post(
        "/api/v1/saved-views", headers=w.headers,
        json={"target": "tasks", "name": "Trường Nguyễn Du", "filters": {"unit_id": w.school, "sort": "nominee_name"}},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    school_view = made.json()
    assert school_view["count"] == 4 == (await inbox(api, w.headers, unit_id=w.school))["total"]
    late = await api.post(
        "/api/v1/saved-views", headers=w.headers,
        json={"target": "tasks", "name": "Bằng khen quá hạn", "filters": {"award_form": "BANG_KHEN_TINH", "overdue": True}},
    )  # fmt: skip
    assert late.status_code == 201 and late.json()["count"] == 1
    again = await api.post(
        "/api/v1/saved-views", headers=w.headers, json={"target": "tasks", "name": "Trường Nguyễn Du", "filters": {}}
    )
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert again.json()["code"] == "saved_view_name_taken"
    for filters, where in (({"unit": 3}, "filters.unit"), ({"year": "năm nay"}, "filters.year"),
                           ({"sort": "tên"}, "filters.sort"), ({"overdue": "có lẽ"}, "filters.overdue")):  # fmt: skip
        r = await api.post(
            "/api/v1/saved-views", headers=w.headers, json={"target": "tasks", "name": "Sai", "filters": filters}
        )
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
        assert [e["field"] for e in r.json()["errors"]] == [where] and where in r.json()["detail"]
    # A filter of the nominations list is no filter of the inbox, and the other way round.
    r = await api.post(
        "/api/v1/saved-views",
        headers=w.headers,
        json={"target": "tasks", "name": "Sai", "filters": {"status": "awarded"}},
    )
    assert r.status_code == 422
    r = await api.post(
        "/api/v1/saved-views",
        headers=w.headers,
        json={"target": "nominations", "name": "Sai", "filters": {"step": "x"}},
    )
    assert r.status_code == 422
    listed = (await api.get("/api/v1/saved-views", headers=w.headers)).json()["items"]
    assert [(v["name"], v["count"]) for v in listed] == [("Bằng khen quá hạn", 1), ("Trường Nguyễn Du", 4)]

    # Changed: its count follows.
    r = await api.put(
        f"/api/v1/saved-views/{school_view['id']}", headers=w.headers,
        json={"name": "Trường Nguyễn Du – Bằng khen", "filters": {"unit_id": w.school, "award_form": "BANG_KHEN_TINH"}},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert (
        r.json()["count"] == 3 == (await inbox(api, w.headers, unit_id=w.school, award_form="BANG_KHEN_TINH"))["total"]
    )
    r = await api.put(
        f"/api/v1/saved-views/{school_view['id']}", headers=w.headers,
        json={"name": "Bằng khen quá hạn", "filters": {}},
    )  # fmt: skip
    assert r.status_code == 409

    # Views of the nominations list count as that list does.
    r = await api.post(
        "/api/v1/saved-views", headers=w.headers,
        json={"target": "nominations", "name": "Hồ sơ năm 2025", "filters": {"year": 2025}},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    listed_total = (await api.get("/api/v1/nominations", headers=w.headers, params={"year": 2025})).json()["total"]
    assert r.json()["count"] == listed_total == 1
    nominations = (await api.get("/api/v1/saved-views", headers=w.headers, params={"target": "nominations"})).json()
    assert [v["name"] for v in nominations["items"]] == ["Hồ sơ năm 2025"]
    assert {v["key"] for v in nominations["builtin"]} == {"all", "overdue"}

    # Another user's view does not exist for them.
    other = await login(api, "appraiser.home")
    assert (await api.get("/api/v1/saved-views", headers=other)).json()["items"] == []
    r = await api.put(
        f"/api/v1/saved-views/{school_view['id']}", headers=other, json={"name": "Của tôi", "filters": {}}
    )
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM and r.json()["code"] == "saved_view_not_found"
    assert (await api.delete(f"/api/v1/saved-views/{school_view['id']}", headers=other)).status_code == 404
    assert (await api.delete(f"/api/v1/saved-views/{school_view['id']}", headers=w.headers)).status_code == 204
    assert (await api.delete(f"/api/v1/saved-views/{school_view['id']}", headers=w.headers)).status_code == 404
    listed = (await api.get("/api/v1/saved-views", headers=w.headers)).json()["items"]
    assert [v["name"] for v in listed] == ["Bằng khen quá hạn"]


async def test_bulk_approve_moves_each_and_refuses_what_needs_something_else(
    api: httpx.AsyncClient, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    w = await build(api, engine, owner_engine)
    council = await login(api, "council.province")
    school_council = await login(api, "council.school")
    x_task = await task_for(api, school_council, w.ids["X"])  # still at the school's council: not the appraiser's

    async def open_letters() -> list[str]:
        return sorted(w.letter(t["nomination_id"]) for t in (await inbox(api, w.headers))["items"])

    # Return and reject need a reason: refused whole, nothing done.
    ids = [w.tasks[x]["id"] for x in "ABC"]
    for payload in ({"task_ids": ids, "outcome": "return"}, {"task_ids": ids, "outcome": "reject", "comment": "  "}):
        r = await api.post("/api/v1/tasks/bulk", headers=w.headers, json=payload)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM and r.json()["code"] == "comment_required"
    r = await api.post(
        "/api/v1/tasks/bulk", headers=w.headers, json={"task_ids": [ids[0], ids[0]], "outcome": "approve"}
    )
    assert r.status_code == 422 and r.json()["code"] == "duplicate_task_ids"
    too_many = [str(uuid.uuid4()) for _ in range(201)]
    r = await api.post("/api/v1/tasks/bulk", headers=w.headers, json={"task_ids": too_many, "outcome": "approve"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert await open_letters() == sorted("ABCES")

    # Approve three appraisals, a signing task and another unit's task in one call.
    asked = [w.tasks["A"]["id"], w.tasks["S"]["id"], w.tasks["C"]["id"], x_task["id"], w.tasks["E"]["id"]]
    r = await api.post(
        "/api/v1/tasks/bulk",
        headers=w.headers,
        json={"task_ids": asked, "outcome": "approve", "comment": "Đủ điều kiện"},
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert [(d["task_id"], d["nominee_name"]) for d in result["done"]] == [
        (w.tasks[x]["id"], n) for x, n in (("A", "Đặng Thị Ánh"), ("C", "Lê Thị Cúc"), ("E", "Phạm Thị Xã"))
    ]
    assert all(d["status"] == "in_progress" and d["current_step"].startswith("council:") for d in result["done"])
    assert all(d["next_task_id"] for d in result["done"])
    refused = {x["task_id"]: x for x in result["refused"]}
    assert set(refused) == {w.tasks["S"]["id"], x_task["id"]}
    assert refused[w.tasks["S"]["id"]]["code"] == "signing_step"
    assert "Ký quyết định" in refused[w.tasks["S"]["id"]]["detail"]
    assert refused[w.tasks["S"]["id"]]["nominee_name"] == "Trần Văn Sơn"
    assert refused[x_task["id"]]["code"] == "not_your_task"

    # Each moved on: out of the appraiser's inbox, into the provincial council's.
    await assert_eq_eventually(["B", "S"], open_letters)

    async def council_has() -> set[str]:
        return {t["nomination_id"] for t in (await inbox(api, council))["items"]} & set(w.ids.values())

    await assert_eq_eventually({w.ids[x] for x in "ACE"}, council_has)
    # Each through its own Update: the audit trail of each dossier names the appraiser and the reason.
    history = (await api.get(f"/api/v1/nominations/{w.ids['C']}/history", headers=w.headers)).json()
    assert any(i["comment"] == "Đủ điều kiện" and i["actor"] == "Đặng Thị Thu" for i in history["items"]), history
    # The task that was refused is still open for its own council.
    assert (await task_for(api, school_council, w.ids["X"]))["id"] == x_task["id"]

    # A council's step needs its vote; the proposer's revision needs the dossier.
    council_task = next(t for t in (await inbox(api, council))["items"] if t["nomination_id"] == w.ids["A"])
    r = await api.post(
        "/api/v1/tasks/bulk", headers=council, json={"task_ids": [council_task["id"]], "outcome": "approve"}
    )
    assert r.status_code == 200 and r.json()["done"] == []
    assert [x["code"] for x in r.json()["refused"]] == ["council_step"]

    r = await api.post(
        "/api/v1/tasks/bulk", headers=w.headers,
        json={"task_ids": [w.tasks["B"]["id"]], "outcome": "return", "comment": "Thiếu biên bản họp Hội đồng xã"},
    )  # fmt: skip
    assert r.status_code == 200 and [d["task_id"] for d in r.json()["done"]] == [w.tasks["B"]["id"]], r.text
    clerk = await login(api, "clerk.school")
    revision = await task_for(api, clerk, w.ids["B"])
    assert revision["return_reason"] == "Thiếu biên bản họp Hội đồng xã"
    r = await api.post("/api/v1/tasks/bulk", headers=clerk, json={"task_ids": [revision["id"]], "outcome": "approve"})
    assert [x["code"] for x in r.json()["refused"]] == ["proposer_step"]
    # Decided already: a second bulk call on the same tasks changes nothing and says why.
    r = await api.post("/api/v1/tasks/bulk", headers=w.headers, json={"task_ids": asked[:1], "outcome": "approve"})
    assert r.status_code == 200 and [x["code"] for x in r.json()["refused"]] == ["already_decided"]


async def test_the_stored_name_key_is_the_cursors_key(engine: AsyncEngine) -> None:
    """The inbox sorted by name walks the stored key (tasks.name_key, under ix_tasks_open_name), and
    a cursor's name is compared with it through `name_key`: both are the same two strings, and both
    read a name as `fold` does."""
    async with engine.connect() as conn:
        generated = (
            await conn.execute(
                text(
                    "SELECT generation_expression FROM information_schema.columns"
                    " WHERE table_name = 'tasks' AND column_name = 'name_key'"
                )
            )
        ).scalar_one()
        indexed = (
            await conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tasks_open_name'"))
        ).scalar_one()
        names = ["Đặng Thị Ánh", "NGUYỄN VĂN ỨNG", "Lê Hữu Đức"]
        keyed = [(await conn.execute(select(name_key(literal(n, String))))).scalar_one() for n in names]
    assert MARKED_LETTERS in generated and UNMARKED_LETTERS in generated
    assert "name_key" in indexed
    assert keyed == [fold(n) for n in names]
    assert all(fold(a) == b for a, b in zip(MARKED_LETTERS, UNMARKED_LETTERS, strict=True))


async def test_a_bulk_action_accepted_but_not_yet_recorded_is_listed_as_accepted(
    env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine, database_url: str, tmp_path: Any
) -> None:
    """The dossier's row is locked, so its step cannot be recorded in time: the workflow has accepted
    the appraiser's Update, which will take effect, so the answer lists it as done, "accepted"; once
    the lock goes, the dossier moves on."""
    async with running_api(env, engine, database_url, attachment_dir=str(tmp_path), temporal_call_seconds=4) as api:
        clerk = await login(api, "clerk.commune")
        unit = int((await api.get("/api/v1/me", headers=clerk)).json()["unit"]["id"])
        created = await create(api, clerk, body(unit, name="Lý Thị Chờ Ghi"))
        council = await login(api, "council.commune")
        assert await approve_step(api, council, await task_for(api, council, created["id"])) == "in_progress"
        appraiser = await login(api, "appraiser.home")
        task = await task_for(api, appraiser, created["id"])
        nomination = uuid.UUID(created["id"])
        async with owner_engine.connect() as lock:
            await lock.execute(select(Nomination.id).where(col(Nomination.id) == nomination).with_for_update())
            r = await api.post(
                "/api/v1/tasks/bulk", headers=appraiser, json={"task_ids": [task["id"]], "outcome": "approve"}
            )
            await lock.rollback()
        assert r.status_code == 200, r.text
        assert r.json()["refused"] == []
        [done] = r.json()["done"]
        assert (done["task_id"], done["status"], done["current_step"]) == (task["id"], "accepted", None)

        async def still_open() -> bool:
            items = (await api.get("/api/v1/tasks", headers=appraiser)).json()["items"]
            return any(t["id"] == task["id"] for t in items)

        await assert_eq_eventually(False, still_open)
