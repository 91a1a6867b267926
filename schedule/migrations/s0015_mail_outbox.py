"""mail outbox: messages about programme changes, and addresses that opted out

Revision ID: s0015_mail_outbox
Revises: s0001
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from delegations.db import UTCDateTime


revision: str = 's0015_mail_outbox'
down_revision: Union[str, Sequence[str], None] = 's0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('delegate_id', sa.Integer(), nullable=True),
    sa.Column('delegation_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('recipient_name', sa.String(length=300), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('not_before', UTCDateTime(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
    sa.Column('claimed_at', UTCDateTime(), nullable=True),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('person', 'digest')", name=op.f('ck_mail_message_kind')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'skipped')",
                       name=op.f('ck_mail_message_status')),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'],
                            name=op.f('fk_mail_message_delegate_id_delegate'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegation.id'],
                            name=op.f('fk_mail_message_delegation_id_delegation'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['forum_id'], ['forum.id'],
                            name=op.f('fk_mail_message_forum_id_forum'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'],
                            name=op.f('fk_mail_message_session_id_session'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message')),
    sa.UniqueConstraint('message_id', name=op.f('uq_mail_message_message_id'))
    )
    op.create_index('ix_mail_message_due', 'mail_message', ['status', 'not_before'],
                    unique=False)
    op.create_index('ix_mail_message_waiting', 'mail_message',
                    ['kind', 'session_id', 'delegate_id', 'delegation_id', 'status'],
                    unique=False)
    op.create_table('mail_opt_out',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_opt_out')),
    sa.UniqueConstraint('email', name=op.f('uq_mail_opt_out_email'))
    )


def downgrade() -> None:
    op.drop_table('mail_opt_out')
    op.drop_index('ix_mail_message_waiting', table_name='mail_message')
    op.drop_index('ix_mail_message_due', table_name='mail_message')
    op.drop_table('mail_message')
