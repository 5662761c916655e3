/**
 * SQLite's lexer, to tell what a statement does before it runs: how many statements a string holds
 * and whether each can only read. It splits SQL into tokens exactly where SQLite does
 * (sqlite.org/src/file/src/tokenize.c), because a statement that looks like a read here and is a
 * write there is a write sent down a read's path:
 *
 * - Whitespace is ASCII space, tab, newline, form feed and carriage return (a vertical tab only
 *   after one of those), and a BOM (U+FEFF) where a token would start. Nothing else: a no-break
 *   space or an em space is part of the identifier it touches.
 * - An identifier is a run of ASCII letters, digits, `_`, `$` and any character from U+0080 up:
 *   `éSELECT` is one name, not `é` and the keyword `SELECT`. Keywords are matched in ASCII case
 *   only (`ſelect` is a name, not SELECT).
 * - A variable is `?NNN`, or `$`, `@`, `:`, `#` and a name, which may end in `::` parts and one
 *   Tcl-style `(…)` running to the next `)`: `$x(')` is one token, its quote no string.
 * - Strings `'…'` and quoted names `"…"`, `` `…` `` double their quote to escape it; `[…]` has no
 *   escape; `x'…'` is a BLOB and ends at its next quote. `--` runs to the end of the line, `/*` to
 *   `*\/` or the end. A NUL ends SQLite's input; an unterminated literal or a stray character is
 *   an error there.
 *
 * On top of that, a statement is read-only only when it is provably so (it fails closed): it is a
 * `SELECT` or `VALUES`, or a `WITH` whose CTE list is well formed and whose main statement is one
 * of those, or a PRAGMA that only reads, or `EXPLAIN` of one of these; with no token SQLite would
 * refuse, and no `INSERT`, `UPDATE`, `DELETE`, `REPLACE INTO` or `RETURNING` anywhere in it.
 * Anything else can write, as far as the gateway knows. (A first word that no SQLite statement
 * starts with is no statement at all: SQLite refuses it at that word, so D1 reports the error.)
 *
 * Why a lexer and not SQLite itself (`EXPLAIN <sql>` and its opcodes, checked for a write
 * transaction or an `OpenWrite`): that is a D1 call more before every read, which the reads of a
 * request could not share with their own batch (the verdict must come back first): deployed, a
 * round trip to the database more per read. `EXPLAIN` is not free of effects either: SQLite applies some PRAGMAs as it compiles
 * them, so `EXPLAIN PRAGMA …` can change the connection. A lexer that is SQLite's own token for
 * token, and refuses what it cannot prove, costs microseconds; test/worker/fuzz.test.ts checks its
 * verdicts against the real D1 (every statement it calls a read leaves the database unchanged).
 */

export interface StatementInfo {
  /** The statement's verb, upper-case: `SELECT`, `INSERT`, `WITH`'s main verb, `PRAGMA`, ... */
  verb: string;
  /** Whether it cannot change the database (true too for what is no statement at all). */
  readOnly: boolean;
  /**
   * Every name it may use, upper-case (ASCII): bare words (keywords included), quoted identifiers,
   * and string literals, which SQLite takes for a name where one is expected (`FROM 'users'`).
   */
  names: string[];
  /** Its source text, from its first token to its last (no `;`, no comment around it). */
  text: string;
}

/**
 * A bare word (identifier or keyword, upper-cased), a quoted identifier, a string literal (both
 * unquoted and upper-cased), a BLOB, a number, a variable, punctuation, or what SQLite refuses.
 */
type Kind = 'word' | 'quoted' | 'string' | 'blob' | 'number' | 'variable' | 'punct' | 'illegal';
/** A token, with `from`: where it starts in the SQL (a UTF-16 index). */
type Token = { kind: Kind; text: string; from: number };
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
// Every statement SQLite runs starts with one of these (sqlite.org/lang.html). A statement that
// starts with any other word is a syntax error at that word: it never runs.
const SQLITE_VERBS = new Set([
  'SELECT',
  'VALUES',
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
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
/** Words that only a write holds (`REPLACE` only before `INTO`: `replace(…)` is the function). */
const WRITE_WORDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'RETURNING']);

