"""The emulator in someone else's test suite: a running server, workspace helpers, a webhook
receiver, faults, limits, latency and snapshots. The pytest plugin
(``attio_emulator.testing.plugin``, registered as a ``pytest11`` entry point) builds its
fixtures from these; they work without pytest too::

    from attio_emulator.testing import EmulatorSession

    with EmulatorSession(seed="demo") as emulator:
        emulator.client.get("/v2/objects")   # base_url and token already set
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from attio_emulator import seedfile, snapshots
from attio_emulator.core.limits import Faults, Limits
from attio_emulator.core.state import EmulatorState
from attio_emulator.core.store import Document, Store
from attio_emulator.latency import LATENCY, Latency
from attio_emulator.seed import SEEDS, apply_seed
from attio_emulator.testing.server import EmulatorServer

__all__ = ["Emulator", "EmulatorSession", "WebhookReceiver", "Workspace"]

ACTOR = {"type": "system", "id": None}
#: How long ``WebhookReceiver.wait_for`` waits by default (generous: a loaded CI machine).
WAIT_SECONDS = 30.0


def apply(state: EmulatorState, seed: str | Path, *, base: Path | None = None) -> None:
    """``demo``/``empty``, or a seed file (a relative path is taken from ``base``)."""
    if isinstance(seed, str) and seed in SEEDS:
        apply_seed(state, seed)
        return
    path = Path(seed)
    if not path.is_absolute() and base is not None and (base / path).is_file():
        path = base / path
    seedfile.load_file(state, path)


class Workspace:
    """The emulated workspace, changed directly (not over HTTP) on the server's loop."""

    def __init__(self, server: EmulatorServer) -> None:
        self._server = server

    @property
    def state(self) -> EmulatorState:
        return self._server.state

    def run(self, function: Callable[[EmulatorState], Any]) -> Any:
        """Run ``function(state)`` on the server's loop (model code that emits events)."""
        return self._server.call(lambda: function(self._server.state))

    def load(self, seed: str | Path | dict[str, Any]) -> None:
        """Add what a seed (``demo``, a file, or a parsed seed-file mapping) describes."""
        if isinstance(seed, dict):
            data = seed
            self.run(lambda state: seedfile.load(state, data))
        else:
            self.run(lambda state: apply(state, seed))

    def export(self) -> dict[str, Any]:
        """The workspace in the seed-file format."""
        exported: dict[str, Any] = self.run(seedfile.export)
        return exported

    def create_record(self, object: str, values: dict[str, Any]) -> Document:
        """Create a record (Attio's write shapes) and send ``record.created``; answers it
        as the API reads it."""
        from attio_emulator.services.objects.models import get_object
        from attio_emulator.services.records import models as records
        from attio_emulator.services.webhooks.models import emit

        def create(state: EmulatorState) -> Document:
            obj = get_object(state, object)
            record = records.create_record(state, obj, values, ACTOR)
            ids = {"object_id": obj["id"]["object_id"], "record_id": record["id"]["record_id"]}
            emit(state, "record.created", ids, ACTOR)  # as POST /v2/objects/{object}/records
            return records.render_record(state, record)

        created: Document = self.run(create)
        return created

    def records(self, object: str) -> list[Document]:
        """Every record of the object, as the API reads them, in creation order."""
        from attio_emulator.services.objects.models import get_object
        from attio_emulator.services.records import models as records

        def read(state: EmulatorState) -> list[Document]:
            obj = get_object(state, object)
            return records.render_records(state, records.records_of(state, obj["id"]["object_id"]))

        found: list[Document] = self.run(read)
        return found

    def create_list(self, api_slug: str, parent_object: str, name: str | None = None) -> Document:
        from attio_emulator.services.lists import models as lists

        body = {
            "api_slug": api_slug,
            "name": name or api_slug,
            "parent_object": parent_object,
            "workspace_access": "full-access",
            "workspace_member_access": [],
        }
        created: Document = self.run(lambda state: lists.create_list(state, body, ACTOR))
        return created

    def add_entry(
        self, list: str, record_id: str, values: dict[str, Any] | None = None
    ) -> Document:
        from attio_emulator.services.lists import models as lists

        def add(state: EmulatorState) -> Document:
            lst = lists.get_list(state, list)
            body = {
                "parent_record_id": record_id,
                "parent_object": lst["parent_object"][0],
                "entry_values": values or {},
            }
            return lists.render_entry(state, lists.create_entry(state, lst, body, ACTOR))

        created: Document = self.run(add)
        return created

    def add_member(
        self, email_address: str, first_name: str, last_name: str, access_level: str = "member"
    ) -> Document:
        """A workspace member joins (``workspace-member.created`` is sent)."""
        from attio_emulator.services.members.models import join_member

        def join(state: EmulatorState) -> Document:
            return join_member(
                state,
                email_address=email_address,
                first_name=first_name,
                last_name=last_name,
                access_level=access_level,
                actor_member_id=None,
            )

        member: Document = self.run(join)
        return member


