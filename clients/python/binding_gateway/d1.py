"""``env.DB``: D1 as a Worker sees it, over the gateway, named the Python way."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, cast, overload

from .client import D1SessionState, GatewayClient
from .contract import D1BindingName, D1Result, DbExecOutput, DbStatementInput, Row, SqlParam, SqlValue, Statement
from .errors import GatewayError, GatewayInputError

#: Where a session's first query may run: anywhere (the default), or on the primary.
D1SessionConstraint = Literal["first-unconstrained", "first-primary"]


def _param(value: object) -> SqlParam:
    """A ``bind()`` value as D1's own ``bind()`` takes it: a float JSON cannot hold (NaN, ±infinity) as
    ``None``, as D1 binds it; bytes-like as bytes; anything else refused at once in D1's words."""
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise GatewayInputError(f"D1_TYPE_ERROR: Type '{type(value).__name__}' not supported for value '{value!r}'")


class D1PreparedStatement:
    """A statement and its bound parameters; nothing runs until ``all``, ``first``, ``raw`` or ``run``.

    Each method goes as ``db.statement``: the gateway judges the SQL (one statement only), runs a
    read as a read and a write once per idempotency key (a fresh one per call, the same on retries).
    """

    def __init__(
        self, database: D1Database, sql: str, params: Sequence[SqlParam] = (), session: D1SessionState | None = None
    ) -> None:
        self.database = database
        self.sql = sql
        self.params: list[SqlParam] = list(params)
        self.session = session

    def bind(self, *params: SqlParam) -> D1PreparedStatement:
        """The same statement with these parameters: ``None``, ``int``, ``float``, ``str``, ``bool``
        or ``bytes`` (an ``int`` beyond ±2^53 is refused by D1 with ``BAD_INPUT``)."""
        return D1PreparedStatement(self.database, self.sql, [_param(p) for p in params], self.session)

    def _statement(self) -> Statement:
        return {"sql": self.sql, "params": self.params}

    async def _run(
        self, method: Literal["all", "first", "raw", "run"], column: str | None = None, column_names: bool = False
    ) -> object:
        call: DbStatementInput = {
            "sql": self.sql,
            "params": self.params,
            "binding": self.database.binding,
            "method": method,
        }
        if column is not None:
            call["column"] = column
        if column_names:
            call["columnNames"] = True
        return await self.database.client.call("db.statement", call, session=self.session)

    async def all(self) -> D1Result:
        """Every row: ``{"results": [...], "success": True, "meta": {...}}``. BLOBs are ``bytes``."""
        return cast(D1Result, await self._run("all"))

    @overload
    async def first(self) -> Row | None: ...

    @overload
    async def first(self, column: str) -> SqlValue: ...

    async def first(self, column: str | None = None) -> Row | SqlValue:
        """The first row (``None`` when there is none), or one column of it."""
        if column is None:
            return cast("Row | None", await self._run("first"))
        return cast(SqlValue, await self._run("first", column=column))

    async def raw(self, *, column_names: bool = False) -> list[list[SqlValue]]:
        """The rows as lists; with ``column_names=True`` the first list is the column names."""
        return cast("list[list[SqlValue]]", await self._run("raw", column_names=column_names))

    async def run(self) -> D1Result:
        """Runs the statement (a write, usually): ``meta`` holds ``changes``, ``last_row_id``, ..."""
        return cast(D1Result, await self._run("run"))


async def _batch(
    database: D1Database, session: D1SessionState | None, statements: Sequence[D1PreparedStatement]
) -> list[D1Result]:
    for index, statement in enumerate(statements):
        if statement.database is not database or statement.session is not session:
            where = "this session" if session is not None else f"this database ({database.binding})"
            raise GatewayInputError(f"statements[{index}] was not prepared on {where}")
    call = {"statements": [s._statement() for s in statements], "binding": database.binding}
    return cast("list[D1Result]", await database.client.call("db.batch", call, session=session))


class D1DatabaseSession:
    """``env.DB.with_session()``: calls that see each other's writes (sequential consistency), in
    order, wherever D1 serves them. ``get_bookmark()`` gives the latest bookmark, to start another
    session (in another request) where this one ended."""

    def __init__(self, database: D1Database, constraint_or_bookmark: str) -> None:
        self.database = database
        self._state = D1SessionState(constraint_or_bookmark)

    def prepare(self, sql: str) -> D1PreparedStatement:
        return D1PreparedStatement(self.database, sql, (), self._state)

    async def batch(self, statements: Sequence[D1PreparedStatement]) -> list[D1Result]:
        """Runs the statements in one transaction, in this session."""
        return await _batch(self.database, self._state, statements)

    def get_bookmark(self) -> str | None:
        """The session's latest bookmark; ``None`` before its first answer."""
        return self._state.bookmark


class D1Database:
    """``env.DB``.

    Example::

        user = await env.DB.prepare("SELECT * FROM users WHERE email = ?").bind(email).first()
    """

    def __init__(self, client: GatewayClient, binding: D1BindingName = "DB") -> None:
        self.client = client
        self.binding = binding

    def prepare(self, sql: str) -> D1PreparedStatement:
        return D1PreparedStatement(self, sql)

    async def batch(self, statements: Sequence[D1PreparedStatement]) -> list[D1Result]:
        """Runs the statements in one transaction: if one fails, none of them stays."""
        return await _batch(self, None, statements)

    async def exec(self, sql: str) -> DbExecOutput:
        """Runs a script, one statement per line, without parameters: ``{count, duration}``."""
        return await self.client.db_exec({"sql": sql, "binding": self.binding})

    def with_session(self, constraint_or_bookmark: D1SessionConstraint | str = "first-unconstrained") -> D1DatabaseSession:
        """A session (D1 read replication): ``"first-unconstrained"`` (the default),
        ``"first-primary"``, or a bookmark from ``get_bookmark()``."""
        return D1DatabaseSession(self, constraint_or_bookmark)

    async def dump(self) -> bytes:
        """Not served: D1 deprecated ``dump()``; export with ``wrangler d1 export`` instead."""
        raise GatewayError("NOT_FOUND", "dump() is deprecated by D1 and not served by the gateway")
