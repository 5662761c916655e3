"""The platform's limits, checked before anything is sent: a value over KV's 25 MiB fails here, at
once, rather than after its upload (docs/limits.md). Messages are the bindings' own words."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from .contract import LIMITS, Json
from .errors import GatewayInputError, GatewayLimitError

KV_MAX_KEY_BYTES: Final = LIMITS["KV_MAX_KEY_BYTES"]
KV_MAX_VALUE_BYTES: Final = LIMITS["KV_MAX_VALUE_BYTES"]
KV_MAX_METADATA_BYTES: Final = LIMITS["KV_MAX_METADATA_BYTES"]
R2_MAX_KEY_BYTES: Final = LIMITS["R2_MAX_KEY_BYTES"]
R2_MAX_CUSTOM_METADATA_BYTES: Final = LIMITS["R2_MAX_CUSTOM_METADATA_BYTES"]
R2_MAX_SINGLE_PUT_BYTES: Final = LIMITS["R2_MAX_SINGLE_PUT_BYTES"]
R2_MAX_PART_BYTES: Final = LIMITS["R2_MAX_MULTIPART_PART_BYTES"]
R2_MAX_PARTS: Final = LIMITS["R2_MAX_MULTIPART_PARTS"]


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def check_kv_key(operation: str, key: str) -> None:
    if _utf8(key) > KV_MAX_KEY_BYTES:
        raise GatewayLimitError(
            "LIMIT_EXCEEDED",
            f"KV {operation} failed: 414 UTF-8 encoded length of {_utf8(key)} exceeds key length limit of {KV_MAX_KEY_BYTES}.",
        )


def check_kv_put(key: str, length: int, metadata: Json | None) -> None:
    check_kv_key("PUT", key)
    if length > KV_MAX_VALUE_BYTES:
        raise GatewayLimitError(
            "LIMIT_EXCEEDED", f"KV PUT failed: 413 Value length of {length} exceeds limit of {KV_MAX_VALUE_BYTES}."
        )
    if metadata is not None:
        size = _utf8(json.dumps(metadata, separators=(",", ":")))
        if size > KV_MAX_METADATA_BYTES:
            raise GatewayLimitError(
                "LIMIT_EXCEEDED", f"KV PUT failed: 413 Metadata length of {size} exceeds limit of {KV_MAX_METADATA_BYTES}."
            )


def check_r2_key(operation: str, key: str) -> None:
    if _utf8(key) > R2_MAX_KEY_BYTES:
        raise GatewayLimitError(
            # R2's own words (its key is at most R2_MAX_KEY_BYTES bytes of UTF-8).
            "LIMIT_EXCEEDED", f"{operation}: The specified object name is not valid. (10020)"
        )


def check_r2_put(key: str, length: int | None, custom_metadata: Mapping[str, str] | None) -> None:
    check_r2_key("put", key)
    if length is not None and length > R2_MAX_SINGLE_PUT_BYTES:
        raise GatewayLimitError(
            "LIMIT_EXCEEDED",
            f"put: Your proposed upload exceeds the maximum allowed object size ({length} > {R2_MAX_SINGLE_PUT_BYTES} "
            "bytes): use create_multipart_upload (100100)",
        )
    if custom_metadata:
        size = sum(_utf8(k) + _utf8(v) for k, v in custom_metadata.items())
        if size > R2_MAX_CUSTOM_METADATA_BYTES:
            raise GatewayLimitError(
                "LIMIT_EXCEEDED",
                # R2's own words (its custom metadata is at most R2_MAX_CUSTOM_METADATA_BYTES bytes).
                "put: Your metadata headers exceed the maximum allowed metadata size. (10012)",
            )


def check_r2_part(part_number: int, length: int) -> None:
    if not 1 <= part_number <= R2_MAX_PARTS:
        # The binding's TypeError, before any request.
        raise GatewayInputError(
            f"Part number must be between 1 and {R2_MAX_PARTS} (inclusive). Actual value was: {part_number}"
        )
    if length > R2_MAX_PART_BYTES:
        raise GatewayLimitError(
            "LIMIT_EXCEEDED", f"uploadPart: a part is at most {R2_MAX_PART_BYTES} bytes, this one {length} (10011)"
        )

