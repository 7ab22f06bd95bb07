// Log collections of the embedded store: the append-only read models (one document per event, written
// once: the audit trail, the histories) stay in SQLite instead of memory. At a million events they were
// most of the store's heap, its start time (every document parsed at open) and its garbage collection.
// They are queried on the main thread through a read-only connection; each has a table of its own
// (log-tables.mjs), with one index per declared IndexSpec on value columns that hold the fields'
// `json_extract(json, '$.field')`, filled at insert. A filter is turned
// into SQL where the translation is exact (equality, $in and ranges on string or number values, $and);
// whatever is left is tested by mingo on the candidates SQL gives, so answers are the in-memory store's.
// Exactness rests on two rules the store enforces at commit: a log document holds no arrays (SQL does
// not match inside arrays as MongoDB does) and is written by one `set` op, never changed.
import Database from 'better-sqlite3';
import { Query } from 'mingo';
import { isPlainPrototype } from './doc-realm.js';
import { logTable, valueColumn, valueFieldsOf } from './log-tables.mjs';
import type { Doc, DocOp, Filter, FindOptions, IndexSpec } from './read-store.js';

const MINGO_OPTIONS = { scriptEnabled: false };
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** The SQL expression of a document path: its value column where an index made one, else json_extract. */
type Expr = (field: string) => string;
const exprIn =
  (columns: ReadonlySet<string>): Expr =>
  (field) =>
    field === '_id' ? 'id' : columns.has(field) ? valueColumn(field) : `json_extract(json, '$.${field}')`;
const typeOf = (field: string) => `json_type(json, '$.${field}')`;

/** What the writer thread makes for one spec on a log collection: a value column per field, then the index on them. */
export function logIndexSql(spec: IndexSpec): { name: string; fields: string[]; sql: string } | null {
  const keys = Object.entries(spec.keys);
  if (!NAME.test(spec.collection) || keys.some(([f, k]) => k === '2dsphere' || !FIELD.test(f))) return null;
  const name = `log__${spec.collection}__${keys.map(([f, k]) => `${f.replaceAll('.', '_')}_${k === -1 ? 'd' : 'a'}`).join('__')}`;
  const fields = keys.map(([f]) => f).filter((f) => f !== '_id');
  const columns = keys.map(([f, k]) => `${f === '_id' ? 'id' : valueColumn(f)}${k === -1 ? ' DESC' : ''}`).join(', ');
  return { name, fields, sql: `CREATE INDEX IF NOT EXISTS "${name}" ON ${logTable(spec.collection)}(${columns})` };
}

/**
 * Checks an op on a log collection: one plain `set` of a new document holding JSON data without arrays.
 * Plain data only, because the set crosses to the writer thread as it is (structured clone) and is made
 * text there: a function, a symbol, a bigint or a class instance (its toJSON) would not arrive as it left.
 */
export function checkLogOp(op: DocOp): void {
  if (op.inc || op.unset || op.setOnInsert) failLogOp(op, 'a log document is written once, by `set` only');
  for (const k in op.set) {
    if (k.includes('.')) failLogOp(op, `dotted path '${k}'`);
    const unfit = unfitValue(op.set[k]);
    if (unfit !== null) failLogOp(op, `'${k}' ${unfit}`);
  }
}

function failLogOp(op: DocOp, why: string): never {
  throw new Error(`invalid op on log collection ${op.collection}/${op.id} at ${op.position}: ${why}`);
}

/** Why a value cannot be in a log document, or null when it can. */
function unfitValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const type = typeof v;
  if (type === 'string' || type === 'number' || type === 'boolean') return null;
  if (type !== 'object') return `holds a ${type} (a log document holds JSON data)`;
  if (Array.isArray(v)) return 'holds an array (SQL cannot match inside arrays as MongoDB does)';
  const proto: unknown = Object.getPrototypeOf(v);
  if (!isPlainPrototype(proto)) return 'holds an object that is not plain data (a log document holds JSON data)';
  for (const k in v as Record<string, unknown>) {
    const unfit = unfitValue((v as Record<string, unknown>)[k]);
    if (unfit !== null) return unfit;
  }
  return null;
}

