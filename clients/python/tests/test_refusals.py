"""Refusals read as refusals: a body over a stream call's limit is refused before it is sent, and the
gateway's answers to a refused upload (413/400, sent before the body was read) reach httpx as their
body, not as a closed connection read as a retryable outage."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from binding_gateway import GatewayEnv, GatewayError
from binding_gateway.contract import LIMITS
from binding_gateway.wire import encode_frame, error_of

KV_MAX_VALUE_BYTES = LIMITS["KV_MAX_VALUE_BYTES"]


async def _send_raw(name: str, content: bytes | AsyncIterator[bytes], headers: dict[str, str]) -> GatewayError:
    """A stream call sent by hand, without the client's checks: the error its answer describes."""
    url = os.environ["GATEWAY_URL"].rstrip("/")
    token = os.environ.get("GATEWAY_TOKEN")
    sent = {"content-type": "application/octet-stream", **headers}
    if token:
        sent["authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0)) as http:
        answer = await http.post(f"{url}/{name}", content=content, headers=sent)
    return error_of(answer.json(), answer.status_code)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    # An iterator of unknown length: httpx sends it chunked.
    for start in range(0, len(data), 65_536):
        yield data[start : start + 65_536]


async def test_a_kv_value_over_25_mib_is_limit_exceeded_not_retryable(
    env: GatewayEnv, unique: Callable[[str], str]
) -> None:
    key = unique("kv_over")
    with pytest.raises(GatewayError) as raised:
        await env.KV.put(key, b"x" * (KV_MAX_VALUE_BYTES + 1))
    assert (raised.value.code, raised.value.retryable) == ("LIMIT_EXCEEDED", False)
    assert await env.KV.get(key) is None


async def test_the_gateways_early_413_for_a_value_over_25_mib_reaches_httpx(unique: Callable[[str], str]) -> None:
    size = KV_MAX_VALUE_BYTES + 1
    body = encode_frame({"key": unique("kv_raw")}) + b"x" * size
    error = await _send_raw("kv.putStream", body, {"x-gateway-length": str(size)})
    assert (error.http_status, error.code, error.retryable) == (413, "LIMIT_EXCEEDED", False)


async def test_a_first_line_without_its_line_feed_is_bad_input_and_stores_nothing(
    env: GatewayEnv, unique: Callable[[str], str]
) -> None:
    key = unique("kv_nolf")
    await env.KV.put(key, "kept")
    error = await _send_raw("kv.putStream", f'{{"json":{{"key":"{key}"}}}}'.encode(), {})
    assert (error.http_status, error.code, error.retryable) == (400, "BAD_INPUT", False)
    assert await env.KV.get(key) == "kept"


async def test_a_10_mb_first_line_is_answered_413_with_a_length_and_chunked() -> None:
    line = b"x" * 10_000_000
    contents: tuple[bytes | AsyncIterator[bytes], ...] = (line, _chunks(line))
    for content in contents:
        error = await _send_raw("kv.putStream", content, {})
        assert (error.http_status, error.code, error.retryable) == (413, "LIMIT_EXCEEDED", False)