// Character codes.
const TAB = 0x09;
const LF = 0x0a;
const VT = 0x0b;
const FF = 0x0c;
const CR = 0x0d;
const SPACE = 0x20;
const BOM = 0xfeff;
const QUOTE = 0x27;
const STAR = 0x2a;
const SLASH = 0x2f;
const CLOSE = 0x29;

/** Where SQLite starts a run of whitespace. */
const startsSpace = (c: number) => c === SPACE || c === TAB || c === LF || c === FF || c === CR;
/** What SQLite's `isspace` takes (a run of whitespace goes on over a vertical tab too). */
const isSpace = (c: number) => startsSpace(c) || c === VT;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHexDigit = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
/** SQLite's IdChar: ASCII letters and digits, `_`, `$`, and every character from U+0080 up. */
const isIdChar = (c: number) => isLetter(c) || isDigit(c) || c === 0x5f || c === 0x24 || c >= 0x80;
/** Punctuation SQLite knows; any other ASCII character outside a literal is an error there. */
const PUNCT = new Set('()=<>|,&~+-*/%.;');

/** Upper-case in ASCII only, as SQLite folds keywords and names (`ſ` and `ı` stay as they are). */
function asciiUpper(text: string): string {
  return text.replace(/[a-z]+/g, (run) => run.toUpperCase());
}

