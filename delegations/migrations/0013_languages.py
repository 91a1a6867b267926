"""languages: a user's chosen language, a forum's default one, a person's name order and
name in its own script

Revision ID: 0013_languages
Revises: 0001
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013_languages'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NAME_ORDER = sa.Enum('given_first', 'family_first', name='nameorder', native_enum=False,
                     create_constraint=True, length=32)


def upgrade() -> None:
    op.add_column('user_account', sa.Column('language', sa.String(length=8), nullable=True))
    op.add_column('forum', sa.Column('language', sa.String(length=8), nullable=False,
                                     server_default='en'))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a column with its CHECK only in one statement (no ALTER ADD CONSTRAINT)
        op.execute("ALTER TABLE delegate ADD COLUMN name_order VARCHAR(32) "
                   "DEFAULT 'given_first' NOT NULL CONSTRAINT ck_delegate_nameorder "
                   "CHECK (name_order IN ('given_first', 'family_first'))")
    else:
        op.add_column('delegate', sa.Column('name_order', NAME_ORDER, nullable=False,
                                            server_default='given_first'))
    op.add_column('delegate', sa.Column('original_name', sa.String(length=200), nullable=False,
                                        server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('delegate') as batch:
        batch.drop_column('original_name')
        batch.drop_column('name_order')
    with op.batch_alter_table('forum') as batch:
        batch.drop_column('language')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('language')
