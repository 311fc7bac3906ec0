"""Triggers and outbound events: subscriptions, workspace webhooks, inbound events, deliveries

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trigger_webhooks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("attio_webhook_id", sa.String(length=64), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("attio_subscriptions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["connected_accounts.id"],
            name=op.f("fk_trigger_webhooks_account_id_connected_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_webhooks")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_trigger_webhooks_workspace_id")),
    )
    op.create_table(
        "trigger_subscriptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=True),
        sa.Column("target_url", sa.String(length=2000), nullable=True),
        sa.Column("include_record", sa.Boolean(), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["connected_accounts.id"],
            name=op.f("fk_trigger_subscriptions_account_id_connected_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_subscriptions")),
    )
    op.create_index(
        "ix_trigger_subscriptions_account_id",
        "trigger_subscriptions",
        ["account_id"],
        unique=False,
    )
    op.create_table(
        "trigger_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("webhook_id", sa.String(length=36), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["trigger_webhooks.id"],
            name=op.f("fk_trigger_events_webhook_id_trigger_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_events")),
        sa.UniqueConstraint("webhook_id", "dedup_key", name="uq_trigger_events_dedup_key"),
    )
    op.create_table(
        "trigger_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=36), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["trigger_events.id"],
            name=op.f("fk_trigger_deliveries_event_id_trigger_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["trigger_subscriptions.id"],
            name=op.f("fk_trigger_deliveries_subscription_id_trigger_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_deliveries")),
        sa.UniqueConstraint("event_id", "subscription_id", name="uq_trigger_deliveries_event_id"),
    )
    op.create_index(
        "ix_trigger_deliveries_subscription_id_state",
        "trigger_deliveries",
        ["subscription_id", "state"],
        unique=False,
    )
    op.create_index("ix_trigger_deliveries_state", "trigger_deliveries", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_trigger_deliveries_state", table_name="trigger_deliveries")
    op.drop_index("ix_trigger_deliveries_subscription_id_state", table_name="trigger_deliveries")
    op.drop_table("trigger_deliveries")
    op.drop_table("trigger_events")
    op.drop_index("ix_trigger_subscriptions_account_id", table_name="trigger_subscriptions")
    op.drop_table("trigger_subscriptions")
    op.drop_table("trigger_webhooks")
