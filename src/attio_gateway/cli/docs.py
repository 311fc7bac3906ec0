"""``docs/cli.md``, generated from the CLI itself (a test keeps the file in sync):
``python -m attio_gateway.cli.docs > docs/cli.md``."""

from __future__ import annotations

from typing import Any

import typer

from attio_gateway.cli import app

# Typer bundles its own click, so commands and parameters are read by their attributes.


def _params(command: Any) -> list[str]:
    rows = []
    for param in command.params:
        if param.name in ("help", "install_completion", "show_completion"):
            continue
        if getattr(param, "param_type_name", "") == "option":
            names = ", ".join(f"`{n}`" for n in [*param.opts, *param.secondary_opts])
            text = (param.help or "").replace("\n", " ")
            if param.default not in (None, False, ()) and not param.required:
                text += f" (default: `{param.default}`)"
        else:
            names = f"`{(param.name or '').upper()}`"
            text = "argument"
        rows.append(f"| {names} | {text.strip()} |")
    return rows


def _walk(command: Any, path: str, out: list[str]) -> None:
    if hasattr(command, "commands"):
        if _params(command):  # a group that also runs by itself (e.g. `mcp --identifier`)
            _section(command, path, out)
        for name in sorted(command.commands):
            _walk(command.commands[name], f"{path} {name}", out)
        return
    _section(command, path, out)


def _section(command: Any, path: str, out: list[str]) -> None:
    out.append(f"## `{path}`")
    out.append("")
    out.append((command.help or "").strip())
    rows = _params(command)
    if rows:
        out += ["", "| option | meaning |", "|---|---|", *rows]
    out.append("")


def render() -> str:
    out = [
        "# Command line",
        "",
        "Generated from the CLI (`python -m attio_gateway.cli.docs > docs/cli.md`); "
        "`attio-gateway COMMAND --help` says the same.",
        "",
    ]
    _walk(typer.main.get_command(app), "attio-gateway", out)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
