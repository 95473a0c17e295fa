"""the public listing is a declaration, not an option: the opt-out goes, and the organisations
that had opted out are recorded so that their members are told once why they are listed again

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 18:30:00.000000

Being listed in the public directory is one of every application's declarations, so a registrant
is listed for as long as it is registered (one that wants off the register withdraws, 辞退). The
organisations whose `public_listing` was off are copied into `listing_notices`, and the column
is dropped: they are listed again from this migration on.

A migration cannot render mails (no templates, no translations, no application), so it only
records who must be told; `flask organisations notify-relisted` (portal.organisations.operations
.send_listing_notices) mails their members once and stamps each notice's `sent_at`.

The column goes in the release that stops reading it: stop the portal for this upgrade, as older
workers still select `organisations.public_listing`. Downgrading gives the recorded organisations
their opt-out back.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

organisations = sa.table('organisations', sa.column('id', sa.Integer()), sa.column('public_listing', sa.Boolean()))
listing_notices = sa.table('listing_notices', sa.column('organisation_id', sa.Integer()),
                           sa.column('recorded_at', sa.DateTime(timezone=True)), sa.column('mails', sa.Integer()))


def upgrade():
    op.create_table('listing_notices',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mails', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_listing_notices_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_listing_notices'))
    )
    now = datetime.now(timezone.utc)
    op.execute(listing_notices.insert().from_select(
        ['organisation_id', 'recorded_at', 'mails'],
        sa.select(organisations.c.id, sa.literal(now, sa.DateTime(timezone=True)), sa.literal(0))
        .where(organisations.c.public_listing == sa.false())))

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('public_listing')


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_listing', sa.Boolean(), nullable=False, server_default=sa.true()))

    op.execute(organisations.update()
               .where(organisations.c.id.in_(sa.select(listing_notices.c.organisation_id)))
               .values(public_listing=False))
    op.drop_table('listing_notices')
