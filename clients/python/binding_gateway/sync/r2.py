# Written by clients/python/tools/unasync.py from binding_gateway/r2.py; do not edit.
"""``env.BUCKET``: an R2 bucket as a Worker sees it, over the gateway, named the Python way."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast, overload

from .client import GatewayClient, StreamAnswer
from ..contract import LIMITS, R2BindingName
from ..errors import GatewayInputError
from ..limits import check_r2_key, check_r2_part, check_r2_put
from ..objects import (
    R2Conditional,
    R2HTTPMetadata,
    R2Object,
    R2Objects,
    R2Range,
    R2UploadedPart,
    camel,
    checksums_wire,
    conditional_wire,
    http_metadata_wire,
    object_fields,
    r2_object,
)
from .streams import Body, upload_of

#: Bodies up to this size travel inline in JSON; larger ones stream (r2.putStream).
INLINE_BODY_MAX_BYTES = LIMITS["INLINE_BODY_MAX_BYTES"]


@dataclass(frozen=True, eq=False)
class R2ObjectBody(R2Object):
    """An object's metadata and its body, which streams: iterate ``body`` (chunks of bytes, as they
    arrive), or read it whole with ``bytes()``, ``text()`` or ``json()``, once. Until it is read, the
    object holds a connection: read it, or close it (``close()``, ``with``).

    Example::

        photo = env.BUCKET.get("photo.jpg")
        if photo is not None:
            for chunk in photo.body:
                ...
    """

    answer: StreamAnswer | None = field(default=None, repr=False)

    @property
    def body(self) -> Iterator[bytes]:
        if self.answer is None:
            raise GatewayInputError("Body has already been used. It can only be used once.")
        return self.answer.iter_bytes()

    @property
    def body_used(self) -> bool:
        return self.answer is None or self.answer.used

    def text(self) -> str:
        return (self.bytes()).decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.bytes())

    def array_buffer(self) -> builtins.bytes:
        return self.bytes()

    def close(self) -> None:
        """Lets the body go unread."""
        if self.answer is not None:
            self.answer.close()

    def __enter__(self) -> R2ObjectBody:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def bytes(self) -> builtins.bytes:
        if self.answer is None:
            raise GatewayInputError("Body has already been used. It can only be used once.")
        return self.answer.read()


class R2MultipartUpload:
    """An upload in parts (each but the last at least 5 MiB; at most 10,000): ``upload_part``,
    then ``complete`` with the parts, or ``abort``."""

    def __init__(self, bucket: R2Bucket, key: str, upload_id: str) -> None:
        self.bucket = bucket
        self.key = key
        self.upload_id = upload_id

    def upload_part(self, part_number: int, value: Body, *, length: int | None = None) -> R2UploadedPart:
        """Sends one part, streamed (bytes, a file, an ``UploadFile``, or chunks of ``length``)."""
        content, size = upload_of(value, length, "uploadPart")
        check_r2_part(part_number, size)
        parameters = {"binding": self.bucket.binding, "key": self.key, "uploadId": self.upload_id, "partNumber": part_number}
        with self.bucket.client.stream("r2.uploadPart", parameters, content, size) as (result, _):
            part = result["part"]
            return R2UploadedPart(part_number=part["partNumber"], etag=part["etag"])

    def complete(self, parts: Sequence[R2UploadedPart]) -> R2Object:
        """Joins the parts into the object, in part-number order."""
        wire = self.bucket.client.r2_complete_multipart_upload(
            {
                "binding": self.bucket.binding,
                "key": self.key,
                "uploadId": self.upload_id,
                "parts": [{"partNumber": p.part_number, "etag": p.etag} for p in parts],
            }
        )
        return r2_object(wire)

    def abort(self) -> None:
        self.bucket.client.r2_abort_multipart_upload(
            {"binding": self.bucket.binding, "key": self.key, "uploadId": self.upload_id}
        )


class R2Bucket:
    """``env.BUCKET``.

    Example::

        env.BUCKET.put("report.pdf", file, http_metadata=R2HTTPMetadata(content_type="application/pdf"))
        report = env.BUCKET.get("report.pdf")
        data = report.bytes() if report else None
    """

    def __init__(self, client: GatewayClient, binding: R2BindingName = "BUCKET") -> None:
        self.client = client
        self.binding = binding

    def head(self, key: str) -> R2Object | None:
        """The object's metadata, or ``None``."""
        check_r2_key("head", key)
        wire = self.client.r2_head({"binding": self.binding, "key": key})
        return None if wire is None else r2_object(wire)

    @overload
    def get(self, key: str, *, range: R2Range | None = None) -> R2ObjectBody | None: ...

    @overload
    def get(
        self, key: str, *, range: R2Range | None = None, only_if: R2Conditional
    ) -> R2ObjectBody | R2Object | None: ...

    def get(
        self, key: str, *, range: R2Range | None = None, only_if: R2Conditional | None = None
    ) -> R2ObjectBody | R2Object | None:
        """The object with its body (which streams: any size, in flat memory), ``None`` when there
        is none, or the object without a body (an ``R2Object``) when ``only_if`` failed."""
        check_r2_key("get", key)
        parameters: dict[str, Any] = {"binding": self.binding, "key": key}
        if range is not None:
            parameters["range"] = dict(range)
        if only_if is not None:
            parameters["onlyIf"] = conditional_wire(only_if)
        result, answer = self.client.open_stream("r2.getStream", parameters)
        if result["object"] is None or not result.get("body"):
            answer.close()
            return None if result["object"] is None else r2_object(result["object"])
        return R2ObjectBody(**object_fields(result["object"]), answer=answer)

    def put(
        self,
        key: str,
        value: Body | None,
        *,
        length: int | None = None,
        http_metadata: R2HTTPMetadata | None = None,
        custom_metadata: Mapping[str, str] | None = None,
        only_if: R2Conditional | None = None,
        md5: str | builtins.bytes | None = None,
        sha1: str | builtins.bytes | None = None,
        sha256: str | builtins.bytes | None = None,
        sha384: str | builtins.bytes | None = None,
        sha512: str | builtins.bytes | None = None,
        storage_class: str | None = None,
    ) -> R2Object | None:
        """Stores an object: bytes, text, a binary file or ``UploadFile`` (read as it is sent, never
        whole), or chunks (an iterator of bytes) of ``length`` bytes. The stored object's
        metadata, or ``None`` when ``only_if`` failed. Over 1 MiB it streams. One checksum at most
        (``md5`` … ``sha512``, hex or the digest's bytes): R2 checks the body against it."""
        checksums = checksums_wire({"md5": md5, "sha1": sha1, "sha256": sha256, "sha384": sha384, "sha512": sha512})
        options: dict[str, Any] = {"binding": self.binding, "key": key, **checksums}
        if http_metadata is not None:
            options["httpMetadata"] = http_metadata_wire(http_metadata)
        if custom_metadata is not None:
            options["customMetadata"] = dict(custom_metadata)
        if only_if is not None:
            options["onlyIf"] = conditional_wire(only_if)
        if storage_class is not None:
            options["storageClass"] = storage_class
        content, size = upload_of(b"" if value is None else value, length, "put")
        check_r2_put(key, size, custom_metadata)
        if isinstance(content, builtins.bytes) and size <= INLINE_BODY_MAX_BYTES:
            wire = self.client.call("r2.put", {**options, "body": value if isinstance(value, str) else content})
            return None if wire is None else r2_object(wire)
        with self.client.stream("r2.putStream", options, content, size) as (result, _):
            stored = result["object"]
        return None if stored is None else r2_object(stored)

    def delete(self, keys: str | Sequence[str]) -> None:
        """Deletes one key or up to 1,000; deleting one that does not exist is not an error."""
        self.client.r2_delete({"binding": self.binding, "keys": keys if isinstance(keys, str) else builtins.list(keys)})

    def create_multipart_upload(
        self, key: str, *, http_metadata: R2HTTPMetadata | None = None, custom_metadata: Mapping[str, str] | None = None
    ) -> R2MultipartUpload:
        """Starts an upload in parts (for objects over 5 GiB − 5 MiB, or sent in pieces)."""
        check_r2_put(key, None, custom_metadata)
        call: dict[str, Any] = {"binding": self.binding, "key": key}
        if http_metadata is not None:
            call["httpMetadata"] = http_metadata_wire(http_metadata)
        if custom_metadata is not None:
            call["customMetadata"] = dict(custom_metadata)
        created = self.client.call("r2.createMultipartUpload", call)
        return R2MultipartUpload(self, cast(str, created["key"]), cast(str, created["uploadId"]))

    def resume_multipart_upload(self, key: str, upload_id: str) -> R2MultipartUpload:
        """An upload started earlier (by its ``upload_id``); nothing is sent until a part is."""
        return R2MultipartUpload(self, key, upload_id)

    def list(
        self,
        *,
        prefix: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        delimiter: str | None = None,
        start_after: str | None = None,
        include: Sequence[str] | None = None,
    ) -> R2Objects:
        """One page of objects (``include=["http_metadata", "custom_metadata"]`` adds those)."""
        call: dict[str, Any] = {"binding": self.binding}
        for name, option in (
            ("prefix", prefix),
            ("limit", limit),
            ("cursor", cursor),
            ("delimiter", delimiter),
            ("startAfter", start_after),
            ("include", [camel(name) for name in include] if include is not None else None),
        ):
            if option is not None:
                call[name] = option
        page = self.client.call("r2.list", call)
        return R2Objects(
            objects=[r2_object(o) for o in page["objects"]],
            truncated=page["truncated"],
            cursor=page.get("cursor"),
            delimited_prefixes=page["delimitedPrefixes"],
        )
