"""What stays in the chat: the messages Telegram keeps after the dialogs moved on."""

from __future__ import annotations

import pytest
from aiogram import Dispatcher
from aiogram.methods import DeleteMessage
from aiogram.types import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.factory import create_dispatcher
from bot.handlers.reminders import ReminderAction, ReminderCallback
from bot.middlewares.throttling import ThrottlingMiddleware
from tests.conftest import FrozenClock
from tests.dialogs.conftest import TOKEN, TOMORROW
from tests.dialogs.telegram_chat import ChatView, TelegramChat
from tests.factories import World, book, local, make_client


@pytest.fixture
def live_chat(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, world: World
) -> TelegramChat:
    dp: Dispatcher = create_dispatcher(
        Settings(bot_token=TOKEN, default_locale="en"),
        sessionmaker,
        storage=JsonMemoryStorage(),
        clock=clock,
        throttling=ThrottlingMiddleware(burst=10_000, rate=10_000.0),
    )
    return TelegramChat(dp, ChatView(now=clock.now), user_id=77, language="en")


async def up_to_the_phone_step(chat: TelegramChat, *, started: bool = False) -> None:
    if not started:
        await chat.send("/start")
    for button in ("📅 .*", "Haircut · .*", "Staff 1", "24", "10:00.AM"):
        await chat.tap(button)
    assert chat.reply_keyboard_up  # the share-contact keyboard


def reminder_message(booking_id: int, clock: FrozenClock) -> Message:
    """A reminder in the chat, with its Cancel and Reschedule buttons."""

    def button(text: str, action: ReminderAction) -> InlineKeyboardButton:
        data = ReminderCallback(action=action, booking_id=booking_id).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    return Message(
        message_id=5_000,
        date=clock.now(),
        chat=Chat(id=77, type="private"),
        text="⏰ Reminder",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    button("✖ Cancel", ReminderAction.CANCEL),
                    button("🔁 Reschedule", ReminderAction.RESCHEDULE),
                ]
            ]
        ),
    )


async def test_cancel_on_the_phone_step_takes_the_keyboard_away_without_a_stray_message(
    live_chat: TelegramChat,
) -> None:
    await up_to_the_phone_step(live_chat)

    await live_chat.send("/cancel")

    assert not live_chat.reply_keyboard_up
    assert "..." not in live_chat.texts
    assert "Cancelled. Here is the menu." in live_chat.texts[-1]


async def test_menu_on_the_phone_step_takes_the_keyboard_away_without_a_stray_message(
    live_chat: TelegramChat,
) -> None:
    await up_to_the_phone_step(live_chat)

    await live_chat.press_reply("☰ Menu")

    assert not live_chat.reply_keyboard_up
    assert "..." not in live_chat.texts
    assert "Welcome" in live_chat.texts[-1]


async def another_visit_and_the_phone_step(
    live_chat: TelegramChat, session: AsyncSession, world: World, clock: FrozenClock
) -> int:
    """A client with a visit booked (its reminder's buttons to tap) and no phone yet,
    booking another one up to the phone step; returns the booked visit's id."""
    client = await make_client(session, name="Ivan", telegram_id=77, phone=None, locale="en")
    booking = await book(
        session, world, client_id=client.id, starts_at=local(TOMORROW, "15:00"), now=clock.now()
    )
    await session.commit()
    await up_to_the_phone_step(live_chat)
    return booking.id


