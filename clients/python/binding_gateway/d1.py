"""``env.DB``: D1 as a Worker sees it, over the gateway, named the Python way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, cast, overload

from .contract import D1BindingName, D1Result, DbExecOutput, DbStatementInput, Row, SqlParam, SqlValue, Statement

if TYPE_CHECKING:
    from .client import GatewayClient


class D1PreparedStatement:
    """A statement and its bound parameters; nothing runs until ``all``, ``first``, ``raw`` or ``run``.

    Each method goes as ``db.statement``: the gateway judges the SQL (one statement only), runs a
    read as a read and a write once per idempotency key (a fresh one per call, the same on retries).
    """

    def __init__(self, database: D1Database, sql: str, params: Sequence[SqlParam] = ()) -> None:
        self.database = database
        self.sql = sql
        self.params: list[SqlParam] = list(params)

    def bind(self, *params: SqlParam) -> D1PreparedStatement:
        """The same statement with these parameters: ``None``, ``int``, ``float``, ``str``, ``bool``
        or ``bytes`` (an ``int`` beyond ±2^53 is refused by D1 with ``BAD_INPUT``)."""
        return D1PreparedStatement(self.database, self.sql, params)

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
        return await self.database.client.db_statement(call)

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
        for index, statement in enumerate(statements):
            if statement.database is not self:
                raise TypeError(f"statements[{index}] was not prepared on this database ({self.binding})")
        return await self.client.db_batch({"statements": [s._statement() for s in statements], "binding": self.binding})

    async def exec(self, sql: str) -> DbExecOutput:
        """Runs a script, one statement per line, without parameters: ``{count, duration}``."""
        return await self.client.db_exec({"sql": sql, "binding": self.binding})
