"""The layers of docs/ARCHITECTURE.md, checked on the imports of every module.

A rule broken here is a design decision to make in the open (change the rule and the page), not
an import to slip in.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import paths

ROOT = paths.ROOT
PACKAGES = ("workflows", "activities", "models", "service")
DATABASE_LIBRARIES = ("sqlalchemy", "sqlmodel", "psycopg", "alembic")


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield name.removesuffix(".__init__"), path


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


MODULES = dict(modules())


def importers_breaking(rule: str) -> list[str]:
    broken = []
    for name, path in MODULES.items():
        for imported in sorted(imports_of(path)):
            if violates(rule, name, imported):
                broken.append(f"{name} imports {imported}")
    return broken


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violates(rule: str, module: str, imported: str) -> bool:
    if rule == "workflows are deterministic":
        # Workflow code may import the contracts and pure rules only: no I/O, no database, no service.
        return _under(module, "workflows") and (
            _under(imported, "activities")
            or _under(imported, "service")
            or (_under(imported, "models") and not _under(imported, "models.rules"))
            or imported.split(".")[0] in DATABASE_LIBRARIES
        )
    if rule == "rules are pure":
        return _under(module, "models.rules") and (
            imported.split(".")[0] in (*DATABASE_LIBRARIES, "temporalio", "fastapi", "httpx")
            or any(_under(imported, p) for p in ("models.tables", "models.store", "models.db", "service", "activities"))
        )
    if rule == "models know nothing of the service":
        return _under(module, "models") and (_under(imported, "service") or _under(imported, "activities"))
    if rule == "activities do not use the API":
        return _under(module, "activities") and _under(imported, "service")
    if rule == "no router imports another":
        return _under(module, "service.api.routers") and _under(imported, "service.api.routers")
    if rule == "only the gateway talks to Temporal":
        allowed = ("service.temporal", "service.worker", "service.dev", "service.app")
        return (
            _under(module, "service")
            and imported in ("temporalio.client", "temporalio.service", "temporalio.common")
            and not any(_under(module, a) for a in allowed)
        )
    if rule == "production code does not import the dev tools":
        return (
            _under(module, "service")
            and not _under(module, "service.dev")
            and module != "service.cli"
            and (_under(imported, "service.dev") or imported.split(".")[0] in ("pgserver", "temporalio.testing"))
        )
    raise AssertionError(rule)


RULES = [
    "workflows are deterministic",
    "rules are pure",
    "models know nothing of the service",
    "activities do not use the API",
    "no router imports another",
    "only the gateway talks to Temporal",
    "production code does not import the dev tools",
]


@pytest.mark.parametrize("rule", RULES)
def test_layer_rule(rule: str) -> None:
    assert importers_breaking(rule) == []


def test_the_rules_can_fail() -> None:
    # The checker itself: a router importing a router, and a rule importing the database, are caught.
    assert violates("no router imports another", "service.api.routers.council", "service.api.routers.tasks")
    assert violates("rules are pure", "models.rules.routes", "sqlalchemy")
    assert violates("only the gateway talks to Temporal", "service.api.routers.tasks", "temporalio.client")
    assert not violates("only the gateway talks to Temporal", "service.temporal.gateway", "temporalio.client")


def test_every_package_has_modules() -> None:
    for folder in (
        "models.rules",
        "models.tables",
        "models.store",
        "models.db",
        "service.api.routers",
        "service.api.schemas",
        "service.security",
        "service.queries",
        "service.temporal",
        "service.dev",
    ):
        assert any(_under(name, folder) and name != folder for name in MODULES), folder
