"""PostgreSQL tables, one module per aggregate; importing this package registers them all.

Import a table from its module (`from models.tables.nominations import Nomination`) or from here.
"""

from models.tables.catalogue import AwardForm
from models.tables.councils import Ballot, BallotVoter, DisclosureComment
from models.tables.decisions import Decision, DecisionCounter, DecisionDocument, DecisionNomination
from models.tables.documents import Attachment
from models.tables.nominations import IdempotencyKey, Nomination, Notification, Task
from models.tables.organisation import RoleAssignment, Unit, UnitBase, UnitPublic, User
from models.tables.plans import Plan, PlanEvent, PlanMilestone, PlanNotification, PlanReport
from models.tables.security import AuditEntry, Delegation, OidcIdentity

__all__ = [
    "Attachment",
    "AuditEntry",
    "AwardForm",
    "Ballot",
    "BallotVoter",
    "Decision",
    "DecisionCounter",
    "DecisionDocument",
    "DecisionNomination",
    "Delegation",
    "DisclosureComment",
    "IdempotencyKey",
    "Nomination",
    "Notification",
    "OidcIdentity",
    "Plan",
    "PlanEvent",
    "PlanMilestone",
    "PlanNotification",
    "PlanReport",
    "RoleAssignment",
    "Task",
    "Unit",
    "UnitBase",
    "UnitPublic",
    "User",
]
