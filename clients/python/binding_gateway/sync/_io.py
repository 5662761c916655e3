"""What the sync client waits with: the blocking twins of ``binding_gateway._io``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")

sleep = time.sleep


@contextmanager
def timeout(seconds: float) -> Iterator[object]:
    """A blocking call cannot be interrupted: each request's own httpx timeout is the time left
    (GatewayClient), and a retry is not started past the deadline."""
    yield None


def gather(*results: T) -> list[T]:
    """The calls' results: each has run, one after another."""
    return list(results)


def to_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return function(*args, **kwargs)


class _Process:
    pass


_PROCESS = _Process()


def current_loop() -> object:
    """One ``httpx.Client`` serves every thread."""
    return _PROCESS


def on_loop_close(close: Callable[[], None]) -> object:
    """Nothing to do without a loop: ``close()`` closes the pool."""
    return None
