"""A Python client for binding-gateway: a Cloudflare Worker's D1, KV and R2 bindings, used from a
Container through the Worker's gateway. Async, on httpx; ``binding_gateway.sync`` is the same,
blocking (Flask, Django, Celery, scripts). See docs/python.md.

Example::

    from binding_gateway import GatewayError, create_gateway_env

    env = create_gateway_env()  # GATEWAY_URL, GATEWAY_TOKEN
    user = await env.DB.prepare("SELECT * FROM users WHERE id = ?").bind(1).first()
"""

from .client import DEFAULT_GATEWAY_URL, GatewayClient
from .contract import CONTRACT_VERSION, GATEWAY_ERRORS, GatewayCode
from .d1 import D1Database, D1DatabaseSession, D1PreparedStatement
from .env import GatewayEnv, create_gateway_env
from .errors import (
    GatewayConfigError,
    GatewayConnectionError,
    GatewayError,
    GatewayInputError,
    GatewayLimitError,
    GatewayTimeoutError,
)
from .kv import KVNamespace
from .objects import (
    KVListKey,
    KVListResult,
    KVValueWithMetadata,
    R2Checksums,
    R2Conditional,
    R2HTTPMetadata,
    R2Object,
    R2Objects,
    R2Range,
    R2UploadedPart,
)
from .r2 import R2Bucket, R2MultipartUpload, R2ObjectBody

__all__ = [
    "CONTRACT_VERSION",
    "DEFAULT_GATEWAY_URL",
    "GATEWAY_ERRORS",
    "D1Database",
    "D1DatabaseSession",
    "D1PreparedStatement",
    "GatewayClient",
    "GatewayCode",
    "GatewayConfigError",
    "GatewayConnectionError",
    "GatewayEnv",
    "GatewayError",
    "GatewayInputError",
    "GatewayLimitError",
    "GatewayTimeoutError",
    "KVListKey",
    "KVListResult",
    "KVNamespace",
    "KVValueWithMetadata",
    "R2Bucket",
    "R2Checksums",
    "R2Conditional",
    "R2HTTPMetadata",
    "R2MultipartUpload",
    "R2Object",
    "R2ObjectBody",
    "R2Objects",
    "R2Range",
    "R2UploadedPart",
    "create_gateway_env",
]
