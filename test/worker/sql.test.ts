import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { analyzeSql, isReadOnlySql, reservedName, sqlVariableOverflow } from '../../shared/sql.ts';

const verbs = (sql: string) => analyzeSql(sql).map(({ verb, readOnly }) => `${verb}:${readOnly ? 'r' : 'w'}`);

describe('analyzeSql', () => {
  it('tells reads from writes by the statement verb', () => {
    expect(verbs('SELECT 1')).toEqual(['SELECT:r']);
    expect(verbs('values (1), (2)')).toEqual(['VALUES:r']);
    expect(verbs('INSERT INTO t VALUES (1)')).toEqual(['INSERT:w']);
    expect(verbs('update t set a = 1')).toEqual(['UPDATE:w']);
    expect(verbs('DELETE FROM t')).toEqual(['DELETE:w']);
    expect(verbs('REPLACE INTO t VALUES (1)')).toEqual(['REPLACE:w']);
    expect(verbs('CREATE TABLE t (a)')).toEqual(['CREATE:w']);
    expect(verbs('DROP TABLE t')).toEqual(['DROP:w']);
    expect(verbs('ALTER TABLE t ADD b')).toEqual(['ALTER:w']);
  });

  it('finds the main verb of a WITH statement outside the CTE bodies', () => {
    expect(verbs('WITH a AS (SELECT 1) SELECT * FROM a')).toEqual(['SELECT:r']);
    expect(verbs('WITH a AS (SELECT 1) DELETE FROM t WHERE x IN a')).toEqual(['DELETE:w']);
    expect(
      verbs('with recursive c(x) as (select 1 union all select x+1 from c) insert into t select x from c'),
    ).toEqual(['INSERT:w']);
    expect(verbs('WITH a(x) AS NOT MATERIALIZED (DELETE) UPDATE t SET x = 1')).toEqual(['UPDATE:w']);
    expect(verbs("WITH a AS (SELECT 'x') SELECT replace(x, 'a', 'b') FROM a")).toEqual(['SELECT:r']);
  });

  it('ignores keywords inside literals, quoted identifiers and comments', () => {
    expect(verbs("SELECT 'DELETE FROM t; DROP TABLE t' AS s")).toEqual(['SELECT:r']);
    expect(verbs('SELECT "delete", [update], `insert` FROM t')).toEqual(['SELECT:r']);
    expect(verbs("SELECT 'it''s; DELETE'")).toEqual(['SELECT:r']);
    expect(verbs('-- DELETE FROM t;\nSELECT 1 /* ; DROP TABLE t */')).toEqual(['SELECT:r']);
    expect(verbs('/* leading */ DELETE FROM t')).toEqual(['DELETE:w']);
  });

  it('counts statements separated by semicolons, ignoring empty ones', () => {
    expect(verbs('SELECT 1;')).toEqual(['SELECT:r']);
    expect(verbs('SELECT 1; DELETE FROM t')).toEqual(['SELECT:r', 'DELETE:w']);
    expect(verbs(' ; ;-- nothing')).toEqual([]);
  });

  it('allows only the PRAGMAs that read', () => {
    expect(verbs('PRAGMA table_info(users)')).toEqual(['PRAGMA:r']);
    expect(verbs('PRAGMA foreign_keys = OFF')).toEqual(['PRAGMA:w']);
    expect(verbs('PRAGMA defer_foreign_keys')).toEqual(['PRAGMA:w']);
  });

  it('leaves what is no statement to D1, which reports the syntax error', () => {
    expect(verbs('SELEC 1')).toEqual(['SELEC:r']);
  });
});

