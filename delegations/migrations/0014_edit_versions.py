"""edit versions: an optimistic version on delegations, delegates and accreditations (a
stale form is refused), and a session version per user (remember-me cookies die with a
password change or "log out everywhere")

Revision ID: 0014_edit_versions
Revises: 0016_desk_role
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0014_edit_versions'
down_revision: Union[str, Sequence[str], None] = '0016_desk_role'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ('delegation', 'delegate', 'accreditation')


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column('version', sa.Integer(), nullable=False,
                                       server_default='1'))
    op.add_column('user_account', sa.Column('session_version', sa.Integer(), nullable=False,
                                            server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('session_version')
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('version')
