"""Compatibility layers for code written against other agent-auth SDKs."""
