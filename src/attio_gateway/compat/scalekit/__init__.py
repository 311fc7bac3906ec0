"""Drop-in for the hosted agent-auth service's Python SDK.

The product document's sample starts with ``import scalekit.client, os`` and then calls
``scalekit.client.ScalekitClient(...)``. Change only that import line to::

    import attio_gateway.compat.scalekit as scalekit, os

and ``scalekit.client`` resolves to :mod:`attio_gateway.compat.scalekit.client`, whose
``ScalekitClient`` runs the embedded gateway. ``from attio_gateway.compat.scalekit import
ScalekitClient`` works as well.
"""

from attio_gateway.compat.scalekit import client
from attio_gateway.compat.scalekit.client import ScalekitClient

__all__ = ["ScalekitClient", "client"]
