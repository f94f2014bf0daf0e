"""Two people acting on one task at once: once the task is no longer open, whoever asks next is told
409 (it was decided), not 403 (it was never theirs); a caller who cannot see the dossier still gets 404."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import approve_step, task_for
from tests.support.security import (
    PROBLEM,
    create_nomination,
    ensure_unit,
    ensure_user,
    login,
    nomination_body,
    unit_id,
)


async def test_a_task_no_longer_open_answers_409_whoever_asks(
    api: httpx.AsyncClient, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    clerk = await login(api, "clerk.school")
    nid = await create_nomination(api, clerk, nomination_body(await unit_id(engine, "GL-BH-THCS"), name="Hai Người"))
    secretary = await login(api, "council.school")
    task = await task_for(api, secretary, nid)
    assert await approve_step(api, secretary, task) == "in_progress"  # the school council decided

    # On the dossier's route but not holding the task's role: the task is closed, that is the answer.
    for username in ("council.school", "council.commune", "appraiser.home", "chair.province"):
        headers = await login(api, username)
        for action, payload in (("complete", {"outcome": "approve"}), ("supplement", {"items": ["Biên bản họp"]})):
            r = await api.post(f"/api/v1/tasks/{task['id']}/{action}", headers=headers, json=payload)
            assert r.status_code == 409, (username, action, r.text)
            assert r.headers["content-type"] == PROBLEM and r.json()["code"] == "already_decided"

    # Who cannot see the dossier cannot learn that the task exists, open or not.
    # Units and users are reference data: made as the owner role, as the seed does.
    await ensure_unit(owner_engine, "TEST-TC", "UBND tỉnh Thử Xung Đột", "people_committee", "province", None)
    await ensure_user(owner_engine, "tc.stranger.clerk", "TEST-TC", [("clerk", "TEST-TC", True)])
    r = await api.post(
        f"/api/v1/tasks/{task['id']}/complete",
        headers=await login(api, "tc.stranger.clerk"),
        json={"outcome": "approve"},
    )
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM

    # The next task is open: a person without its role is still refused with 403.
    nxt = await task_for(api, await login(api, "council.commune"), nid)
    r = await api.post(f"/api/v1/tasks/{nxt['id']}/complete", headers=secretary, json={"outcome": "approve"})
    assert r.status_code == 403 and r.json()["code"] == "not_your_task"
