"""The vault: sealing, tampering, wrong and missing keys, rotation, secrets kept out of sight."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from attio_gateway.cli import app as cli
from attio_gateway.config import Settings
from attio_gateway.errors import ConfigurationError, DecryptionError, MissingKeyError
from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage import queries as q
from attio_gateway.vault import KeyRing, Sealed, load_keyring, purposes
from attio_gateway.vault.keyring import key_file, new_key_text
from attio_gateway.vault.rotation import rotate

PLANTED = "tok_PLANTED_5f1c2a9e_never_print_me"
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def ring(*ids: str) -> KeyRing:
    return KeyRing([(key_id, bytes([i + 1]) * 32) for i, key_id in enumerate(ids)])


def test_seal_round_trip_and_purpose_binding() -> None:
    keys = ring("k1")
    sealed = keys.seal(SecretStr(PLANTED), purpose="credential:a:access_token")
    assert PLANTED.encode() not in sealed.blob
    assert keys.unseal(sealed, purpose="credential:a:access_token").get_secret_value() == PLANTED
    with pytest.raises(DecryptionError, match="tampered with, moved"):
        keys.unseal(sealed, purpose="credential:b:access_token")
    assert Sealed.from_text(sealed.to_text()) == sealed


def test_tampered_ciphertext_is_rejected_clearly() -> None:
    keys = ring("k1")
    sealed = keys.seal(PLANTED, purpose="p")
    flipped = bytearray(sealed.blob)
    flipped[-1] ^= 0x01
    with pytest.raises(DecryptionError, match="'k1' failed authentication"):
        keys.unseal(Sealed("k1", bytes(flipped)), purpose="p")
    with pytest.raises(DecryptionError, match="malformed"):
        Sealed.from_text("no-separator")


def test_wrong_and_missing_keys_fail_with_a_message() -> None:
    sealed = ring("k1").seal(PLANTED, purpose="p")
    impostor = KeyRing([("k1", b"\x09" * 32)])
    with pytest.raises(DecryptionError):
        impostor.unseal(sealed, purpose="p")
    with pytest.raises(MissingKeyError, match="No configured vault key has id 'k1'"):
        ring("k2").unseal(sealed, purpose="p")


def test_key_settings_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="key_id:base64key"):
        load_keyring(Settings(vault_keys=[SecretStr("nocolon")]))
    with pytest.raises(ConfigurationError, match="32 bytes"):
        load_keyring(Settings(vault_keys=[SecretStr("k1:" + base64.b64encode(b"short").decode())]))
    with pytest.raises(ConfigurationError, match="configured twice"):
        ring("k1", "k1")


def test_embedded_default_generates_a_private_key_file_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path)
    with caplog.at_level(logging.WARNING):
        first = load_keyring(settings)
        second = load_keyring(settings)
    assert first.key_ids == second.key_ids
    assert stat.S_IMODE(os.stat(key_file(settings)).st_mode) == 0o600
    assert sum("Generated a new vault key" in r.message for r in caplog.records) == 1


async def test_rotation_reseals_everything_under_the_new_key(db: Database) -> None:
    old = ring("k-old")
    connection_id = "c0000000-0000-4000-8000-000000000001"
    await q.create_connection(
        db,
        connection_id=connection_id,
        name="attio",
        provider="attio",
        client_id="cid",
        client_secret_sealed=old.seal(
            "client-secret", purpose=purposes.client_secret(connection_id)
        ).to_text(),
        scopes=[],
        authorize_url="a",
        token_url="t",
        api_base_url="b",
        status="ACTIVE",
        status_detail=None,
        now=NOW,
    )
    accounts = []
    for identifier in ("u1", "u2"):
        account = await q.create_account(
            db, connection_id=connection_id, identifier=identifier, status="ACTIVE", now=NOW
        )
        accounts.append(account.id)
        await q.put_credential(
            db,
            account_id=account.id,
            access_token_sealed=old.seal(
                f"{PLANTED}-{identifier}", purpose=purposes.access_token(account.id)
            ).to_text(),
            refresh_token_sealed=old.seal(
                "refresh", purpose=purposes.refresh_token(account.id)
            ).to_text(),
            expires_at=None,
            now=NOW,
        )

    await q.save_authorization_request(
        db,
        state="st",
        connection_id=connection_id,
        account_id=accounts[0],
        identifier="u1",
        code_verifier_sealed=old.seal("verifier", purpose=purposes.code_verifier("st")).to_text(),
        user_verify_url=None,
        redirect_after=None,
        now=NOW,
        expires_at=NOW + timedelta(minutes=5),
    )

    await q.save_authorization_request(
        db,
        state="parked",
        connection_id=connection_id,
        account_id=accounts[1],
        identifier="u2",
        code_verifier_sealed=None,
        user_verify_url="https://app.example/verify",
        redirect_after=None,
        now=NOW,
        expires_at=NOW + timedelta(minutes=5),
    )
    assert await q.consume_authorization_request(db, state="parked", now=NOW)
    await q.hold_pending_grant(
        db,
        state="parked",
        pending_token_sealed=old.seal_text(PLANTED, purpose=purposes.pending_token("parked")),
        pending_grant={"scope": "user_management:read"},
    )

    new, _ = old.with_new_key()
    report = await rotate(db, new)
    assert (report.connections, report.credentials, report.authorization_requests) == (1, 2, 1)
    # A parked grant stays as it was, and still opens: rotation keeps the older keys.
    parked = await q.get_authorization_request(db, state="parked")
    assert parked is not None and parked.pending_token_sealed is not None
    assert Sealed.from_text(parked.pending_token_sealed).key_id == "k-old"
    assert new.unseal_text(
        parked.pending_token_sealed, purpose=purposes.pending_token("parked")
    ).get_secret_value() == (PLANTED)
    request = await q.get_authorization_request(db, state="st")
    assert request is not None and request.code_verifier_sealed is not None
    verifier = Sealed.from_text(request.code_verifier_sealed)
    assert verifier.key_id == new.current_key_id
    assert new.unseal(verifier, purpose=purposes.code_verifier("st")).get_secret_value() == (
        "verifier"
    )
    assert report.key_id == new.current_key_id != "k-old"

    connection = await q.get_connection(db, connection_id=connection_id)
    assert connection is not None
    secret = Sealed.from_text(connection.client_secret_sealed)
    assert secret.key_id == new.current_key_id
    assert new.unseal(secret, purpose=purposes.client_secret(connection_id)).get_secret_value() == (
        "client-secret"
    )
    for account_id, identifier in zip(accounts, ("u1", "u2"), strict=True):
        credential = await q.get_credential(db, account_id=account_id)
        assert credential is not None and credential.refresh_token_sealed is not None
        access = Sealed.from_text(credential.access_token_sealed)
        assert access.key_id == new.current_key_id
        token = new.unseal(access, purpose=purposes.access_token(account_id))
        assert token.get_secret_value() == f"{PLANTED}-{identifier}"
        # The old key alone can no longer open what was re-sealed.
        with pytest.raises(MissingKeyError):
            old.unseal(access, purpose=purposes.access_token(account_id))


def test_planted_token_never_shows_in_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    keys = ring("k1")
    with caplog.at_level(logging.DEBUG):
        sealed = keys.seal(SecretStr(PLANTED), purpose="p")
        plain = keys.unseal(sealed, purpose="p")
        logging.getLogger("attio_gateway").info("sealed %r plain %r ring %r", sealed, plain, keys)
        try:
            ring("k9").unseal(sealed, purpose="p")
        except MissingKeyError as exc:
            logging.getLogger("attio_gateway").exception("failed: %s", exc)
    text = caplog.text + repr(sealed) + str(plain) + repr(plain) + repr(keys)
    assert PLANTED not in text
    assert base64.b64encode(sealed.blob).decode() not in repr(sealed)


def test_cli_rotate_and_bad_key_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    upgrade = runner.invoke(cli, ["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    assert "database at revision " in upgrade.output

    rotated = runner.invoke(cli, ["vault", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert "re-sealed 0 connection secret(s), 0 credential(s), 0 pending" in rotated.output
    assert "0 webhook secret(s) and 0 server secret(s)" in rotated.output
    assert len(key_file(Settings(data_dir=tmp_path)).read_text().split()) == 2

    monkeypatch.setenv("ATTIO_GATEWAY_VAULT_KEYS", "broken")
    failed = runner.invoke(cli, ["vault", "rotate"])
    assert failed.exit_code == 1
    assert "key_id:base64key" in failed.output
    assert "Traceback" not in failed.output

    monkeypatch.setenv("ATTIO_GATEWAY_VAULT_KEYS", "k2:not base64!")
    failed = runner.invoke(cli, ["vault", "rotate"])
    assert failed.exit_code == 1
    assert "'k2' is not valid base64" in failed.output
    assert "Traceback" not in failed.output


def test_vault_keys_come_from_the_environment_comma_separated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = new_key_text(), new_key_text()
    monkeypatch.setenv("ATTIO_GATEWAY_VAULT_KEYS", f"{first}, {second}")
    keys = load_keyring(Settings())
    assert keys.key_ids == [first.split(":")[0], second.split(":")[0]]
    assert first.split(":", 1)[1] not in repr(Settings())


async def _plant_account(db: Database, keys: KeyRing, *, client_secret_keys: KeyRing) -> str:
    """A connection and one account whose access token is ``PLANTED``; returns the account id."""
    connection_id = "c0000000-0000-4000-8000-000000000002"
    await q.create_connection(
        db,
        connection_id=connection_id,
        name="attio",
        provider="attio",
        client_id="cid",
        client_secret_sealed=client_secret_keys.seal(
            "client-secret", purpose=purposes.client_secret(connection_id)
        ).to_text(),
        scopes=[],
        authorize_url="a",
        token_url="t",
        api_base_url="b",
        status="ACTIVE",
        status_detail=None,
        now=NOW,
    )
    account = await q.create_account(
        db, connection_id=connection_id, identifier="u", status="ACTIVE", now=NOW
    )
    await q.put_credential(
        db,
        account_id=account.id,
        access_token_sealed=keys.seal(PLANTED, purpose=purposes.access_token(account.id)).to_text(),
        refresh_token_sealed=None,
        expires_at=None,
        now=NOW,
    )
    return account.id


async def test_rotation_that_cannot_open_a_value_changes_nothing(db: Database) -> None:
    known = ring("k-known")
    foreign = KeyRing([("k-foreign", b"\x77" * 32)])
    account_id = await _plant_account(db, foreign, client_secret_keys=known)
    before = await q.list_connections(db)

    new, _ = known.with_new_key()
    with pytest.raises(MissingKeyError, match="k-foreign"):
        await rotate(db, new)
    # The connection secret (read before the credential) was rolled back, not re-sealed.
    assert await q.list_connections(db) == before
    credential = await q.get_credential(db, account_id=account_id)
    assert credential is not None
    assert Sealed.from_text(credential.access_token_sealed).key_id == "k-foreign"


@pytest.mark.parametrize("damage", ["missing key", "tampered"])
async def test_cli_rotate_reports_unreadable_secrets_without_traceback_or_secret(
    damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(tmp_path))
    settings = Settings(data_dir=tmp_path)
    keys = load_keyring(settings)  # the key file the CLI will use
    db = Database.from_settings(settings)
    try:
        await upgrade_database(db)
        planted_with = KeyRing([("k-lost", b"\x55" * 32)]) if damage == "missing key" else keys
        account_id = await _plant_account(db, planted_with, client_secret_keys=keys)
        if damage == "tampered":
            credential = await q.get_credential(db, account_id=account_id)
            assert credential is not None
            sealed = Sealed.from_text(credential.access_token_sealed)
            flipped = Sealed(sealed.key_id, sealed.blob[:-1] + bytes([sealed.blob[-1] ^ 1]))
            await q.put_credential(
                db,
                account_id=account_id,
                access_token_sealed=flipped.to_text(),
                refresh_token_sealed=None,
                expires_at=None,
                now=NOW,
            )
    finally:
        await db.dispose()

    # The CLI runs its own event loop; this test's loop is idle meanwhile.
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["vault", "rotate"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert PLANTED not in result.output
    if damage == "missing key":
        assert "k-lost" in result.output and "ATTIO_GATEWAY_VAULT_KEYS" in result.output
    else:
        assert "tampered" in result.output and keys.current_key_id in result.output


@pytest.mark.postgres
def test_cli_db_upgrade_on_postgresql(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ATTIO_GATEWAY_DATABASE_URL", postgres_url)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at revision " in result.output


def test_cli_db_upgrade_reports_an_unreachable_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATTIO_GATEWAY_DATA_DIR", str(tmp_path))
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    monkeypatch.setenv("ATTIO_GATEWAY_DATABASE_URL", "postgresql+asyncpg://u@127.0.0.1:9/x")
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "could not be reached" in result.output
    assert "Traceback" not in result.output
