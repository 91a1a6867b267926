"""what a session's latest edition changed

Revision ID: s0017_change_note
Revises: s0014_book_batches
Create Date: 2026-12-02 14:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 's0017_change_note'
down_revision: Union[str, Sequence[str], None] = 's0014_book_batches'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('session') as batch:
        batch.add_column(sa.Column('change_note', sa.String(length=500), server_default='',
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('session') as batch:
        batch.drop_column('change_note')
