"""The workspace schema a tool needs to coerce values and check filters, fetched through the
proxy and cached per workspace (objects, attributes, select options, statuses)."""

from __future__ import annotations

import asyncio
import difflib
import time
from dataclasses import dataclass, field
from typing import Any

from attio_gateway.errors import ToolInputError
from attio_gateway.proxy import AttioCalls
from attio_gateway.proxy.paths import attio_path

TTL_SECONDS = 60.0
CHOICES_PATH = {
    "options": "/attributes/{attribute}/options",
    "statuses": "/attributes/{attribute}/statuses",
}


def did_you_mean(given: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(given, choices, n=1, cutoff=0.5)
    return f" — did you mean '{close[0]}'?" if close else ""


@dataclass
class _Entry:
    """One schema read, kept as its task: calls that need it while it is still running
    wait for that read instead of each sending their own (Attio's read budget is per
    workspace)."""

    read: asyncio.Task[Any]
    at: float = field(default_factory=time.monotonic)

    def fresh(self) -> bool:
        return time.monotonic() - self.at < TTL_SECONDS


def target_path(target: str, template: str = "", **params: str) -> str:
    """``"people"`` → ``/v2/objects/people``; ``"lists/sales"`` → ``/v2/lists/sales`` (list
    attributes are cached under the same keys as object attributes); ``template`` and its
    ``params`` are built on (``"/attributes"``), see ``attio_path``."""
    if target.startswith("lists/"):
        list_ = target.removeprefix("lists/")
        return attio_path("/v2/lists/{list}" + template, fields=None, list=list_, **params)
    return attio_path("/v2/objects/{object}" + template, fields=None, object=target, **params)


class WorkspaceSchema:
    """One workspace's schema, read lazily through ``attio`` and kept for a minute."""

    def __init__(self, attio: AttioCalls, cache: dict[str, _Entry] | None = None) -> None:
        self.attio = attio
        self._cache = cache if cache is not None else {}

    async def _get(self, key: str, path: str) -> Any:
        entry = self._cache.get(key)
        if entry is None or not entry.fresh():
            entry = self._cache[key] = _Entry(asyncio.ensure_future(self._read(path)))
            # Retrieved even if every caller waiting for it was cancelled.
            entry.read.add_done_callback(lambda read: read.cancelled() or read.exception())
        try:
            # Shielded: a cancelled caller must not cancel the read the others wait for.
            return await asyncio.shield(entry.read)
        except Exception:
            if self._cache.get(key) is entry:
                del self._cache[key]  # a failed read is not kept: the next call reads again
            raise

    async def _read(self, path: str) -> Any:
        return (await self.attio.call("GET", path))["data"]

    def forget(self, key_prefix: str = "") -> None:
        for key in [k for k in self._cache if k.startswith(key_prefix)]:
            del self._cache[key]

    async def objects(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._get("objects", "/v2/objects")
        return result

    async def object_slug(self, object_id: str) -> str | None:
        for obj in await self.objects():
            if obj["id"]["object_id"] == object_id:
                return str(obj["api_slug"])
        return None

    async def attributes(self, obj: str) -> dict[str, dict[str, Any]]:
        items = await self._get(f"attributes:{obj}", target_path(obj, "/attributes"))
        return {a["api_slug"]: a for a in items}

    async def attribute(self, obj: str, slug: str, *, field_name: str) -> dict[str, Any]:
        attributes = await self.attributes(obj)
        found = attributes.get(slug) or next(
            (a for a in attributes.values() if a["id"]["attribute_id"] == slug), None
        )
        if found is None:
            self.forget(f"attributes:{obj}")  # maybe created since: look once more
            attributes = await self.attributes(obj)
            found = attributes.get(slug)
        if found is None:
            raise ToolInputError(
                f"unknown attribute '{slug}' on '{obj}'{did_you_mean(slug, list(attributes))}",
                field=field_name,
            )
        return found

    async def choices(self, obj: str, attribute: dict[str, Any]) -> list[str]:
        """Active option titles (select) or status titles (status)."""
        kind = "statuses" if attribute["type"] == "status" else "options"
        slug = attribute["api_slug"]
        path = target_path(obj, CHOICES_PATH[kind], attribute=slug)
        items = await self._get(f"{kind}:{obj}:{slug}", path)
        return [i["title"] for i in items if not i.get("is_archived")]

    async def choice_ids(self, obj: str, attribute: dict[str, Any]) -> dict[str, str]:
        """Active option/status id → title (an LLM may send the id it read back)."""
        kind = "statuses" if attribute["type"] == "status" else "options"
        key = "status_id" if kind == "statuses" else "option_id"
        slug = attribute["api_slug"]
        path = target_path(obj, CHOICES_PATH[kind], attribute=slug)
        items = await self._get(f"{kind}:{obj}:{slug}", path)
        return {i["id"][key]: i["title"] for i in items if not i.get("is_archived")}

    async def resolve_choice(
        self, obj: str, attribute: dict[str, Any], given: Any, *, field_name: str
    ) -> str:
        """An option/status title matched case-insensitively → its exact title; else a loud
        error listing the valid titles (never a silent default)."""
        titles = await self.choices(obj, attribute)
        if isinstance(given, str) and given in (ids := await self.choice_ids(obj, attribute)):
            return ids[given]
        if isinstance(given, str):
            for title in titles:
                if title == given or title.casefold() == given.strip().casefold():
                    return title
            for title in titles:  # "Won" for "Won 🎉"
                if title.casefold().startswith(given.strip().casefold() + " "):
                    return title
        noun = (
            "stage"
            if attribute["api_slug"] == "stage"
            else ("status" if attribute["type"] == "status" else "option")
        )
        raise ToolInputError(
            f"'{given}' is not {'an' if noun == 'option' else 'a'} {noun} of "
            f"'{attribute['api_slug']}'; valid: "
            f"{', '.join(titles) or '(none)'}",
            field=field_name,
        )
