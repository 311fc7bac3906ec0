"""Triggers: Attio webhooks per workspace, verified inbound deliveries, events per user."""
