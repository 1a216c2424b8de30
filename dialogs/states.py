"""Every client dialog's states, in one place.

Renaming a group or a state breaks stacks that Redis still holds (aiogram-dialog
then raises UnknownState, which `dialogs.errors` turns into "back to the menu"),
so rename only with that in mind.
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class MainMenuSG(StatesGroup):
    main = State()


class BookingSG(StatesGroup):
    service = State()
    staff = State()
    day = State()
    time = State()
    phone = State()
    name = State()
    comment = State()
    confirm = State()
    done = State()


class MyBookingsSG(StatesGroup):
    upcoming = State()
    detail = State()
    cancel_confirm = State()
    past = State()


class AboutSG(StatesGroup):
    main = State()


class LanguageSG(StatesGroup):
    main = State()


class MyDataSG(StatesGroup):
    main = State()
    erase_confirm = State()
    erased = State()
