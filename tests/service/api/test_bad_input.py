"""Bad input answers 4xx and stores nothing, never 500, on every endpoint that takes such a field.

The fields come from the OpenAPI document the running app publishes: every text field of every
JSON body (nested objects, list items and the names of a mapping's entries included), every form
field, every query and path parameter, every integer of a body, and the Idempotency-Key header.
Each request carries one hostile value in an otherwise valid request (the samples below are checked
to be valid and complete), sent by a signed-in user:

- a NUL character (and a lone surrogate, which UTF-8 cannot encode) in text;
- 2147483648, 0 and -1 as an id (PostgreSQL `integer` ids are 1..2147483647), in a body or a query;
- a number sent as a string ("2026" for a year) where the body expects an integer;
- NaN in a free-form number (jsonb cannot store it);
- a non-ASCII Idempotency-Key.

Every answer must be 400 or 422 problem+json with a Vietnamese detail, and no table may change.
The test prints how many hostile requests it sent and how many were answered 5xx (see -rA).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import math
import pkgutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from tests.support.bad_input import Leaf, is_vietnamese, leaves, missing, put, table_digest
from tests.support.security import PDF, PROBLEM, create_nomination, login, nomination_body, running_api, unit_id

NUL_TEXT = "Nguyễn\x00Văn An"
SURROGATE_TEXT = "Báo cáo \ud800 năm"
INT4_OVERFLOW = 2_147_483_648
BAD_IDS = (INT4_OVERFLOW, 0, -1)


@pytest.fixture
async def api(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(
        env,
        engine,
        database_url,
        attachment_dir=str(tmp_path),
        login_limit_account="10000/minute",
        login_limit_address="10000/minute",
    ) as client:
        yield client


@dataclass
class World:
    """A dossier at its first council step with its task, a plan, the demo users' sessions."""

    ids: dict[str, str] = field(default_factory=dict)
    school: int = 0
    school_council: int = 0
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    async def build(self, api: httpx.AsyncClient, engine: AsyncEngine) -> None:
        for username in ("clerk.school", "council.school", "admin"):
            self.headers[username] = await login(api, username)
        self.school = await unit_id(engine, "GL-BH-THCS")
        self.school_council = await unit_id(engine, "GL-BH-THCS-HDTDKT")
        nid = await create_nomination(
            api, self.headers["clerk.school"], nomination_body(self.school, name="Dữ Liệu Xấu")
        )
        task = None
        for _ in range(200):
            items = (await api.get("/api/v1/tasks", headers=self.headers["council.school"])).json()["items"]
            task = next((t for t in items if t["nomination_id"] == nid), None)
            if task:
                break
            await asyncio.sleep(0.05)
        assert task, "the dossier's first task never appeared"
        plans = (await api.get("/api/v1/plans", headers=self.headers["admin"])).json()
        plan = next(p for p in plans if p["id"] == "gl-65-2024")
        self.ids = {
            "nomination_id": nid,
            "task_id": task["id"],
            "plan_id": plan["id"],
            "attachment_id": str(uuid.uuid4()),
            "delegation_id": str(uuid.uuid4()),
            "decision_id": str(uuid.uuid4()),
            "submission_id": str(uuid.uuid4()),
            "view_id": "1",
            "session_id": str(uuid.uuid4()),
            "number": "1",
            "report_id": "1",
            "file_id": str(uuid.uuid4()),
            "code": "BANG_KHEN_TINH",
        }

    def who(self, method: str, path: str) -> dict[str, str]:
        """The user the request is meant for, so that only the hostile value can stop it."""
        if (
            "/tasks/" in path
            or "/council-sessions" in path
            or path.endswith(("/tally", "/ballot", "/ballot/close"))
            or path.endswith("delegations")
        ):
            return self.headers["council.school"]
        if path.endswith("/amend"):
            return self.headers["admin"]
        return self.headers["clerk.school"]

    def criterion(self) -> dict[str, Any]:
        return {"code": "TC-1", "text": "Công dân học tập", "met": True, "evidence": "Quyết định công nhận số 12"}

    def nominee(self) -> dict[str, Any]:
        # Extra details are kept as given: text, a whole number and a decimal one.
        return {"kind": "individual", "name": "Nguyễn Văn An", "position": "Giáo viên", "years": 12, "score": 9.5}

    def bodies(self) -> dict[tuple[str, str], dict[str, Any]]:
        """A valid and complete request of every endpoint that takes a body: json, form or files."""
        today = date.today()
        return {
            ("POST", "/api/v1/auth/token"): {
                "form": {
                    "grant_type": "password",
                    "username": "clerk.school",
                    "password": "demo",
                    "scope": "",
                    "client_id": "thidua-web",
                    "client_secret": "khong-co",
                }
            },
            ("POST", "/api/v1/nominations"): {
                "json": {
                    "award_form": "BANG_KHEN_TINH",
                    "proposing_unit_id": self.school,
                    "nominee": self.nominee(),
                    "period": {"kind": "annual", "year": 2026},
                    "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học 2025–2026",
                    "criteria": [self.criterion()],
                },
                "headers": {"Idempotency-Key": str(uuid.uuid4())},
            },
            ("POST", "/api/v1/nominations/{nomination_id}/withdraw"): {"json": {"reason": "Đơn vị rút hồ sơ"}},
            ("POST", "/api/v1/nominations/{nomination_id}/resubmit"): {
                "json": {
                    "nominee": self.nominee(),
                    "achievements": "Bổ sung thành tích",
                    "criteria": [self.criterion()],
                    "comment": "Nộp lại",
                }
            },
            ("POST", "/api/v1/nominations/{nomination_id}/attachments"): {
                "form": {"kind": "evidence"},
                "files": {"file": ("bao-cao.pdf", PDF, "application/pdf")},
            },
            ("POST", "/api/v1/tasks/{task_id}/complete"): {"json": {"outcome": "approve", "comment": "Đồng ý"}},
            ("POST", "/api/v1/tasks/bulk"): {
                "json": {
                    "task_ids": [self.ids.get("task_id", str(uuid.uuid4()))],
                    "outcome": "return",
                    "comment": "Trả lại",
                }
            },
            ("POST", "/api/v1/saved-views"): {
                "json": {"target": "tasks", "name": "Quá hạn của trường", "filters": {"unit_id": self.school}}
            },
            ("PUT", "/api/v1/saved-views/{view_id}"): {
                "json": {"name": "Quá hạn của trường", "filters": {"overdue": True}}
            },
            ("POST", "/api/v1/tasks/{task_id}/supplement"): {
                "json": {"items": ["Biên bản họp"], "comment": "Đề nghị bổ sung"}
            },
            ("POST", "/api/v1/nominations/{nomination_id}/supplement"): {
                "json": {"answers": {"Biên bản họp": "Đã bổ sung"}, "comment": "Đã bổ sung đủ"}
            },
            ("POST", "/api/v1/nominations/{nomination_id}/ballot"): {"json": {"mode": "electronic"}},
            ("POST", "/api/v1/nominations/{nomination_id}/ballot/votes"): {"json": {"choice": "for", "ballot": 1}},
            ("POST", "/api/v1/nominations/{nomination_id}/tally"): {
                "json": {
                    "members": 5,
                    "members_reason": "Quyết định thành lập Hội đồng",
                    "present": 5,
                    "votes_for": 5,
                    "votes_against": 0,
                    "written_for": 0,
                    "written_against": 0,
                    "minutes": "Biên bản họp số 1",
                    "comment": "Nhất trí",
                }
            },
            ("POST", "/api/v1/nominations/{nomination_id}/comments"): {"json": {"text": "Ý kiến của người dân"}},
            ("POST", "/api/v1/delegations"): {
                "json": {
                    "kind": "substitute",
                    "to_username": "council.commune",
                    "role": "council_secretary",
                    "unit_id": self.school_council,
                    "starts_on": str(today),
                    "ends_on": str(today + timedelta(days=7)),
                    "reason": "Đi công tác",
                }
            },
            ("POST", "/api/v1/plans/{plan_id}/reports"): {
                "json": {
                    "unit_id": self.school,
                    "year": 2026,
                    "stream": "province_bodies",
                    "text": "Báo cáo kết quả thực hiện kế hoạch",
                    "key_figures": {"Số lớp học tập": 12, "Tỷ lệ": 95.5, "Ghi chú": "Đạt"},
                    "attachments": ["bao-cao-2026.pdf"],
                }
            },
            ("POST", "/api/v1/plans/{plan_id}/reports/{report_id}/files"): {
                "form": {},
                "files": {"file": ("bao-cao-nam.pdf", PDF, "application/pdf")},
            },
            ("POST", "/api/v1/plans/{plan_id}/amend"): {
                "json": {
                    "reports": [
                        {
                            "key": "province_bodies",
                            "due_day": 5,
                            "due_month": 12,
                            "add_units": ["GL-SNV"],
                            "remove_units": ["GL-SGDDT"],
                        }
                    ],
                    "reason": "Điều chỉnh",
                    "expected_version": 1,
                }
            },
            ("POST", "/api/v1/plans/{plan_id}/amend/preview"): {
                "json": {
                    "reports": [
                        {
                            "key": "province_bodies",
                            "due_day": 5,
                            "due_month": 12,
                            "add_units": ["GL-SNV"],
                            "remove_units": ["GL-SGDDT"],
                        }
                    ],
                    "reason": "Xem trước",
                    "expected_version": 1,
                }
            },
            ("POST", "/api/v1/decisions"): {
                "json": {"nomination_ids": [str(uuid.uuid4())]},
                "headers": {"Idempotency-Key": str(uuid.uuid4())},
            },
            ("POST", "/api/v1/submissions"): {
                "json": {
                    "award_form": "BANG_KHEN_TINH",
                    "proposing_unit_id": self.school,
                    "period": {"kind": "annual", "year": 2026},
                    "nominees": [
                        {
                            "nominee": self.nominee(),
                            "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học 2025–2026",
                            "criteria": [self.criterion()],
                        }
                    ],
                    "only_valid": False,
                },
                "headers": {"Idempotency-Key": str(uuid.uuid4())},
            },
            ("POST", "/api/v1/forward-letters"): {
                "json": {"nomination_ids": [self.ids.get("nomination_id", str(uuid.uuid4()))], "step": "submit:GL-BH"}
            },
            ("POST", "/api/v1/council-sessions"): {
                "json": {
                    "council_unit_id": self.school_council,
                    "nomination_ids": [self.ids.get("nomination_id", str(uuid.uuid4()))],
                    "mode": "meeting",
                }
            },
            ("POST", "/api/v1/council-sessions/{session_id}/results"): {
                "json": {
                    "members": 5,
                    "members_reason": "Quyết định thành lập Hội đồng",
                    "present": 5,
                    "minutes": "Biên bản phiên họp số 1",
                    "results": [
                        {
                            "nomination_id": self.ids.get("nomination_id", str(uuid.uuid4())),
                            "votes_for": 5,
                            "votes_against": 0,
                            "written_for": 0,
                            "written_against": 0,
                        }
                    ],
                }
            },
            ("POST", "/api/v1/council-sessions/{session_id}/paper"): {
                "json": {
                    "choices": [{"nomination_id": self.ids.get("nomination_id", str(uuid.uuid4())), "choice": "for"}]
                }
            },
            ("POST", "/api/v1/notifications/read"): {
                "json": {"items": [{"source": "nomination", "id": 1}], "all": False}
            },
            ("PUT", "/api/v1/notifications/preferences"): {
                "json": {"email": "can.bo@thidua.gov.vn", "email_mode": "digest"}
            },
        }

    def queries(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Valid values of the query parameters an endpoint requires."""
        year = date.today().year
        return {
            ("GET", "/api/v1/award-forms/{code}/route"): {"unit_id": self.school},
            ("GET", "/api/v1/plans/{plan_id}/calendar"): {"from": f"{year}-01-01", "to": f"{year}-12-31"},
            ("GET", "/api/v1/plans/{plan_id}/reports"): {"year": year},
            ("GET", "/api/v1/submissions/template.xlsx"): {"award_form": "BANG_KHEN_TINH"},
            ("GET", "/api/v1/council-sessions/waiting"): {"council_unit_id": self.school_council},
        }


@dataclass
class Hostile:
    what: str
    method: str
    path: str  # the operation's path template
    url: str
    kwargs: dict[str, Any]


def _content_schema(operation: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    content = operation.get("requestBody", {}).get("content", {})
    for media in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data"):
        if media in content:
            return media, content[media]["schema"]
    return None


def _has_text_fields(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    """Whether a body has a field a hostile value can go in: an upload of a file alone has none (its
    bytes are checked by the uploads' own tests)."""
    content = _content_schema(operation)
    if content is None:
        return False
    schema = content[1]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    fields = schema.get("properties")
    return fields is None or any("contentMediaType" not in f and f.get("format") != "binary" for f in fields.values())


def _hostile_values(leaf: Leaf) -> list[tuple[str, Any]]:
    if leaf.type == "string":
        return [("NUL", NUL_TEXT), ("lone surrogate", SURROGATE_TEXT)]
    if leaf.type == "number":
        return [("NaN", math.nan)]
    name = str(leaf.path[-1])
    out: list[tuple[str, Any]] = [("integer as a string", "2026" if name == "year" else "5")]
    if name.endswith("_id"):
        out += [(f"id {v}", v) for v in BAD_IDS]
    return out


def hostile_requests(document: dict[str, Any], world: World) -> tuple[list[Hostile], list[str]]:
    """Every hostile request for every operation of the document; and what the samples lack."""
    bodies, queries = world.bodies(), world.queries()
    out: list[Hostile] = []
    gaps: list[str] = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            method = method.upper()
            params = operation.get("parameters", [])
            url = path.format(**{k: v for k, v in world.ids.items() if "{" + k + "}" in path})
            sample = bodies.get((method, path), {})
            base: dict[str, Any] = {"headers": {**world.who(method, path), **sample.get("headers", {})}}
            if "json" in sample:
                base["json"] = sample["json"]
            if "form" in sample:
                base["data"] = sample["form"]
            if "files" in sample:
                base["files"] = sample["files"]
            required_query = queries.get((method, path), {})
            base["params"] = dict(required_query)

            content = _content_schema(operation)
            if content is not None:
                media, schema = content
                key = "json" if media == "application/json" else "form"
                if key not in sample:
                    gaps.append(f"{method} {path}: no sample {key} body")
                    continue
                complete = {**sample[key], **sample.get("files", {})} if key == "form" else sample[key]
                gaps += [f"{method} {path}: sample lacks {m}" for m in missing(document, schema, complete)]
                for leaf in leaves(document, schema, sample[key]):
                    if key == "form" and leaf.type != "string":
                        continue
                    for label, value in _hostile_values(leaf):
                        if leaf.key and not isinstance(value, str):
                            continue
                        if key == "form" and label == "lone surrogate":
                            continue  # a form is bytes: a lone surrogate cannot even be sent
                        body = put(sample[key], leaf, value)
                        if key == "json":
                            # Escaped as JSON sends them (\u0000, \ud800, NaN), which httpx would not encode.
                            kwargs = {k: v for k, v in base.items() if k != "json"}
                            kwargs["content"] = json.dumps(body).encode()
                            kwargs["headers"] = {**base["headers"], "Content-Type": "application/json"}
                            if "Idempotency-Key" in kwargs["headers"]:
                                kwargs["headers"]["Idempotency-Key"] = str(uuid.uuid4())
                        else:
                            kwargs = {**base, "data": body}
                        out.append(Hostile(f"{label} in {key} {leaf}", method, path, url, kwargs))

            for param in params:
                where, name = param["in"], param["name"]
                kinds = {s.get("type") for s in [param.get("schema", {}), *param.get("schema", {}).get("anyOf", [])]}
                if where == "query":
                    if "string" in kinds:
                        for label, value in (("NUL", NUL_TEXT), ("control character", "abc\x1b[2J")):
                            out.append(
                                Hostile(f"{label} in query {name}", method, path, url,
                                        {**base, "params": {**required_query, name: value}})
                            )  # fmt: skip
                    if "integer" in kinds:
                        for value in (INT4_OVERFLOW, -INT4_OVERFLOW):
                            out.append(
                                Hostile(f"{value} in query {name}", method, path, url,
                                        {**base, "params": {**required_query, name: value}})
                            )  # fmt: skip
                elif where == "path":
                    bad = path.replace("{" + name + "}", quote("ab\x00cd"))
                    bad = bad.format(**{k: v for k, v in world.ids.items() if "{" + k + "}" in bad})
                    out.append(Hostile(f"NUL in path {name}", method, path, bad, base))
                elif where == "header" and "string" in kinds:
                    headers = {**base["headers"], name: "khoá-trùng-lặp-ý-nghĩa".encode()}
                    out.append(Hostile(f"non-ASCII header {name}", method, path, url, {**base, "headers": headers}))
    return out, gaps


def test_the_samples_are_valid_requests() -> None:
    """The samples pass the endpoints' own validation: a refusal can only come from the hostile value."""
    import service.api.routers

    world = World(ids={}, school=1, school_council=2)
    bodies = world.bodies()
    checked = 0
    for info in pkgutil.iter_modules(service.api.routers.__path__):
        module = importlib.import_module(f"service.api.routers.{info.name}")
        for route in module.router.routes:
            if not isinstance(route, APIRoute) or route.body_field is None:
                continue
            for method in route.methods:
                sample = bodies.get((method, route.path))
                assert sample is not None, f"no sample body for {method} {route.path}: add one to World.bodies"
                if "files" in sample:
                    continue  # an upload: its one form field is an enumeration, checked over HTTP below
                _, errors = route.body_field.validate(sample.get("json", sample.get("form")), {}, loc=("body",))
                assert not errors, f"{method} {route.path}: the sample is not valid: {errors}"
                checked += 1
    assert checked >= 14


async def test_bad_input_answers_4xx_and_stores_nothing(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    world = World()
    await world.build(api, engine)
    document = (await api.get("/openapi.json")).json()
    requests, gaps = hostile_requests(document, world)
    assert not gaps, "samples to complete in tests/service/api/test_bad_input.py:\n" + "\n".join(gaps)

    before = await table_digest(engine)
    server_errors: list[str] = []
    wrong: list[str] = []
    for hostile in requests:
        try:
            r = await api.request(hostile.method, hostile.url, **hostile.kwargs)
        except Exception as exc:  # the app raised past its handlers: a server behind it would answer 500
            server_errors.append(
                f"{hostile.method} {hostile.url.split('?')[0]} [{hostile.what}] -> raised {exc!r:.200}"
            )
            continue
        line = f"{hostile.method} {hostile.url.split('?')[0]} [{hostile.what}] -> {r.status_code} {r.text[:200]}"
        if r.status_code >= 500:
            server_errors.append(line)
            continue
        problem = r.json() if r.headers.get("content-type") == PROBLEM else {}
        if r.status_code not in (400, 422) or not problem or not is_vietnamese(problem.get("detail")):
            wrong.append(line)
    after = await table_digest(engine)
    changed = sorted(name for name in before if before[name] != after[name])

    print(f"\nbad input: {len(requests)} hostile requests sent, {len(server_errors)} answered 5xx")
    assert not server_errors, f"{len(server_errors)} of {len(requests)} answered 5xx:\n" + "\n".join(server_errors[:40])
    assert not wrong, f"{len(wrong)} of {len(requests)} not refused as 400/422 Vietnamese problem+json:\n" + "\n".join(
        wrong[:40]
    )
    assert not changed, f"refused requests changed tables: {changed}"

    # Every kind of hostile value reached every endpoint that takes such a field.
    covered = {(h.method, h.what.split(" in ", 1)[0]) for h in requests}
    assert ("POST", "NUL") in covered and ("POST", "id 2147483648") in covered
    assert any(h.what == "NUL in query q" for h in requests)
    assert any(h.what.startswith("NUL in form username") for h in requests)
    assert any(h.what.startswith("NUL in form password") for h in requests)
    assert any(h.what == "2147483648 in query unit_id" and h.method == "GET" for h in requests)
    assert any(h.what == "integer as a string in json period.year" for h in requests)
    assert any(h.what == "non-ASCII header Idempotency-Key" for h in requests)
    with_body = {
        (m.upper(), p)
        for p, item in document["paths"].items()
        for m, op in item.items()
        if _content_schema(op) and _has_text_fields(document, op)
    }
    assert with_body <= {(h.method, h.path) for h in requests if " in json " in h.what or " in form " in h.what}
    with_params = {
        (m.upper(), p) for p, item in document["paths"].items() for m, op in item.items() if op.get("parameters")
    }
    assert with_params <= {
        (h.method, h.path) for h in requests if " in json " not in h.what and " in form " not in h.what
    }
    assert len(requests) > 150


async def test_a_non_ascii_idempotency_key_is_refused_not_stored_garbled(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    clerk = await login(api, "clerk.school")
    payload = nomination_body(await unit_id(engine, "GL-BH-THCS"), name="Khoá Không Phải ASCII")
    before = await table_digest(engine)
    r = await api.post(
        "/api/v1/nominations", json=payload, headers={**clerk, "Idempotency-Key": "khoá-số-một-2026".encode()}
    )
    assert r.status_code in (400, 422) and r.headers["content-type"] == PROBLEM, r.text
    assert is_vietnamese(r.json()["detail"])
    assert await table_digest(engine) == before
    # Printable ASCII keys keep working.
    r = await api.post(
        "/api/v1/nominations",
        json=payload,
        headers={**clerk, "Idempotency-Key": "khoa-so-mot-2026-" + uuid.uuid4().hex},
    )
    assert r.status_code == 201, r.text


async def test_multi_line_text_keeps_its_lines_and_tabs(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    clerk = await login(api, "clerk.school")
    payload = nomination_body(await unit_id(engine, "GL-BH-THCS"), name="Nhiều Dòng")
    payload["achievements"] = "Thành tích:\n\t- Dạy giỏi cấp tỉnh\r\n\t- Sáng kiến cấp cơ sở"
    nid = await create_nomination(api, clerk, payload)
    got = (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()
    assert got["achievements"] == payload["achievements"]
    # A name is one line: a line break in it is refused.
    payload = nomination_body(await unit_id(engine, "GL-BH-THCS"), name="Hai\nDòng")
    r = await api.post("/api/v1/nominations", json=payload, headers={**clerk, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "control_character", r.text
