/**
 * Returns to the pool any connection the server closed while it was checked out.
 *
 * Measured by tests/reliability/faults.test.ts: after `pg_terminate_backend` under load, 10 of 15 pooled
 * connections stayed checked out forever (the app then closed only by timing out). Kysely's controlled
 * transactions release their connection only after a successful `begin`, `commit` or `rollback`; on a
 * connection the server has just closed all three fail, so nothing ever calls `release()` and the pool
 * slowly runs dry. The guard makes `release()` idempotent and calls it (with the error, so pg-pool discards
 * the client) when a checked-out client's socket ends. A later `release()` by Kysely is then a no-op.
 */
import type { Pool, PoolClient } from 'pg';

function guard(client: PoolClient): PoolClient {
  const release = client.release.bind(client);
  let released = false;
  const onEnd = () => done(new Error('connection ended while checked out'));
  function done(err?: Error | boolean): void {
    if (released) return;
    released = true;
    client.removeListener('end', onEnd);
    release(err);
  }
  client.release = done;
  client.once('end', onEnd);
  return client;
}

type ConnectCallback = (err: Error | undefined, client?: PoolClient, done?: (err?: Error) => void) => void;

/**
 * Wraps `pool.connect()` so every checked-out client is guarded: the promise form (what Kysely uses) and
 * the callback form (what `pool.query()` uses internally).
 */
export function guardPool(pool: Pool): void {
  const connect = pool.connect.bind(pool) as unknown as (cb?: ConnectCallback) => Promise<PoolClient> | void;
  pool.connect = ((cb?: ConnectCallback) => {
    if (!cb) return (connect() as Promise<PoolClient>).then(guard);
    return connect((err, client, done) => {
      if (err || !client) return cb(err, client, done);
      const guardedClient = guard(client);
      cb(undefined, guardedClient, guardedClient.release);
    });
  }) as Pool['connect'];
}
