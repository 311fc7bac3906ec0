"""The Dockerfile and compose.yaml, checked as far as this machine can without Docker: what
they run is a real command, the image runs as a non-root user with a health check on
/healthz, and compose migrates before the gateway starts on PostgreSQL and Redis."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from attio_gateway.cli import app

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    out = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def accepts(args: list[str]) -> None:
    """The CLI knows the command and its options (asked with --help, so nothing runs)."""
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, (args, result.output)


def test_dockerfile_runs_the_gateway_as_a_user_with_a_health_check() -> None:
    steps = instructions(ROOT / "Dockerfile")
    froms = [rest for word, rest in steps if word == "FROM"]
    assert froms and all(image.startswith("python:3.12-slim") for image in froms)
    user = [rest for word, rest in steps if word == "USER"][-1]
    assert not user.startswith(("root", "0")), user
    (health,) = [rest for word, rest in steps if word == "HEALTHCHECK"]
    assert "/healthz" in health and "127.0.0.1:8000" in health
    probe = re.search(r'"-c", "(.*)"\]', health)
    assert probe is not None
    compile(probe.group(1), "healthcheck", "exec")  # the probe is valid Python
    (entrypoint,) = [rest for word, rest in steps if word == "ENTRYPOINT"]
    (cmd,) = [rest for word, rest in steps if word == "CMD"]
    assert entrypoint == '["attio-gateway"]'
    command = yaml.safe_load(cmd)
    assert command[:1] == ["serve"] and "--port" in command and "8000" in command
    accepts(command[:1])
    assert "EXPOSE 8000" in {f"{w} {r}" for w, r in steps}


def test_compose_migrates_then_serves_on_postgres_and_redis() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "gateway"} <= set(services)
    gateway, migrate = services["gateway"], services["migrate"]
    env = gateway["environment"]
    assert env["ATTIO_GATEWAY_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["ATTIO_GATEWAY_REDIS_URL"].startswith("redis://redis:")
    assert "ATTIO_GATEWAY_VAULT_KEYS" in env and migrate["environment"] == env
    assert migrate["command"] == ["db", "upgrade"]
    accepts(migrate["command"])
    assert gateway["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    accepts(gateway["command"][:1])
    assert "--workers" in gateway["command"]  # several workers: Redis is configured


def test_the_key_command_compose_asks_for_needs_no_state(tmp_path: Path) -> None:
    header = (ROOT / "compose.yaml").read_text()
    line = next(x for x in header.splitlines() if "vault new-key" in x)
    assert "attio-gateway vault new-key" in line
    result = runner.invoke(
        app, shlex.split("vault new-key"), env={"ATTIO_GATEWAY_DATA_DIR": str(tmp_path / "none")}
    )
    assert result.exit_code == 0 and re.fullmatch(r"[^:\s]+:\S+\n", result.stdout)
    assert not (tmp_path / "none").exists()
