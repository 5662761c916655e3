# Written by clients/python/tools/unasync.py from binding_gateway/streams.py; do not edit.
"""What ``put`` takes: bytes or text (sent inline when small), or a body read as it is sent, never
whole: a binary file, an uploaded file (Starlette's ``UploadFile``), or chunks with their length."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import IO, Any, Final, Protocol, TypeAlias

from ._io import to_thread
from ..errors import GatewayError, GatewayInputError

CHUNK_BYTES: Final = 1 << 20


class UploadedFile(Protocol):
    """Starlette's (and FastAPI's) ``UploadFile``, without depending on it: its ``file`` is read."""

    @property
    def filename(self) -> str | None: ...

    @property
    def file(self) -> IO[bytes]: ...


#: A value ``put`` takes.
Body: TypeAlias = str | bytes | bytearray | memoryview | IO[bytes] | UploadedFile | Iterable[bytes]


def _file_length(file: IO[bytes]) -> int:
    try:
        return os.fstat(file.fileno()).st_size - file.tell()
    except (OSError, AttributeError, ValueError):
        position = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(position)
        return end - position


def _file_chunks(file: IO[bytes]) -> Iterator[bytes]:
    # File reads block: the async client runs each on a thread, so its event loop serves other requests.
    while chunk := to_thread(file.read, CHUNK_BYTES):
        yield chunk


class CountedBody:
    """Chunks sent as a stream call's body, declared ``length`` bytes long (``x-gateway-length``).

    The gateway stores a body only when it is exactly the declared length, and refuses any other
    (BAD_INPUT, nothing stored: docs/streams.md). So a body that turns out wrong is not cut off
    mid-request, which tears the connection (the dev server's proxy logs it as an error, a proxy
    in between may too, and the connection is lost to the pool): it ends cleanly, as a body the
    gateway sees to be of the wrong length, and the gateway's refusal is the answer.

    - Chunks that run short: the body ends there, short of the length.
    - Chunks that run long: the body stops one byte past the length. Never at the length itself:
      that would be a valid body, the first ``length`` bytes of a longer value, stored as if whole.
    - Chunks that raise (a file that cannot be read, an iterator's own error): the body ends short
      or, when exactly ``length`` bytes were sent, one byte long, for the same reason; the
      exception is raised once the gateway has answered (``open_stream``).

    Iterated once, by the request. ``sent`` is what the body held; ``failure`` what the chunks raised.
    """

    def __init__(self, chunks: Iterable[bytes], length: int) -> None:
        self._chunks = chunks
        self.length = length
        self.sent = 0
        self.failure: Exception | None = None

    @property
    def wrong(self) -> bool:
        """The body sent was not the declared length (so the gateway refused it)."""
        return self.sent != self.length

    def __iter__(self) -> Iterator[bytes]:
        try:
            for piece in self._chunks:
                chunk = bytes(piece)
                if self.sent + len(chunk) > self.length:
                    chunk = chunk[: self.length + 1 - self.sent]
                    self.sent += len(chunk)
                    yield chunk
                    return
                self.sent += len(chunk)
                if chunk:
                    yield chunk
        except Exception as error:  # not BaseException: a cancelled call stops at once
            self.failure = error
            if self.sent == self.length:
                self.sent += 1
                yield b"\0"

    def refusal(self, error: GatewayError) -> Exception:
        """What the call raises when the gateway refused this body with ``error``: the chunks' own
        exception (the refusal as its cause); for a wrong length, the gateway's BAD_INPUT as a
        ``GatewayInputError``, with its answer's fields; any other refusal as it is."""
        if self.failure is not None:
            self.failure.__cause__ = error
            return self.failure
        if self.wrong and error.gateway_code == "BAD_INPUT":
            return GatewayInputError(error.message, http_status=error.http_status, path=error.path)
        return error


def upload_of(value: Any, length: int | None, method: str) -> tuple[bytes | Iterable[bytes], int]:
    """The value as bytes (text is UTF-8) or as chunks, and its length."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return data, len(data)
    if hasattr(value, "filename") and hasattr(value, "file"):
        # An UploadFile's own read() is a coroutine; its file is the spooled upload, read directly.
        value = value.file
    if hasattr(value, "read") and hasattr(value, "seek"):
        size = _file_length(value) if length is None else length
        return CountedBody(_file_chunks(value), size), size
    if hasattr(value, "__iter__"):
        if length is None:
            raise GatewayInputError(
                f"{method}: a stream needs its length (length=): R2 and KV store a stream only when they know it"
            )
        return CountedBody(value, length), length
    raise GatewayInputError(
        f"{method}: the value is str, bytes, a binary file, an UploadFile or chunks with length=, not {type(value).__name__}"
    )
