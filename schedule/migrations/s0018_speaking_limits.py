"""speaking limits per kind of session, per forum

Revision ID: s0018_speaking_limits
Revises: s0017_change_note
Create Date: 2026-12-02 14:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 's0018_speaking_limits'
down_revision: Union[str, Sequence[str], None] = 's0017_change_note'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KINDS = ('plenary', 'general_debate', 'roundtable', 'hearing', 'policy_debate', 'side_event',
         'bilateral', 'private_meeting', 'press_conference', 'reception', 'delegation_briefing')


def upgrade() -> None:
    op.create_table(
        'speaking_limit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('forum_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='sessionkind', native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['forum_id'], ['forum.id'],
                                name=op.f('fk_speaking_limit_forum_id_forum'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_speaking_limit')),
        sa.UniqueConstraint('forum_id', 'kind', name=op.f('uq_speaking_limit_forum_id_kind')),
    )


def downgrade() -> None:
    op.drop_table('speaking_limit')
