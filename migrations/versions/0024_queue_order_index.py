"""the review queue read in its order and counted off indexes: applications by (cohort,
submission time, id, state) and by (reviewer, cohort, state) — in place of the reviewer's
index alone —, and on PostgreSQL statistics of cohorts and states taken together

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 23:00:00.000000
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_applications_cohort_submitted', 'applications', ['cohort_id', 'submitted_at', 'id', 'state'])
    op.create_index('ix_applications_reviewer_cohort_state', 'applications', ['reviewer_id', 'cohort_id', 'state'])
    op.drop_index('ix_applications_reviewer_id', table_name='applications')
    if op.get_bind().dialect.name == 'postgresql':
        # PostgreSQL takes a cohort and a state for independent, so it guesses that the current
        # cohort holds its share of the submitted applications when it holds nearly all of
        # them, and sorts "all" of its guess instead of walking the first index above. The
        # most common (cohort, state) pairs, counted together, set it right (from the next
        # ANALYZE on: one now).
        op.execute('CREATE STATISTICS st_applications_cohort_state (mcv) ON cohort_id, state FROM applications')
        op.execute('ANALYZE applications')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP STATISTICS IF EXISTS st_applications_cohort_state')
    op.create_index('ix_applications_reviewer_id', 'applications', ['reviewer_id'])
    op.drop_index('ix_applications_reviewer_cohort_state', table_name='applications')
    op.drop_index('ix_applications_cohort_submitted', table_name='applications')