/** Splits SQL into statements of tokens; a `;` outside literals and comments ends one. */
function tokenize(sql: string): Statement[] {
  const statements: Statement[] = [];
  const n = sql.length;
  const at = (index: number) => (index < n ? sql.charCodeAt(index) : 0);
  let current: Token[] = [];
  let start = 0;
  let end = 0;
  let i = 0;
  const push = (kind: Kind, from: number, to: number, text = sql.slice(from, to)) => {
    if (current.length === 0) start = from;
    current.push({ kind, text, from });
    end = to;
    i = to;
  };
  /** A quoted run from `i`, its quote doubled inside: its end, and whether it is closed. */
  const quoted = (quote: number): { to: number; closed: boolean } => {
    for (let j = i + 1; j < n; j++) {
      const c = sql.charCodeAt(j);
      if (c === 0) return { to: j, closed: false };
      if (c === quote) {
        if (at(j + 1) === quote) j++;
        else return { to: j + 1, closed: true };
      }
    }
    return { to: n, closed: false };
  };
  const unquote = (from: number, to: number, quote: string) =>
    asciiUpper(sql.slice(from + 1, to - 1).replaceAll(quote + quote, quote));

  while (i < n) {
    const c = sql.charCodeAt(i);
    const next = at(i + 1);
    if (startsSpace(c)) {
      i++;
      while (i < n && isSpace(sql.charCodeAt(i))) i++;
    } else if (c === BOM) {
      i++;
    } else if (c === 0x2d && next === 0x2d) {
      // `--` to the end of the line (or a NUL, where SQLite's input ends).
      let j = i + 2;
      while (j < n && sql.charCodeAt(j) !== LF && sql.charCodeAt(j) !== 0) j++;
      i = j;
    } else if (c === SLASH && next === STAR && i + 2 < n && at(i + 2) !== 0) {
      // `/*` to the first `*/` after it (not `/*/`), a NUL, or the end.
      let j = i + 3;
      let previous = at(i + 2);
      while (j < n) {
        const d = sql.charCodeAt(j);
        if (previous === STAR && d === SLASH) {
          j++;
          break;
        }
        if (d === 0) break;
        previous = d;
        j++;
      }
      i = j;
    } else if (c === QUOTE || c === 0x22 || c === 0x60) {
      const { to, closed } = quoted(c);
      const quote = String.fromCharCode(c);
      if (!closed) push('illegal', i, to);
      else push(c === QUOTE ? 'string' : 'quoted', i, to, unquote(i, to, quote));
    } else if (c === 0x5b) {
      // `[name]`: no escape inside.
      let j = i + 1;
      while (j < n && sql.charCodeAt(j) !== 0x5d && sql.charCodeAt(j) !== 0) j++;
      if (at(j) === 0x5d) push('quoted', i, j + 1, asciiUpper(sql.slice(i + 1, j)));
      else push('illegal', i, j);
    } else if (isDigit(c) || (c === 0x2e && isDigit(next))) {
      push(...number(sql, i));
    } else if (c === 0x3f) {
      // `?NNN`
      let j = i + 1;
      while (isDigit(at(j))) j++;
      push('variable', i, j);
    } else if (c === 0x24 || c === 0x40 || c === 0x3a || c === 0x23) {
      push(...variable(sql, i));
    } else if ((c === 0x78 || c === 0x58) && next === QUOTE) {
      // `x'…'`: an even number of hex digits, else an error that still ends at the next quote.
      let j = i + 2;
      while (isHexDigit(at(j))) j++;
      let kind: Kind = 'blob';
      if (at(j) !== QUOTE || (j - i) % 2 === 1) {
        kind = 'illegal';
        while (j < n && sql.charCodeAt(j) !== QUOTE && sql.charCodeAt(j) !== 0) j++;
      }
      push(kind, i, at(j) === QUOTE ? j + 1 : j);
    } else if (isLetter(c) || c === 0x5f || c >= 0x80) {
      let j = i + 1;
      while (j < n && isIdChar(sql.charCodeAt(j))) j++;
      push('word', i, j, asciiUpper(sql.slice(i, j)));
    } else if (c === 0x3b) {
      if (insideTrigger(current)) {
        // A trigger's body holds statements of its own: its `;` ends one of them, not the trigger.
        push('punct', i, i + 1);
        continue;
      }
      if (current.length > 0) statements.push({ tokens: current, text: sql.slice(start, end) });
      current = [];
      i++;
    } else if (c === 0x21 && next === 0x3d) {
      push('punct', i, i + 2);
    } else {
      // `!` alone, `\`, `^`, `{`, a control character, a NUL: SQLite refuses the statement.
      push(PUNCT.has(sql[i] as string) ? 'punct' : 'illegal', i, i + 1);
    }
  }
  if (current.length > 0) statements.push({ tokens: current, text: sql.slice(start, end) });
  return statements;
}

/**
 * Whether a `;` here is inside a `CREATE [TEMP] TRIGGER`'s `BEGIN … END`: the statement so far is a
 * trigger that has not ended with `END`. SQLite reads a trigger to its `END;`
 * (sqlite.org/src/file/src/complete.c), and so does this.
 */
function insideTrigger(tokens: readonly Token[]): boolean {
  const word = (index: number) => (tokens[index]?.kind === 'word' ? tokens[index]?.text : undefined);
  if (word(0) !== 'CREATE') return false;
  const temp = word(1) === 'TEMP' || word(1) === 'TEMPORARY';
  if (word(temp ? 2 : 1) !== 'TRIGGER') return false;
  return word(tokens.length - 1) !== 'END';
}

/** A number at `from` (`12`, `0x1F`, `1.5e-3`, `.5`); letters run on into it make it an error. */
function number(sql: string, from: number): [Kind, number, number] {
  const at = (index: number) => (index < sql.length ? sql.charCodeAt(index) : 0);
  let kind: Kind = 'number';
  let j = from;
  const digits = (test: (c: number) => boolean) => {
    for (;;) {
      const c = at(j);
      // `1_000`: a digit separator in SQLite 3.46+, an error before; refused either way.
      if (c === 0x5f) kind = 'illegal';
      else if (!test(c)) return;
      j++;
    }
  };
  if (at(j) === 0x30 && (at(j + 1) | 0x20) === 0x78 && isHexDigit(at(j + 2))) {
    j += 2;
    digits(isHexDigit);
  } else {
    digits(isDigit);
    if (at(j) === 0x2e) {
      j++;
      digits(isDigit);
    }
    const sign = at(j + 1) === 0x2b || at(j + 1) === 0x2d;
    if ((at(j) | 0x20) === 0x65 && (isDigit(at(j + 1)) || (sign && isDigit(at(j + 2))))) {
      j += 2;
      digits(isDigit);
    }
  }
  while (isIdChar(at(j))) {
    kind = 'illegal';
    j++;
  }
  return [kind, from, j];
}

