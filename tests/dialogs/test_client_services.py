"""The services under the client's chat: client data and the calendar file."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncSession

from db.services.booking import booking_details
from db.services.catalog import business_profile
from db.services.clients import (
    ClientGone,
    InvalidName,
    InvalidPhone,
    NotOwnContact,
    erase_client,
    export_client_data,
    get_or_create_client,
    normalize_phone,
    phone_region,
    set_name,
    set_shared_phone,
)
from db.services.ics import booking_ics
from tests.conftest import FrozenClock
from tests.dialogs.conftest import ADDRESS, TOMORROW
from tests.factories import World, book, local, make_world


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("8 916 123-45-67", "RU", "+79161234567"),
        ("+7 (916) 123 45 67", "RU", "+79161234567"),
        ("9161234567", "RU", "+79161234567"),
        ("(212) 555-0123", "US", "+12125550123"),
        ("+44 20 7946 0958", "RU", "+442079460958"),
        ("тел. 8 916 123-45-67", "RU", "+79161234567"),  # a label before the number
        ("tel:+79161234567", "RU", "+79161234567"),
    ],
)
def test_typed_numbers_are_normalized_to_e164(raw: str, region: str, expected: str) -> None:
    assert normalize_phone(raw, region=region) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "call me",
        "+7 916",
        "1" * 40,
        "+7 916 ABC-45-67",  # keypad letters: not what the client meant to type
        "+79161234567 доб. 12",  # an extension the E.164 number would drop
        "+1 212 555 0123 ext. 7",
    ],
)
def test_what_is_not_a_number_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(raw, region="RU")


def test_the_default_region_is_the_business_zones_country() -> None:
    assert phone_region("Europe/Moscow") == "RU"
    assert phone_region("America/New_York") == "US"
    assert phone_region("Etc/UTC") == "RU"


async def test_a_new_client_takes_the_telegram_name_and_language(session: AsyncSession) -> None:
    client = await get_or_create_client(session, telegram_id=5, name=" Anna K ", language="en-GB")
    again = await get_or_create_client(session, telegram_id=5, name="Other", language="ru")
    assert again.id == client.id
    assert (client.name, client.locale) == ("Anna K", "en")
    unsupported = await get_or_create_client(session, telegram_id=6, name="X", language="de")
    assert unsupported.locale is None  # the bot's default language applies


async def test_only_the_senders_own_contact_is_stored(session: AsyncSession) -> None:
    client = await get_or_create_client(session, telegram_id=7, name="A", language=None)
    with pytest.raises(NotOwnContact):
        await set_shared_phone(
            session, client, "79160000000", owner_id=8, sender_id=7, timezone="Europe/Moscow"
        )
    assert client.phone is None
    stored = await set_shared_phone(
        session, client, "447946095800", owner_id=7, sender_id=7, timezone="Europe/Moscow"
    )
    assert stored == "+447946095800"


async def test_names_are_trimmed_and_checked(session: AsyncSession) -> None:
    client = await get_or_create_client(session, telegram_id=9, name=None, language=None)
    assert await set_name(session, client, "  Ivan   Petrov ") == "Ivan Petrov"
    for bad in ("", "   ", "/start", "x" * 101):
        with pytest.raises(InvalidName):
            await set_name(session, client, bad)


# Telegram's "invisible name" trick and its kin: fillers Unicode counts as letters
# (U+3164, U+115F, U+1160, U+FFA0), the braille blank, zero-width characters.
BLANK_LOOKING = [
    "\u3164",
    "\u2800",
    "\u200b",
    "\u115f\u1160",
    "\uffa0",
    " \u3164 \u200b\u2800 ",
    "\u200d\ufeff\u2060",
]


@pytest.mark.parametrize("blank", BLANK_LOOKING, ids=ascii)
async def test_a_name_that_shows_nothing_is_no_name(session: AsyncSession, blank: str) -> None:
    client = await get_or_create_client(session, telegram_id=11, name=blank, language=None)
    assert client.name is None  # so the booking asks for one
    with pytest.raises(InvalidName):
        await set_name(session, client, blank)
    assert client.name is None


async def test_characters_that_show_nothing_are_trimmed_from_a_name(session: AsyncSession) -> None:
    client = await get_or_create_client(
        session, telegram_id=12, name="\u3164Anna\u200b \u2800", language=None
    )
    assert client.name == "Anna"
    assert await set_name(session, client, "\u200b Иван Петров\u3164") == "Иван Петров"
    assert await set_name(session, client, "\u2800007") == "007"  # a digit is enough
    assert await set_name(session, client, "Jose\u0301") == "Jose\u0301"  # a mark stays
    with pytest.raises(InvalidName):
        await set_name(session, client, "\u200b/start")


async def test_erasing_keeps_past_visits_and_cancels_upcoming_ones(
    session: AsyncSession, clock: FrozenClock
) -> None:
    world: World = await make_world(session)
    past = await book(session, world, starts_at=local(TOMORROW, "10:00"), now=clock.now())
    later = await book(
        session, world, starts_at=local(TOMORROW.replace(day=27), "10:00"), now=clock.now()
    )
    # Within the client's cancel deadline of the later visit too: erasure still cancels.
    clock.set(local(TOMORROW.replace(day=27), "09:00"))
    data = await export_client_data(session, client_id=world.client_id, now=clock.now())
    assert (data.name, data.bookings_total, data.bookings_upcoming) == ("Ivan", 2, 1)

    assert await erase_client(session, client_id=world.client_id, now=clock.now()) == 1
    assert past.status == "confirmed" and later.status == "cancelled"
    with pytest.raises(ClientGone):
        await export_client_data(session, client_id=world.client_id, now=clock.now())
    with pytest.raises(ClientGone):
        await erase_client(session, client_id=world.client_id, now=clock.now())


async def test_the_calendar_file_has_the_visit_in_utc(
    session: AsyncSession, clock: FrozenClock
) -> None:
    world = await make_world(session, address=ADDRESS)
    booking = await book(session, world, starts_at=local(TOMORROW, "10:00"), now=clock.now())
    view = await booking_details(session, booking.id)
    business = await business_profile(session)
    ics = booking_ics(view, business, summary="Visit to Zapis", now=clock.now())

    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert event.decoded("dtstart") == local(TOMORROW, "10:00")
    assert event.decoded("dtend") == local(TOMORROW, "11:00")
    assert str(event["summary"]) == "Visit to Zapis"
    assert str(event["location"]) == ADDRESS
    assert str(event["uid"]) == f"booking-{booking.id}@zapis"
