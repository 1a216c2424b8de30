"""Times shown to clients: local, in the language's style, and never two alike."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dialogs.common import Formatter

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_time_is_shown_in_the_business_zone_as_the_language_writes_it() -> None:
    instant = datetime(2026, 11, 24, 13, 30, tzinfo=UTC)
    assert Formatter("ru", BERLIN).time(instant) == "14:30"
    assert Formatter("en", BERLIN).time(instant) == "2:30\u202fPM"


def test_the_hour_a_clock_change_repeats_names_its_zone() -> None:
    """On 25 October 2026 Berlin's clocks go back from 03:00 to 02:00: two different
    starts read "02:30", and a client must be able to tell them apart."""
    summer, winter = (datetime(2026, 10, 25, hour, 30, tzinfo=UTC) for hour in (0, 1))
    ru = Formatter("ru", BERLIN)
    assert (ru.time(summer), ru.time(winter)) == ("02:30 CEST", "02:30 CET")
    assert ru.time(datetime(2026, 10, 25, 2, 30, tzinfo=UTC)) == "03:30"  # after it: plain
