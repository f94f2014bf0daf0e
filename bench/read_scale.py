"""Lists, searches and inboxes at a province's scale: p50/p95/p99 at 10,000 and 1,000,000 nominations.

    .venv/bin/python bench/read_scale.py --sizes 10000,1000000 --repeat 30

It starts a temporary PostgreSQL (or uses DATABASE_URL's server with a fresh database), migrates,
builds a province of about 2,000 units (districts, communes, schools and their councils), loads the
read model with COPY (nominations on the Bằng khen of the province route with their access rows,
an open task for those in progress, three audit rows each) and times the API's own requests,
in process, as five people: the province's administrator (a subtree grant over everything), the
provincial council's secretary, the Home Affairs appraiser, a commune council's secretary and a
school's clerk. Prints one JSON line per size, then a table of p50/p95/p99 per request and size.

A million nominations take many minutes to load: `--keep` leaves the loaded database on
DATABASE_URL's server, and `--reuse <database>` times it again (migrated to the newest revision
first, vacuumed as autovacuum would), e.g. while changing a query:

    DATABASE_URL=postgresql://... .venv/bin/python bench/read_scale.py --sizes 1000000 --keep
    DATABASE_URL=postgresql://... .venv/bin/python bench/read_scale.py --reuse thidua_readscale_1a2b3c4d
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.db.engine import sqlalchemy_url
from models.db.roles import Roles, prepare
from models.rules.text import fold
from models.store.seed import seed
from service.security.passwords import hash_password

ROOT = Path(__file__).resolve().parent.parent
DISTRICTS, COMMUNES, SCHOOLS = 25, 20, 3  # 25 + 500 + 1,500 units, and a council for each commune and district
NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Quốc", "Ngọc", "Đức"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Mai", "Nam", "Phương"]
PASSWORD = "bench-password"
# The request timed as the noise floor among the others (`measure`), left out of the worst p95.
REFERENCE = "me"
# The five people the requests are timed as, and who they are.
PEOPLE = {
    "rs.admin": "quản trị cả tỉnh",
    "rs.council": "thư ký Hội đồng tỉnh",
    "rs.appraiser": "chuyên viên Sở Nội vụ",
    "rs.commune": "thư ký Hội đồng xã",
    "rs.clerk": "cán bộ thi đua của một trường",
}


def database(url: str | None) -> tuple[str, Any]:
    if url:
        return url, None
    import pgserver

    tmp = tempfile.mkdtemp(prefix="thidua-readscale-")
    server = pgserver.get_server(Path(tmp) / "pg", cleanup_mode="delete")
    return server.get_uri(), (server, tmp)


def build_org(conn: Any) -> dict[str, Any]:
    """A province like Gia Lai's shape: province, Home Affairs, council; districts, communes, schools."""

    def unit(code: str, name: str, kind: str, level: str, parent: int | None) -> int:
        return int(
            conn.execute(
                text("INSERT INTO units (code, name, kind, level, parent_id) VALUES (:c, :n, :k, :l, :p) RETURNING id"),
                {"c": code, "n": name, "k": kind, "l": level, "p": parent},
            ).scalar_one()
        )

    org: dict[str, Any] = {"schools": [], "communes": []}
    province = unit("RS", "UBND tỉnh Thử Tải", "people_committee", "province", None)
    org["province"] = province
    org["home"] = unit("RS-SNV", "Sở Nội vụ", "department", "province", province)
    org["council"] = unit("RS-HD", "Hội đồng TĐKT tỉnh", "council", "province", province)
    for d in range(DISTRICTS):
        district = unit(f"RS-D{d}", f"UBND huyện {d}", "people_committee", "district", province)
        unit(f"RS-D{d}-HD", f"Hội đồng TĐKT huyện {d}", "council", "district", district)
        for c in range(COMMUNES):
            commune = unit(f"RS-D{d}-C{c}", f"UBND xã {d}.{c}", "people_committee", "commune", district)
            council = unit(f"RS-D{d}-C{c}-HD", f"Hội đồng TĐKT xã {d}.{c}", "council", "commune", commune)
            org["communes"].append((commune, council))
            for s in range(SCHOOLS):
                school = unit(f"RS-D{d}-C{c}-S{s}", f"Trường {d}.{c}.{s}", "school", "grassroots", commune)
                school_council = unit(
                    f"RS-D{d}-C{c}-S{s}-HD", f"Hội đồng TĐKT trường {d}.{c}.{s}", "council", "grassroots", school
                )
                org["schools"].append((school, school_council, commune, council))
    return org


