"""The gateway's wire format, both ways: superjson's ``{"json": ..., "meta": {"values": ...}}``.

JSON has no bytes, bigint, Date or undefined; superjson sends each as JSON plus an annotation at its
path in ``meta.values`` (docs/protocol.md, "Values"):

=============  ===========================  ==========================
Python         JSON                         annotation
=============  ===========================  ==========================
``bytes``      base64 string                ``[["custom", "bytes"]]``
``int`` > 2^53 decimal string               ``["bigint"]``
``datetime``   ISO 8601 string, UTC         ``["Date"]``
(absent key)   ``null``                     ``["undefined"]``
NaN, ±inf, -0  ``"NaN"``, ``"Infinity"`` …  ``["number"]``
=============  ===========================  ==========================
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Final

from .contract import LIMITS
from .errors import GatewayConfigError, GatewayError, GatewayInputError, error_for

#: Integers JavaScript holds exactly; larger ones travel as bigints.
MAX_SAFE_INTEGER: Final = 2**53 - 1

#: ``values`` of a payload's meta: a tree of annotations (root) or path → tree.
Annotations = dict[str, Any]

_UNDEFINED: Final = object()


def _escape(key: str) -> str:
    return key.replace("\\", "\\\\").replace(".", "\\.")


def _path(parts: list[str]) -> str:
    return ".".join(_escape(part) for part in parts)


def _parse_path(text: str) -> list[str]:
    parts: list[str] = []
    segment = ""
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in ("\\", "."):
            segment += text[i + 1]
            i += 2
            continue
        if char == ".":
            parts.append(segment)
            segment = ""
        else:
            segment += char
        i += 1
    parts.append(segment)
    return parts


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise TypeError(f"a naive datetime ({moment}) has no time zone: give it one (e.g. timezone.utc)")
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _encode(value: Any, path: list[str], annotations: Annotations) -> Any:
    def annotate(annotation: Any) -> None:
        annotations[_path(path)] = [annotation]

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        annotate("bigint")
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and not (value == 0 and math.copysign(1, value) < 0):
            return value
        annotate("number")
        return "NaN" if math.isnan(value) else "-0" if value == 0 else "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, (bytes, bytearray, memoryview)):
        annotate(["custom", "bytes"])
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        annotate("Date")
        return _iso(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if not isinstance(key, str):
                raise TypeError(f"object keys are strings on the wire, not {type(key).__name__}")
            out[key] = _encode(inner, [*path, key], annotations)
        return out
    if isinstance(value, (list, tuple)):
        return [_encode(inner, [*path, str(i)], annotations) for i, inner in enumerate(value)]
    raise TypeError(f"{type(value).__name__} has no wire encoding (at {_path(path) or 'the root'})")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    raise GatewayInputError(f"metadata is JSON: {type(value).__name__} is not JSON serializable")


def as_json(value: Any) -> Any:
    """A value as JSON stores it, as ``JSON.stringify`` then ``JSON.parse`` give it: a ``datetime`` as
    its ISO text (a Date's ``toJSON()``); a value JSON has no form for refused (``GatewayInputError``)."""
    return json.loads(json.dumps(value, default=_json_default))


def encode(value: Any) -> dict[str, Any]:
    """A value as the gateway reads it: ``{"json": ...}``, with ``meta`` when a value needs one."""
    annotations: Annotations = {}
    payload: dict[str, Any] = {"json": _encode(value, [], annotations)}
    if annotations:
        # A transformed root is annotated as a tree of its own, not under the empty path.
        root = annotations.pop("", None)
        payload["meta"] = {"values": root if root is not None else annotations, "v": 1}
    return payload


def _transform(annotation: Any, value: Any) -> Any:
    if annotation == "undefined":
        return _UNDEFINED
    if annotation == "bigint":
        return int(value)
    if annotation == "Date":
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if annotation == "number":
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}[value]
    if isinstance(annotation, list) and annotation[:1] == ["custom"] and annotation[1:] in (["bytes"], ["arraybuffer"]):
        return base64.b64decode(value)
    raise GatewayError("INTERNAL", f"the answer holds a value this client cannot read ({annotation!r})")


