import { describe } from 'vitest';
import { c, ERRORS, FOREIGN, PREPARED, RESULT, SQL, SUITE, seeded, TYPES } from './d1-cases.ts';
import { type Bindings, type ParityCase, parity } from './harness.ts';

// D1 statements: the same bodies on env.DB and through the gateway (batch, exec, sessions:
// d1-batch.test.ts).

const bound = (value: unknown) => (b: Bindings) =>
  b.DB.prepare('SELECT ? AS v, typeof(?1) AS t').bind(value).first();

const cases: ParityCase[] = [
  c('all() gives every row and the meta', SUITE, async (b, n) =>
    (await seeded(b, n.table)).prepare(`SELECT * FROM ${n.table} ORDER BY id`).all(),
  ),
  c('first() gives the first row', SUITE, async (b, n) =>
    (await seeded(b, n.table)).prepare(`SELECT * FROM ${n.table} ORDER BY id`).first(),
  ),
  c('first(column) gives one value', SUITE, async (b, n) =>
    (await seeded(b, n.table)).prepare(`SELECT * FROM ${n.table} ORDER BY id`).first('name'),
  ),
  c('first() of no rows is null', PREPARED, async (b, n) =>
    (await seeded(b, n.table)).prepare(`SELECT * FROM ${n.table} WHERE id = 99`).first(),
  ),
  c('first(column) of no rows is null', PREPARED, async (b, n) =>
    (await seeded(b, n.table)).prepare(`SELECT * FROM ${n.table} WHERE id = 99`).first('id'),
  ),
  c('first() of a missing column throws', SUITE, async (b, n) =>
    (await seeded(b, n.table)).prepare(`SELECT * FROM ${n.table}`).first('nope'),
  ),
  c('raw() gives arrays', SUITE, async (b, n) =>
    (await seeded(b, n.table)).prepare(`SELECT * FROM ${n.table} ORDER BY id`).raw(),
  ),
  c('raw({ columnNames: true }) gives the names first', SUITE, async (b, n) =>
    (await seeded(b, n.table))
      .prepare(`SELECT id, name FROM ${n.table} ORDER BY id`)
      .raw({ columnNames: true }),
  ),
  c('raw() keeps duplicate column names', PREPARED, (b) =>
    b.DB.prepare('SELECT 1 AS a, 2 AS a').raw({ columnNames: true }),
  ),
  c('all() with duplicate column names keeps the last', PREPARED, (b) =>
    b.DB.prepare('SELECT 1 AS a, 2 AS a').all(),
  ),
  c('raw() of no rows is empty', PREPARED, async (b, n) =>
    (await seeded(b, n.table)).prepare(`SELECT * FROM ${n.table} WHERE id = 99`).raw(),
  ),
  c('raw({ columnNames: true }) of no rows gives the names', PREPARED, async (b, n) =>
    (await seeded(b, n.table)).prepare(`SELECT id FROM ${n.table} WHERE id = 99`).raw({ columnNames: true }),
  ),
  c('run() of an INSERT gives its meta', SUITE, async (b, n) =>
    (await seeded(b, n.table)).prepare(`INSERT INTO ${n.table} (name) VALUES (?)`).bind('four').run(),
  ),
  c('run() of an UPDATE counts changes', RESULT, async (b, n) =>
    (await seeded(b, n.table)).prepare(`UPDATE ${n.table} SET score = score + 1`).run(),
  ),
  c('run() of a DELETE counts changes', RESULT, async (b, n) =>
    (await seeded(b, n.table)).prepare(`DELETE FROM ${n.table} WHERE id > 1`).run(),
  ),
  c('run() of a SELECT gives its rows', RESULT, async (b, n) =>
    (await seeded(b, n.table)).prepare(`SELECT id FROM ${n.table} ORDER BY id`).run(),
  ),
  c('run() of CREATE TABLE', SQL, (b, n) => b.DB.prepare(`CREATE TABLE ${n.table} (a)`).run()),
  c('all() of an INSERT … RETURNING', SUITE, async (b, n) =>
    (await seeded(b, n.table)).prepare(`INSERT INTO ${n.table} (name) VALUES ('r') RETURNING id, name`).all(),
  ),
  c('first() of an UPDATE … RETURNING', SUITE, async (b, n) =>
    (await seeded(b, n.table)).prepare(`UPDATE ${n.table} SET name = 'ONE' WHERE id = 1 RETURNING *`).first(),
  ),
  c('raw() of a DELETE … RETURNING', SUITE, async (b, n) =>
    (await seeded(b, n.table)).prepare(`DELETE FROM ${n.table} WHERE id = 2 RETURNING id`).raw(),
  ),
  c('raw() of an INSERT without RETURNING', PREPARED, async (b, n) =>
    (await seeded(b, n.table)).prepare(`INSERT INTO ${n.table} (name) VALUES ('x')`).raw(),
  ),
  c('a write through first() is made', PREPARED, async (b, n) => {
    const db = await seeded(b, n.table);
    await db.prepare(`INSERT INTO ${n.table} (name) VALUES ('w')`).first();
    return db.prepare(`SELECT count(*) AS n FROM ${n.table}`).first('n');
  }),
  c('bind() of a string', TYPES, bound('hello')),
  c('bind() of an integer', TYPES, bound(42)),
  c('bind() of a float', TYPES, bound(1.25)),
  c('bind() of a negative number', TYPES, bound(-7)),
  c('bind() of 2^53', TYPES, bound(2 ** 53)),
  c('bind() of -0', TYPES, bound(-0)),
  c('bind() of NaN', TYPES, bound(Number.NaN)),
  c('bind() of Infinity', TYPES, bound(Number.POSITIVE_INFINITY)),
  c('bind() of null', TYPES, bound(null)),
  c('bind() of true', TYPES, bound(true)),
  c('bind() of false', TYPES, bound(false)),
  c('bind() of an empty string', TYPES, bound('')),
  c('bind() of unicode text', TYPES, bound('wörld 🌍 \u0000 end')),
  c('bind() of a Uint8Array', TYPES, bound(new Uint8Array([1, 2, 255]))),
  c('bind() of an empty Uint8Array', TYPES, bound(new Uint8Array(0))),
  c('bind() of an ArrayBuffer', TYPES, bound(new Uint8Array([9, 8]).buffer)),
  c('bind() of a number[] is a BLOB', TYPES, bound([1, 2, 3])),
  c('bind() of an empty array', TYPES, bound([])),
  c('bind() of a bigint', TYPES, bound(10n)),
  c('bind() of undefined throws', TYPES, bound(undefined)),
  c('bind() of an object throws', TYPES, bound({ a: 1 })),
  c('bind() of a Date throws', TYPES, bound(new Date(0))),
  c('bind() of a symbol throws', TYPES, bound(Symbol('s'))),
  c(
    'bind() of a function throws',
    TYPES,
    bound(() => 1),
  ),
  c('bind() of numbered parameters', PREPARED, (b) =>
    b.DB.prepare('SELECT ?2 AS b, ?1 AS a').bind('a', 'b').first(),
  ),
  c('bind() of too few parameters', ERRORS, (b) => b.DB.prepare('SELECT ? AS a, ? AS b').bind(1).first()),
  c('bind() of too many parameters', ERRORS, (b) => b.DB.prepare('SELECT ? AS a').bind(1, 2).first()),
  c('bind() of no parameters for one', ERRORS, (b) => b.DB.prepare('SELECT ? AS a').first()),
  c('bind() again replaces the parameters', PREPARED, async (b) => {
    const statement = b.DB.prepare('SELECT ? AS a');
    return [await statement.bind(1).first(), await statement.bind(2).first()];
  }),
  c('bind() of 100 parameters', ERRORS, (b) =>
    b.DB.prepare(`SELECT ${Array(100).fill('?').join(' + ')} AS s`)
      .bind(...Array(100).fill(1))
      .first('s'),
  ),
  c('bind() of 101 parameters', ERRORS, (b) =>
    b.DB.prepare(`SELECT ${Array(101).fill('?').join(', ')}`)
      .bind(...Array(101).fill(1))
      .raw(),
  ),
  c('a statement over 100 KB', ERRORS, (b) =>
    b.DB.prepare(`SELECT '${'x'.repeat(100_001)}' AS s`).first('s'),
  ),
  c('a BLOB comes back as number[]', TYPES, (b) =>
    b.DB.prepare("SELECT x'0102ff' AS blob, zeroblob(2) AS z").first(),
  ),
  c('an empty BLOB comes back as []', TYPES, (b) => b.DB.prepare("SELECT x'' AS blob").raw()),
  c('a large integer comes back as a number', TYPES, (b) =>
    b.DB.prepare('SELECT 9007199254740993 AS big, -9223372036854775808 AS min').first(),
  ),
  c('REAL, TEXT and NULL come back typed', TYPES, (b) =>
    b.DB.prepare("SELECT 1.0 AS r, '1' AS t, NULL AS n, 1e308 * 10 AS inf").first(),
  ),
  c('JSON functions give text', SQL, (b) =>
    b.DB.prepare("SELECT json_object('a', 1, 'b', json_array(1, 2)) AS j").first(),
  ),
  c('a UNIQUE violation throws', ERRORS, async (b, n) =>
    (await seeded(b, n.table)).prepare(`INSERT INTO ${n.table} (name) VALUES ('one')`).run(),
  ),
  c('a NOT NULL violation throws', ERRORS, async (b, n) =>
    (await seeded(b, n.table)).prepare(`INSERT INTO ${n.table} (name) VALUES (NULL)`).run(),
  ),
  c('a CHECK violation throws', ERRORS, async (b, n) => {
    await b.DB.prepare(`CREATE TABLE ${n.table} (a INTEGER CHECK (a > 0))`).run();
    return b.DB.prepare(`INSERT INTO ${n.table} VALUES (0)`).run();
  }),
  c('a FOREIGN KEY violation throws', FOREIGN, async (b, n) => {
    await b.DB.prepare(`CREATE TABLE ${n.table} (id INTEGER PRIMARY KEY)`).run();
    await b.DB.prepare(`CREATE TABLE ${n.table}_c (p INTEGER REFERENCES ${n.table}(id))`).run();
    return b.DB.prepare(`INSERT INTO ${n.table}_c VALUES (5)`).run();
  }),
  c('a syntax error throws', ERRORS, (b) => b.DB.prepare('SELEC 1').all()),
  c('a missing table throws', ERRORS, (b, n) => b.DB.prepare(`SELECT * FROM ${n.table}`).all()),
  c('a missing column throws', ERRORS, async (b, n) =>
    (await seeded(b, n.table)).prepare(`SELECT nope FROM ${n.table}`).all(),
  ),
  c('an empty statement throws', ERRORS, (b) => b.DB.prepare('').all()),
  c('a statement of a comment only throws', ERRORS, (b) => b.DB.prepare('-- nothing').all()),
  c('several statements through first() answer the last', SUITE, (b, n) =>
    b.DB.prepare(`SELECT 1 AS a; SELECT 2 AS b /* ${n.id} */`).first(),
  ),
  c('several statements through all() answer the last', SUITE, (b, n) =>
    b.DB.prepare(`SELECT 1 AS a; SELECT 2 AS b /* ${n.id} */`).all(),
  ),
  c('several statements through raw() answer the last', SUITE, (b, n) =>
    b.DB.prepare(`SELECT 1 AS a; SELECT 2 AS b /* ${n.id} */`).raw(),
  ),
  c('several statements through run() write them all', SUITE, async (b, n) => {
    await b.DB.prepare(
      `CREATE TABLE ${n.table} (a); INSERT INTO ${n.table} VALUES (1); INSERT INTO ${n.table} VALUES (2)`,
    ).run();
    return b.DB.prepare(`SELECT a FROM ${n.table} ORDER BY a`).raw();
  }),
  c('a write then a read in one statement answers the read', SUITE, async (b, n) => {
    const db = await seeded(b, n.table);
    return db
      .prepare(`INSERT INTO ${n.table} (name) VALUES ('m'); SELECT count(*) AS n FROM ${n.table}`)
      .all();
  }),
  c('a trailing semicolon is one statement', SQL, (b) => b.DB.prepare('SELECT 1 AS a;').all()),
  c('a CREATE TRIGGER with BEGIN … END runs', SQL, async (b, n) => {
    await b.DB.prepare(`CREATE TABLE ${n.table} (a); CREATE TABLE ${n.table}_log (a)`).run();
    await b.DB.prepare(
      `CREATE TRIGGER ${n.table}_t AFTER INSERT ON ${n.table} BEGIN INSERT INTO ${n.table}_log VALUES (new.a * 10); END`,
    ).run();
    await b.DB.prepare(`INSERT INTO ${n.table} VALUES (?)`).bind(4).run();
    return b.DB.prepare(`SELECT a FROM ${n.table}_log`).raw();
  }),
  c('a CTE reads', SQL, (b) =>
    b.DB.prepare(
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT i FROM n',
    ).raw(),
  ),
  c('PRAGMA table_info reads', SQL, async (b, n) =>
    (await seeded(b, n.table)).prepare(`PRAGMA table_info(${n.table})`).all(),
  ),
  c('sqlite_master lists a table', SQL, async (b, n) =>
    (await seeded(b, n.table))
      .prepare('SELECT name, type FROM sqlite_master WHERE name = ?')
      .bind(n.table)
      .raw(),
  ),
  c('a statement reused after a failure', PREPARED, async (b, n) => {
    const db = await seeded(b, n.table);
    const statement = db.prepare(`INSERT INTO ${n.table} (name) VALUES (?)`);
    const failed = await statement
      .bind('one')
      .run()
      .then(
        () => 'ok',
        (e: Error) => e.message,
      );
    return [failed, (await statement.bind('fresh').run()).meta.changes];
  }),
  c('a long string round-trips', TYPES, (b) =>
    b.DB.prepare('SELECT length(?) AS n, ? = ?1 AS same').bind('x'.repeat(100_000)).first(),
  ),
  c('an ORDER BY over mixed types', SQL, (b) =>
    b.DB.prepare(
      "SELECT v FROM (SELECT 2 AS v UNION ALL SELECT 'a' UNION ALL SELECT NULL UNION ALL SELECT x'00' UNION ALL SELECT 1.5) ORDER BY v",
    ).raw(),
  ),
  c('column names as written', PREPARED, (b) =>
    b.DB.prepare('SELECT 1 AS "Mixed Case", 2 AS "dotted.name", 3').first(),
  ),
];

describe('D1 parity', () => parity('D1', cases));
