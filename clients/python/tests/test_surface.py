"""The binding's surface beyond the basics, async: streamed bodies both ways, R2 multipart on the
bucket, KV bulk reads, D1 sessions and bookmarks."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import AsyncIterator, Callable

import pytest
from starlette.datastructures import UploadFile

from binding_gateway import GatewayEnv, GatewayError, GatewayInputError, R2ObjectBody, R2UploadedPart
from binding_gateway.streams import CountedBody

MiB = 1024 * 1024


async def chunks_of(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_an_object_body_is_an_async_iterator_of_chunks(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("body")
    data = os.urandom(3 * MiB)
    await env.BUCKET.put(key, data)
    got = await env.BUCKET.get(key)
    assert isinstance(got, R2ObjectBody) and not got.body_used
    chunks = [chunk async for chunk in got.body]
    assert len(chunks) > 1 and b"".join(chunks) == data
    assert got.body_used
    with pytest.raises(GatewayInputError, match="already been used"):
        await got.bytes()


async def test_text_and_json_are_awaited_as_in_a_worker(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("json")
    await env.BUCKET.put(key, '{"a": [1, "✓"]}')
    got = await env.BUCKET.get(key)
    assert got is not None and await got.json() == {"a": [1, "✓"]}
    got = await env.BUCKET.get(key)
    assert got is not None and await got.text() == '{"a": [1, "✓"]}'
    async with await env.BUCKET.get(key) as unread:  # type: ignore[union-attr]
        assert unread.size == len('{"a": [1, "✓"]}'.encode())


async def test_puts_an_async_iterator_with_its_length_streamed(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("iter")
    data = os.urandom(2 * MiB + 17)
    stored = await env.BUCKET.put(key, chunks_of(data), length=len(data))
    assert stored is not None and stored.size == len(data)
    got = await env.BUCKET.get(key)
    assert got is not None and sha256(await got.bytes()) == sha256(data)

    kv_key = unique("kv-iter")
    await env.KV.put(kv_key, chunks_of(data), length=len(data))
    assert await env.KV.get(kv_key, "bytes") == data


async def test_an_iterator_needs_its_length(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    with pytest.raises(GatewayInputError, match="needs its length"):
        await env.BUCKET.put(unique("nolength"), chunks_of(b"abc"))


#: (declared, given) lengths: short and long, up to 1 MiB (an R2 body the gateway reads whole before
#: storing it) and over it (one R2 stores as it arrives; the long one crosses its length mid-chunk).
WRONG_LENGTHS = [(5, 3), (5, 7), (MiB + 10, MiB), (MiB + 10, MiB + 64 * 1024)]


async def put_chunks(env: GatewayEnv, binding: str, key: str, chunks: AsyncIterator[bytes], length: int) -> None:
    if binding == "KV":
        await env.KV.put(key, chunks, length=length)
    else:
        await env.BUCKET.put(key, chunks, length=length)


async def stored(env: GatewayEnv, binding: str, key: str) -> bytes | None:
    if binding == "KV":
        return await env.KV.get(key, "bytes")
    got = await env.BUCKET.get(key)
    return None if got is None else await got.bytes()


@pytest.mark.parametrize("binding", ["BUCKET", "KV"])
@pytest.mark.parametrize(("declared", "given"), WRONG_LENGTHS)
async def test_an_iterator_of_the_wrong_length_is_refused_and_stores_nothing(
    env: GatewayEnv, unique: Callable[[str], str], binding: str, declared: int, given: int
) -> None:
    # The body ends cleanly as one of the wrong length, never cut off: the gateway refuses it
    # (BAD_INPUT, 400) and the old value stays.
    key, old = unique("wrong"), b"the old value"
    await put_chunks(env, binding, key, chunks_of(old), len(old))
    words = f"ended after {given} of the {declared} bytes" if given < declared else f"longer than the {declared} bytes"
    with pytest.raises(GatewayInputError, match=words) as refused:
        await put_chunks(env, binding, key, chunks_of(os.urandom(given)), declared)
    assert refused.value.http_status == 400 and "nothing was stored" in refused.value.message
    assert await stored(env, binding, key) == old


@pytest.mark.parametrize("binding", ["BUCKET", "KV"])
@pytest.mark.parametrize("before", [MiB, MiB + 10])
async def test_an_iterator_that_raises_stores_nothing_and_its_error_is_raised(
    env: GatewayEnv, unique: Callable[[str], str], binding: str, before: int
) -> None:
    async def failing() -> AsyncIterator[bytes]:
        async for chunk in chunks_of(os.urandom(before)):
            yield chunk
        raise OSError("the disk went away")

    key, old = unique("raises"), b"the old value"
    await put_chunks(env, binding, key, chunks_of(old), len(old))
    # Raised after all the bytes of its length too: that body is sent one byte long, not stored as whole.
    with pytest.raises(OSError, match="the disk went away") as raised:
        await put_chunks(env, binding, key, failing(), MiB + 10)
    cause = raised.value.__cause__
    assert isinstance(cause, GatewayError) and cause.gateway_code == "BAD_INPUT" and cause.http_status == 400
    assert await stored(env, binding, key) == old


async def test_a_wrong_body_ends_as_one_the_gateway_refuses() -> None:
    async def sent(length: int, *chunks: bytes, fail: bool = False) -> bytes:
        async def source() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk
            if fail:
                raise ValueError("failed")

        return b"".join([chunk async for chunk in CountedBody(source(), length)])

    assert await sent(6, b"abc", b"def") == b"abcdef"
    assert await sent(6, b"abc", b"") == b"abc"  # short: ends there
    assert await sent(6, b"abc", b"defgh", b"ijk") == b"abcdefg"  # long: one byte past, never exactly 6
    assert await sent(6, b"abcdef", b"", b"g") == b"abcdefg"
    assert await sent(6, b"abc", fail=True) == b"abc"
    assert await sent(6, b"abcdef", fail=True) == b"abcdef\0"  # all 6, then an error: not a valid body
    assert await sent(0, fail=True) == b"\0"


async def test_puts_an_uploaded_file_as_fastapi_gives_it(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    data = os.urandom(2 * MiB)
    upload = UploadFile(io.BytesIO(data), filename="photo.jpg")
    key = unique("upload")
    stored = await env.BUCKET.put(key, upload)
    assert stored is not None and stored.size == len(data)
    got = await env.BUCKET.get(key)
    assert got is not None and await got.bytes() == data


async def test_a_multipart_upload_on_the_bucket_created_resumed_completed(
    env: GatewayEnv, unique: Callable[[str], str]
) -> None:
    key = unique("multipart")
    first, second = os.urandom(5 * MiB), os.urandom(1234)
    upload = await env.BUCKET.create_multipart_upload(key, custom_metadata={"parts": "2"})
    part1 = await upload.upload_part(1, first)
    resumed = env.BUCKET.resume_multipart_upload(key, upload.upload_id)
    part2 = await resumed.upload_part(2, chunks_of(second), length=len(second))
    assert isinstance(part2, R2UploadedPart) and part2.part_number == 2
    done = await resumed.complete([part1, part2])
    assert done.size == len(first) + len(second) and done.custom_metadata == {"parts": "2"}
    got = await env.BUCKET.get(key)
    assert got is not None and sha256(await got.bytes()) == sha256(first + second)

    aborted = await env.BUCKET.create_multipart_upload(unique("aborted"))
    await aborted.abort()
    with pytest.raises(GatewayError):
        await aborted.upload_part(1, b"late")


async def test_kv_bulk_get_gives_a_dict_with_none_for_missing_keys(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    a, b, missing = unique("a"), unique("b"), unique("missing")
    await env.KV.put(a, '{"n": 1}')
    await env.KV.put(b, '{"n": 2}')
    assert await env.KV.get([a, b, missing]) == {a: '{"n": 1}', b: '{"n": 2}', missing: None}
    assert await env.KV.get([a, b], "json") == {a: {"n": 1}, b: {"n": 2}}
    # KV's own 400 answer, as the binding throws it: an Error, not a TypeError (test_parity.py).
    with pytest.raises(GatewayError, match="KV GET_BULK failed: 400 You must request a minimum of 1 key") as refused:
        await env.KV.get([])
    assert not isinstance(refused.value, TypeError)


async def test_a_d1_session_carries_its_bookmark(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    table = unique("session")
    session = env.DB.with_session("first-primary")
    assert session.get_bookmark() is None
    await session.prepare(f"CREATE TABLE {table} (x)").run()
    await session.batch([session.prepare(f"INSERT INTO {table} VALUES (?)").bind(1)])
    bookmark = session.get_bookmark()
    assert isinstance(bookmark, str) and bookmark
    later = env.DB.with_session(bookmark)
    assert await later.prepare(f"SELECT count(*) AS n FROM {table}").first("n") == 1
    with pytest.raises(GatewayInputError, match="not prepared on this session"):
        await session.batch([env.DB.prepare("SELECT 1")])
