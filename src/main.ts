/**
 * The main job: validate settings, connect, migrate, seed the demo on an empty database, serve the API.
 * With no environment at all it runs on the embedded database under ./.data.
 */
import { INBOX_PREFIX, buildApp } from './app.js';
import { ConfigError, describeDatabase, loadConfig } from './config.js';
import { DomainError } from './common/errors.js';
import { connectOrm } from './db/orm.js';
import { assertDatabaseSupported, UnsupportedDatabaseError } from './db/requirements.js';
import { ApiKeyService } from './modules/identity/api-key.service.js';
import { Organization } from './modules/identity/organization.entity.js';
import { User } from './modules/identity/user.entity.js';
import { Agent } from './modules/agents/agent.entity.js';
import { DEMO_AGENTS } from './seeders/AgentsSeeder.js';
import { DatabaseSeeder } from './seeders/DatabaseSeeder.js';
import { DEMO_ORGANIZATION_SLUG, DEMO_PASSWORD, DEMO_PEOPLE } from './seeders/IdentitySeeder.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await connectOrm(config);
  await assertDatabaseSupported(orm.em.fork()); // PostgreSQL and pgvector versions, before migrating
  const migrated = await orm.migrator.up();
  console.log(`database: ${describeDatabase(config.database)} (${migrated.length} migration(s) applied now)`);

  let demoKey: string | undefined;
  let demoAgentKey: { slug: string; key: string } | undefined;
  if (config.seedDemo) {
    const em = orm.em.fork();
    if ((await em.count(User, {}, { filters: false })) === 0) {
      await orm.seeder.seed(DatabaseSeeder);
      console.log('demo data loaded into the empty database');
    }
    const organization = await em.findOne(
      Organization,
      { slug: DEMO_ORGANIZATION_SLUG },
      { populate: ['owner'] },
    );
    // Only the organization the demo seeder made (settings.demo), never a real one that happens to be named demo.
    if (organization && organization.settings.demo === true) {
      const owner = organization.owner.getEntity();
      const minted = new ApiKeyService(em).mintFor(
        { userId: owner.id, agentId: null, apiKeyId: null },
        {
          name: 'demo (printed at start-up)',
          user: owner,
          organization,
          scopes: ['read', 'write', 'admin'],
          expiresAt: new Date(Date.now() + 12 * 60 * 60 * 1000),
        },
      );
      const agent = await em.getRepository(Agent).findBySlug(organization.id, DEMO_AGENTS[0]!.slug);
      const agentKey =
        agent && agent.status === 'active'
          ? new ApiKeyService(em).mintFor(
              { userId: owner.id, agentId: null, apiKeyId: null },
              {
                name: 'demo agent (printed at start-up)',
                user: null,
                agent,
                organization,
                scopes: ['read', 'write'],
                expiresAt: new Date(Date.now() + 12 * 60 * 60 * 1000),
              },
            )
          : undefined;
      await em.flush();
      demoKey = minted.key;
      if (agent && agentKey) demoAgentKey = { slug: agent.slug, key: agentKey.key };
    }
  }

  const app = await buildApp({ config, orm });
  const shutdown = async (signal: string) => {
    app.log.info(`${signal}: closing`);
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  const address = await app.listen({ host: config.http.host, port: config.http.port });
  console.log(`Oversight API on ${address}  docs: ${address}/docs  OpenAPI: ${address}/openapi.json`);
  console.log(`reviewer's inbox: ${address}${INBOX_PREFIX}  (sign in with an account's email and password)`);
  console.log(`MCP endpoint (Streamable HTTP, Authorization: Bearer <API key>): ${address}/mcp`);
  if (demoKey) {
    console.log(`demo API key (owner of '${DEMO_ORGANIZATION_SLUG}', 12 hours): ${demoKey}`);
    console.log(`  try: curl -H "Authorization: Bearer ${demoKey}" ${address}/api/v1/me`);
    if (demoAgentKey) {
      console.log(
        `demo agent API key (agent '${demoAgentKey.slug}', for MCP clients, 12 hours): ${demoAgentKey.key}`,
      );
      console.log(
        `  connect: see README.md, "MCP endpoint" (URL ${address}/mcp, header Authorization: Bearer <key>)`,
      );
    }
    console.log(`  demo logins: ${DEMO_PEOPLE.map((p) => p.email).join(', ')} / password '${DEMO_PASSWORD}'`);
  }
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof DomainError ||
    error instanceof UnsupportedDatabaseError
  ) {
    console.error(`oversight: ${error.message}`);
  } else {
    console.error('oversight: start-up failed:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
