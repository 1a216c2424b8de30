"""Feedback after a completed visit: the 1–5 buttons, then an optional comment.

The comment is the client's reply to the bot's question (Telegram's ForceReply
opens the reply for them), so no conversation state is needed and nothing else
the client types is ever taken for a comment.
"""

from __future__ import annotations

from functools import cache

from aiogram import Router
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, ForceReply, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import PrivateChat
from bot.handlers.callback_tools import RowId, client_of, edit_pressed_message, keyboard
from db.clock import Clock
from db.services.errors import BookingError, NotYours
from db.services.feedback import RATINGS, FeedbackError, comment_latest, rate_visit
from locales import SUPPORTED_LOCALES, Translator, get_translator

ASK_COMMENT_KEY = "feedback-ask-comment"


class FeedbackRating(CallbackData, prefix="fbk"):
    booking_id: RowId
    rating: int


def rating_keyboard(booking_id: int) -> InlineKeyboardMarkup:
    return keyboard(
        [
            (str(rating), FeedbackRating(booking_id=booking_id, rating=rating).pack())
            for rating in RATINGS
        ]
    )


@cache
def _comment_questions() -> frozenset[str]:
    """The question in every language: a reply to it is a comment."""
    return frozenset(get_translator(locale)(ASK_COMMENT_KEY) for locale in SUPPORTED_LOCALES)


class ReplyToCommentQuestion(Filter):
    """A reply to the bot's "anything to add?" question, in any language."""

    async def __call__(self, message: Message) -> bool:
        question = message.reply_to_message
        return (
            question is not None
            and question.from_user is not None
            and question.from_user.is_bot
            and question.text in _comment_questions()
        )


async def on_rating(
    query: CallbackQuery,
    callback_data: FeedbackRating,
    session: AsyncSession,
    i18n: Translator,
    clock: Clock,
) -> None:
    client = await client_of(session, query.from_user.id)
    try:
        if client is None:
            raise NotYours
        await rate_visit(
            session,
            booking_id=callback_data.booking_id,
            client_id=client.id,
            rating=callback_data.rating,
            now=clock.now(),
        )
    except (BookingError, FeedbackError) as error:
        await query.answer(i18n(error.i18n_key), show_alert=True)
        return
    await query.answer(i18n("feedback-thanks", rating=callback_data.rating))
    await edit_pressed_message(query, text=i18n("feedback-rated", rating=callback_data.rating))
    if isinstance(query.message, Message):
        await query.message.answer(
            i18n(ASK_COMMENT_KEY),
            reply_markup=ForceReply(input_field_placeholder=i18n("feedback-comment-placeholder")),
        )


async def on_comment(message: Message, session: AsyncSession, i18n: Translator) -> None:
    if not message.text:
        await message.answer(i18n("feedback-error-not-text"))
        return
    client = await client_of(session, message.from_user.id) if message.from_user else None
    if client is None:
        await message.answer(i18n("feedback-error-nothing"))
        return
    try:
        await comment_latest(session, client_id=client.id, comment=message.text)
    except FeedbackError as error:
        await message.answer(i18n(error.i18n_key))
        return
    await message.answer(i18n("feedback-comment-saved"))


def create_router() -> Router:
    """A fresh router each call: a router belongs to one dispatcher only."""
    router = Router(name="feedback")
    router.message.filter(PrivateChat())
    router.callback_query.register(on_rating, FeedbackRating.filter())
    router.message.register(on_comment, ReplyToCommentQuestion())
    return router
