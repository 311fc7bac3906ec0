"""Settings: one pydantic-settings model, built at the edge and passed in.

Every value can come from the environment with the prefix ``ATTIO_GATEWAY_``
(``ATTIO_GATEWAY_DATABASE_URL``, ``ATTIO_GATEWAY_REDIS_URL``, ...). Nothing in the
package reads the environment on import.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Settings", "private_dir", "private_file"]

logger = logging.getLogger(__name__)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATTIO_GATEWAY_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".attio-gateway"),
        description="Where the embedded default keeps its SQLite file and key file.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; defaults to a SQLite file in data_dir.",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis:// URL; when set, rate limits, locks and caches are shared through it.",
    )
    attio_reads_per_second: float = Field(
        default=100, gt=0, description="Client-side limit on reads (GET/HEAD) per workspace."
    )
    attio_writes_per_second: float = Field(
        default=25, gt=0, description="Client-side limit on writes per workspace."
    )
    proxy_max_total_wait: float = Field(
        default=30,
        ge=0,
        description="Longest a proxied call waits in retries before its error is raised.",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="The server's log lines: uvicorn's text, or one JSON object per line "
        "with request id, identifier and execution id (docs/operations.md).",
    )
    max_request_body_bytes: int = Field(
        default=4 * 1024 * 1024,
        gt=0,
        description=(
            "Largest request body the HTTP server accepts (API, proxy, MCP, dashboard); "
            "larger ones are answered 413 before they are read or forwarded."
        ),
    )
    idempotency_ttl: float = Field(
        default=24 * 3600,
        gt=0,
        description="Seconds an idempotency key and its stored result are kept (default 24 h).",
    )
    idempotency_wait: float = Field(
        default=30,
        ge=0,
        description=(
            "Longest a request waits for the first request with its idempotency key to "
            "finish before it is answered 409 idempotency_in_progress."
        ),
    )
    idempotency_lease: float = Field(
        default=300,
        gt=0,
        description=(
            "Seconds after which a key still in flight and not renewed (a running write "
            "renews it every third of this) is taken for a crashed gateway's: the next "
            "request with it reconciles, as after an unknown outcome."
        ),
    )
    audit_retention_days: float = Field(
        default=90,
        ge=0,
        description=(
            "Days audit events are kept; older ones are deleted in batches by a background "
            "job of every gateway process (0: kept forever)."
        ),
    )
    audit_retention_every: float = Field(
        default=3600,
        gt=0,
        description="Seconds between two runs of the audit retention job in one process.",
    )
    audit_export_path: Path | None = Field(
        default=None,
        description=(
            "A file the retention job appends each audit event to (one JSON object per "
            "line) before deleting it; none: deleted without export."
        ),
    )
    # NoDecode: the environment gives a plain comma-separated string, not JSON.
    vault_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description=(
            "Vault keys as 'key_id:base64key', comma-separated, newest first. The newest "
            "seals, all unseal. Empty: a key file is generated in data_dir."
        ),
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The gateway's public base URL; redirect URIs are built from it.",
    )

    @field_validator("vault_keys", mode="before")
    @classmethod
    def _split_vault_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'gateway.db'}"


def private_dir(path: Path) -> Path:
    """Create the state directory for its owner only (0700), or narrow an existing one to
    that: it holds the SQLite database and the vault's key file."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _narrow(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty, readable and writable by its owner only (0600), unless it
    exists; an existing one is narrowed to 0600. SQLite gives the ``-wal`` and ``-shm``
    files it creates later the mode of the database file, so creating the database file
    this way keeps those private as well."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    _narrow(path, 0o600)
    return path


def _narrow(path: Path, mode: int) -> None:
    """Drop every permission bit beyond ``mode`` (never adds one); a file the process does
    not own is left as it is, with a warning."""
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        try:
            path.chmod(current & mode)
        except PermissionError:
            logger.warning(
                "%s is mode %o and could not be narrowed to %o (not its owner): other users "
                "may read the gateway's state.",
                path,
                current,
                mode,
            )