def add_people(conn: Any, org: dict[str, Any]) -> dict[str, str]:
    """Five people, their roles as the demo organisation grants them; returns username -> who."""
    password = hash_password(PASSWORD)
    school, _, _, commune_council = org["schools"][0]
    people = {
        "rs.admin": ("admin", org["province"], True),
        "rs.council": ("council_secretary", org["council"], False),
        "rs.appraiser": ("appraiser", org["home"], False),
        "rs.commune": ("council_secretary", commune_council, False),
        "rs.clerk": ("clerk", school, False),
    }
    for username, (role, unit_id, subtree) in people.items():
        user_id = conn.execute(
            text(
                "INSERT INTO users (username, full_name, password_hash, unit_id, is_active) "
                "VALUES (:u, :n, :p, :unit, true) RETURNING id"
            ),
            {"u": username, "n": username, "p": password, "unit": unit_id},
        ).scalar_one()
        conn.execute(
            text("INSERT INTO role_assignments (user_id, role, unit_id, subtree) VALUES (:u, :r, :unit, :s)"),
            {"u": user_id, "r": role, "unit": unit_id, "s": subtree},
        )
    return dict(PEOPLE)


def load(raw_url: str, org: dict[str, Any], count: int, creator: int) -> None:
    """COPY `count` nominations, their access rows, open tasks and audit rows."""
    import psycopg

    rnd = random.Random(count)
    now = datetime.now(UTC)
    statuses = ["in_progress"] * 6 + ["awarded"] * 3 + ["rejected"]
    buffers = {name: io.StringIO() for name in ("nominations", "nomination_access", "tasks", "audit_entries")}

    def row(name: str, *values: Any) -> None:
        buffers[name].write("\t".join(r"\N" if v is None else str(v) for v in values) + "\n")

    # Rows are written oldest change first, as a live table holds them: PostgreSQL writes a changed
    # row anew where there is free space, mostly among the other recent changes, so the table's
    # order follows updated_at. Written in random order, a count of the newest 10,000 dossiers read the visibility
    # map of a different part of the table at almost every row (about 5 ms more at a million).
    minutes = random.Random(count + 1)
    changes = sorted(now - timedelta(minutes=minutes.randrange(7 * 365 * 24 * 60)) for _ in range(count))
    for updated in changes:
        school, school_council, _, commune_council = org["schools"][rnd.randrange(len(org["schools"]))]
        route = [
            {"key": f"council:{school_council}", "kind": "council", "role": "council_secretary", "unit_id": school_council,
             "name": "Hội đồng trường", "working_days": 5},
            {"key": f"council:{commune_council}", "kind": "council", "role": "council_secretary",
             "unit_id": commune_council, "name": "Hội đồng xã", "working_days": 5},
            {"key": f"appraisal:{org['home']}", "kind": "appraisal", "role": "appraiser", "unit_id": org["home"],
             "name": "Thẩm định", "working_days": 10},
            {"key": f"council:{org['council']}", "kind": "council", "role": "council_secretary", "unit_id": org["council"],
             "name": "Hội đồng tỉnh", "working_days": 10},
            {"key": f"sign:{org['province']}", "kind": "sign", "role": "chairperson", "unit_id": org["province"],
             "name": "Ký quyết định", "working_days": 5},
        ]  # fmt: skip
        nid = uuid.UUID(int=rnd.getrandbits(128))
        name = f"{rnd.choice(NAMES)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}"
        status = rnd.choice(statuses)
        step = rnd.randrange(len(route)) if status == "in_progress" else None
        year = 2024 + rnd.randrange(7)
        folded = fold(f"{name} Hoàn thành xuất sắc nhiệm vụ năm học {year}")
        # The open task's due date, as the projection keeps it on the nomination.
        due = updated + timedelta(days=14) if step is not None else None
        row(
            "nominations", nid, f"nomination-{nid}", "BANG_KHEN_TINH", school, "individual", name,
            json.dumps({"kind": "individual", "name": name}, ensure_ascii=False), "annual", year,
            f"Hoàn thành xuất sắc nhiệm vụ năm học {year}", "[]", json.dumps(route, ensure_ascii=False), status,
            route[step]["key"] if step is not None else None, step, folded, creator, updated.isoformat(),
            updated.isoformat(), 3, due.isoformat() if due else None,
        )  # fmt: skip
        pairs = {("clerk", school), ("admin", school)}
        for s in route:
            pairs.add((s["role"], s["unit_id"]))
            if s["kind"] == "council":
                pairs.add(("council_member", s["unit_id"]))
        for role, unit in pairs:
            row("nomination_access", nid, role, unit)
        if step is not None and due is not None:
            s = route[step]
            row(
                "tasks", uuid.UUID(int=rnd.getrandbits(128)), nid, s["key"], step, s["name"], s["role"], s["unit_id"],
                "open", updated.isoformat(), due.isoformat(), "{}",
            )  # fmt: skip
        for k in range(3):
            row(
                "audit_entries", uuid.UUID(int=rnd.getrandbits(128)), nid,
                (updated - timedelta(days=3 - k)).isoformat(), creator, "Cán bộ", ["submit", "approve", "approve"][k],
            )  # fmt: skip
    columns = {
        "nominations": "id, workflow_id, award_form, proposing_unit_id, nominee_kind, nominee_name, nominee, "
        "period_kind, period_year, achievements, criteria, route, status, current_step, current_step_index, "
        "search_text, created_by, created_at, updated_at, version, open_due_at",
        "nomination_access": "nomination_id, role, unit_id",
        "tasks": "id, nomination_id, step, step_index, step_name, role, unit_id, status, created_at, due_at, details",
        "audit_entries": "id, nomination_id, at, actor_id, actor_name, action",
    }
    with psycopg.connect(raw_url) as pg:
        for name in ("nominations", "nomination_access", "tasks", "audit_entries"):
            with pg.cursor().copy(f"COPY {name} ({columns[name]}) FROM STDIN") as copy:
                buffers[name].seek(0)
                while chunk := buffers[name].read(1 << 20):
                    copy.write(chunk)
        pg.commit()
    vacuum(raw_url)


