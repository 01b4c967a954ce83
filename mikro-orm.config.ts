/**
 * Configuration for the MikroORM CLI (`npx mikro-orm migration:up`, `seeder:run`, ...).
 * Reads the same validated settings as the app: DATABASE_URL, POSTGRES_*, else the embedded database.
 */
import { loadConfig } from './src/config.js';
import { createOrmOptions } from './src/db/orm.js';

export default createOrmOptions(loadConfig());
