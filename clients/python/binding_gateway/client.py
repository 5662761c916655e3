"""The gateway's procedures and stream calls over httpx, with the TypeScript client's reliability:
a deadline per call (retries included), retries of retryable failures with full-jitter backoff, and
an idempotency key on every write, the same on each of its attempts.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Final, Literal

import httpx

from .contract import CONTRACT_VERSION, IDEMPOTENT_WRITES, KEYED, QUERIES, Procedures
from .errors import GatewayError
from .wire import check_stream_length, decode, decode_frame, encode, encode_frame, error_of

#: Where a Container reaches the gateway: a host the Worker intercepts (`outboundByHost`).
DEFAULT_GATEWAY_URL: Final = "http://gateway.internal/trpc"
#: D1 gives a query 30 s; a little more lets the gateway's own answer arrive.
DEFAULT_DEADLINE_S: Final = 35.0
DEFAULT_RETRIES: Final = 3
BACKOFF_BASE_S: Final = 0.05
BACKOFF_MAX_S: Final = 2.0

CONTRACT_HEADER: Final = "x-gateway-contract"
REQUEST_ID_HEADER: Final = "x-request-id"
#: The local session's per-process caller name (``GATEWAY_DEV_CALLER``); the token route only.
DEV_CALLER_HEADER: Final = "x-gateway-dev-caller"
STREAM_LENGTH_HEADER: Final = "x-gateway-length"
#: The first line of a stream call's body (its parameters) or answer (its result), at most.
STREAM_FRAME_MAX_BYTES: Final = 256 * 1024

#: A streamed body: bytes, or chunks of a length given beside them.
StreamContent = bytes | AsyncIterable[bytes]


async def _framed(frame: bytes, content: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    yield frame
    async for chunk in content:
        yield chunk


async def _first_line(chunks: AsyncIterator[bytes]) -> tuple[bytes, bytes]:
    """An answer's first line (its result) and the bytes that came after it in the same chunk."""
    line = bytearray()
    async for chunk in chunks:
        end = chunk.find(b"\n")
        if len(line) + (len(chunk) if end == -1 else end) > STREAM_FRAME_MAX_BYTES:
            raise GatewayError("INTERNAL", f"the first line of a stream answer is over {STREAM_FRAME_MAX_BYTES} bytes")
        if end != -1:
            line += chunk[:end]
            return bytes(line), chunk[end + 1 :]
        line += chunk
    raise GatewayError("UNAVAILABLE", "the gateway's answer ended before its first line (the result)")


