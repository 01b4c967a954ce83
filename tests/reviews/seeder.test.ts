import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { ConsultationRequest } from '../../src/modules/reviews/consultation-request.entity.js';
import { REQUEST_STATUSES } from '../../src/modules/reviews/enums.js';
import { WebhookDelivery } from '../../src/modules/reviews/webhook-delivery.entity.js';
import { loadWebhookSecret } from '../../src/modules/reviews/webhook-secret.js';
import { DatabaseSeeder } from '../../src/seeders/DatabaseSeeder.js';
import { DEMO_WEBHOOK_SECRET } from '../../src/seeders/ReviewsSeeder.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.dispose();
});

describe('demo data', () => {
  it('has requests in every status with delivery histories, and running it twice adds nothing', async () => {
    await db.orm.seeder.seed(DatabaseSeeder);
    await db.orm.seeder.seed(DatabaseSeeder);
    const em = db.orm.em.fork();
    const all = await em.find(ConsultationRequest, {}, { filters: false });
    expect(all).toHaveLength(8);
    expect(new Set(all.map((r) => r.status))).toEqual(new Set(REQUEST_STATUSES));
    expect(all.filter((r) => r.deletedAt)).toHaveLength(1);
    const deliveries = await em.find(WebhookDelivery, {});
    expect(deliveries.map((d) => d.status).sort()).toEqual([
      'failed',
      'failed',
      'failed',
      'succeeded',
      'succeeded',
    ]);
    expect(deliveries.some((d) => d.status === 'pending')).toBe(false); // nothing for a local worker to send
    const org = await em.findOneOrFail(Organization, { slug: 'demo' });
    expect(await loadWebhookSecret(em, db.config.encryption, org.id)).toBe(DEMO_WEBHOOK_SECRET);
  });
});
