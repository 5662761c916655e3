# Written by clients/python/tools/unasync.py from binding_gateway/streams.py; do not edit.
"""What ``put`` takes: bytes or text (sent inline when small), or a body read as it is sent, never
whole: a binary file, an uploaded file (Starlette's ``UploadFile``), or chunks with their length."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import IO, Any, Final, Protocol, TypeAlias

from ._io import to_thread
from ..errors import GatewayInputError

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


def _counted(chunks: Iterable[bytes], length: int) -> Iterator[bytes]:
    # The gateway stores exactly `length` bytes: a body that ends early or runs on fails here,
    # with a message, rather than as a cut connection.
    sent = 0
    for chunk in chunks:
        sent += len(chunk)
        if sent > length:
            raise GatewayInputError(f"the body is longer than its length ({length} bytes)")
        yield bytes(chunk)
    if sent != length:
        raise GatewayInputError(f"the body ended after {sent} of its {length} bytes")


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
        return _counted(_file_chunks(value), size), size
    if hasattr(value, "__iter__"):
        if length is None:
            raise GatewayInputError(
                f"{method}: a stream needs its length (length=): R2 and KV store a stream only when they know it"
            )
        return _counted(value, length), length
    raise GatewayInputError(
        f"{method}: the value is str, bytes, a binary file, an UploadFile or chunks with length=, not {type(value).__name__}"
    )
