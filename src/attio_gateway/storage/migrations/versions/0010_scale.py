"""Keyset pagination of connected accounts: (created_at, id) indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_connected_accounts_created", "connected_accounts", ["created_at", "id"], unique=False
    )
    op.create_index(
        "ix_connected_accounts_connection_created",
        "connected_accounts",
        ["connection_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_connected_accounts_connection_created", table_name="connected_accounts")
    op.drop_index("ix_connected_accounts_created", table_name="connected_accounts")
