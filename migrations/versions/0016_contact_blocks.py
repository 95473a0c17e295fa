"""contact blocks: the office name, postal address, phone, e-mail and hours of the prefecture's
secretariat and of the city's logo office, kept by staff in the portal; each queued mail keeps
the reachable address its Reply-To names

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 18:55:00.000000

No rows are created: until staff save a block, the portal shows the defaults from the settings
(CONTACT_PREFECTURE_* and CONTACT_CITY_*, see portal/config.py and the README). Mails queued
before this migration have no Reply-To.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact_blocks',
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('office_name', sa.String(length=200), nullable=False),
    sa.Column('office_name_en', sa.String(length=200), nullable=True),
    sa.Column('postal_code', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('hours', sa.String(length=200), nullable=False),
    sa.Column('hours_en', sa.String(length=200), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("key IN ('prefecture', 'city')", name=op.f('ck_contact_blocks_key_known')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_contact_blocks_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_contact_blocks'))
    )
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=320), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.drop_column('reply_to')
    op.drop_table('contact_blocks')
