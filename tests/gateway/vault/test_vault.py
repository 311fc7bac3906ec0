"""The vault: sealing, tampering, wrong and missing keys, rotation, secrets kept out of sight."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Table, select, update
from typer.testing import CliRunner

from attio_gateway.cli import app as cli
from attio_gateway.config import Settings
from attio_gateway.errors import ConfigurationError, DecryptionError, MissingKeyError
from attio_gateway.storage import Database, upgrade_database
from attio_gateway.storage import queries as q
from attio_gateway.storage.queries import mcp_auth as mcp_auth_queries
from attio_gateway.storage.queries import triggers as tq
from attio_gateway.storage.tables import metadata
from attio_gateway.vault import KeyRing, Sealed, load_keyring, purposes
from attio_gateway.vault.keyring import key_file, new_key_text, parse_key, write_key_file
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


async def _plant_a_row_in_every_table_with_secrets(db: Database, keys: KeyRing) -> None:
    """One row or more in each table that holds sealed values, through the query functions
    (the values themselves are replaced by ``_seal_every_location``)."""
    connection_id = "c0000000-0000-4000-8000-000000000001"
    await q.create_connection(
        db,
        connection_id=connection_id,
        name="attio",
        provider="attio",
        client_id="cid",
        client_secret_sealed="placeholder",
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
            access_token_sealed="placeholder",
            refresh_token_sealed="placeholder",
            expires_at=None,
            now=NOW,
        )
        await q.put_account_secret(
            db, account_id=account.id, name="webhook:w1", secret_sealed="placeholder", now=NOW
        )
    for state, account_id, used in (("st", accounts[0], False), ("parked", accounts[1], True)):
        await q.save_authorization_request(
            db,
            state=state,
            connection_id=connection_id,
            account_id=account_id,
            identifier="u",
            code_verifier_sealed="placeholder",
            user_verify_url="https://app.example/verify",
            redirect_after=None,
            now=NOW,
            expires_at=NOW + timedelta(minutes=5),
        )
        if used:  # a grant parked until the user is verified, with a refresh token
            assert await q.consume_authorization_request(db, state=state, now=NOW)
            await q.hold_pending_grant(
                db,
                state=state,
                pending_token_sealed="placeholder",
                pending_grant={"refresh_token_sealed": "placeholder", "info": {}},
            )
    await q.add_server_secret(db, name="signing_key", value_sealed="placeholder", now=NOW)
    await mcp_auth_queries.put_client(
        db, client_id="mcp-client", info={}, client_secret_sealed="placeholder", now=NOW
    )
    # Triggers (issue 26): a workspace webhook's Attio secret, a subscription's own secret.
    await tq.add_webhook(
        db,
        webhook_id="w0000000-0000-4000-8000-000000000001",
        workspace_id="ws1",
        account_id=accounts[0],
        attio_webhook_id="aw1",
        secret_sealed="placeholder",
        attio_subscriptions=[],
        now=NOW,
    )
    await tq.add_subscription(
        db,
        subscription_id="s0000000-0000-4000-8000-000000000001",
        account_id=accounts[0],
        event_types=["record.created"],
        filter_=None,
        target_url=None,
        secret_sealed="placeholder",
        now=NOW,
    )


def _metadata_locations() -> list[tuple[Table, str, str | None]]:
    """Read from the table definitions here, not from the code under test: every column
    named ``*_sealed`` and every JSON key a column declares sealed."""
    found: list[tuple[Table, str, str | None]] = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if column.name.endswith("_sealed"):
                found.append((table, column.name, None))
            found.extend((table, column.name, key) for key in column.info.get("sealed_keys", ()))
    return found


def _location(table: Table, column: str, key: str | None) -> str:
    return f"{table.name}.{column}" + (f".{key}" if key else "")


async def _seal_every_location(db: Database, keys: KeyRing) -> dict[tuple[str, str], str]:
    """Put a distinct value sealed with ``keys`` into every sealed location of every row;
    returns (location, row primary key) → plaintext."""
    planted: dict[tuple[str, str], str] = {}
    async with db.transaction() as conn:
        for table, column, key in _metadata_locations():
            location = _location(table, column, key)
            assert location in purposes.BY_LOCATION, f"no associated data known for {location}"
            rows = (await conn.execute(select(table))).all()
            assert rows, f"plant a row in {table.name} (it holds sealed values)"
            for row in rows:
                values = row._asdict()
                row_key = "|".join(str(values[c.name]) for c in table.primary_key.columns)
                plaintext = f"{PLANTED}-{location}-{row_key}"
                sealed = keys.seal_text(plaintext, purpose=purposes.BY_LOCATION[location](values))
                if key is None:
                    new_value: Any = sealed
                else:
                    new_value = {**(values[column] or {}), key: sealed}
                where = [c == values[c.name] for c in table.primary_key.columns]
                await conn.execute(update(table).where(*where).values({column: new_value}))
                planted[(location, row_key)] = plaintext
    return planted


async def _open_every_location(db: Database, keys: KeyRing) -> dict[tuple[str, str], str]:
    """Every sealed value in the database, opened with ``keys`` (raises when one cannot be)."""
    opened: dict[tuple[str, str], str] = {}
    async with db.read() as conn:
        for table, column, key in _metadata_locations():
            location = _location(table, column, key)
            for row in (await conn.execute(select(table))).all():
                values = row._asdict()
                text = values[column] if key is None else (values[column] or {}).get(key)
                if text is None:
                    continue
                row_key = "|".join(str(values[c.name]) for c in table.primary_key.columns)
                purpose = purposes.BY_LOCATION[location](values)
                opened[(location, row_key)] = keys.unseal_text(
                    text, purpose=purpose
                ).get_secret_value()
    return opened


async def test_rotation_reseals_every_sealed_value_the_tables_define(db: Database) -> None:
    """Fails when a table gains a sealed column (``*_sealed``, or a JSON key declared in
    ``info["sealed_keys"]``) that rotation does not re-seal, or whose associated data is
    not known: after rotation the retired key alone opens no value at all, and the new key
    alone opens every one."""
    old = ring("k-old")
    await _plant_a_row_in_every_table_with_secrets(db, old)
    planted = await _seal_every_location(db, old)
    assert {location for location, _ in planted} == {
        _location(*found) for found in _metadata_locations()
    }
    assert "authorization_requests.pending_token_sealed" in {loc for loc, _ in planted}

    new, new_text = old.with_new_key()
    report = await rotate(db, new)
    assert report.key_id == new.current_key_id != "k-old"
    assert report.rows == {
        "connections": 1,
        "authorization_requests": 2,
        "credentials": 2,
        "account_secrets": 2,
        "server_secrets": 1,
        "mcp_auth_clients": 1,
        "trigger_webhooks": 1,
        "trigger_subscriptions": 1,
    }
    only_new = KeyRing([parse_key(new_text)])
    assert await _open_every_location(db, only_new) == planted
    # The retired key opens nothing: every location of every row refuses it.
    retired = ring("k-old")
    refused = 0
    async with db.read() as conn:
        for table, column, key in _metadata_locations():
            location = _location(table, column, key)
            for row in (await conn.execute(select(table))).all():
                values = row._asdict()
                text = values[column] if key is None else (values[column] or {}).get(key)
                assert text is not None
                with pytest.raises(MissingKeyError):
                    retired.unseal_text(text, purpose=purposes.BY_LOCATION[location](values))
                refused += 1
    assert refused == len(planted)
    # A second rotation under the same key has nothing to do.
    again = await rotate(db, new)
    assert sum(again.rows.values()) == 0


async def test_rotation_refuses_a_sealed_location_without_associated_data(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(purposes.BY_LOCATION, "authorization_requests.pending_token_sealed")
    with pytest.raises(ConfigurationError, match=r"authorization_requests\.pending_token_sealed"):
        await rotate(db, ring("k1"))


def test_every_known_purpose_names_a_sealed_location() -> None:
    assert set(purposes.BY_LOCATION) == {_location(*found) for found in _metadata_locations()}


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
    assert "re-sealed 0 row(s) under key " in rotated.output
    assert "authorization_requests 0" in rotated.output and "credentials 0" in rotated.output
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
    keys = load_keyring(settings)  # the key file the CLI will use (it follows the file)
    sealed_with = keys.current_key_id
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
        assert "tampered" in result.output and sealed_with in result.output


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


def test_a_ring_from_the_key_file_follows_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path)
    keys = load_keyring(settings)
    first = keys.current_key_id
    sealed = keys.seal_text(PLANTED, purpose="p")
    newer = new_key_text()
    write_key_file(key_file(settings), [newer, *key_file(settings).read_text().split()])
    assert keys.key_ids == [parse_key(newer)[0], first]
    assert Sealed.from_text(keys.seal_text(PLANTED, purpose="p")).key_id == parse_key(newer)[0]
    assert keys.unseal_text(sealed, purpose="p").get_secret_value() == PLANTED

    # A broken file is reported once and the keys read before are kept.
    key_file(settings).write_text("broken\n")
    with caplog.at_level(logging.WARNING):
        assert keys.key_ids == [parse_key(newer)[0], first]
        assert keys.unseal_text(sealed, purpose="p").get_secret_value() == PLANTED
    assert sum("cannot be used" in r.message for r in caplog.records) == 1
    assert PLANTED not in caplog.text
