"""GET /api/v1/labels: the Vietnamese names of the server's codes, the web UI's one source of them."""

from __future__ import annotations

import re
from typing import get_args

import httpx
import yaml

from models.rules import notices
from models.rules.ballot import FAILED, PASSED, VOID
from models.rules.catalogue import NomineeKind, PeriodKind, StepKind
from models.rules.labels import TABLES
from models.store.org import ROLES
from service.security.delegations import SIGN_ON_BEHALF, SUBSTITUTE
from service.web import STATIC_DIR
from tests.support.paths import ROOT as REPO_ROOT
from workflows.contracts import (
    AWARDED,
    DISCLOSURE_STEP,
    IN_PROGRESS,
    OUTCOMES,
    REJECTED,
    RETURNED,
    REVISION_STEP,
    SUPPLEMENT_STEP,
    WITHDRAWN,
)

ROOT = REPO_ROOT


def demo_roles() -> set[str]:
    org = yaml.safe_load((ROOT / "deploy" / "demo_org.yaml").read_text(encoding="utf-8"))
    return {grant["role"] for user in org["users"] for grant in user.get("roles") or []}


async def test_labels_are_public_cacheable_and_cover_the_servers_codes(api: httpx.AsyncClient) -> None:
    r = await api.get("/api/v1/labels")  # no token
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "public, max-age=300"
    labels = r.json()
    assert labels == TABLES
    for table, names in labels.items():
        assert names, table
        for code, name in names.items():
            assert isinstance(name, str) and name.strip() and name == name.strip(), (table, code)

    expected = {
        "statuses": {IN_PROGRESS, RETURNED, AWARDED, REJECTED, WITHDRAWN},
        "outcomes": set(OUTCOMES),
        "roles": demo_roles() | set(ROLES),
        "phases": {REVISION_STEP, SUPPLEMENT_STEP, DISCLOSURE_STEP},
        "nominee_kinds": set(get_args(NomineeKind)),
        "period_kinds": set(get_args(PeriodKind)),
        "step_kinds": set(get_args(StepKind)),
        "ballot_statuses": {"open", PASSED, FAILED, VOID},
        "delegation_kinds": {SIGN_ON_BEHALF, SUBSTITUTE},
        "notification_kinds": {
            notices.NEW_TASK, notices.RETURNED, notices.SUPPLEMENT_REQUESTED, notices.REMINDER, notices.ESCALATION,
            notices.BALLOT_OPENED, notices.DECISION_SIGNED, "overdue", "window",
        },
        # What the API's audit records besides the workflow's actions (service/security/audit.py callers).
        "actions": {"attach", "detach", "plan_amended", "council_size_override", "delegation_revoked"}
        | {f"delegation_{kind}" for kind in (SIGN_ON_BEHALF, SUBSTITUTE)},
    }  # fmt: skip
    assert "council_member" in expected["roles"] and "clerk" in expected["roles"]
    for table, codes in expected.items():
        missing = codes - set(labels[table])
        assert not missing, f"no Vietnamese name in models/rules/labels.py {table}: {sorted(missing)}"
    # Every outcome is also a history action, under the same name.
    assert all(labels["actions"][code] == labels["outcomes"][code] for code in OUTCOMES)


async def test_the_ui_modules_are_javascript_and_keep_no_copy_of_the_labels(api: httpx.AsyncClient) -> None:
    modules = sorted((STATIC_DIR / "js").rglob("*.js"))
    assert STATIC_DIR / "js" / "main.js" in modules
    for path in modules:
        r = await api.get(f"/static/{path.relative_to(STATIC_DIR).as_posix()}")
        assert r.status_code == 200, path
        # Browsers run a module script only when served with a JavaScript MIME type.
        assert r.headers["content-type"].split(";")[0] == "text/javascript", path
        source = path.read_text(encoding="utf-8")
        for table, names in TABLES.items():
            for code, name in names.items():
                pair = re.compile(rf"""["']?\b{re.escape(code)}\b["']?\s*:\s*["']{re.escape(name)}["']""")
                assert not pair.search(source), f"{path.name} copies {table}.{code}: use labels.js"
