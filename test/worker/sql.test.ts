import { describe, expect, it } from 'vitest';
import { analyzeSql } from '../../shared/sql.ts';

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