/** A `$`, `@`, `:` or `#` variable at `from`: a name, `::` parts, and a Tcl-style `(…)` suffix. */
function variable(sql: string, from: number): [Kind, number, number] {
  const at = (index: number) => (index < sql.length ? sql.charCodeAt(index) : 0);
  let name = 0;
  let j = from + 1;
  for (;;) {
    const c = at(j);
    if (isIdChar(c)) {
      name++;
      j++;
    } else if (c === 0x28 && name > 0) {
      // `$x(…)` runs to the next `)`; whitespace or the end before it is an error.
      j++;
      while (j < sql.length && at(j) !== 0 && !isSpace(at(j)) && at(j) !== CLOSE) j++;
      if (at(j) === CLOSE) return ['variable', from, j + 1];
      return ['illegal', from, j];
    } else if (c === 0x3a && at(j + 1) === 0x3a) {
      j += 2;
    } else {
      break;
    }
  }
  return [name > 0 ? 'variable' : 'illegal', from, j];
}

const isWord = (token: Token | undefined, word: string) => token?.kind === 'word' && token.text === word;
const isPunct = (token: Token | undefined, punct: string) => token?.kind === 'punct' && token.text === punct;

/** The index after the `)` that closes the `(` at `from`, or -1. */
function afterGroup(tokens: Token[], from: number): number {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')') && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * The index of a WITH statement's main verb, past its CTE list
 * (`WITH [RECURSIVE] name [(columns)] AS [[NOT] MATERIALIZED] (select), …`), or -1 if the list is
 * not of that shape.
 */
function mainOfWith(tokens: Token[], from: number): number {
  let i = from + 1;
  if (isWord(tokens[i], 'RECURSIVE')) i++;
  for (;;) {
    const name = tokens[i];
    if (name?.kind !== 'word' && name?.kind !== 'quoted' && name?.kind !== 'string') return -1;
    i++;
    if (isPunct(tokens[i], '(')) i = afterGroup(tokens, i);
    if (i < 0 || !isWord(tokens[i], 'AS')) return -1;
    i++;
    if (isWord(tokens[i], 'NOT')) {
      i++;
      if (!isWord(tokens[i], 'MATERIALIZED')) return -1;
    }
    if (isWord(tokens[i], 'MATERIALIZED')) i++;
    if (!isPunct(tokens[i], '(')) return -1;
    i = afterGroup(tokens, i);
    if (i < 0) return -1;
    if (!isPunct(tokens[i], ',')) break;
    i++;
  }
  return tokens[i]?.kind === 'word' ? i : -1;
}

/** Whether a word that only a write holds appears anywhere from `from` on. */
function holdsWriteWord(tokens: Token[], from: number): boolean {
  for (let i = from; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind !== 'word') continue;
    if (WRITE_WORDS.has(token.text)) return true;
    if (token.text === 'REPLACE' && isWord(tokens[i + 1], 'INTO')) return true;
  }
  return false;
}

/** `PRAGMA [schema.]name`, or `…(argument)`, for a name that only reads. */
function isReadingPragma(tokens: Token[], from: number): boolean {
  let i = from + 1;
  if (isPunct(tokens[i + 1], '.')) i += 2;
  const name = tokens[i];
  if (name?.kind !== 'word' || !READ_ONLY_PRAGMAS.has(name.text)) return false;
  i++;
  if (i === tokens.length) return true;
  if (!isPunct(tokens[i], '(')) return false;
  i++;
  if (isPunct(tokens[i], '-') || isPunct(tokens[i], '+')) i++;
  const argument = tokens[i]?.kind;
  if (argument !== 'word' && argument !== 'quoted' && argument !== 'string' && argument !== 'number') {
    return false;
  }
  return isPunct(tokens[i + 1], ')') && i + 2 === tokens.length;
}

