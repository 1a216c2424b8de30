"""A compact month calendar where only days with a free slot can be tapped.

aiogram-dialog's own Calendar offers every day; a booking calendar must not
invite taps that lead nowhere, so this grid renders what the getter found free.
"""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardButton
from aiogram_dialog.api.internal import RawKeyboard
from aiogram_dialog.api.protocols import DialogManager, DialogProtocol
from aiogram_dialog.widgets.kbd import Keyboard
from aiogram_dialog.widgets.widget_event import WidgetEventProcessor, ensure_event_processor

# Getter keys the grid reads.
GRID_MONTH = "grid_month"  # ISO first day of the month shown
GRID_TITLE = "grid_title"  # the month's name in the client's language
GRID_WEEKDAYS = "grid_weekdays"  # seven names, Monday first
GRID_FREE = "grid_free"  # ISO dates that can be tapped
GRID_PREV = "grid_prev"  # ISO first day of the previous month, or None
GRID_NEXT = "grid_next"

NOOP = "-"
MONTH_PREFIX = "m"
BLANK = " "
UNAVAILABLE = "·"


class MonthGrid(Keyboard):
    """Calls `on_day(callback, grid, manager, day)` or `on_month(..., first_of_month)`."""

    def __init__(
        self,
        id: str,
        on_day: Callable[..., Awaitable[Any]] | WidgetEventProcessor,
        on_month: Callable[..., Awaitable[Any]] | WidgetEventProcessor,
    ) -> None:
        super().__init__(id=id)
        self.on_day = ensure_event_processor(on_day)
        self.on_month = ensure_event_processor(on_month)

    def _button(self, text: str, data: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=self._item_callback_data(data))

    async def _render_keyboard(self, data: dict, manager: DialogManager) -> RawKeyboard:
        month = date.fromisoformat(data[GRID_MONTH])
        free = set(data[GRID_FREE])
        prev_month, next_month = data[GRID_PREV], data[GRID_NEXT]
        rows: RawKeyboard = [
            [
                self._button("‹", f"{MONTH_PREFIX}{prev_month}" if prev_month else NOOP),
                self._button(data[GRID_TITLE], NOOP),
                self._button("›", f"{MONTH_PREFIX}{next_month}" if next_month else NOOP),
            ],
            [self._button(name, NOOP) for name in data[GRID_WEEKDAYS]],
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
            rows.append(
                [
                    self._button(str(day.day), day.isoformat())
                    if day.isoformat() in free and day.month == month.month
                    else self._button(BLANK if day.month != month.month else UNAVAILABLE, NOOP)
                    for day in week
                ]
            )
        return rows

    async def _process_item_callback(
        self, callback: CallbackQuery, data: str, dialog: DialogProtocol, manager: DialogManager
    ) -> bool:
        if data == NOOP:
            return True
        target = data.removeprefix(MONTH_PREFIX)
        try:
            day = date.fromisoformat(target)
        except ValueError:
            return False  # forged: the fallback answers it
        if data.startswith(MONTH_PREFIX):
            await self.on_month.process_event(callback, self, manager, day.replace(day=1))
        else:
            await self.on_day.process_event(callback, self, manager, day)
        return True
