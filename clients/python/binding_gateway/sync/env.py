# Written by clients/python/tools/unasync.py from binding_gateway/env.py; do not edit.
"""``env``: the Worker's bindings as a Container's Python code sees them."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from .client import DEFAULT_DEADLINE_S, DEFAULT_RETRIES, GatewayClient
from .d1 import D1Database
from .kv import KVNamespace
from .r2 import R2Bucket


class GatewayEnv:
    """The gateway's bindings, named as in wrangler.toml: ``DB`` and ``ARCHIVE`` (D1), ``KV`` and ``CACHE`` (KV),
    ``BUCKET`` (R2); and ``gateway``, the typed procedures. They share one connection pool: make
    one ``GatewayEnv`` per process and close it at shutdown (``close()`` or ``with``).

    Example::

        env = create_gateway_env()
        rows = (env.DB.prepare("SELECT * FROM users").all())["results"]
    """

    def __init__(self, gateway: GatewayClient) -> None:
        self.gateway = gateway
        self.DB = D1Database(gateway, "DB")
        self.ARCHIVE = D1Database(gateway, "ARCHIVE")
        self.KV = KVNamespace(gateway, "KV")
        self.CACHE = KVNamespace(gateway, "CACHE")
        self.BUCKET = R2Bucket(gateway, "BUCKET")

    def __enter__(self) -> GatewayEnv:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.gateway.close()


def create_gateway_env(
    url: str | None = None,
    *,
    token: str | None = None,
    deadline: float = DEFAULT_DEADLINE_S,
    retries: int = DEFAULT_RETRIES,
    request_id: Callable[[], str | None] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> GatewayEnv:
    """The bindings over the gateway at ``url`` (``GATEWAY_URL``, else ``http://gateway.internal/trpc``),
    with the local session's ``token`` (``GATEWAY_TOKEN``) if any. See ``GatewayClient`` for the rest."""
    return GatewayEnv(
        GatewayClient(
            url, token=token, deadline=deadline, retries=retries, request_id=request_id, transport=transport
        )
    )
