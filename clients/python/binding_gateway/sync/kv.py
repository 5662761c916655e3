# Written by clients/python/tools/unasync.py from binding_gateway/kv.py; do not edit.
"""``env.KV``: a KV namespace as a Worker sees it, over the gateway, named the Python way."""

from __future__ import annotations

import builtins
import json
import math
from collections.abc import Sequence
from typing import Any, Literal, cast, overload

from ._io import gather
from .client import GatewayClient
from ..contract import LIMITS, Json, KvBindingName, KvGetInput, KvListOutput, KvPutInput
from ..errors import GatewayError, GatewayInputError
from ..limits import check_kv_key, check_kv_put
from ..objects import KVListResult, KVValueWithMetadata, kv_list_result
from .streams import Body, upload_of
from ..wire import as_json

#: Values up to this size travel inline in JSON; larger ones stream (kv.putStream).
INLINE_BODY_MAX_BYTES = LIMITS["INLINE_BODY_MAX_BYTES"]
#: Keys per bulk read, the binding's limit.
MAX_BULK_KEYS = 100


#: The binding's words for an ``expiration`` that is not a 32-bit integer.
INT32_RANGE = "Value out of range. Must be between -2147483648 and 2147483647 (inclusive)."


def _bulk_refused(reason: str) -> GatewayError:
    # The binding's bulk read refuses these as KV's 400 answer, an Error (not a TypeError).
    return GatewayError("BAD_INPUT", f"KV GET_BULK failed: 400 {reason}", retryable=False)


def _check_key(key: str) -> None:
    # The binding refuses these before any request, with a TypeError, in these words.
    if key == "":
        raise GatewayInputError("Key name cannot be empty.")
    if key in (".", ".."):
        raise GatewayInputError(f'"{key}" is not allowed as a key name.')


def _integer(value: float | None) -> int | None:
    """A number option as the binding converts it: its fraction dropped, NaN and ±infinity as 0."""
    if value is None:
        return None
    return int(value) if math.isfinite(value) else 0


def _expiration(value: float | None) -> int | None:
    number = _integer(value)
    if number is not None and not -(2**31) <= number < 2**31:
        raise GatewayInputError(INT32_RANGE)
    return number