class StreamAnswer:
    """The rest of a stream call's answer, after its result: the bytes of a read, as they come."""

    def __init__(self, first: bytes, chunks: AsyncIterator[bytes]) -> None:
        self._first: bytes | None = first
        self._chunks = chunks

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        if self._first:
            yield self._first
        self._first = None
        async for chunk in self._chunks:
            yield chunk

    async def aread(self) -> bytes:
        return b"".join([chunk async for chunk in self.aiter_bytes()])


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter: a random wait up to base × 2^(attempt−1), capped."""
    return random.random() * min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2.0 ** (attempt - 1))


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


class GatewayClient(Procedures):
    """The gateway's procedures by name (`call`), as typed methods (`db_query`, `kv_put`, ...), and
    the stream calls. One ``httpx.AsyncClient`` (a connection pool) serves every call; close it
    with ``aclose()`` or ``async with``.

    Example::

        async with GatewayClient() as gateway:
            result = await gateway.db_query({"sql": "SELECT * FROM users WHERE id = ?", "params": [1]})
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        token: str | None = None,
        deadline: float = DEFAULT_DEADLINE_S,
        retries: int = DEFAULT_RETRIES,
        request_id: Callable[[], str | None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``url`` defaults to ``GATEWAY_URL``, then ``http://gateway.internal/trpc``; ``token``
        (the local session's bearer token) to ``GATEWAY_TOKEN``. ``deadline`` bounds each call in
        seconds, retries included; ``request_id`` gives the ``x-request-id`` of the request being
        served, if any; ``transport`` is httpx's (tests put faults there)."""
        self.url = (url or os.environ.get("GATEWAY_URL") or DEFAULT_GATEWAY_URL).rstrip("/")
        self.token = token if token is not None else (os.environ.get("GATEWAY_TOKEN") or None)
        # Each local container process is a caller of its own on the token route (npm start --
        # --instances N sets it); deployed, the caller is the platform's container id.
        self.dev_caller = os.environ.get("GATEWAY_DEV_CALLER") or None
        self.deadline = deadline
        self.retries = retries
        self._request_id = request_id
        # No httpx timeout: the deadline bounds a call; a stream call takes as long as its body does.
        self._http = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(None, connect=10.0))

    async def __aenter__(self) -> GatewayClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _headers(self) -> dict[str, str]:
        headers = {
            CONTRACT_HEADER: CONTRACT_VERSION,
            REQUEST_ID_HEADER: (self._request_id and self._request_id()) or str(uuid.uuid4()),
        }
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
            if self.dev_caller:
                headers[DEV_CALLER_HEADER] = self.dev_caller
        return headers

    async def call(self, path: str, input: Mapping[str, Any] | None = None, *, deadline: float | None = None) -> Any:
        """Calls a procedure by name (``"db.query"``) and returns its decoded output.

        A D1 write (a procedure in ``KEYED``) gets a fresh idempotency key unless ``input`` has
        one (``"idempotencyKey": None`` opts out, and is not sent); every attempt sends the same
        key, so a retried write runs once. On a retryable failure the call is sent again, up to
        ``retries`` times within the deadline, if it is safe: a read, a keyed D1 write, or a KV or
        R2 write that is idempotent by nature (``IDEMPOTENT_WRITES``, not a conditional put;
        docs/exactly-once.md).
        """
        if path in KEYED and input is not None:
            if "idempotencyKey" not in input:
                input = {**input, "idempotencyKey": new_idempotency_key()}
            elif input["idempotencyKey"] is None:
                input = {k: v for k, v in input.items() if k != "idempotencyKey"}
        keyed = input is not None and isinstance(input.get("idempotencyKey"), str)
        retry = (
            path in QUERIES
            or (path in KEYED and keyed)
            # A conditional R2 put is not retried: its retry would answer its own first write with null.
            or (path in IDEMPOTENT_WRITES and (input is None or input.get("onlyIf") is None))
        )
        body = json.dumps(encode(input) if input is not None else {}, separators=(",", ":"))
        limit = self.deadline if deadline is None else deadline
        try:
            async with asyncio.timeout(limit):
                attempt = 0
                while True:
                    try:
                        return await self._send(path, body)
                    except GatewayError as error:
                        attempt += 1
                        if not (retry and error.retryable and attempt <= self.retries):
                            raise
                        await asyncio.sleep(backoff(attempt))
        except TimeoutError:
            raise GatewayError("CANCELLED", f"{path} ran past its deadline of {limit} s") from None

    async def _send(self, path: str, body: str) -> Any:
        headers = {**self._headers(), "content-type": "application/json"}
        try:
            response = await self._http.post(f"{self.url}/{path}", content=body, headers=headers)
        except httpx.TransportError as error:
            raise GatewayError("UNAVAILABLE", f"no answer from the gateway: {error!r}") from error
        try:
            answer = response.json()
        except ValueError:
            raise GatewayError(
                "UNAVAILABLE", f"the gateway answered {response.status_code} with no JSON", http_status=response.status_code
            ) from None
        if response.is_success and isinstance(answer, dict) and "result" in answer:
            return decode(answer["result"].get("data"))
        raise error_of(answer, response.status_code)

    async def _call(self, path: str, kind: Literal["query", "mutation"], input: Any) -> Any:
        return await self.call(path, input)

    @asynccontextmanager
    async def stream(
        self, name: str, parameters: Mapping[str, Any], content: StreamContent | None = None, length: int | None = None
    ) -> AsyncIterator[tuple[Any, StreamAnswer]]:
        """Makes a stream call (``"r2.getStream"``, ``"kv.putStream"``, ...): yields its result (the
        answer's first line, decoded) and the rest of the answer, the streamed value of a read. The
        request's body is the parameters' line, then ``content``. Not retried (a body cannot be sent
        twice) and no deadline: a large body takes as long as it takes."""
        headers = {**self._headers(), "content-type": "application/octet-stream"}
        frame = encode_frame(parameters)
        body: bytes | AsyncIterable[bytes] = frame
        if content is not None:
            size = len(content) if isinstance(content, bytes) else length
            if size is None:
                raise TypeError("a streamed body needs its length: R2 and KV store a stream only when they know it")
            check_stream_length(name, size)
            headers[STREAM_LENGTH_HEADER] = str(size)
            body = frame + content if isinstance(content, bytes) else _framed(frame, content)
        request = self._http.build_request("POST", f"{self.url}/{name}", headers=headers, content=body)
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as error:
            raise GatewayError("UNAVAILABLE", f"no answer from the gateway: {error!r}") from error
        try:
            if not response.is_success:
                await response.aread()
                try:
                    answer = response.json()
                except ValueError:
                    answer = None
                raise error_of(answer, response.status_code)
            chunks = response.aiter_bytes()
            line, rest = await _first_line(chunks)
            yield decode_frame(line), StreamAnswer(rest, chunks)
        finally:
            await response.aclose()
