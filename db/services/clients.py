"""Clients: who they are, how to reach them, and erasing them on request.

Nothing here knows Telegram: a shared contact arrives as its phone plus the ids
of its owner and its sender, so the "only your own contact" rule is tested here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from babel.core import get_global
from sqlalchemy import bindparam, event, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from db.models import Booking, Client
from db.services.booking import Actor, cancel_booking, upcoming_bookings
from db.services.client_cache import cached_client
from locales import pick_locale

NAME_MAX_LENGTH = 100
FALLBACK_REGION = "RU"
# The cancel reason of visits an erasure cancels: a code, not a text, that staff see
# in their own language (scheduler/render.py). The words earlier versions stored,
# so visits cancelled before read the same.
ERASED_CANCEL_REASON = "client data erased"

# Characters that show nothing although Unicode counts some of them as letters: the
# Hangul fillers and the braille blank of Telegram's "invisible name" trick, and
# marks that join or shape nothing on their own.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
# Tag characters are format characters too, but they end a flag emoji (🏴 + tags).
_TAGS = range(0xE0000, 0xE0080)


class ClientDataError(Exception):
    """Input about a client the rules refuse; shown as `client-error-<code>`."""

    code: str = "generic"

    @property
    def i18n_key(self) -> str:
        return f"client-error-{self.code}"


class InvalidPhone(ClientDataError):
    code = "phone-invalid"


class NotOwnContact(ClientDataError):
    code = "contact-not-own"


class InvalidName(ClientDataError):
    code = "name-invalid"


class ClientGone(ClientDataError):
    """The client row is missing or already erased."""

    code = "gone"


@dataclass(frozen=True)
class ClientData:
    """Everything the business stores about one client, for a privacy export."""

    telegram_id: int | None
    name: str | None
    phone: str | None
    locale: str | None
    created_at: datetime
    bookings_total: int
    bookings_upcoming: int


def phone_region(timezone: str) -> str:
    """The country of the business's time zone: typed local numbers belong there."""
    territory = get_global("zone_territories").get(timezone)
    return territory if territory in phonenumbers.SUPPORTED_REGIONS else FALLBACK_REGION


def normalize_phone(raw: str, *, region: str, verified: bool = False) -> str:
    """The number in E.164 (+79161234567), or `InvalidPhone`.

    A label before the number ("тел.", "tel:") is dropped. Letters after its
    first digit are refused: phonenumbers would read them as keypad digits
    ("ABC" is 222) or as an extension ("ext. 12", dropped from E.164), and the
    business would call a number the client never wrote.

    A `verified` number (the user's own, as Telegram shares it) is taken whenever
    it reads as a number: phonenumbers does not know every range Telegram gives
    out, such as the anonymous +888 numbers.
    """
    text = raw.strip()
    start = next((i for i, c in enumerate(text) if c.isdigit() or c == "+"), len(text))
    text = text[start:]
    if not text or len(text) > 32 or any(character.isalpha() for character in text):
        raise InvalidPhone
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone from None
    if not (verified or phonenumbers.is_valid_number(number)):
        raise InvalidPhone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _shows_nothing(character: str) -> bool:
    """Whitespace, a control or format character (zero-width space, joiners,
    direction marks) or a filler."""
    if character.isspace() or character in _BLANK_LOOKING:
        return True
    return unicodedata.category(character) in ("Cc", "Cf") and ord(character) not in _TAGS


def visible_name(raw: str | None) -> str | None:
    """The name as people will see it, or None when it shows none.

    Runs of whitespace become one space and characters that show nothing are
    trimmed at both ends. A name must hold a letter or a digit (a filler does not
    count): one made of blanks, fillers and zero-width characters only is no name.
    """
    text = " ".join((raw or "").split())
    start, end = 0, len(text)
    while start < end and _shows_nothing(text[start]):
        start += 1
    while end > start and _shows_nothing(text[end - 1]):
        end -= 1
    name = text[start:end]
    if not any(
        unicodedata.category(character)[0] in "LN" and character not in _BLANK_LOOKING
        for character in name
    ):
        return None
    return name


_KNOWN_CLIENTS = "zapis.clients_by_telegram_id"  # in `Session.info`: this update's lookups


async def get_client(session: AsyncSession, telegram_id: int) -> Client | None:
    """The client of a Telegram user: from the client cache
    (db/services/client_cache.py) when it knows the user, else read.

    A dialog update asks in its handler and again in its getter, and the cache
    forgets a client this session has just changed; the identity map cannot
    answer (the lookup is not by primary key), so the row is also remembered for
    the session, and "no client" for the transaction (a new user's language is
    looked up before `get_or_create_client` asks). A remembered row no longer
    carrying the id (erased meanwhile) is not trusted.
    """
    known = _known_clients(session)
    client = known.get(telegram_id, _NOT_ASKED)
    if client is None:
        return None  # asked before in this session: no such client yet
    # The loaded state only: an expired row (after a rollback) must not lazy-load here.
    if client is not _NOT_ASKED and inspect(client).dict.get("telegram_id") == telegram_id:
        return client
    client = await cached_client(
        session,
        telegram_id,
        lambda: session.scalar(_BY_TELEGRAM_ID, {"telegram_id": telegram_id}),
    )
    known[telegram_id] = client
    return client


