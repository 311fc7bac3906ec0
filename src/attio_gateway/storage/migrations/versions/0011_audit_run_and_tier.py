"""Audit events carry the caller's agent run id and the error tier of a failed call

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("agent_run_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("error_tier", sa.String(length=20), nullable=True))
    op.create_index(
        op.f("ix_audit_events_agent_run_id"), "audit_events", ["agent_run_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_events_agent_run_id"), table_name="audit_events")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("error_tier")
        batch.drop_column("agent_run_id")
