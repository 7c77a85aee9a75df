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
  return new Parser(tokenize(jql)).query();
}

type Comparison = '>=' | '>' | '<=' | '<' | '=';
const COMPARISONS: string[] = ['>=', '>', '<=', '<', '='];
const DATE_FIELDS = ['updated', 'created', 'updateddate', 'createddate'];
const ORDER_FIELDS = ['updated', 'created', 'key', 'id'];
/** Words of JQL's grammar, which an unquoted value may not be. */
const RESERVED = ['and', 'or', 'not', 'in', 'is', 'was', 'changed', 'empty', 'null', 'order', 'by'];

/** A recursive-descent parser, one method per production of the grammar. */
class Parser {
  private p = 0;

  constructor(private readonly toks: Token[]) {}

  /** query := clause (AND clause)* [ORDER BY sortKey (, sortKey)*] */
  query(): Query {
    const clauses: Clause[] = [];
    while (this.p < this.toks.length && !this.word('order')) {
      if (clauses.length > 0) this.and();
      clauses.push(this.clause());
    }
    const orderBy = this.word('order') ? this.orderBy() : [];
    if (this.p < this.toks.length)
      throw new JqlError(`Error in the JQL Query: Expecting end of query but got '${this.toks[this.p]!.v}'.`);
    return { clauses, orderBy };
  }

  private and(): void {
    if (this.word('or'))
      throw new JqlError("Error in the JQL Query: 'OR' is not supported by this simulator; use AND.");
    this.expect(this.word('and'), "'AND'");
    this.p++;
  }

  /** clause := field membership | dateField comparison */
  private clause(): Clause {
    const f = this.peek();
    this.expect(f?.t === 'word' || f?.t === 'string', 'a field name');
    const field = f!.v.toLowerCase();
    this.p++;
    if (field === 'project' || field === 'key' || field === 'issuekey')
      return this.membership(field === 'project' ? 'project' : 'key');
    if (DATE_FIELDS.includes(field))
      return this.comparison(field.startsWith('updated') ? 'updated' : 'created');
    throw new JqlError(
      `Field '${f!.v}' does not exist or this field cannot be viewed by anonymous users (not supported by this simulator).`,
    );
  }

  /** membership := (= | !=) value | [NOT] IN list */
  private membership(kind: 'project' | 'key'): Clause {
    let negate = false;
    let values: string[];
    if (this.peek()?.v === '=' || this.peek()?.v === '!=') {
      negate = this.peek()!.v === '!=';
      this.p++;
      values = [this.value()];
    } else if (this.word('in') || this.word('not')) {
      if (this.word('not')) {
        negate = true;
        this.p++;
        this.expect(this.word('in'), "'IN'");
      }
      this.p++;
      values = this.list();
    } else
      throw new JqlError(`Error in the JQL Query: Expecting operator but got '${this.peek()?.v ?? ''}'.`);
    return { kind, values, negate };
  }

  /** comparison := (>= | > | <= | < | =) date */
  private comparison(field: 'updated' | 'created'): Clause {
    const op = this.peek();
    this.expect(op?.t === 'op' && COMPARISONS.includes(op.v), 'a comparison operator');
    this.p++;
    const v = this.peek();
    this.expect(v?.t === 'string' || v?.t === 'number', 'a date');
    this.p++;
    return { kind: 'date', field, op: op!.v as Comparison, value: dateValue(v!) };
  }

  /** list := ( value (, value)* ) */
  private list(): string[] {
    this.expect(this.peek()?.v === '(', "'('");
    this.p++;
    const values = [this.value()];
    while (this.peek()?.v === ',') {
      this.p++;
      values.push(this.value());
    }
    this.expect(this.peek()?.v === ')', "')'");
    this.p++;
    return values;
  }

  private value(): string {
    const v = this.peek();
    this.expect(v !== undefined && v.t !== 'punct' && v.t !== 'op', 'a value');
    // Jira's reserved words are values only when quoted.
    if (v!.t === 'word' && RESERVED.includes(v!.v.toLowerCase()))
      throw new JqlError(
        `Error in the JQL Query: Expecting either a value, list or function but got '${v!.v}'. You must surround '${v!.v}' in quotation marks to use it as a value.`,
      );
    this.p++;
    return v!.v;
  }

  /** ORDER BY sortKey (, sortKey)*, at most 7 keys as in Jira. */
  private orderBy(): OrderBy[] {
    this.p++;
    this.expect(this.word('by'), "'BY'");
    this.p++;
    const orderBy = [this.sortKey()];
    while (this.peek()?.v === ',') {
      this.p++;
      orderBy.push(this.sortKey());
    }
    if (orderBy.length > 7) throw new JqlError('The ORDER BY clause can contain at most 7 fields.');
    return orderBy;
  }

  /** sortKey := field [ASC | DESC] */
  private sortKey(): OrderBy {
    const f = this.peek();
    this.expect(f?.t === 'word', 'a field to order by');
    const name = f!.v.toLowerCase();
    const field = name === 'issuekey' ? 'key' : name;
    if (!ORDER_FIELDS.includes(field))
      throw new JqlError(`Field '${f!.v}' cannot be used to order results in this simulator.`);
    this.p++;
    let direction: 'ASC' | 'DESC' = 'ASC';
    if (this.word('asc') || this.word('desc')) {
      direction = this.peek()!.v.toUpperCase() as 'ASC' | 'DESC';
      this.p++;
    }
    return { field: field as OrderBy['field'], direction };
  }

  private peek(): Token | undefined {
    return this.toks[this.p];
  }

  private word(w: string): boolean {
    return this.peek()?.t === 'word' && this.peek()!.v.toLowerCase() === w;
  }

  private expect(pred: boolean, what: string): void {
    if (pred) return;
    const at = this.peek();
    throw new JqlError(
      at
        ? `Error in the JQL Query: Expecting ${what} but got '${at.v}'.`
        : `Error in the JQL Query: Expecting ${what} before the end of the query.`,
    );
  }
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
