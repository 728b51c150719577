"""Oversight rollups and the register of notices and orders (issue 16).

Revision ID: 0011
Revises: 0010

New tables: `oversight_notices` and `oversight_notice_events` (the register of violations),
`oversight_rollup` (measures pre-added per organisation, platform, category, country, language and
month, with duration histograms), `oversight_facts` (what each case or notice last added) and
`oversight_state` (watermarks). New indexes on `cases.updated_at`, `referrals.updated_at` and
`case_appeals.decided_at`, so a refresh reads only what changed. No data moves; an existing database
fills its rollups on the first `tutela report refresh` (or the first metrics read).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('oversight_facts',
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('adds', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'object_id')
    )
    op.create_table('oversight_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('referrals', sa.Integer(), nullable=False),
    sa.Column('appeals', sa.Integer(), nullable=False),
    sa.Column('reversals', sa.Integer(), nullable=False),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.Column('hash_matches', sa.Integer(), nullable=False),
    sa.Column('actioned', sa.Integer(), nullable=False),
    sa.Column('decisions', sa.Integer(), nullable=False),
    sa.Column('automated', sa.Integer(), nullable=False),
    sa.Column('restricted', sa.Integer(), nullable=False),
    sa.Column('notices', sa.Integer(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('met', sa.Integer(), nullable=False),
    sa.Column('missed', sa.Integer(), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('ack_n', sa.Integer(), nullable=False),
    sa.Column('ack_sum', sa.BigInteger(), nullable=False),
    sa.Column('rem_n', sa.Integer(), nullable=False),
    sa.Column('rem_sum', sa.BigInteger(), nullable=False),
    sa.Column('ack_b0', sa.Integer(), nullable=False),
    sa.Column('ack_b1', sa.Integer(), nullable=False),
    sa.Column('ack_b2', sa.Integer(), nullable=False),
    sa.Column('ack_b3', sa.Integer(), nullable=False),
    sa.Column('ack_b4', sa.Integer(), nullable=False),
    sa.Column('ack_b5', sa.Integer(), nullable=False),
    sa.Column('ack_b6', sa.Integer(), nullable=False),
    sa.Column('ack_b7', sa.Integer(), nullable=False),
    sa.Column('ack_b8', sa.Integer(), nullable=False),
    sa.Column('ack_b9', sa.Integer(), nullable=False),
    sa.Column('ack_b10', sa.Integer(), nullable=False),
    sa.Column('ack_b11', sa.Integer(), nullable=False),
    sa.Column('ack_b12', sa.Integer(), nullable=False),
    sa.Column('ack_b13', sa.Integer(), nullable=False),
    sa.Column('ack_b14', sa.Integer(), nullable=False),
    sa.Column('ack_b15', sa.Integer(), nullable=False),
    sa.Column('ack_b16', sa.Integer(), nullable=False),
    sa.Column('ack_b17', sa.Integer(), nullable=False),
    sa.Column('ack_b18', sa.Integer(), nullable=False),
    sa.Column('ack_b19', sa.Integer(), nullable=False),
    sa.Column('ack_b20', sa.Integer(), nullable=False),
    sa.Column('ack_b21', sa.Integer(), nullable=False),
    sa.Column('ack_b22', sa.Integer(), nullable=False),
    sa.Column('ack_b23', sa.Integer(), nullable=False),
    sa.Column('ack_b24', sa.Integer(), nullable=False),
    sa.Column('ack_b25', sa.Integer(), nullable=False),
    sa.Column('ack_b26', sa.Integer(), nullable=False),
    sa.Column('ack_b27', sa.Integer(), nullable=False),
    sa.Column('rem_b0', sa.Integer(), nullable=False),
    sa.Column('rem_b1', sa.Integer(), nullable=False),
    sa.Column('rem_b2', sa.Integer(), nullable=False),
    sa.Column('rem_b3', sa.Integer(), nullable=False),
    sa.Column('rem_b4', sa.Integer(), nullable=False),
    sa.Column('rem_b5', sa.Integer(), nullable=False),
    sa.Column('rem_b6', sa.Integer(), nullable=False),
    sa.Column('rem_b7', sa.Integer(), nullable=False),
    sa.Column('rem_b8', sa.Integer(), nullable=False),
    sa.Column('rem_b9', sa.Integer(), nullable=False),
    sa.Column('rem_b10', sa.Integer(), nullable=False),
    sa.Column('rem_b11', sa.Integer(), nullable=False),
    sa.Column('rem_b12', sa.Integer(), nullable=False),
    sa.Column('rem_b13', sa.Integer(), nullable=False),
    sa.Column('rem_b14', sa.Integer(), nullable=False),
    sa.Column('rem_b15', sa.Integer(), nullable=False),
    sa.Column('rem_b16', sa.Integer(), nullable=False),
    sa.Column('rem_b17', sa.Integer(), nullable=False),
    sa.Column('rem_b18', sa.Integer(), nullable=False),
    sa.Column('rem_b19', sa.Integer(), nullable=False),
    sa.Column('rem_b20', sa.Integer(), nullable=False),
    sa.Column('rem_b21', sa.Integer(), nullable=False),
    sa.Column('rem_b22', sa.Integer(), nullable=False),
    sa.Column('rem_b23', sa.Integer(), nullable=False),
    sa.Column('rem_b24', sa.Integer(), nullable=False),
    sa.Column('rem_b25', sa.Integer(), nullable=False),
    sa.Column('rem_b26', sa.Integer(), nullable=False),
    sa.Column('rem_b27', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'platform_id', 'category', 'country', 'language', 'month', name='uq_oversight_rollup_key')
    )
    with op.batch_alter_table('oversight_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_oversight_rollup_month', ['month'], unique=False)

    op.create_table('oversight_state',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('oversight_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('issuer_org_id', sa.Integer(), nullable=False),
    sa.Column('platform_org_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('legal_ground', sa.String(length=300), nullable=False),
    sa.Column('what', sa.String(length=500), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actioned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['issuer_org_id'], ['orgs.id'], ),
    sa.ForeignKeyConstraint(['platform_org_id'], ['orgs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('oversight_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oversight_notices_issuer_org_id'), ['issuer_org_id'], unique=False)
        batch_op.create_index('ix_oversight_notices_open', ['status', 'deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_oversight_notices_platform_org_id'), ['platform_org_id'], unique=False)
        batch_op.create_index('ix_oversight_notices_updated_at', ['updated_at'], unique=False)

    op.create_table('oversight_notice_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['oversight_notices.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('oversight_notice_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oversight_notice_events_notice_id'), ['notice_id'], unique=False)

    with op.batch_alter_table('case_appeals', schema=None) as batch_op:
        batch_op.create_index('ix_case_appeals_decided_at', ['decided_at'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_updated_at', ['updated_at'], unique=False)

    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_updated_at', ['updated_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_updated_at')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_updated_at')

    with op.batch_alter_table('case_appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_case_appeals_decided_at')

    with op.batch_alter_table('oversight_notice_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oversight_notice_events_notice_id'))

    op.drop_table('oversight_notice_events')
    with op.batch_alter_table('oversight_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_oversight_notices_updated_at')
        batch_op.drop_index(batch_op.f('ix_oversight_notices_platform_org_id'))
        batch_op.drop_index('ix_oversight_notices_open')
        batch_op.drop_index(batch_op.f('ix_oversight_notices_issuer_org_id'))

    op.drop_table('oversight_notices')
    op.drop_table('oversight_state')
    with op.batch_alter_table('oversight_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_oversight_rollup_month')

    op.drop_table('oversight_rollup')
    op.drop_table('oversight_facts')
