"""The gateway's state: SQLAlchemy 2 async tables, query functions, Alembic migrations.

The only place SQL lives and the only place ``sqlalchemy`` exceptions are caught.
No business rules here.
"""

from attio_gateway.storage.database import Database
from attio_gateway.storage.migrate import upgrade_database

__all__ = ["Database", "upgrade_database"]
