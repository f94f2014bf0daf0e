"""The secret ballot box of a council's electronic ballot (version 3 of the nomination workflow).

A vote is one transaction: the seat is entered in the register of who voted (`ballot_voters`, no
choice, no time) and one counter of the ballot row goes up (no name). The workflow never sees a
vote; when the secretary closes the ballot its activity closes the box and reads the totals
(activities/projection.py `count_ballot`). Nothing anywhere links a member to a choice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from models.tables import Ballot, BallotVoter

CHOICES = ("for", "against")


class BallotBoxError(Exception):
    """A vote the box refuses; `code` is stable, the message Vietnamese."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Receipt:
    step: str
    ballot: int
    participants: int
    members: int
    box: str  # "database": counted here; "workflow": a v2 ballot, counted by its workflow


async def cast(
    conn: AsyncConnection, nomination_id: uuid.UUID, step: str, ballot_number: int, seat_user_id: int, choice: str
) -> Receipt:
    """Register the seat and count the choice, in the caller's transaction: it commits, or rolls back
    on a `BallotBoxError`.

    The counters move only for a box kept here; for a v2 ballot the seat is registered (so a second
    vote is refused whatever the workflow holds) and the caller sends the choice to the workflow.
    """
    if choice not in CHOICES:
        raise BallotBoxError("Phiếu phải là «đồng ý» hoặc «không đồng ý».", "invalid_vote")
    key = (col(Ballot.nomination_id) == nomination_id, col(Ballot.step) == step)
    ballot = (
        await conn.execute(select(Ballot).where(*key, col(Ballot.status) == "open").with_for_update())
    ).one_or_none()
    if ballot is None:
        raise BallotBoxError("Hội đồng không có cuộc bỏ phiếu đang mở cho hồ sơ này.", "no_ballot")
    if ballot.number != ballot_number:
        raise BallotBoxError(
            f"Phiếu dành cho lần bỏ phiếu thứ {ballot_number}, nhưng lần đang mở là lần thứ {ballot.number}; "
            "hãy tải lại và bỏ phiếu lại.",
            "stale_ballot",
        )
    seat = (
        await conn.execute(
            insert(BallotVoter)
            .values(nomination_id=nomination_id, step=step, number=ballot.number, seat_user_id=seat_user_id)
            .on_conflict_do_nothing()
            .returning(col(BallotVoter.seat_user_id))
        )
    ).first()
    if seat is None:
        raise BallotBoxError("Bạn đã bỏ phiếu cho hồ sơ này.", "already_voted")
    # Raised after the seat was entered: the caller's rollback takes it out again.
    if ballot.participants >= ballot.members and ballot.box == "database":
        raise BallotBoxError("Đã đủ số phiếu của toàn bộ thành viên Hội đồng.", "ballot_full")
    participants = ballot.participants
    if ballot.box == "database":
        participants += 1
        await conn.execute(
            update(Ballot)
            .where(*key, col(Ballot.number) == ballot.number)
            .values(
                participants=col(Ballot.participants) + 1,
                votes_for=col(Ballot.votes_for) + (1 if choice == "for" else 0),
                votes_against=col(Ballot.votes_against) + (1 if choice == "against" else 0),
            )
        )
    return Receipt(step=step, ballot=ballot.number, participants=participants, members=ballot.members, box=ballot.box)


async def withdraw_seat(
    conn: AsyncConnection, nomination_id: uuid.UUID, step: str, number: int, seat_user_id: int
) -> None:
    """Undo a v2 seat registration whose vote the workflow refused (the caller commits)."""
    await conn.execute(
        delete(BallotVoter).where(
            col(BallotVoter.nomination_id) == nomination_id,
            col(BallotVoter.step) == step,
            col(BallotVoter.number) == number,
            col(BallotVoter.seat_user_id) == seat_user_id,
        )
    )
