/**
 * MCP test support: an app listening on a loopback port, clients of the official SDK connected to its
 * `/mcp` endpoint with an API key, and the key-adding proxy the conformance suite goes through.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp, type TestAppOptions } from './app.js';

export interface ListeningApp extends TestApp {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** <origin>/mcp */
  mcpUrl: string;
}

export async function listeningApp(options: TestAppOptions = {}): Promise<ListeningApp> {
  const t = await createTestApp(options);
  const origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { ...t, origin, mcpUrl: `${origin}/mcp` };
}

/** An SDK client connected (initialized) with `key` as its Bearer token; no key when `key` is null. */
export async function mcpClient(url: string, key: string | null, headers: Record<string, string> = {}) {
  const client = new Client({ name: 'oversight-tests', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } },
  });
  await client.connect(transport);
  return client;
}

/** The JSON a tool returned as structured content. */
export const structured = <T = Record<string, unknown>>(result: unknown): T =>
  (result as { structuredContent: T }).structuredContent;

/** The text blocks of a tool result, joined. */
export const text = (result: unknown): string =>
  ((result as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((c) => c.text ?? '')
    .join('\n');

/**
 * A local HTTP proxy to `target` that adds `Authorization: Bearer <key>` to every request and changes
 * nothing else (Host, Origin and the body pass through as sent; responses stream back as they come).
 * It is how a client that sends no credentials, such as the conformance runner, reaches the endpoint.
 */
export async function keyAddingProxy(
  target: string,
  key: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((incoming, outgoing) => {
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, authorization: `Bearer ${key}` },
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    outgoing.on('close', () => forwarded.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The JSON of a resource read. */
export const resourceJson = <T = Record<string, unknown>>(result: { contents: object[] }): T =>
  JSON.parse((result.contents[0] as { text: string }).text) as T;
