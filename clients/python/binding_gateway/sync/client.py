# Written by clients/python/tools/unasync.py from binding_gateway/client.py; do not edit.
"""The gateway's procedures and stream calls over httpx, with the TypeScript client's reliability:
a deadline per call (retries included), retries of retryable failures with full-jitter backoff, and
an idempotency key on every write, the same on each of its attempts.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections.abc import Iterable, Iterator, Callable, Mapping
from contextlib import contextmanager
from typing import Any, Final, Literal

import httpx

from ._io import current_loop, on_loop_close, sleep, timeout
from ..contract import CONTRACT_VERSION, IDEMPOTENT_WRITES, KEYED, QUERIES, SyncProcedures
from ..errors import GatewayConnectionError, GatewayError, GatewayInputError, GatewayTimeoutError
from .streams import CountedBody
from ..wire import check_stream_length, decode, decode_frame, encode, encode_frame, error_of

#: Where a Container reaches the gateway: a host the Worker intercepts (`outboundByHost`).
DEFAULT_GATEWAY_URL: Final = "http://gateway.internal/trpc"
#: D1 gives a query 30 s; a little more lets the gateway's own answer arrive.
DEFAULT_DEADLINE_S: Final = 35.0
DEFAULT_RETRIES: Final = 3
BACKOFF_BASE_S: Final = 0.05
BACKOFF_MAX_S: Final = 2.0
CONNECT_TIMEOUT_S: Final = 10.0

CONTRACT_HEADER: Final = "x-gateway-contract"
REQUEST_ID_HEADER: Final = "x-request-id"
#: The local session's per-process caller name (``GATEWAY_DEV_CALLER``); the token route only.
DEV_CALLER_HEADER: Final = "x-gateway-dev-caller"
STREAM_LENGTH_HEADER: Final = "x-gateway-length"
#: A D1 session's constraint or latest bookmark, sent; its new bookmark, answered (shared/transport.ts).
D1_SESSION_HEADER: Final = "x-gateway-d1-session"
D1_BOOKMARK_HEADER: Final = "x-gateway-d1-bookmark"
#: The first line of a stream call's body (its parameters) or answer (its result), at most.
STREAM_FRAME_MAX_BYTES: Final = 256 * 1024

#: A streamed body: bytes, or chunks of a length given beside them.
StreamContent = bytes | Iterable[bytes]


def token_from_environment() -> str | None:
    """The local session's bearer token: ``GATEWAY_TOKEN``, else ``GATEWAY_DEV_TOKEN`` (the name
    .dev.vars gives it), else none (deployed, the platform names the caller)."""
    return os.environ.get("GATEWAY_TOKEN") or os.environ.get("GATEWAY_DEV_TOKEN") or None


class D1SessionState:
    """A D1 session's constraint, then its latest bookmark, sent with each of its calls."""

    def __init__(self, constraint_or_bookmark: str) -> None:
        self.sent = constraint_or_bookmark
        self.bookmark: str | None = None

    def answered(self, bookmark: str | None) -> None:
        # Answers to concurrent calls can arrive out of order; D1 bookmarks sort in time order.
        if bookmark and (self.bookmark is None or bookmark > self.bookmark):
            self.bookmark = self.sent = bookmark


def _framed(frame: bytes, content: Iterable[bytes]) -> Iterator[bytes]:
    yield frame
    for chunk in content:
        yield chunk


def _first_line(chunks: Iterator[bytes]) -> tuple[bytes, bytes]:
    """An answer's first line (its result) and the bytes that came after it in the same chunk."""
    line = bytearray()
    for chunk in chunks:
        end = chunk.find(b"\n")
        if len(line) + (len(chunk) if end == -1 else end) > STREAM_FRAME_MAX_BYTES:
            raise GatewayError("INTERNAL", f"the first line of a stream answer is over {STREAM_FRAME_MAX_BYTES} bytes")
        if end != -1:
            line += chunk[:end]
            return bytes(line), chunk[end + 1 :]
        line += chunk
    raise GatewayConnectionError("the gateway's answer ended before its first line (the result)")


