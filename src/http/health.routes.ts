import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  database: Type.Object({
    reachable: Type.Boolean(),
    engine: Type.Union([Type.Literal('postgresql'), Type.Literal('pglite')]),
    error: Type.Optional(Type.String()),
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
        database: { reachable: true, engine },
        migrations: { applied: executed.map((m) => m.name), pending: pending.map((m) => m.name) },
      };
    },
  );
};
