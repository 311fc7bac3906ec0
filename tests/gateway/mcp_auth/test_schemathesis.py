"""Schemathesis over the MCP authorization endpoints, over real HTTP: whatever comes in,
no 5xx. They are the ``mcp`` package's routes and the consent pages, outside the JSON
API's OpenAPI document, so the test describes their inputs itself (RFC 6749, 7009, 7591,
8414, 9728 and the consent form). Bounded (a few dozen examples per operation)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from attio_emulator.server import free_port
from attio_gateway.api import create_app
from attio_gateway.config import Settings

_TEXT: dict[str, Any] = {"type": "string", "maxLength": 300}
_ANY_RESPONSE = {"default": {"description": "any answer but a 5xx"}}


def _query(*names: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "query", "required": False, "schema": _TEXT} for name in names]


def _form(*names: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": dict.fromkeys(names, _TEXT)}
            }
        },
    }


_AUTHORIZE = (
    "response_type",
    "client_id",
    "redirect_uri",
    "code_challenge",
    "code_challenge_method",
    "state",
    "scope",
    "resource",
)
_TOKEN = (
    "grant_type",
    "code",
    "redirect_uri",
    "client_id",
    "client_secret",
    "code_verifier",
    "refresh_token",
    "scope",
    "resource",
)
_REGISTRATION = {
    "type": "object",
    "properties": {
        "client_name": _TEXT,
        "redirect_uris": {"type": "array", "items": _TEXT, "maxItems": 3},
        "grant_types": {"type": "array", "items": _TEXT, "maxItems": 3},
        "response_types": {"type": "array", "items": _TEXT, "maxItems": 2},
        "token_endpoint_auth_method": _TEXT,
        "scope": _TEXT,
        "client_uri": _TEXT,
    },
}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "MCP authorization", "version": "1"},
    "paths": {
        "/.well-known/oauth-authorization-server": {"get": {"responses": _ANY_RESPONSE}},
        "/.well-known/openid-configuration": {"get": {"responses": _ANY_RESPONSE}},
        "/.well-known/oauth-protected-resource/mcp": {"get": {"responses": _ANY_RESPONSE}},
        "/authorize": {
            "get": {"parameters": _query(*_AUTHORIZE), "responses": _ANY_RESPONSE},
            "post": {"requestBody": _form(*_AUTHORIZE), "responses": _ANY_RESPONSE},
        },
        "/token": {"post": {"requestBody": _form(*_TOKEN), "responses": _ANY_RESPONSE}},
        "/revoke": {
            "post": {
                "requestBody": _form("token", "token_type_hint", "client_id", "client_secret"),
                "responses": _ANY_RESPONSE,
            }
        },
        "/register": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _REGISTRATION}},
                },
                "responses": _ANY_RESPONSE,
            }
        },
        "/mcp-auth/consent": {
            "get": {"parameters": _query("request"), "responses": _ANY_RESPONSE},
            "post": {
                "requestBody": _form("request", "decision", "consent_token"),
                "responses": _ANY_RESPONSE,
            },
        },
        "/mcp-auth/attio-return": {
            "get": {
                "parameters": _query("auth_request_id", "state", "identifier"),
                "responses": _ANY_RESPONSE,
            }
        },
        "/mcp": {"post": {"responses": _ANY_RESPONSE}},
    },
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data_dir = tmp_path_factory.mktemp("mcp-auth-schemathesis")
    app = create_app(Settings(data_dir=data_dir, base_url=url), mcp=True)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "no server"
        time.sleep(0.01)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


schema = schemathesis.openapi.from_dict(SPEC)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_makes_the_authorization_server_fail(
    case: schemathesis.Case, base_url: str
) -> None:
    case.call_and_validate(base_url=base_url, checks=[not_a_server_error])
