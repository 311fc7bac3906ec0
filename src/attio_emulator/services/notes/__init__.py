"""Notes on records."""
