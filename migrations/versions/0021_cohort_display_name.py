"""a cohort's display name: from fiscal 2022 the prefecture names its cohorts by year
(「令和4年度第2期」); without one a cohort is still 「第N期」

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 21:00:00.000000

Existing cohorts keep no name (their title stays 「第N期」); registration numbers are unchanged.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts') as batch_op:
        batch_op.add_column(sa.Column('display_name', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('cohorts') as batch_op:
        batch_op.drop_column('display_name')
