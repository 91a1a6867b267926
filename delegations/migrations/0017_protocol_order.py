"""protocol order: the whole level ladder and delegation categories

Revision ID: 0017_protocol_order
Revises: 0013_languages
Create Date: 2026-12-02 13:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0017_protocol_order'
down_revision: Union[str, Sequence[str], None] = '0013_languages'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_LEVELS = ('head_of_state', 'minister', 'ambassador', 'mayor', 'deputy_mayor', 'councillor',
              'senior_official', 'official', 'adviser', 'expert', 'other')
NEW_LEVELS = ('head_of_state', 'vice_president', 'head_of_government',
              'deputy_head_of_government', 'minister', 'vice_minister', 'ambassador', 'mayor',
              'deputy_mayor', 'councillor', 'senior_official', 'official', 'adviser', 'expert',
              'other')
CATEGORIES = ('member_state', 'observer', 'intergovernmental', 'un_body', 'other_stakeholder')


def _level(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name='level', native_enum=False, create_constraint=True, length=32)


def _set_levels(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite cannot alter a CHECK: the batch recreates the table with the new one.
        with op.batch_alter_table('delegate', recreate='always') as batch:
            batch.alter_column('level', existing_type=_level(old), type_=_level(new),
                               existing_nullable=False)
        return
    op.drop_constraint(op.f('ck_delegate_level'), 'delegate', type_='check')
    listed = ", ".join(f"'{v}'" for v in new)
    op.create_check_constraint(op.f('ck_delegate_level'), 'delegate', f"level IN ({listed})")


def upgrade() -> None:
    _set_levels(OLD_LEVELS, NEW_LEVELS)
    with op.batch_alter_table('delegation') as batch:
        batch.add_column(sa.Column(
            'category',
            sa.Enum(*CATEGORIES, name='delegationcategory', native_enum=False,
                    create_constraint=True, length=32),
            server_default='other_stakeholder', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('delegation') as batch:
        batch.drop_column('category')
    op.execute("UPDATE delegate SET level = 'head_of_state' WHERE level IN "
               "('vice_president', 'head_of_government', 'deputy_head_of_government')")
    op.execute("UPDATE delegate SET level = 'minister' WHERE level = 'vice_minister'")
    _set_levels(NEW_LEVELS, OLD_LEVELS)
