"""attio-emulator: a faithful local Attio (REST API v2 + OAuth server).

Never imports ``attio_gateway``.
"""

__version__ = "0.1.0"
