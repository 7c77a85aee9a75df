/**
 * The slice of JQL a sync needs, parsed as Jira parses it: clauses joined by AND,
 * `project = A` / `project in (A, B)`, `key`/`issuekey` equality and lists, date
 * comparisons on `updated` and `created` (quoted "yyyy-MM-dd HH:mm", "yyyy/MM/dd HH:mm",
 * dates, or an unquoted number read as epoch milliseconds), and `ORDER BY`. Dates
 * are compared to the minute, as Jira's index keeps them. A query with no restriction
 * is refused, as /search/jql refuses unbounded queries.
 */

export class JqlError extends Error {}

export type Clause =
  | { kind: 'project'; values: string[]; negate: boolean }
  | { kind: 'key'; values: string[]; negate: boolean }
  | { kind: 'date'; field: 'updated' | 'created'; op: '>=' | '>' | '<=' | '<' | '='; value: number };

export interface OrderBy {
  field: 'updated' | 'created' | 'key' | 'id';
  direction: 'ASC' | 'DESC';
}

export interface Query {
  clauses: Clause[];
  orderBy: OrderBy[];
}

type Token = { t: 'word' | 'string' | 'number' | 'op' | 'punct'; v: string };

function tokenize(jql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < jql.length) {
    const c = jql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < jql.length && jql[j] !== c) {
        if (jql[j] === '\\' && j + 1 < jql.length) j++;
        s += jql[j];
        j++;
      }
      if (j >= jql.length)
        throw new JqlError(`Error in the JQL Query: The quoted string '${s}' has not been completed.`);
      out.push({ t: 'string', v: s });
      i = j + 1;
    } else if (/[(),]/.test(c)) {
      out.push({ t: 'punct', v: c });
      i++;
    } else if (/[<>=!~]/.test(c)) {
      const two = jql.slice(i, i + 2);
      if (['>=', '<=', '!=', '!~'].includes(two)) {
        out.push({ t: 'op', v: two });
        i += 2;
      } else {
        out.push({ t: 'op', v: c });
        i++;
      }
    } else {
      let j = i;
      while (j < jql.length && !/[\s(),<>=!~"']/.test(jql[j]!)) j++;
      const w = jql.slice(i, j);
      out.push({ t: /^-?\d+$/.test(w) ? 'number' : 'word', v: w });
      i = j;
    }
  }
  return out;
}

const DATE = /^(\d{4})[-/](\d{2})[-/](\d{2})(?:\s+(\d{2}):(\d{2}))?$/;

