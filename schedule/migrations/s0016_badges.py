"""badges (one per accreditation, versioned), badge batches and entries to sessions

Revision ID: s0016_badges
Revises: s0015_mail_outbox
Create Date: 2026-12-02 13:45:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from delegations.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = 's0016_badges'
down_revision: Union[str, Sequence[str], None] = 's0015_mail_outbox'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('badge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('accreditation_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('issued_at', UTCDateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('collected_version', sa.Integer(), nullable=True),
    sa.Column('collected_at', UTCDateTime(), nullable=True),
    sa.Column('collected_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('version >= 1', name=op.f('ck_badge_version_positive')),
    sa.CheckConstraint('valid_until >= valid_from', name=op.f('ck_badge_dates_in_order')),
    sa.ForeignKeyConstraint(['accreditation_id'], ['accreditation.id'], name=op.f('fk_badge_accreditation_id_accreditation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['collected_by_id'], ['user_account.id'], name=op.f('fk_badge_collected_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_badge_issued_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge')),
    sa.UniqueConstraint('accreditation_id', name=op.f('uq_badge_accreditation_id'))
    )
    op.create_table('session_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('badge_version', sa.Integer(), nullable=False),
    sa.Column('entered_at', UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_session_attendance_delegate_id_delegate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_session_attendance_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_session_attendance_session_id_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendance')),
    sa.UniqueConstraint('session_id', 'delegate_id', name=op.f('uq_session_attendance_session_id_delegate_id'))
    )
    op.create_index(op.f('ix_session_attendance_delegate_id'), 'session_attendance', ['delegate_id'], unique=False)
    op.create_table('badge_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.String(length=200), nullable=False),
    sa.Column('steps_done', sa.Integer(), nullable=False),
    sa.Column('steps_total', sa.Integer(), nullable=False),
    sa.Column('badges', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('finished_at', UTCDateTime(), nullable=True),
    sa.Column('cards_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('sheets_pdf', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_badge_batch_status_known')),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegation.id'], name=op.f('fk_badge_batch_delegation_id_delegation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['forum_id'], ['forum.id'], name=op.f('fk_badge_batch_forum_id_forum'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_badge_batch_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_batch'))
    )



def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('badge_batch')
    op.drop_index(op.f('ix_session_attendance_delegate_id'), table_name='session_attendance')
    op.drop_table('session_attendance')
    op.drop_table('badge')
