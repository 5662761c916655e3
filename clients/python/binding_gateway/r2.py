"""``env.BUCKET``: an R2 bucket as a Worker sees it, over the gateway, named the Python way."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, TypedDict, cast

from .contract import LIMITS, R2BindingName
from .contract import R2Object as R2ObjectWire

if TYPE_CHECKING:
    from .client import GatewayClient

#: Bodies up to this size travel inline in JSON; larger ones stream (r2.putStream).
INLINE_BODY_MAX_BYTES = LIMITS["INLINE_BODY_MAX_BYTES"]
_CHUNK_BYTES = 1 << 20


class R2Range(TypedDict, total=False):
    """Part of an object: ``offset`` and/or ``length``, or ``suffix`` (the last n bytes)."""

    offset: int
    length: int
    suffix: int


class R2Conditional(TypedDict, total=False):
    """``only_if``: the read or write happens only if these hold (a failed one is a value, not an error)."""

    etag_matches: str
    etag_does_not_match: str
    uploaded_before: datetime
    uploaded_after: datetime
    seconds_granularity: bool


@dataclass(frozen=True)
class R2HTTPMetadata:
    content_type: str | None = None
    content_language: str | None = None
    content_disposition: str | None = None
    content_encoding: str | None = None
    cache_control: str | None = None
    cache_expiry: datetime | None = None


@dataclass(frozen=True)
class R2Object:
    """An object's metadata."""

    key: str
    version: str
    size: int
    etag: str
    http_etag: str
    uploaded: datetime
    http_metadata: R2HTTPMetadata = field(default_factory=R2HTTPMetadata)
    custom_metadata: dict[str, str] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)
    storage_class: str = ""
    range: R2Range | None = None


@dataclass(frozen=True)
class R2ObjectBody(R2Object):
    """An object's metadata and its body."""

    body: bytes = b""

    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class R2Objects:
    """One page of a list."""

    objects: list[R2Object]
    truncated: bool
    cursor: str | None
    delimited_prefixes: list[str]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _object(wire: R2ObjectWire, body: bytes | None = None) -> R2Object:
    metadata = R2HTTPMetadata(**{_snake(k): v for k, v in wire["httpMetadata"].items()})  # type: ignore[arg-type]
    fields: dict[str, Any] = {
        "key": wire["key"],
        "version": wire["version"],
        "size": int(wire["size"]),
        "etag": wire["etag"],
        "http_etag": wire["httpEtag"],
        "uploaded": wire["uploaded"],
        "http_metadata": metadata,
        "custom_metadata": dict(wire["customMetadata"]),
        "checksums": dict(wire["checksums"]),
        "storage_class": wire["storageClass"],
        "range": _range(wire),
    }
    return R2Object(**fields) if body is None else R2ObjectBody(**fields, body=body)


def _range(wire: R2ObjectWire) -> R2Range | None:
    if "range" not in wire:
        return None
    return cast(R2Range, {k: int(v) for k, v in wire["range"].items() if isinstance(v, (int, float))})


def _http_metadata(metadata: R2HTTPMetadata | None) -> dict[str, Any]:
    if metadata is None:
        return {}
    return {_camel(k): v for k, v in metadata.__dict__.items() if v is not None}


def _length(file: IO[bytes]) -> int:
    try:
        return os.fstat(file.fileno()).st_size - file.tell()
    except (OSError, AttributeError):
        position = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(position)
        return end - position


async def _chunks(file: IO[bytes]) -> AsyncIterator[bytes]:
    # File reads block: each runs on a thread, so the event loop serves other requests meanwhile.
    while chunk := await asyncio.to_thread(file.read, _CHUNK_BYTES):
        yield chunk


class R2Bucket:
    """``env.BUCKET``.

    Example::

        await env.BUCKET.put("report.pdf", data, http_metadata=R2HTTPMetadata(content_type="application/pdf"))
        report = await env.BUCKET.get("report.pdf")
    """

    def __init__(self, client: GatewayClient, binding: R2BindingName = "BUCKET") -> None:
        self.client = client
        self.binding = binding

    async def head(self, key: str) -> R2Object | None:
        """The object's metadata, or ``None``."""
        wire = await self.client.r2_head({"binding": self.binding, "key": key})
        return None if wire is None else _object(wire)

    async def get(
        self, key: str, *, range: R2Range | None = None, only_if: R2Conditional | None = None
    ) -> R2ObjectBody | R2Object | None:
        """The object with its body, ``None`` when there is none, or the object without a body
        (an ``R2Object``) when ``only_if`` failed. The body streams (r2.getStream), any size."""
        parameters: dict[str, Any] = {"binding": self.binding, "key": key}
        if range is not None:
            parameters["range"] = dict(range)
        if only_if is not None:
            parameters["onlyIf"] = {_camel(k): v for k, v in only_if.items()}
        async with self.client.stream("r2.getStream", parameters) as (result, body):
            if result["object"] is None:
                return None
            if not result.get("body"):
                return _object(result["object"])
            return _object(result["object"], await body.aread())

    async def put(
        self,
        key: str,
        value: bytes | bytearray | memoryview | str | IO[bytes],
        *,
        http_metadata: R2HTTPMetadata | None = None,
        custom_metadata: dict[str, str] | None = None,
        only_if: R2Conditional | None = None,
        md5: str | None = None,
        sha256: str | None = None,
    ) -> R2Object | None:
        """Stores an object: bytes, text, or a binary file (read as it is sent, never whole). The
        stored object's metadata, or ``None`` when ``only_if`` failed. Over 1 MiB it streams."""
        options: dict[str, Any] = {"binding": self.binding, "key": key}
        if http_metadata is not None:
            options["httpMetadata"] = _http_metadata(http_metadata)
        if custom_metadata is not None:
            options["customMetadata"] = custom_metadata
        if only_if is not None:
            options["onlyIf"] = {_camel(k): v for k, v in only_if.items()}
        if md5 is not None:
            options["md5"] = md5
        if sha256 is not None:
            options["sha256"] = sha256
        if isinstance(value, (str, bytes, bytearray, memoryview)):
            data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
            if len(data) <= INLINE_BODY_MAX_BYTES:
                wire = await self.client.call("r2.put", {**options, "body": value if isinstance(value, str) else data})
                return None if wire is None else _object(wire)
            async with self.client.stream("r2.putStream", options, data) as (result, _):
                stored = result["object"]
        else:
            async with self.client.stream("r2.putStream", options, _chunks(value), _length(value)) as (result, _):
                stored = result["object"]
        return None if stored is None else _object(stored)

    async def delete(self, keys: str | Sequence[str]) -> None:
        """Deletes one key or up to 1,000; deleting one that does not exist is not an error."""
        await self.client.r2_delete({"binding": self.binding, "keys": keys if isinstance(keys, str) else list(keys)})

    async def list(
        self,
        *,
        prefix: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        delimiter: str | None = None,
        start_after: str | None = None,
        include: Sequence[str] | None = None,
    ) -> R2Objects:
        """One page of objects (``include=["httpMetadata", "customMetadata"]`` adds those)."""
        call: dict[str, Any] = {"binding": self.binding}
        for name, option in (
            ("prefix", prefix),
            ("limit", limit),
            ("cursor", cursor),
            ("delimiter", delimiter),
            ("startAfter", start_after),
            ("include", list(include) if include is not None else None),
        ):
            if option is not None:
                call[name] = option
        page = await self.client.call("r2.list", call)
        return R2Objects(
            objects=[_object(o) for o in page["objects"]],
            truncated=page["truncated"],
            cursor=page.get("cursor"),
            delimited_prefixes=page["delimitedPrefixes"],
        )
