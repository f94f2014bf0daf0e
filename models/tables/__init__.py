"""PostgreSQL tables, one module per aggregate; importing this package registers them all.

Import a table from its module (`from models.tables.nominations import Nomination`) or from here.
"""

from models.tables.catalogue import AwardForm
from models.tables.councils import (
    Ballot,
    BallotVoter,
    CouncilSession,
    CouncilSessionDocument,
    CouncilSessionItem,
    DisclosureComment,
)
from models.tables.decisions import Decision, DecisionCounter, DecisionDocument, DecisionNomination
from models.tables.documents import Attachment
from models.tables.nominations import IdempotencyKey, Nomination, NominationAccess, Notification, Task
from models.tables.notices import EmailDelivery, NotificationPreference, NotificationRead
from models.tables.organisation import RoleAssignment, Unit, UnitAncestor, UnitBase, UnitPublic, User
from models.tables.plans import Plan, PlanEvent, PlanMilestone, PlanNotification, PlanReport, PlanReportFile
from models.tables.saved_views import SavedView
from models.tables.security import AuditEntry, AuthEpoch, Delegation, LoginAttempt, OidcIdentity
from models.tables.submissions import Submission, SubmissionCounter, SubmissionDocument, SubmissionKey

__all__ = [
    "Attachment",
    "AuditEntry",
    "AuthEpoch",
    "AwardForm",
    "Ballot",
    "BallotVoter",
    "CouncilSession",
    "CouncilSessionDocument",
    "CouncilSessionItem",
    "Decision",
    "DecisionCounter",
    "DecisionDocument",
    "DecisionNomination",
    "Delegation",
    "DisclosureComment",
    "EmailDelivery",
    "IdempotencyKey",
    "LoginAttempt",
    "Nomination",
    "NominationAccess",
    "Notification",
    "NotificationPreference",
    "NotificationRead",
    "OidcIdentity",
    "Plan",
    "PlanEvent",
    "PlanMilestone",
    "PlanNotification",
    "PlanReport",
    "PlanReportFile",
    "RoleAssignment",
    "SavedView",
    "Submission",
    "SubmissionCounter",
    "SubmissionDocument",
    "SubmissionKey",
    "Task",
    "Unit",
    "UnitAncestor",
    "UnitBase",
    "UnitPublic",
    "User",
]
