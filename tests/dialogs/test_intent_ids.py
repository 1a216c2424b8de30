"""Dialog ids never repeat, however many dialogs open in one second."""

from __future__ import annotations

from aiogram_dialog.api.entities import stack

from dialogs import intent_ids
from dialogs.intent_ids import IncreasingIds


def test_ids_opened_in_one_instant_are_all_different() -> None:
    ids = IncreasingIds(clock=lambda: 1_790_000_000.0)  # the clock stands still
    made = [stack.id_to_str(ids()) for _ in range(10_000)]
    assert len(set(made)) == len(made)
    assert max(len(text) for text in made) <= 7


def test_ids_follow_the_clock_and_never_go_back() -> None:
    now = [1_790_000_000.0]
    ids = IncreasingIds(clock=lambda: now[0])
    first = ids()
    now[0] -= 5  # the clock was set back
    assert ids() == first + 1
    now[0] += 60
    assert ids() == int(now[0] * 100) % 62**7


def test_the_library_uses_them_once_installed() -> None:
    intent_ids.install()
    intent_ids.install()  # twice: still one counter
    assert isinstance(stack.new_int_id, IncreasingIds)
    made = {stack.new_id() for _ in range(1_000)}
    assert len(made) == 1_000
