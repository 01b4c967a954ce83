/**
 * Read models on hot paths: a statement the QueryBuilder builds once per ORM, then runs with new values.
 *
 * Building a query (resolving properties, joins and aliases, quoting) costs a few hundred microseconds
 * every time, more than the round trip of a small indexed query. A read model that runs on every request
 * (authentication, GET by id) builds its statement once, with named placeholders where the values go,
 * and each call only binds the values, as a prepared statement would. Rows come back plain (column names
 * as selected); the repository that owns the read model maps them to its DTO-shaped type.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { QueryBuilder, SqlEntityManager } from '@mikro-orm/postgresql';

/** Marks where a named value goes while the statement is built. */
export type Placeholder = (name: string) => string;

/** What a row mapper may need: timestamps arrive as the database's text (see the driver's type parsers). */
export interface RowTools {
  date(value: unknown): Date;
  dateOrNull(value: unknown): Date | null;
}

/** What a placeholder renders as while the statement is built; replaced by `?` afterwards. */
const marker = (name: string) => `__oversight_value_${name}__`;
const MARKERS = /'__oversight_value_(\w+)__'/g;

export interface PreparedQueryOptions {
  /**
   * A read model that may answer from a read replica (src/db/replicas.ts): it changes nothing, and what
   * it returns is not what a service then changes. Inside a transaction it reads from the primary anyway.
   */
  replica?: boolean;
}

export class PreparedQuery<Values extends Record<string, unknown>, Row, Raw = Row> {
  /** The built SQL and the order of its values, per ORM (metadata), built on first use. */
  private readonly built = new WeakMap<object, { sql: string; order: (keyof Values)[] }>();

  constructor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any entity's builder
    private readonly build: (em: SqlEntityManager, value: Placeholder) => QueryBuilder<any, any, any, any>,
    /** Maps a row as selected to the read model's type (default: as it came). */
    private readonly map: (row: Raw, tools: RowTools) => Row = (row) => row as unknown as Row,
    private readonly options: PreparedQueryOptions = {},
  ) {}

  private statement(em: SqlEntityManager) {
    const key = em.getMetadata();
    let built = this.built.get(key);
    if (!built) {
      // Every value, in a condition or in a raw fragment, is rendered as a quoted marker, then swapped for `?`.
      const formatted = this.build(em, marker).getFormattedQuery();
      const order: (keyof Values)[] = [];
      const sql = formatted.replace(MARKERS, (_, name: string) => {
        order.push(name);
        return '?';
      });
      if (sql.includes('__oversight_value_'))
        throw new TypeError(`a placeholder was not rendered as a value: ${sql}`);
      built = { sql, order };
      this.built.set(key, built);
    }
    return built;
  }

  /** Every row for these values. */
  async all(em: EntityManager, values: Values): Promise<Row[]> {
    const sql = em as SqlEntityManager;
    const { sql: query, order } = this.statement(sql);
    const rows = await sql.execute<Raw[]>(
      query,
      order.map((name) => values[name]),
      { method: 'all', connectionType: this.options.replica ? 'read' : 'write' },
    );
    const tools = rowTools(em);
    return rows.map((row) => this.map(row, tools));
  }

  /** The first row for these values, or undefined. */
  async one(em: EntityManager, values: Values): Promise<Row | undefined> {
    return (await this.all(em, values))[0];
  }
}

function rowTools(em: EntityManager): RowTools {
  const platform = em.getPlatform();
  const date = (value: unknown): Date =>
    value instanceof Date ? value : (platform.parseDate(value as string) as Date);
  return { date, dateOrNull: (value) => (value == null ? null : date(value)) };
}

/**
 * A family of prepared queries that differ in shape (e.g. which optional filters are present): each
 * variant is built once, when first asked for, then reused like any prepared query.
 */
export function preparedVariants<
  Shape extends string,
  Values extends Record<string, unknown>,
  Row,
  Raw = Row,
>(
  build: (shape: Shape) => (em: SqlEntityManager, value: Placeholder) => QueryBuilder<any, any, any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  map?: (row: Raw, tools: RowTools) => Row,
  options?: PreparedQueryOptions,
): (shape: Shape) => PreparedQuery<Values, Row, Raw> {
  const variants = new Map<Shape, PreparedQuery<Values, Row, Raw>>();
  return (shape) => {
    let query = variants.get(shape);
    if (!query) {
      query = new PreparedQuery<Values, Row, Raw>(build(shape), map, options);
      variants.set(shape, query);
    }
    return query;
  };
}

/** A number (a limit, an offset) where a prepared query takes it as a value. */
export const numberValue = (value: Placeholder, name: string): number => value(name) as unknown as number;
