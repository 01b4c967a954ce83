/** Counts the SQL statements the ORM sends, to guard hot paths against N+1 queries and extra round trips. */
export class StatementLog {
  private readonly seen: string[] = [];

  /** Pass as `onStatement` to createTestDatabase / createTestApp. */
  readonly record = (sql: string): void => {
    this.seen.push(sql);
  };

  /** Runs `fn` and returns what it returned with the statements sent meanwhile (nothing else may run). */
  async during<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    const from = this.seen.length;
    const result = await fn();
    return { result, statements: this.seen.slice(from) };
  }
}
