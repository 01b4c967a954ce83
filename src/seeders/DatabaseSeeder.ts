import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { AgentsSeeder } from './AgentsSeeder.js';
import { IdentitySeeder } from './IdentitySeeder.js';
import { PackagesSeeder } from './PackagesSeeder.js';
import { ValidationsSeeder } from './ValidationsSeeder.js';
import { ReviewsSeeder } from './ReviewsSeeder.js';

/**
 * Demo data for local runs (`npx mikro-orm seeder:run`, and `npm start` on an empty database).
 * Every seeder finds before it creates, so running it twice neither duplicates nor fails.
 */
export class DatabaseSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    await this.call(em, [IdentitySeeder, AgentsSeeder, ReviewsSeeder]);
    await this.call(em, [ValidationsSeeder, PackagesSeeder]);
  }
}
