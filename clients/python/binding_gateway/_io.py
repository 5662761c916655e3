"""What the async client waits with. ``binding_gateway.sync`` has its own ``_io`` with the same
names, blocking: the rest of the code is written once, here, and generated for sync (tools/unasync.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")

sleep = asyncio.sleep


def timeout(seconds: float) -> AbstractAsyncContextManager[object]:
    """Raises ``TimeoutError`` when the block runs past ``seconds``."""
    return asyncio.timeout(seconds)


async def gather(*calls: Awaitable[T]) -> list[T]:
    """The calls' results, run at once."""
    return list(await asyncio.gather(*calls))


async def to_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A blocking call (a file read) off the event loop, which serves other requests meanwhile."""
    return await asyncio.to_thread(function, *args, **kwargs)


def current_loop() -> object:
    """What a connection pool belongs to: the running event loop (its sockets are that loop's)."""
    return asyncio.get_running_loop()


async def _closing(close: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await close()


async def on_loop_close(close: Callable[[], Awaitable[None]]) -> object:
    """Runs ``close`` when the running loop shuts down (``asyncio.run`` ends; uvicorn stops), while
    the loop still runs: the loop finalizes the async generators it started then. Keep what this
    returns: the loop holds it only weakly."""
    keeper = _closing(close)
    await keeper.__anext__()
    return keeper
