"""MCP authorization: OAuth clients, codes and tokens of MCP clients

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mcp_auth_clients",
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.Column("client_secret_sealed", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_mcp_auth_clients")),
    )
    op.create_table(
        "mcp_auth_requests",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("signin_account_id", sa.String(length=36), nullable=True),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["mcp_auth_clients.client_id"],
            name=op.f("fk_mcp_auth_requests_client_id_mcp_auth_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mcp_auth_requests")),
    )
    op.create_index(
        op.f("ix_mcp_auth_requests_code_hash"), "mcp_auth_requests", ["code_hash"], unique=True
    )
    op.create_index(
        op.f("ix_mcp_auth_requests_expires_at"), "mcp_auth_requests", ["expires_at"], unique=False
    )
    op.create_table(
        "mcp_auth_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("grant_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("resource", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["connected_accounts.id"],
            name=op.f("fk_mcp_auth_tokens_account_id_connected_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["mcp_auth_clients.client_id"],
            name=op.f("fk_mcp_auth_tokens_client_id_mcp_auth_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_mcp_auth_tokens")),
    )
    op.create_index(
        op.f("ix_mcp_auth_tokens_grant_id"), "mcp_auth_tokens", ["grant_id"], unique=False
    )
    op.create_index(
        op.f("ix_mcp_auth_tokens_account_id"), "mcp_auth_tokens", ["account_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_mcp_auth_tokens_account_id"), table_name="mcp_auth_tokens")
    op.drop_index(op.f("ix_mcp_auth_tokens_grant_id"), table_name="mcp_auth_tokens")
    op.drop_table("mcp_auth_tokens")
    op.drop_index(op.f("ix_mcp_auth_requests_expires_at"), table_name="mcp_auth_requests")
    op.drop_index(op.f("ix_mcp_auth_requests_code_hash"), table_name="mcp_auth_requests")
    op.drop_table("mcp_auth_requests")
    op.drop_table("mcp_auth_clients")
