"""env.KV and the kv.* procedures against a live gateway (local KV)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

import pytest

from binding_gateway import GatewayLimitError, GatewayClient, GatewayEnv, GatewayError

ALL_BYTES = bytes(range(256))


async def test_puts_and_gets_text_json_and_bytes_byte_exact(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("kv")
    await env.KV.put(key, "hello ✓")
    assert await env.KV.get(key) == "hello ✓"
    await env.KV.put(key, '{"a": [1, 2]}')
    assert await env.KV.get(key, "json") == {"a": [1, 2]}
    await env.KV.put(key, ALL_BYTES)
    assert await env.KV.get(key, "bytes") == ALL_BYTES


async def test_a_missing_key_is_none_not_an_error(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("missing")
    assert await env.KV.get(key) is None
    assert await env.KV.get(key, "bytes") is None
    read = await env.KV.get_with_metadata(key)
    assert (read.value, read.metadata) == (None, None)


async def test_keeps_metadata_and_an_expiration(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("meta")
    await env.KV.put(key, b"\x00\x01", metadata={"owner": "ada", "n": 1}, expiration_ttl=3600)
    read = await env.KV.get_with_metadata(key, "bytes")
    assert (read.value, read.metadata) == (b"\x00\x01", {"owner": "ada", "n": 1})
    text = await env.KV.get_with_metadata(key)
    assert text.metadata == {"owner": "ada", "n": 1}
    listed = await env.KV.list(prefix=key)
    assert [k.name for k in listed.keys] == [key]
    assert listed.keys[0].metadata == {"owner": "ada", "n": 1}
    assert (listed.keys[0].expiration or 0) > 0


async def test_lists_by_prefix_page_by_page_and_deletes(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    prefix = unique("list") + "/"
    for i in range(3):
        await env.KV.put(f"{prefix}{i}", str(i))
    first = await env.KV.list(prefix=prefix, limit=2)
    assert [k.name for k in first.keys] == [f"{prefix}0", f"{prefix}1"]
    assert first.list_complete is False
    rest = await env.KV.list(prefix=prefix, cursor=first.cursor)
    assert [k.name for k in rest.keys] == [f"{prefix}2"]
    await env.KV.delete(f"{prefix}1")
    await env.KV.delete(f"{prefix}never")
    assert [k.name for k in (await env.KV.list(prefix=prefix)).keys] == [f"{prefix}0", f"{prefix}2"]


async def test_streams_a_3_mib_value_both_ways(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("big")
    value = os.urandom(3 * 1024 * 1024)
    await env.KV.put(key, value)
    read = await env.KV.get(key, "bytes")
    assert read is not None and hashlib.sha256(read).hexdigest() == hashlib.sha256(value).hexdigest()


async def test_refuses_what_kv_refuses_by_code(env: GatewayEnv, gateway: GatewayClient, unique: Callable[[str], str]) -> None:
    with pytest.raises(GatewayError) as caught:
        await env.KV.put(unique("ttl"), "x", expiration_ttl=10)
    assert caught.value.code == "BAD_INPUT"
    with pytest.raises(GatewayError) as caught:
        await gateway.kv_put({"key": "k" * 513, "value": "x"})
    assert (caught.value.code, caught.value.http_status) == ("LIMIT_EXCEEDED", 413)
    assert isinstance(caught.value, GatewayLimitError)


async def test_checks_kv_limits_before_sending_in_the_bindings_words(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    # No answer: the client refuses what KV would, before the first byte goes (http_status None).
    with pytest.raises(GatewayLimitError) as caught:
        await env.KV.put("k" * 513, "x")
    assert (caught.value.gateway_code, caught.value.http_status, caught.value.retryable) == ("LIMIT_EXCEEDED", None, False)
    assert str(caught.value) == "KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."
    with pytest.raises(GatewayLimitError) as caught:
        await env.KV.put(unique("big"), b"\0" * (25 * 1024 * 1024 + 1))
    assert str(caught.value) == "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400."
    with pytest.raises(GatewayLimitError):
        await env.KV.put(unique("meta"), "x", metadata={"m": "x" * 1024})


async def test_the_typed_procedures_get_get_with_metadata_put_delete_and_list(
    gateway: GatewayClient, unique: Callable[[str], str]
) -> None:
    key = unique("typed")
    await gateway.kv_put({"key": key, "value": ALL_BYTES, "metadata": {"m": True}})
    assert await gateway.kv_get({"key": key, "type": "bytes"}) == ALL_BYTES
    assert await gateway.kv_get_with_metadata({"key": key, "type": "bytes"}) == {"value": ALL_BYTES, "metadata": {"m": True}}
    await gateway.kv_put({"key": key, "value": {"stored": "as JSON"}})
    assert await gateway.kv_get({"key": key, "type": "json"}) == {"stored": "as JSON"}
    assert [k["name"] for k in (await gateway.kv_list({"prefix": key}))["keys"]] == [key]
    await gateway.kv_delete({"key": key})
    assert await gateway.kv_get({"key": key}) is None
    await gateway.kv_put({"key": key, "value": "on CACHE", "binding": "CACHE"})
    assert await gateway.kv_get({"key": key, "binding": "CACHE"}) == "on CACHE"
    assert await gateway.kv_get({"key": key}) is None


async def test_reads_text_and_json_over_the_inline_threshold_through_the_stream_call(
    env: GatewayEnv, unique: Callable[[str], str]
) -> None:
    key = unique("large")
    # 3 MiB: the gateway refuses it inline (LIMIT_EXCEEDED); env.KV reads it as a stream instead.
    value = '{"text": "' + "é" * (3 * 1024 * 1024 // 2) + '"}'
    await env.KV.put(key, value, metadata={"large": True})
    assert await env.KV.get(key) == value
    assert await env.KV.get(key, "json") == {"text": "é" * (3 * 1024 * 1024 // 2)}
    read = await env.KV.get_with_metadata(key, "json")
    assert (read.value, read.metadata) == ({"text": "é" * (3 * 1024 * 1024 // 2)}, {"large": True})


async def test_a_procedure_call_with_an_unknown_field_is_bad_input_naming_it(
    gateway: GatewayClient, env: GatewayEnv, unique: Callable[[str], str]
) -> None:
    key = unique("strict")
    misspelt: Any = {"key": key, "value": "v", "expirationTTL": 120}
    with pytest.raises(GatewayError) as caught:
        await gateway.kv_put(misspelt)
    assert caught.value.code == "BAD_INPUT"
    assert '"expirationTTL"' in caught.value.message
    assert await env.KV.get(key) is None