/** The verb of the statement starting at `from`, and whether it provably only reads. */
function judge(tokens: Token[], from: number): Pick<StatementInfo, 'verb' | 'readOnly'> {
  const first = tokens[from];
  const verb = first?.kind === 'word' ? first.text : '';
  switch (verb) {
    case 'SELECT':
    case 'VALUES':
      return { verb, readOnly: !holdsWriteWord(tokens, from) };
    case 'WITH': {
      const main = mainOfWith(tokens, from);
      const mainVerb = main < 0 ? verb : (tokens[main] as Token).text;
      const reads = mainVerb === 'SELECT' || mainVerb === 'VALUES';
      return { verb: mainVerb, readOnly: reads && !holdsWriteWord(tokens, from) };
    }
    case 'PRAGMA':
      return { verb, readOnly: isReadingPragma(tokens, from) };
    case 'EXPLAIN': {
      // EXPLAIN runs nothing, but SQLite applies some PRAGMAs as it compiles them: EXPLAIN of a
      // read is a read, of anything else is judged as that.
      let i = from + 1;
      if (isWord(tokens[i], 'QUERY') && isWord(tokens[i + 1], 'PLAN')) i += 2;
      return { verb, readOnly: tokens[i] !== undefined && judge(tokens, i).readOnly };
    }
    default:
      return { verb, readOnly: false };
  }
}

function describe(tokens: Token[]): Pick<StatementInfo, 'verb' | 'readOnly'> {
  const first = tokens[0];
  // A first word no statement starts with: SQLite refuses it there, and nothing runs.
  if (first?.kind === 'word' && !SQLITE_VERBS.has(first.text)) return { verb: first.text, readOnly: true };
  const judged = judge(tokens, 0);
  // A token SQLite refuses: this lexer and SQLite may not agree on what comes after it.
  if (tokens.some((token) => token.kind === 'illegal')) return { verb: judged.verb, readOnly: false };
  return judged;
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
    names: tokens
      .filter(({ kind }) => kind === 'word' || kind === 'quoted' || kind === 'string')
      .map((token) => token.text),
    text,
  }));
}

/**
 * Whether SQL holds statements that all provably only read (what may go down a read's path): D1
 * runs every statement of a prepared statement, so one write among them makes it a write.
 */
export function isReadOnlySql(sql: string): boolean {
  const statements = analyzeSql(sql);
  return statements.length > 0 && statements.every((statement) => statement.readOnly);
}

/**
 * Where SQLite stops a statement for having more than `max` variables: the UTF-8 byte offset of the
 * first variable numbered past it (`?` takes the next number, a `:name` the next one unless its name
 * came before), as D1 says it ("too many SQL variables at offset N"). Undefined when there is none,
 * and for `?NNN` past `max`, which SQLite refuses in other words.
 */
export function sqlVariableOverflow(sql: string, max: number): number | undefined {
  for (const { tokens } of tokenize(sql)) {
    const named = new Map<string, number>();
    let highest = 0;
    for (const token of tokens) {
      if (token.kind !== 'variable') continue;
      let number: number;
      if (token.text === '?') number = highest + 1;
      else if (token.text.startsWith('?')) number = Number(token.text.slice(1));
      else number = named.get(token.text) ?? highest + 1;
      if (number > max) {
        if (token.text.startsWith('?') && token.text !== '?') return undefined;
        return new TextEncoder().encode(sql.slice(0, token.from)).byteLength;
      }
      if (!token.text.startsWith('?')) named.set(token.text, number);
      highest = Math.max(highest, number);
    }
  }
  return undefined;
}
