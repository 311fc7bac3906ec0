"""The compat client behaves like the hosted SDK: its types, its kwargs, its exceptions
(on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import attio_gateway.compat.scalekit as scalekit
from attio_emulator.server import RunningEmulator, run_in_thread
from attio_gateway.compat.scalekit.actions.actions import HTTPError
from attio_gateway.compat.scalekit.actions.types import (
    DeleteConnectedAccountResponse,
    ExecuteToolResponse,
    ListConnectedAccountsResponse,
    ListToolsResponse,
    MagicLinkResponse,
)
from attio_gateway.compat.scalekit.common.exceptions import (
    ScalekitBadRequestException,
    ScalekitConflictException,
    ScalekitException,
    ScalekitForbiddenException,
    ScalekitNotFoundException,
    ScalekitNotImplementedException,
    ScalekitServerException,
    ScalekitToolException,
    StatusCode,
)
from attio_gateway.config import Settings
from attio_gateway.errors import (
    AccountNotActiveError,
    ConflictError,
    NotFoundError,
    ToolInputError,
    UpstreamError,
)
from attio_gateway.sdk.sandbox import connect_user, create_emulator_connection


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with run_in_thread() as running:
        yield running


@pytest.fixture
def client(
    tmp_path: Path, emulator: RunningEmulator, database_url: str
) -> Iterator[scalekit.ScalekitClient]:
    """On SQLite and on PostgreSQL (``database_url``)."""
    with scalekit.client.ScalekitClient(
        "http://gw.test",
        "client-id",
        "client-secret",
        call_timeout_s=5,
        tool_call_timeout_s=30,
        settings=Settings(data_dir=tmp_path, database_url=database_url),
    ) as made:
        made.gateway.run(lambda g: create_emulator_connection(g, emulator.base_url))
        yield made


def test_the_product_flow_with_the_sdks_types(client: scalekit.ScalekitClient) -> None:
    actions = client.actions
    link = actions.get_authorization_link(connection_name="attio", identifier="u1", timeout=3)
    assert isinstance(link, MagicLinkResponse) and link.link and link.expiry
    assert set(link.to_dict()) == {"link", "expiry"}
    with pytest.raises(ScalekitForbiddenException, match="has not authorized yet") as refused:
        actions.request("attio", "u1", "/v2/self")
    assert isinstance(refused.value.__cause__, AccountNotActiveError)
    assert refused.value.grpc_status is StatusCode.PERMISSION_DENIED
    client.gateway.run(lambda g: connect_user(g, "u1"))

    answer = actions.request("attio", "u1", "/v2/self", timeout=10)
    assert answer.ok and answer.reason == "OK" and answer.json()["active"] is True
    answer.raise_for_status()
    missing = actions.request(
        "attio", "u1", "/v2/objects/no_such_object/records/query", method="post", body={}
    )
    assert missing.status_code == 404
    with pytest.raises(HTTPError, match="404 Client Error") as raised:
        missing.raise_for_status()
    assert raised.value.response is missing and isinstance(raised.value, OSError)
    with pytest.raises(TypeError, match="unexpected keyword argument 'jsn'"):
        actions.request("attio", "u1", "/v2/self", jsn={})
    with pytest.raises(ValueError, match="identifier is required"):
        actions.request("attio", "", "/v2/self")

    seen: list[Any] = []

    @actions.pre_modifier(tool_names="attio_create_company")
    def add_domain(tool_input: dict[str, Any]) -> dict[str, Any]:
        return {"values": {**tool_input["values"], "domains": ["acme.example"]}}

    @actions.post_modifier(tool_names=["attio_create_company"])
    def keep(output: Any) -> Any:
        seen.append(output)
        return {"wrapped": output}

    assert [m.type for m in actions.get_modifiers("attio_create_company")] == ["pre", "post"]
    assert actions.get_modifiers(modifier_type="pre") == [actions.get_modifiers()[0]]
    made = actions.execute_tool(
        {"values": {"name": "Acme"}},
        "attio_create_company",
        identifier="u1",
        connection_name="attio",
        timeout=60,
    )
    assert isinstance(made, ExecuteToolResponse) and made.execution_id
    assert made.data == {"wrapped": seen[0]}
    assert "acme.example" in str(seen[0])  # the pre modifier's domain reached Attio
    assert set(made.to_dict()) == {"data", "execution_id"}
    people = actions.execute_tool({}, "attio_list_people", "u1", connection_name="attio")
    assert people.data is not None and people.execution_id != made.execution_id
    with pytest.raises(ValueError, match="tool_name is required"):
        actions.execute_tool({}, "")

    tools = actions.list_tools(identifier="u1", connection_name="attio", page_size=2)
    assert isinstance(tools, ListToolsResponse)
    assert len(tools.tools) == 2 and tools.next_page_token and tools.total_count
    assert tools.tool_names == [t.id for t in tools.tools]
    assert tools.tools[0].metadata == {"usable": True, "missing_scopes": []}
    assert set(tools.to_dict()) == {
        "tools", "tool_names", "total_count", "next_page_token", "previous_page_token"
    }  # fmt: skip
    two = actions.list_tools(tool_name=["attio_list_people", "attio_create_company"], summary=True)
    assert sorted(two.tool_names) == ["attio_create_company", "attio_list_people"]
    assert set(two.tools[0].definition or {}) == {"name", "description"}

    listed = actions.list_connected_accounts(connection_name="attio")
    assert isinstance(listed, ListConnectedAccountsResponse)
    assert listed.total_count == 1 and listed.connected_accounts[0].status == "ACTIVE"
    assert listed.to_dict()["total_count"] == 1
    both = actions.list_connected_accounts(connection_names=["attio", "attio"])
    assert [a.identifier for a in both.connected_accounts] == ["u1"]
    account = actions.get_connected_account("attio", "u1").connected_account
    assert account is not None and account.authorization_details
    details = actions.get_connected_account_details(connected_account_id=account.id)
    assert details.connected_account is not None
    assert details.connected_account.authorization_details is None
    by_id = actions.list_tools(connected_account_id=account.id, page_size=1)
    assert by_id.tools[0].metadata is not None

    gone = actions.delete_connected_account(connection_name="attio", identifier="u1")
    assert isinstance(gone, DeleteConnectedAccountResponse) and gone.to_dict() == {}
    with pytest.raises(ScalekitNotFoundException) as not_found:
        actions.get_connected_account("attio", "u1", organization_id="org")
    assert isinstance(not_found.value.gateway_error, NotFoundError)
    assert not_found.value.http_status == 404


def test_connected_accounts_and_their_errors(client: scalekit.ScalekitClient) -> None:
    actions = client.actions
    created = actions.create_connected_account("attio", "u2", api_config={"a": 1}, extra=1)
    assert created.connected_account is not None
    assert created.connected_account.status == "PENDING_AUTH"
    assert created.connected_account.api_config == {"a": 1}
    with pytest.raises(ScalekitConflictException) as conflict:
        actions.create_connected_account("attio", "u2")
    assert isinstance(conflict.value.__cause__, ConflictError)
    again = actions.upsert_connected_account("attio", "u2")
    assert again.connected_account is not None
    assert again.connected_account.id == created.connected_account.id
    changed = actions.update_connected_account(
        "attio", "u2", api_config={"b": 2}, connected_account_id=created.connected_account.id
    )
    assert changed.connected_account is not None
    assert changed.connected_account.api_config == {"b": 2}
    with pytest.raises(ValueError, match="connection_name is required"):
        actions.create_connected_account("", "u2")
    with pytest.raises(ScalekitBadRequestException) as bad:
        actions.list_connected_accounts(page_token="not-a-token")
    assert isinstance(bad.value.__cause__, ToolInputError)
    assert bad.value.grpc_status is StatusCode.INVALID_ARGUMENT
    assert (bad.value.code, bad.value.field) == ("tool_input_error", "page_token")
    with pytest.raises(ScalekitNotImplementedException) as unimplemented:
        actions.list_configs(page_size=10)
    assert unimplemented.value.grpc_status is StatusCode.UNIMPLEMENTED
    with pytest.raises(ScalekitNotImplementedException, match="hosted MCP"):
        _ = actions.mcp
    with pytest.raises(ValueError, match="auth_request_id is required"):
        actions.verify_connected_account_user("", "u2")


def test_the_gateway_errors_map_onto_the_sdks_exceptions() -> None:
    upstream = UpstreamError(
        "Attio refused", status_code=400, upstream_code="validation_type", request_id="r1"
    )
    tool = ScalekitServerException.promote(upstream)
    assert type(tool) is ScalekitToolException
    assert (tool.tool_error_code, tool.tool_error_message, tool.execution_id) == (
        "validation_type",
        "Attio refused",
        "r1",
    )
    assert ScalekitServerException.promote(
        UpstreamError("x", status_code=403)
    ).__class__.__name__ == ("ScalekitToolForbiddenException")
    plain = ScalekitNotFoundException("no such thing")
    assert isinstance(plain, ScalekitException)
    assert (plain.grpc_status, plain.message, plain.gateway_error) == (
        StatusCode.NOT_FOUND,
        "no such thing",
        None,
    )
    assert "NOT_FOUND" in str(plain)
