"""Initial schema, with the database-level guarantee against double booking.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 13:41:17.358341
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ACTIVE = "('pending', 'confirmed')"

# Two active bookings of one staff member may not overlap as half-open ranges
# [starts_at, busy_until): touching bookings are fine. PostgreSQL enforces it with
# an exclusion constraint; SQLite with triggers that abort the offending write
# (instants are stored there as fixed-width UTC text, so text order is time order).
#
# No booking holds a staff member for more than a day (a rule of its own here,
# and services are capped the same way). That bounds how far back an overlapping
# booking can start, so the SQLite check reads one day of the staff member's
# bookings through the (staff_id, starts_at) index instead of their whole history.
PG_NO_OVERLAP = f"""
ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap
EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, busy_until, '[)') WITH &&)
WHERE (status IN {ACTIVE})
"""
PG_AT_MOST_A_DAY = """
ALTER TABLE bookings ADD CONSTRAINT ck_bookings_at_most_a_day
CHECK (busy_until - starts_at <= interval '1 day')
"""
SQLITE_GUARD_BODY = f"""
BEGIN
    SELECT RAISE(ABORT, 'booking_too_long')
    WHERE (julianday(NEW.busy_until) - julianday(NEW.starts_at)) * 86400 > 86400.5;
    SELECT RAISE(ABORT, 'booking_overlap')
    WHERE NEW.status IN {ACTIVE} AND EXISTS (
        SELECT 1 FROM bookings AS other
        WHERE other.staff_id = NEW.staff_id AND other.id IS NOT NEW.id
          AND other.status IN {ACTIVE}
          AND other.starts_at > datetime(NEW.starts_at, '-1 day')
          AND other.starts_at < NEW.busy_until AND NEW.starts_at < other.busy_until
    );
