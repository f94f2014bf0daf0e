"""The Vietnamese names of the codes the server defines: one source for the API and the web UI.

Pure data (no database, no web framework): the API publishes these tables at /api/v1/labels, the
web UI shows them, and server code that writes a name into a task or a message takes it from here.
Codes are the stored values (statuses, audit actions, roles...); a table never renames a code.
"""

from __future__ import annotations

from typing import Final

from models.rules.plan_schedule import EVENT_LABELS

# A nomination's status (workflows/contracts.py).
STATUSES: Final = {
    "in_progress": "Đang xét duyệt",
    "returned": "Trả lại để chỉnh sửa",
    "awarded": "Đã khen thưởng",
    "rejected": "Không được khen thưởng",
    "withdrawn": "Đã rút",
}

# The outcome of a decision on a task (workflows/contracts.py OUTCOMES).
OUTCOMES: Final = {
    "approve": "Đồng ý",
    "return": "Trả lại",
    "reject": "Không đồng ý",
}

# What a nomination's history shows: audit actions of the workflow, notification kinds and the
# workflow's own events (service/history.py; the last four are shown to administrators only).
ACTIONS: Final = {
    "submit": "Nộp hồ sơ",
    **OUTCOMES,
    "resubmit": "Nộp lại",
    "withdraw": "Rút hồ sơ",
    "award": "Quyết định khen thưởng",
    "attach": "Đính kèm tệp",
    "detach": "Gỡ tệp đính kèm",
    "plan_amended": "Sửa đổi kế hoạch",
    "council_size_override": "Khai số thành viên Hội đồng khác danh sách",
    "delegation_sign_on_behalf": "Giao ký thay",
    "delegation_substitute": "Giao người thay thế",
    "delegation_revoked": "Thu hồi ủy quyền",
    "ballot_opened": "Mở bỏ phiếu",
    "ballot_void": "Bỏ phiếu không hợp lệ",
    "supplement_requested": "Yêu cầu bổ sung",
    "supplement_answered": "Đã bổ sung",
    "disclosure_started": "Bắt đầu công khai",
    "disclosure_ended": "Kết thúc công khai",
    "reminder": "Nhắc việc",
    "escalation": "Báo quá hạn",
    "overdue": "Quá hạn báo cáo",
    "window": "Đợt nhận đề nghị khen thưởng",
    "workflow_started": "Khởi động quy trình",
    "continued_as_new": "Tiếp tục quy trình",
    "workflow_completed": "Kết thúc quy trình",
    "workflow_failed": "Quy trình bị lỗi",
    "workflow_terminated": "Quy trình bị dừng",
    "workflow_canceled": "Quy trình bị hủy",
    "workflow_timed_out": "Quy trình quá thời hạn",
    "timer_fired": "Đến hạn hẹn giờ",
    "activity_failed": "Tác vụ bị lỗi",
    "activity_timed_out": "Tác vụ quá thời hạn",
    "workflow_task_failed": "Bước xử lý quy trình bị lỗi",
}

# What a notification tells (models/tables/nominations.py Notification, plans.py PlanNotification):
# the notification centre and the e-mails name them so.
NOTIFICATION_KINDS: Final = {
    "new_task": "Việc mới",
    "returned": "Hồ sơ bị trả lại",
    "supplement_requested": "Yêu cầu bổ sung hồ sơ",
    "reminder": "Nhắc việc",
    "escalation": "Báo quá hạn",
    "ballot_opened": "Mở bỏ phiếu",
    "decision_signed": "Quyết định khen thưởng đã ký",
    "overdue": "Quá hạn báo cáo",
    "window": "Đợt nhận đề nghị khen thưởng",
}

# Who is nominated (models/catalogue.py NomineeKind).
NOMINEE_KINDS: Final = {
    "individual": "Cá nhân",
    "collective": "Tập thể",
    "household": "Hộ gia đình",
    "clan": "Dòng họ",
}

# The kind of period a nomination is for (models/catalogue.py PeriodKind); the year is separate.
PERIOD_KINDS: Final = {
    "annual": "Hằng năm",
    "preliminary_review": "Sơ kết",
    "final_review": "Tổng kết",
}

# Roles held for a unit (models/seed.py ROLES).
ROLES: Final = {
    "clerk": "Cán bộ thi đua",
    "council_secretary": "Thư ký Hội đồng TĐKT",
    "council_member": "Thành viên Hội đồng TĐKT",
    "appraiser": "Chuyên viên thẩm định",
    "chairperson": "Chủ tịch",
    "deputy_chairperson": "Phó Chủ tịch",
    "secretariat": "Thường trực phong trào",
    "admin": "Quản trị hệ thống",
}

