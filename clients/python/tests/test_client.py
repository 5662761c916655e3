"""The client's reliability against a live gateway: errors by code, retries, deadlines, idempotency
keys. Faults are injected in httpx's transport, between the client and the real gateway."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
from conftest import FaultTransport, gateway_error_response

from binding_gateway import CONTRACT_VERSION, GatewayClient, GatewayEnv, GatewayError, create_gateway_env
from binding_gateway.contract import BINDINGS

Forward = Callable[[httpx.Request], Awaitable[httpx.Response]]


def body_of(request: httpx.Request) -> dict[str, object]:
    return json.loads(request.content)  # type: ignore[no-any-return]


async def test_gateway_info_names_the_contract_version_and_the_bindings(gateway: GatewayClient) -> None:
    info = await gateway.gateway_info()
    assert info["contractVersion"] == CONTRACT_VERSION
    assert info["bindings"] == BINDINGS
    assert info["caller"] == {"transport": "dev", "id": "local-session"}
    assert info["policy"]["kind"] in ("allowAll", "confineKeys")


async def test_env_has_every_binding_the_gateway_serves(env: GatewayEnv, gateway: GatewayClient) -> None:
    for names in BINDINGS.values():
        for name in names:
            assert getattr(env, name).binding == name
    assert (await gateway.gateway_info())["bindings"] == BINDINGS


async def test_an_unknown_procedure_is_not_found(gateway: GatewayClient) -> None:
    with pytest.raises(GatewayError) as caught:
        await gateway.call("db.drop", {"table": "users"})
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == ("NOT_FOUND", 404, False)


async def test_a_wrong_token_is_unauthorized() -> None:
    url = os.environ["GATEWAY_URL"]
    async with GatewayClient(url, token="0" * 64) as gateway:
        with pytest.raises(GatewayError) as caught:
            await gateway.gateway_info()
    assert (caught.value.code, caught.value.http_status) == ("UNAUTHORIZED", 401)


async def test_another_contract_version_is_refused_with_version_mismatch(make_client: Callable[..., GatewayClient]) -> None:
    async def old_client(request: httpx.Request, _: int, forward: Forward) -> httpx.Response:
        request.headers["x-gateway-contract"] = "0000000000000000"
        return await forward(request)

    gateway = make_client(transport=FaultTransport(old_client))
    try:
        with pytest.raises(GatewayError) as caught:
            await gateway.gateway_info()
        assert (caught.value.code, caught.value.http_status) == ("VERSION_MISMATCH", 412)
    finally:
        await gateway.aclose()


async def test_sends_the_contract_version_and_a_request_id_on_every_call(make_client: Callable[..., GatewayClient]) -> None:
    async def through(request: httpx.Request, _: int, forward: Forward) -> httpx.Response:
        return await forward(request)

    transport = FaultTransport(through)
    gateway = make_client(transport=transport, request_id=lambda: "req-from-the-app")
    try:
        await gateway.gateway_info()
        sent = transport.requests[0].headers
        assert sent["x-gateway-contract"] == CONTRACT_VERSION
        assert sent["x-request-id"] == "req-from-the-app"
        assert sent["content-type"] == "application/json"
    finally:
        await gateway.aclose()


async def test_retries_a_read_that_failed_with_a_retryable_code_then_succeeds(make_client: Callable[..., GatewayClient]) -> None:
    async def flaky(request: httpx.Request, attempt: int, forward: Forward) -> httpx.Response:
        if attempt == 1:
            return gateway_error_response("UNAVAILABLE", True, 503)
        if attempt == 2:
            raise httpx.ConnectError("connection refused", request=request)
        return await forward(request)

    transport = FaultTransport(flaky)
    gateway = make_client(transport=transport)
    try:
        assert await gateway.db_first({"sql": "SELECT 42 AS n", "column": "n"}) == 42
        assert len(transport.requests) == 3
    finally:
        await gateway.aclose()


async def test_gives_up_after_its_retries_with_the_last_code(make_client: Callable[..., GatewayClient]) -> None:
    async def down(request: httpx.Request, attempt: int, forward: Forward) -> httpx.Response:
        return gateway_error_response("RATE_LIMITED", True, 429)

    transport = FaultTransport(down)
    gateway = make_client(transport=transport, retries=2)
    try:
        with pytest.raises(GatewayError) as caught:
            await gateway.kv_get({"key": "anything"})
        assert (caught.value.code, caught.value.retryable) == ("RATE_LIMITED", True)
        assert len(transport.requests) == 3
    finally:
        await gateway.aclose()


async def test_does_not_retry_a_failure_that_is_not_retryable(make_client: Callable[..., GatewayClient]) -> None:
    async def through(request: httpx.Request, _: int, forward: Forward) -> httpx.Response:
        return await forward(request)

    transport = FaultTransport(through)
    gateway = make_client(transport=transport)
    try:
        with pytest.raises(GatewayError) as caught:
            await gateway.db_query({"sql": "SELECT * FROM no_such_table"})
        assert caught.value.code == "SQL_ERROR"
        assert len(transport.requests) == 1
    finally:
        await gateway.aclose()


async def test_a_call_past_its_deadline_is_cancelled_in_time(make_client: Callable[..., GatewayClient]) -> None:
    async def slow(request: httpx.Request, _: int, forward: Forward) -> httpx.Response:
        await asyncio.sleep(5)
        return await forward(request)

    gateway = make_client(transport=FaultTransport(slow), deadline=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(GatewayError) as caught:
            await gateway.gateway_info()
        assert caught.value.code == "CANCELLED"
        assert time.monotonic() - started < 2
    finally:
        await gateway.aclose()


async def test_a_write_gets_a_fresh_key_per_call_and_the_same_key_on_each_retry(
    make_client: Callable[..., GatewayClient], unique: Callable[[str], str]
) -> None:
    async def first_attempt_fails(request: httpx.Request, attempt: int, forward: Forward) -> httpx.Response:
        return gateway_error_response("UNAVAILABLE", True, 503) if attempt in (1, 3) else await forward(request)

    transport = FaultTransport(first_attempt_fails)
    gateway = make_client(transport=transport)
    try:
        table = unique("keys")
        await gateway.db_exec({"sql": f"CREATE TABLE {table} (x)"})
        await gateway.db_run({"sql": f"INSERT INTO {table} VALUES (1)"})
        keys = [body_of(r)["json"]["idempotencyKey"] for r in transport.requests]  # type: ignore[index]
        assert keys[0] == keys[1] and keys[2] == keys[3] and keys[0] != keys[2]
        assert await gateway.db_first({"sql": f"SELECT count(*) AS n FROM {table}", "column": "n"}) == 1
    finally:
        await gateway.aclose()


async def test_a_keyed_write_delivered_twice_runs_once(
    make_client: Callable[..., GatewayClient], unique: Callable[[str], str]
) -> None:
    # The network delivers the request twice (a proxy's retry, say); the caller sees the second
    # answer: the first's result, or RESULT_PENDING while it is being recorded, which it retries.
    async def twice(request: httpx.Request, _: int, forward: Forward) -> httpx.Response:
        await forward(request)
        return await forward(request)

    transport = FaultTransport(twice)
    gateway = make_client(transport=transport)
    table = unique("once")
    try:
        await gateway.db_exec({"sql": f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, v TEXT)"})
        result = await gateway.db_run({"sql": f"INSERT INTO {table} (v) VALUES ('only once')"})
        assert result["meta"]["changes"] == 1
        assert await gateway.db_first({"sql": f"SELECT count(*) AS n FROM {table}", "column": "n"}) == 1
    finally:
        await gateway.aclose()


async def test_a_write_whose_answer_was_lost_is_retried_with_its_key_and_runs_once(
    make_client: Callable[..., GatewayClient], unique: Callable[[str], str]
) -> None:
    # The write reaches the gateway and commits, then the connection drops before the answer arrives.
    async def lose_first_answer(request: httpx.Request, attempt: int, forward: Forward) -> httpx.Response:
        response = await forward(request)
        if attempt == 1:
            raise httpx.ReadError("connection reset", request=request)
        return response

    url = os.environ["GATEWAY_URL"]
    env = create_gateway_env(url, token=os.environ.get("GATEWAY_TOKEN"))
    table = unique("lost")
    await env.DB.exec(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, v TEXT)")
    gateway = make_client(transport=FaultTransport(lose_first_answer))
    try:
        row = await gateway.db_statement(
            {"sql": f"INSERT INTO {table} (v) VALUES (?) RETURNING id, v", "params": ["x"], "method": "first"}
        )
        assert row == {"id": 1, "v": "x"}
        assert await env.DB.prepare(f"SELECT count(*) AS n FROM {table}").first("n") == 1
    finally:
        await gateway.aclose()
        await env.aclose()


async def test_retries_a_kv_put_without_a_key_but_not_a_conditional_r2_put(make_client: Callable[..., GatewayClient]) -> None:
    async def first_fails(request: httpx.Request, attempt: int, forward: Forward) -> httpx.Response:
        if attempt == 1:
            return gateway_error_response("UNAVAILABLE", True, 503)
        return await forward(request)

    transport = FaultTransport(first_fails)
    gateway = make_client(transport=transport)
    try:
        key = f"py-retry-{time.time_ns()}"
        await gateway.kv_put({"key": key, "value": "v"})
        assert len(transport.requests) == 2
        assert all("idempotencyKey" not in body_of(r)["json"] for r in transport.requests)  # type: ignore[operator]
        assert await gateway.kv_get({"key": key}) == "v"
    finally:
        await gateway.aclose()

    transport = FaultTransport(first_fails)
    gateway = make_client(transport=transport)
    try:
        with pytest.raises(GatewayError) as caught:
            await gateway.r2_put({"key": f"py-cond-{time.time_ns()}", "body": "b", "onlyIf": {"etagDoesNotMatch": "*"}})
        assert caught.value.code == "UNAVAILABLE"
        assert len(transport.requests) == 1
    finally:
        await gateway.aclose()


async def test_a_local_process_is_the_caller_its_gateway_dev_caller_names(
    make_client: Callable[..., GatewayClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_DEV_CALLER", "instance-7")
    gateway = make_client()
    try:
        assert (await gateway.gateway_info())["caller"] == {"transport": "dev", "id": "instance-7"}
    finally:
        await gateway.aclose()


async def test_reads_the_token_as_gateway_token_or_as_dev_vars_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    token = os.environ.get("GATEWAY_TOKEN") or ""
    monkeypatch.delenv("GATEWAY_TOKEN", raising=False)
    monkeypatch.setenv("GATEWAY_DEV_TOKEN", token)
    async with GatewayClient(os.environ["GATEWAY_URL"]) as gateway:
        assert gateway.token == token
        assert (await gateway.gateway_info())["caller"]["transport"] == "dev"
