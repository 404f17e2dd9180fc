/** A transaction-control statement found in an SQL script by {@link findTransactionControl}. */
export interface TransactionControlStatement {
  /** Its leading words, upper-cased: `COMMIT`, `COMMIT AND CHAIN`, `START TRANSACTION`, `PREPARE TRANSACTION`… */
  command: string;
  /** 1-based line of its first word. */
  line: number;
}

/** One top-level statement of a script: its first words (keywords and identifiers, upper-cased). */
interface ScannedStatement {
  words: string[];
  line: number;
}

/** How many leading words of a statement are kept: enough for `CREATE OR REPLACE FUNCTION` and `ROLLBACK WORK TO`. */
const keptWords = 4;

const identifierStart = /[A-Za-z_\u0080-\uffff]/;
const identifierPart = /[A-Za-z0-9_$\u0080-\uffff]/;
const dollarTag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/**
 * Splits `sql` into top-level statements the way PostgreSQL's own lexer (and psql) sees them and
 * keeps each statement's first words. Skipped as opaque: string constants (`'…'` with `''`,
 * `E'…'` with backslash escapes, `B'…'`, `X'…'`, `N'…'`, `U&'…'`), quoted identifiers (`"…"`),
 * dollar-quoted bodies (`$$…$$`, `$tag$…$tag$`: plpgsql's `BEGIN … END` lives there), line and
 * nested block comments, and `$1` parameters. A `;` inside parentheses or inside the
 * `BEGIN ATOMIC … END` body of `CREATE [OR REPLACE] FUNCTION|PROCEDURE` does not end a statement
 * (psql's heuristic: inside such a statement `BEGIN` and, within it, `CASE` open a block that
 * `END` closes). An unterminated construct swallows the rest of the script, as it does for the
 * server, which then refuses the whole script as a syntax error.
 */
function scanStatements(sql: string): ScannedStatement[] {
  const statements: ScannedStatement[] = [];
  let current: ScannedStatement = { words: [], line: 0 };
  let parenDepth = 0;
  let beginDepth = 0;
  let line = 1;
  let i = 0;
  const n = sql.length;

  /** Advances `i` to `end`, counting the newlines skipped. */
  const skipTo = (end: number): void => {
    for (let k = i; k < end && k < n; k++) if (sql.charCodeAt(k) === 10) line++;
    i = Math.min(end, n);
  };
  /** Skips a quoted run opened at `i` by `quote`; a doubled quote (and with `backslash`, `\x`) is part of it. */
  const skipQuoted = (quote: string, backslash: boolean): void => {
    let k = i + 1;
    while (k < n) {
      const c = sql[k];
      if (backslash && c === '\\') {
        k += 2;
      } else if (c === quote) {
        if (sql[k + 1] === quote) k += 2;
        else break;
      } else {
        k++;
      }
    }
    skipTo(k + 1);
  };
  /** Records a token of the current statement: a word, or '' for anything that is not one. */
  const push = (word: string): void => {
    if (current.words.length < keptWords) current.words.push(word);
  };
  const noteToken = (): void => {
    if (current.words.length === 0 && current.line === 0) current.line = line;
  };
  const isRoutineDefinition = (): boolean => {
    const [w0, w1, w2, w3] = current.words;
    const routine = (word: string | undefined): boolean => word === 'FUNCTION' || word === 'PROCEDURE';
    return w0 === 'CREATE' && (routine(w1) || (w1 === 'OR' && w2 === 'REPLACE' && routine(w3)));
  };

  while (i < n) {
    const c = sql[i] ?? '';
    const next = sql[i + 1];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end;
    } else if (c === '/' && next === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      let k = i;
      while (k < n) {
        if (sql[k] === '/' && sql[k + 1] === '*') {
          depth++;
          k += 2;
        } else if (sql[k] === '*' && sql[k + 1] === '/') {
          depth--;
          k += 2;
          if (depth === 0) break;
        } else {
          k++;
        }
      }
      skipTo(k);
    } else if (c === "'") {
      noteToken();
      skipQuoted("'", false);
      push('');
    } else if (c === '"') {
      noteToken();
      skipQuoted('"', false);
      // A quoted identifier is never a keyword: `"commit"` is a name.
      push('');
    } else if (c === '$') {
      const tag = dollarTag.exec(sql.slice(i, i + 64))?.[0];
      if (tag !== undefined) {
        noteToken();
        const close = sql.indexOf(tag, i + tag.length);
        skipTo(close === -1 ? n : close + tag.length);
        push('');
      } else {
        // A parameter ($1) or a stray dollar.
        i++;
        while (i < n && /[0-9]/.test(sql[i] ?? '')) i++;
      }
    } else if (identifierStart.test(c)) {
      noteToken();
      let k = i + 1;
      while (k < n && identifierPart.test(sql[k] ?? '')) k++;
      const word = sql.slice(i, k).toUpperCase();
      i = k;
      const after = sql[i];
      if (after === "'" && (word === 'E' || word === 'B' || word === 'X' || word === 'N')) {
        skipQuoted("'", word === 'E');
        push('');
        continue;
      }
      if (word === 'U' && after === '&' && (sql[i + 1] === "'" || sql[i + 1] === '"')) {
        i++;
        skipQuoted(sql[i] ?? "'", false);
        push('');
        continue;
      }
      if (parenDepth === 0 && isRoutineDefinition()) {
        if (word === 'BEGIN') beginDepth++;
        else if (word === 'CASE' && beginDepth >= 1) beginDepth++;
        else if (word === 'END' && beginDepth > 0) beginDepth--;
      }
      push(word);
    } else if (/[0-9]/.test(c)) {
      noteToken();
      // Numbers, including 1e5 and 0x1F: their letters are not words.
      let k = i + 1;
      while (k < n && /[0-9A-Za-z_.]/.test(sql[k] ?? '')) k++;
      i = k;
      push('');
    } else if (c === ';' && parenDepth === 0 && beginDepth === 0) {
      if (current.line !== 0) statements.push(current);
      current = { words: [], line: 0 };
      i++;
    } else {
      if (c === '(') parenDepth++;
      else if (c === ')' && parenDepth > 0) parenDepth--;
      noteToken();
      push('');
      i++;
    }
  }
  if (current.line !== 0) statements.push(current);
  return statements;
}

