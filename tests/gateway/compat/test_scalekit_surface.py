"""``attio_gateway.compat.scalekit`` against the real ``scalekit-sdk-python`` (a test dependency).

The test reads the SDK's public surface from the installed package with ``inspect`` — its
modules, ``ScalekitClient``, ``ActionClient``, the response types, the modifiers and the
exception classes — and compares ours with it. Every difference must be listed in
``DELIBERATE`` with its reason, and every entry there must be named in
docs/migrating-from-scalekit.md, so the page and the code cannot drift apart.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, get_args, get_origin

import httpx
import pydantic
import pytest
import requests

# The SDK's models use pydantic's class-based Config, deprecated since pydantic 2; the
# suite turns warnings into errors, so it is imported with them silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import scalekit
    import scalekit.actions.actions
    import scalekit.actions.modifier
    import scalekit.actions.types
    import scalekit.client
    import scalekit.common.exceptions
    from scalekit.actions.models.responses.get_connected_account_auth_response import (
        ConnectedAccount as RealConnectedAccount,
    )
    from scalekit.actions.models.responses.list_connected_accounts_response import (
        ConnectedAccountForList as RealConnectedAccountForList,
    )

import attio_gateway.compat.scalekit as ours
from attio_gateway.compat.scalekit.actions.actions import Response as OurResponse

DOC = Path(__file__).resolve().parents[3] / "docs" / "migrating-from-scalekit.md"
REAL_VERSION = "2.21.0"

_NOT_AGENT_AUTH = (
    "the SDK's single sign-on, user-management, M2M and webhook half: not agent auth, "
    "and not what this gateway is for"
)
_MCP = "hosted MCP configs and instances: this gateway serves its tools with `attio-gateway mcp`"
_FRAMEWORK = "the SDK's framework helpers; the gateway has its own tool adapters"
_GRPC_CLIENT = "the SDK's low-level gRPC clients: in-process there is no channel to a service"
_EXTRA = "the gateway's own addition, on top of the SDK's surface"

#: Every difference between the SDK's surface and ours, with its reason.
DELIBERATE: dict[str, str] = {
    # modules
    **dict.fromkeys(
        [
            f"module scalekit.{name}"
            for name in [
                "auth",
                "connected_accounts",
                "connection",
                "constants",
                "core",
                "directory",
                "domain",
                "events",
                "frameworks",
                "m2m_client",
                "mcp",
                "middleware",
                "organization",
                "passwordless",
                "permissions",
                "providers",
                "resource",
                "role",
                "sessions",
                "token",
                "tools",
                "users",
                "utils",
                "v1",
                "webauthn",
                "_version",
            ]
        ],
        "not agent auth, or the SDK's gRPC plumbing (scalekit.v1 is its generated protobuf "
        "code; scalekit.core its channel)",
    ),
    "module scalekit.AuthorizationUrlOptions": _NOT_AGENT_AUTH,
    "module scalekit.CodeAuthenticationOptions": _NOT_AGENT_AUTH,
    # ScalekitClient
    **dict.fromkeys(
        [
            f"ScalekitClient.{name}"
            for name in [
                "get_authorization_url",
                "authenticate_with_code",
                "validate_access_token",
                "generate_client_token",
                "get_client_access_token",
                "validate_access_token_and_get_claims",
                "get_idp_initiated_login_claims",
                "validate_token",
                "verify_scopes",
                "verify_webhook_payload",
                "verify_interceptor_payload",
                "refresh_access_token",
                "get_logout_url",
                "auth",
                "connection",
                "directory",
                "domain",
                "events",
                "m2m_client",
                "mcp",
                "organization",
                "passwordless",
                "permissions",
                "resources",
                "roles",
                "sessions",
                "tokens",
                "users",
                "webauthn",
            ]
        ],
        _NOT_AGENT_AUTH,
    ),
    "ScalekitClient.core_client": _GRPC_CLIENT,
    "ScalekitClient.connected_accounts": _GRPC_CLIENT,
    "ScalekitClient.tools": _GRPC_CLIENT,
    "ScalekitClient.gateway": _EXTRA + ": the embedded sync Gateway",
    "ScalekitClient.env_url": _EXTRA + " (the SDK keeps it on core_client)",
    "ScalekitClient.client_id": _EXTRA + " (the SDK keeps it on core_client)",
    "ScalekitClient.close": _EXTRA + ": the embedded gateway holds a database and a loop",
    "ScalekitClient.__init__(env_url)": "optional: the embedded gateway needs no credentials",
    "ScalekitClient.__init__(client_id)": "optional: the embedded gateway needs no credentials",
    "ScalekitClient.__init__(client_secret)": "optional: the embedded gateway needs none",
    "ScalekitClient.__init__(settings)": _EXTRA + ": the embedded gateway's Settings",
    # ActionClient
    "ActionClient.__init__": "built by ScalekitClient over the embedded gateway, not by callers",
    "ActionClient.tools": _GRPC_CLIENT,
    "ActionClient.connected_accounts": _GRPC_CLIENT,
    "ActionClient.disconnect_connected_account": _EXTRA,
    "ActionClient.search_tools": _EXTRA,
    # the response types
    "types.from_proto": "the SDK builds its types from protobuf; ours from the gateway's models",
    "ConnectedAccountForList.id": _EXTRA + ": the list item names the account",
    "ConnectedAccountForList.to_dict(id)": _EXTRA + ": the list item names the account",
    **dict.fromkeys(
        [
            f"types.{name}"
            for name in [
                "ToolRequest",
                "McpRequest",
                "CreateConnectedAccountRequest",
                "UpdateConnectedAccountRequest",
                "CreateMcpResponse",
                "GetMcpResponse",
                "CreateMcpConfigResponse",
                "EnsureMcpInstanceResponse",
                "ListMcpConfigsResponse",
                "ListMcpInstancesResponse",
                "UpdateMcpConfigResponse",
                "UpdateMcpInstanceResponse",
                "DeleteMcpConfigResponse",
                "DeleteMcpInstanceResponse",
                "GetMcpInstanceResponse",
                "GetMcpInstanceAuthStateResponse",
                "ToolMapping",
                "McpConfig",
                "McpConfigConnectionToolMapping",
                "McpInstance",
                "McpInstanceConnectionAuthState",
                "ListMcpConnectedAccountsResponse",
                "CreateMcpSessionTokenResponse",
                "McpConnectionAuthState",
            ]
        ],
        _MCP + " (and the request models: the methods take plain arguments)",
    ),
    **dict.fromkeys(
        [
            f"types.{name}"
            for name in [
                "AuthPattern",
                "AuthField",
                "AuthFieldOption",
                "OAuthConfig",
                "Provider",
                "CreateCustomProviderRequest",
                "UpdateCustomProviderRequest",
                "ListProvidersRequest",
                "DeleteCustomProviderRequest",
                "CreateCustomProviderResponse",
                "UpdateCustomProviderResponse",
                "ListProvidersResponse",
                "DeleteCustomProviderResponse",
            ]
        ],
        "custom providers: this gateway has one provider, Attio",
    ),
    # request()'s answer
    "Response.raise_for_status": (
        "raises attio_gateway's HTTPError (an IOError with response and request, worded as "
        "requests words it), not requests.HTTPError: requests is not a dependency"
    ),
    **dict.fromkeys(
        [f"Response.{name}" for name in ("apparent_encoding", "raw", "connection")],
        "requests' transport internals; the answer is an httpx response underneath",
    ),
    "Response.is_permanent_redirect": "the gateway never follows nor returns redirects as such",
    "Response.next": "the gateway never follows nor returns redirects as such",
    # exceptions
    "exceptions.StatusCode": (
        "grpc_status is our StatusCode (grpc.StatusCode's names and values): grpcio is not "
        "a dependency"
    ),
    "exceptions.error": (
        "the constructors take one of the gateway's errors (or a response), not a "
        "grpc.RpcError; the gateway's error stays as gateway_error, code and field"
    ),
    # behaviour the signatures do not show
    "request(json=)": (
        "accepted (the product document's sample passes it); the SDK raises TypeError"
    ),
    "request(timeout=)": "accepted, no effect: in-process there is no HTTP hop",
    "ScalekitClient.__init__(call_timeout_s)": "accepted, no effect: no gRPC channel",
    "connect is actions": "one ActionClient: modifiers added to either apply to both",
}


def _public(cls: type, *, exclude: type | None = None) -> set[str]:
    names = {n for n in dir(cls) if not n.startswith("_")}
    if exclude is not None:
        names -= {n for n in dir(exclude) if not n.startswith("_")}
    return names


def _params(func: Any) -> dict[str, tuple[Any, Any]]:
    return {
        name: (p.kind, p.default)
        for name, p in inspect.signature(func).parameters.items()
        if name != "self"
    }


def _compare_signature(where: str, real: Any, mine: Any, problems: list[str]) -> None:
    theirs, ours_ = _params(real), _params(mine)
    for name in theirs.keys() | ours_.keys():
        if theirs.get(name) != ours_.get(name) and f"{where}({name})" not in DELIBERATE:
            problems.append(f"{where}({name}): SDK {theirs.get(name)}, ours {ours_.get(name)}")
    order = [n for n in theirs if n in ours_]
    if order != [n for n in ours_ if n in theirs] and f"{where}(order)" not in DELIBERATE:
        problems.append(f"{where}: parameters in another order than the SDK's")


def _compare_members(where: str, real: set[str], mine: set[str], problems: list[str]) -> set[str]:
    for name in sorted(real ^ mine):
        if f"{where}.{name}" not in DELIBERATE:
            side = "missing" if name in real else "extra"
            problems.append(f"{where}.{name}: {side}")
    return real & mine


def _instance_attributes(cls: type) -> set[str]:
    source = inspect.getsource(cls.__init__)  # type: ignore[misc]
    return {n for n in re.findall(r"self\.(\w+)\s*=", source) if not n.startswith("_")}


def test_the_installed_sdk_is_the_one_compared() -> None:
    from importlib.metadata import version

    assert version("scalekit-sdk-python") == REAL_VERSION


def test_modules() -> None:
    problems: list[str] = []
    for info in pkgutil.iter_modules(scalekit.__path__):
        try:
            importlib.import_module(f"attio_gateway.compat.scalekit.{info.name}")
        except ModuleNotFoundError:
            if f"module scalekit.{info.name}" not in DELIBERATE:
                problems.append(f"module scalekit.{info.name}: missing")
    for sub in ("common.exceptions", "actions.actions", "actions.types", "actions.modifier"):
        importlib.import_module(f"attio_gateway.compat.scalekit.{sub}")
    for name in scalekit.__all__:
        if not hasattr(ours, name) and f"module scalekit.{name}" not in DELIBERATE:
            problems.append(f"scalekit.{name}: missing")
    assert not problems, "\n".join(problems)


def test_scalekit_client() -> None:
    real, mine = scalekit.client.ScalekitClient, ours.client.ScalekitClient
    problems: list[str] = []
    _compare_signature("ScalekitClient.__init__", real.__init__, mine.__init__, problems)
    real_members = _public(real) | _instance_attributes(real)
    our_members = (_public(mine) | _instance_attributes(mine)) - {"__enter__", "__exit__"}
    _compare_members("ScalekitClient", real_members, our_members, problems)
    assert not problems, "\n".join(problems)


def test_action_client() -> None:
    real = scalekit.actions.actions.ActionClient
    mine = ours.actions.ActionClient
    assert ours.actions.actions.ActionClient is mine
    problems: list[str] = []
    common = _compare_members(
        "ActionClient",
        _public(real) | _instance_attributes(real),
        _public(mine) | _instance_attributes(mine),
        problems,
    )
    if _params(real.__init__) != _params(mine.__init__):
        assert "ActionClient.__init__" in DELIBERATE
    for name in sorted(common):
        theirs, our = inspect.getattr_static(real, name), inspect.getattr_static(mine, name)
        if isinstance(theirs, property) or isinstance(our, property):
            if not (isinstance(theirs, property) and isinstance(our, property)):
                problems.append(f"ActionClient.{name}: a property on one side only")
            continue
        _compare_signature(f"ActionClient.{name}", theirs, our, problems)
    assert mine.upsert_connected_account is mine.get_or_create_connected_account
    assert not problems, "\n".join(problems)


def _model_surface(where: str, real: type, mine: type, problems: list[str]) -> None:
    assert issubclass(mine, pydantic.BaseModel), where
    real_fields = {n: f.alias for n, f in real.model_fields.items()}  # type: ignore[attr-defined]
    our_fields = {n: f.alias for n, f in mine.model_fields.items()}
    _compare_members(where, set(real_fields), set(our_fields), problems)
    for name in real_fields.keys() & our_fields.keys():
        if real_fields[name] != our_fields[name]:
            problems.append(f"{where}.{name}: alias {real_fields[name]!r} vs {our_fields[name]!r}")
    methods = _compare_members(
        where,
        # ``Config``: the SDK's pydantic settings in the old class form (ours: model_config).
        _public(real, exclude=pydantic.BaseModel) - set(real_fields) - {"from_proto", "Config"},
        _public(mine, exclude=pydantic.BaseModel) - set(our_fields),
        problems,
    )
    if "from_proto" in _public(real):
        assert "types.from_proto" in DELIBERATE
    if "to_dict" in methods:
        theirs, our = set(real().to_dict()), set(mine().to_dict())
        for key in sorted(theirs ^ our):
            if f"{where}.to_dict({key})" not in DELIBERATE:
                problems.append(f"{where}.to_dict(): key {key!r} on one side only")


def test_response_types() -> None:
    problems: list[str] = []
    mine_types = ours.actions.types
    for name in scalekit.actions.types.__all__:
        real = getattr(scalekit.actions.types, name)
        if not hasattr(mine_types, name):
            if f"types.{name}" not in DELIBERATE:
                problems.append(f"types.{name}: missing")
            continue
        mine = getattr(mine_types, name)
        if isinstance(real, type) and issubclass(real, pydantic.BaseModel):
            _model_surface(name, real, mine, problems)
        else:
            assert get_origin(real) is get_origin(mine) is dict, name
            assert get_args(real) == get_args(mine), name
    for real, mine in (
        (RealConnectedAccount, mine_types.ConnectedAccount),
        (RealConnectedAccountForList, mine_types.ConnectedAccountForList),
    ):
        _model_surface(real.__name__, real, mine, problems)
    assert not problems, "\n".join(problems)


def test_modifiers() -> None:
    real, mine = scalekit.actions.modifier, ours.actions.modifier
    problems: list[str] = []
    for name in ("Modifier", "apply_modifiers", "apply_pre_modifiers", "apply_post_modifiers"):
        theirs, our = getattr(real, name), getattr(mine, name)
        target = (theirs.__init__, our.__init__) if isinstance(theirs, type) else (theirs, our)
        _compare_signature(f"modifier.{name}", *target, problems)
    _compare_signature("Modifier.apply", real.Modifier.apply, mine.Modifier.apply, problems)
    assert not problems, "\n".join(problems)


def test_request_answers_like_a_requests_response() -> None:
    # An answer as httpx hands it over, from httpx's own in-memory transport.
    transport = httpx.MockTransport(lambda _: httpx.Response(404, json={"code": "not_found"}))
    with httpx.Client(transport=transport) as http:
        answer = OurResponse(http.get("http://x"))
    problems: list[str] = []
    real = _public(requests.Response) | {
        n for n in vars(requests.Response()) if not n.startswith("_")
    }
    for name in sorted(real):
        # On our class, or on the httpx response it hands everything else to.
        offered = hasattr(OurResponse, name) or hasattr(httpx.Response, name)
        if not (offered or name in vars(answer.response)) and f"Response.{name}" not in DELIBERATE:
            problems.append(f"Response.{name}: missing")
    assert not problems, "\n".join(problems)
    assert (answer.status_code, answer.ok, answer.reason) == (404, False, "Not Found")
    assert answer.url == "http://x"
    assert answer["code"] == "not_found"
    assert b"".join(answer.iter_content(3)) == answer.content
    # requests.HTTPError is an IOError (OSError) too.
    with pytest.raises(OSError, match=r"^404 Client Error: Not Found for url: http://x$") as e:
        answer.raise_for_status()
    assert e.value.response is answer  # type: ignore[attr-defined]
    assert "Response.raise_for_status" in DELIBERATE


def _exception_classes(module: ModuleType) -> dict[str, type[BaseException]]:
    return {
        name: obj
        for name, obj in vars(module).items()
        if isinstance(obj, type)
        and issubclass(obj, BaseException)
        and obj.__module__ == module.__name__
    }


def test_exception_classes() -> None:
    real_module, mine_module = scalekit.common.exceptions, ours.common.exceptions
    real, mine = _exception_classes(real_module), _exception_classes(mine_module)
    assert len(real) == 20
    problems: list[str] = []
    _compare_members("exceptions", set(real), set(mine), problems)
    for name in sorted(real.keys() & mine.keys()):
        theirs, our = real[name], mine[name]
        if [b.__name__ for b in theirs.__bases__] != [b.__name__ for b in our.__bases__]:
            problems.append(f"exceptions.{name}: bases differ")
        if list(_params(theirs.__init__)) != list(_params(our.__init__)):
            problems.append(f"exceptions.{name}: constructor differs")
        for member in sorted(_public(theirs) ^ _public(our)):
            problems.append(f"exceptions.{name}.{member}: on one side only")
    for name in ("GRPC_TO_HTTP", "HTTP_TO_GRPC", "HTTP_STATUS", "NonStandardHTTPStatus"):
        if not hasattr(mine_module, name):
            problems.append(f"exceptions.{name}: missing")
    real_codes = {c.name: c.value for c in real_module.StatusCode}
    assert {c.name: c.value for c in mine_module.StatusCode} == real_codes
    assert {k.name: v for k, v in mine_module.GRPC_TO_HTTP.items()} == {
        k.name: v for k, v in real_module.GRPC_TO_HTTP.items()
    }
    assert not problems, "\n".join(problems)


def test_every_deliberate_difference_is_in_the_migration_guide() -> None:
    text = DOC.read_text()
    missing = [key for key in DELIBERATE if _doc_term(key) not in text]
    assert not missing, f"not named in {DOC.name}: {missing}"


def _doc_term(key: str) -> str:
    """What the page must name for a DELIBERATE entry (its last dotted part, or a phrase)."""
    if key.startswith("module "):
        return key.removeprefix("module ").split(".")[-1]
    if "(" in key or " " in key:
        return key
    return key.split(".")[-1]
