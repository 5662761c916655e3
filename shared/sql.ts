/**
 * Just enough of SQLite's lexer to tell what a statement does before it runs: how many statements a
 * string holds and which verb each starts with, skipping comments, string literals and quoted
 * identifiers, so that `SELECT 'DELETE'` is a read and `WITH x AS (...) DELETE ...` a write.
 */

export interface StatementInfo {
  /** The statement's verb, upper-case: `SELECT`, `INSERT`, `WITH`'s main verb, `PRAGMA`, ... */
  verb: string;
  /** Whether it cannot change the database (true too for what is no statement at all). */
  readOnly: boolean;
}

type Token = { kind: 'word'; text: string; depth: number } | { kind: 'punct'; text: string; depth: number };

// PRAGMAs that only read (developers.cloudflare.com/d1/sql-api/sql-statements lists D1's PRAGMAs).
const READ_ONLY_PRAGMAS = new Set([
  'TABLE_INFO',
  'TABLE_XINFO',
  'TABLE_LIST',
  'INDEX_LIST',
  'INDEX_INFO',
  'INDEX_XINFO',
  'FOREIGN_KEY_LIST',
  'FOREIGN_KEY_CHECK',
  'QUICK_CHECK',
  'INTEGRITY_CHECK',
]);
const DML_VERBS = new Set(['SELECT', 'VALUES', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE']);
// Every statement SQLite runs starts with one of these (sqlite.org/lang.html). Anything else is a
// syntax error that D1 reports itself, so it is not refused as a write.
const SQLITE_VERBS = new Set([
  ...DML_VERBS,
  'ALTER',
  'ANALYZE',
  'ATTACH',
  'BEGIN',
  'COMMIT',
  'CREATE',
  'DETACH',
  'DROP',
  'END',
  'EXPLAIN',
  'PRAGMA',
  'REINDEX',
  'RELEASE',
  'ROLLBACK',
  'SAVEPOINT',
  'VACUUM',
  'WITH',
]);

/** Splits SQL into statements of tokens; `;` inside literals, comments or parentheses does not count. */
function tokenize(sql: string): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  let i = 0;
  const closeQuote = (quote: string, close = quote) => {
    i++;
    while (i < sql.length) {
      if (sql[i] === close) {
        if (close === quote && sql[i + 1] === quote) i += 2;
        else return void i++;
      } else i++;
    }
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      closeQuote(c);
      current.push({ kind: 'punct', text: 'literal', depth });
    } else if (c === '[') {
      closeQuote('[', ']');
      current.push({ kind: 'punct', text: 'literal', depth });
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i] as string)) i++;
      current.push({ kind: 'word', text: sql.slice(start, i).toUpperCase(), depth });
    } else if (c === ';' && depth === 0) {
      if (current.length) statements.push(current);
      current = [];
      i++;
    } else {
      if (c === '(') depth++;
      current.push({ kind: 'punct', text: c, depth });
      if (c === ')') depth = Math.max(0, depth - 1);
      i++;
    }
  }
  if (current.length) statements.push(current);
  return statements;
}

function describe(tokens: Token[]): StatementInfo {
  const first = tokens[0];
  const verb = first?.kind === 'word' ? first.text : '';
  if (verb === 'SELECT' || verb === 'VALUES' || verb === 'EXPLAIN') return { verb, readOnly: true };
  if (verb === 'WITH') {
    // CTE bodies are inside parentheses; the first DML verb outside them is the statement's own.
    // `replace(` at depth 0 is the function, not `REPLACE INTO`.
    const main = tokens.find(
      (token, index) =>
        token.kind === 'word' &&
        token.depth === 0 &&
        DML_VERBS.has(token.text) &&
        !(token.text === 'REPLACE' && tokens[index + 1]?.text === '('),
    );
    const mainVerb = main?.text ?? 'WITH';
    return { verb: mainVerb, readOnly: mainVerb === 'SELECT' || mainVerb === 'VALUES' };
  }
  if (verb === 'PRAGMA') {
    const name = tokens.find((token, index) => index > 0 && token.kind === 'word')?.text ?? '';
    const assigns = tokens.some((token) => token.text === '=');
    return { verb, readOnly: !assigns && READ_ONLY_PRAGMAS.has(name) };
  }
  return { verb, readOnly: !SQLITE_VERBS.has(verb) };
}

/** The statements of a SQL string, in order. An empty list for a string of comments and `;`. */
export function analyzeSql(sql: string): StatementInfo[] {
  return tokenize(sql).map(describe);
}
