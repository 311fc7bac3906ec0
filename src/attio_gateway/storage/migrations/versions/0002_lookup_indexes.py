"""indexes for expiry sweeps, session lookups by account, and audit filters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("authorization_requests") as batch_op:
        batch_op.create_index("ix_authorization_requests_expires_at", ["expires_at"])
    with op.batch_alter_table("session_tokens") as batch_op:
        batch_op.create_index("ix_session_tokens_account_id", ["account_id"])
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.create_index("ix_audit_events_connection_name", ["connection_name"])


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_index("ix_audit_events_connection_name")
    with op.batch_alter_table("session_tokens") as batch_op:
        batch_op.drop_index("ix_session_tokens_account_id")
    with op.batch_alter_table("authorization_requests") as batch_op:
        batch_op.drop_index("ix_authorization_requests_expires_at")
