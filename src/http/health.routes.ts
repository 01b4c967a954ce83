import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { replicaStatus } from '../db/bound-driver.js';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  database: Type.Object({
    reachable: Type.Boolean(),
    engine: Type.Union([Type.Literal('postgresql'), Type.Literal('pglite')]),
    error: Type.Optional(Type.String()),
    replicas: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.String({ description: 'host:port' }),
          up: Type.Boolean({ description: 'answered its last check' }),
          lagMs: Type.Union([Type.Number(), Type.Null()], {
            description: 'behind the primary, at the last check',
          }),
          usable: Type.Boolean({ description: 'read models may read from it now' }),
        }),
        {
          description:
            'read replicas (DATABASE_REPLICA_URLS), when configured; one down is skipped, not fatal',
        },
      ),
    ),
  }),
  migrations: Type.Object({
    applied: Type.Array(Type.String()),
    pending: Type.Array(Type.String()),
  }),
});

export const healthRoutes: FastifyPluginAsyncTypebox<{ engine: 'postgresql' | 'pglite' }> = async (
  app,
  { engine },
) => {
  const replicasOf = () => {
    const replicas = replicaStatus(app.orm);
    return replicas ? { replicas } : {};
  };
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Database reachability, engine and migrations',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const status = await app.orm.checkConnection();
      if (!status.ok) {
        return reply.status(503).send({
          status: 'degraded',
          database: { reachable: false, engine, error: 'the database is unreachable' },
          migrations: { applied: [], pending: [] },
        });
      }
      const migrator = app.orm.migrator;
      const [executed, pending] = await Promise.all([migrator.getExecuted(), migrator.getPending()]);
      return {
        status: pending.length === 0 ? ('ok' as const) : ('degraded' as const),
        database: { reachable: true, engine, ...replicasOf() },
        migrations: { applied: executed.map((m) => m.name), pending: pending.map((m) => m.name) },
      };
    },
  );
};
