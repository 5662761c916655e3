"""The Python client's row of ``npm run bench:large``: one object put from an async iterator of
chunks and got by iterating its body (``binding_gateway``, as an app would), with this process's
RSS sampled every 25 ms. Prints one JSON object (bench/large.ts reads it).

    GATEWAY_URL=... GATEWAY_TOKEN=... python3 bench/large_python.py --size-mib 1024
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from binding_gateway import create_gateway_env

MiB = 1024 * 1024
KEY = "bench/large-object-python"


def rss() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        match = re.search(r"^VmRSS:\s+(\d+) kB$", status.read(), re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


async def measure(run: Callable[[], Awaitable[tuple[int, str]]]) -> dict[str, Any]:
    baseline = rss()
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.025):
            peak = max(peak, rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    try:
        moved, digest = await run()
    finally:
        done.set()
        sampler.join()
    seconds = time.monotonic() - started
    peak = max(peak, rss())
    return {
        "bytes": moved,
        "sha256": digest,
        "seconds": round(seconds, 2),
        "mibPerS": round(moved / MiB / seconds, 1),
        "rssBaselineMiB": round(baseline / MiB, 1),
        "rssGrowthMiB": round((peak - baseline) / MiB, 1),
    }


async def main(size_mib: int) -> None:
    # One 1 MiB block, different in each position (its index in front), hashed as it goes.
    block = hashlib.sha256(b"bench").digest() * (MiB // 32)
    env = create_gateway_env()
    async with env:

        async def put() -> tuple[int, str]:
            digest = hashlib.sha256()

            async def chunks() -> AsyncIterator[bytes]:
                for i in range(size_mib):
                    chunk = i.to_bytes(8, "big") + block[8:]
                    digest.update(chunk)
                    yield chunk

            stored = await env.BUCKET.put(KEY, chunks(), length=size_mib * MiB)
            return (0 if stored is None else stored.size), digest.hexdigest()

        async def get() -> tuple[int, str]:
            digest = hashlib.sha256()
            got = await env.BUCKET.get(KEY)
            moved = 0
            if got is not None:
                async for chunk in got.body:
                    digest.update(chunk)
                    moved += len(chunk)
            return moved, digest.hexdigest()

        results = {"put": await measure(put), "get": await measure(get)}
        await env.BUCKET.delete(KEY)
    print(json.dumps({"sizeMiB": size_mib, **results}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    asyncio.run(main(parser.parse_args().size_mib))
