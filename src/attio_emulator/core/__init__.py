"""Workspace state, Attio's error type and wire shape, ids and clock, limits and faults."""