async def test_a_reminders_reschedule_on_the_phone_step_takes_the_keyboard_away(
    live_chat: TelegramChat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    """The move's calendar comes as a new message under the reminder; the share-contact
    keyboard goes with the phone prompt, and comes back with it after Back."""
    booking_id = await another_visit_and_the_phone_step(live_chat, session, world, clock)

    await live_chat.tap_message(reminder_message(booking_id, clock), "🔁 .*")

    assert "Choose a day" in live_chat.texts[-1]
    assert not live_chat.reply_keyboard_up
    assert not any("How can we reach you" in text for text in live_chat.texts)
    assert "..." not in live_chat.texts

    await live_chat.tap("‹ Back")  # out of the move: the booking under it, at its phone step
    assert "How can we reach you" in live_chat.texts[-1]
    assert live_chat.reply_keyboard_up


async def test_a_reminders_cancel_on_the_phone_step_leaves_the_step_as_it_is(
    live_chat: TelegramChat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    """Cancelling another visit from its reminder changes only the reminder: the
    client is still at the phone step, so its keyboard stays."""
    booking_id = await another_visit_and_the_phone_step(live_chat, session, world, clock)

    await live_chat.tap_message(reminder_message(booking_id, clock), "✖ .*")

    assert any("How can we reach you" in text for text in live_chat.texts)
    assert live_chat.reply_keyboard_up


@pytest.mark.parametrize("command", ["/start", "/start service_{service_id}"])
async def test_a_start_on_the_phone_step_takes_the_keyboard_away_without_a_stray_message(
    live_chat: TelegramChat, world: World, command: str
) -> None:
    await up_to_the_phone_step(live_chat)

    await live_chat.send(command.format(service_id=world.service_id))

    assert not live_chat.reply_keyboard_up
    assert "..." not in live_chat.texts
    assert not any("How can we reach you" in text for text in live_chat.texts)


async def test_the_booking_confirmation_stays_in_the_chat_after_the_menu_opens(
    live_chat: TelegramChat,
) -> None:
    await up_to_the_phone_step(live_chat)
    await live_chat.send("8 916 123-45-67")
    await live_chat.tap("✅ Confirm")
    assert "You are booked" in live_chat.texts[-1]

    await live_chat.tap("☰ Menu")

    assert any("You are booked" in text for text in live_chat.texts[:-1])
    assert "You are booked" not in live_chat.texts[-1]  # the menu came as a new message


async def test_a_stale_button_on_the_phone_step_keeps_its_message_and_takes_the_keyboard_away(
    live_chat: TelegramChat,
) -> None:
    """The menu comes as a new message; the old message tapped loses its buttons
    only, and the share-contact keyboard goes with the phone prompt."""
    await live_chat.send("/start")
    menu = next(iter(live_chat.telegram.shown.values()))
    await up_to_the_phone_step(live_chat, started=True)

    await live_chat.tap_message(menu.model_copy(update={"message_id": 1_000}), "📅 .*")

    assert not any(
        isinstance(request, DeleteMessage) and request.message_id == 1_000
        for request in live_chat.telegram.requests
    )
    assert "That button is out of date" in live_chat.texts[-1]
    assert not live_chat.reply_keyboard_up


async def test_a_double_tap_on_book_keeps_the_screen_it_opened(live_chat: TelegramChat) -> None:
    """The second delivery of the tap carries the menu's old data: it is a repeat of
    the first, not a stale button, and must not throw the client out."""
    await live_chat.send("/start")
    menu = next(iter(live_chat.telegram.shown.values()))
    await live_chat.tap_message(menu, "📅 .*")
    await live_chat.tap_message(menu, "📅 .*")

    assert "Choose a service" in live_chat.texts[-1]
    assert "out of date" not in " ".join(live_chat.texts)


async def test_a_button_of_an_older_message_is_still_a_stale_one(live_chat: TelegramChat) -> None:
    await live_chat.send("/start")
    menu = next(iter(live_chat.telegram.shown.values()))
    await live_chat.tap_message(menu, "📅 .*")
    await live_chat.send("/start")  # a new menu: the first one is history

    await live_chat.tap_message(menu, "📅 .*")

    assert "That button is out of date" in live_chat.texts[-1]


async def test_a_reminders_reschedule_tapped_twice_opens_one_calendar(
    live_chat: TelegramChat, session: AsyncSession, world: World, clock: FrozenClock
) -> None:
    client = await make_client(session, name="Ivan", telegram_id=77, locale="en")
    booking = await book(
        session, world, client_id=client.id, starts_at=local(TOMORROW, "15:00"), now=clock.now()
    )
    await session.commit()
    await live_chat.send("/start")
    reminder = reminder_message(booking.id, clock)
    await live_chat.tap_message(reminder, "🔁 .*")
    await live_chat.tap_message(reminder, "🔁 .*")  # the same tap, delivered twice

    assert sum("Choose a day" in text for text in live_chat.texts) == 1
    await live_chat.tap("‹ Back")
    assert "Choose a day" not in live_chat.texts[-1]


@pytest.mark.parametrize(
    "buttons",
    [("🌐 .*", "English"), ("📅 .*", "‹ Back"), ("📅 .*", "☰ Menu")],
    ids=["language", "back-out", "menu"],
)
async def test_a_double_tap_on_a_button_that_closes_its_dialog_keeps_the_menu_it_opened(
    live_chat: TelegramChat, buttons: tuple[str, str]
) -> None:
    """Choosing a language, Back out of booking, Menu: the first tap closes the
    dialog and shows the menu in the same message; the second delivery of the tap
    names the closed dialog, and is a repeat of the first, not a stale button."""
    opening, closing = buttons
    await live_chat.send("/start")
    await live_chat.tap(opening)
    screen = list(live_chat.telegram.shown.values())[-1]
    await live_chat.tap_message(screen, closing)
    await live_chat.tap_message(screen, closing)

    assert len(live_chat.texts) == 1  # the one message, showing the menu
    assert "Welcome" in live_chat.texts[-1]
    assert "out of date" not in " ".join(live_chat.texts)


async def test_a_tap_on_the_screen_whose_dialog_was_lost_is_a_stale_one(
    live_chat: TelegramChat,
) -> None:
    """Not taken for a repeated tap: its buttons would then do nothing, forever."""
    await live_chat.send("/start")
    storage = live_chat.client.dp.storage
    for key, record in storage.storage.items():
        if key.destiny.startswith("aiogd:context"):
            record.data = "{}"  # the menu's dialog, lost (an evicted Redis key)

    await live_chat.tap("📅 .*")

    assert "That button is out of date" in live_chat.texts[-1]
    await live_chat.tap("📅 .*")
    assert "Choose a service" in live_chat.texts[-1]
