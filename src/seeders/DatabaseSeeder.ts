import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { AgentsSeeder } from './AgentsSeeder.js';
import { IdentitySeeder } from './IdentitySeeder.js';

/**
 * Demo data for local runs (`npx mikro-orm seeder:run`, and `npm start` on an empty database).
 * Every seeder finds before it creates, so running it twice neither duplicates nor fails.
 */
export class DatabaseSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    await this.call(em, [IdentitySeeder, AgentsSeeder]);
  }
}