interface Sql {
  where: string[];
  params: unknown[];
  /** Conditions SQL could not express exactly: mingo tests them. */
  residual: Filter;
  /** Document fields SQL compares for equality, and those it bounds by a range (index choice). */
  equal: Set<string>;
  ranged: Set<string>;
}

const isText = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const RANGE: Record<string, string> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

/** One field's condition as SQL, or null when it cannot be said exactly. */
function condition(field: string, c: unknown, expr: Expr): { sql: string; params: unknown[]; ranged?: true; nothing?: true } | null {
  if (!FIELD.test(field) && field !== '_id') return null;
  const e = expr(field);
  // The id column is TEXT: SQLite would turn a number into text before comparing; MongoDB would not match.
  const fits = (v: unknown) => isText(v) || (isNumber(v) && field !== '_id');
  if (fits(c)) return { sql: `${e} = ?`, params: [c] };
  if (c === null) return field === '_id' ? null : { sql: `${e} IS NULL`, params: [] };
  if (typeof c !== 'object' || Array.isArray(c) || c instanceof RegExp) return null;
  const parts: string[] = [];
  const params: unknown[] = [];
  let ranged = true;
  for (const [operator, v] of Object.entries(c)) {
    // Matches nothing, as in MongoDB: said so, not left to a test of every document (a scan of the table).
    if (operator === '$in' && Array.isArray(v) && v.length === 0) return { sql: '0', params: [], nothing: true };
    if (operator === '$eq' && fits(v)) {
      parts.push(`${e} = ?`);
      params.push(v);
      ranged = false;
    } else if (operator === '$in' && Array.isArray(v) && v.length > 0 && v.every(fits)) {
      parts.push(`${e} IN (${v.map(() => '?').join(', ')})`);
      params.push(...v);
      ranged = false;
    } else if (operator in RANGE && fits(v)) {
      // MongoDB compares a string only with strings and a number only with numbers.
      const kind = isText(v) ? `= 'text'` : `IN ('integer', 'real')`;
      parts.push(field === '_id' ? `id ${RANGE[operator]} ?` : `(${e} ${RANGE[operator]} ? AND ${typeOf(field)} ${kind})`);
      params.push(v);
    } else return null;
  }
  if (parts.length === 0) return null;
  return ranged ? { sql: parts.join(' AND '), params, ranged } : { sql: parts.join(' AND '), params };
}

function translate(filter: Filter, out: Sql, expr: Expr): void {
  for (const [key, c] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(c)) {
      for (const part of c as Filter[]) translate(part, out, expr);
      continue;
    }
    const sql = key.startsWith('$') ? null : condition(key, c, expr);
    if (sql) {
      out.where.push(sql.sql);
      out.params.push(...sql.params);
      if (key !== '_id' && !sql.nothing) (sql.ranged ? out.ranged : out.equal).add(key);
    } else {
      const rest = (out.residual.$and ??= []) as Filter[];
      rest.push({ [key]: c });
    }
  }
}

/**
 * The ORDER BY clause of a sort (with ` ORDER BY `), '' for none, null when SQL cannot sort it exactly.
 * No sort asked, no ORDER BY: an `ORDER BY id` would lead SQLite to walk the whole collection in id order
 * rather than use the index that narrows it (a million statistics records for one day's few hundred).
 */
const orderBy = (sort: Record<string, 1 | -1> | undefined, expr: Expr): string | null => {
  const keys = Object.entries(sort ?? {});
  if (keys.length === 0) return '';
  if (keys.some(([f]) => f !== '_id' && !FIELD.test(f))) return null;
  const terms = keys.map(([f, d]) => `${expr(f)} ${d === -1 ? 'DESC' : 'ASC'}`);
  if (!keys.some(([f]) => f === '_id')) terms.push('id ASC'); // insertion order breaks ties in memory; id here
  return ` ORDER BY ${terms.join(', ')}`;
};

/** The queries on the log collections of one read-model file. */
export class LogCollections {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private known: { version: number; tables: Map<string, Set<string>>; leading: Map<string, string> } | null = null;
  /** Prepared once: `db.pragma()` prepares its statement at every call (4.3-5.1 against 1.8-2.0 µs a call, two a query). */
  private readonly schemaVersion: Database.Statement;

  constructor(readonly file: string) {
    this.db = new Database(file, { readonly: true });
    this.schemaVersion = this.db.prepare('PRAGMA schema_version').pluck();
  }

