/** The inbox's own pages: the queue, the pending count, the history of decisions. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { Uuid } from '../../common/schemas.js';
import { chromeFor } from '../../http/chrome.js';
import { html } from '../../http/html.js';
import { pageTitle, pendingCount } from '../../http/views/layout.js';
import { LiveFeed, type FeedEvent } from './live-feed.js';
import { QueueService } from './queue.service.js';
import {
  INBOX_KINDS,
  INBOX_STATUSES,
  QUEUE_SORTS,
  QUEUE_TABS,
  URGENCIES,
  type QueueTab,
} from './queue.types.js';
import { historyMain } from './views/history.js';
import { queueFragment, queueMain, type QueueModel } from './views/queue.js';

const QueueQuery = Type.Object(
  {
    tab: Type.Optional(Type.Enum([...QUEUE_TABS])),
    sort: Type.Optional(Type.Enum([...QUEUE_SORTS])),
    kind: Type.Optional(Type.Enum([...INBOX_KINDS])),
    status: Type.Optional(Type.Enum([...INBOX_STATUSES])),
    urgency: Type.Optional(Type.Enum([...URGENCIES])),
    agent: Type.Optional(Uuid),
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);
type QueueQuery = Static<typeof QueueQuery>;

const CountQuery = Type.Object({ page: Type.Optional(Type.String({ maxLength: 100 })) });
const HistoryQuery = Type.Object(
  { cursor: Type.Optional(Type.String({ maxLength: 300 })) },
  { additionalProperties: false },
);

/** The queue URL for a query (empty values left out), so links and the live refresh keep the filters. */
function queueUrl(prefix: string, query: Partial<QueueQuery>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${prefix}?${qs}` : prefix;
}

/** How often an idle event stream sends a comment, so proxies and browsers keep it open. */
const HEARTBEAT_MS = 25_000;

export const inboxPages: FastifyPluginAsyncTypebox<{ root: string }> = async (app, { root: prefix }) => {
  const feed = await LiveFeed.start(app.notifications);
  const streams = new Set<() => void>();
  // Open streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => {
    [...streams].forEach((end) => end());
    feed.close();
  });

  async function queueModel(request: FastifyRequest, query: QueueQuery): Promise<QueueModel> {
    const caller = await request.caller();
    const service = new QueueService(request.em);
    const tab: QueueTab = query.tab ?? 'pending';
    const sort = query.sort ?? 'newest';
    const page = await service.list(caller, {
      tab,
      sort,
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.urgency ? { urgency: query.urgency } : {}),
      ...(query.agent ? { agentId: query.agent } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    const counts = await service.pendingCounts(caller);
    const agents = await service.agents(caller);
    const base = { ...query, cursor: undefined };
    return {
      tab,
      sort,
      filters: { kind: query.kind, status: query.status, urgency: query.urgency, agent: query.agent },
      agents,
      counts,
      items: page.items,
      selfUrl: queueUrl(prefix, query),
      nextUrl: page.nextCursor ? queueUrl(prefix, { ...base, cursor: page.nextCursor }) : null,
      firstUrl: query.cursor ? queueUrl(prefix, base) : null,
      tabUrls: {
        pending: queueUrl(prefix, { tab: 'pending' }),
        decided: queueUrl(prefix, { tab: 'decided' }),
      },
    };
  }

  app.get('/', { schema: { hide: true, querystring: QueueQuery } }, async (request, reply) => {
    const model = await queueModel(request, request.query);
    if (request.headers['hx-request']) return reply.fragment(queueFragment(model));
    return reply.page({
      title: 'Queue',
      current: 'queue',
      liveCount: false,
      chrome: await chromeFor(request, { pendingCount: model.counts.total }),
      main: queueMain(model),
    });
  });

  app.get('/count', { schema: { hide: true, querystring: CountQuery } }, async (request, reply) => {
    const counts = await new QueueService(request.em).pendingCounts(await request.caller());
    const page = request.query.page ?? 'Inbox';
    return reply.fragment(
      html`<title>${pageTitle(page, counts.total)}</title>${pendingCount(counts.total, page, true)}`,
    );
  });

  /**
   * Server-Sent Events: `changed` for every change of the organization's requests, validations and
   * workflows (and after a lost notification connection), plus `item-<id>` for the item itself; pages
   * re-read what they show (the events carry ids only). The stream ends when the session ends: sign-out
   * revokes its key, deactivation changes the person, a membership change ends it so it reconnects anew.
   */
  app.get('/events', { schema: { hide: true } }, async (request, reply) => {
    const caller = await request.caller();
    await new QueueService(request.em).pendingCounts(caller); // the queue's own read check
    const ends = new Set([
      `api_key:${caller.apiKeyId}`,
      `user:${caller.userId}`,
      `membership:${caller.userId}`,
    ]);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
    });
    raw.write('retry: 2000\n\n');
    const send = (event: string, data: string) => raw.write(`event: ${event}\ndata: ${data}\n\n`);
    const onEvent = (event: FeedEvent) => {
      if (event.type === 'reset') return send('changed', '{"reset":true}');
      const { kind, id, op } = event.change;
      const data = JSON.stringify({ kind, id, op });
      send('changed', data);
      send(`item-${id}`, data);
    };
    const stopWatching = feed.watch(caller.organizationId, onEvent);
    const stopAuth = feed.onAuthChange((payload) => {
      if (ends.has(payload)) end();
    });
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    let ended = false;
    function end() {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      stopWatching();
      stopAuth();
      streams.delete(end);
      raw.end();
    }
    streams.add(end);
    request.raw.on('close', end);
  });

  app.get('/history', { schema: { hide: true, querystring: HistoryQuery } }, async (request, reply) => {
    const caller = await request.caller();
    const history = await new QueueService(request.em).history(caller, {
      ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
    });
    return reply.page({
      title: 'History',
      current: 'history',
      chrome: await chromeFor(request),
      main: historyMain({
        entries: history.items,
        nextUrl: history.nextCursor
          ? `${prefix}/history?cursor=${encodeURIComponent(history.nextCursor)}`
          : null,
      }),
    });
  });
};
