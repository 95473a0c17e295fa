"""review queue indexes: applications by submission time, and by organisation and state

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 18:40:00.000000

The review queue shows the submitted applications a page at a time in submission order, with
their total. Without these indexes each request read every application row — rows that carry
the application's content, so on SQLite (which keeps a row's columns together) tens of
thousands of multi-kilobyte rows — to sort them and to count them.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # A page in submission order: walked in the index, the state checked there.
    op.create_index('ix_applications_submitted_state', 'applications', ['submitted_at', 'state'], unique=False)
    # The queue's count (applications joined to their organisation, by state): from the index alone.
    op.create_index('ix_applications_organisation_state', 'applications', ['organisation_id', 'state'],
                    unique=False)


def downgrade():
    op.drop_index('ix_applications_organisation_state', table_name='applications')
    op.drop_index('ix_applications_submitted_state', table_name='applications')