// The tricks an audit used to send writes down the read path (issue 15, finding 2): each is a
// write for SQLite, and was a read for the lexer before it was SQLite's.
const TRICKS = {
  'a non-ASCII letter starting the CTE name': "WITH éSELECT AS (SELECT 1) INSERT INTO t(v) VALUES ('x')",
  'a no-break space in the CTE name': "WITH a\u00a0SELECT AS (SELECT 1) INSERT INTO t(v) VALUES ('x')",
  'an em space in the CTE name': 'WITH a\u2003SELECT AS (SELECT 1) DELETE FROM t',
  'an ideographic space in the CTE name': 'WITH a\u3000SELECT AS (SELECT 1) UPDATE t SET v = 1',
  'a BOM inside the CTE name': "WITH a\ufeffSELECT AS (SELECT 1) INSERT INTO t(v) VALUES ('x')",
  'a line separator in the CTE name': "WITH a\u2028SELECT AS (SELECT 1) INSERT INTO t(v) VALUES ('x')",
  "a Tcl variable $x(') hiding a quote": "WITH a AS (SELECT $x(')) INSERT INTO t(v) VALUES ('))SELECT')",
  "a Tcl variable :x(') hiding a quote": "WITH a AS (SELECT :x(')) INSERT INTO t(v) VALUES ('))SELECT')",
  "a Tcl variable @x::y(') hiding a quote":
    "WITH a AS (SELECT @x::y(')) INSERT INTO t(v) VALUES ('))SELECT')",
  'DELETE … RETURNING behind a non-ASCII CTE name': 'WITH éSELECT AS (SELECT 1) DELETE FROM t RETURNING *',
  'UPDATE … RETURNING behind a no-break space':
    "WITH a\u00a0SELECT AS (SELECT 1) UPDATE t SET v = 'y' RETURNING v",
  'REPLACE INTO behind a non-ASCII CTE name': "WITH éSELECT AS (SELECT 1) REPLACE INTO t(v) VALUES ('x')",
};

