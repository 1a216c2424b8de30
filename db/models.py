"""SQLAlchemy models of the whole data model.

Instants are `UTCDateTime`; wall-clock things that belong to the business's
calendar (working hours, dated exceptions) are local `Time`/`Date` values that
the availability engine resolves in the business time zone.

The double-booking guarantee is not declared here: it lives in the migrations
(an exclusion constraint on PostgreSQL, triggers on SQLite), because SQLAlchemy
cannot express either portably. See `alembic/versions/0001_initial.py`.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    literal,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The largest id a row can have: primary keys are `Integer`, 32-bit on PostgreSQL.
# An id from outside (a button's data, a deep link) above it names no row, and
# would make the query itself fail instead of finding nothing.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Enums are stored as plain strings (no native PG type to migrate later)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ConfirmationMode(enum.StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


class BookingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


def is_active_status(status: ColumnElement[Any]) -> ColumnElement[bool]:
    """`status IN (ACTIVE_STATUSES)`, one plain bound parameter a status.

    `status.in_(ACTIVE_STATUSES)` binds the list as one expanding parameter, and
    SQLAlchemy then rewrites the cached SQL string on every execution to spell
    it out: a tenth of a booking request's read.
    """
    return status.in_([literal(value, status.type) for value in ACTIVE_STATUSES])


class ActorKind(enum.StrEnum):
    CLIENT = "client"
    STAFF = "staff"
    ADMIN = "admin"
    SYSTEM = "system"


class ExceptionKind(enum.StrEnum):
    OFF = "off"  # day off, vacation, a blocked hour: time taken away
    EXTRA = "extra"  # extra working hours: time added


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"  # no longer meaningful (visit passed, booking gone)
    DROPPED = "dropped"  # recipient blocked the bot
    FAILED = "failed"  # gave up after retries; last_error says why


class BusinessSettings(Base):
    """The business itself: one row, id 1."""

    __tablename__ = "business_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("slot_step_minutes > 0", name="positive_step"),
        CheckConstraint("horizon_days > 0", name="positive_horizon"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(200), default="Zapis")
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    slot_step_minutes: Mapped[int] = mapped_column(Integer, default=15)
    horizon_days: Mapped[int] = mapped_column(Integer, default=30)
    min_lead_minutes: Mapped[int] = mapped_column(Integer, default=60)
    cancel_deadline_minutes: Mapped[int] = mapped_column(Integer, default=120)
    reminder_offsets_minutes: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: [24 * 60, 2 * 60]
    )
    confirmation_mode: Mapped[ConfirmationMode] = mapped_column(
        _enum(ConfirmationMode, "confirmation_mode"), default=ConfirmationMode.AUTO
    )
    max_upcoming_per_client: Mapped[int] = mapped_column(Integer, default=3)
    digest_hour: Mapped[int] = mapped_column(Integer, default=20)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


staff_services = Table(
    "staff_services",
    Base.metadata,
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_staff_services_service_id", "service_id"),
)


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="positive_duration"),
        CheckConstraint("buffer_after_minutes >= 0", name="nonnegative_buffer"),
        # A booking never holds a staff member longer than a day (see the migration).
        CheckConstraint("duration_minutes + buffer_after_minutes <= 1440", name="at_most_a_day"),
        CheckConstraint("price >= 0", name="nonnegative_price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[list[Staff]] = relationship(
        secondary=staff_services, back_populates="services", lazy="raise"
    )


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    services: Mapped[list[Service]] = relationship(
        secondary=staff_services, back_populates="staff", lazy="raise"
    )


class WorkingInterval(Base):
    """One interval of a weekly schedule, in local wall-clock time.

    Several rows a weekday make a day; a lunch break is the gap between two.
    Intervals never cross midnight (a night shift is two rows on two weekdays).
    """

    __tablename__ = "working_intervals"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("start_time < end_time", name="start_before_end"),
        Index("ix_working_intervals_staff_weekday", "staff_id", "weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)  # Monday 0 … Sunday 6, like date.weekday()
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class ScheduleException(Base):
    """A dated change to a staff member's weekly hours, in local dates and times.

    `OFF` with no times: whole days off (a day off, a vacation from `date_from`
    to `date_to` inclusive). `OFF` with times: a blocked stretch on each of those
    days. `EXTRA` always has times: working hours added on those days.
    """

    __tablename__ = "schedule_exceptions"
    __table_args__ = (
        CheckConstraint("date_from <= date_to", name="dates_ordered"),
        CheckConstraint(
            "(start_time IS NULL AND end_time IS NULL) "
            "OR (start_time IS NOT NULL AND end_time IS NOT NULL AND start_time < end_time)",
            name="times_paired",
        ),
        CheckConstraint("kind = 'off' OR start_time IS NOT NULL", name="extra_has_times"),
        Index("ix_schedule_exceptions_staff_dates", "staff_id", "date_from", "date_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    kind: Mapped[ExceptionKind] = mapped_column(_enum(ExceptionKind, "exception_kind"))
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Client(Base):
    """A person who books. Erased on request: personal fields cleared, row kept
    (as `anonymized_at`) so the business's past bookings still add up."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(8))
    blocked_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Booking(Base):
    """An appointment. `busy_until` is `ends_at` plus the service's buffer: the
    stretch of the staff member's time it takes, and what the database guards
    against overlaps as a half-open range [starts_at, busy_until)."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="start_before_end"),
        CheckConstraint("ends_at <= busy_until", name="busy_covers_visit"),
        Index("ix_bookings_staff_starts", "staff_id", "starts_at"),
        Index("ix_bookings_client_starts", "client_id", "starts_at"),
        Index("ix_bookings_status_ends", "status", "ends_at"),
        Index("ix_bookings_starts_at", "starts_at"),
        Index("uq_bookings_request_key", "request_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    busy_until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus, "booking_status"))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    comment: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(16), default="chat")
    # The client's name for the request that made it (see `create_booking`).
    request_key: Mapped[str | None] = mapped_column(String(32))
    cancelled_by: Mapped[ActorKind | None] = mapped_column(_enum(ActorKind, "actor_kind"))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    client: Mapped[Client] = relationship(lazy="raise")
    staff: Mapped[Staff] = relationship(lazy="raise")
    service: Mapped[Service] = relationship(lazy="raise")


class OutboxMessage(Base):
    """A message the bot must send on its own: the source of truth for delivery.

    Written in the same transaction as the change that causes it; a sweep claims
    due rows, sends them and records the result. `dedup_key` (when set) makes
    enqueueing idempotent, e.g. one row per booking, offset and start time.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        Index("ix_outbox_booking_id", "booking_id"),
        Index("ix_outbox_chat_id", "chat_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        _enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Who changed what: one row per change, written with the change."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_kind: Mapped[ActorKind] = mapped_column(_enum(ActorKind, "actor_kind"))
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Feedback(Base):
    """A client's rating of a completed visit."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), unique=True
    )
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


__all__ = [
    "ACTIVE_STATUSES",
    "ActorKind",
    "AuditEntry",
    "Base",
    "Booking",
    "BookingStatus",
    "BusinessSettings",
    "Client",
    "ConfirmationMode",
    "ExceptionKind",
    "Feedback",
    "OutboxMessage",
    "OutboxStatus",
    "ScheduleException",
    "Service",
    "Staff",
    "WorkingInterval",
    "is_active_status",
    "staff_services",
]
