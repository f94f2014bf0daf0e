"""Saved views: which filters a view of each list may hold, the built-in views of the inbox, and each
view's count, computed with the list's own condition so that it equals the list's total."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.calendar import VN_TZ, add_working_days
from models.tables import Nomination
from service.api.problems import invalid
from service.api.schemas.nominations import NominationFilters
from service.api.schemas.tasks import TaskFilters, TaskView
from service.queries.nominations import nominations_where
from service.queries.paging import capped_count, plan_for_these_values
from service.queries.tasks import inbox_count_rows, inbox_where
from service.security.principal import CurrentUser

log = logging.getLogger(__name__)

# The filters a view of each list may hold: the list's own query parameters (and the inbox's order).
VIEW_FILTERS: dict[str, type[BaseModel]] = {"tasks": TaskView, "nominations": NominationFilters}
# A user keeps at most this many views: each is counted whenever the views are listed.
MAX_SAVED_VIEWS = 50
# "Đến hạn trong 3 ngày làm việc": due by the close of the third working day from today.
DUE_SOON_WORKING_DAYS = 3


def checked_filters(target: str, filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as the list reads them (names, types, limits), stored in their JSON form; 422
    naming each field that the list does not know or that has a wrong value."""
    try:
        model = VIEW_FILTERS[target].model_validate(filters)
    except ValidationError as exc:
        raise invalid(exc, "body", "filters") from None
    return model.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def builtin_views(target: str, now: datetime) -> list[tuple[str, str, dict[str, Any]]]:
    """(key, name, filters) of the views every user has."""
    views: list[tuple[str, str, dict[str, Any]]] = [("all", "Tất cả", {}), ("overdue", "Quá hạn", {"overdue": True})]
    if target == "tasks":
        last_day = add_working_days(now, DUE_SOON_WORKING_DAYS).astimezone(VN_TZ).date()
        soon = {"overdue": False, "due_before": (last_day + timedelta(days=1)).isoformat()}
        views.append(("due_soon", f"Đến hạn trong {DUE_SOON_WORKING_DAYS} ngày làm việc", soon))
    return views


async def view_count(
    session: AsyncSession, user: CurrentUser, target: str, filters: dict[str, Any], now: datetime
) -> tuple[int, bool]:
    """What the list answers as `total` (and `total_capped`) with these filters."""
    await plan_for_these_values(session)
    try:
        if target == "tasks":
            inbox = TaskFilters.model_validate({k: v for k, v in filters.items() if k != "sort"})
            return await capped_count(session, inbox_count_rows(inbox_where(user, inbox, now)))
        listed = NominationFilters.model_validate(filters)
    except ValidationError:
        # Saved under rules that have changed since: the view shows nothing rather than failing the page.
        log.warning("saved view filters no longer valid for %s", target)
        return 0, False
    return await capped_count(session, select(col(Nomination.id)).where(nominations_where(user, listed)))
