"""Access rules: roles held for a unit and, where granted, its subtree; and the rule of every endpoint.

Scope. A grant (role, unit, subtree) covers the unit, and every unit below it when `subtree` is set.
`expand_scope` turns a user's grants into role -> the set of unit ids covered, once per request.

Rules. `RULES` names, for every endpoint of the application, who may call it. The endpoints check
it themselves (the queries filter by scope, the handlers compare roles); `tests/test_authz_matrix.py`
walks the application's route table and proves each rule for every role, in and out of scope, so
an endpoint added without an entry here fails that test. Out-of-scope reads answer 404, never 403,
so that the ids of other units' dossiers cannot be probed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Unit, UnitAncestor


@dataclass(frozen=True)
class ScopedGrant:
    role: str
    unit_id: int
    subtree: bool = False


async def expand_scope(session: AsyncSession, grants: Iterable[ScopedGrant]) -> dict[str, frozenset[int]]:
    """role -> every unit id the user's grants of that role cover (recursive over units.parent_id)."""
    scope: dict[str, set[int]] = {}
    roots: dict[int, set[str]] = {}
    for g in grants:
        scope.setdefault(g.role, set()).add(g.unit_id)
        if g.subtree:
            roots.setdefault(g.unit_id, set()).add(g.role)
    if roots:
        # unit_ancestors holds every (unit, ancestor) pair, the unit itself included: one indexed lookup.
        rows = await (await session.connection()).execute(
            select(col(UnitAncestor.ancestor_id), col(UnitAncestor.unit_id)).where(
                col(UnitAncestor.ancestor_id).in_(roots)
            )
        )
        for root, unit_id in rows.all():
            for role in roots[root]:
                scope[role].add(unit_id)
    return {role: frozenset(units) for role, units in scope.items()}


async def roles_over_every_unit(
    session: AsyncSession, grants: Iterable[ScopedGrant], scope: dict[str, frozenset[int]]
) -> frozenset[str]:
    """The roles of subtree grants whose scope is every unit of the organisation (one count, only
    for a user with a subtree grant: such a user is loaded once per authorisation epoch)."""
    subtree_roles = {g.role for g in grants if g.subtree}
    if not subtree_roles:
        return frozenset()
    units = int((await (await session.connection()).execute(select(func.count()).select_from(Unit))).scalar_one())
    return frozenset(role for role in subtree_roles if len(scope.get(role, ())) >= units)


async def units_below(session: AsyncSession, unit_id: int) -> set[int]:
    """The unit and every unit below it."""
    expanded = await expand_scope(session, [ScopedGrant("_", unit_id, True)])
    return set(expanded.get("_", frozenset()))


# ---- the rule of every endpoint -------------------------------------------------------------------


class Access(StrEnum):
    PUBLIC = "public"  # no sign-in (health, metrics, the sign-in itself)
    SIGNED_IN = "signed_in"  # any signed-in user; lists are filtered to the caller's scope
    UNIT_CLERK = "unit_clerk"  # a clerk of the unit named in the request (creating a nomination): else 403
    NOMINATION_VIEWER = "nomination_viewer"  # whoever sees the nomination: else 404
    NOMINATION_PROPOSER = "nomination_proposer"  # clerk of the proposing unit: 404 if unseen, else 403
    TASK_ASSIGNEE = "task_assignee"  # holder of the task's role for its unit: 404 if unseen, else 403
    STEP_SECRETARY = "step_secretary"  # secretary of the council at the nomination's step: 404 if unseen, else 403
    COUNCIL_MEMBER = "council_member"  # member of the council at the nomination's step: 404 if unseen, else 403
    DISCLOSED = "disclosed"  # anyone signed in, while the nominee list is publicly disclosed: else 404
    GRANT_HOLDER = "grant_holder"  # holds the (role, unit) the request names (delegating it): else 403
    PLAN_VIEWER = "plan_viewer"  # whoever the plan concerns (issuer, recipients, units in its scope): else 404
    PLAN_REPORTER = "plan_reporter"  # clerk or secretariat of the reporting unit: 404 if unseen, else 403
    # The reporting unit's people, and those who see every unit's report of the plan: else 404.
    PLAN_REPORT_VIEWER = "plan_report_viewer"
    DELEGATION_OWNER = "delegation_owner"  # who gave the delegation, or an administrator: else 404
    # The signer of each named nomination's open signing task: 404 for one unseen; a viewer who is
    # not its signer, or a nomination not at its signing step, is refused by the business rule (409).
    NOMINATION_SIGNER = "nomination_signer"
    # The head of the unit at a `submit` step of each named nomination (or whoever acts for them): 404
    # for one unseen; a nomination not at (or past) that step is refused by the business rule (409),
    # then a viewer who does not submit there (403).
    NOMINATION_FORWARDER = "nomination_forwarder"
    ADMIN = "admin"  # an administrator; what they see is limited to their scope
    VIEW_OWNER = "view_owner"  # the user who saved the view: anyone else gets 404
    # The secretary or a member of the council the request names, or an administrator over it: else 403.
    COUNCIL_READER = "council_reader"
    COUNCIL_SECRETARY = "council_secretary"  # the secretary of the council the request names: else 403


