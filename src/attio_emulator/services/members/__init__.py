"""Workspace members and ``/v2/self``."""
