"""attio-gateway: a self-hostable agent auth gateway for the Attio CRM."""

__version__ = "0.1.0"
