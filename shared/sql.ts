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
  /** Every name it uses, bare words and quoted identifiers alike, upper-case (keywords included). */
  names: string[];
  /** Its source text, without the `;` that ends it. */
  text: string;
}

/** A word, a quoted identifier (`"x"`, `` `x` ``, `[x]`, its text unquoted), or punctuation. */
type Token = { kind: 'word' | 'quoted' | 'punct'; text: string; depth: number };
type Statement = { tokens: Token[]; text: string };

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
function tokenize(sql: string): Statement[] {
  const statements: Statement[] = [];
  let current: Token[] = [];
  let start = 0;
  let depth = 0;
  let i = 0;
  const end = () => {
    if (current.length) statements.push({ tokens: current, text: sql.slice(start, i).trim() });
    current = [];
  };
  /** Skips a quoted run, doubled quotes included; returns its text without the quotes. */
  const closeQuote = (quote: string, close = quote): string => {
    if (current.length === 0) start = i;
    const open = ++i;
    while (i < sql.length) {
      if (sql[i] === close) {
        if (close === quote && sql[i + 1] === quote) i += 2;
        else return sql.slice(open, i++).replaceAll(quote + quote, quote);
      } else i++;
    }
    return sql.slice(open);
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
    } else if (c === "'") {
      closeQuote(c);
      current.push({ kind: 'punct', text: 'literal', depth });
    } else if (c === '"' || c === '`' || c === '[') {
      const text = closeQuote(c, c === '[' ? ']' : c);
      current.push({ kind: 'quoted', text: text.toUpperCase(), depth });
    } else if (/[A-Za-z_]/.test(c)) {
      if (current.length === 0) start = i;
      const from = i;
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i] as string)) i++;
      current.push({ kind: 'word', text: sql.slice(from, i).toUpperCase(), depth });
    } else if (c === ';' && depth === 0) {
      end();
      i++;
    } else {
      if (current.length === 0) start = i;
      if (c === '(') depth++;
      current.push({ kind: 'punct', text: c, depth });
      if (c === ')') depth = Math.max(0, depth - 1);
      i++;
    }
  }
  end();
  return statements;
}

function describe(tokens: Token[]): Pick<StatementInfo, 'verb' | 'readOnly'> {
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

/**
 * Tables, indexes and triggers whose names start with this belong to the gateway (its record of
 * idempotent writes): callers' SQL may not name them.
 */
export const RESERVED_NAME_PREFIX = '_gateway_';

/** The first name in the statements that the gateway reserves, if any (any case, quoted or not). */
export function reservedName(statements: readonly StatementInfo[]): string | undefined {
  const prefix = RESERVED_NAME_PREFIX.toUpperCase();
  for (const { names } of statements) {
    const name = names.find((n) => n.startsWith(prefix));
    if (name !== undefined) return name.toLowerCase();
  }
  return undefined;
}

/** The statements of a SQL string, in order. An empty list for a string of comments and `;`. */
export function analyzeSql(sql: string): StatementInfo[] {
  return tokenize(sql).map(({ tokens, text }) => ({
    ...describe(tokens),
    names: tokens.filter((token) => token.kind !== 'punct').map((token) => token.text),
    text,
  }));
}
