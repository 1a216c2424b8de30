"""The client's dialogs, one package per flow, wired in one place.

`setup(router)` includes the stale-button error handler, every dialog, and the
fallback for what nothing else took. The fallback must come after every other
message router, so `bot.factory` calls this after including the plain routers.
"""

from __future__ import annotations

from aiogram import Router

from dialogs import errors, fallback, intent_ids
from dialogs.about import about_dialog
from dialogs.booking import booking_dialog
from dialogs.language import language_dialog
from dialogs.main_menu import main_menu_dialog
from dialogs.my_bookings import my_bookings_dialog
from dialogs.my_data import my_data_dialog


def routers() -> list[Router]:
    """Fresh routers: each belongs to one dispatcher, and tests build many."""
    return [
        errors.create_router(),
        main_menu_dialog(),
        booking_dialog(),
        my_bookings_dialog(),
        about_dialog(),
        language_dialog(),
        my_data_dialog(),
        fallback.create_router(),
    ]


def setup(router: Router) -> None:
    intent_ids.install()
    router.include_routers(*routers())
