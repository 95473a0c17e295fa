"""the checks made outside the portal before registering (県税の滞納確認, 暴力団排除の照会), recorded
on the review page with date, result and who recorded them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 21:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'external_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('checked_on', sa.Date(), nullable=False),
        sa.Column('result', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('external_checks') as batch_op:
        batch_op.create_index('ix_external_checks_application_id', ['application_id'], unique=False)


def downgrade():
    with op.batch_alter_table('external_checks') as batch_op:
        batch_op.drop_index('ix_external_checks_application_id')
    op.drop_table('external_checks')
