"""env.DB and the db.* procedures against a live gateway (local D1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from binding_gateway import GatewayClient, GatewayEnv, GatewayError

ALL_BYTES = bytes(range(256))


async def make_table(env: GatewayEnv, unique: Callable[[str], str]) -> str:
    table = unique("t")
    await env.DB.exec(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT UNIQUE, data BLOB)")
    return table


async def test_all_returns_every_row_with_blobs_byte_exact(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    table = await make_table(env, unique)
    await env.DB.prepare(f"INSERT INTO {table} (name, data) VALUES (?, ?)").bind("a", ALL_BYTES).run()
    await env.DB.prepare(f"INSERT INTO {table} (name, data) VALUES (?, ?)").bind("b", b"").run()
    result = await env.DB.prepare(f"SELECT name, data FROM {table} ORDER BY id").all()
    assert result["success"] is True
    assert result["results"] == [{"name": "a", "data": ALL_BYTES}, {"name": "b", "data": b""}]
    assert result["meta"]["rows_read"] >= 2


async def test_first_gives_a_row_a_column_or_none(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    table = await make_table(env, unique)
    await env.DB.prepare(f"INSERT INTO {table} (id, name) VALUES (?, ?)").bind(7, "seven").run()
    statement = env.DB.prepare(f"SELECT id, name FROM {table} WHERE id = ?")
    assert await statement.bind(7).first() == {"id": 7, "name": "seven"}
    assert await statement.bind(7).first("name") == "seven"
    assert await statement.bind(8).first() is None


async def test_raw_gives_rows_as_lists_with_column_names_first_if_asked(env: GatewayEnv) -> None:
    statement = env.DB.prepare("SELECT 1 AS one, 'two' AS two, NULL AS three")
    assert await statement.raw() == [[1, "two", None]]
    assert await statement.raw(column_names=True) == [["one", "two", "three"], [1, "two", None]]


async def test_run_reports_changes_and_returns_rows_of_returning(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    table = await make_table(env, unique)
    result = await env.DB.prepare(f"INSERT INTO {table} (name) VALUES (?), (?)").bind("x", "y").run()
    assert result["meta"]["changes"] == 2
    assert result["meta"]["last_row_id"] == 2
    row = await env.DB.prepare(f"INSERT INTO {table} (name) VALUES (?) RETURNING id, name").bind("z").first()
    assert row == {"id": 3, "name": "z"}


async def test_binds_every_parameter_type(env: GatewayEnv) -> None:
    row = await env.DB.prepare("SELECT ? AS n, ? AS f, ? AS s, ? AS t, ? AS b, ? AS big, ? AS z").bind(
        None, 1.5, "é ✓", True, b"\x00\xff", 2**53 - 1, 0
    ).first()
    assert row == {"n": None, "f": 1.5, "s": "é ✓", "t": 1, "b": b"\x00\xff", "big": 2**53 - 1, "z": 0}


async def test_refuses_an_integer_beyond_2_to_the_53_with_bad_input(env: GatewayEnv) -> None:
    with pytest.raises(GatewayError) as caught:
        await env.DB.prepare("SELECT ? AS n").bind(2**60).first()
    assert caught.value.code == "BAD_INPUT"
    assert caught.value.http_status == 400


async def test_batch_is_one_transaction_and_a_failure_in_the_middle_keeps_nothing(
    env: GatewayEnv, unique: Callable[[str], str]
) -> None:
    table = await make_table(env, unique)
    insert = env.DB.prepare(f"INSERT INTO {table} (name) VALUES (?)")
    results = await env.DB.batch([insert.bind("a"), insert.bind("b"), env.DB.prepare(f"SELECT count(*) AS n FROM {table}")])
    assert [r["meta"]["changes"] for r in results[:2]] == [1, 1]
    assert results[2]["results"] == [{"n": 2}]
    with pytest.raises(GatewayError) as caught:
        await env.DB.batch([insert.bind("c"), insert.bind("a"), insert.bind("d")])
    assert caught.value.code == "CONSTRAINT"
    assert caught.value.http_status == 409
    assert not caught.value.retryable
    names = await env.DB.prepare(f"SELECT name FROM {table} ORDER BY name").raw()
    assert names == [["a"], ["b"]]


async def test_exec_runs_a_script_and_counts_its_statements(env: GatewayEnv, unique: Callable[[str], str]) -> None:
    table = unique("s")
    # D1's exec() takes one statement per line.
    result = await env.DB.exec(f"CREATE TABLE {table} (x);\nINSERT INTO {table} VALUES (1);\nINSERT INTO {table} VALUES (2);")
    assert result["count"] == 3
    assert await env.DB.prepare(f"SELECT sum(x) AS s FROM {table}").first("s") == 3


async def test_names_errors_by_code_sql_error_constraint_and_limit_exceeded(
    env: GatewayEnv, unique: Callable[[str], str]
) -> None:
    with pytest.raises(GatewayError) as caught:
        await env.DB.prepare("SELECT * FROM no_such_table").all()
    assert (caught.value.code, caught.value.http_status) == ("SQL_ERROR", 400)
    assert "no such table" in caught.value.message

    table = await make_table(env, unique)
    await env.DB.prepare(f"INSERT INTO {table} (name) VALUES ('once')").run()
    with pytest.raises(GatewayError) as caught:
        await env.DB.prepare(f"INSERT INTO {table} (name) VALUES ('once')").run()
    assert caught.value.code == "CONSTRAINT"

    with pytest.raises(GatewayError) as caught:
        await env.DB.prepare("SELECT " + ", ".join("?" * 101)).bind(*range(101)).all()
    assert (caught.value.code, caught.value.http_status) == ("LIMIT_EXCEEDED", 413)


async def test_a_result_over_the_answer_budget_is_limit_exceeded_telling_to_page(env: GatewayEnv) -> None:
    rows = "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r LIMIT 200000) SELECT i, printf('%0200d', i) AS pad FROM r"
    with pytest.raises(GatewayError) as caught:
        await env.DB.prepare(rows).all()
    assert (caught.value.code, caught.value.http_status) == ("LIMIT_EXCEEDED", 413)
    assert "page the query: LIMIT/OFFSET, or keyset" in caught.value.message
    page = await env.DB.prepare(rows + " LIMIT 100 OFFSET 100").all()
    assert [row["i"] for row in page["results"]][:2] == [101, 102]


async def test_the_typed_procedures_query_first_raw_and_run(gateway: GatewayClient, unique: Callable[[str], str]) -> None:
    table = unique("p")
    await gateway.db_exec({"sql": f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, v TEXT)"})
    run = await gateway.db_run({"sql": f"INSERT INTO {table} (v) VALUES (?)", "params": ["one"]})
    assert run["success"] is True and run["meta"]["changes"] == 1
    query = await gateway.db_query({"sql": f"SELECT * FROM {table}"})
    assert query["results"] == [{"id": 1, "v": "one"}]
    assert await gateway.db_first({"sql": f"SELECT v FROM {table}", "column": "v"}) == "one"
    assert await gateway.db_raw({"sql": f"SELECT * FROM {table}", "columnNames": True}) == [["id", "v"], [1, "one"]]
    batch = await gateway.db_batch({"statements": [{"sql": f"SELECT count(*) AS n FROM {table}"}]})
    assert batch[0]["results"] == [{"n": 1}]
    statement = await gateway.db_statement({"sql": f"SELECT v FROM {table}", "method": "first", "column": "v"})
    assert statement == "one"


async def test_a_read_procedure_refuses_a_write_with_read_only(gateway: GatewayClient, unique: Callable[[str], str]) -> None:
    with pytest.raises(GatewayError) as caught:
        await gateway.db_query({"sql": f"CREATE TABLE {unique('ro')} (x)"})
    assert (caught.value.code, caught.value.http_status, caught.value.path) == ("READ_ONLY", 400, "db.query")
