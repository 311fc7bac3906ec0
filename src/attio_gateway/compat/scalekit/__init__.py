"""Drop-in for the hosted agent-auth service's Python SDK (``scalekit-sdk-python``).

The product document's sample starts with ``import scalekit.client, os`` and then calls
``scalekit.client.ScalekitClient(...)``. Change only that import line to::

    import attio_gateway.compat.scalekit as scalekit, os

and ``scalekit.client`` resolves to :mod:`attio_gateway.compat.scalekit.client`, whose
``ScalekitClient`` runs the embedded gateway. The SDK's module paths are here too:
``…scalekit.client``, ``…scalekit.common.exceptions`` (its exception classes, raised for
the gateway's errors), ``…scalekit.actions`` and ``…scalekit.actions.types`` (what
``client.actions`` returns). docs/migrating-from-scalekit.md lists the differences.
"""

from attio_gateway.compat.scalekit import actions, client, common
from attio_gateway.compat.scalekit.client import ScalekitClient

__all__ = ["ScalekitClient", "actions", "client", "common"]
