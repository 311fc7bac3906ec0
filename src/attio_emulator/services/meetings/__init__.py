"""Meetings (beta)."""