describe('the lexer is SQLite’s', () => {
  it.each(Object.entries(TRICKS))('calls a write a write: %s', (_, sql) => {
    const statements = analyzeSql(sql);
    expect(statements).toHaveLength(1);
    expect(statements[0]?.readOnly).toBe(false);
    expect(isReadOnlySql(sql)).toBe(false);
  });

  it('takes only ASCII space, tab, newline, form feed and carriage return for whitespace (and a BOM where a token starts)', () => {
    for (const space of [' ', '\t', '\n', '\f', '\r', ' \v']) {
      expect(verbs(`SELECT${space}1`), JSON.stringify(space)).toEqual(['SELECT:r']);
    }
    expect(verbs('\ufeffSELECT \ufeff1')).toEqual(['SELECT:r']);
    expect(verbs('SELECT\ufeff1')).toEqual(['SELECT\ufeff1:r']);
    // Elsewhere, these are part of the word they touch: `SELECT\u00a01` is no keyword at all.
    for (const space of ['\u00a0', '\u2003', '\u3000', '\u2028', '\u1680', '\u0085']) {
      const [statement] = analyzeSql(`SELECT${space}1`);
      expect(statement?.verb, JSON.stringify(space)).toBe(`SELECT${space}1`);
      expect(analyzeSql(`WITH a${space}SELECT AS (SELECT 1) SELECT 1`)[0]?.verb).toBe('SELECT');
      expect(analyzeSql(`WITH a${space}SELECT AS (SELECT 1) DELETE FROM t`)[0]?.readOnly).toBe(false);
    }
    // A vertical tab alone is a character SQLite refuses.
    expect(verbs('SELECT 1\v')).toEqual(['SELECT:w']);
  });

  it('reads a name as SQLite does: any character from U+0080 up belongs to it', () => {
    const [statement] = analyzeSql('SELECT é1, naïve, 名前, a\u00a0b, x\ufeffy, "é" FROM t');
    expect(statement?.names).toEqual([
      'SELECT',
      'é1',
      'NAïVE',
      '名前',
      'A\u00a0B',
      'X\ufeffY',
      'é',
      'FROM',
      'T',
    ]);
    expect(statement?.readOnly).toBe(true);
    // Keywords fold case in ASCII only: `ſelect` (long s) and `ınsert` (dotless i) are names.
    expect(verbs('ſelect 1')).toEqual(['ſELECT:r']);
    expect(verbs('ınsert INTO t VALUES (1)')).toEqual(['ıNSERT:r']);
    expect(verbs("WITH ſelect AS (SELECT 1) INSERT INTO t(v) VALUES ('x')")).toEqual(['INSERT:w']);
  });

  it('reads variables as one token: ?NNN, $name, :name, @name, #name, with :: parts and a Tcl (…) suffix', () => {
    expect(verbs("SELECT $x(') FROM t")).toEqual(['SELECT:r']);
    expect(verbs("SELECT $x('); DELETE FROM t; --')")).toEqual(['SELECT:r', 'DELETE:w']);
    expect(verbs("SELECT :a::b(';') AS v")).toEqual(['SELECT:r']);
    expect(verbs('SELECT ?12, ?, @x, #y, $a$b')).toEqual(['SELECT:r']);
    // A (…) suffix that meets whitespace, or a sigil with no name, is a token SQLite refuses.
    expect(verbs("SELECT $x(' ')")).toEqual(['SELECT:w']);
    expect(verbs('SELECT $(1)')).toEqual(['SELECT:w']);
    expect(verbs('SELECT :')).toEqual(['SELECT:w']);
  });

  it('reads literals as SQLite does: doubled quotes, [names] without escapes, BLOBs to their next quote', () => {
    expect(verbs("SELECT 'it''s; DELETE FROM t'")).toEqual(['SELECT:r']);
    expect(verbs('SELECT "a"";DELETE", `b``;DELETE`, [c;DELETE] FROM t')).toEqual(['SELECT:r']);
    expect(verbs("SELECT x'00ff', X''")).toEqual(['SELECT:r']);
    // x'…' ends at its next quote (no doubling), and a string may follow it at once.
    expect(verbs("SELECT x'00''; DELETE FROM t; --'")).toEqual(['SELECT:r']);
    expect(verbs("SELECT x'00''';DELETE FROM t")).toEqual(['SELECT:r', 'DELETE:w']);
    expect(verbs("SELECT x'0g'")).toEqual(['SELECT:w']);
    // An unterminated literal, an odd BLOB, a number run into letters: SQLite refuses them.
    expect(verbs("SELECT 'open")).toEqual(['SELECT:w']);
    expect(verbs('SELECT [open')).toEqual(['SELECT:w']);
    expect(verbs("SELECT x'0'")).toEqual(['SELECT:w']);
    expect(verbs('SELECT 1x')).toEqual(['SELECT:w']);
    expect(verbs('SELECT 1é')).toEqual(['SELECT:w']);
    expect(verbs('SELECT 0x1F, 1.5e-3, .5, 3E+2, 1 AS e')).toEqual(['SELECT:r']);
  });

  it('reads comments as SQLite does: -- to the end of the line, /* to */ or to the end', () => {
    expect(verbs('SELECT 1 -- ; DELETE FROM t\n')).toEqual(['SELECT:r']);
    expect(verbs('SELECT 1 -- x\n; DELETE FROM t')).toEqual(['SELECT:r', 'DELETE:w']);
    expect(verbs('SELECT 1 /* ; DELETE FROM t')).toEqual(['SELECT:r']);
    expect(verbs('SELECT 1 /*/ ; DELETE FROM t */')).toEqual(['SELECT:r']);
    expect(verbs('SELECT 1 /**/; DELETE FROM t')).toEqual(['SELECT:r', 'DELETE:w']);
    expect(verbs('/* DELETE */ SELECT 1 -- INSERT')).toEqual(['SELECT:r']);
    expect(analyzeSql('/* a */ SELECT 1 /* b */ ;')[0]?.text).toBe('SELECT 1');
  });

  it('refuses a NUL and the characters SQLite refuses', () => {
    expect(verbs('SELECT 1\u0000')).toEqual(['SELECT:w']);
    expect(verbs("SELECT '\u0000'")).toEqual(['SELECT:w']);
    expect(verbs('SELECT 1 -- \u0000\n; INSERT INTO t VALUES (1)')).toEqual(['SELECT:w', 'INSERT:w']);
    for (const c of ['\\', '^', '{', '}', ']', '!', '\u0001', '\u007f']) {
      expect(verbs(`SELECT 1 ${c}`), JSON.stringify(c)).toEqual(['SELECT:w']);
    }
    expect(verbs('SELECT 1 != 2')).toEqual(['SELECT:r']);
  });

  it('splits statements at every ; outside literals and comments, whatever the parentheses', () => {
    expect(verbs('SELECT (1; DELETE FROM t)')).toEqual(['SELECT:r', 'DELETE:w']);
    expect(verbs('SELECT 1); DELETE FROM t')).toEqual(['SELECT:r', 'DELETE:w']);
  });

  it('reads a CREATE TRIGGER to its END: the ; of its body end no statement', () => {
    const trigger = 'CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (1); DELETE FROM c; END';
    expect(verbs(trigger)).toEqual(['CREATE:w']);
    expect(verbs(`${trigger}; SELECT 1`)).toEqual(['CREATE:w', 'SELECT:r']);
    expect(verbs('create temp trigger t before delete on a begin select 1; end;')).toEqual(['CREATE:w']);
    expect(verbs("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 'END;'; END")).toEqual(['CREATE:w']);
    expect(analyzeSql(`${trigger};`)[0]?.text).toBe(trigger);
    // Every name of the body is still seen.
    expect(
      reservedName(analyzeSql('CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM _gateway_writes; END')),
    ).toBe('_gateway_writes');
    // Not a trigger: a ; ends the statement as always.
    expect(verbs('CREATE TABLE trigger_log (a); SELECT 1')).toEqual(['CREATE:w', 'SELECT:r']);
  });
});

