"""Pure parts: working days, the catalogue loader, routes, text normalisation; and the schema and seed."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic import command
from sqlalchemy import create_engine, func, select, text

from models.db.engine import sqlalchemy_url
from models.db.migrate import alembic_config, head_revision, migrate, tables_rewritten_since
from models.rules.calendar import VN_TZ, add_working_days, is_working_day, reminder_before, working_days_between
from models.rules.catalogue import CatalogueError, load_catalogue, parse_catalogue
from models.rules.org_tree import OrgUnit
from models.rules.routes import RouteError, build_tree, compute_route
from models.rules.text import fold, nfc
from models.store.org import OrgFileError, load_org
from models.store.seed import seed
from models.tables import RoleAssignment, Unit, User
from tests.conftest import DatabaseServer
from tests.support.paths import DEPLOY

DEPLOY = DEPLOY


# ---- working days -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 2, 3), True),  # Wednesday before Tết
        (date(2027, 2, 4), False),  # 29 Tết
        (date(2027, 2, 10), False),  # mùng 5
        (date(2027, 2, 11), True),
        (date(2026, 9, 2), False),  # Quốc khánh
        (date(2026, 4, 30), False),
        (date(2026, 11, 21), False),  # Saturday
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_add_working_days_skips_weekends_and_tet() -> None:
    start = datetime(2027, 1, 28, 9, 0, tzinfo=VN_TZ)
    assert add_working_days(start, 1) == datetime(2027, 1, 29, 17, 0, tzinfo=VN_TZ)
    assert add_working_days(start, 10) == datetime(2027, 2, 18, 17, 0, tzinfo=VN_TZ)
    assert working_days_between(date(2027, 1, 28), date(2027, 2, 18)) == 10
    # A start late in the evening UTC is already the next day in Hồ Chí Minh City.
    assert add_working_days(datetime(2027, 1, 28, 18, 0, tzinfo=VN_TZ).astimezone(VN_TZ), 1).date() == date(2027, 1, 29)
    with pytest.raises(ValueError):
        add_working_days(datetime(2027, 1, 28, 9, 0), 1)


def test_reminder_is_before_the_due_day_and_after_the_start() -> None:
    start = datetime(2027, 1, 28, 9, 0, tzinfo=VN_TZ)
    due = add_working_days(start, 10)
    assert reminder_before(start, due, 2) == datetime(2027, 2, 16, 8, 0, tzinfo=VN_TZ)
    assert reminder_before(start, add_working_days(start, 1), 2) is None
    assert reminder_before(start, due, 0) is None


# ---- catalogue ----------------------------------------------------------------------------------


def _raw() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "award_forms.yaml").read_text(encoding="utf-8")))


def test_shipped_catalogue_loads_with_defaults() -> None:
    catalogue = load_catalogue(DEPLOY / "award_forms.yaml")
    form = catalogue.get("BANG_KHEN_TINH")
    assert form is not None and [(s.kind, s.actor) for s in form.steps] == [
        ("appraisal", "home_affairs"), ("council", "council"), ("sign", "head"),
    ]  # fmt: skip
    assert form.working_days == {"council": 10, "appraisal": 25, "sign": 5, "submit": 5, "propose": 10}
    assert form.reminder_working_days == 2 and form.revision_working_days == 10


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["award_forms"][1]["decider"].update(level="planet"), "entry BANG_KHEN_TINH, field decider.level"),
        (lambda r: r["award_forms"][0].update(working_days={"vote": 3}), "entry GIAY_KHEN_XA, field working_days"),
        (lambda r: r["award_forms"][0].update(nominee_kinds=[]), "entry GIAY_KHEN_XA, field nominee_kinds"),
        (lambda r: r["award_forms"][0].pop("name"), "entry GIAY_KHEN_XA, field name"),
        (lambda r: r["award_forms"].append(dict(r["award_forms"][0])), "defined twice"),
    ],
)
def test_catalogue_mistakes_name_file_entry_and_field(mutate: Any, message: str) -> None:
    raw = _raw()
    mutate(raw)
    with pytest.raises(CatalogueError) as err:
        parse_catalogue(raw, "award_forms.yaml")
    assert str(err.value).startswith("award_forms.yaml: ")
    assert message in str(err.value)


def test_org_file_mistakes_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "org.yaml"
    bad.write_text("units:\n  - {code: A, name: A, kind: school, level: galaxy}\n", encoding="utf-8")
    with pytest.raises(OrgFileError, match="unit A, field level"):
        load_org(bad)
    bad.write_text("units:\n  - {code: A, name: A, kind: school, level: commune, parent: Z}\n", encoding="utf-8")
    with pytest.raises(OrgFileError, match="unit A, field parent"):
        load_org(bad)


# ---- routes -------------------------------------------------------------------------------------


def _demo_tree() -> dict[int, OrgUnit]:
    org = load_org(DEPLOY / "demo_org.yaml")
    ids = {u.code: i + 1 for i, u in enumerate(org.units)}
    return build_tree(
        [OrgUnit(ids[u.code], u.code, u.name, u.kind, u.level, ids[u.parent] if u.parent else None) for u in org.units]
    )


def test_routes_of_the_demo_tree() -> None:
    tree = _demo_tree()
    catalogue = load_catalogue(DEPLOY / "award_forms.yaml")
    school = next(u.id for u in tree.values() if u.code == "GL-BH-THCS")
    province = compute_route(catalogue.get("BANG_KHEN_TINH"), school, tree)  # type: ignore[arg-type]
    assert [s.key for s in province] == [
        "council:GL-BH-THCS-HDTDKT", "council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "sign:GL",
    ]  # fmt: skip
    assert [s.role for s in province] == [
        "council_secretary", "council_secretary", "appraiser", "council_secretary", "chairperson",
    ]  # fmt: skip
    commune = compute_route(catalogue.get("GIAY_KHEN_XA"), school, tree)  # type: ignore[arg-type]
    assert [s.key for s in commune] == ["council:GL-BH-THCS-HDTDKT", "council:GL-BH-HDTDKT", "sign:GL-BH"]
    assert commune[-1].name == "Chủ tịch UBND xã Biển Hồ ký quyết định"
    # The province cannot propose a commune-level award for itself.
    with pytest.raises(RouteError):
        compute_route(catalogue.get("GIAY_KHEN_XA"), next(u.id for u in tree.values() if u.code == "GL"), tree)  # type: ignore[arg-type]


def test_text_normalisation() -> None:
    nfd = "Nguye\u0302\u0303n"
    assert nfc(nfd) == "Nguyễn" and len(nfc(nfd)) == 6
    assert fold("Đặng Thị Ánh Tuyết") == "dang thi anh tuyet"


# ---- schema and seed ----------------------------------------------------------------------------


def test_migrations_match_the_models(owner_database_url: str) -> None:
    # As the owner: the service role may not even read the migrations' bookkeeping.
    command.check(alembic_config(owner_database_url))  # raises if a model change has no migration


def test_indexes_for_inbox_and_lists(database_url: str) -> None:
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as conn:
        names = set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")).scalars())
    engine.dispose()
    assert {
        "ix_tasks_inbox", "ix_tasks_open_due", "ix_tasks_open_name", "ix_tasks_open_form_year", "ix_tasks_open_search", "ix_nominations_search",
        "ix_nominations_list", "ix_nominations_list_status", "ix_nominations_list_year", "ix_nominations_access_keys",
        "ix_nominations_open_due",
    } <= names  # fmt: skip


def test_seed_twice_changes_nothing(owner_database_url: str) -> None:
    engine = create_engine(sqlalchemy_url(owner_database_url))

    def counts() -> tuple[int, int, int, list[str]]:
        with engine.connect() as conn:
            return (
                conn.execute(select(func.count()).select_from(Unit)).scalar_one(),
                conn.execute(select(func.count()).select_from(User)).scalar_one(),
                conn.execute(select(func.count()).select_from(RoleAssignment)).scalar_one(),
                list(conn.execute(select(User.password_hash).order_by(User.id)).scalars()),  # type: ignore[arg-type]
            )

    before = counts()
    assert seed(owner_database_url, DEPLOY, demo=True) == {"award_forms": 9, "new_units": 0, "new_users": 0}
    assert counts() == before
    engine.dispose()


def test_a_table_a_migration_rewrites_is_vacuumed_after_the_upgrade(database_server: DatabaseServer) -> None:
    """Index-only scans need pages marked all-visible, and a rewritten table has none: `migrate`
    vacuums what the migrations it ran rewrote (REWRITES), and only an upgrade of a database in use."""
    assert tables_rewritten_since("0022") == ["tasks"]
    assert tables_rewritten_since("0020") == ["nominations", "tasks"]
    assert tables_rewritten_since(head_revision()) == []
    url = database_server.clone("rewrite")
    owner_url = database_server.as_owner(url)
    try:
        command.downgrade(alembic_config(owner_url, database_server.roles), "0022")
        migrate(owner_url, database_server.roles)
        engine = create_engine(sqlalchemy_url(owner_url))
        with engine.connect() as conn:
            vacuumed = dict(
                conn.execute(
                    text(
                        "SELECT relname, last_vacuum IS NOT NULL FROM pg_stat_user_tables"
                        " WHERE relname IN ('tasks', 'nominations')"
                    )
                ).all()
            )
            column = conn.execute(
                text("SELECT 1 FROM information_schema.columns WHERE table_name = 'tasks' AND column_name = 'name_key'")
            ).scalar_one_or_none()
        engine.dispose()
        assert vacuumed == {"tasks": True, "nominations": False}
        assert column == 1
    finally:
        database_server.drop(url)
