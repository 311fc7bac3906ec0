"""Objects, attributes, select options and statuses (the workspace schema)."""
