"""data generations: a number per area, bumped by every write that changes what the area shows
(portal.core.generations); the page cache files pages under them

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 23:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'generations',
        sa.Column('area', sa.String(length=40), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('area', name=op.f('pk_generations')),
    )


def downgrade():
    op.drop_table('generations')
