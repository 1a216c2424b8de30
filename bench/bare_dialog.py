"""The baseline: a bare four-window aiogram-dialog booking flow, no database.

Service (10) → day (14) → time (16) → confirm, the same shape as the real flow
with nothing of ours in it, so "real / bare" tells what the project adds per
update on the same storage and the same stub Telegram.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.filters import CommandStart
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, StartMode, Window, setup_dialogs
from aiogram_dialog.widgets.kbd import Back, Button, Column, Group, Select
from aiogram_dialog.widgets.text import Const, Format

from bench.simulated_user import SimulatedUser

SERVICES = [(index, f"Service {index}") for index in range(1, 11)]
DAYS = [f"2026-12-{day:02d}" for day in range(1, 15)]
TIMES = [f"{hour:02d}:{minute:02d}" for hour in range(10, 18) for minute in (0, 30)]


class BareSG(StatesGroup):
    service = State()
    day = State()
    time = State()
    confirm = State()


async def _choices(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    chosen = dialog_manager.dialog_data
    return {"services": SERVICES, "days": DAYS, "times": TIMES, **chosen}


def _remember(key: str):
    async def on_click(_: CallbackQuery, __: Any, manager: DialogManager, item_id: str) -> None:
        manager.dialog_data[key] = item_id
        await manager.next()

    return on_click


async def _confirm(callback: CallbackQuery, _: Button, manager: DialogManager) -> None:
    await callback.message.answer("Booked")
    await manager.done()


def _dialog() -> Dialog:
    return Dialog(
        Window(
            Const("Pick a service"),
            Column(
                Select(
                    Format("{item[1]}"),
                    id="service",
                    items="services",
                    item_id_getter=itemgetter(0),
                    on_click=_remember("service"),
                )
            ),
            state=BareSG.service,
        ),
        Window(
            Const("Pick a day"),
            Group(
                Select(
                    Format("{item}"),
                    id="day",
                    items="days",
                    item_id_getter=str,
                    on_click=_remember("day"),
                ),
                width=7,
            ),
            Back(Const("Back")),
            state=BareSG.day,
        ),
        Window(
            Const("Pick a time"),
            Group(
                Select(
                    Format("{item}"),
                    id="time",
                    items="times",
                    item_id_getter=str,
                    on_click=_remember("time"),
                ),
                width=4,
            ),
            Back(Const("Back")),
            state=BareSG.time,
        ),
        Window(
            Format("Service {service}, {day} at {time}. Confirm?"),
            Button(Const("Confirm"), id="confirm", on_click=_confirm),
            Back(Const("Back")),
            state=BareSG.confirm,
        ),
        getter=_choices,
    )


def bare_dispatcher(storage: BaseStorage) -> Dispatcher:
    """A fresh dispatcher (dialogs are routers and can belong to one parent only)."""
    router = Router()

    @router.message(CommandStart())
    async def start(_: Message, dialog_manager: DialogManager) -> None:
        await dialog_manager.start(BareSG.service, mode=StartMode.RESET_STACK)

    dp = Dispatcher(storage=storage)
    dp.include_routers(router, _dialog())
    setup_dialogs(dp)
    return dp


async def bare_flow(user: SimulatedUser) -> None:
    """/start, then one press per window: five updates."""
    await user.send("/start")
    await user.click(data="service:.+")
    await user.click(data="day:.+")
    await user.click(data="time:.+")
    await user.click(data="confirm")
