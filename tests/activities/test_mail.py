"""Notification e-mail: a local SMTP server (aiosmtpd) on 127.0.0.1 receives what the activity sends,
in Vietnamese, each notification at once or in the daily digest, never twice; and the mailer
workflow runs the activity on its own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from activities.mail import MailActivities, SmtpConfig
from activities.projection import Projector
from models.rules.calendar import VN_TZ
from models.tables import Delegation, Notification, RoleAssignment, Unit, User
from models.tables.notices import EmailDelivery, NotificationPreference
from models.tables.plans import PlanNotification
from tests.support.factories import new_nomination
from tests.support.helpers import free_port
from tests.support.mailbox import Inbox, smtp_server, subject, text
from workflows.contracts import TaskSpec, TransitionInput
from workflows.mailer import MailerInput, MailerWorkflow

pytestmark = pytest.mark.own_database


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


async def user_and_unit(engine: AsyncEngine, username: str) -> tuple[int, int, str]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(col(User.id), col(User.unit_id), col(User.full_name)).where(col(User.username) == username)
            )
        ).one()
    return int(row[0]), int(row[1]), str(row[2])


async def notify(
    engine: AsyncEngine, role: str, unit_id: int, message: str, at: datetime, kind: str = "reminder"
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            insert(PlanNotification).values(
                plan_id="gl-65-2024", event_key=f"test:{uuid.uuid4().hex}", kind=kind, role=role, unit_id=unit_id,
                message=message, created_at=at,
            )
        )  # fmt: skip


async def prefer(engine: AsyncEngine, user_id: int, email: str, mode: str, since: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            insert(NotificationPreference).values(user_id=user_id, email=email, email_mode=mode, since=since)
        )


async def test_each_notification_at_once_and_the_daily_digest_in_vietnamese(
    engine: AsyncEngine, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    clerk_id, school, clerk_name = await user_and_unit(engine, "clerk.school")
    chair_id, commune, chair_name = await user_and_unit(engine, "chair.commune")
    start = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    await prefer(engine, clerk_id, "lan.nguyen@thcs-nguyendu.edu.vn", "immediate", start)
    await prefer(engine, chair_id, "chu.tich@bienho.gialai.gov.vn", "digest", start)
    # Before the clerk chose e-mail: never sent.
    await notify(engine, "clerk", school, "Thông báo cũ trước khi đăng ký nhận thư", start - timedelta(days=1))
    await notify(
        engine,
        "clerk",
        school,
        "Còn 5 ngày làm việc đến hạn báo cáo năm 2026 của Trường THCS Nguyễn Du",
        start + timedelta(hours=1),
    )
    await notify(
        engine,
        "chairperson",
        commune,
        "Hồ sơ Nguyễn Văn An quá hạn ở bước Ký quyết định",
        start + timedelta(hours=2),
        "escalation",
    )
    await notify(
        engine, "chairperson", commune, "Đợt nhận đề nghị sơ kết 2025 đã mở", start + timedelta(hours=3), "window"
    )

    config = SmtpConfig(host="127.0.0.1", port=port, tls="none", web_base_url="https://thidua.gialai.gov.vn")
    mail = MailActivities(engine, config)
    # 10:00 in Hà Nội, 30/11: past the digest hour (07:00).
    morning = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    assert await mail.deliver(morning) == {"sent": 1, "digests": 1}
    assert len(inbox.messages) == 2
    by_to = {m["To"]: m for m in inbox.messages}

    single = by_to["lan.nguyen@thcs-nguyendu.edu.vn"]
    assert subject(single) == (
        "[Thi đua – Khen thưởng] Nhắc việc: Còn 5 ngày làm việc đến hạn báo cáo năm 2026 của Trường THCS Nguyễn Du"
    )
    assert single["From"].addresses[0].display_name == "Thi đua – Khen thưởng"  # type: ignore[attr-defined]
    body = text(single)
    assert body.startswith(f"Kính gửi {clerk_name},")
    assert "Nhắc việc lúc 30/11/2026 09:00" in body  # Asia/Ho_Chi_Minh
    assert "Xem chi tiết: https://thidua.gialai.gov.vn/#/plans/gl-65-2024" in body
    assert "Thông báo cũ" not in body

    digest = by_to["chu.tich@bienho.gialai.gov.vn"]
    assert subject(digest) == "[Thi đua – Khen thưởng] Tóm tắt thông báo ngày 30/11/2026: 2 thông báo"
    body = text(digest)
    assert body.startswith(f"Kính gửi {chair_name},")
    assert "Báo quá hạn: Hồ sơ Nguyễn Văn An quá hạn ở bước Ký quyết định" in body
    assert "Đợt nhận đề nghị khen thưởng: Đợt nhận đề nghị sơ kết 2025 đã mở" in body

    # A second round the same day sends nothing again; a new notification waits for tomorrow's digest.
    await notify(engine, "chairperson", commune, "Nhắc ký quyết định", morning + timedelta(minutes=5))
    assert await mail.deliver(morning + timedelta(minutes=10)) == {"sent": 0, "digests": 0}
    assert len(inbox.messages) == 2
    # Before 07:00 the next day: still waiting; after: one digest with the new one only.
    assert await mail.deliver(datetime(2026, 11, 30, 23, 0, tzinfo=UTC)) == {"sent": 0, "digests": 0}
    assert await mail.deliver(datetime(2026, 12, 1, 1, 0, tzinfo=UTC)) == {"sent": 0, "digests": 1}
    assert subject(inbox.messages[-1]).endswith("ngày 01/12/2026: 1 thông báo")
    assert "Nhắc ký quyết định" in text(inbox.messages[-1])
    async with engine.connect() as conn:
        recorded = (await conn.execute(select(col(EmailDelivery.user_id), col(EmailDelivery.mode)))).all()
    assert sorted(recorded) == sorted(
        [(clerk_id, "immediate"), (chair_id, "digest"), (chair_id, "digest"), (chair_id, "digest")]
    )


async def test_a_mail_server_that_is_down_records_nothing_and_the_round_is_retried(
    engine: AsyncEngine, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    user_id, unit, _ = await user_and_unit(engine, "clerk.commune")
    now = datetime.now(UTC)
    await prefer(engine, user_id, "can.bo@bienho.gialai.gov.vn", "immediate", now - timedelta(hours=1))
    await notify(engine, "clerk", unit, "Hồ sơ bị trả lại để bổ sung", now - timedelta(minutes=1))
    down = MailActivities(engine, SmtpConfig(host="127.0.0.1", port=free_port(), tls="none", timeout_seconds=2))
    with pytest.raises(Exception):  # noqa: B017 (whatever the connection error, the activity fails and is retried)
        await ActivityEnvironment().run(down.deliver_notifications)
    async with engine.connect() as conn:
        assert (
            await conn.execute(select(col(EmailDelivery.user_id)).where(col(EmailDelivery.user_id) == user_id))
        ).all() == []
    up = MailActivities(engine, SmtpConfig(host="127.0.0.1", port=port, tls="none"))
    assert (await ActivityEnvironment().run(up.deliver_notifications))["sent"] == 1
    assert subject(inbox.messages[-1]) == "[Thi đua – Khen thưởng] Nhắc việc: Hồ sơ bị trả lại để bổ sung"


async def test_the_mailer_workflow_runs_the_activity_by_itself(
    env: WorkflowEnvironment, engine: AsyncEngine, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    user_id, unit, _ = await user_and_unit(engine, "clerk.village")
    now = datetime.now(UTC)
    await prefer(engine, user_id, "thon1@bienho.gialai.gov.vn", "immediate", now - timedelta(hours=1))
    await notify(engine, "clerk", unit, "Báo cáo năm của Thôn 1 sắp đến hạn", now - timedelta(minutes=1))
    mail = MailActivities(engine, SmtpConfig(host="127.0.0.1", port=port, tls="none"))
    queue = f"mail-{uuid.uuid4()}"
    async with Worker(
        env.client, task_queue=queue, workflows=[MailerWorkflow], activities=[mail.deliver_notifications]
    ):
        handle = await env.client.start_workflow(
            MailerWorkflow.run, MailerInput(poll_seconds=60), id=f"mailer-{uuid.uuid4()}", task_queue=queue
        )
        for _ in range(200):
            if any(m["To"] == "thon1@bienho.gialai.gov.vn" for m in inbox.messages):
                break
            await asyncio.sleep(0.05)
        await handle.terminate("test over")
    assert any(subject(m).endswith("Báo cáo năm của Thôn 1 sắp đến hạn") for m in inbox.messages)
    assert VN_TZ is not None and Unit is not None and RoleAssignment is not None


async def test_a_transitions_notifications_reach_who_acts_and_a_retry_sends_nothing_twice(
    engine: AsyncEngine, smtp: tuple[Inbox, int]
) -> None:
    """The projection tells the task's holders, in Vietnamese; the substitute of a secretary away is
    told (and the secretary, whose role is suspended, is not); a retried transition writes nothing twice."""
    inbox, port = smtp
    nomination = await new_nomination(engine, "GIAY_KHEN_XA", name="Lò Văn Thư")
    council = nomination.route[0]
    secretary_id, _, _ = await user_and_unit(engine, "council.school")
    substitute_id, _, substitute_name = await user_and_unit(engine, "member1.school")
    clerk_id, _, _ = await user_and_unit(engine, "clerk.school")
    start = datetime.now(UTC) - timedelta(minutes=5)
    async with engine.begin() as conn:
        await conn.execute(
            insert(Delegation).values(
                id=uuid.uuid4(), kind="substitute", from_user_id=secretary_id, to_user_id=substitute_id,
                role="council_secretary", unit_id=council.unit_id, starts_on=date.today() - timedelta(days=1),
                ends_on=date.today() + timedelta(days=7), reason="Nghỉ phép", created_at=start,
            )
        )  # fmt: skip
    for user_id, address in [
        (secretary_id, "thu.ky@thcs-nguyendu.edu.vn"),
        (substitute_id, "thanh.vien@thcs-nguyendu.edu.vn"),
        (clerk_id, "lan.nguyen@thcs-nguyendu.edu.vn"),
    ]:
        await prefer(engine, user_id, address, "immediate", start)

    projector = Projector(engine)
    council_task = str(uuid.uuid4())
    submitted = TransitionInput(
        nomination_id=nomination.nomination_id, version=1, at=datetime.now(UTC), status="in_progress",
        current_step=council.key, current_step_index=0,
        open_task=TaskSpec(task_id=council_task, step=council.key, step_index=0, name=council.name,
                           role=council.role, unit_id=council.unit_id, working_days=5, reminder_working_days=2),
    )  # fmt: skip
    returned = TransitionInput(
        nomination_id=nomination.nomination_id, version=2, at=datetime.now(UTC), status="returned",
        current_step="revision", current_step_index=0, close_task_id=council_task, close_outcome="return",
        close_comment="Thiếu bản sao quyết định công nhận sáng kiến",
        open_task=TaskSpec(task_id=str(uuid.uuid4()), step="revision", step_index=0,
                           name="Đơn vị đề nghị chỉnh sửa, bổ sung hồ sơ", role="clerk",
                           unit_id=nomination.proposing_unit_id, working_days=10, reminder_working_days=2),
    )  # fmt: skip
    for transition in (submitted, returned, returned):  # the second return: a retried activity
        await projector.record_transition_v2(transition)
    async with engine.connect() as conn:
        kinds = (
            await conn.execute(
                select(col(Notification.kind), col(Notification.role)).where(
                    col(Notification.nomination_id) == uuid.UUID(nomination.nomination_id)
                )
            )
        ).all()
    assert sorted(kinds) == [("new_task", "council_secretary"), ("returned", "clerk")]

    mail = MailActivities(engine, SmtpConfig(host="127.0.0.1", port=port, tls="none", web_base_url="https://td.vn"))
    assert await mail.deliver(datetime.now(UTC)) == {"sent": 2, "digests": 0}
    assert inbox.to("thu.ky@thcs-nguyendu.edu.vn") == []  # handed to the substitute
    [new_task] = inbox.to("thanh.vien@thcs-nguyendu.edu.vn")
    assert subject(new_task) == "[Thi đua – Khen thưởng] Việc mới: hồ sơ «Lò Văn Thư»"
    body = text(new_task)
    assert body.startswith(f"Kính gửi {substitute_name},")
    assert f"chờ xử lý ở bước: {council.name}" in body and "Giấy khen của Chủ tịch UBND xã" in body
    assert "Đề nghị ông/bà xem xét, xử lý hồ sơ trong thời hạn." in body
    assert f"Xem chi tiết: https://td.vn/#/nominations/{nomination.nomination_id}" in body
    [back] = inbox.to("lan.nguyen@thcs-nguyendu.edu.vn")
    assert subject(back) == "[Thi đua – Khen thưởng] Hồ sơ bị trả lại: hồ sơ «Lò Văn Thư»"
    assert "Lý do: Thiếu bản sao quyết định công nhận sáng kiến." in text(back)
    assert await mail.deliver(datetime.now(UTC)) == {"sent": 0, "digests": 0}
