"""A booking remembers the request that made it, so a repeated request finds it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08 03:20:00

Before, a repeat was recognized by client, service and start alone: a client
booking a second visit at the same time (a child's haircut with another staff
member) was told they were booked and got the first visit back. Each booking
dialog now names its request, and only that name makes a repeat.

Plain ALTER TABLE on both databases: SQLite's batch mode would copy the table
and lose the overlap guard's triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('bookings', sa.Column('request_key', sa.String(length=32), nullable=True))
    op.create_index('uq_bookings_request_key', 'bookings', ['request_key'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_bookings_request_key', table_name='bookings')
    op.drop_column('bookings', 'request_key')
