"""The Helm chart, checked without helm (not installable here): its YAML files parse, every
value a template reads is declared in values.yaml, and the commands and probes it runs
exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from attio_gateway.cli import app

CHART = Path(__file__).resolve().parents[3] / "deploy" / "helm" / "attio-gateway"
TEMPLATES = sorted((CHART / "templates").iterdir())


def test_chart_and_values_parse() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2" and chart["name"] == "attio-gateway"
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["image"]["repository"] == "attio-gateway"


def test_every_value_a_template_reads_is_declared() -> None:
    values: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    read = {
        path
        for template in TEMPLATES
        for path in re.findall(r"\.Values\.([A-Za-z0-9_.]+)", template.read_text())
    }
    assert read
    for path in read:
        node: Any = values
        for key in path.split("."):
            assert isinstance(node, dict) and key in node, f".Values.{path} is not in values.yaml"
            node = node[key]


def test_the_commands_and_probes_exist() -> None:
    deployment = (CHART / "templates" / "deployment.yaml").read_text()
    job = (CHART / "templates" / "migrate-job.yaml").read_text()
    assert deployment.count("path: /healthz") == 2
    assert 'args: ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers"' in deployment
    assert 'args: ["db", "upgrade"]' in job
    for command in (["serve"], ["db", "upgrade"]):
        result = CliRunner().invoke(app, [*command, "--help"])
        assert result.exit_code == 0, result.output
    assert "runAsNonRoot: true" in deployment and "runAsUser: 10001" in deployment