describe('the lexer’s premises, checked on the real D1', () => {
  const error = (sql: string, ...params: unknown[]) =>
    env.DB.prepare(sql)
      .bind(...params)
      .all()
      .then(
        () => 'ran',
        (e: Error) => e.message,
      );

  it('agrees with SQLite on where tokens end (its syntax errors name the token)', async () => {
    expect(await error('SELECT\u00a01')).toMatch(/near "SELECT\u00a01": syntax error/);
    expect(await error('SELECT\u20031')).toMatch(/near "SELECT\u20031": syntax error/);
    expect(await error('ſelect 1')).toMatch(/near "ſelect": syntax error/);
    expect(await error('SELECT\ufeff1')).toMatch(/near "SELECT\ufeff1": syntax error/);
    expect(await error('\ufeffSELECT \ufeff1')).toBe('ran');
    expect(await error('SELECT \v1')).toBe('ran');
    expect(await error('SELECT\v1')).toMatch(/unrecognized token/);
    expect(await error('SELECT 1é')).toMatch(/unrecognized token: "1é"/);
    expect(await error("SELECT $x(') AS v", 1)).toBe('ran');
    expect(await error("SELECT $x(' ') AS v", 1)).toMatch(/unrecognized token/);
    expect(await error('(SELECT 1)')).toMatch(/near "\(": syntax error/);
    const [names] = await env.DB.prepare('SELECT 1 AS a\u00a0b, 2 AS é1').raw({ columnNames: true });
    expect(names).toEqual(['a\u00a0b', 'é1']);
  });
});

describe('a read is only what is provably a read', () => {
  it('refuses RETURNING and every write verb anywhere in a statement', () => {
    expect(verbs('DELETE FROM t RETURNING *')).toEqual(['DELETE:w']);
    expect(verbs("UPDATE t SET v = 'y' RETURNING v")).toEqual(['UPDATE:w']);
    expect(verbs('INSERT INTO t DEFAULT VALUES RETURNING rowid')).toEqual(['INSERT:w']);
    expect(verbs('SELECT 1 RETURNING 1')).toEqual(['SELECT:w']);
    expect(verbs('SELECT (DELETE FROM t)')).toEqual(['SELECT:w']);
    expect(verbs('VALUES (1) UPDATE')).toEqual(['VALUES:w']);
    // `replace(…)` is the function; REPLACE INTO the statement.
    expect(verbs("SELECT replace(v, 'a', 'b') FROM t")).toEqual(['SELECT:r']);
    expect(verbs('SELECT REPLACE INTO t')).toEqual(['SELECT:w']);
  });

  it('reads a WITH only when its CTE list is well formed and its main statement reads', () => {
    expect(verbs('WITH x AS (SELECT 1) SELECT * FROM x')).toEqual(['SELECT:r']);
    expect(
      verbs('WITH x(a, b) AS MATERIALIZED (SELECT 1, 2), "y" AS (VALUES (3)) SELECT * FROM x, y'),
    ).toEqual(['SELECT:r']);
    expect(verbs("WITH 'x' AS (SELECT 1) VALUES (1)")).toEqual(['VALUES:r']);
    expect(
      verbs('WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) SELECT n FROM c'),
    ).toEqual(['SELECT:r']);
    expect(verbs('WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x')).toEqual(['INSERT:w']);
    expect(verbs('WITH x AS (SELECT 1) REPLACE INTO t SELECT * FROM x')).toEqual(['REPLACE:w']);
    expect(verbs('WITH x AS SELECT 1 SELECT 2')).toEqual(['WITH:w']);
    expect(verbs('WITH x AS (SELECT 1 SELECT 2')).toEqual(['WITH:w']);
    expect(verbs('WITH x AS (SELECT 1)')).toEqual(['WITH:w']);
    expect(verbs('WITH x AS NOT (SELECT 1) SELECT 2')).toEqual(['WITH:w']);
  });

  it('keeps legitimate reads reads', () => {
    for (const sql of [
      "SELECT 'INSERT'",
      "SELECT 'DELETE FROM t; UPDATE t SET v = 1 RETURNING *' AS s",
      'SELECT "update", [delete], `insert`, "returning" FROM t',
      'WITH x AS (SELECT 1) SELECT * FROM x',
      'PRAGMA table_info(users)',
      "PRAGMA table_info('users')",
      'PRAGMA main.table_info(users)',
      'PRAGMA table_list',
      'PRAGMA quick_check(10)',
      'PRAGMA foreign_key_check',
      'SELECT * FROM pragma_table_info(?)',
      'EXPLAIN QUERY PLAN SELECT * FROM t WHERE v = ?',
      'EXPLAIN SELECT 1',
      '  SELECT 1 ; ',
      'select count(*) as n from users where email like :pattern',
    ]) {
      expect(isReadOnlySql(sql), sql).toBe(true);
    }
  });

  it('refuses PRAGMAs that set or change anything, and EXPLAIN of anything but a read', () => {
    expect(verbs('PRAGMA table_info = users')).toEqual(['PRAGMA:w']);
    expect(verbs('PRAGMA table_info(users) x')).toEqual(['PRAGMA:w']);
    expect(verbs('PRAGMA optimize')).toEqual(['PRAGMA:w']);
    expect(verbs('EXPLAIN PRAGMA foreign_keys = OFF')).toEqual(['EXPLAIN:w']);
    expect(verbs('EXPLAIN DELETE FROM t')).toEqual(['EXPLAIN:w']);
    expect(verbs('EXPLAIN')).toEqual(['EXPLAIN:w']);
  });

  it('refuses what starts with no word', () => {
    expect(verbs('(SELECT 1)')).toEqual([':w']);
    expect(verbs("'SELECT' 1")).toEqual([':w']);
    expect(verbs('"SELECT" 1')).toEqual([':w']);
  });

  it('tells statements that all read from anything else (what env.DB sends as a read)', () => {
    expect(isReadOnlySql('SELECT 1')).toBe(true);
    expect(isReadOnlySql('SELECT 1; SELECT 2')).toBe(true);
    expect(isReadOnlySql('SELECT 1; DELETE FROM t')).toBe(false);
    expect(isReadOnlySql('-- nothing')).toBe(false);
    expect(isReadOnlySql(TRICKS['a no-break space in the CTE name'])).toBe(false);
  });
});