# Built once: finding the cached SQL of a statement built per call costs more than
# running it (this one runs on most taps).
_BY_TELEGRAM_ID = select(Client).where(Client.telegram_id == bindparam("telegram_id"))


_NOT_ASKED: Any = object()


def _known_clients(session: AsyncSession | Session) -> dict[int, Client | None]:
    """What this session learnt by Telegram id: the client, or None for none yet."""
    return session.info.setdefault(_KNOWN_CLIENTS, {})


@event.listens_for(Session, "after_transaction_end")
def _forget_absent_clients(session: Session, transaction: SessionTransaction) -> None:
    """ "No such client" holds for one transaction: another may create one next."""
    known = session.info.get(_KNOWN_CLIENTS)
    if known and transaction.parent is None:
        for telegram_id in [key for key, client in known.items() if client is None]:
            del known[telegram_id]


async def get_or_create_client(
    session: AsyncSession, *, telegram_id: int, name: str | None, language: str | None
) -> Client:
    """The client of this Telegram user; a new one takes the Telegram name and language.

    A Telegram name that shows nothing (see `visible_name`) is stored as no name,
    so the booking asks for one.

    Called when the user writes or taps, which proves they no longer block the
    bot: a `blocked_bot` mark from an earlier refused message is lifted, so
    their confirmations and reminders are sent again.
    """
    client = await get_client(session, telegram_id)
    if client is not None and client.blocked_bot:
        client.blocked_bot = False
        await session.flush()
    if client is None:
        shown = visible_name(name)
        client = Client(
            telegram_id=telegram_id,
            name=visible_name(shown[:NAME_MAX_LENGTH]) if shown else None,
            locale=pick_locale(language, default="") or None,
        )
        session.add(client)
        await session.flush()
        _known_clients(session)[telegram_id] = client
    return client


async def set_phone(
    session: AsyncSession, client: Client, raw: str, *, timezone: str, verified: bool = False
) -> str:
    """Store a typed number (or a `verified` one), normalized; raises `InvalidPhone`."""
    client.phone = normalize_phone(raw, region=phone_region(timezone), verified=verified)
    await session.flush()
    return client.phone


async def set_shared_phone(
    session: AsyncSession,
    client: Client,
    raw: str,
    *,
    owner_id: int | None,
    sender_id: int,
    timezone: str,
) -> str:
    """Store a shared contact's number: only the sender's own contact counts.

    Anyone can forward somebody else's contact card; it is the client's own only
    when the card's user id is the sender's id.
    """
    if owner_id != sender_id:
        raise NotOwnContact
    # Telegram sends a contact's number in international form, often without "+".
    international = raw.strip() if raw.strip().startswith("+") else "+" + raw.strip()
    return await set_phone(session, client, international, timezone=timezone, verified=True)


async def set_name(session: AsyncSession, client: Client, raw: str) -> str:
    """Store a typed name (see `visible_name`); raises `InvalidName`."""
    name = visible_name(raw)
    if name is None or len(name) > NAME_MAX_LENGTH or name.startswith("/"):
        raise InvalidName
    client.name = name
    await session.flush()
    return name


async def set_locale(session: AsyncSession, client: Client, locale: str) -> str:
    client.locale = pick_locale(locale)
    await session.flush()
    return client.locale


async def export_client_data(session: AsyncSession, *, client_id: int, now: datetime) -> ClientData:
    client = await session.get(Client, client_id)
    if client is None or client.anonymized_at is not None:
        raise ClientGone
    total = await session.scalar(select(func.count()).where(Booking.client_id == client_id))
    upcoming = await upcoming_bookings(session, client_id=client_id, now=now)
    return ClientData(
        telegram_id=client.telegram_id,
        name=client.name,
        phone=client.phone,
        locale=client.locale,
        created_at=client.created_at,
        bookings_total=total or 0,
        bookings_upcoming=len(upcoming),
    )


async def erase_client(
    session: AsyncSession, *, client_id: int, now: datetime, admin_ids: Iterable[int] = ()
) -> int:
    """Forget who the client is; returns how many upcoming bookings were cancelled.

    Upcoming visits are cancelled through the booking service (staff are told,
    reminders dropped); past bookings stay, anonymous, for the business's books.
    """
    client = await session.get(Client, client_id)
    if client is None or client.anonymized_at is not None:
        raise ClientGone
    # The system cancels, not the client: erasure must not stop at the cancel deadline.
    actor = Actor.system()
    admin_ids = tuple(admin_ids)
    upcoming = await upcoming_bookings(session, client_id=client_id, now=now)
    for booking in upcoming:
        await cancel_booking(
            session,
            booking_id=booking.id,
            actor=actor,
            now=now,
            reason=ERASED_CANCEL_REASON,
            admin_ids=admin_ids,
        )
    client.telegram_id = None
    client.name = None
    client.phone = None
    client.locale = None
    client.anonymized_at = now
    await session.flush()
    return len(upcoming)