/**
 * The transaction-control command a statement starting with `words` is, if any: `BEGIN`,
 * `START TRANSACTION`, `COMMIT` (also `AND CHAIN`, `PREPARED`), `END`, `ROLLBACK` (also
 * `PREPARED`, but not `ROLLBACK TO [SAVEPOINT]`), `ABORT`, `PREPARE TRANSACTION`. Savepoints
 * (`SAVEPOINT`, `RELEASE`, `ROLLBACK TO`) nest inside the surrounding transaction and are not
 * transaction control here.
 */
function transactionCommand(words: readonly string[]): string | undefined {
  const [w0 = '', w1 = ''] = words;
  // `COMMIT [WORK | TRANSACTION] [AND [NO] CHAIN]`, the same for ROLLBACK.
  const rest = w1 === 'WORK' || w1 === 'TRANSACTION' ? words.slice(2) : words.slice(1);
  const chained = (base: string): string => (rest[0] === 'AND' && rest[1] !== 'NO' ? `${base} AND CHAIN` : base);
  switch (w0) {
    case 'BEGIN':
    case 'END':
    case 'ABORT':
      return w0;
    case 'START':
      return w1 === 'TRANSACTION' ? 'START TRANSACTION' : undefined;
    case 'COMMIT':
      return w1 === 'PREPARED' ? 'COMMIT PREPARED' : chained('COMMIT');
    case 'ROLLBACK':
      if (w1 === 'PREPARED') return 'ROLLBACK PREPARED';
      return rest[0] === 'TO' ? undefined : chained('ROLLBACK');
    case 'PREPARE':
      return w1 === 'TRANSACTION' ? 'PREPARE TRANSACTION' : undefined;
    default:
      return undefined;
  }
}

/**
 * Every top-level statement of `sql` that would end, start or hand over a transaction, in order.
 * A migration runs inside the migrator's transaction, so any of these would commit or roll back
 * part of it while its version stays unrecorded. Words inside strings, comments, quoted
 * identifiers and dollar-quoted or `BEGIN ATOMIC` function bodies are not statements and are
 * never reported. Pure; never throws.
 */
export function findTransactionControl(sql: string): TransactionControlStatement[] {
  const found: TransactionControlStatement[] = [];
  for (const statement of scanStatements(sql)) {
    const command = transactionCommand(statement.words);
    if (command !== undefined) found.push({ command, line: statement.line });
  }
  return found;
}
