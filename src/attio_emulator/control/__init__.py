"""Test-only routes under the one reserved prefix ``/_emulator``."""
