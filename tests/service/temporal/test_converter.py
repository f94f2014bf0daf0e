"""The service's data converter writes the JSON values the SDK writes (UTF-8 rather than escaped, by
orjson) and decodes to what the SDK's own decoding gives, from either's payloads: histories recorded
before it replay the same (tests/workflows/test_replay.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from temporalio.converter import DataConverter

from service.temporal.converter import DATA_CONVERTER
from workflows.contracts import (
    Actor,
    AuditSpec,
    BallotRecord,
    Grant,
    NominationView,
    OpenedTask,
    TaskSpec,
    TransitionInput,
    TransitionResult,
)

AT = datetime(2026, 12, 1, 3, 4, 5, tzinfo=UTC)
ACTOR = Actor(user_id=7, name="Nguyễn Văn A", address="192.0.2.1", grants=[Grant(role="appraiser", unit_id=3)])
TRANSITION = TransitionInput(
    nomination_id="n-1", version=3, at=AT, status="in_progress", current_step="appraisal:GL-SNV",
    current_step_index=2, close_task_id="t-1", close_task_status="done", close_outcome="approve",
    close_actor=ACTOR, close_comment="Đồng ý",
    open_task=TaskSpec(task_id="t-2", step="council:GL", step_index=3, name="Hội đồng tỉnh", role="council_secretary",
                       unit_id=4, working_days=10, reminder_working_days=2),
    audit=[AuditSpec(audit_id="a-1", action="approve", actor=ACTOR, step="appraisal:GL-SNV", comment="Đồng ý",
                     details={"attachments": [{"name": "bien-ban.pdf", "sha256": "ab"}]})],
    changes={"signed_by": "KT. CHỦ TỊCH"}, decided=False,
    ballot=BallotRecord(step="council:GL", number=1, mode="meeting", status="passed", members=9, participants=9,
                        votes_for=9, votes_against=0, minutes="01/BB"),
)  # fmt: skip


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (TRANSITION, TransitionInput),
        (TransitionResult(opened=OpenedTask(task_id="t-2", due_at=AT, remind_at=None)), TransitionResult),
        (TransitionResult(), TransitionResult),
        (NominationView("n-1", "awarded", None, 4, None, 7, phase="step", result="Đạt"), NominationView),
    ],
)
def test_same_values_as_the_sdk_both_ways(value: object, kind: type) -> None:
    sdk = DataConverter.default.payload_converter
    ours = DATA_CONVERTER.payload_converter
    [payload] = ours.to_payloads([value])
    [theirs] = sdk.to_payloads([value])
    assert payload.metadata == theirs.metadata
    assert json.loads(payload.data) == json.loads(theirs.data)
    assert b"\\u" not in payload.data  # Vietnamese in UTF-8, not escaped
    # Either's payload decodes to the value, with either's decoder (histories of both kinds replay).
    for written in (payload, theirs):
        [decoded] = ours.from_payloads([written], [kind])
        assert decoded == sdk.from_payloads([written], [kind])[0] == value


@pytest.mark.parametrize(
    "value", [{1: "a"}, {"ids": {3, 1, 2}}, 2**70, "lone \ud800"], ids=["int-keys", "set", "big", "surrogate"]
)
def test_what_orjson_writes_otherwise_is_the_sdks_bytes(value: object) -> None:
    sdk = DataConverter.default.payload_converter
    assert DATA_CONVERTER.payload_converter.to_payloads([value]) == sdk.to_payloads([value])


def test_a_wrong_shape_is_refused_as_the_sdk_refuses_it() -> None:
    [payload] = DATA_CONVERTER.payload_converter.to_payloads([{"task_id": "t", "due_at": "not a date"}])
    with pytest.raises(Exception, match="due_at"):
        DATA_CONVERTER.payload_converter.from_payloads([payload], [OpenedTask])
