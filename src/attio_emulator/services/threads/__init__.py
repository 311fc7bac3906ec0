"""Comment threads on records and list entries."""