class KVNamespace:
    """``env.KV`` (and ``env.CACHE``).

    Example::

        env.KV.put("greeting", "hello", expiration_ttl=3600)
        text = env.KV.get("greeting")
        both = env.KV.get(["greeting", "farewell"])  # {"greeting": "hello", "farewell": None}
    """

    def __init__(self, client: GatewayClient, binding: KvBindingName = "KV") -> None:
        self.client = client
        self.binding = binding

    def _input(self, key: str, type: Literal["text", "bytes"], cache_ttl: int | None) -> KvGetInput:
        call: KvGetInput = {"binding": self.binding, "key": key, "type": type}
        if cache_ttl is not None:
            call["cacheTtl"] = cache_ttl
        return call

    def _stream_read(self, key: str, cache_ttl: int | None) -> KVValueWithMetadata[bytes]:
        # Bytes stream (kv.getStream), up to KV's 25 MiB, rather than travel inline as base64.
        _check_key(key)
        check_kv_key("GET", key)
        parameters: dict[str, Any] = {"binding": self.binding, "key": key}
        if cache_ttl is not None:
            parameters["cacheTtl"] = cache_ttl
        with self.client.stream("kv.getStream", parameters) as (result, body):
            value = body.read() if result["found"] else None
            return KVValueWithMetadata(value, result["metadata"])

    def _text_read(self, key: str, cache_ttl: int | None) -> KVValueWithMetadata[str]:
        # Text travels inline; a value the gateway will not send inline (over 1 MiB, or past the
        # budget of one answer: LIMIT_EXCEEDED) is read again as a stream, as the TS env.KV does.
        _check_key(key)
        check_kv_key("GET", key)
        try:
            read = self.client.kv_get_with_metadata(self._input(key, "text", cache_ttl))
            # Read as text, the value is a string (or None).
            return KVValueWithMetadata(cast("str | None", read["value"]), read["metadata"])
        except GatewayError as error:
            if error.gateway_code != "LIMIT_EXCEEDED":
                raise
        streamed = self._stream_read(key, cache_ttl)
        text = None if streamed.value is None else streamed.value.decode("utf-8-sig", errors="replace")
        return KVValueWithMetadata(text, streamed.metadata)

    def _get_one(self, key: str, type: Literal["text", "json", "bytes"], cache_ttl: int | None) -> Any:
        if type not in ("text", "json", "bytes"):
            raise GatewayInputError('Unknown response type. Possible types are "text", "json" and "bytes".')
        if type == "bytes":
            return (self._stream_read(key, cache_ttl)).value
        # JSON travels as text and is parsed here, so that a value that is not JSON fails as it would
        # in a Worker (a JSON error), not as the gateway's BAD_INPUT.
        text = (self._text_read(key, cache_ttl)).value
        if text is None or type == "text":
            return text
        return json.loads(text)

    def _get_many(
        self, keys: Sequence[str], type: str, cache_ttl: int | None
    ) -> dict[str, KVValueWithMetadata[Any] | None]:
        # The binding's bulk read, as single reads at once; its checks and failures in its words. A
        # missing key is None; a found one its value (as text or parsed JSON) and its metadata.
        if len(keys) == 0:
            raise _bulk_refused("You must request a minimum of 1 key")
        if len(keys) > MAX_BULK_KEYS:
            raise _bulk_refused(f"You can request a maximum of {MAX_BULK_KEYS} keys")
        if type not in ("text", "json"):
            raise _bulk_refused(f'"{type}" is not a valid type. Use "json" or "text"')
        unique = list(dict.fromkeys(keys))
        reads = gather(*[self._text_read(key, cache_ttl) for key in unique])
        found: dict[str, KVValueWithMetadata[Any] | None] = {}
        for key, read in zip(unique, reads, strict=True):
            if read.value is None:
                found[key] = None
                continue
            try:
                value = json.loads(read.value) if type == "json" else read.value
            except json.JSONDecodeError:
                raise _bulk_refused("At least one of the requested keys corresponds to a non-json value") from None
            found[key] = KVValueWithMetadata(value, read.metadata)
        return found

    @overload
    def get(self, key: str, type: Literal["text"] = "text", *, cache_ttl: int | None = None) -> str | None: ...

    @overload
    def get(self, key: str, type: Literal["json"], *, cache_ttl: int | None = None) -> Json | None: ...

    @overload
    def get(self, key: str, type: Literal["bytes"], *, cache_ttl: int | None = None) -> bytes | None: ...

    @overload
    def get(
        self, key: builtins.list[str], type: Literal["text"] = "text", *, cache_ttl: int | None = None
    ) -> dict[str, str | None]: ...

    @overload
    def get(self, key: builtins.list[str], type: Literal["json"], *, cache_ttl: int | None = None) -> dict[str, Json]: ...

    def get(
        self, key: str | builtins.list[str], type: Literal["text", "json", "bytes"] = "text", *, cache_ttl: int | None = None
    ) -> str | bytes | Json | None:
        """The value as text, parsed JSON, or bytes; ``None`` when the key does not exist. A list of
        keys (at most 100; text or JSON) gives a dict of key → value, ``None`` for a missing one."""
        if isinstance(key, str):
            return self._get_one(key, type, _integer(cache_ttl))
        found = self._get_many(key, type, _integer(cache_ttl))
        return {name: None if read is None else read.value for name, read in found.items()}

    @overload
    def get_with_metadata(
        self, key: str, type: Literal["text"] = "text", *, cache_ttl: int | None = None
    ) -> KVValueWithMetadata[str]: ...

    @overload
    def get_with_metadata(
        self, key: str, type: Literal["json"], *, cache_ttl: int | None = None
    ) -> KVValueWithMetadata[Json]: ...

    @overload
    def get_with_metadata(
        self, key: str, type: Literal["bytes"], *, cache_ttl: int | None = None
    ) -> KVValueWithMetadata[bytes]: ...

    @overload
    def get_with_metadata(
        self, key: builtins.list[str], type: Literal["text", "json"] = "text", *, cache_ttl: int | None = None
    ) -> dict[str, KVValueWithMetadata[Any] | None]: ...

    def get_with_metadata(
        self,
        key: str | builtins.list[str],
        type: Literal["text", "json", "bytes"] = "text",
        *,
        cache_ttl: int | None = None,
    ) -> (
        KVValueWithMetadata[str]
        | KVValueWithMetadata[Json]
        | KVValueWithMetadata[bytes]
        | dict[str, KVValueWithMetadata[Any] | None]
    ):
        """The value (as ``get`` gives it) and its metadata. A list of keys (at most 100; text or JSON)
        gives a dict of key → value and metadata, ``None`` for a missing key."""
        cache_ttl = _integer(cache_ttl)
        if not isinstance(key, str):
            return self._get_many(key, type, cache_ttl)
        if type == "bytes":
            return self._stream_read(key, cache_ttl)
        read = self._text_read(key, cache_ttl)
        value: Json | None = read.value
        if read.value is not None and type == "json":
            value = json.loads(read.value)
        return KVValueWithMetadata(value, read.metadata)

    def put(
        self,
        key: str,
        value: Body,
        *,
        length: int | None = None,
        expiration: int | None = None,
        expiration_ttl: int | None = None,
        metadata: Json | None = None,
    ) -> None:
        """Stores text or bytes, a binary file or ``UploadFile``, or chunks (an iterator of
        bytes) of ``length`` bytes, up to KV's 25 MiB; over 1 MiB it streams, read as it is sent.
        ``expiration`` is a Unix time in seconds, ``expiration_ttl`` seconds from now (at least
        60); ``metadata`` is JSON (at most 1,024 bytes)."""
        _check_key(key)
        options: dict[str, Any] = {"binding": self.binding, "key": key}
        expiration, expiration_ttl = _expiration(expiration), _integer(expiration_ttl)
        if expiration is not None:
            options["expiration"] = expiration
        if expiration_ttl is not None:
            options["expirationTtl"] = expiration_ttl
        # Metadata is stored as its JSON, as the binding stores it (a datetime as its ISO text).
        metadata = None if metadata is None else as_json(metadata)
        if metadata is not None:
            options["metadata"] = metadata
        content, size = upload_of(value, length, "KV PUT")
        check_kv_put(key, size, metadata)
        if isinstance(content, bytes) and size <= INLINE_BODY_MAX_BYTES:
            call = cast(KvPutInput, {**options, "value": value if isinstance(value, str) else content})
            self.client.kv_put(call)
            return
        with self.client.stream("kv.putStream", options, content, size):
            return

    def delete(self, key: str) -> None:
        """Deletes a key; deleting one that does not exist is not an error."""
        _check_key(key)
        check_kv_key("DELETE", key)
        self.client.kv_delete({"binding": self.binding, "key": key})

    def list(self, *, prefix: str | None = None, limit: int | None = None, cursor: str | None = None) -> KVListResult:
        """One page of keys: ``keys`` (``name``, ``expiration``, ``metadata``), ``list_complete``, ``cursor``."""
        call: dict[str, Any] = {"binding": self.binding}
        # The binding takes a limit of 0 as no limit given.
        for name, option in (("prefix", prefix), ("limit", limit or None), ("cursor", cursor)):
            if option is not None:
                call[name] = option
        page = cast(KvListOutput, self.client.call("kv.list", call))
        return kv_list_result(page)
