import { describe } from 'vitest';
import { c, DATABASE, SESSIONS, SQL, seeded } from './d1-cases.ts';
import { type ParityCase, parity } from './harness.ts';

// D1 batches, scripts (exec) and sessions: the same bodies on env.DB and through the gateway.

const cases: ParityCase[] = [
  c('exec() runs one statement', DATABASE, (b, n) =>
    b.DB.exec(`CREATE TABLE ${n.table} (a)`).then((r) => r.count),
  ),
  c('exec() runs several lines', DATABASE, async (b, n) => {
    const result = await b.DB.exec(
      `CREATE TABLE ${n.table} (a)\nINSERT INTO ${n.table} VALUES (1)\nINSERT INTO ${n.table} VALUES (2)`,
    );
    return [result.count, await b.DB.prepare(`SELECT count(*) AS n FROM ${n.table}`).first('n')];
  }),
  c('exec() of bad SQL throws', DATABASE, (b) => b.DB.exec('NOT SQL')),
  c('exec() that fails on line 2 names it', DATABASE, (b, n) =>
    b.DB.exec(`CREATE TABLE ${n.table} (a)\nINSERT INTO ${n.table}_missing VALUES (1)`),
  ),
  c('exec() that fails on line 2 keeps line 1', DATABASE, async (b, n) => {
    await b.DB.exec(`CREATE TABLE ${n.table} (a)\nNOT SQL`).catch(() => undefined);
    return b.DB.prepare('SELECT count(*) AS n FROM sqlite_master WHERE name = ?').bind(n.table).first('n');
  }),
  c('exec() of an empty string throws', DATABASE, (b) => b.DB.exec('')),
  c('exec() of a missing table throws', DATABASE, (b, n) => b.DB.exec(`INSERT INTO ${n.table} VALUES (1)`)),
  c('batch() answers each statement', DATABASE, async (b, n) => {
    const db = await seeded(b, n.table);
    return db.batch([
      db.prepare(`INSERT INTO ${n.table} (name) VALUES (?)`).bind('b1'),
      db.prepare(`UPDATE ${n.table} SET score = 9 WHERE name = ?`).bind('b1'),
      db.prepare(`SELECT name, score FROM ${n.table} WHERE score = 9`),
    ]);
  }),
  c('batch() of reads only', DATABASE, async (b, n) => {
    const db = await seeded(b, n.table);
    return db.batch([db.prepare(`SELECT id FROM ${n.table} WHERE id = 1`), db.prepare('SELECT 2 AS two')]);
  }),
  c('batch() rolls back when a statement fails', DATABASE, async (b, n) => {
    const db = await seeded(b, n.table);
    const failed = await db
      .batch([
        db.prepare(`INSERT INTO ${n.table} (name) VALUES ('x1')`),
        db.prepare(`INSERT INTO ${n.table} (name) VALUES ('one')`),
      ])
      .then(
        () => 'ok',
        (error: Error) => [error.constructor.name, error.message],
      );
    return [failed, await db.prepare(`SELECT count(*) AS n FROM ${n.table}`).first('n')];
  }),
  c('batch() of no statements', DATABASE, (b) => b.DB.batch([])),
  c('batch() with a syntax error throws', DATABASE, (b) =>
    b.DB.batch([b.DB.prepare('SELECT 1'), b.DB.prepare('SELEC 2')]),
  ),
  c('batch() with RETURNING', DATABASE, async (b, n) => {
    const db = await seeded(b, n.table);
    return db.batch([db.prepare(`DELETE FROM ${n.table} WHERE id = 1 RETURNING name`)]);
  }),
  c('batch() with a BLOB parameter', DATABASE, async (b, n) => {
    const db = await seeded(b, n.table);
    return db.batch([
      db.prepare(`INSERT INTO ${n.table} (name, buf) VALUES ('blob', ?)`).bind(new Uint8Array([7, 7])),
      db.prepare(`SELECT buf FROM ${n.table} WHERE name = 'blob'`),
    ]);
  }),
  c('batch() with a CREATE TRIGGER', SQL, async (b, n) => {
    const db = b.DB;
    const results = await db.batch([
      db.prepare(`CREATE TABLE ${n.table} (a)`),
      db.prepare(
        `CREATE TRIGGER ${n.table}_t BEFORE INSERT ON ${n.table} BEGIN SELECT RAISE(ABORT, 'no'); END`,
      ),
      db.prepare(`SELECT count(*) AS n FROM ${n.table}`),
    ]);
    // Without meta.changed_db: local D1 gives the CREATE TRIGGER true or false from run to run.
    return results.map(({ meta: { changed_db: _, ...meta }, ...result }) => ({ ...result, meta }));
  }),
  c('a trigger RAISE throws', SQL, async (b, n) => {
    await b.DB.prepare(`CREATE TABLE ${n.table} (a)`).run();
    await b.DB.prepare(
      `CREATE TRIGGER ${n.table}_t BEFORE INSERT ON ${n.table} BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END`,
    ).run();
    return b.DB.prepare(`INSERT INTO ${n.table} VALUES (1)`).run();
  }),
  c('withSession() reads', SESSIONS, async (b, n) => {
    await seeded(b, n.table);
    return b.DB.withSession().prepare(`SELECT name FROM ${n.table} ORDER BY id`).raw();
  }),
  c('withSession("first-primary") writes then reads', SESSIONS, async (b, n) => {
    await seeded(b, n.table);
    const session = b.DB.withSession('first-primary');
    await session.prepare(`INSERT INTO ${n.table} (name) VALUES ('s')`).run();
    return session.prepare(`SELECT count(*) AS n FROM ${n.table}`).first('n');
  }),
  c('withSession() has no bookmark before a query', SESSIONS, async (b) => b.DB.withSession().getBookmark()),
  c('withSession() has a bookmark after a query', SESSIONS, async (b) => {
    const session = b.DB.withSession();
    await session.prepare('SELECT 1').run();
    return typeof session.getBookmark();
  }),
  c('withSession() batch', SESSIONS, async (b) => {
    const session = b.DB.withSession('first-unconstrained');
    return session.batch([session.prepare('SELECT 1 AS a'), session.prepare('SELECT 2 AS b')]);
  }),
  c('withSession(bookmark) of a session bookmark reads', SESSIONS, async (b) => {
    const first = b.DB.withSession();
    await first.prepare('SELECT 1').run();
    const bookmark = first.getBookmark() ?? 'first-primary';
    return b.DB.withSession(bookmark).prepare('SELECT 3 AS c').first();
  }),
];

describe('D1 batch, exec and session parity', () => parity('D1', cases));