@dataclass(frozen=True)
class Rule:
    access: Access
    # What the path's id names ("nomination", "task", "attachment"...), for the matrix test.
    resource: str | None = None
    note: str = ""


def _r(access: Access, resource: str | None = None, note: str = "") -> Rule:
    return Rule(access, resource, note)


RULES: dict[tuple[str, str], Rule] = {
    # sign-in and reference data
    ("POST", "/api/v1/auth/token"): _r(Access.PUBLIC, note="rate-limited per account and per address"),
    ("GET", "/api/v1/labels"): _r(Access.PUBLIC, note="names of codes only, no personal data"),
    ("GET", "/api/v1/me"): _r(Access.SIGNED_IN),
    ("GET", "/api/v1/units"): _r(Access.SIGNED_IN, note="the organisation tree is not personal data"),
    ("GET", "/api/v1/award-forms"): _r(Access.SIGNED_IN),
    ("GET", "/api/v1/award-forms/{code}/route"): _r(Access.SIGNED_IN),
    # nominations
    ("POST", "/api/v1/nominations"): _r(Access.UNIT_CLERK),
    ("GET", "/api/v1/nominations"): _r(Access.SIGNED_IN, note="filtered to the nominations the caller sees"),
    ("GET", "/api/v1/nominations/{nomination_id}"): _r(Access.NOMINATION_VIEWER, "nomination"),
    ("GET", "/api/v1/nominations/{nomination_id}/history"): _r(Access.NOMINATION_VIEWER, "nomination"),
    ("POST", "/api/v1/nominations/{nomination_id}/withdraw"): _r(Access.NOMINATION_PROPOSER, "nomination"),
    ("POST", "/api/v1/nominations/{nomination_id}/resubmit"): _r(Access.NOMINATION_PROPOSER, "nomination"),
    # a unit's list (tờ trình kèm danh sách): seen by whoever sees its nominations
    ("POST", "/api/v1/submissions"): _r(Access.UNIT_CLERK, note="one letter, its nominations in one transaction"),
    ("GET", "/api/v1/submissions"): _r(Access.SIGNED_IN, note="lists of nominations the caller sees"),
    ("GET", "/api/v1/submissions/template.xlsx"): _r(
        Access.SIGNED_IN, note="the catalogue's criteria, no personal data"
    ),
    ("GET", "/api/v1/submissions/{submission_id}"): _r(Access.NOMINATION_VIEWER, "submission"),
    ("GET", "/api/v1/submissions/{submission_id}/letter.pdf"): _r(Access.NOMINATION_VIEWER, "submission"),
    ("GET", "/api/v1/submissions/{submission_id}/letter.docx"): _r(Access.NOMINATION_VIEWER, "submission"),
    # attachments
    ("GET", "/api/v1/nominations/{nomination_id}/attachments"): _r(Access.NOMINATION_VIEWER, "nomination"),
    ("POST", "/api/v1/nominations/{nomination_id}/attachments"): _r(Access.NOMINATION_PROPOSER, "nomination"),
    ("GET", "/api/v1/nominations/{nomination_id}/attachments/{attachment_id}"): _r(
        Access.NOMINATION_VIEWER, "attachment"
    ),
    # tasks
    ("GET", "/api/v1/tasks"): _r(Access.SIGNED_IN, note="filtered to the caller's roles and units"),
    ("GET", "/api/v1/tasks/{task_id}"): _r(Access.TASK_ASSIGNEE, "task"),
    ("POST", "/api/v1/tasks/{task_id}/complete"): _r(Access.TASK_ASSIGNEE, "task"),
    ("POST", "/api/v1/tasks/bulk"): _r(
        Access.SIGNED_IN, note="each task checked as complete checks one; refusals listed per task in the answer"
    ),
    # councils: ballots, tallies, public disclosure
    ("POST", "/api/v1/nominations/{nomination_id}/ballot"): _r(Access.STEP_SECRETARY, "nomination"),
    ("POST", "/api/v1/nominations/{nomination_id}/ballot/close"): _r(Access.STEP_SECRETARY, "nomination"),
    ("POST", "/api/v1/nominations/{nomination_id}/tally"): _r(Access.STEP_SECRETARY, "nomination"),
    ("POST", "/api/v1/nominations/{nomination_id}/ballot/votes"): _r(Access.COUNCIL_MEMBER, "nomination"),
    ("GET", "/api/v1/nominations/{nomination_id}/ballots"): _r(Access.NOMINATION_VIEWER, "nomination"),
    ("GET", "/api/v1/ballots"): _r(Access.SIGNED_IN, note="open ballots of the caller's councils"),
    ("GET", "/api/v1/nominations/{nomination_id}/ballots/{number}/minutes.pdf"): _r(
        Access.NOMINATION_VIEWER, "nomination", note="the minutes of a closed tally or ballot"
    ),
    # council sessions: a council decides a list in one meeting; a session is read by its council
    # (secretary, members) and the administrators over it, and not found by anyone else
    ("GET", "/api/v1/council-sessions"): _r(Access.SIGNED_IN, note="the sessions of the caller's councils"),
    ("GET", "/api/v1/council-sessions/waiting"): _r(Access.COUNCIL_READER),
    ("POST", "/api/v1/council-sessions"): _r(Access.COUNCIL_SECRETARY),
    ("GET", "/api/v1/council-sessions/{session_id}"): _r(Access.NOMINATION_VIEWER, "council_session"),
    ("GET", "/api/v1/council-sessions/{session_id}/minutes.pdf"): _r(Access.NOMINATION_VIEWER, "council_session"),
    ("GET", "/api/v1/council-sessions/{session_id}/minutes.docx"): _r(Access.NOMINATION_VIEWER, "council_session"),
    ("GET", "/api/v1/council-sessions/{session_id}/paper"): _r(Access.NOMINATION_VIEWER, "council_session"),
    ("POST", "/api/v1/council-sessions/{session_id}/results"): _r(Access.STEP_SECRETARY, "council_session"),
    ("POST", "/api/v1/council-sessions/{session_id}/cancel"): _r(Access.STEP_SECRETARY, "council_session"),
    ("POST", "/api/v1/council-sessions/{session_id}/close"): _r(Access.STEP_SECRETARY, "council_session"),
    ("POST", "/api/v1/council-sessions/{session_id}/paper"): _r(Access.COUNCIL_MEMBER, "council_session"),
    ("GET", "/api/v1/disclosures"): _r(Access.SIGNED_IN, note="nominee lists under public disclosure"),
    ("GET", "/api/v1/nominations/{nomination_id}/comments"): _r(Access.NOMINATION_VIEWER, "nomination"),
    ("POST", "/api/v1/nominations/{nomination_id}/comments"): _r(Access.DISCLOSED, "nomination"),
    # supplement requests
    ("POST", "/api/v1/tasks/{task_id}/supplement"): _r(Access.TASK_ASSIGNEE, "task"),
    ("POST", "/api/v1/nominations/{nomination_id}/supplement"): _r(Access.NOMINATION_PROPOSER, "nomination"),
    ("GET", "/api/v1/notifications"): _r(Access.SIGNED_IN, note="addressed to the caller's (role, unit) pairs"),
    ("POST", "/api/v1/notifications/read"): _r(Access.SIGNED_IN, note="only the caller's own notifications"),
    ("GET", "/api/v1/notifications/preferences"): _r(Access.SIGNED_IN, note="the caller's own"),
    ("PUT", "/api/v1/notifications/preferences"): _r(Access.SIGNED_IN, note="the caller's own"),
    # delegations (ký thay, substitutes)
    ("GET", "/api/v1/delegations"): _r(Access.SIGNED_IN, note="the caller's own, all for administrators"),
    ("POST", "/api/v1/delegations"): _r(Access.GRANT_HOLDER),
    ("POST", "/api/v1/delegations/{delegation_id}/revoke"): _r(Access.DELEGATION_OWNER, "delegation"),
    # plans
    ("GET", "/api/v1/plans"): _r(Access.SIGNED_IN, note="the plans that concern the caller"),
    ("GET", "/api/v1/plans/{plan_id}"): _r(Access.PLAN_VIEWER, "plan"),
    ("GET", "/api/v1/plans/{plan_id}/calendar"): _r(Access.PLAN_VIEWER, "plan"),
    ("GET", "/api/v1/plans/{plan_id}/reports"): _r(Access.PLAN_VIEWER, "plan"),
    ("POST", "/api/v1/plans/{plan_id}/reports"): _r(Access.PLAN_REPORTER, "plan"),
    ("POST", "/api/v1/plans/{plan_id}/amend"): _r(Access.ADMIN, "plan"),
    ("POST", "/api/v1/plans/{plan_id}/amend/preview"): _r(Access.ADMIN, "plan", note="nothing is saved"),
    ("GET", "/api/v1/plans/{plan_id}/reports/{report_id}/files"): _r(Access.PLAN_REPORT_VIEWER, "plan"),
    ("POST", "/api/v1/plans/{plan_id}/reports/{report_id}/files"): _r(
        Access.PLAN_REPORTER, "plan", note="until the report is sent"
    ),
    ("GET", "/api/v1/plans/{plan_id}/reports/{report_id}/files/{file_id}"): _r(Access.PLAN_REPORT_VIEWER, "plan"),
    ("DELETE", "/api/v1/plans/{plan_id}/reports/{report_id}/files/{file_id}"): _r(
        Access.PLAN_REPORTER, "plan", note="until the report is sent"
    ),
    # a workflow's raw events beside its timeline
    ("GET", "/api/v1/nominations/{nomination_id}/workflow-events"): _r(Access.ADMIN, "nomination"),
    ("GET", "/api/v1/plans/{plan_id}/workflow-events"): _r(Access.ADMIN, "plan", note="its administrators"),
    # award decisions and the award register (sổ khen thưởng)
    ("POST", "/api/v1/decisions"): _r(Access.NOMINATION_SIGNER, "nomination", note="one decision for all"),
    ("GET", "/api/v1/decisions"): _r(Access.SIGNED_IN, note="decisions awarding a nomination the caller sees"),
    ("GET", "/api/v1/decisions/{decision_id}"): _r(Access.NOMINATION_VIEWER, "decision"),
    ("GET", "/api/v1/decisions/{decision_id}/document.pdf"): _r(Access.NOMINATION_VIEWER, "decision"),
    ("GET", "/api/v1/decisions/{decision_id}/document.docx"): _r(Access.NOMINATION_VIEWER, "decision"),
    ("GET", "/api/v1/decisions/{decision_id}/certificates.pdf"): _r(Access.NOMINATION_VIEWER, "decision"),
    ("GET", "/api/v1/decisions/{decision_id}/verify"): _r(Access.NOMINATION_VIEWER, "decision"),
    ("GET", "/api/v1/awards"): _r(Access.SIGNED_IN, note="entries of nominations the caller sees"),
    # saved views of the inbox and the lists
    ("GET", "/api/v1/saved-views"): _r(Access.SIGNED_IN, note="the caller's own views, counted in their scope"),
    ("POST", "/api/v1/saved-views"): _r(Access.SIGNED_IN, note="a view of the caller's own"),
    ("PUT", "/api/v1/saved-views/{view_id}"): _r(Access.VIEW_OWNER, "saved_view"),
    ("DELETE", "/api/v1/saved-views/{view_id}"): _r(Access.VIEW_OWNER, "saved_view"),
    # submission letters (tờ trình) at a submit step
    ("POST", "/api/v1/forward-letters"): _r(Access.NOMINATION_FORWARDER, "nomination", note="a PDF, not stored"),
    # audit of administrative actions
    ("GET", "/api/v1/audit"): _r(Access.ADMIN, note="entries of units in the administrator's scope"),
    # dashboard and the administrators' "stuck and late" view
    ("GET", "/api/v1/dashboard"): _r(Access.SIGNED_IN, note="figures over the nominations the caller sees"),
    ("GET", "/api/v1/dashboard/stuck"): _r(Access.ADMIN, note="late and stuck dossiers in the administrator's scope"),
    # health and metrics
    ("GET", "/healthz"): _r(Access.PUBLIC),
    ("GET", "/readyz"): _r(Access.PUBLIC),
    ("GET", "/metrics"): _r(Access.PUBLIC, note="counters only, no personal data"),
}


def api_endpoints(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every API endpoint of the application, from its route table as published in
    its OpenAPI document (the web UI's page and static assets are not API endpoints)."""
    methods = {"get", "post", "put", "patch", "delete"}
    paths: dict[str, dict[str, Any]] = app.openapi().get("paths", {})
    return sorted((method.upper(), path) for path, item in paths.items() for method in item if method in methods)


def missing_rules(app: FastAPI) -> list[tuple[str, str]]:
    return [endpoint for endpoint in api_endpoints(app) if endpoint not in RULES]
