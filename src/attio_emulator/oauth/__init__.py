"""Attio's OAuth 2.0 authorization server: apps, consent, token, introspect, revoke."""
