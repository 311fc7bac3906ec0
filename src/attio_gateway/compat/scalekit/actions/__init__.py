"""``scalekit.actions``: the ``ActionClient`` behind ``client.actions``."""

from attio_gateway.compat.scalekit.actions.actions import ActionClient

__all__ = ["ActionClient"]
