"""An MCP resource URI cannot steer the request it makes: the object slug is built into its
own path segment, and one Attio would not take is refused (issue 14, item 1)."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from attio_gateway.mcp_server import build_server, fixed_account
from attio_gateway.sdk import AsyncGateway
from attio_gateway.sdk.sandbox import connect_user


@pytest.mark.parametrize("slug", ["%2e%2e%2ftasks", "..", "people%2f..%2f..%2fself", "a%00b"])
async def test_an_object_slug_that_is_not_a_slug_is_refused(
    gateway: AsyncGateway, slug: str
) -> None:
    await connect_user(gateway, "alice")
    async with Client(build_server(gateway, account_of=fixed_account("alice"))) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource(f"attio://schema/objects/{slug}")
        people = await client.read_resource("attio://schema/objects/people")
    assert caught.value.code == -32002
    assert caught.value.data["code"] == "tool_input_error"
    assert caught.value.data["field"] == "object"
    assert people.contents
