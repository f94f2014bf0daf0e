"""What each notification says, in Vietnamese: one sentence the notification centre shows and the
e-mail repeats. Their kinds are named in models/rules/labels.py NOTIFICATION_KINDS.

Pure text (no database): the projection activity writes them with a nomination's transition, the
API with a decision; dates and times in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from models.rules.calendar import VN_TZ

NEW_TASK = "new_task"
RETURNED = "returned"
SUPPLEMENT_REQUESTED = "supplement_requested"
REMINDER = "reminder"
ESCALATION = "escalation"
BALLOT_OPENED = "ballot_opened"
DECISION_SIGNED = "decision_signed"


def deadline(due: datetime | None) -> str:
    return due.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y") if due else "chưa xác định"


def day(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%d/%m/%Y")


def new_task(nominee: str, award_form: str, step_name: str, due: datetime | None) -> str:
    return f"Hồ sơ «{nominee}» đề nghị {award_form} chờ xử lý ở bước: {step_name}. Hạn xử lý {deadline(due)}."


def returned(nominee: str, by_step: str | None, reason: str | None, due: datetime | None) -> str:
    where = f" ở bước: {by_step}" if by_step else ""
    why = (reason or "").strip() or "không ghi lý do"
    return f"Hồ sơ «{nominee}» bị trả lại{where}. Lý do: {why}. Hạn chỉnh sửa và nộp lại {deadline(due)}."


def supplement_requested(
    nominee: str, by_unit: str | None, items: Iterable[str], comment: str | None, due: datetime | None
) -> str:
    who = by_unit or "Cơ quan thẩm định"
    note = f" Ghi chú: {comment.strip()}." if comment and comment.strip() else ""
    return f"{who} yêu cầu bổ sung hồ sơ «{nominee}»: {'; '.join(items)}.{note} Hạn bổ sung {deadline(due)}."


def reminder(nominee: str, step_name: str, due: datetime | None) -> str:
    return f"Hồ sơ «{nominee}» – {step_name}, hạn xử lý {deadline(due)}."


def escalation(nominee: str, step_name: str, due: datetime | None) -> str:
    return f"Hồ sơ «{nominee}» – {step_name} chưa được xử lý, đã quá hạn {deadline(due)}."


def ballot_opened(nominee: str, award_form: str, council: str, number: int) -> str:
    again = f" (lần {number})" if number > 1 else ""
    return (
        f"{council} mở bỏ phiếu điện tử{again} về hồ sơ «{nominee}» đề nghị {award_form}. "
        "Mời ông/bà bỏ phiếu; phiếu bầu là bí mật."
    )


def decision_signed(number_symbol: str, signed_at: datetime, nominee: str, award_form: str) -> str:
    return f"Quyết định số {number_symbol} ngày {day(signed_at)} khen thưởng «{nominee}»: {award_form}."
