"""Pieces every client dialog shares: translated text, navigation, formatting.

Handlers and getters reach the per-update objects through
`manager.middleware_data` (session, i18n, settings, clock); these helpers keep
that lookup in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast
from zoneinfo import ZoneInfo

from aiogram.fsm.state import State
from aiogram.types import ErrorEvent, Message, Update, User
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Start
from aiogram_dialog.widgets.text import Text
from babel import Locale
from babel.dates import format_date, format_time, get_day_names
from babel.numbers import format_decimal, get_currency_symbol
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from db.clock import Clock
from db.models import MAX_ID, Client
from db.services.catalog import business_profile
from db.services.clients import get_or_create_client
from db.services.errors import BookingError, MoveServiceOff, MoveStaffOff, PastCancelDeadline
from dialogs.states import MainMenuSG
from locales import SUPPORTED_LOCALES, Translator

NOTICE = "notice"
# Refusals only the business can help with: their text also gives its phone.
CALL_US = (PastCancelDeadline, MoveServiceOff, MoveStaffOff)
HISTORY = "history"

_FLUENT_SCALARS = (str, int, float, Decimal)
# Stands in for an empty value while a text is put together, so that a line made of
# nothing but an empty value (no address, no contacts) can be told from a blank
# line the translator wrote, and dropped.
_EMPTY = "\x00"


class I18nText(Text):
    """A string from locales/; its Fluent arguments are the window's scalar data.

    A line holding only a value that is empty is left out: Fluent cannot drop it.
    """

    def __init__(self, key: str, when: WhenCondition = None) -> None:
        super().__init__(when=when)
        self.key = key

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        args = {
            name: (value or _EMPTY) if isinstance(value, str) else value
            for name, value in data.items()
            if isinstance(value, _FLUENT_SCALARS) and not isinstance(value, bool)
        }
        text = translator(manager)(self.key, **args)
        if _EMPTY not in text:
            return text
        lines = (line for line in text.split("\n") if line != _EMPTY)
        return "\n".join(lines).replace(_EMPTY, "")


class Notice(Text):
    """A one-off line above a window ("that time was just taken"), shown by the
    update that set it and gone from the next one.

    Within the update it may be rendered more than once: a dialog that ends in the
    same tap that opened it (Book refused at the limit) shows the window under it,
    and aiogram-dialog, seeing that window's context as it was before the tap,
    shows it once more.
    """

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        notice = manager.dialog_data.get(NOTICE)
        if notice is None:
            return ""
        if isinstance(notice, list) and notice[1:] == [incoming_update(manager).update_id]:
            return str(notice[0])
        del manager.dialog_data[NOTICE]  # an earlier update's, shown then
        return ""


def set_notice(manager: DialogManager, text: str) -> None:
    manager.dialog_data[NOTICE] = [text, incoming_update(manager).update_id]


def incoming_update(manager: DialogManager) -> Update:
    """The update in hand; error handlers (a stale button's) get it with the error."""
    if isinstance(manager.event, ErrorEvent):
        return manager.event.update
    return cast(Update, manager.middleware_data["event_update"])


async def show_start_notice(start_data: object, manager: DialogManager) -> None:
    """A notice passed by whoever opened the dialog ("that button is outdated")."""
    if isinstance(start_data, dict) and isinstance(start_data.get(NOTICE), str):
        set_notice(manager, start_data[NOTICE])


async def show_result_notice(start_data: object, result: object, manager: DialogManager) -> None:
    """A notice a finished sub-dialog handed back ("language changed", "you are at
    the limit of bookings")."""
    await show_start_notice(result, manager)


def opened_over_another(manager: DialogManager) -> bool:
    """Whether a dialog lies under this one, for `done` to return to. A dialog
    opened on its own (a reminder's button after a restart) has none."""
    return len(manager.current_stack().intents) > 1


async def done_with_notice(manager: DialogManager, notice: str) -> None:
    """Leave this dialog for the one it was opened from, which shows `notice`."""
    await manager.done(result={NOTICE: notice})


def translator(manager: DialogManager) -> Translator:
    return cast(Translator, manager.middleware_data["i18n"])


def db_session(manager: DialogManager) -> AsyncSession:
    return cast(AsyncSession, manager.middleware_data["session"])


def settings_of(manager: DialogManager) -> Settings:
    return cast(Settings, manager.middleware_data["settings"])


def now(manager: DialogManager) -> datetime:
    return cast(Clock, manager.middleware_data["clock"]).now()


def telegram_user(manager: DialogManager) -> User:
    return cast(User, manager.middleware_data["event_from_user"])


async def current_client(manager: DialogManager) -> Client:
    """The client behind this update, created on first contact."""
    user = telegram_user(manager)
    return await get_or_create_client(
        db_session(manager),
        telegram_id=user.id,
        name=user.full_name,
        language=user.language_code,
    )


def parse_id(raw: str | int | None) -> int | None:
    """An id a row can have (1 … `MAX_ID`) from callback data or dialog data, or None
    if forged or missing."""
    if isinstance(raw, str) and raw.isdigit() and len(raw) < 12:
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 < raw <= MAX_ID else None
    return None


# --- step navigation ----------------------------------------------------------------


async def go_to(manager: DialogManager, state: State) -> None:
    """Move forward, remembering where we came from (skipped steps are not remembered)."""
    history: list[str] = manager.dialog_data.setdefault(HISTORY, [])
    history.append(cast(str, manager.current_context().state.state))
    await manager.switch_to(state)


async def go_back(manager: DialogManager) -> None:
    """Back to the step before, or out of the dialog from its first step."""
    history: list[str] = manager.dialog_data.get(HISTORY, [])
    if not history:
        await manager.done()
        return
    previous = history.pop()
    await manager.switch_to(_state_named(manager, previous))


async def rewind_to(manager: DialogManager, state: State) -> None:
    """Go back to an earlier step, forgetting the steps after it."""
    history: list[str] = manager.dialog_data.get(HISTORY, [])
    if state.state in history:
        del history[history.index(cast(str, state.state)) :]
    await manager.switch_to(state)


def _state_named(manager: DialogManager, name: str) -> State:
    for state in manager.dialog().states():
        if state.state == name:
            return state
    raise LookupError(name)


def menu_button(show_mode: ShowMode | None = None) -> Start:
    return Start(
        I18nText("button-menu"),
        id="to_menu",
        state=MainMenuSG.main,
        mode=StartMode.RESET_STACK,
        show_mode=show_mode,
    )


# --- formatting in the client's language and the business's zone ---------------------


# Babel formats a value in 30-60 µs, and screens show the same few values again and
# again (a time grid is up to 40 times, each seen by every client): remember them.
_REMEMBERED = 4096


@lru_cache(maxsize=_REMEMBERED)
def _format_date(day: date, pattern: str, locale: str) -> str:
    return format_date(day, pattern, locale=locale)


@lru_cache(maxsize=_REMEMBERED)
def _format_clock(wall: time, locale: str) -> str:
    return format_time(wall, "short", locale=locale)


def _currency_symbol(currency: str, locale: str) -> str:
    """The locale's symbol for the currency. Where the locale knows only the ISO code
    (English CLDR writes rubles "RUB1,500"), the symbol of another language the bot
    speaks: "₽1,500" reads naturally, as "€1,500" does."""
    for candidate in (locale, *SUPPORTED_LOCALES):
        symbol = get_currency_symbol(currency, candidate)
        if symbol != currency:
            return symbol
    return currency


@lru_cache(maxsize=_REMEMBERED)
def _format_price(amount: Decimal, currency: str, locale: str) -> str:
    """The locale's currency format, without kopecks/cents when there are none."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    if amount == amount.to_integral_value():
        pattern = pattern.replace(".00", "")
    pattern = pattern.replace("¤", f"'{_currency_symbol(currency, locale)}'")
    return format_decimal(amount, format=pattern, locale=locale)


@dataclass(frozen=True)
class Formatter:
    locale: str
    zone: ZoneInfo

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def day(self, day: date) -> str:
        """ "Tuesday, 24 November"."""
        return _format_date(day, "EEEE, d MMMM", self.locale)

    def day_of_year(self, day: date) -> str:
        """ "24 November 2025": for a day that may be in another year."""
        return _format_date(day, "d MMMM y", self.locale)

    def day_short(self, day: date) -> str:
        """ "Tue, 24 Nov"."""
        return _format_date(day, "EEE, d MMM", self.locale)

    def month(self, day: date) -> str:
        return _format_date(day, "LLLL y", self.locale).capitalize()

    def time(self, instant: datetime) -> str:
        """The local time; in the hour a clock change repeats, with its zone
        ("02:30 CEST", then "02:30 CET"), as the two are different times."""
        local = self.local(instant)
        text = _format_clock(local.time(), self.locale)
        if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
            text += f" {local.tzname()}"
        return text

    def clock_time(self, wall: time) -> str:
        """A local wall-clock time (opening hours), as the language writes it."""
        return _format_clock(wall, self.locale)

    def when(self, instant: datetime) -> str:
        """The local date and time of an instant: "Tuesday, 24 November, 14:30"."""
        return f"{self.day(self.local(instant).date())}, {self.time(instant)}"

    def when_short(self, instant: datetime) -> str:
        return f"{self.day_short(self.local(instant).date())}, {self.time(instant)}"

    def weekday_names(self) -> list[str]:
        """Monday first, two letters: the calendar's header row."""
        names = get_day_names("short", locale=self.locale)
        return [names[weekday] for weekday in range(7)]

    def price(self, amount: Decimal, currency: str) -> str:
        return _format_price(amount, currency, self.locale)


def formatter(manager: DialogManager) -> Formatter:
    return Formatter(locale=translator(manager).locale, zone=settings_of(manager).zone)


@lru_cache(maxsize=_REMEMBERED)
def duration_text(i18n: Translator, minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return i18n("duration", hours=hours, minutes=rest)


def unexpected_input(hint: str = "hint-use-buttons") -> MessageInput:
    """Anything typed or sent that the window does not expect: the `hint` (a key in
    locales/), or help for a command, and the window again. A window that takes
    typed text passes a hint of its own: a photo there is not answered "use the
    buttons".

    Put it last in a window, after the inputs the window does expect.
    """

    async def answer(message: Message, widget: MessageInput, manager: DialogManager) -> None:
        is_command = (message.text or "").startswith("/")
        set_notice(manager, translator(manager)("unknown-command" if is_command else hint))
        manager.show_mode = ShowMode.SEND

    return MessageInput(answer)


async def refusal_text(manager: DialogManager, error: BookingError) -> str:
    """The booking service's refusal in the client's words; one that only the business
    can help with (`CALL_US`) also says how to reach it."""
    i18n = translator(manager)
    text = i18n(error.i18n_key)
    if isinstance(error, CALL_US):
        business = await business_profile(db_session(manager))
        if business.phone:
            text = f"{text}\n{i18n('booking-call-us', phone=business.phone)}"
    return text


def optional_lines(i18n: Translator, *lines: tuple[str, str | None]) -> str:
    """ "Address: …", "Comment: …" for the values that are set, one per line.

    Fluent cannot drop a line whose value is empty, so the window gets the block
    (and `I18nText` drops its line when no value is set).
    """
    return "\n".join(i18n(key, value=value) for key, value in lines if value)