class StreamAnswer:
    """The rest of a stream call's answer, after its result: the bytes of a read, as they come.
    Read once; the answer's connection goes back to the pool when it is read or closed."""

    def __init__(self, first: bytes, chunks: Iterator[bytes], response: httpx.Response) -> None:
        self._first: bytes | None = first
        self._chunks = chunks
        self._response = response
        self.used = False

    def iter_bytes(self) -> Iterator[bytes]:
        if self.used:
            raise GatewayInputError("Body has already been used. It can only be used once.")
        self.used = True
        try:
            if self._first:
                yield self._first
            self._first = None
            for chunk in self._chunks:
                yield chunk
        except httpx.TransportError as error:
            raise GatewayConnectionError(f"the answer's body was cut off: {error!r}") from error
        finally:
            self.close()

    def read(self) -> bytes:
        return b"".join([chunk for chunk in self.iter_bytes()])

    def close(self) -> None:
        self._response.close()


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter: a random wait up to base × 2^(attempt−1), capped."""
    return random.random() * min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2.0 ** (attempt - 1))


def _time_left(end: float) -> httpx.Timeout:
    left = max(end - time.monotonic(), 0.001)
    return httpx.Timeout(left, connect=min(left, CONNECT_TIMEOUT_S))


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


class GatewayClient(SyncProcedures):
    """The gateway's procedures by name (`call`), as typed methods (`db_query`, `kv_put`, ...), and
    the stream calls. One connection pool (``httpx.Client``) serves every
    call, from any thread. Close it with
    ``close()`` or ``with``.

    Example::

        with GatewayClient() as gateway:
            result = gateway.db_query({"sql": "SELECT * FROM users WHERE id = ?", "params": [1]})
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        token: str | None = None,
        deadline: float = DEFAULT_DEADLINE_S,
        retries: int = DEFAULT_RETRIES,
        request_id: Callable[[], str | None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """``url`` defaults to ``GATEWAY_URL``, then ``http://gateway.internal/trpc``; ``token``
        (the local session's bearer token) to ``GATEWAY_TOKEN``, then ``GATEWAY_DEV_TOKEN``.
        ``deadline`` bounds each call in seconds, retries included; ``request_id`` gives the
        ``x-request-id`` of the request being served, if any; ``transport`` is httpx's (tests put
        faults there)."""
        self.url = (url or os.environ.get("GATEWAY_URL") or DEFAULT_GATEWAY_URL).rstrip("/")
        self.token = token if token is not None else token_from_environment()
        # Each local container process is a caller of its own on the token route (npm start --
        # --instances N sets it); deployed, the caller is the platform's container id.
        self.dev_caller = os.environ.get("GATEWAY_DEV_CALLER") or None
        self.deadline = deadline
        self.retries = retries
        self._request_id = request_id
        self._transport = transport
        self._pools: dict[object, httpx.Client] = {}
        self._keepers: dict[object, object] = {}

    def _http(self) -> httpx.Client:
        # One pool per owner (_io.current_loop): an event loop's connections belong to it, so the
        # next asyncio.run gets a pool of its own, closed when its loop shuts down (a loop closed
        # without shutting down leaves its pool behind, dropped with it). Sync: one pool.
        owner = current_loop()
        pool = self._pools.get(owner)
        if pool is None:
            for gone in [o for o in self._pools if getattr(o, "is_closed", lambda: False)()]:
                del self._pools[gone]
                self._keepers.pop(gone, None)
            # No read timeout here: the deadline bounds a call; a stream call takes as long as its body does.
            pool = httpx.Client(transport=self._transport, timeout=httpx.Timeout(None, connect=CONNECT_TIMEOUT_S))
            self._pools[owner] = pool
            self._keepers[owner] = on_loop_close(lambda: self._close_pool(owner))
        return pool

    def _close_pool(self, owner: object) -> None:
        pool = self._pools.pop(owner, None)
        self._keepers.pop(owner, None)
        if pool is not None:
            pool.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connections of the pool this caller uses."""
        self._close_pool(current_loop())

    def _headers(self, session: D1SessionState | None = None) -> dict[str, str]:
        headers = {
            CONTRACT_HEADER: CONTRACT_VERSION,
            REQUEST_ID_HEADER: (self._request_id and self._request_id()) or str(uuid.uuid4()),
        }
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
            if self.dev_caller:
                headers[DEV_CALLER_HEADER] = self.dev_caller
        if session is not None:
            headers[D1_SESSION_HEADER] = session.sent
        return headers

    def call(
        self,
        path: str,
        input: Mapping[str, Any] | None = None,
        *,
        deadline: float | None = None,
        session: D1SessionState | None = None,
    ) -> Any:
        """Calls a procedure by name (``"db.query"``) and returns its decoded output.

        A D1 write (a procedure in ``KEYED``) gets a fresh idempotency key unless ``input`` has
        one (``"idempotencyKey": None`` opts out, and is not sent); every attempt sends the same
        key, so a retried write runs once. On a retryable failure the call is sent again, up to
        ``retries`` times within the deadline, if it is safe: a read, a keyed D1 write, or a KV or
        R2 write that is idempotent by nature (``IDEMPOTENT_WRITES``, not a conditional put;
        docs/exactly-once.md). ``session`` runs a D1 call in that session (``with_session()``).
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
        end = time.monotonic() + limit
        late = f"{path} ran past its deadline of {limit} s"
        try:
            with timeout(limit):
                attempt = 0
                while True:
                    try:
                        return self._send(path, body, end, session)
                    except GatewayError as error:
                        attempt += 1
                        if not (retry and error.retryable and attempt <= self.retries):
                            raise
                        wait = backoff(attempt)
                        if time.monotonic() + wait >= end:
                            raise GatewayTimeoutError(late) from error
                        sleep(wait)
        except (TimeoutError, httpx.TimeoutException):
            raise GatewayTimeoutError(late) from None

    def _send(self, path: str, body: str, end: float, session: D1SessionState | None) -> Any:
        headers = {**self._headers(session), "content-type": "application/json"}
        url = f"{self.url}/{path}"
        http = self._http()
        try:
            response = http.post(url, content=body, headers=headers, timeout=_time_left(end))
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise GatewayConnectionError(f"no connection to the gateway at {self.url}: {error!r}") from error
        except httpx.TimeoutException:
            raise
        except httpx.TransportError as error:
            raise GatewayConnectionError(f"no answer from the gateway at {self.url}: {error!r}") from error
        if session is not None:
            session.answered(response.headers.get(D1_BOOKMARK_HEADER))
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.is_success and isinstance(answer, dict) and "result" in answer:
            return decode(answer["result"].get("data"))
        raise error_of(answer, response.status_code, url)

    def _call(self, path: str, kind: Literal["query", "mutation"], input: Any) -> Any:
        return self.call(path, input)

    def open_stream(
        self, name: str, parameters: Mapping[str, Any], content: StreamContent | None = None, length: int | None = None
    ) -> tuple[Any, StreamAnswer]:
        """Makes a stream call (``"r2.getStream"``, ``"kv.putStream"``, ...): its result (the
        answer's first line, decoded) and the rest of the answer, the streamed value of a read,
        which the caller reads or closes. The request's body is the parameters' line, then
        ``content``. Not retried (a body cannot be sent twice) and no deadline: a large body takes
        as long as it takes."""
        headers = {**self._headers(), "content-type": "application/octet-stream"}
        frame = encode_frame(parameters)
        body: bytes | Iterable[bytes] = frame
        if content is not None:
            size = len(content) if isinstance(content, bytes) else length
            if size is None:
                raise GatewayInputError("a streamed body needs its length: R2 and KV store a stream only when they know it")
            check_stream_length(name, size)
            headers[STREAM_LENGTH_HEADER] = str(size)
            body = frame + content if isinstance(content, bytes) else _framed(frame, content)
        url = f"{self.url}/{name}"
        http = self._http()
        request = http.build_request("POST", url, headers=headers, content=body)
        try:
            response = http.send(request, stream=True)
        except httpx.TransportError as error:
            raise GatewayConnectionError(f"no answer from the gateway at {self.url}: {error!r}") from error
        try:
            if not response.is_success:
                response.read()
                try:
                    answer = response.json()
                except ValueError:
                    answer = None
                refused = error_of(answer, response.status_code, url)
                # A body that came out wrong was ended as one the gateway refuses (CountedBody).
                raise content.refusal(refused) if isinstance(content, CountedBody) else refused
            chunks = response.iter_bytes()
            line, rest = _first_line(chunks)
            return decode_frame(line), StreamAnswer(rest, chunks, response)
        except httpx.TransportError as error:
            response.close()
            raise GatewayConnectionError(f"the gateway's answer was cut off: {error!r}") from error
        except BaseException:
            response.close()
            raise

    @contextmanager
    def stream(
        self, name: str, parameters: Mapping[str, Any], content: StreamContent | None = None, length: int | None = None
    ) -> Iterator[tuple[Any, StreamAnswer]]:
        """``open_stream`` as a context: the answer is closed when the block ends."""
        result, answer = self.open_stream(name, parameters, content, length)
        try:
            yield result, answer
        finally:
            answer.close()
