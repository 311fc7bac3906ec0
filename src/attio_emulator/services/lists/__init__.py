"""Lists and list entries."""
