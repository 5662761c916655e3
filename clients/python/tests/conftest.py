"""Fixtures for the client's tests against a live gateway: GATEWAY_URL and GATEWAY_TOKEN name it
(test/e2e/python.test.ts starts one, the local session's dev route, and runs these tests).

Async tests run on a fresh event loop each (``asyncio.run``); pytest-asyncio is not needed. The
clients a test takes as fixtures are closed on that loop when it ends.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest

from binding_gateway import GatewayClient, GatewayEnv, create_gateway_env


def _gateway() -> tuple[str, str | None]:
    url = os.environ.get("GATEWAY_URL")
    if not url:
        pytest.fail("GATEWAY_URL is not set: run these tests through `npm test` (test/e2e/python.test.ts)")
    return url, os.environ.get("GATEWAY_TOKEN") or None


def _pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    function = pyfuncitem.obj
    if not inspect.iscoroutinefunction(function):
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}

    async def run() -> None:
        try:
            await function(**arguments)
        finally:
            for value in arguments.values():
                if isinstance(value, (GatewayEnv, GatewayClient)):
                    await value.aclose()

    asyncio.run(run())
    return True


# Applied as a call, not as a decorator: pytest.hookimpl is untyped in Debian's pytest 7.2, and
# mypy --strict refuses an untyped decorator there (and an unused ignore in current ones).
pytest_pyfunc_call = pytest.hookimpl(tryfirst=True)(_pyfunc_call)


@pytest.fixture
def env() -> GatewayEnv:
    url, token = _gateway()
    return create_gateway_env(url, token=token)


@pytest.fixture
def gateway() -> GatewayClient:
    url, token = _gateway()
    return GatewayClient(url, token=token)


@pytest.fixture
def make_client() -> Callable[..., GatewayClient]:
    """A client with options of the test's own (a fault-injecting transport, a short deadline)."""
    url, token = _gateway()

    def make(**options: object) -> GatewayClient:
        return GatewayClient(url, token=token, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
def unique() -> Callable[[str], str]:
    """A name no other test uses: the gateway's storage is shared by every test."""
    return lambda prefix: f"{prefix}_{uuid.uuid4().hex}"


Fault = Callable[[httpx.Request, int, Callable[[httpx.Request], Awaitable[httpx.Response]]], Awaitable[httpx.Response]]


class FaultTransport(httpx.AsyncBaseTransport):
    """Sends requests to the real gateway through ``fault``, which may fail, delay, or repeat them."""

    def __init__(self, fault: Fault) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.fault = fault
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)

        async def forward(r: httpx.Request) -> httpx.Response:
            response = await self.inner.handle_async_request(r)
            await response.aread()
            return response

        return await self.fault(request, len(self.requests), forward)

    async def aclose(self) -> None:
        await self.inner.aclose()


def gateway_error_response(code: str, retryable: bool, status: int) -> httpx.Response:
    """An error answer in the gateway's own shape."""
    return httpx.Response(
        status,
        json={"error": {"json": {"message": "injected", "code": -32603, "data": {"gatewayCode": code, "retryable": retryable, "httpStatus": status}}}},
    )
