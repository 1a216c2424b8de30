"""The in-memory snapshot of what clients browse: served from memory, and never
stale for longer than the write that changed it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import delete, insert, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import (
    ExceptionKind,
    ScheduleException,
    Service,
    Staff,
    WorkingInterval,
    staff_services,
)
from db.services import snapshot as snapshot_module
from db.services.calendar import free_times_for
from db.services.snapshot import forget_snapshot, snapshot
from tests.factories import make_service, make_staff, make_world
from tests.statements import recording

TOMORROW = date(2026, 11, 24)


async def read(sessionmaker: async_sessionmaker[AsyncSession]):
    async with sessionmaker() as session:
        return await snapshot(session)


async def test_holds_the_active_catalog_and_hours(session, sessionmaker):
    world = await make_world(session)
    off = await make_service(session, name="Retired", active=False)
    idle = await make_staff(session, name="Idle", service_ids=[world.service_id], active=False)
    session.add(
        ScheduleException(
            staff_id=world.staff_ids[0],
            kind=ExceptionKind.OFF,
            date_from=TOMORROW,
            date_to=TOMORROW,
        )
    )
    await session.commit()

    current = await read(sessionmaker)

    assert list(current.services) == [world.service_id, world.buffered_service_id]
    assert off.id not in current.services and idle.id not in current.staff
    assert current.services[world.service_id].staff_ids == world.staff_ids
    assert [m.id for m in current.staff_of(world.service_id)] == list(world.staff_ids)
    first = current.staff[world.staff_ids[0]]
    assert len(first.weekly) == 14  # EVERY_DAY: two stretches a day, a break between
    assert [e.date_from for e in first.exceptions_touching(TOMORROW, TOMORROW)] == [TOMORROW]
    assert first.exceptions_touching(date(2026, 11, 25), date(2026, 12, 1)) == []
    assert current.business.timezone == "Europe/Moscow"


async def test_a_warm_snapshot_costs_no_statement(session, sessionmaker, engine):
    await make_world(session)
    await read(sessionmaker)
    with recording(engine) as statements:
        await read(sessionmaker)
    assert statements == []


async def test_an_orm_change_shows_to_the_writer_at_once_and_to_all_after_commit(
    session, sessionmaker
):
    world = await make_world(session)
    assert (await read(sessionmaker)).service(world.service_id) is not None

    service = await session.get(Service, world.service_id)
    service.active = False
    await session.flush()
    # The writer sees its own change before committing; nobody else does yet
    # (on SQLite nobody else can even read while the writer holds the lock).
    assert (await snapshot(session)).service(world.service_id) is None
    if session.bind.dialect.name == "postgresql":
        assert (await read(sessionmaker)).service(world.service_id) is not None
    await session.commit()

    assert (await read(sessionmaker)).service(world.service_id) is None


async def test_a_rolled_back_change_leaves_the_snapshot_as_it_was(session, sessionmaker):
    world = await make_world(session)
    staff = await session.get(Staff, world.staff_ids[0])
    staff.name = "Renamed"
    await session.flush()
    await session.rollback()

    assert (await read(sessionmaker)).staff[world.staff_ids[0]].name == "Staff 1"


async def test_core_writes_through_a_session_invalidate_too(session, sessionmaker):
    world = await make_world(session)
    newcomer = await make_staff(session, name="Newcomer")
    await session.commit()
    assert newcomer.id not in (await read(sessionmaker)).services[world.service_id].staff_ids

    await session.execute(
        insert(staff_services), [{"staff_id": newcomer.id, "service_id": world.service_id}]
    )
    await session.commit()
    assert newcomer.id in (await read(sessionmaker)).services[world.service_id].staff_ids

    await session.execute(update(Staff).where(Staff.id == newcomer.id).values(active=False))
    await session.commit()
    assert newcomer.id not in (await read(sessionmaker)).staff


async def test_a_load_that_began_before_a_change_is_not_kept(session, sessionmaker, engine):
    world = await make_world(session)
    async with sessionmaker() as reader:
        cache = snapshot_module._cache_of(reader.sync_session)
        assert cache is not None
        generation = cache.generation
        stale = await snapshot_module._load(reader)
    service = await session.get(Service, world.service_id)
    service.name = "Renamed"
    await session.commit()
    cache.store(stale, generation)  # the slow reader finishes after the change

    assert (await read(sessionmaker)).services[world.service_id].name == "Renamed"


async def test_writes_it_cannot_see_show_after_the_ttl_or_when_forgotten(
    session, sessionmaker, engine, monkeypatch
):
    world = await make_world(session)
    await read(sessionmaker)
    async with engine.begin() as connection:  # raw SQL, as another process would
        await connection.execute(
            text("UPDATE services SET name = 'Elsewhere' WHERE id = :id"), {"id": world.service_id}
        )
    assert (await read(sessionmaker)).services[world.service_id].name == "Haircut"

    cache = snapshot_module._caches[engine.sync_engine]
    monkeypatch.setattr(cache, "clock", lambda: cache.expires + 1)
    assert (await read(sessionmaker)).services[world.service_id].name == "Elsewhere"

    monkeypatch.undo()
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE services SET name = 'Again' WHERE id = :id"), {"id": world.service_id}
        )
    forget_snapshot(engine)
    assert (await read(sessionmaker)).services[world.service_id].name == "Again"


@pytest.mark.parametrize("change", ["hours", "exception"])
async def test_free_times_follow_a_change_of_hours_at_once(session, sessionmaker, clock, change):
    world = await make_world(session, staff_count=1)

    async def free() -> int:
        async with sessionmaker() as reader:
            times = await free_times_for(
                reader, service_id=world.service_id, staff_id=None, day=TOMORROW, now=clock.now()
            )
            return len(times)

    before = await free()
    assert before > 0
    if change == "hours":
        await session.execute(
            delete(WorkingInterval).where(WorkingInterval.staff_id == world.staff_ids[0])
        )
    else:
        session.add(
            ScheduleException(
                staff_id=world.staff_ids[0],
                kind=ExceptionKind.OFF,
                date_from=TOMORROW,
                date_to=TOMORROW,
                start_time=time(12),
                end_time=time(14),
            )
        )
    await session.commit()

    after = await free()
    assert after == 0 if change == "hours" else 0 < after < before
