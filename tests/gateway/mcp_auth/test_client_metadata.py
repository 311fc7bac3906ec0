"""Client ID Metadata Documents: an MCP client whose ``client_id`` is an https URL, its
document served over real TLS (a test CA the gateway's outbound client trusts). The
official client signs in with it end to end; documents that may not be used, and URLs
the SSRF guard refuses, leave the client unknown and nothing stored."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientMetadata
from pydantic import AnyUrl
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from attio_emulator.server import RunningEmulator, free_port
from attio_gateway.clock import SYSTEM_CLOCK
from attio_gateway.mcp_auth.cimd import MAX_BYTES, ClientMetadataDocuments
from attio_gateway.mcp_auth.provider import redirect_uri_allowed

from .conftest import Served, serve_gateway
from .test_end_to_end import REDIRECT_URI, BrowserUser, MemoryStorage


@dataclass
class DocumentHost:
    """An https server on 127.0.0.1 serving ``documents`` (path → body, headers)."""

    base_url: str
    ca_file: Path
    documents: dict[str, tuple[bytes, dict[str, str]]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def publish(self, path: str, document: dict[str, Any] | bytes, **headers: str) -> str:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.documents[path] = (body, headers)
        return f"{self.base_url}{path}"

    def client_document(self, path: str, **changes: Any) -> str:
        url = f"{self.base_url}{path}"
        document = {
            "client_id": url,
            "client_name": "Metadata client",
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
            **changes,
        }
        return self.publish(path, {k: v for k, v in document.items() if v is not None})


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate for 127.0.0.1 it signs: (ca, cert, key) PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mcp-auth test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def document_host(tmp_path: Path) -> Iterator[DocumentHost]:
    directory = tmp_path / "tls"
    directory.mkdir()
    ca_file, cert_file, key_file = _certificates(directory)
    port = free_port()
    host = DocumentHost(base_url=f"https://127.0.0.1:{port}", ca_file=ca_file)

    async def serve_document(request: Request) -> Response:
        path = request.url.path
        host.hits[path] = host.hits.get(path, 0) + 1
        if path not in host.documents:
            return Response(status_code=404)
        body, headers = host.documents[path]
        return Response(body, media_type="application/json", headers=headers)

    app = Starlette(routes=[Route("/{path:path}", serve_document)])
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ssl_certfile=str(cert_file),
            ssl_keyfile=str(key_file),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the TLS host did not start"
        time.sleep(0.02)
    try:
        yield host
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def served_cimd(
    tmp_path: Path,
    emulator: RunningEmulator,
    database_url: str,
    document_host: DocumentHost,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Served]:
    """The gateway, trusting the test CA (its outbound client reads ``SSL_CERT_FILE``
    when it is built, as httpx does) and allowed to fetch from loopback."""
    monkeypatch.setenv("SSL_CERT_FILE", str(document_host.ca_file))
    with serve_gateway(
        tmp_path / "gateway",
        emulator.base_url,
        database_url,
        mcp_client_metadata_private_networks=True,
    ) as running:
        yield running


async def test_an_mcp_client_signs_in_with_a_client_id_metadata_document(
    served_cimd: Served, document_host: DocumentHost
) -> None:
    url = document_host.client_document("/oauth/client.json")
    async with httpx.AsyncClient(timeout=60) as plain:
        asm = (
            await plain.get(f"{served_cimd.base_url}/.well-known/oauth-authorization-server")
        ).json()
    assert asm["client_id_metadata_document_supported"] is True

    user, storage = BrowserUser(), MemoryStorage()
    auth = OAuthClientProvider(
        server_url=served_cimd.mcp_url,
        client_metadata=OAuthClientMetadata(
            client_name="Metadata client",
            redirect_uris=[AnyUrl(REDIRECT_URI)],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=user.redirect,
        callback_handler=user.callback,
        client_metadata_url=url,
    )
    async with (
        httpx2.AsyncClient(auth=auth, timeout=60) as http,
        Client(streamable_http_client(served_cimd.mcp_url, http_client=http)) as client,
    ):
        result = await client.call_tool("attio_get_current_token_info", {})
    assert not result.is_error
    assert storage.client_info is not None and storage.client_info.client_id == url
    assert user.outcome is not None
    assert "Metadata client" in user.outcome.consent_page
    assert "registered itself" not in user.outcome.consent_page
    # Fetched once for the whole sign-in (authorize, consent, token): cached.
    assert document_host.hits["/oauth/client.json"] == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_documents_that_may_not_be_used_leave_the_client_unknown(
    served_cimd: Served, document_host: DocumentHost
) -> None:
    host = document_host
    refused = [
        host.client_document("/other-id.json", client_id="https://elsewhere.example/c.json"),
        host.client_document("/secret.json", client_secret="s3cret"),
        host.client_document("/basic.json", token_endpoint_auth_method="client_secret_basic"),
        host.client_document("/evil-redirect.json", redirect_uris=["http://evil.example/cb"]),
        host.client_document("/no-redirect.json", redirect_uris=None),
        host.publish("/big.json", b"{" + b" " * (MAX_BYTES + 10) + b"}"),
        host.publish("/not-json.json", b"<html>"),
        f"{host.base_url}/missing.json",
    ]
    async with httpx.AsyncClient(base_url=served_cimd.base_url, timeout=60) as http:
        for url in refused:
            answer = await http.get(
                "/authorize",
                params={
                    "response_type": "code",
                    "client_id": url,
                    "redirect_uri": REDIRECT_URI,
                    "code_challenge": "x" * 43,
                    "code_challenge_method": "S256",
                    "resource": served_cimd.mcp_url,
                },
            )
            assert answer.status_code == 400, url
            assert answer.json()["error"] == "invalid_request", url
            assert "location" not in answer.headers


async def test_the_ssrf_guard_refuses_urls_and_non_public_addresses() -> None:
    """With private networks not allowed (the default), nothing is even fetched from a
    loopback, private or link-local address; other URL shapes are refused first."""
    async with httpx.AsyncClient() as http:
        documents = ClientMetadataDocuments(
            http=http, redirect_allowed=redirect_uri_allowed, monotonic=SYSTEM_CLOCK.monotonic
        )
        for url in (
            "https://127.0.0.1:1/client.json",
            "https://localhost:1/client.json",
            "https://10.1.2.3/client.json",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]:1/client.json",
            "https://[::ffff:127.0.0.1]:1/client.json",
            "https://0.0.0.0/client.json",
            "http://example.com/client.json",
            "https://example.com/",
            "https://user:pw@example.com/client.json",
            "https://example.com/client.json#frag",
            "https://no-such-host.invalid/client.json",
        ):
            assert await documents.client(url) is None, url
