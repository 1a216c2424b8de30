"""Dialog ids that never repeat within the process.

aiogram-dialog 2.6 makes an intent id from the current second plus one of 100
random numbers, so two dialogs opened in the same second share an id one time
in a hundred. The second then overwrites the first's context: a client who
opens "My bookings" and taps "Reschedule" within a second has a 1% chance that
"Back" lands on "this button is outdated" (it made a test fail about once in
fifteen runs). Upstream: Tishka17/aiogram_dialog#501, not released.

Ids here count centiseconds and never go back, so they are unique within the
process and, unless it made more than 100 a second for a long time, after a
restart too (Redis keeps contexts across restarts). Seven base-62 characters:
callback data stays well under Telegram's 64 bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiogram_dialog.api.entities import stack

_WRAP = 62**7  # ids stay at most seven characters


class IncreasingIds:
    """Integer ids from the clock in centiseconds, one more than the last when the
    clock has not moved on."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.last = 0

    def __call__(self) -> int:
        self.last = max(self.last + 1, int(self.clock() * 100))
        return self.last % _WRAP


def install() -> None:
    """Make aiogram-dialog take its stack and intent ids from `IncreasingIds`.

    `stack.new_id()` looks `new_int_id` up at each call, so replacing it covers
    every id the library makes. Installing twice keeps the first counter.
    """
    if not isinstance(stack.new_int_id, IncreasingIds):
        stack.new_int_id = IncreasingIds()
