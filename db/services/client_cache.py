"""Each recent Telegram user's client row, kept in memory between their taps.

Nearly every update needs the client: the language on every one, the phone and
name at the phone step, the id for the booking limit and the booking. Reading it
was one statement in six of a booking flow, and the language alone was once a
tenth of them. One `ClientCache` per database (engine), as for the snapshot
(db/services/snapshot.py), holds the committed row of each recent user, or the
fact that the user is no client yet:

- an ORM change to a client, in any session of this process, forgets that user at
  the flush (an update that reads the old row in between, as PostgreSQL lets it,
  cannot keep it: a forget moves the generation that a load checks before it
  stores) and again at the commit, which then keeps the committed row, so a new
  client's next tap needs no query;
- a bulk or Core write to the clients table through a session (the outbox marking
  a client who blocked the bot) forgets everyone, at once and when its
  transaction ends;
- a write this process cannot see (another process, raw SQL) shows within
  `TTL_SECONDS`, and at once for a user whose update then fails to write (a
  rollback forgets the users a session was served from the cache).

What must be exact is read fresh in its own transaction: a booking reads and
locks its client in the booking service, whatever this cache holds.

Nothing here knows Telegram: a user is their Telegram id.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from itertools import chain
from typing import Any, Final, cast

from sqlalchemy import Engine, event, inspect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    SessionTransaction,
    UOWTransaction,
    make_transient_to_detached,
)

from db.models import Client

TTL_SECONDS = 300.0
MAX_USERS = 50_000

Row = dict[str, Any]  # a client's column values, by attribute name
_COLUMNS: Final = tuple(attribute.key for attribute in inspect(Client).column_attrs)


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""`ClientCache.lookup` when the cache cannot say: ask the database."""


class ClientCache:
    """The committed row (None: no such client) per Telegram id; bounded (the
    oldest go first) and expiring."""

    def __init__(
        self,
        *,
        ttl: float = TTL_SECONDS,
        max_users: int = MAX_USERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_users = max_users
        self.clock = clock
        self.generation = 0
        self._entries: OrderedDict[int, tuple[float, Row | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, telegram_id: int) -> Row | _Unknown | None:
        entry = self._entries.get(telegram_id)
        if entry is None or entry[0] <= self.clock():
            return UNKNOWN
        return entry[1]

    def known_locale(self, telegram_id: int) -> str | None:
        """The saved language if this process knows it fresh, else None; never a query."""
        row = self.lookup(telegram_id)
        return row["locale"] if isinstance(row, dict) else None

    def store(self, telegram_id: int, client: Client | None, generation: int) -> None:
        """What a load begun at `generation` read; dropped if anything was forgotten since."""
        if generation != self.generation:
            return
        if client is None:
            self._keep(telegram_id, None)
        elif (row := _row_of(client)) is not None:
            self._keep(telegram_id, row)

    def forget(self, telegram_ids: Iterable[int]) -> None:
        self.generation += 1
        for telegram_id in telegram_ids:
            self._entries.pop(telegram_id, None)

    def forget_everyone(self) -> None:
        self.generation += 1
        self._entries.clear()

    def _keep(self, telegram_id: int, row: Row | None) -> None:
        entries, now = self._entries, self.clock()
        entries.pop(telegram_id, None)
        entries[telegram_id] = (now + self.ttl, row)
        while len(entries) > self.max_users:
            entries.popitem(last=False)
        while entries:
            expires, _ = next(iter(entries.values()))
            if expires > now:
                break
            entries.popitem(last=False)


def _row_of(client: Client) -> Row | None:
    """The columns of `client` as SQLAlchemy would give them without a query, or
    None when one would need it (expired, or deferred). A column never set on a new
    row was inserted as NULL and reads as None, as it does on the object."""
    state = inspect(client)
    if any(column in state.expired_attributes or column in state.callables for column in _COLUMNS):
        return None
    return {column: state.dict.get(column) for column in _COLUMNS}


def _attach(session: Session, row: Row) -> Client:
    """The client of a cached row as a persistent object of `session`, no query: the
    one the session already has, or one made from the row as if just loaded."""
    present = session.identity_map.get(session.identity_key(Client, row["id"]))
    if isinstance(present, Client):
        return present
    # As a query builds the objects it loads: the values go in as loaded, not as
    # changes (a third of the cost of `Client(**row)`, which tracks each as one).
    client = cast(Client, inspect(Client).class_manager.new_instance())
    inspect(client).dict.update(row)
    make_transient_to_detached(client)
    session.add(client)
    session.info.setdefault(_ATTACHED, set()).add(row["telegram_id"])
    return client


# --- one cache per engine --------------------------------------------------------------

_caches: weakref.WeakKeyDictionary[Engine, ClientCache] = weakref.WeakKeyDictionary()


def client_cache(bind: Engine | AsyncEngine | Session) -> ClientCache:
    """The cache of an engine, or of the engine a session is bound to."""
    if isinstance(bind, Session):
        bound = bind.get_bind()
        bind = bound if isinstance(bound, Engine) else bound.engine
    engine = bind.sync_engine if isinstance(bind, AsyncEngine) else bind
    cache = _caches.get(engine)
    if cache is None:
        cache = _caches[engine] = ClientCache()
    return cache


async def cached_client(
    session: AsyncSession, telegram_id: int, load: Callable[[], Awaitable[Client | None]]
) -> Client | None:
    """The user's client from the cache, attached to `session`; `load`ed and kept
    when the cache cannot say."""
    cache = client_cache(session.sync_session)
    cached = cache.lookup(telegram_id)
    if isinstance(cached, _Unknown):
        generation = cache.generation
        client = await load()
        cache.store(telegram_id, client, generation)
        return client
    return None if cached is None else _attach(session.sync_session, cached)


# --- invalidation ----------------------------------------------------------------------

_CHANGED: Final = "zapis.clients_changed"  # in `Session.info`: clients this transaction wrote
_BULK: Final = "zapis.clients_bulk_write"  # in `Session.info`: it wrote the table in bulk
_ATTACHED: Final = "zapis.clients_attached"  # in `Session.info`: users served from the cache


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    changed = [
        row for row in chain(session.new, session.dirty, session.deleted) if isinstance(row, Client)
    ]
    if not changed:
        return
    cache = client_cache(session)
    written: dict[Client, set[int]] = session.info.setdefault(_CHANGED, {})
    for client in changed:
        written.setdefault(client, set()).update(_telegram_ids(client))
    cache.forget(chain.from_iterable(written.values()))


def _telegram_ids(client: Client) -> set[int]:
    """The user the row belongs to now, and any it belonged to before this flush."""
    history = inspect(client).attrs.telegram_id.history
    return {i for i in (*history.unchanged, *history.added, *history.deleted) if i}


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    written: dict[Client, set[int]] = session.info.pop(_CHANGED, {})
    if not written:
        return
    cache = client_cache(session)
    cache.forget(chain.from_iterable(written.values()))
    for client in written:
        state = inspect(client)
        telegram_id = state.dict.get("telegram_id")
        if telegram_id and state.persistent:
            cache.store(telegram_id, client, cache.generation)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == Client.__tablename__:
            state.session.info[_BULK] = True
            client_cache(state.session).forget_everyone()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_CHANGED, None)  # rolled back: forgotten at the flush, nothing to keep
    if session.info.pop(_BULK, False):
        client_cache(session).forget_everyone()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    """A write that failed may have failed on a row the cache had wrong (deleted or
    changed where this process could not see it): its users are read afresh."""
    if attached := session.info.pop(_ATTACHED, None):
        client_cache(session).forget(attached)