END"""
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings {SQLITE_GUARD_BODY}",
    "CREATE TRIGGER bookings_no_overlap_update"
    f" BEFORE UPDATE OF staff_id, starts_at, busy_until, status ON bookings {SQLITE_GUARD_BODY}",
]


def _add_overlap_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(PG_NO_OVERLAP)
        op.execute(PG_AT_MOST_A_DAY)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def _drop_overlap_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE bookings DROP CONSTRAINT ck_bookings_at_most_a_day")
        op.execute("ALTER TABLE bookings DROP CONSTRAINT ex_bookings_no_overlap")
    else:
        op.execute("DROP TRIGGER bookings_no_overlap_insert")
        op.execute("DROP TRIGGER bookings_no_overlap_update")


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.Enum('client', 'staff', 'admin', 'system', name='actor_kind', native_enum=False, length=16), nullable=False),
    sa.Column('actor_telegram_id', sa.BigInteger(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('business_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('slot_step_minutes', sa.Integer(), nullable=False),
    sa.Column('horizon_days', sa.Integer(), nullable=False),
    sa.Column('min_lead_minutes', sa.Integer(), nullable=False),
    sa.Column('cancel_deadline_minutes', sa.Integer(), nullable=False),
    sa.Column('reminder_offsets_minutes', sa.JSON(), nullable=False),
    sa.Column('confirmation_mode', sa.Enum('auto', 'manual', name='confirmation_mode', native_enum=False, length=16), nullable=False),
    sa.Column('max_upcoming_per_client', sa.Integer(), nullable=False),
    sa.Column('digest_hour', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('horizon_days > 0', name=op.f('ck_business_settings_positive_horizon')),
    sa.CheckConstraint('id = 1', name=op.f('ck_business_settings_single_row')),
    sa.CheckConstraint('slot_step_minutes > 0', name=op.f('ck_business_settings_positive_step')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_settings'))
    )
    op.create_table('clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('blocked_bot', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('anonymized_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clients')),
    sa.UniqueConstraint('telegram_id', name=op.f('uq_clients_telegram_id'))
    )
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('buffer_after_minutes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('buffer_after_minutes >= 0', name=op.f('ck_services_nonnegative_buffer')),
    sa.CheckConstraint('duration_minutes + buffer_after_minutes <= 1440', name=op.f('ck_services_at_most_a_day')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_services_positive_duration')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_services_nonnegative_price')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services'))
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('telegram_id', name=op.f('uq_staff_telegram_id'))
    )
    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('busy_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'cancelled', 'completed', 'no_show', name='booking_status', native_enum=False, length=16), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('cancelled_by', sa.Enum('client', 'staff', 'admin', 'system', name='actor_kind', native_enum=False, length=16), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at <= busy_until', name=op.f('ck_bookings_busy_covers_visit')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_bookings_start_before_end')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_bookings_client_id_clients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_bookings_service_id_services'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_bookings_staff_id_staff'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_client_starts', ['client_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_bookings_staff_starts', ['staff_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_bookings_starts_at', ['starts_at'], unique=False)
        batch_op.create_index('ix_bookings_status_ends', ['status', 'ends_at'], unique=False)

    _add_overlap_guard()

    op.create_table('schedule_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('off', 'extra', name='exception_kind', native_enum=False, length=16), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=False),
    sa.Column('date_to', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind = 'off' OR start_time IS NOT NULL", name=op.f('ck_schedule_exceptions_extra_has_times')),
    sa.CheckConstraint('(start_time IS NULL AND end_time IS NULL) OR (start_time IS NOT NULL AND end_time IS NOT NULL AND start_time < end_time)', name=op.f('ck_schedule_exceptions_times_paired')),
    sa.CheckConstraint('date_from <= date_to', name=op.f('ck_schedule_exceptions_dates_ordered')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_schedule_exceptions_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_exceptions'))
    )
    with op.batch_alter_table('schedule_exceptions', schema=None) as batch_op:
        batch_op.create_index('ix_schedule_exceptions_staff_dates', ['staff_id', 'date_from', 'date_to'], unique=False)

    op.create_table('staff_services',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_staff_services_service_id_services'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_services_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', 'service_id', name=op.f('pk_staff_services'))
    )
    with op.batch_alter_table('staff_services', schema=None) as batch_op:
        batch_op.create_index('ix_staff_services_service_id', ['service_id'], unique=False)

    op.create_table('working_intervals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.CheckConstraint('start_time < end_time', name=op.f('ck_working_intervals_start_before_end')),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_working_intervals_weekday_range')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_working_intervals_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_intervals'))
    )
    with op.batch_alter_table('working_intervals', schema=None) as batch_op:
        batch_op.create_index('ix_working_intervals_staff_weekday', ['staff_id', 'weekday'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_feedback_rating_range')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_feedback_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_feedback_booking_id'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('dedup_key', sa.String(length=120), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'skipped', 'dropped', 'failed', name='outbox_status', native_enum=False, length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_outbox_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_outbox_dedup_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_booking_id', ['booking_id'], unique=False)
        batch_op.create_index('ix_outbox_chat_id', ['chat_id'], unique=False)
        batch_op.create_index('ix_outbox_status_due', ['status', 'due_at'], unique=False)



def downgrade() -> None:
    _drop_overlap_guard()
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_due')
        batch_op.drop_index('ix_outbox_chat_id')
        batch_op.drop_index('ix_outbox_booking_id')

    op.drop_table('outbox')
    op.drop_table('feedback')
    with op.batch_alter_table('working_intervals', schema=None) as batch_op:
        batch_op.drop_index('ix_working_intervals_staff_weekday')

    op.drop_table('working_intervals')
    with op.batch_alter_table('staff_services', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_services_service_id')

    op.drop_table('staff_services')
    with op.batch_alter_table('schedule_exceptions', schema=None) as batch_op:
        batch_op.drop_index('ix_schedule_exceptions_staff_dates')

    op.drop_table('schedule_exceptions')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_status_ends')
        batch_op.drop_index('ix_bookings_starts_at')
        batch_op.drop_index('ix_bookings_staff_starts')
        batch_op.drop_index('ix_bookings_client_starts')

    op.drop_table('bookings')
    op.drop_table('staff')
    op.drop_table('services')
    op.drop_table('clients')
    op.drop_table('business_settings')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity')

    op.drop_table('audit_log')