/** A JQL date value in UTC (the simulator's users all have the UTC time zone). */
function dateValue(tok: Token): number {
  if (tok.t === 'number') return Number(tok.v);
  const m = DATE.exec(tok.v.trim());
  if (!m)
    throw new JqlError(
      `Date value '${tok.v}' for field 'updated' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
    );
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
}

export function parseJql(jql: string): Query {
  const toks = tokenize(jql);
  let p = 0;
  const peek = () => toks[p];
  const word = (w: string) => peek()?.t === 'word' && peek()!.v.toLowerCase() === w;
  const expect = (pred: boolean, what: string): void => {
    if (!pred) {
      const at = peek();
      throw new JqlError(
        at
          ? `Error in the JQL Query: Expecting ${what} but got '${at.v}'.`
          : `Error in the JQL Query: Expecting ${what} before the end of the query.`,
      );
    }
  };
  const clauses: Clause[] = [];
  const orderBy: OrderBy[] = [];
  const list = (): string[] => {
    expect(peek()?.v === '(', "'('");
    p++;
    const values: string[] = [];
    for (;;) {
      const v = peek();
      expect(v !== undefined && v.t !== 'punct' && v.t !== 'op', 'a value');
      values.push(v!.v);
      p++;
      if (peek()?.v === ',') {
        p++;
        continue;
      }
      expect(peek()?.v === ')', "')'");
      p++;
      return values;
    }
  };

  while (p < toks.length && !word('order')) {
    if (clauses.length > 0) {
      if (word('or'))
        throw new JqlError("Error in the JQL Query: 'OR' is not supported by this simulator; use AND.");
      expect(word('and'), "'AND'");
      p++;
    }
    const f = peek();
    expect(f?.t === 'word' || f?.t === 'string', 'a field name');
    const field = f!.v.toLowerCase();
    p++;
    if (field === 'project' || field === 'key' || field === 'issuekey') {
      let negate = false;
      let values: string[];
      if (peek()?.v === '=' || peek()?.v === '!=') {
        negate = peek()!.v === '!=';
        p++;
        const v = peek();
        expect(v !== undefined && v.t !== 'punct' && v.t !== 'op', 'a value');
        values = [v!.v];
        p++;
      } else if (word('in') || word('not')) {
        if (word('not')) {
          negate = true;
          p++;
          expect(word('in'), "'IN'");
        }
        p++;
        values = list();
      } else throw new JqlError(`Error in the JQL Query: Expecting operator but got '${peek()?.v ?? ''}'.`);
      clauses.push({ kind: field === 'project' ? 'project' : 'key', values, negate });
    } else if (
      field === 'updated' ||
      field === 'created' ||
      field === 'updateddate' ||
      field === 'createddate'
    ) {
      const op = peek();
      expect(op?.t === 'op' && ['>=', '>', '<=', '<', '='].includes(op.v), 'a comparison operator');
      p++;
      const v = peek();
      expect(v?.t === 'string' || v?.t === 'number', 'a date');
      p++;
      clauses.push({
        kind: 'date',
        field: field.startsWith('updated') ? 'updated' : 'created',
        op: op!.v as '>=' | '>' | '<=' | '<' | '=',
        value: dateValue(v!),
      });
    } else {
      throw new JqlError(
        `Field '${f!.v}' does not exist or this field cannot be viewed by anonymous users (not supported by this simulator).`,
      );
    }
  }
  if (word('order')) {
    p++;
    expect(word('by'), "'BY'");
    p++;
    for (;;) {
      const f = peek();
      expect(f?.t === 'word', 'a field to order by');
      const name = f!.v.toLowerCase();
      const field = name === 'issuekey' ? 'key' : name;
      if (!['updated', 'created', 'key', 'id'].includes(field))
        throw new JqlError(`Field '${f!.v}' cannot be used to order results in this simulator.`);
      p++;
      let direction: 'ASC' | 'DESC' = 'ASC';
      if (word('asc') || word('desc')) {
        direction = peek()!.v.toUpperCase() as 'ASC' | 'DESC';
        p++;
      }
      orderBy.push({ field: field as OrderBy['field'], direction });
      if (peek()?.v === ',') {
        p++;
        continue;
      }
      break;
    }
    if (orderBy.length > 7) throw new JqlError('The ORDER BY clause can contain at most 7 fields.');
  }
  if (p < toks.length)
    throw new JqlError(`Error in the JQL Query: Expecting end of query but got '${toks[p]!.v}'.`);
  return { clauses, orderBy };
}

/** A query with no clause restricting it (e.g. only `ORDER BY key`). */
export function isUnbounded(q: Query): boolean {
  return q.clauses.filter((c) => c.kind === 'date' || !c.negate).length === 0;
}

const MINUTE = 60_000;
const minute = (t: number) => Math.floor(t / MINUTE) * MINUTE;

export interface Matchable {
  id: string;
  key: string;
  project: string;
  projectId: string;
  created: number;
  updated: number;
}

export function matches(q: Query, i: Matchable): boolean {
  for (const c of q.clauses) {
    if (c.kind === 'project') {
      const hit = c.values.some((v) => v.toUpperCase() === i.project || v === i.projectId);
      if (hit === c.negate) return false;
    } else if (c.kind === 'key') {
      const hit = c.values.some((v) => v.toUpperCase() === i.key || v === i.id);
      if (hit === c.negate) return false;
    } else {
      const have = minute(c.field === 'updated' ? i.updated : i.created);
      const want = minute(c.value);
      const ok =
        c.op === '>='
          ? have >= want
          : c.op === '>'
            ? have > want
            : c.op === '<='
              ? have <= want
              : c.op === '<'
                ? have < want
                : have === want;
      if (!ok) return false;
    }
  }
  return true;
}

const keyNumber = (key: string) => Number(key.slice(key.lastIndexOf('-') + 1));

export function compareBy(order: OrderBy[]): (a: Matchable, b: Matchable) => number {
  // Without ORDER BY, Jira lists the newest keys first.
  const o: OrderBy[] = order.length ? order : [{ field: 'key', direction: 'DESC' }];
  return (a, b) => {
    for (const { field, direction } of o) {
      let d: number;
      if (field === 'key')
        d = a.project === b.project ? keyNumber(a.key) - keyNumber(b.key) : a.project < b.project ? -1 : 1;
      else if (field === 'id') d = Number(a.id) - Number(b.id);
      else d = field === 'updated' ? a.updated - b.updated : a.created - b.created;
      if (d !== 0) return direction === 'ASC' ? d : -d;
    }
    return Number(a.id) - Number(b.id);
  };
}
