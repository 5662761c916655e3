"""The values the bindings return, snake_case, shared by the async and the sync client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypedDict, TypeVar, cast

from .contract import Json, KvListOutput
from .contract import R2Object as R2ObjectWire
from .errors import GatewayInputError

V = TypeVar("V")


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


#: The checksums R2 takes and gives: the binding's name for each and its digest's length in bytes.
CHECKSUMS: dict[str, tuple[str, int]] = {
    "md5": ("MD5", 16),
    "sha1": ("SHA-1", 20),
    "sha256": ("SHA-256", 32),
    "sha384": ("SHA-384", 48),
    "sha512": ("SHA-512", 64),
}


@dataclass(frozen=True)
class R2Checksums:
    """An object's checksums, as the binding gives them: each digest's bytes, ``None`` where R2 has none
    (``md5`` for an object put whole). ``to_json()`` gives them as hex, as the binding's ``toJSON()``."""

    md5: bytes | None = None
    sha1: bytes | None = None
    sha256: bytes | None = None
    sha384: bytes | None = None
    sha512: bytes | None = None

    def to_json(self) -> dict[str, str]:
        return {name: digest.hex() for name, digest in self.__dict__.items() if digest is not None}


def checksums_wire(given: Mapping[str, str | bytes | None]) -> dict[str, str]:
    """The checksums a put was given (hex text or the digest's bytes), as hex, refused with the binding's
    TypeError (a ``GatewayInputError``) when one is not its digest's length, or when there are two."""
    out: dict[str, str] = {}
    for option, value in given.items():
        if value is None:
            continue
        name, size = CHECKSUMS[option]
        if isinstance(value, str):
            if len(value) != size * 2:
                raise GatewayInputError(f"{name} is {size * 2} hex characters, not {len(value)}")
            out[option] = value
        else:
            if len(value) != size:
                raise GatewayInputError(f"{name} is {size} bytes, not {len(value)}")
            out[option] = bytes(value).hex()
    if len(out) > 1:
        raise GatewayInputError("You cannot specify multiple hashing algorithms.")
    return out


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
    checksums: R2Checksums = field(default_factory=R2Checksums)
    storage_class: str = ""
    range: R2Range | None = None


@dataclass(frozen=True)
class R2Objects:
    """One page of a list."""

    objects: list[R2Object]
    truncated: bool
    cursor: str | None
    delimited_prefixes: list[str]


@dataclass(frozen=True)
class R2UploadedPart:
    """A part of a multipart upload, as ``complete()`` takes it."""

    part_number: int
    etag: str


@dataclass(frozen=True)
class KVValueWithMetadata(Generic[V]):
    """A value and the metadata stored with it; both ``None`` when the key does not exist."""

    value: V | None
    metadata: Json | None


@dataclass(frozen=True)
class KVListKey:
    name: str
    expiration: int | None = None
    metadata: Json | None = None


@dataclass(frozen=True)
class KVListResult:
    """One page of keys; ``cursor`` leads to the next while ``list_complete`` is false."""

    keys: list[KVListKey]
    list_complete: bool
    cursor: str | None = None


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def object_fields(wire: R2ObjectWire) -> dict[str, Any]:
    """An object's fields as ``R2Object`` (and ``R2ObjectBody``) take them."""
    metadata = R2HTTPMetadata(**{snake(k): v for k, v in wire["httpMetadata"].items()})  # type: ignore[arg-type]
    range_ = None
    if "range" in wire:
        range_ = cast(R2Range, {k: int(v) for k, v in wire["range"].items() if isinstance(v, (int, float))})
    return {
        "key": wire["key"],
        "version": wire["version"],
        "size": int(wire["size"]),
        "etag": wire["etag"],
        "http_etag": wire["httpEtag"],
        "uploaded": wire["uploaded"],
        "http_metadata": metadata,
        "custom_metadata": dict(wire["customMetadata"]),
        "checksums": R2Checksums(**{k: bytes.fromhex(v) for k, v in wire["checksums"].items() if k in CHECKSUMS}),
        "storage_class": wire["storageClass"],
        "range": range_,
    }


def r2_object(wire: R2ObjectWire) -> R2Object:
    return R2Object(**object_fields(wire))


def http_metadata_wire(metadata: R2HTTPMetadata | None) -> dict[str, Any]:
    if metadata is None:
        return {}
    return {camel(k): v for k, v in metadata.__dict__.items() if v is not None}


def conditional_wire(only_if: R2Conditional) -> dict[str, Any]:
    return {camel(k): v for k, v in only_if.items()}


def kv_list_result(page: KvListOutput) -> KVListResult:
    keys = [
        KVListKey(k["name"], int(k["expiration"]) if "expiration" in k else None, k.get("metadata")) for k in page["keys"]
    ]
    return KVListResult(keys, page["list_complete"], page.get("cursor"))