@dataclass
class Emulator:
    """One test's view of a running emulator: ``base_url``, ``token``, ``client``."""

    server: EmulatorServer
    token: str
    client: httpx.Client
    workspace: Workspace
    _baseline: snapshots.WorkspaceSnapshot | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def api_url(self) -> str:
        """The base URL Attio clients take (``https://api.attio.com`` → this)."""
        return self.server.base_url

    @property
    def state(self) -> EmulatorState:
        return self.server.state

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        response = self.client.request(method, f"/_emulator{path}", json=body)
        if response.status_code >= 400:
            raise ValueError(f"{method} /_emulator{path}: {response.text}")
        return response.json()

    def faults(self, **settings: Any) -> dict[str, Any]:
        """``/_emulator/faults``: e.g. ``faults(error_rate=1, error_statuses=[500],
        remaining=1)`` (the next /v2 request is a 500); ``faults()`` clears them."""
        described: dict[str, Any] = self._control("POST", "/faults", settings)
        return described

    def limits(self, **settings: Any) -> dict[str, Any]:
        """``/_emulator/limits``: e.g. ``limits(writes_per_second=0)`` (every write is a 429
        with Retry-After), ``limits(enabled=False)``; ``limits()`` restores Attio's."""
        described: dict[str, Any] = self._control("POST", "/limits", settings)
        return described

    def latency(self, fixed_ms: float = 0, **settings: Any) -> dict[str, Any]:
        """``/_emulator/latency``: ``latency(80)`` or ``latency(median_ms=120, p95_ms=400)``;
        ``latency()`` removes it."""
        described: dict[str, Any] = self._control(
            "POST", "/latency", {"fixed_ms": fixed_ms, **settings}
        )
        return described

    def issue_token(self, scopes: list[str] | None = None) -> str:
        """Another workspace API token (every scope unless ``scopes``)."""
        body = {"scopes": scopes} if scopes is not None else {}
        token: str = self._control("POST", "/tokens", body)["token"]
        return token

    def revoke_token(self, token: str | None = None) -> None:
        """Revoke a token (this test's own by default): its next request is a 401."""
        self._control("POST", f"/tokens/{token or self.token}/revoke")

    def snapshot(self) -> snapshots.WorkspaceSnapshot:
        """Keep the workspace as it is now (``restore`` puts it back)."""
        taken: snapshots.WorkspaceSnapshot = self.server.call(
            lambda: snapshots.take(self.server.state)
        )
        return taken

    def restore(self, snapshot: snapshots.WorkspaceSnapshot | None = None) -> None:
        """Put the workspace back as ``snapshot`` (default: as this test started) holds it."""
        held = snapshot or self._baseline
        if held is None:
            raise ValueError("no snapshot to restore")
        self.server.call(lambda: snapshots.restore(self.server.state, held))


