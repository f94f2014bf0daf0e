"""E-mail of notifications over SMTP (aiosmtplib): each at once, or a daily digest, as each user chose.

Run by `MailerWorkflow` (workflows/mailer.py) with retries. A notification addressed to a (role, unit)
goes to every user who acts for that unit in that role today (their own grant, unless handed to a
substitute, or a delegation in force: models/store/delegations.py, as the notification centre counts
them), has an e-mail preference, and chose it after the notification was made. What was sent is
recorded in `email_deliveries` in the same transaction as the send, so a retried round never sends
it twice. Each kind says in Vietnamese what it is and what to do, with a link to the dossier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from typing import Any

import aiosmtplib
from sqlalchemy import literal, select, tuple_, union_all, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col
from sqlmodel import select as sm_select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from models.rules import notices
from models.rules.calendar import VN_TZ
from models.rules.labels import NOTIFICATION_KINDS, label
from models.store.delegations import acting_pairs
from models.tables import Nomination, Notification, User
from models.tables.notices import EmailDelivery, NotificationPreference
from models.tables.plans import PlanNotification
from workflows.mailer import DELIVER_NOTIFICATIONS

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "[Thi đua – Khen thưởng]"
FOOTER = "Thư này do hệ thống Thi đua – Khen thưởng gửi tự động; vui lòng không trả lời thư."
# What the reader is asked to do, by kind (none for a plan's reminders: their message says it).
WHAT_NEXT = {
    notices.NEW_TASK: "Đề nghị ông/bà xem xét, xử lý hồ sơ trong thời hạn.",
    notices.RETURNED: "Đề nghị đơn vị chỉnh sửa, bổ sung hồ sơ theo lý do trên và nộp lại trong thời hạn.",
    notices.SUPPLEMENT_REQUESTED: "Đề nghị đơn vị bổ sung các nội dung trên trong thời hạn.",
    notices.REMINDER: "Đề nghị ông/bà xử lý hồ sơ trước hạn.",
    notices.ESCALATION: "Đề nghị ông/bà đôn đốc xử lý hồ sơ.",
    notices.BALLOT_OPENED: "Ông/bà đăng nhập hệ thống để bỏ phiếu trước khi thư ký Hội đồng kết thúc bỏ phiếu.",
    notices.DECISION_SIGNED: "Đơn vị có thể xem và tải văn bản quyết định trong hệ thống.",
}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    sender: str = "Thi đua – Khen thưởng <khong-tra-loi@thidua.gov.vn>"
    tls: str = "starttls"  # starttls | tls | none
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0
    digest_hour: int = 7
    web_base_url: str = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Pending:
    source: str
    id: int
    kind: str
    message: str
    created_at: datetime
    nomination_id: str | None
    plan_id: str | None
    decision_id: str | None = None
    nominee: str | None = None


def kind_name(kind: str) -> str:
    return label(NOTIFICATION_KINDS, kind)


class MailActivities:
    def __init__(self, engine: AsyncEngine, config: SmtpConfig) -> None:
        self.engine = engine
        self.config = config

    @activity.defn(name=DELIVER_NOTIFICATIONS)
    async def deliver_notifications(self) -> dict[str, int]:
        return await self.deliver(datetime.now(UTC))

    async def deliver(self, now: datetime) -> dict[str, int]:
        sent = digests = 0
        if not self.config.host:
            return {"sent": 0, "digests": 0}
        async with AsyncSession(self.engine) as session:
            prefs = (
                await session.exec(
                    sm_select(NotificationPreference, col(User.full_name))
                    .join(User, col(User.id) == col(NotificationPreference.user_id))
                    .where(
                        col(NotificationPreference.email_mode).in_(("immediate", "digest")),
                        col(NotificationPreference.email).is_not(None),
                        col(User.is_active),
                    )
                )
            ).all()
        for pref_row in prefs:
            pref: NotificationPreference = pref_row[0]
            name: str = pref_row[1]
            pending = await self._pending(pref, now)
            if not pending:
                continue
            if pref.email_mode == "immediate":
                for item in pending:
                    await self._send(pref, [item], self._single(name, item), "immediate", now)
                    sent += 1
            elif self._digest_due(pref, now):
                await self._send(pref, pending, self._digest(name, pending, now), "digest", now)
                digests += 1
        return {"sent": sent, "digests": digests}

    def _digest_due(self, pref: NotificationPreference, now: datetime) -> bool:
        local = now.astimezone(VN_TZ)
        if local.hour < self.config.digest_hour:
            return False
        return pref.last_digest_at is None or pref.last_digest_at.astimezone(VN_TZ).date() < local.date()

    async def _pending(self, pref: NotificationPreference, now: datetime) -> list[Pending]:
        async with self.engine.connect() as conn:
            # Whoever acts for a (role, unit) today is told, as the notification centre shows it.
            pairs = sorted(await acting_pairs(conn, pref.user_id, now.astimezone(VN_TZ).date()))
            if not pairs:
                return []
            delivered = select(col(EmailDelivery.source), col(EmailDelivery.notification_id)).where(
                col(EmailDelivery.user_id) == pref.user_id
            )
            nominations: Any = select(
                literal("nomination").label("source"), col(Notification.id).label("id"), col(Notification.kind),
                col(Notification.message), col(Notification.created_at),
                col(Notification.nomination_id).label("nomination_id"), literal(None).label("plan_id"),
                col(Notification.decision_id).label("decision_id"), col(Nomination.nominee_name).label("nominee"),
            ).join(Nomination, col(Nomination.id) == col(Notification.nomination_id)).where(
                tuple_(col(Notification.role), col(Notification.unit_id)).in_(pairs),
                col(Notification.created_at) >= pref.since,
            )  # fmt: skip
            plans: Any = select(
                literal("plan").label("source"), col(PlanNotification.id).label("id"), col(PlanNotification.kind),
                col(PlanNotification.message), col(PlanNotification.created_at),
                literal(None).label("nomination_id"), col(PlanNotification.plan_id).label("plan_id"),
                literal(None).label("decision_id"), literal(None).label("nominee"),
            ).where(
                tuple_(col(PlanNotification.role), col(PlanNotification.unit_id)).in_(pairs),
                col(PlanNotification.created_at) >= pref.since,
            )  # fmt: skip
            feed = union_all(nominations, plans).subquery()
            rows = (
                await conn.execute(
                    select(feed)
                    .where(tuple_(feed.c.source, feed.c.id).not_in(delivered))
                    .order_by(feed.c.created_at)
                    .limit(200)
                )
            ).all()
        return [
            Pending(
                source=r.source, id=int(r.id), kind=r.kind, message=r.message, created_at=r.created_at,
                nomination_id=str(r.nomination_id) if r.nomination_id else None, plan_id=r.plan_id,
                decision_id=str(r.decision_id) if r.decision_id else None, nominee=r.nominee,
            )
            for r in rows
        ]  # fmt: skip

    def _link(self, item: Pending) -> str:
        base = self.config.web_base_url.rstrip("/")
        if item.nomination_id:
            return f"{base}/#/nominations/{item.nomination_id}"
        if item.plan_id:
            return f"{base}/#/plans/{item.plan_id}"
        return f"{base}/"

    def _links(self, item: Pending) -> str:
        lines = f"Xem chi tiết: {self._link(item)}"
        if item.decision_id:
            lines += f"\nVăn bản quyết định: {self.config.web_base_url.rstrip('/')}/#/decisions/{item.decision_id}"
        return lines

    def _line(self, item: Pending) -> str:
        at = item.created_at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
        return f"- {at} · {kind_name(item.kind)}: {item.message}\n  Xem: {self._link(item)}"

    def _single(self, name: str, item: Pending) -> tuple[str, str]:
        # A nomination's subject names its kind and the nominee; the message follows in the body.
        about = f"hồ sơ «{item.nominee}»" if item.nominee else item.message
        subject = f"{SUBJECT_PREFIX} {kind_name(item.kind)}: {about}"
        if len(subject) > 150:
            subject = subject[:149] + "…"
        at = item.created_at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
        # A plan's notification says what to do itself; a nomination's gets its kind's request.
        what_next = WHAT_NEXT.get(item.kind, "") if item.nomination_id else ""
        body = (
            f"Kính gửi {name},\n\n{kind_name(item.kind)} lúc {at}:\n{item.message}\n\n"
            + (f"{what_next}\n\n" if what_next else "")
            + f"{self._links(item)}\n\n{FOOTER}\n"
        )
        return subject, body

    def _digest(self, name: str, items: list[Pending], now: datetime) -> tuple[str, str]:
        day = now.astimezone(VN_TZ).strftime("%d/%m/%Y")
        subject = f"{SUBJECT_PREFIX} Tóm tắt thông báo ngày {day}: {len(items)} thông báo"
        lines = "\n".join(self._line(i) for i in items)
        body = f"Kính gửi {name},\n\nCác thông báo gửi tới ông/bà từ lần tóm tắt trước:\n\n{lines}\n\n{FOOTER}\n"
        return subject, body

    async def _send(
        self, pref: NotificationPreference, items: list[Pending], content: tuple[str, str], mode: str, now: datetime
    ) -> None:
        assert pref.email is not None
        subject, body = content
        # MIMEText with Header: the modern policy's folding drops the space between encoded words
        # of a long Vietnamese subject ("Nhắc việc:Còn…"); this keeps every character.
        message = MIMEText(body, "plain", "utf-8")
        sender_name, sender_address = parseaddr(self.config.sender)
        message["From"] = formataddr((sender_name, sender_address), charset="utf-8")
        message["To"] = pref.email
        message["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=sender_address.rpartition("@")[2] or "thidua.gov.vn")
        async with self.engine.begin() as conn:
            await self._record(conn, pref, items, mode, now)
            # Sent inside the transaction: a failed send records nothing and the round is retried.
            await aiosmtplib.send(
                message,
                hostname=self.config.host,
                port=self.config.port,
                username=self.config.username,
                password=self.config.password,
                use_tls=self.config.tls == "tls",
                start_tls=self.config.tls == "starttls",
                timeout=self.config.timeout_seconds,
            )
        log.info("notification e-mail (%s, %d items) sent to user %s", mode, len(items), pref.user_id)

    async def _record(
        self, conn: AsyncConnection, pref: NotificationPreference, items: list[Pending], mode: str, now: datetime
    ) -> None:
        values: list[dict[str, Any]] = [
            {"user_id": pref.user_id, "source": i.source, "notification_id": i.id, "sent_at": now, "mode": mode}
            for i in items
        ]
        await conn.execute(insert(EmailDelivery).values(values).on_conflict_do_nothing())
        if mode == "digest":
            await conn.execute(
                update(NotificationPreference)
                .where(col(NotificationPreference.user_id) == pref.user_id)
                .values(last_digest_at=now)
            )
