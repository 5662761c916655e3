"""``env.KV``: a KV namespace as a Worker sees it, over the gateway, named the Python way."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast, overload

from .contract import LIMITS, Json, KvBindingName, KvGetInput, KvListOutput, KvPutInput, KvPutStreamParameters
from .errors import GatewayError

if TYPE_CHECKING:
    from .client import GatewayClient

#: Values up to this size travel inline in JSON; larger ones stream (kv.putStream).
INLINE_BODY_MAX_BYTES = LIMITS["INLINE_BODY_MAX_BYTES"]

V = TypeVar("V")


@dataclass(frozen=True)
class KVValueWithMetadata(Generic[V]):
    """A value and the metadata stored with it; both ``None`` when the key does not exist."""

    value: V | None
    metadata: Json | None


class KVNamespace:
    """``env.KV`` (and ``env.CACHE``).

    Example::

        await env.KV.put("greeting", "hello", expiration_ttl=3600)
        text = await env.KV.get("greeting")
    """

    def __init__(self, client: GatewayClient, binding: KvBindingName = "KV") -> None:
        self.client = client
        self.binding = binding

    def _input(self, key: str, type: Literal["text", "bytes"], cache_ttl: int | None) -> KvGetInput:
        call: KvGetInput = {"binding": self.binding, "key": key, "type": type}
        if cache_ttl is not None:
            call["cacheTtl"] = cache_ttl
        return call

    async def _stream_read(self, key: str, cache_ttl: int | None) -> KVValueWithMetadata[bytes]:
        # Bytes stream (kv.getStream), up to KV's 25 MiB, rather than travel inline as base64.
        parameters: dict[str, Any] = {"binding": self.binding, "key": key}
        if cache_ttl is not None:
            parameters["cacheTtl"] = cache_ttl
        async with self.client.stream("kv.getStream", parameters) as (result, body):
            value = await body.aread() if result["found"] else None
            return KVValueWithMetadata(value, result["metadata"])

    async def _text_read(self, key: str, cache_ttl: int | None) -> KVValueWithMetadata[str]:
        # Text travels inline; a value the gateway will not send inline (over 1 MiB, or past the
        # budget of one answer: LIMIT_EXCEEDED) is read again as a stream, as the TS env.KV does.
        try:
            read = await self.client.kv_get_with_metadata(self._input(key, "text", cache_ttl))
            # Read as text, the value is a string (or None).
            return KVValueWithMetadata(cast("str | None", read["value"]), read["metadata"])
        except GatewayError as error:
            if error.code != "LIMIT_EXCEEDED":
                raise
        streamed = await self._stream_read(key, cache_ttl)
        text = None if streamed.value is None else streamed.value.decode("utf-8-sig", errors="replace")
        return KVValueWithMetadata(text, streamed.metadata)

    @overload
    async def get(self, key: str, type: Literal["text"] = "text", *, cache_ttl: int | None = None) -> str | None: ...

    @overload
    async def get(self, key: str, type: Literal["json"], *, cache_ttl: int | None = None) -> Json | None: ...

    @overload
    async def get(self, key: str, type: Literal["bytes"], *, cache_ttl: int | None = None) -> bytes | None: ...

    async def get(
        self, key: str, type: Literal["text", "json", "bytes"] = "text", *, cache_ttl: int | None = None
    ) -> str | bytes | Json | None:
        """The value as text, parsed JSON, or bytes; ``None`` when the key does not exist."""
        if type == "bytes":
            return (await self._stream_read(key, cache_ttl)).value
        # JSON travels as text and is parsed here, so that a value that is not JSON fails as it would
        # in a Worker (a JSON error), not as the gateway's BAD_INPUT.
        text = (await self._text_read(key, cache_ttl)).value
        if text is None or type == "text":
            return text
        return json.loads(text)

    @overload
    async def get_with_metadata(
        self, key: str, type: Literal["text"] = "text", *, cache_ttl: int | None = None
    ) -> KVValueWithMetadata[str]: ...

    @overload
    async def get_with_metadata(
        self, key: str, type: Literal["json"], *, cache_ttl: int | None = None
    ) -> KVValueWithMetadata[Json]: ...

    @overload
    async def get_with_metadata(
        self, key: str, type: Literal["bytes"], *, cache_ttl: int | None = None
    ) -> KVValueWithMetadata[bytes]: ...

    async def get_with_metadata(
        self, key: str, type: Literal["text", "json", "bytes"] = "text", *, cache_ttl: int | None = None
    ) -> KVValueWithMetadata[str] | KVValueWithMetadata[Json] | KVValueWithMetadata[bytes]:
        """The value (as ``get`` gives it) and its metadata."""
        if type == "bytes":
            return await self._stream_read(key, cache_ttl)
        read = await self._text_read(key, cache_ttl)
        value: Json | None = read.value
        if read.value is not None and type == "json":
            value = json.loads(read.value)
        return KVValueWithMetadata(value, read.metadata)

    async def put(
        self,
        key: str,
        value: str | bytes | bytearray | memoryview,
        *,
        expiration: int | None = None,
        expiration_ttl: int | None = None,
        metadata: Json | None = None,
    ) -> None:
        """Stores text or bytes (up to KV's 25 MiB; over 1 MiB it streams). ``expiration`` is a Unix
        time in seconds, ``expiration_ttl`` seconds from now (at least 60); ``metadata`` is JSON."""
        if not isinstance(value, (str, bytes, bytearray, memoryview)):
            raise TypeError("KV put() takes str or bytes; json.dumps() other values first")
        options: KvPutStreamParameters = {"binding": self.binding, "key": key}
        if expiration is not None:
            options["expiration"] = expiration
        if expiration_ttl is not None:
            options["expirationTtl"] = expiration_ttl
        if metadata is not None:
            options["metadata"] = metadata
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        if len(data) > INLINE_BODY_MAX_BYTES:
            async with self.client.stream("kv.putStream", dict(options), data):
                return
        call = cast(KvPutInput, {**options, "value": value if isinstance(value, str) else data})
        await self.client.kv_put(call)

    async def delete(self, key: str) -> None:
        """Deletes a key; deleting one that does not exist is not an error."""
        await self.client.kv_delete({"binding": self.binding, "key": key})

    async def list(self, *, prefix: str | None = None, limit: int | None = None, cursor: str | None = None) -> KvListOutput:
        """One page of keys: ``{"keys": [{"name", "expiration"?, "metadata"?}], "list_complete", "cursor"?}``."""
        call: dict[str, Any] = {"binding": self.binding}
        for name, option in (("prefix", prefix), ("limit", limit), ("cursor", cursor)):
            if option is not None:
                call[name] = option
        return await self.client.call("kv.list", call)  # type: ignore[no-any-return]