class EmulatorSession:
    """A server for many tests: ``start_test`` gives each a clean workspace by restoring a
    snapshot taken once per seed (not by seeding again)."""

    def __init__(
        self,
        seed: str | Path = "empty",
        *,
        base: Path | None = None,
        rate_limits: bool = True,
        latency: Latency | None = None,
    ) -> None:
        self.default_seed = seed
        self.base = base
        self.rate_limits = rate_limits
        self.latency = latency
        self.state = EmulatorState(store=Store())
        self.server = EmulatorServer(self.state)
        self.token = ""
        self._seeded: dict[str, snapshots.WorkspaceSnapshot] = {}
        self._tokens: dict[str, str] = {}
        self._options = dict(self.state.options)

    def start(self) -> EmulatorSession:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> Emulator:
        self.start()
        return self.start_test()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _baseline(self, seed: str | Path) -> snapshots.WorkspaceSnapshot:
        key = str(seed)
        held = self._seeded.get(key)
        if held is not None:
            return held

        def build(state: EmulatorState) -> snapshots.WorkspaceSnapshot:
            state.store.clear()
            apply(state, seed, base=self.base)
            token: str = state.issue_token()["token"]
            self.token = token
            taken = snapshots.take(state)
            return taken

        held = self.server.call(lambda: build(self.state))
        self._seeded[key] = held
        self._tokens[key] = self.token
        return held

    def start_test(self, seed: str | Path | None = None) -> Emulator:
        """A clean workspace (``seed``, else the session's), default settings, a client."""
        chosen = self.default_seed if seed is None else seed
        baseline = self._baseline(chosen)

        def reset(state: EmulatorState) -> None:
            for task in list(state.options.get("_webhook_pending_deliveries", ())):
                task.cancel()
            state.options.clear()
            state.options.update(self._options)
            if self.latency is not None:
                state.options[LATENCY] = self.latency
            state.faults = Faults()
            state.limits = Limits(enabled=self.rate_limits)
            state.clock.set(None)
            snapshots.restore(state, baseline)

        self.server.call(lambda: reset(self.state))
        token = self._tokens[str(chosen)]
        client = httpx.Client(
            base_url=self.server.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        return Emulator(self.server, token, client, Workspace(self.server), baseline)


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded

    def signature_valid(self, secret: str) -> bool:
        """``Attio-Signature`` is the hex HMAC-SHA256 of the body keyed by the secret."""
        expected = hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("Attio-Signature", ""))


class WebhookReceiver:
    """A local HTTP endpoint that records the webhook deliveries it gets.

    ``subscribe`` registers it with the emulator (as ``POST /v2/webhooks`` would: a local
    ``http://`` target is allowed for tests only); ``wait_for`` polls for an event."""

    def __init__(self, emulator: Emulator) -> None:
        from attio_emulator.services.webhooks.models import ALLOW_LOCAL_HTTP, RETRY_DELAYS

        self.emulator = emulator
        self.deliveries: list[Delivery] = []
        self.fail_next = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    failing = receiver.fail_next > 0
                    receiver.fail_next -= 1 if failing else 0
                    if not failing:
                        receiver.deliveries.append(Delivery(dict(self.headers.items()), body))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/attio-webhook"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

        def allow(state: EmulatorState) -> None:
            state.options[ALLOW_LOCAL_HTTP] = True
            state.options[RETRY_DELAYS] = [0.05, 0.1, 0.2]

        emulator.workspace.run(allow)

    def subscribe(self, *event_types: str) -> Document:
        """Create a webhook for these events (every event type when none given)."""
        if not event_types:
            from attio_emulator.services.webhooks.models import EVENT_TYPES

            event_types = tuple(sorted(EVENT_TYPES))
        body = {
            "data": {
                "target_url": self.url,
                "subscriptions": [{"event_type": e, "filter": None} for e in event_types],
            }
        }
        response = self.emulator.client.post("/v2/webhooks", json=body)
        if response.status_code != 200:
            raise ValueError(f"POST /v2/webhooks: {response.text}")
        webhook: Document = response.json()["data"]
        return webhook

    def events(self) -> list[Document]:
        """Every event received so far, in arrival order."""
        with self._lock:
            return [e for d in self.deliveries for e in d.payload["events"]]

    def wait_for(
        self,
        event_type: str,
        *,
        count: int = 1,
        timeout: float = WAIT_SECONDS,
        where: Callable[[Document], bool] | None = None,
    ) -> list[Document]:
        """Poll until ``count`` events of the type (matching ``where``) arrived; answers them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                e
                for e in self.events()
                if e["event_type"] == event_type and (where is None or where(e))
            ]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = sorted({e["event_type"] for e in self.events()})
                raise AssertionError(
                    f"{count} {event_type} event(s) not received in {timeout:g} s "
                    f"(got {len(found)}; received types: {', '.join(seen) or 'none'})"
                )
            time.sleep(0.02)

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=10)