describe('names', () => {
  it('include string literals, which SQLite takes for names where a name is expected', () => {
    const [statement] = analyzeSql("DELETE FROM 'main'.'_Gateway_Writes' WHERE k = x'00' AND v = :p");
    expect(statement?.names).toEqual(['DELETE', 'FROM', 'MAIN', '_GATEWAY_WRITES', 'WHERE', 'K', 'AND', 'V']);
    expect(reservedName(analyzeSql("SELECT * FROM '_gateway_writes'"))).toBe('_gateway_writes');
    expect(reservedName(analyzeSql("SELECT $x(') FROM _gateway_writes --')"))).toBe('_gateway_writes');
    expect(reservedName(analyzeSql('SELECT * FROM "_gateway_writesé"'))).toBe('_gateway_writesé');
    expect(reservedName(analyzeSql('SELECT :_gateway_x, ?1'))).toBeUndefined();
  });
});

describe('sqlVariableOverflow', () => {
  const many = (n: number, v = '?') => Array.from({ length: n }, () => v).join(', ');

  it('finds the byte offset of the first variable past the limit, as D1 names it', () => {
    expect(sqlVariableOverflow(`SELECT ${many(100)}`, 100)).toBeUndefined();
    const sql = `SELECT ${many(101)}`;
    expect(sqlVariableOverflow(sql, 100)).toBe(sql.lastIndexOf('?'));
    // A multi-byte character before it counts its UTF-8 bytes.
    expect(sqlVariableOverflow(`SELECT 'é', ${many(101)}`, 100)).toBe(`SELECT 'é', ${many(101)}`.length);
  });

  it('counts a name once, however often it is used, and leaves ?NNN to SQLite', () => {
    expect(sqlVariableOverflow(`SELECT ${many(150, ':a')}`, 100)).toBeUndefined();
    expect(sqlVariableOverflow('SELECT ?101', 100)).toBeUndefined();
    expect(sqlVariableOverflow(`SELECT ${many(100)}; SELECT ${many(100)}`, 100)).toBeUndefined();
  });
});
