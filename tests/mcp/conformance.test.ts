/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, server mode) against `/mcp`.
 *
 * Its runner sends no credentials, so it talks to a local proxy (tests/support/mcp.ts) that adds an agent's
 * API key and passes everything else through unchanged (Host and Origin included, which the
 * dns-rebinding-protection scenario relies on). The app has no way around authentication.
 *
 * Every server scenario of the installed version is either run (and must pass with no failed check) or listed
 * as not applicable with the reason; a scenario the suite adds later fails the first test until it is
 * classified. README.md ("MCP endpoint") shows the same table.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyInPostgresPass } from '../support/engine.js';
import { agentWithKey, person } from '../support/factories.js';
import { keyAddingProxy, listeningApp, type ListeningApp } from '../support/mcp.js';

const run = promisify(execFile);
const CLI = resolve('node_modules/@modelcontextprotocol/conformance/dist/index.js');

/** Scenarios that apply to Oversight's endpoint: each must pass. */
export const APPLICABLE = [
  'server-initialize',
  'ping',
  'tools-list',
  'resources-list',
  'dns-rebinding-protection',
] as const;

const EXAMPLE_TOOLS =
  "calls a fixture tool of the suite's example server (test_*), which a real server does not have";
/** Scenarios that do not apply, with the reason (README.md repeats them). */
export const NOT_APPLICABLE: Record<string, string> = {
  'tools-call-simple-text': EXAMPLE_TOOLS,
  'tools-call-image': EXAMPLE_TOOLS,
  'tools-call-audio': EXAMPLE_TOOLS,
  'tools-call-embedded-resource': EXAMPLE_TOOLS,
  'tools-call-mixed-content': EXAMPLE_TOOLS,
  'tools-call-with-logging': EXAMPLE_TOOLS,
  'tools-call-error': EXAMPLE_TOOLS,
  'tools-call-with-progress': EXAMPLE_TOOLS,
  'tools-call-sampling': EXAMPLE_TOOLS,
  'tools-call-elicitation': EXAMPLE_TOOLS,
  'json-schema-2020-12': EXAMPLE_TOOLS,
  'elicitation-sep1034-defaults': EXAMPLE_TOOLS,
  'elicitation-sep1330-enums': EXAMPLE_TOOLS,
  'resources-read-text': 'reads the fixture resource test://static-text of the example server',
  'resources-read-binary': 'reads the fixture resource test://static-binary of the example server',
  'resources-templates-read': 'reads the fixture template test://template/{id}/data of the example server',
  'resources-subscribe': 'subscribes to test://watched-resource; Oversight offers no resource subscriptions',
  'resources-unsubscribe':
    'unsubscribes from test://watched-resource; Oversight offers no resource subscriptions',
  'prompts-list': 'Oversight serves no prompts (the prompts capability is not declared)',
  'prompts-get-simple': 'Oversight serves no prompts',
  'prompts-get-with-args': 'Oversight serves no prompts',
  'prompts-get-embedded-resource': 'Oversight serves no prompts',
  'prompts-get-with-image': 'Oversight serves no prompts',
  'completion-complete':
    'completes an argument of the fixture prompt test_prompt_with_arguments; no prompts, no completions',
  'logging-set-level':
    'the endpoint is stateless (no session for a log level to live in) and sends no log notifications; progress notifications carry the waiting state',
  'server-sse-polling': 'resumable SSE streams need a session and an event store; the endpoint is stateless',
  'server-sse-multiple-streams': 'needs a session id to open several streams on; the endpoint is stateless',
};

const skip = onlyInPostgresPass(
  'the conformance suite tests the HTTP endpoint, not the database engine; it runs once',
);

describe.skipIf(skip)('MCP conformance suite (server mode)', () => {
  let t: ListeningApp;
  let proxy: Awaited<ReturnType<typeof keyAddingProxy>>;
  let results: string;

  beforeAll(async () => {
    t = await listeningApp();
    const owner = await person(t.em(), 'owner');
    const agent = await agentWithKey(t.em(), owner.organization);
    proxy = await keyAddingProxy(t.origin, agent.key);
    results = mkdtempSync(join(tmpdir(), 'oversight-conformance-'));
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
    if (results) rmSync(results, { recursive: true, force: true });
  });

  it('classifies every server scenario of the installed suite', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'list', '--server'], { cwd: results });
    const listed = [...stdout.matchAll(/^\s+- ([a-z0-9-]+)/gm)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThan(10);
    expect(listed.filter((s) => !APPLICABLE.includes(s as never) && !(s! in NOT_APPLICABLE))).toEqual([]);
  });

  it.each(APPLICABLE)('passes %s', async (scenario) => {
    const outcome = await run(
      process.execPath,
      [CLI, 'server', '--url', `${proxy.url}/mcp`, '--scenario', scenario],
      { cwd: results, timeout: 60_000 },
    ).catch((error: { code?: number; stdout?: string; stderr?: string }) => error);
    const stdout = outcome.stdout ?? '';
    const counts = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(stdout);
    console.info(
      `conformance ${scenario}: ${counts ? `${counts[1]}/${counts[2]} checks passed` : 'no result'}`,
    );
    expect(counts, stdout + (outcome.stderr ?? '')).not.toBeNull();
    expect(Number(counts![3]), stdout).toBe(0);
    expect(Number(counts![1])).toBeGreaterThan(0);
    expect('code' in outcome ? outcome.code : 0, stdout).toBe(0);
  });
});
