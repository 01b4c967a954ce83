/** The inbox's own pages: the queue, the pending count, the history of decisions. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { Uuid } from '../../common/schemas.js';
import { chromeFor } from '../../http/chrome.js';
import { html } from '../../http/html.js';
import { pageTitle, pendingCount } from '../../http/views/layout.js';
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

export const inboxPages: FastifyPluginAsyncTypebox<{ prefix: string }> = async (app, { prefix }) => {
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
      chrome: await chromeFor(request),
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
