"""binding_gateway.sync: the same bindings, blocking, on httpx.Client (Flask, Django, Celery, a
script), against the live gateway; and its code is the async client's, generated (tools/unasync.py)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from binding_gateway.sync import (
    GatewayConfigError,
    GatewayEnv,
    GatewayError,
    GatewayInputError,
    GatewayLimitError,
    GatewayTimeoutError,
    R2HTTPMetadata,
    R2ObjectBody,
    create_gateway_env,
)

MiB = 1024 * 1024
TOOLS = Path(__file__).resolve().parent.parent / "tools" / "unasync.py"


@pytest.fixture
def sync_env() -> Iterator[GatewayEnv]:
    with create_gateway_env(os.environ["GATEWAY_URL"], token=os.environ.get("GATEWAY_TOKEN")) as env:
        yield env


def test_the_sync_modules_are_the_async_ones_generated() -> None:
    spec = importlib.util.spec_from_file_location("unasync", TOOLS)
    assert spec is not None and spec.loader is not None
    unasync = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(unasync)
    for path, text in unasync.generated().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run python3 tools/unasync.py"


def test_d1_reads_writes_batches_and_sessions(sync_env: GatewayEnv, unique: Callable[[str], str]) -> None:
    table = unique("sync")
    sync_env.DB.exec(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    insert = sync_env.DB.prepare(f"INSERT INTO {table} (v) VALUES (?)")
    results = sync_env.DB.batch([insert.bind("a"), insert.bind("b")])
    assert [r["meta"]["changes"] for r in results] == [1, 1]
    assert sync_env.DB.prepare(f"SELECT count(*) AS n FROM {table}").first("n") == 2
    assert sync_env.DB.prepare(f"SELECT v FROM {table} ORDER BY id").raw() == [["a"], ["b"]]
    with pytest.raises(GatewayError) as caught:
        insert.bind("a").run()
    assert caught.value.gateway_code == "CONSTRAINT"
    session = sync_env.DB.with_session()
    assert session.prepare(f"SELECT count(*) AS n FROM {table}").first("n") == 2
    assert session.get_bookmark()


def test_kv_values_lists_and_bulk_reads(sync_env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("kv")
    sync_env.KV.put(key, "hello", metadata={"by": "ada"})
    assert sync_env.KV.get(key) == "hello"
    assert sync_env.KV.get_with_metadata(key).metadata == {"by": "ada"}
    assert sync_env.KV.get([key, key + "-none"]) == {key: "hello", key + "-none": None}
    assert [k.name for k in sync_env.KV.list(prefix=key).keys] == [key]
    with pytest.raises(GatewayLimitError):
        sync_env.KV.put("k" * 513, "x")
    sync_env.KV.delete(key)
    assert sync_env.KV.get(key) is None


def test_r2_streams_a_file_up_and_chunks_down(sync_env: GatewayEnv, unique: Callable[[str], str]) -> None:
    key = unique("r2")
    data = os.urandom(3 * MiB)
    with tempfile.TemporaryFile() as file:
        file.write(data)
        file.seek(0)
        stored = sync_env.BUCKET.put(key, file, http_metadata=R2HTTPMetadata(content_type="application/x-test"))
    assert stored is not None and stored.size == len(data)
    got = sync_env.BUCKET.get(key)
    assert isinstance(got, R2ObjectBody) and got.http_metadata.content_type == "application/x-test"
    digest = hashlib.sha256()
    for chunk in got.body:
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    upload = sync_env.BUCKET.create_multipart_upload(unique("parts"))
    part = upload.upload_part(1, iter([b"only ", b"part"]), length=9)
    assert upload.complete([part]).size == 9


def chunks_of(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def put_chunks(sync_env: GatewayEnv, binding: str, key: str, chunks: Iterator[bytes], length: int) -> None:
    if binding == "KV":
        sync_env.KV.put(key, chunks, length=length)
    else:
        sync_env.BUCKET.put(key, chunks, length=length)


def stored(sync_env: GatewayEnv, binding: str, key: str) -> bytes | None:
    if binding == "KV":
        return sync_env.KV.get(key, "bytes")
    got = sync_env.BUCKET.get(key)
    return None if got is None else got.bytes()


@pytest.mark.parametrize("binding", ["BUCKET", "KV"])
@pytest.mark.parametrize(("declared", "given"), [(5, 3), (5, 7), (MiB + 10, MiB), (MiB + 10, MiB + 64 * 1024)])
def test_an_iterator_of_the_wrong_length_is_refused_and_stores_nothing(
    sync_env: GatewayEnv, unique: Callable[[str], str], binding: str, declared: int, given: int
) -> None:
    key, old = unique("wrong"), b"the old value"
    put_chunks(sync_env, binding, key, chunks_of(old), len(old))
    words = f"ended after {given} of the {declared} bytes" if given < declared else f"longer than the {declared} bytes"
    with pytest.raises(GatewayInputError, match=words) as refused:
        put_chunks(sync_env, binding, key, chunks_of(os.urandom(given)), declared)
    assert refused.value.http_status == 400 and "nothing was stored" in refused.value.message
    assert stored(sync_env, binding, key) == old


@pytest.mark.parametrize("binding", ["BUCKET", "KV"])
def test_an_iterator_that_raises_stores_nothing_and_its_error_is_raised(
    sync_env: GatewayEnv, unique: Callable[[str], str], binding: str
) -> None:
    def failing() -> Iterator[bytes]:
        yield from chunks_of(os.urandom(MiB + 10))
        raise OSError("the disk went away")

    key, old = unique("raises"), b"the old value"
    put_chunks(sync_env, binding, key, chunks_of(old), len(old))
    with pytest.raises(OSError, match="the disk went away") as raised:
        put_chunks(sync_env, binding, key, failing(), MiB + 10)
    cause = raised.value.__cause__
    assert isinstance(cause, GatewayError) and cause.gateway_code == "BAD_INPUT" and cause.http_status == 400
    assert stored(sync_env, binding, key) == old


def test_threads_share_one_env(sync_env: GatewayEnv) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        values = list(pool.map(lambda n: sync_env.DB.prepare("SELECT ? AS n").bind(n).first("n"), range(32)))
    assert values == list(range(32))


def test_a_wrong_url_is_a_configuration_error() -> None:
    url = os.environ["GATEWAY_URL"].replace("/__gateway/trpc", "/trpc")
    with create_gateway_env(url) as env, pytest.raises(GatewayConfigError, match="GATEWAY_URL"):
        env.KV.get("anything")


class SlowTransport(httpx.HTTPTransport):
    """Answers after the deadline has passed (a gateway that hangs)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        time.sleep(float(request.extensions["timeout"]["read"]) + 0.1)
        raise httpx.ReadTimeout("timed out", request=request)


def test_a_deadline_bounds_a_call_and_its_retries() -> None:
    env = create_gateway_env(os.environ["GATEWAY_URL"], deadline=0.3, transport=SlowTransport())
    started = time.monotonic()
    with env, pytest.raises(GatewayTimeoutError, match="past its deadline of 0.3 s"):
        env.KV.get("anything")
    assert time.monotonic() - started < 1.5
