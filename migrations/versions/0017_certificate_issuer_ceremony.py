"""the certificate's issuer (title, name, official seal) and the ceremony prints

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 19:00:00.000000

`certificate_issuer` holds one row (id 1) the secretariat sets: the title and name printed on
every certificate and the seal image placed over the name. Without a row the certificate says
熊本県知事 as before. `ceremony_prints` are the jobs `flask registrations run-jobs` makes: every
certificate of a decided cohort in one PDF, with their progress.

Stored certificates are made again at their next download (the certificate's layout changed and
the issuer is part of what names the file); nothing needs to be done by hand.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_issuer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('seal_stored', sa.String(length=64), nullable=True),
    sa.Column('seal_type', sa.String(length=32), nullable=True),
    sa.Column('seal_sha256', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_certificate_issuer_single_row')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_certificate_issuer_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_issuer'))
    )
    op.create_table('ceremony_prints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('frame', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint('done >= 0 AND done <= total', name=op.f('ck_ceremony_prints_progress_bounds')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_ceremony_prints_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_ceremony_prints_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ceremony_prints'))
    )
    with op.batch_alter_table('ceremony_prints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ceremony_prints_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ceremony_prints_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('ceremony_prints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ceremony_prints_state'))
        batch_op.drop_index(batch_op.f('ix_ceremony_prints_cohort_id'))
    op.drop_table('ceremony_prints')
    op.drop_table('certificate_issuer')
