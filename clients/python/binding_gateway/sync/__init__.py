"""The client, blocking: the same bindings and names as ``binding_gateway``, on ``httpx.Client``,
for code without an event loop (Flask, Django, Celery, a script). One ``env`` per process, shared
by its threads. See docs/python.md.

Example::

    from binding_gateway.sync import create_gateway_env

    env = create_gateway_env()  # GATEWAY_URL, GATEWAY_TOKEN
    user = env.DB.prepare("SELECT * FROM users WHERE id = ?").bind(1).first()
"""

from ..errors import (
    GatewayConfigError,
    GatewayConnectionError,
    GatewayError,
    GatewayInputError,
    GatewayLimitError,
    GatewayTimeoutError,
)
from ..objects import (
    KVListKey,
    KVListResult,
    KVValueWithMetadata,
    R2Conditional,
    R2HTTPMetadata,
    R2Object,
    R2Objects,
    R2Range,
    R2UploadedPart,
)
from .client import GatewayClient
from .d1 import D1Database, D1DatabaseSession, D1PreparedStatement
from .env import GatewayEnv, create_gateway_env
from .kv import KVNamespace
from .r2 import R2Bucket, R2MultipartUpload, R2ObjectBody

__all__ = [
    "D1Database",
    "D1DatabaseSession",
    "D1PreparedStatement",
    "GatewayClient",
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