def vacuum(raw_url: str) -> None:
    """What autovacuum does after a bulk load: statistics, and the visibility map that lets a count
    read an index without the table's rows."""
    import psycopg

    with psycopg.connect(raw_url, autocommit=True) as pg:
        pg.execute("VACUUM (ANALYZE)")


async def measure(
    url: str, people: dict[str, str], repeat: int, school: int, only: set[str] | None = None
) -> dict[str, dict[str, float]]:
    from temporalio.testing import WorkflowEnvironment

    from service.app import create_app
    from service.core.settings import Settings

    server = shutil.which("temporal-test-server") or str(Path(sys.executable).parent / "temporal-test-server")
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=server)
    settings = Settings.model_validate({"env": "test", "DATABASE_URL": url, "login_limit_address": "10000/minute"})
    app = create_app(settings, temporal=env.client)
    # Every list, search and inbox the UI offers (its filters and orders), and the next page by cursor
    # ("…_page2": the first page is asked untimed, then the page after its cursor is timed).
    cases: dict[str, tuple[str, dict[str, Any]]] = {
        "list": ("/api/v1/nominations", {"limit": 50}),
        "list_page2": ("/api/v1/nominations", {"limit": 50}),
        "list_status": ("/api/v1/nominations", {"status": "awarded", "limit": 50}),
        "list_status_year": ("/api/v1/nominations", {"status": "in_progress", "year": 2026, "limit": 50}),
        "list_form_year": ("/api/v1/nominations", {"award_form": "BANG_KHEN_TINH", "year": 2025, "limit": 50}),
        "list_form_none": ("/api/v1/nominations", {"award_form": "BANG_KHEN_BO", "limit": 50}),
        "list_unit": ("/api/v1/nominations", {"unit_id": school, "limit": 50}),
        "list_overdue": ("/api/v1/nominations", {"overdue": True, "limit": 50}),
        "search_q": ("/api/v1/nominations", {"q": "nguyen van", "limit": 50}),
        "search_q_rare": ("/api/v1/nominations", {"q": "dang thi phuong", "limit": 50}),
        "search_q_status": ("/api/v1/nominations", {"q": "nguyen van", "status": "in_progress", "limit": 50}),
        "inbox": ("/api/v1/tasks", {"limit": 100}),
        "inbox_page2": ("/api/v1/tasks", {"limit": 100}),
        "inbox_due_desc": ("/api/v1/tasks", {"sort": "-due_at", "limit": 100}),
        "inbox_created": ("/api/v1/tasks", {"sort": "created_at", "limit": 100}),
        "inbox_created_desc": ("/api/v1/tasks", {"sort": "-created_at", "limit": 100}),
        "inbox_by_name": ("/api/v1/tasks", {"sort": "nominee_name", "limit": 100}),
        "inbox_by_name_page2": ("/api/v1/tasks", {"sort": "nominee_name", "limit": 100}),
        "inbox_unit": ("/api/v1/tasks", {"unit_id": school, "limit": 100}),
        "inbox_q": ("/api/v1/tasks", {"q": "nguyen van", "limit": 100}),
        "inbox_q_by_name": ("/api/v1/tasks", {"q": "nguyen van", "sort": "nominee_name", "limit": 100}),
        "inbox_form_year_overdue": (
            "/api/v1/tasks",
            {"award_form": "BANG_KHEN_TINH", "year": 2026, "overdue": True, "limit": 100},
        ),
        "inbox_not_overdue": ("/api/v1/tasks", {"overdue": False, "limit": 100}),
        "inbox_period_due_before": (
            "/api/v1/tasks",
            {"period_kind": "annual", "due_before": (datetime.now(UTC) - timedelta(days=365)).date(), "limit": 100},
        ),
        "inbox_done": ("/api/v1/tasks", {"status": "done", "limit": 100}),
        "saved_view_counts": ("/api/v1/saved-views", {"target": "tasks"}),
        "saved_view_counts_list": ("/api/v1/saved-views", {"target": "nominations"}),
        # Not a list: the smallest authenticated request, timed among the others as the run's noise
        # floor (what the machine adds to every request), left out of the worst p95.
        REFERENCE: ("/api/v1/me", {}),
    }
    out: dict[str, dict[str, float]] = {}
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("203.0.113.99", 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as http:
                timed: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {}
                for username, who in people.items():
                    r = await http.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
                    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
                    for case, (path, params) in cases.items():
                        if only and case not in only and case != REFERENCE:
                            continue
                        if case.endswith("_page2"):
                            first = (await http.get(path, params=params, headers=headers)).json()
                            if first.get("next_cursor"):
                                params = {**params, "cursor": first["next_cursor"]}
                        # Warmed as a server that has answered this kind of list before: the first
                        # answer compiles the statement and fills the connection's catalogue caches.
                        await http.get(path, params=params, headers=headers)
                        timed[f"{case} ({who})"] = (path, params, headers)
                times: dict[str, list[float]] = {name: [] for name in timed}
                answers: dict[str, httpx.Response] = {}
                # Interleaved: each round asks every (request, person) once, in a new order. This
                # machine is shared and slows down for seconds at a time; asked back to back, one
                # pair's repeats all fell in such a spell and its p95 measured the spell. Spread over
                # the run, every pair meets the same share of it, as requests of many people would.
                order = list(timed)
                shuffle = random.Random(13)
                for _ in range(repeat):
                    shuffle.shuffle(order)
                    for name in order:
                        path, params, headers = timed[name]
                        t = time.perf_counter()
                        r = await http.get(path, params=params, headers=headers)
                        times[name].append((time.perf_counter() - t) * 1000)
                        assert r.status_code == 200, r.text
                        answers[name] = r
                for name, measured in times.items():
                    measured.sort()
                    body = answers[name].json()
                    out[name] = {
                        "p50_ms": round(statistics.median(measured), 1),
                        "p95_ms": round(measured[int(0.95 * (len(measured) - 1))], 1),
                        "p99_ms": round(measured[int(0.99 * (len(measured) - 1))], 1),
                        "total": body.get("total", body["builtin"][0]["count"] if "builtin" in body else None),
                    }
    finally:
        await env.shutdown()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,1000000", help="comma-separated numbers of nominations")
    ap.add_argument("--repeat", type=int, default=30, help="requests per list and person")
    ap.add_argument("--keep", action="store_true", help="keep each loaded database (and its roles) to --reuse it")
    ap.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="time a database a --keep run loaded on DATABASE_URL's server (migrated to head first), load nothing",
    )
    ap.add_argument("--only", help="comma-separated request names (e.g. search_q,list): time only these")
    a = ap.parse_args()
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
    if a.reuse and not os.environ.get("DATABASE_URL"):
        ap.error("--reuse needs DATABASE_URL: the server the --keep run loaded")
    base, server = database(os.environ.get("DATABASE_URL"))
    admin = create_engine(sqlalchemy_url(base), isolation_level="AUTOCOMMIT")
    lines = []
    try:
        for size in [0] if a.reuse else [int(s) for s in a.sizes.split(",")]:
            name = a.reuse or f"thidua_readscale_{uuid.uuid4().hex[:8]}"
            if not a.reuse:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin_url = make_url(sqlalchemy_url(base)).set(database=name).render_as_string(hide_password=False)
            # As in production: reference data and the load as the owner role, the requests as the service role.
            roles = Roles(owner=f"rs_owner_{name[-8:]}", service=f"rs_app_{name[-8:]}")
            url, service_url = prepare(admin_url, roles, password=PASSWORD)
            engine = create_engine(sqlalchemy_url(url))
            loaded = None
            if a.reuse:
                with engine.begin() as conn:
                    size = conn.execute(text("SELECT count(*) FROM nominations")).scalar_one()
                    school = conn.execute(text("SELECT id FROM units WHERE code = 'RS-D0-C0-S0'")).scalar_one()
                vacuum(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
                people = dict(PEOPLE)
            else:
                seed(url, ROOT / "deploy", demo=False)
                with engine.begin() as conn:
                    org = build_org(conn)
                    people = add_people(conn, org)
                    creator = conn.execute(text("SELECT id FROM users WHERE username = 'rs.clerk'")).scalar_one()
                school = org["schools"][0][0]
                raw = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
                t = time.perf_counter()
                load(raw, org, size, creator)
                loaded = round(time.perf_counter() - t, 1)
            engine.dispose()
            results = asyncio.run(
                measure(service_url, people, a.repeat, school, set(a.only.split(",")) if a.only else None)
            )
            worst = max(v["p95_ms"] for k, v in results.items() if not k.startswith(REFERENCE + " "))
            line = {"nominations": size, "units": 3 + DISTRICTS * (2 + COMMUNES * (2 + SCHOOLS * 2)),
                    "load_seconds": loaded, "worst_p95_ms": worst, "requests": results}  # fmt: skip
            if a.keep or a.reuse:
                line["database"] = name
            print(json.dumps(line, ensure_ascii=False), flush=True)
            lines.append(line)
            if not (a.keep or a.reuse):
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    for role in (roles.service, roles.owner):
                        conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        print(table(lines))
    finally:
        admin.dispose()
        if server is not None:
            server[0].cleanup()
            shutil.rmtree(server[1], ignore_errors=True)


def table(lines: list[dict[str, Any]]) -> str:
    """p50 / p95 / p99 in ms of every request, one column per size, worst p95 last."""
    sizes = [f"{line['nominations']:,}" for line in lines]
    names = list(dict.fromkeys(k for line in lines for k in line["requests"]))
    width = max(len(n) for n in names) + 2
    head = "request".ljust(width) + "".join(f"{s + ' p50/p95/p99 ms':>30}" for s in sizes) + "   total"
    rows = [head, "-" * len(head)]
    for n in names:
        cells, total = "", ""
        for line in lines:
            r = line["requests"].get(n)
            cell = " / ".join(str(r[k]) for k in ("p50_ms", "p95_ms", "p99_ms")) if r else "-"
            cells += f"{cell:>30}"
            total = str(r["total"]) if r else total
        rows.append(n.ljust(width) + cells + "   " + total)
    rows.append("worst p95".ljust(width) + "".join(f"{line['worst_p95_ms']:>30}" for line in lines))
    return "\n".join(rows)


if __name__ == "__main__":
    main()
