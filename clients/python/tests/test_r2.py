"""env.BUCKET and the r2.* procedures and stream calls against a live gateway (local R2)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from binding_gateway import GatewayLimitError, GatewayClient, GatewayEnv, GatewayError, R2HTTPMetadata, R2Object, R2ObjectBody

ALL_BYTES = bytes(range(256))
MiB = 1024 * 1024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_puts_and_gets_bytes_byte_exact_with_their_metadata(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("r2")
    stored = await env.BUCKET.put(
        key,
        ALL_BYTES,
        http_metadata=R2HTTPMetadata(content_type="application/octet-stream", cache_control="no-store"),
        custom_metadata={"owner": "ada"},
    )
    assert stored is not None and stored.size == 256 and stored.key == key
    assert stored.http_etag == f'"{stored.etag}"'
    assert stored.uploaded.tzinfo is not None
    assert abs(datetime.now(timezone.utc) - stored.uploaded) < timedelta(minutes=5)
    got = await env.BUCKET.get(key)
    assert isinstance(got, R2ObjectBody)
    assert await got.bytes() == ALL_BYTES
    assert got.http_metadata.content_type == "application/octet-stream"
    assert got.http_metadata.cache_control == "no-store"
    assert got.custom_metadata == {"owner": "ada"}
    assert got.etag == stored.etag


async def test_an_object_with_the_largest_metadata_is_read_back(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    # 8,000 bytes of a character JSON escapes six times over: its result was once a 65 KB header,
    # more than an HTTP client takes. Put inline and streamed, read back through the stream call.
    custom = {"m": "\u0001" * 8000}
    http = R2HTTPMetadata(content_type="\u0001" * 4000, cache_control="\u0001" * 4000)
    for data in (b"small", os.urandom(2 * MiB)):
        key = unique("metadata")
        stored = await env.BUCKET.put(key, data, custom_metadata=custom, http_metadata=http)
        assert stored is not None and stored.custom_metadata == custom
        got = await env.BUCKET.get(key)
        assert isinstance(got, R2ObjectBody) and await got.bytes() == data
        assert got.custom_metadata == custom
        assert got.http_metadata.content_type == http.content_type
        assert got.http_metadata.cache_control == http.cache_control


async def test_http_metadata_over_its_bound_is_limit_exceeded(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("http-metadata")
    with pytest.raises(GatewayError) as refused:
        await env.BUCKET.put(key, b"v", http_metadata=R2HTTPMetadata(content_type="x" * 8193))
    assert refused.value.code == "LIMIT_EXCEEDED"
    assert await env.BUCKET.head(key) is None


async def test_text_ranges_and_head(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("text")
    await env.BUCKET.put(key, "hello, world ✓")
    whole = await env.BUCKET.get(key)
    assert isinstance(whole, R2ObjectBody) and await whole.text() == "hello, world ✓"
    part = await env.BUCKET.get(key, range={"offset": 7, "length": 5})
    assert isinstance(part, R2ObjectBody) and await part.bytes() == b"world"
    suffix = await env.BUCKET.get(key, range={"suffix": 3})
    assert isinstance(suffix, R2ObjectBody) and await suffix.bytes() == "✓".encode()
    head = await env.BUCKET.head(key)
    assert head is not None and head.size == len("hello, world ✓".encode())
    assert await env.BUCKET.head(unique("none")) is None
    assert await env.BUCKET.get(unique("none")) is None


async def test_a_failed_condition_is_a_value_not_an_error(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("cond")
    first = await env.BUCKET.put(key, b"v1")
    assert first is not None
    assert await env.BUCKET.put(key, b"v2", only_if={"etag_matches": "0" * 32}) is None
    head_only = await env.BUCKET.get(key, only_if={"etag_does_not_match": first.etag})
    assert isinstance(head_only, R2Object) and not isinstance(head_only, R2ObjectBody)
    later = first.uploaded + timedelta(days=1)
    body = await env.BUCKET.get(key, only_if={"uploaded_before": later})
    assert isinstance(body, R2ObjectBody) and await body.bytes() == b"v1"


async def test_streams_a_3_mib_object_up_from_bytes_and_from_a_file_and_down(
    env: GatewayEnv, unique: Callable[[str], str]
) -> None:
    data = os.urandom(3 * MiB)
    key = unique("big")
    stored = await env.BUCKET.put(key, data)
    assert stored is not None and stored.size == len(data)
    got = await env.BUCKET.get(key)
    assert isinstance(got, R2ObjectBody) and sha256(await got.bytes()) == sha256(data)

    with tempfile.TemporaryFile() as file:
        file.write(data[::-1])
        file.seek(0)
        from_file = await env.BUCKET.put(key, file, http_metadata=R2HTTPMetadata(content_type="application/x-test"))
    assert from_file is not None and from_file.size == len(data)
    again = await env.BUCKET.get(key)
    assert isinstance(again, R2ObjectBody) and sha256(await again.bytes()) == sha256(data[::-1])
    assert again.http_metadata.content_type == "application/x-test"


async def test_lists_and_deletes_one_key_or_many(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    prefix = unique("list") + "/"
    for name in ("a", "b", "c/d"):
        await env.BUCKET.put(prefix + name, name)
    page = await env.BUCKET.list(prefix=prefix, delimiter="/", include=["customMetadata"])
    assert [o.key for o in page.objects] == [prefix + "a", prefix + "b"]
    assert page.delimited_prefixes == [prefix + "c/"]
    assert page.truncated is False
    await env.BUCKET.delete(prefix + "a")
    await env.BUCKET.delete([prefix + "b", prefix + "c/d", prefix + "never"])
    assert (await env.BUCKET.list(prefix=prefix)).objects == []


async def test_refuses_what_r2_refuses_by_code(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    with pytest.raises(GatewayError) as caught:
        await env.gateway.r2_put({"key": "k" * 1025, "body": b"x"})
    assert (caught.value.code, caught.value.http_status) == ("LIMIT_EXCEEDED", 413)
    with pytest.raises(GatewayLimitError) as limited:
        await env.BUCKET.put("k" * 1025, b"x")
    assert (limited.value.gateway_code, limited.value.http_status) == ("LIMIT_EXCEEDED", None)
    with pytest.raises(GatewayError) as caught:
        await env.BUCKET.put(unique("md5"), b"x", md5="0" * 32)
    assert caught.value.code == "BAD_INPUT"


async def test_the_typed_procedures_and_a_multipart_upload(gateway: GatewayClient, unique: Callable[[str], str]) -> None:
    key = unique("typed")
    put = await gateway.r2_put({"key": key, "body": ALL_BYTES, "customMetadata": {"k": "v"}})
    assert put is not None and put["size"] == 256
    got = await gateway.r2_get({"key": key})
    assert got is not None and got.get("body") == ALL_BYTES and got["uploaded"] == put["uploaded"]
    head = await gateway.r2_head({"key": key})
    assert head is not None and head["customMetadata"] == {"k": "v"}
    listed = await gateway.r2_list({"prefix": key})
    assert [o["key"] for o in listed["objects"]] == [key]
    await gateway.r2_delete({"keys": key})
    assert await gateway.r2_head({"key": key}) is None

    upload = await gateway.r2_create_multipart_upload({"key": key})
    parts = []
    for number, chunk in ((1, b"a" * (5 * MiB)), (2, b"tail")):
        parameters = {"key": key, "uploadId": upload["uploadId"], "partNumber": number}
        async with gateway.stream("r2.uploadPart", parameters, chunk) as (result, _):
            parts.append(result["part"])
    done = await gateway.r2_complete_multipart_upload({"key": key, "uploadId": upload["uploadId"], "parts": parts})
    assert done["size"] == 5 * MiB + 4

    other = await gateway.r2_create_multipart_upload({"key": key + "-aborted"})
    await gateway.r2_abort_multipart_upload({"key": key + "-aborted", "uploadId": other["uploadId"]})
    with pytest.raises(GatewayError) as caught:
        await gateway.r2_complete_multipart_upload(
            {"key": key + "-aborted", "uploadId": other["uploadId"], "parts": [{"partNumber": 1, "etag": "x"}]}
        )
    assert caught.value.code in ("NOT_FOUND", "BAD_INPUT")
