"""feed events stored per session revision

Revision ID: s0010_feed_event_store
Revises: s0016_badges
Create Date: 2026-12-02 14:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from delegations.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = 's0010_feed_event_store'
down_revision: Union[str, Sequence[str], None] = 's0016_badges'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Each session's rendered VEVENT, kept with the session's revision."""
    if sa.inspect(op.get_bind()).has_table('feed_event'):
        return  # a database whose revisions were recorded before the per-package split
    op.create_table('feed_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('personal', sa.Boolean(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_feed_event_session_id_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_event')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_feed_event_key_hash'))
    )
    op.create_index(op.f('ix_feed_event_session_id'), 'feed_event', ['session_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_feed_event_session_id'), table_name='feed_event')
    op.drop_table('feed_event')
