"""indexes on applications.state (the queue's counts per state, the staff to-do panel) and
users.role (the staff among every applicant's account)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 22:10:00.000000
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_applications_state', 'applications', ['state'])
    op.create_index('ix_users_role', 'users', ['role'])


def downgrade():
    op.drop_index('ix_users_role', table_name='users')
    op.drop_index('ix_applications_state', table_name='applications')
