"""Failures say what happened: each a GatewayError (of a subclass where one fits), with the TS
client's field names and the binding's message; a wrong URL is a configuration error, not an outage."""

from __future__ import annotations

import os
import socket
from collections.abc import Awaitable, Callable

import httpx
import pytest
from conftest import FaultTransport

from binding_gateway import (
    GatewayClient,
    GatewayConfigError,
    GatewayConnectionError,
    GatewayEnv,
    GatewayError,
    GatewayInputError,
    create_gateway_env,
)

Forward = Callable[[httpx.Request], Awaitable[httpx.Response]]


def wrong_url() -> str:
    # The local session's Worker, without /__gateway: its public fetch, not the gateway.
    return os.environ["GATEWAY_URL"].replace("/__gateway/trpc", "/trpc")


async def test_a_url_that_is_not_a_gateway_is_a_configuration_error_sent_once() -> None:
    async def through(request: httpx.Request, _: int, forward: Forward) -> httpx.Response:
        return await forward(request)

    transport = FaultTransport(through)
    async with create_gateway_env(wrong_url(), token=os.environ.get("GATEWAY_TOKEN"), transport=transport) as env:
        with pytest.raises(GatewayConfigError) as caught:
            await env.DB.prepare("SELECT 1").all()
    assert caught.value.retryable is False and caught.value.http_status == 404
    assert "GATEWAY_URL" in str(caught.value) and wrong_url() in str(caught.value)
    assert len(transport.requests) == 1


async def test_no_answer_at_all_is_a_retryable_connection_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    async with GatewayClient(f"http://127.0.0.1:{port}/__gateway/trpc", retries=1) as gateway:
        with pytest.raises(GatewayConnectionError) as caught:
            await gateway.gateway_info()
    assert (caught.value.gateway_code, caught.value.retryable, caught.value.http_status) == ("UNAVAILABLE", True, None)


async def test_the_message_is_the_bindings_without_a_code_in_front(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    table = unique("msg")
    await env.DB.exec(f"CREATE TABLE {table} (email TEXT UNIQUE)")
    await env.DB.prepare(f"INSERT INTO {table} VALUES ('a')").run()
    with pytest.raises(GatewayError) as caught:
        await env.DB.prepare(f"INSERT INTO {table} VALUES ('a')").run()
    assert (caught.value.gateway_code, caught.value.code) == ("CONSTRAINT", "CONSTRAINT")
    assert str(caught.value) == caught.value.message
    assert not str(caught.value).startswith("CONSTRAINT")
    assert "UNIQUE constraint failed" in str(caught.value)


async def test_a_wrong_argument_is_a_gateway_error_and_a_type_error(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    with pytest.raises(GatewayInputError) as caught:
        await env.KV.put(unique("kind"), 12)  # type: ignore[arg-type]
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, GatewayError)
    assert caught.value.gateway_code == "BAD_INPUT"
