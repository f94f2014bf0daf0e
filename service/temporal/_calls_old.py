"""Calls into running nomination workflows, with their refusals turned into problem responses."""

from __future__ import annotations

from typing import Any

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from service.api.problems import Problem
from workflows.contracts import NominationView

_STATUS_FOR = {
    "already_decided": 409,
    "busy": 409,
    "not_returned": 409,
    "wrong_step": 409,
    "invalid_outcome": 422,
    "not_allowed": 403,
    "no_ballot": 409,
    "ballot_open": 409,
    "already_voted": 409,
    "ballot_full": 409,
    "ballot_required": 409,
    "invalid_vote": 422,
    "invalid_tally": 422,
    "no_quorum": 422,
    "supplement_limit": 409,
    "invalid_items": 422,
    "disclosure": 409,
}


async def call_update(client: Client, workflow_id: str, update: str, arg: Any) -> NominationView:
    handle = client.get_workflow_handle(workflow_id)
    try:
        return await handle.execute_update(update, arg, result_type=NominationView)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type in _STATUS_FOR:
            raise Problem(_STATUS_FOR[cause.type], cause.message, code=cause.type) from None
        raise
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND or "completed" in exc.message:
            raise Problem(409, "Hồ sơ đã kết thúc, không thể xử lý thêm.", code="already_decided") from None
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            raise Problem(
                503, "Máy chủ quy trình tạm thời không sẵn sàng; vui lòng thử lại.", code="temporal_unavailable"
            ) from None
        raise
