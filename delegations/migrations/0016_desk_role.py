"""the desk role (badge check-in): allowed in the role CHECKs of users and invitations

Revision ID: 0016_desk_role
Revises: 0011_invitations
Create Date: 2026-12-02 13:45:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0016_desk_role'
down_revision: Union[str, Sequence[str], None] = '0011_invitations'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ROLES_BEFORE = ('admin', 'coordinator', 'focal_point', 'delegate')
ROLES_AFTER = ROLES_BEFORE + ('desk',)


def _role_check(roles: tuple[str, ...]) -> None:
    # the role columns are VARCHARs with a CHECK listing the roles; SQLite needs the table
    # copied to change a CHECK, which batch mode does (PostgreSQL alters it in place)
    for table in ('user_account', 'invitation'):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f'ck_{table}_role'), type_='check')
            batch.create_check_constraint(op.f(f'ck_{table}_role'), sa.column('role').in_(roles))


def upgrade() -> None:
    """Upgrade schema."""
    _role_check(ROLES_AFTER)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute(sa.text("DELETE FROM invitation WHERE role = 'desk'"))
    op.execute(sa.text("DELETE FROM user_account WHERE role = 'desk'"))
    _role_check(ROLES_BEFORE)
