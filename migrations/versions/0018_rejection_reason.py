"""the reason a rejection gives the applicant: a standard reason and optional text, set by the
secretariat before the cohort is decided, apart from the reviewer's internal recommendation reason

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 19:00:00.000000

Applications rejected before this migration keep no reason (their mails have been sent).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications') as batch_op:
        batch_op.add_column(sa.Column('rejection_reason', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('rejection_message', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('applications') as batch_op:
        batch_op.drop_column('rejection_message')
        batch_op.drop_column('rejection_reason')
