# Written by `npm run contract:schema` from shared/contract.schema.json; do not edit.
"""The gateway's contract for Python: its version, its error codes, every procedure's input and
output as a TypedDict, and `Procedures`, one typed method per procedure.

Bytes are `bytes`, Dates are timezone-aware `datetime`, bigints are `int` (the wire's superjson
annotations, decoded by `binding_gateway.wire`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal, NotRequired, TypedDict, cast

#: The contract's version; sent as `x-gateway-contract`, a gateway on another version refuses the call.
CONTRACT_VERSION: Final = "e65fcc0b8ec5dadd"

#: Every code a gateway error carries in `error.json.data.gatewayCode`.
GatewayCode = Literal["BAD_INPUT", "SQL_ERROR", "READ_ONLY", "CONSTRAINT", "NOT_FOUND", "METHOD_NOT_ALLOWED", "UNSUPPORTED_MEDIA_TYPE", "PRECONDITION_FAILED", "RANGE_NOT_SATISFIABLE", "LIMIT_EXCEEDED", "RATE_LIMITED", "UNAVAILABLE", "OVERLOADED", "TIMEOUT", "UNAUTHORIZED", "FORBIDDEN", "IDEMPOTENCY_MISMATCH", "RESULT_PENDING", "ALREADY_APPLIED", "VERSION_MISMATCH", "CANCELLED", "INTERNAL"]


class ErrorInfo(TypedDict):
    http_status: int
    retryable: bool


#: Each code's HTTP status, and whether the same call may be sent again as it is.
GATEWAY_ERRORS: Final[dict[str, ErrorInfo]] = {
    "BAD_INPUT": {"http_status": 400, "retryable": False},
    "SQL_ERROR": {"http_status": 400, "retryable": False},
    "READ_ONLY": {"http_status": 400, "retryable": False},
    "CONSTRAINT": {"http_status": 409, "retryable": False},
    "NOT_FOUND": {"http_status": 404, "retryable": False},
    "METHOD_NOT_ALLOWED": {"http_status": 405, "retryable": False},
    "UNSUPPORTED_MEDIA_TYPE": {"http_status": 415, "retryable": False},
    "PRECONDITION_FAILED": {"http_status": 412, "retryable": False},
    "RANGE_NOT_SATISFIABLE": {"http_status": 400, "retryable": False},
    "LIMIT_EXCEEDED": {"http_status": 413, "retryable": False},
    "RATE_LIMITED": {"http_status": 429, "retryable": True},
    "UNAVAILABLE": {"http_status": 503, "retryable": True},
    "OVERLOADED": {"http_status": 503, "retryable": False},
    "TIMEOUT": {"http_status": 408, "retryable": False},
    "UNAUTHORIZED": {"http_status": 401, "retryable": False},
    "FORBIDDEN": {"http_status": 403, "retryable": False},
    "IDEMPOTENCY_MISMATCH": {"http_status": 422, "retryable": False},
    "RESULT_PENDING": {"http_status": 409, "retryable": True},
    "ALREADY_APPLIED": {"http_status": 409, "retryable": False},
    "VERSION_MISMATCH": {"http_status": 412, "retryable": False},
    "CANCELLED": {"http_status": 499, "retryable": False},
    "INTERNAL": {"http_status": 500, "retryable": False},
}

#: The platform's and the gateway's limits (shared/limits.ts), in bytes, counts, ms and s as named.
LIMITS: Final[dict[str, int]] = {
    "CONTAINER_API_MAX_BODY_BYTES": 1048576,
    "D1_MAX_BATCH_STATEMENTS": 1000,
    "D1_MAX_BOUND_PARAMS": 100,
    "D1_MAX_QUERIES_PER_INVOCATION": 1000,
    "D1_MAX_QUERY_DURATION_MS": 30000,
    "D1_MAX_ROW_BYTES": 2000000,
    "D1_MAX_SQL_BYTES": 100000,
    "GATEWAY_MAX_ANSWER_INLINE_BYTES": 16777216,
    "GATEWAY_MAX_BATCH_SIZE": 25,
    "GATEWAY_MAX_DRAIN_BYTES": 67108864,
    "GATEWAY_MAX_JSON_DEPTH": 64,
    "GATEWAY_MAX_REQUEST_BYTES": 16777216,
    "INLINE_BODY_MAX_BYTES": 1048576,
    "KV_MAX_EXPIRATION_S": 2147483647,
    "KV_MAX_KEY_BYTES": 512,
    "KV_MAX_LIST_LIMIT": 1000,
    "KV_MAX_LIST_PREFIX_BYTES": 512,
    "KV_MAX_METADATA_BYTES": 1024,
    "KV_MAX_VALUE_BYTES": 26214400,
    "KV_MIN_CACHE_TTL_S": 30,
    "KV_MIN_EXPIRATION_TTL_S": 60,
    "R2_MAX_CUSTOM_METADATA_BYTES": 8192,
    "R2_MAX_DELETE_KEYS": 1000,
    "R2_MAX_HTTP_METADATA_BYTES": 8192,
    "R2_MAX_KEY_BYTES": 1024,
    "R2_MAX_LIST_LIMIT": 1000,
    "R2_MAX_MULTIPART_PART_BYTES": 5368709120,
    "R2_MAX_MULTIPART_PARTS": 10000,
    "R2_MAX_SINGLE_PUT_BYTES": 5363466240,
    "R2_MIN_MULTIPART_PART_BYTES": 5242880,
    "R2_MIN_RANGE_BYTES": 1,
    "STREAM_FRAME_MAX_BYTES": 262144,
    "WORKER_MAX_REQUEST_BODY_BYTES": 104857600,
    "WORKER_MAX_URL_BYTES": 16384,
}

#: The binding names the gateway serves, by kind; the first of each kind is the default.
BINDINGS: Final[dict[str, list[str]]] = {"d1":["DB","ARCHIVE"],"kv":["KV","CACHE"],"r2":["BUCKET"]}
D1BindingName = Literal["DB", "ARCHIVE"]
KvBindingName = Literal["KV", "CACHE"]
R2BindingName = Literal["BUCKET"]

#: Procedures that only read (tRPC queries): retried freely.
QUERIES: Final = frozenset({"db.query", "db.first", "db.raw", "kv.get", "kv.getWithMetadata", "kv.list", "r2.get", "r2.head", "r2.list", "gateway.info"})

#: Procedures that write (tRPC mutations).
MUTATIONS: Final = frozenset({"db.run", "db.batch", "db.statement", "db.exec", "kv.put", "kv.delete", "r2.put", "r2.delete", "r2.createMultipartUpload", "r2.completeMultipartUpload", "r2.abortMultipartUpload"})

#: Procedures that take an idempotency key (D1 writes): a client gives each call a fresh one.
KEYED: Final = frozenset({"db.run", "db.batch", "db.statement", "db.exec"})

#: Writes that leave the same state however often they run (KV puts, deletes, an R2 put without
#: `onlyIf`): retried without a key (docs/exactly-once.md).
IDEMPOTENT_WRITES: Final = frozenset({"kv.put", "kv.delete", "r2.put", "r2.delete", "r2.abortMultipartUpload"})

#: The stream calls, beside the procedures at `<gateway>/<name>`.
STREAM_CALLS: Final = frozenset({"r2.getStream", "r2.putStream", "r2.uploadPart", "kv.getStream", "kv.putStream"})


class D1MetaTimings(TypedDict):
    sql_duration_ms: float


class D1Meta(TypedDict):
    """`D1Meta` in the contract."""

    duration: float
    size_after: float
    rows_read: float
    rows_written: float
    last_row_id: float
    changed_db: bool
    changes: float
    served_by: NotRequired[str]
    served_by_region: NotRequired[str]
    served_by_primary: NotRequired[bool]
    timings: NotRequired[D1MetaTimings]


Row = dict[str, None | float | str | bytes]


class D1Result(TypedDict):
    """`D1Result` in the contract."""

    results: list[Row]
    success: Literal[True]
    meta: D1Meta


SqlParam = None | float | int | str | bool | bytes


class Statement(TypedDict):
    """`Statement` in the contract."""

    sql: str
    params: NotRequired[list[SqlParam]]


class DbBatchInput(TypedDict):
    statements: list[Statement]
    binding: NotRequired[Literal["DB", "ARCHIVE"]]
    idempotencyKey: NotRequired[str]


DbBatchOutput = list[D1Result]


class DbExecInput(TypedDict):
    sql: str
    binding: NotRequired[Literal["DB", "ARCHIVE"]]
    idempotencyKey: NotRequired[str]


class DbExecOutput(TypedDict):
    count: float
    duration: float


class DbFirstInput(TypedDict):
    sql: str
    params: NotRequired[list[SqlParam]]
    binding: NotRequired[Literal["DB", "ARCHIVE"]]
    column: NotRequired[str]


SqlValue = None | float | str | bytes


DbFirstOutput = Row | SqlValue


class DbQueryInput(TypedDict):
    sql: str
    params: NotRequired[list[SqlParam]]
    binding: NotRequired[Literal["DB", "ARCHIVE"]]


DbQueryOutput = D1Result


class DbRawInput(TypedDict):
    sql: str
    params: NotRequired[list[SqlParam]]
    binding: NotRequired[Literal["DB", "ARCHIVE"]]
    columnNames: NotRequired[bool]


RawRow = list[None | float | str | bytes]


DbRawOutput = list[RawRow]


class DbRunInput(TypedDict):
    sql: str
    params: NotRequired[list[SqlParam]]
    binding: NotRequired[Literal["DB", "ARCHIVE"]]
    idempotencyKey: NotRequired[str]


class DbRunOutput(TypedDict):
    success: Literal[True]
    meta: D1Meta


class DbStatementInput(TypedDict):
    sql: str
    params: NotRequired[list[SqlParam]]
    binding: NotRequired[Literal["DB", "ARCHIVE"]]
    method: Literal["all", "first", "raw", "run"]
    idempotencyKey: NotRequired[str]
    column: NotRequired[str]
    columnNames: NotRequired[bool]


DbStatementOutput = D1Result | list[RawRow] | Row | SqlValue


class GatewayInfoOutputBindings(TypedDict):
    d1: list[str]
    kv: list[str]
    r2: list[str]


class GatewayInfoOutputCaller(TypedDict):
    transport: Literal["outbound", "dev", "test"]
    id: str


class GatewayInfoOutput(TypedDict):
    contractVersion: str
    bindings: GatewayInfoOutputBindings
    caller: GatewayInfoOutputCaller


#: Any JSON value.
Json = Any


class KvDeleteInput(TypedDict):
    binding: NotRequired[Literal["KV", "CACHE"]]
    key: str


KvDeleteOutput = None


class KvGetInput(TypedDict):
    binding: NotRequired[Literal["KV", "CACHE"]]
    key: str
    type: NotRequired[Literal["text", "json", "bytes"]]
    cacheTtl: NotRequired[int]


KvGetOutput = bytes | Json | None


class KvGetStreamParameters(TypedDict):
    binding: NotRequired[Literal["KV", "CACHE"]]
    key: str
    cacheTtl: NotRequired[int]


class KvGetStreamResult(TypedDict):
    found: bool
    metadata: Json | None


class KvGetWithMetadataInput(TypedDict):
    binding: NotRequired[Literal["KV", "CACHE"]]
    key: str
    type: NotRequired[Literal["text", "json", "bytes"]]
    cacheTtl: NotRequired[int]


class KvGetWithMetadataOutput(TypedDict):
    value: bytes | Json | None
    metadata: Json | None


class KvListInput(TypedDict):
    binding: NotRequired[Literal["KV", "CACHE"]]
    prefix: NotRequired[str]
    limit: NotRequired[int]
    cursor: NotRequired[str]


class KvListKey(TypedDict):
    """`KvListKey` in the contract."""

    name: str
    expiration: NotRequired[float]
    metadata: NotRequired[Json]


class KvListOutput(TypedDict):
    keys: list[KvListKey]
    list_complete: bool
    cursor: NotRequired[str]


class KvPutInput(TypedDict):
    binding: NotRequired[Literal["KV", "CACHE"]]
    key: str
    value: str | bytes | Json
    expiration: NotRequired[int]
    expirationTtl: NotRequired[int]
    metadata: NotRequired[Json]


KvPutOutput = None


class KvPutStreamParameters(TypedDict):
    binding: NotRequired[Literal["KV", "CACHE"]]
    key: str
    expiration: NotRequired[int]
    expirationTtl: NotRequired[int]
    metadata: NotRequired[Json]


class KvPutStreamResult(TypedDict):
    stored: Literal[True]


class R2AbortMultipartUploadInput(TypedDict):
    binding: NotRequired[Literal["BUCKET"]]
    key: str
    uploadId: str


R2AbortMultipartUploadOutput = None


class R2UploadedPart(TypedDict):
    """`R2UploadedPart` in the contract."""

    partNumber: int
    etag: str


class R2CompleteMultipartUploadInput(TypedDict):
    binding: NotRequired[Literal["BUCKET"]]
    key: str
    uploadId: str
    parts: list[R2UploadedPart]


class R2HttpMetadata(TypedDict):
    """`R2HttpMetadata` in the contract."""

    contentType: NotRequired[str]
    contentLanguage: NotRequired[str]
    contentDisposition: NotRequired[str]
    contentEncoding: NotRequired[str]
    cacheControl: NotRequired[str]
    cacheExpiry: NotRequired[datetime]


class R2ObjectRange(TypedDict):
    offset: NotRequired[float]
    length: NotRequired[float]
    suffix: NotRequired[float]


class R2Object(TypedDict):
    """`R2Object` in the contract."""

    key: str
    version: str
    size: float
    etag: str
    httpEtag: str
    checksums: dict[str, str]
    uploaded: datetime
    httpMetadata: R2HttpMetadata
    customMetadata: dict[str, str]
    range: NotRequired[R2ObjectRange]
    storageClass: str


R2CompleteMultipartUploadOutput = R2Object


class R2HttpMetadataInput(TypedDict):
    """`R2HttpMetadata` in the contract."""

    contentType: NotRequired[str]
    contentLanguage: NotRequired[str]
    contentDisposition: NotRequired[str]
    contentEncoding: NotRequired[str]
    cacheControl: NotRequired[str]
    cacheExpiry: NotRequired[datetime]


class R2CreateMultipartUploadInput(TypedDict):
    binding: NotRequired[Literal["BUCKET"]]
    key: str
    httpMetadata: NotRequired[R2HttpMetadataInput]
    customMetadata: NotRequired[dict[str, str]]


class R2CreateMultipartUploadOutput(TypedDict):
    key: str
    uploadId: str


class R2DeleteInput(TypedDict):
    binding: NotRequired[Literal["BUCKET"]]
    keys: str | list[str]


R2DeleteOutput = None


class R2RangeOption0(TypedDict):
    offset: int
    length: NotRequired[int]


class R2RangeOption1(TypedDict):
    offset: NotRequired[int]
    length: int


class R2RangeOption2(TypedDict):
    suffix: int


R2Range = R2RangeOption0 | R2RangeOption1 | R2RangeOption2


class R2Conditional(TypedDict):
    """`R2Conditional` in the contract."""

    etagMatches: NotRequired[str]
    etagDoesNotMatch: NotRequired[str]
    uploadedBefore: NotRequired[datetime]
    uploadedAfter: NotRequired[datetime]
    secondsGranularity: NotRequired[bool]


class R2GetInput(TypedDict):
    binding: NotRequired[Literal["BUCKET"]]
    key: str
    range: NotRequired[R2Range]
    onlyIf: NotRequired[R2Conditional]


class R2ObjectBodyRange(TypedDict):
    offset: NotRequired[float]
    length: NotRequired[float]
    suffix: NotRequired[float]


class R2ObjectBody(TypedDict):
    """`R2ObjectBody` in the contract."""

    key: str
    version: str
    size: float
    etag: str
    httpEtag: str
    checksums: dict[str, str]
    uploaded: datetime
    httpMetadata: R2HttpMetadata
    customMetadata: dict[str, str]
    range: NotRequired[R2ObjectBodyRange]
    storageClass: str
    body: bytes


R2GetOutput = R2ObjectBody | R2Object | None


class R2GetStreamParameters(TypedDict):
    binding: NotRequired[Literal["BUCKET"]]
    key: str
    range: NotRequired[R2Range]
    onlyIf: NotRequired[R2Conditional]


class R2GetStreamResult(TypedDict):
    object: R2Object | None
    body: NotRequired[bool]


class R2HeadInput(TypedDict):
    binding: NotRequired[Literal["BUCKET"]]
    key: str


R2HeadOutput = R2Object | None


class R2ListInput(TypedDict):
    binding: NotRequired[Literal["BUCKET"]]
    prefix: NotRequired[str]
    limit: NotRequired[int]
    cursor: NotRequired[str]
    delimiter: NotRequired[str]
    startAfter: NotRequired[str]
    include: NotRequired[list[Literal["httpMetadata", "customMetadata"]]]


class R2ListOutput(TypedDict):
    objects: list[R2Object]
    truncated: bool
    cursor: NotRequired[str]
    delimitedPrefixes: list[str]


class R2PutInput(TypedDict):
    binding: NotRequired[Literal["BUCKET"]]
    key: str
    body: str | bytes
    httpMetadata: NotRequired[R2HttpMetadataInput]
    customMetadata: NotRequired[dict[str, str]]
    onlyIf: NotRequired[R2Conditional]
    md5: NotRequired[str]
    sha256: NotRequired[str]


R2PutOutput = R2Object | None


class R2PutStreamParameters(TypedDict):
    binding: NotRequired[Literal["BUCKET"]]
    key: str
    httpMetadata: NotRequired[R2HttpMetadataInput]
    customMetadata: NotRequired[dict[str, str]]
    onlyIf: NotRequired[R2Conditional]
    md5: NotRequired[str]
    sha256: NotRequired[str]


class R2PutStreamResult(TypedDict):
    object: R2Object | None


class R2UploadPartParameters(TypedDict):
    binding: NotRequired[Literal["BUCKET"]]
    key: str
    uploadId: str
    partNumber: int


class R2UploadPartResult(TypedDict):
    part: R2UploadedPart


class R2UploadedPartOutput(TypedDict):
    """`R2UploadedPart` in the contract."""

    partNumber: int
    etag: str


class Procedures:
    """Every procedure as a typed method; a subclass sends them (`_call`)."""

    async def _call(self, path: str, kind: Literal["query", "mutation"], input: Any) -> Any:
        raise NotImplementedError

    async def db_query(self, input: DbQueryInput) -> DbQueryOutput:
        """`db.query`, a query."""
        return cast("DbQueryOutput", await self._call("db.query", "query", input))

    async def db_first(self, input: DbFirstInput) -> DbFirstOutput:
        """`db.first`, a query."""
        return cast("DbFirstOutput", await self._call("db.first", "query", input))

    async def db_raw(self, input: DbRawInput) -> DbRawOutput:
        """`db.raw`, a query."""
        return cast("DbRawOutput", await self._call("db.raw", "query", input))

    async def db_run(self, input: DbRunInput) -> DbRunOutput:
        """`db.run`, a mutation."""
        return cast("DbRunOutput", await self._call("db.run", "mutation", input))

    async def db_batch(self, input: DbBatchInput) -> DbBatchOutput:
        """`db.batch`, a mutation."""
        return cast("DbBatchOutput", await self._call("db.batch", "mutation", input))

    async def db_statement(self, input: DbStatementInput) -> DbStatementOutput:
        """`db.statement`, a mutation."""
        return cast("DbStatementOutput", await self._call("db.statement", "mutation", input))

    async def db_exec(self, input: DbExecInput) -> DbExecOutput:
        """`db.exec`, a mutation."""
        return cast("DbExecOutput", await self._call("db.exec", "mutation", input))

    async def kv_get(self, input: KvGetInput) -> KvGetOutput:
        """`kv.get`, a query."""
        return cast("KvGetOutput", await self._call("kv.get", "query", input))

    async def kv_get_with_metadata(self, input: KvGetWithMetadataInput) -> KvGetWithMetadataOutput:
        """`kv.getWithMetadata`, a query."""
        return cast("KvGetWithMetadataOutput", await self._call("kv.getWithMetadata", "query", input))

    async def kv_put(self, input: KvPutInput) -> None:
        """`kv.put`, a mutation."""
        await self._call("kv.put", "mutation", input)

    async def kv_delete(self, input: KvDeleteInput) -> None:
        """`kv.delete`, a mutation."""
        await self._call("kv.delete", "mutation", input)

    async def kv_list(self, input: KvListInput) -> KvListOutput:
        """`kv.list`, a query."""
        return cast("KvListOutput", await self._call("kv.list", "query", input))

    async def r2_get(self, input: R2GetInput) -> R2GetOutput:
        """`r2.get`, a query."""
        return cast("R2GetOutput", await self._call("r2.get", "query", input))

    async def r2_head(self, input: R2HeadInput) -> R2HeadOutput:
        """`r2.head`, a query."""
        return cast("R2HeadOutput", await self._call("r2.head", "query", input))

    async def r2_put(self, input: R2PutInput) -> R2PutOutput:
        """`r2.put`, a mutation."""
        return cast("R2PutOutput", await self._call("r2.put", "mutation", input))

    async def r2_delete(self, input: R2DeleteInput) -> None:
        """`r2.delete`, a mutation."""
        await self._call("r2.delete", "mutation", input)

    async def r2_create_multipart_upload(self, input: R2CreateMultipartUploadInput) -> R2CreateMultipartUploadOutput:
        """`r2.createMultipartUpload`, a mutation."""
        return cast("R2CreateMultipartUploadOutput", await self._call("r2.createMultipartUpload", "mutation", input))

    async def r2_complete_multipart_upload(self, input: R2CompleteMultipartUploadInput) -> R2CompleteMultipartUploadOutput:
        """`r2.completeMultipartUpload`, a mutation."""
        return cast("R2CompleteMultipartUploadOutput", await self._call("r2.completeMultipartUpload", "mutation", input))

    async def r2_abort_multipart_upload(self, input: R2AbortMultipartUploadInput) -> None:
        """`r2.abortMultipartUpload`, a mutation."""
        await self._call("r2.abortMultipartUpload", "mutation", input)

    async def r2_list(self, input: R2ListInput) -> R2ListOutput:
        """`r2.list`, a query."""
        return cast("R2ListOutput", await self._call("r2.list", "query", input))

    async def gateway_info(self) -> GatewayInfoOutput:
        """`gateway.info`, a query."""
        return cast("GatewayInfoOutput", await self._call("gateway.info", "query", None))