def _set_deep(root: Any, path: list[str], annotation: Any) -> Any:
    if not path:
        return _transform(annotation, root)
    parent = root
    for key in path[:-1]:
        parent = parent[int(key)] if isinstance(parent, list) else parent[key]
    last = path[-1]
    if isinstance(parent, list):
        index = int(last)
        value = _transform(annotation, parent[index])
        parent[index] = None if value is _UNDEFINED else value
    else:
        value = _transform(annotation, parent[last])
        if value is _UNDEFINED:
            # An optional field that is absent: absent here too (a TypedDict's NotRequired key).
            del parent[last]
        else:
            parent[last] = value
    return root


def _apply_tree(root: Any, path: list[str], tree: Any) -> Any:
    # A tree is [annotation] or [annotation, {child path: tree}]; children are applied first.
    if len(tree) > 1:
        for child, subtree in tree[1].items():
            root = _apply_tree(root, path + _parse_path(child), subtree)
    return _set_deep(root, path, tree[0])


def decode(payload: Mapping[str, Any] | None) -> Any:
    """The value a payload carries, with bytes, bigints, Dates and undefined restored."""
    if payload is None:
        return None
    value = payload.get("json")
    values = (payload.get("meta") or {}).get("values")
    if isinstance(values, list):
        value = _apply_tree(value, [], values)
    elif isinstance(values, dict):
        for path, tree in values.items():
            value = _apply_tree(value, _parse_path(path), tree)
    return None if value is _UNDEFINED else value


def encode_frame(value: Any) -> bytes:
    """A value as the first line of a stream call's body: its payload's JSON (UTF-8), then a line
    feed. JSON escapes every control character, so the line holds no other line feed."""
    return json.dumps(encode(value), separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def decode_frame(line: bytes) -> Any:
    """The value a stream answer's first line (without its line feed) carries."""
    return decode(json.loads(line.decode("utf-8")))


def error_of(body: Any, status: int, url: str = "") -> GatewayError:
    """The error an answer's body describes, in either shape: tRPC's (``error.json``) or a bare one.
    An answer without a gateway code did not come from a gateway: a 404 then means ``GATEWAY_URL``
    names something else (a configuration error, not retried); other statuses, a proxy's failure."""
    first = body[0] if isinstance(body, list) and body else body
    error = first.get("error") if isinstance(first, dict) else None
    shape = error.get("json", error) if isinstance(error, dict) else None
    data = (shape.get("data") if isinstance(shape, dict) else None) or {}
    code = data.get("gatewayCode") if isinstance(data, dict) else None
    if not isinstance(shape, dict) or not isinstance(code, str):
        if status in (404, 405):
            return GatewayConfigError(
                f"{url or 'the URL'} answered {status}: it is not a binding-gateway. Set GATEWAY_URL to the "
                "gateway's URL (http://gateway.internal/trpc in a Container; http://127.0.0.1:8787/__gateway/trpc "
                "in the local session, whose Worker serves it only with GATEWAY_DEV_TOKEN in .dev.vars)",
                http_status=status,
            )
        return GatewayError("UNAVAILABLE", f"the gateway answered {status} without a gateway code", http_status=status)
    return error_for(
        code,
        str(shape.get("message", "")),
        retryable=data.get("retryable") if isinstance(data.get("retryable"), bool) else None,
        http_status=status,
        path=data.get("path") if isinstance(data.get("path"), str) else None,
    )


#: The most bytes a stream call takes after its parameters' line (the binding's limit), as the gateway
#: checks it (shared/schemas/streams.ts).
STREAM_BODY_LIMITS: Final[dict[str, int]] = {
    "r2.putStream": LIMITS["R2_MAX_SINGLE_PUT_BYTES"],
    "r2.uploadPart": LIMITS["R2_MAX_MULTIPART_PART_BYTES"],
    "kv.putStream": LIMITS["KV_MAX_VALUE_BYTES"],
}


def check_stream_length(name: str, length: int) -> None:
    """Refuses a body over a stream call's limit before it is sent, in the gateway's words
    (LIMIT_EXCEEDED, not retryable): sent, it would be refused after its whole upload."""
    limit = STREAM_BODY_LIMITS.get(name)
    if limit is not None and length > limit:
        raise error_for("LIMIT_EXCEEDED", f"a body of {length} bytes is over the {limit} allowed for {name}", path=name)
