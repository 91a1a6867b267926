"""import jobs: a roster file checked and written by a job, with its progress

Revision ID: 0015_import_jobs
Revises: 0014_edit_versions
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from delegations.db import UTCDateTime


revision: str = '0015_import_jobs'
down_revision: Union[str, Sequence[str], None] = '0014_edit_versions'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'import_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('forum_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=300), nullable=False),
        sa.Column('stored_name', sa.String(length=100), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('done_rows', sa.Integer(), nullable=False),
        sa.Column('total_rows', sa.Integer(), nullable=False),
        sa.Column('created', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('error_count', sa.Integer(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['forum_id'], ['forum.id'],
                                name=op.f('fk_import_job_forum_id_forum'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_import_job_user_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job')),
    )
    op.create_index(op.f('ix_import_job_state'), 'import_job', ['state'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_import_job_state'), table_name='import_job')
    op.drop_table('import_job')
