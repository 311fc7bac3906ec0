"""Webhooks: subscriptions and signed delivery of events."""
