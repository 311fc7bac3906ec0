"""Paths are built, never concatenated: no parameter value can change the path's template,
and the proxy reaches nothing outside Attio's /v2/ (properties over any text, hypothesis)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attio_gateway.errors import ToolInputError
from attio_gateway.proxy.outgoing import (
    check_headers,
    check_json,
    check_outgoing,
    confine_path,
    non_json,
)
from attio_gateway.proxy.paths import KINDS, attio_path

UUID = "7a1c2f3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b"
TEMPLATES = [
    "/v2/tasks/{task_id}",
    "/v2/objects/{object}/records/{record_id}",
    "/v2/objects/{object}/records/{record_id}/attributes/{attribute}/values",
    "/v2/lists/{list}/entries/{entry_id}",
    "/v2/lists/{list}/attributes/{attribute}/options/{option}",
    "/v2/objects/{object}/attributes/{attribute}/statuses/{status}",
    "/v2/meetings/{meeting_id}/call_recordings/{call_recording_id}/transcript",
]
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def outcome(build: Callable[[], str]) -> str | ToolInputError:
    """What ``build`` returned, or the ``ToolInputError`` it raised."""
    try:
        return build()
    except ToolInputError as exc:
        return exc


@settings(max_examples=300)
@given(template=st.sampled_from(TEMPLATES), data=st.data())
def test_no_parameter_value_changes_the_path_template(template: str, data: st.DataObject) -> None:
    names = PLACEHOLDER.findall(template)
    # Any text at all, or a valid value with anything appended (the traversal shape).
    params = {
        name: data.draw(
            st.one_of(st.text(), st.text().map(lambda t: UUID + t), st.text().map("people".__add__))
        )
        for name in names
    }
    built = outcome(lambda: attio_path(template, **params))
    if isinstance(built, ToolInputError):
        assert built.field in names
        return
    want = template.split("/")
    got = built.split("/")
    assert len(got) == len(want), built
    for fixed, sent in zip(want, got, strict=True):
        match = PLACEHOLDER.fullmatch(fixed)
        if match is None:
            assert sent == fixed
        else:
            # One segment, which decodes back to exactly the value given, never a dot segment.
            assert unquote(sent) == params[match.group(1)]
            assert sent not in ("", ".", "..") and "/" not in sent


@pytest.mark.parametrize(
    "task_id",
    [
        f"../objects/companies/records/{UUID}",
        f"{UUID}/../../objects/companies/records/{UUID}",
        f"{UUID}?x=1",
        f"{UUID}#x",
        "%2e%2e",
        UUID.replace("-", ""),
        UUID + "\x00",
        "",
        "a" * 100_000,
    ],
)
def test_a_task_id_that_is_not_a_uuid_is_refused_naming_it(task_id: str) -> None:
    with pytest.raises(ToolInputError) as caught:
        attio_path("/v2/tasks/{task_id}", task_id=task_id)
    assert caught.value.field == "task_id"
    assert "UUID" in caught.value.message


def test_slugs_uuids_and_titles_are_built_into_one_segment_each() -> None:
    assert attio_path("/v2/objects/{object}", object="people") == "/v2/objects/people"
    assert attio_path("/v2/lists/{list}", list=UUID) == f"/v2/lists/{UUID}"
    built = attio_path(
        "/v2/lists/{list}/attributes/{attribute}/options/{option}",
        list="sales",
        attribute="stage",
        option="Won 🎉 50% off?",
    )
    assert built == "/v2/lists/sales/attributes/stage/options/Won%20%F0%9F%8E%89%2050%25%20off%3F"
    for refused in ("a/b", "..", " .. ", "a\\b", "a\nb"):
        with pytest.raises(ToolInputError) as caught:
            attio_path(
                "/v2/objects/{object}/attributes/{attribute}/statuses/{status}",
                object="deals",
                attribute="stage",
                status=refused,
            )
        assert caught.value.field == "status"


def test_the_caller_can_name_the_field_and_templates_must_match_their_parameters() -> None:
    with pytest.raises(ToolInputError) as caught:
        attio_path("/v2/tasks/{task_id}", fields={"task_id": "parent_task"}, task_id="x")
    assert caught.value.field == "parent_task"
    with pytest.raises(ValueError, match="takes"):
        attio_path("/v2/tasks/{task_id}", note_id=UUID)
    with pytest.raises(KeyError):
        attio_path("/v2/things/{thing_id}", thing_id=UUID)
    assert {"record_id", "object", "option"} <= set(KINDS)


# --- the proxy: confinement to /v2/ ---------------------------------------------------------

REFUSED_PATHS = [
    "/../../x",
    "/v2/../oauth/token",
    "/v2/%2e%2e/oauth/token",
    "/v2/%2E%2E/%2e%2e/x",
    "/v2/objects/%2e%2e/%2e%2e/_emulator/reset",
    "/_emulator/tokens",
    "/oauth/token",
    "//attio.test/x",
    "//evil.example/v2/objects",
    "/v2\\..\\oauth\\token",
    "/v2/%5c..%5coauth",
    "/v2/objects\x00",
    "/v2/obj%00ects",
    "/v2/objects\r\nHost: x",
    "/v2/objects#frag",
    "/v2",
    "/v2/",
    "/V2/objects",
    "v2/objects",
    "/v2/%ff",
    "/v2/" + "a" * 5000,
]


@pytest.mark.parametrize("path", REFUSED_PATHS)
def test_a_path_outside_v2_once_normalised_is_refused(path: str) -> None:
    with pytest.raises(ToolInputError) as caught:
        confine_path(path)
    assert caught.value.field == "path"


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("/v2/objects", "/v2/objects"),
        ("/v2/objects/people/records/query", "/v2/objects/people/records/query"),
        ("/v2//objects/./people/", "/v2/objects/people"),
        ("/v2/tasks/../objects", "/v2/objects"),
        ("/v2/objects?limit=1&x=%2e%2e", "/v2/objects?limit=1&x=%2e%2e"),
        ("/v2/lists/sales/attributes/stage/statuses/Won%20big", None),
    ],
)
def test_a_path_under_v2_is_sent_normalised(given: str, sent: str | None) -> None:
    assert confine_path(given) == (sent or given)


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from(list("/.%2eEfFvV5cC\\?#x\x00 ")), max_size=40))
def test_whatever_is_let_through_stays_under_v2(path: str) -> None:
    try:
        sent = confine_path(path)
    except ToolInputError:
        return
    raw = sent.partition("?")[0]
    segments = unquote(raw).split("/")
    assert raw.startswith("/v2/") and segments[1] == "v2"
    assert not {".", "..", ""} & set(segments[1:]), sent
    assert confine_path(sent) == sent  # what is sent is already normal


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_any_text_after_v2_is_confined_or_refused(tail: str) -> None:
    sent = outcome(lambda: confine_path("/v2/" + tail))
    if isinstance(sent, ToolInputError):
        assert sent.field == "path"
        return
    assert unquote(sent.partition("?")[0]).split("/")[1] == "v2"


# --- the proxy: headers and bodies ----------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "authorization",
        "AUTHORIZATION",
        "Host",
        "content-length",
        "Transfer-Encoding",
        "Cookie",
        "connection",
        "Keep-Alive",
        "TE",
        "trailer",
        "Upgrade",
        "Proxy-Authorization",
        "proxy-connection",
    ],
)
def test_headers_the_gateway_owns_are_refused_in_any_case(name: str) -> None:
    with pytest.raises(ToolInputError) as caught:
        check_headers({"Accept": "application/json", name: "x"})
    assert caught.value.field == f"headers.{name}"
    assert name in caught.value.message


@pytest.mark.parametrize(
    "headers",
    [{"X-Bad\r\nHost": "x"}, {"": "x"}, {"X-Note": "a\r\nHost: evil"}, {"X-Note": "a\x00"}],
)
def test_malformed_headers_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(ToolInputError) as caught:
        check_headers(headers)
    assert caught.value.field is not None and caught.value.field.startswith("headers")


def test_other_headers_pass() -> None:
    given = {"Accept": "application/json", "X-Request-Note": "ok\tfine", "If-None-Match": '"1"'}
    assert check_headers(given) == given
    assert check_headers(None) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (float("nan"), "body"),
        ({"data": {"values": {"revenue": [1, float("inf")]}}}, "body.data.values.revenue.1"),
        ({"data": [{"x": float("-inf")}]}, "body.data.0.x"),
        ({"data": {(1, 2): "x"}}, "body.data"),
        ({"data": {float("nan"): "x"}}, "body.data"),
        ({"data": {1, 2}}, "body.data"),
    ],
)
def test_a_body_json_cannot_carry_is_refused_naming_where(body: object, field: str) -> None:
    with pytest.raises(ToolInputError) as caught:
        check_json(body)
    assert caught.value.field == field


def test_a_body_too_deep_or_holding_itself_is_refused_not_a_crash() -> None:
    body: object = 1.5
    for _ in range(50_000):
        body = [body]
    with pytest.raises(ToolInputError, match="too deeply") as caught:
        check_json(body)
    assert caught.value.field == "body"
    assert non_json(body, "body") is None  # the walk itself is not limited by recursion
    looped: dict[str, object] = {"a": [1.0]}
    looped["self"] = looped
    with pytest.raises(ToolInputError, match="holds itself"):
        check_json(looped)
    check_json({"shared": [looped["a"], looped["a"]], 1: None, "n": 2.5})


def test_check_outgoing_refuses_an_unknown_method_and_returns_what_to_send() -> None:
    with pytest.raises(ToolInputError) as caught:
        check_outgoing(method="TRACE", path="/v2/objects", headers=None, json=None)
    assert caught.value.field == "method"
    sent = check_outgoing(method="get", path="/v2//objects", headers={"X-A": "1"}, json={"a": 1})
    assert sent == ("GET", "/v2/objects", {"X-A": "1"})