# The kind of a step on a route (models/catalogue.py StepKind).
STEP_KINDS: Final = {
    "council": "Hội đồng xét",
    "appraisal": "Thẩm định",
    "sign": "Ký quyết định",
    "submit": "Ký tờ trình",
    "propose": "Đề nghị khen thưởng",
}

# Steps that are not on the route: the proposing clerk's turns and the public disclosure period
# (workflows/contracts.py REVISION_STEP, SUPPLEMENT_STEP, DISCLOSURE_STEP).
PHASES: Final = {
    "revision": "Đơn vị đề nghị chỉnh sửa, bổ sung hồ sơ",
    "supplement": "Đơn vị bổ sung hồ sơ theo yêu cầu thẩm định",
    "disclosure": "Công khai danh sách trước khi Hội đồng xét",
}

# A council ballot: its status (open, then models/rules/ballot.py), how it is held, the choices.
BALLOT_STATUSES: Final = {
    "open": "Đang bỏ phiếu",
    "passed": "Đạt",
    "failed": "Không đạt",
    "void": "Không đủ số thành viên tham gia",
}
BALLOT_MODES: Final = {
    "electronic": "Bỏ phiếu điện tử",
    "meeting": "Họp Hội đồng",
}
# Council sessions (phiên họp): where a session stands, how it votes, what applying a result did.
SESSION_STATUSES: Final = {
    "open": "Đang họp",
    "applying": "Đang áp dụng kết quả",
    "closed": "Đã kết thúc",
    "cancelled": "Đã hủy",
}
SESSION_MODES: Final = {
    "meeting": "Họp trực tiếp (thư ký ghi kết quả)",
    "electronic": "Bỏ phiếu kín điện tử",
}
SESSION_OUTCOMES: Final = {
    **{k: v for k, v in BALLOT_STATUSES.items() if k != "open"},
    "refused": "Không áp dụng",
}
BALLOT_CHOICES: Final = {
    "for": "Đồng ý",
    "against": "Không đồng ý",
}

# How a role is delegated (service/delegations.py).
DELEGATION_KINDS: Final = {
    "sign_on_behalf": "Ký thay (KT. CHỦ TỊCH)",
    "substitute": "Người thay thế",
}

# The kind of a dossier's file (service/api/routers/attachments.py AttachmentKind).
ATTACHMENT_KINDS: Final = {
    "achievement_report": "Báo cáo thành tích",
    "submission_letter": "Tờ trình",
    "minutes": "Biên bản họp Hội đồng",
    "evidence": "Minh chứng",
    "other": "Tài liệu khác",
}

# A unit's yearly report of a plan (models/tables/plans.py PlanReport.status).
REPORT_STATUSES: Final = {
    "open": "Chưa gửi",
    "overdue": "Quá hạn",
    "submitted": "Đã gửi",
}

# The events of a plan's timeline (models/rules/plan_schedule.py).
PLAN_EVENT_KINDS: Final = dict(EVENT_LABELS)

# The tables as published by GET /api/v1/labels, by name.
TABLES: Final[dict[str, dict[str, str]]] = {
    "statuses": STATUSES,
    "actions": ACTIONS,
    "notification_kinds": NOTIFICATION_KINDS,
    "outcomes": OUTCOMES,
    "nominee_kinds": NOMINEE_KINDS,
    "period_kinds": PERIOD_KINDS,
    "roles": ROLES,
    "step_kinds": STEP_KINDS,
    "phases": PHASES,
    "ballot_statuses": BALLOT_STATUSES,
    "ballot_modes": BALLOT_MODES,
    "ballot_choices": BALLOT_CHOICES,
    "session_statuses": SESSION_STATUSES,
    "session_modes": SESSION_MODES,
    "session_outcomes": SESSION_OUTCOMES,
    "delegation_kinds": DELEGATION_KINDS,
    "attachment_kinds": ATTACHMENT_KINDS,
    "report_statuses": REPORT_STATUSES,
    "plan_event_kinds": PLAN_EVENT_KINDS,
}


def label(table: dict[str, str], code: str) -> str:
    """The name of a code, or the code itself where the table has none (a code newer than its name)."""
    return table.get(code, code)
