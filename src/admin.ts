/** `npm run admin -- <command>`: see src/cli/admin.ts for the commands. */
import { text } from 'node:stream/consumers';
import { runAdmin } from './cli/admin.js';
import { ConfigError, loadConfig } from './config.js';
import { DomainError } from './common/errors.js';
import { connectOrm } from './db/orm.js';

const config = loadConfig();
const orm = await connectOrm(config);
try {
  await runAdmin(process.argv.slice(2), orm, {
    print: (line) => console.log(line),
    readSecret: () => text(process.stdin),
  });
} catch (error) {
  const known =
    error instanceof DomainError ||
    error instanceof ConfigError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  console.error(`admin: ${known ? (error as Error).message : 'failed'}`);
  if (!known) console.error(error);
  process.exitCode = 1;
} finally {
  await orm.close();
}
