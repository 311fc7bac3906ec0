"""API clients get scopes, an optional list of connections and the client that minted
them; dashboard sessions are kept server-side so signing out ends them

Existing API clients keep everything they did before except reading plaintext tokens
(``accounts:tokens``) and managing API clients (``clients:admin``); see the upgrade note
in docs/http-api.md.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: What a client created before scopes existed may do from now on (fixed here, not read
#: from the code: a migration must mean the same thing forever).
UPGRADED_SCOPES = ["proxy", "tools:execute", "accounts:read", "accounts:write", "connections:admin"]


def upgrade() -> None:
    default = json.dumps(UPGRADED_SCOPES).replace("'", "''")
    op.add_column(
        "api_clients",
        sa.Column("scopes", sa.JSON(), nullable=False, server_default=sa.text(f"'{default}'")),
    )
    op.add_column("api_clients", sa.Column("connections", sa.JSON(), nullable=True))
    op.add_column(
        "api_clients", sa.Column("parent_client_id", sa.String(length=100), nullable=True)
    )
    with op.batch_alter_table("api_clients") as batch:
        # The default only filled the existing rows; new ones always say their scopes.
        batch.alter_column("scopes", existing_type=sa.JSON(), server_default=None)
        batch.create_index(
            op.f("ix_api_clients_parent_client_id"), ["parent_client_id"], unique=False
        )
    op.create_table(
        "dashboard_sessions",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"],
            ["operators.username"],
            name=op.f("fk_dashboard_sessions_username_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_hash", name=op.f("pk_dashboard_sessions")),
    )
    op.create_index(
        op.f("ix_dashboard_sessions_username"), "dashboard_sessions", ["username"], unique=False
    )
    op.create_index(
        op.f("ix_dashboard_sessions_expires_at"),
        "dashboard_sessions",
        ["expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dashboard_sessions_expires_at"), table_name="dashboard_sessions")
    op.drop_index(op.f("ix_dashboard_sessions_username"), table_name="dashboard_sessions")
    op.drop_table("dashboard_sessions")
    with op.batch_alter_table("api_clients") as batch:
        batch.drop_index(op.f("ix_api_clients_parent_client_id"))
        batch.drop_column("parent_client_id")
        batch.drop_column("connections")
        batch.drop_column("scopes")
