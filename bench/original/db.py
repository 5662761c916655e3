"""The original system's D1 client, as the seed wrote it (the original design: the project brief's
seeds/000_12dac6fbf05ce978.txt, "Step 4: Python D1 Client (db.py)"): the Worker's public JSON
endpoints, a new ``httpx.AsyncClient`` (a new connection) for every call.

One change, without which it cannot run: the seed posts to the relative path ``/internal/db/query``
("via the same origin"), which httpx refuses without a base URL; the base URL is the Worker's, from
``WORKER_URL``.
"""

import os

import httpx

WORKER_URL = os.environ.get("WORKER_URL", "http://127.0.0.1:8787")


async def db_query(sql: str, params: list = None):
    """Execute SELECT query and return results."""
    async with httpx.AsyncClient(base_url=WORKER_URL) as client:
        resp = await client.post(
            "/internal/db/query",
            json={"sql": sql, "params": params or []},
            timeout=30.0
        )
        data = resp.json()
        if not data.get("success"):
            raise Exception(data.get("error", "Database query failed"))
        return data.get("results", [])


async def db_run(sql: str, params: list = None):
    """Execute INSERT/UPDATE/DELETE and return metadata."""
    async with httpx.AsyncClient(base_url=WORKER_URL) as client:
        resp = await client.post(
            "/internal/db/run",
            json={"sql": sql, "params": params or []},
            timeout=30.0
        )
        data = resp.json()
        if not data.get("success"):
            raise Exception(data.get("error", "Database operation failed"))
        return data.get("meta", {})
