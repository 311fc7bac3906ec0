"""``scalekit.common``: the SDK's shared pieces (here, its exception classes)."""