  private prepare(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  private plan(collection: string, filter: Filter): Sql & { from: string; expr: Expr } {
    const out: Sql = { where: [], params: [], residual: {}, equal: new Set(), ranged: new Set() };
    const columns = this.schema().tables.get(collection);
    const expr = exprIn(columns ?? new Set());
    translate(filter, out, expr);
    // A collection declared but never written (an old file, a store only read) has no table: nothing matches.
    const table = columns ? logTable(collection) : '(SELECT NULL AS id, NULL AS json WHERE 0)';
    const where = out.where.length > 0 ? ` WHERE ${out.where.join(' AND ')}` : '';
    return { ...out, expr, from: `FROM ${table}${this.hint(collection, out)}${where}` };
  }

  /**
   * ` INDEXED BY <index>`: the index that leads with a field the filter compares for equality (or $in),
   * else with one it bounds by a range; '' when none does. Without statistics SQLite may prefer a walk of
   * the whole table in id order to the index that narrows it (a history's few hundred rows of a day:
   * seconds at 200,000 events, growing with the log).
   */
  private hint(collection: string, sql: Sql): string {
    const index = this.indexFor(collection, sql);
    return index ? ` INDEXED BY "${index.name}"` : '';
  }

  /** The index a query goes by (see hint) and the field it leads with; null when none narrows it. */
  private indexFor(collection: string, sql: Sql): { name: string; field: string } | null {
    const leading = this.schema().leading;
    for (const field of [...sql.equal, ...sql.ranged]) {
      const name = leading.get(`${collection}\u0000${field}`);
      if (name) return { name, field };
    }
    return null;
  }

  /** The log tables with their value columns, and their indexes by collection and first field, read again whenever the schema changed. */
  private schema(): { tables: Map<string, Set<string>>; leading: Map<string, string> } {
    const version = this.schemaVersion.get() as number;
    if (this.known?.version !== version) {
      const tables = new Map<string, Set<string>>();
      const leading = new Map<string, string>();
      const rows = this.db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name LIKE 'log\\_\\_%' ESCAPE '\\' ORDER BY type DESC`).all() as { type: string; name: string; tbl_name: string; sql: string | null }[];
      for (const { type, name, tbl_name, sql } of rows) {
        const collection = tbl_name.slice('log__'.length);
        if (type === 'table') {
          tables.set(collection, new Set(valueFieldsOf(this.db, collection)));
          continue;
        }
        // Tables come first (ORDER BY type DESC): an index on json_extract where the field has a column
        // (made before value columns) cannot serve a query on the column.
        const onColumn = sql ? /\("v\.([A-Za-z0-9_.]+)"/.exec(sql) : null;
        const onJson = sql ? /\(json_extract\(json, '\$\.([A-Za-z0-9_.]+)'\)/.exec(sql) : null;
        const field = onColumn?.[1] ?? (onJson && !tables.get(collection)?.has(onJson[1]!) ? onJson[1] : undefined);
        if (field !== undefined && !leading.has(`${collection}\u0000${field}`)) leading.set(`${collection}\u0000${field}`, name);
      }
      this.known = { version, tables, leading };
    }
    return this.known;
  }

  find(collection: string, filter: Filter, options: FindOptions = {}): Doc[] {
    const plan = this.plan(collection, filter);
    const order = orderBy(options.sort, plan.expr);
    const exact = Object.keys(plan.residual).length === 0;
    const skip = options.skip ?? 0;
    const limit = options.limit ?? 0;
    let docs: Doc[];
    if (exact && order !== null) {
      const page = limit > 0 ? ` LIMIT ${Math.trunc(limit)} OFFSET ${Math.trunc(skip)}` : skip > 0 ? ` LIMIT -1 OFFSET ${Math.trunc(skip)}` : '';
      docs = this.parse(this.prepare(`SELECT json ${plan.from}${order}${page}`).pluck().all(...plan.params) as string[]);
    } else {
      const query = new Query(plan.residual, MINGO_OPTIONS);
      const rows = this.prepare(`SELECT json ${plan.from}${order ?? ''}`).pluck();
      const matching: Doc[] = [];
      const enough = order !== null && limit > 0 ? skip + limit : Infinity;
      for (const json of rows.iterate(...plan.params) as Iterable<string>) {
        const doc = JSON.parse(json) as Doc;
        if (query.test(doc)) matching.push(doc);
        if (matching.length >= enough) break;
      }
      docs = order !== null || !options.sort ? matching : new Query({}, MINGO_OPTIONS).find<Doc>(matching).sort(options.sort).all();
      docs = limit > 0 ? docs.slice(skip, skip + limit) : docs.slice(skip);
    }
    return options.projection ? new Query({}, MINGO_OPTIONS).find<Doc>(docs, options.projection).all() : docs;
  }

  count(collection: string, filter: Filter): number {
    const plan = this.plan(collection, filter);
    if (Object.keys(plan.residual).length === 0) return this.prepare(`SELECT count(*) ${plan.from}`).pluck().get(...plan.params) as number;
    const query = new Query(plan.residual, MINGO_OPTIONS);
    let n = 0;
    for (const json of this.prepare(`SELECT json ${plan.from}`).pluck().iterate(...plan.params) as Iterable<string>) if (query.test(JSON.parse(json) as Doc)) n++;
    return n;
  }

  /**
   * The matching documents in `sort` order, `size` at a time, from one read transaction of a connection
   * of its own: the answer as it stood when asked (WAL keeps that snapshot), and the iteration may span
   * awaits without blocking the shared connection.
   */
  *pages(collection: string, filter: Filter, sort: Record<string, 1 | -1> | undefined, size: number): Generator<Doc[]> {
    const plan = this.plan(collection, filter);
    const order = orderBy(sort, plan.expr);
    if (order === null) {
      const all = new Query({}, MINGO_OPTIONS).find<Doc>(this.find(collection, filter), {}).sort(sort ?? {}).all();
      for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
      return;
    }
    const own = new Database(this.file, { readonly: true });
    try {
      const query = Object.keys(plan.residual).length === 0 ? null : new Query(plan.residual, MINGO_OPTIONS);
      let page: Doc[] = [];
      for (const json of own.prepare(`SELECT json ${plan.from}${order}`).pluck().iterate(...plan.params) as Iterable<string>) {
        const doc = JSON.parse(json) as Doc;
        if (query && !query.test(doc)) continue;
        page.push(doc);
        if (page.length >= size) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    } finally {
      own.close();
    }
  }

  /**
   * The query of `pages` as SQL a thread of its own can run on the file (line-export.ts), when SQL says the
   * whole filter and the sort exactly; null when mingo must test or sort the candidates.
   */
  exportQuery(collection: string, filter: Filter, sort: Record<string, 1 | -1> | undefined): { file: string; sql: string; params: unknown[] } | null {
    const plan = this.plan(collection, filter);
    const order = orderBy(sort, plan.expr);
    if (order === null || Object.keys(plan.residual).length > 0) return null;
    return { file: this.file, sql: `SELECT json ${plan.from}${order}`, params: plan.params };
  }

  /**
   * Whether the query may reach `n` documents: the entries of the index it goes by for its one field the
   * index leads with, counted in the index alone up to `n` (an upper bound: the other conditions would need
   * each row; counting them made a selective export pay its whole scan twice). True when no index narrows it.
   */
  mayReach(collection: string, filter: Filter, n: number): boolean {
    const field = this.indexFor(collection, this.plan(collection, filter))?.field;
    if (field === undefined || !(field in filter)) return true;
    const narrow = this.plan(collection, { [field]: filter[field] });
    return (this.prepare(`SELECT count(*) FROM (SELECT 1 ${narrow.from} LIMIT ${Math.trunc(n)})`).pluck().get(...narrow.params) as number) >= n;
  }

  /** The plan SQLite makes of find's query (tests hold the index choice with it). */
  explain(collection: string, filter: Filter, sort?: Record<string, 1 | -1>): string[] {
    const plan = this.plan(collection, filter);
    const rows = this.db.prepare(`EXPLAIN QUERY PLAN SELECT json ${plan.from}${orderBy(sort, plan.expr) ?? ''}`).all(...plan.params) as { detail: string }[];
    return rows.map((r) => r.detail);
  }

  private parse(rows: string[]): Doc[] {
    return rows.map((json) => JSON.parse(json) as Doc);
  }

  close(): void {
    this.db.close();
  }
}
