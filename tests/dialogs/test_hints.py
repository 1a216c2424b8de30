"""Text where a button is expected gets a hint, an unknown command gets help, on every
window of every client dialog, and the hint never shows up on a later screen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram.fsm.state import State
from aiogram_dialog import Dialog
from sqlalchemy.ext.asyncio import AsyncSession

import dialogs
from dialogs.states import AboutSG, BookingSG, LanguageSG, MainMenuSG, MyBookingsSG, MyDataSG
from tests.conftest import FrozenClock
from tests.dialogs.conftest import TOMORROW, Chat
from tests.factories import World, book, local, make_client

HINT = "Пожалуйста, воспользуйтесь кнопками ниже."
HELP = "Я не знаю такой команды."
PHONE_HINT = "Пожалуйста, отправьте номер кнопкой ниже или напишите его."
NAME_HINT = "Пожалуйста, напишите ваше имя."
COMMENT_HINT = "Пожалуйста, напишите комментарий или воспользуйтесь кнопками ниже."
NOTICES = (HINT, HELP, PHONE_HINT, NAME_HINT, COMMENT_HINT)


@dataclass(frozen=True)
class Stop:
    """One window on the tour: how to get there, which window it is, how it reads."""

    go: Callable[[Chat], Awaitable[object]]
    state: State
    marker: str
    # A window that takes typed text (a phone, a name, a comment) has a hint of its
    # own, for what is not text (a photo, a location).
    typed_hint: str | None = None


def tap(pattern: str) -> Callable[[Chat], Awaitable[object]]:
    return lambda chat: chat.tap(pattern)


def send(text: str) -> Callable[[Chat], Awaitable[object]]:
    return lambda chat: chat.send(text)


TOUR = [
    Stop(send("/start"), MainMenuSG.main, "Здравствуйте"),
    Stop(tap("📅 .*"), BookingSG.service, "Выберите услугу"),
    Stop(tap("Haircut · .*"), BookingSG.staff, "К кому вас записать"),
    Stop(tap("Staff 1"), BookingSG.day, "Выберите день"),
    Stop(tap("25"), BookingSG.time, "Выберите время"),
    Stop(tap("10:00"), BookingSG.phone, "Как с вами связаться", typed_hint=PHONE_HINT),
    Stop(send("+79161234567"), BookingSG.name, "Как вас зовут", typed_hint=NAME_HINT),
    Stop(send("Ivan"), BookingSG.confirm, "Проверьте"),
    Stop(tap("💬 .*"), BookingSG.comment, "Напишите комментарий", typed_hint=COMMENT_HINT),
    Stop(tap("Без комментария"), BookingSG.confirm, "Проверьте"),
    Stop(tap("✅ .*"), BookingSG.done, "Вы записаны"),
    Stop(tap("🗂 .*"), MyBookingsSG.upcoming, "предстоящая запись"),
    Stop(tap(".*Haircut"), MyBookingsSG.detail, "Статус"),
    Stop(tap("✖️ .*"), MyBookingsSG.cancel_confirm, "Отменить запись"),
    Stop(tap("Нет, оставить"), MyBookingsSG.detail, "Статус"),
    Stop(tap("‹ Назад"), MyBookingsSG.upcoming, "предстоящая запись"),
    Stop(tap("🕘 .*"), MyBookingsSG.past, "Ваши прошлые визиты"),
    Stop(tap("‹ Назад"), MyBookingsSG.upcoming, "предстоящая запись"),
    Stop(tap("☰ .*"), MainMenuSG.main, "Здравствуйте"),
    Stop(tap("ℹ️ .*"), AboutSG.main, "Часы работы"),
    Stop(tap("☰ .*"), MainMenuSG.main, "Здравствуйте"),
    Stop(tap("🌐 .*"), LanguageSG.main, "Выберите язык"),
    Stop(tap("☰ .*"), MainMenuSG.main, "Здравствуйте"),
    Stop(tap("🔒 .*"), MyDataSG.main, "Вот что мы храним"),
    Stop(tap("🗑 .*"), MyDataSG.erase_confirm, "Это нельзя отменить"),
    Stop(tap("Нет, оставить"), MyDataSG.main, "Вот что мы храним"),
    Stop(tap("🗑 .*"), MyDataSG.erase_confirm, "Это нельзя отменить"),
    Stop(tap("Да, удалить"), MyDataSG.erased, "Ваши данные удалены"),
]


def every_window() -> set[State]:
    return {
        state
        for router in dialogs.routers()
        if isinstance(router, Dialog)
        for state in router.states()
    }


def test_the_tour_visits_every_window_of_every_dialog() -> None:
    """A new window must join the tour below, and so cannot be left without a hint."""
    assert {stop.state for stop in TOUR} == every_window()


async def test_every_window_answers_stray_text_and_unknown_commands(
    chat: Chat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    client = await make_client(session, name=None, telegram_id=chat.user_id, phone=None)
    past = local(TOMORROW, "10:00")
    await book(session, world, client_id=client.id, starts_at=past, now=clock.now())
    await session.commit()
    clock.set(local(TOMORROW, "12:00"))  # the booking made above is now a past visit

    for stop in TOUR:
        await stop.go(chat)
        where = f"{stop.state.state}: {chat.text!r}"
        assert stop.marker in chat.text, where
        assert not any(notice in chat.text for notice in NOTICES), f"a notice leaked to {where}"
        if stop.typed_hint is None:
            await chat.send("hello")
            assert chat.text.startswith(HINT) and stop.marker in chat.text, where
        else:
            await chat.send_location()
            assert chat.text.startswith(stop.typed_hint) and stop.marker in chat.text, where
        await chat.send("/foo")
        assert chat.text.startswith(HELP) and stop.marker in chat.text, where
