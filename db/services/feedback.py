"""Clients rate a completed visit from 1 to 5 and may add a comment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, BookingStatus, Feedback
from db.services.booking import get_client_booking
from db.services.errors import NotActive

RATINGS = range(1, 6)
COMMENT_MAX_LENGTH = 1000


class FeedbackError(Exception):
    """Feedback the rules refuse; shown as `feedback-error-<code>`."""

    code: str = "generic"

    @property
    def i18n_key(self) -> str:
        return f"feedback-error-{self.code}"


class InvalidRating(FeedbackError):
    code = "rating"


class CommentTooLong(FeedbackError):
    code = "too-long"


class NothingToComment(FeedbackError):
    """A comment with no rated visit to attach it to."""

    code = "nothing"


async def rate_visit(
    session: AsyncSession, *, booking_id: int, client_id: int, rating: int, now: datetime
) -> Feedback:
    """Store the client's rating of their completed visit; rating again changes it.

    Raises `NotYours`/`BookingNotFound` (booking errors) for someone else's
    booking, `NotActive` for a visit not completed, `InvalidRating` outside 1–5.
    """
    if rating not in RATINGS:
        raise InvalidRating
    booking = await get_client_booking(session, booking_id=booking_id, client_id=client_id)
    if booking.status != BookingStatus.COMPLETED:
        raise NotActive
    feedback = await session.scalar(select(Feedback).where(Feedback.booking_id == booking_id))
    if feedback is None:
        feedback = Feedback(booking_id=booking_id, rating=rating, created_at=now)
        session.add(feedback)
    else:
        feedback.rating = rating
    await session.flush()
    return feedback


async def comment_latest(session: AsyncSession, *, client_id: int, comment: str) -> Feedback:
    """Attach a comment to the client's most recent rating."""
    text = comment.strip()
    if not text:
        raise NothingToComment
    if len(text) > COMMENT_MAX_LENGTH:
        raise CommentTooLong
    feedback = await session.scalar(
        select(Feedback)
        .join(Booking, Booking.id == Feedback.booking_id)
        .where(Booking.client_id == client_id)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(1)
    )
    if feedback is None:
        raise NothingToComment
    feedback.comment = text
    await session.flush()
    return feedback
