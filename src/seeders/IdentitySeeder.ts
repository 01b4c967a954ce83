import type { EntityManager } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { hashPassword } from '../modules/identity/credentials.js';
import type { MembershipRole } from '../modules/identity/enums.js';
import { Membership } from '../modules/identity/membership.entity.js';
import { Organization } from '../modules/identity/organization.entity.js';
import { User } from '../modules/identity/user.entity.js';

/** Local demo only: every demo person logs in with this password. */
export const DEMO_PASSWORD = 'oversight-demo-password';
export const DEMO_ORGANIZATION_SLUG = 'demo';

export const DEMO_PEOPLE: { email: string; displayName: string; role: MembershipRole; roles: string[] }[] = [
  { email: 'owner@demo.oversight.local', displayName: 'Olive Owner', role: 'owner', roles: ['admin'] },
  {
    email: 'reviewer@demo.oversight.local',
    displayName: 'Remy Reviewer',
    role: 'member',
    roles: ['reviewer'],
  },
  { email: 'viewer@demo.oversight.local', displayName: 'Vera Viewer', role: 'viewer', roles: [] },
];

/** The demo organization with an owner, a reviewer and a viewer. Idempotent: finds before it creates. */
export class IdentitySeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const hash = await hashPassword(DEMO_PASSWORD);
    const people = new Map<string, User>();
    for (const person of DEMO_PEOPLE) {
      const user =
        (await em.getRepository(User).findByEmail(person.email)) ??
        em.create(User, {
          email: person.email,
          displayName: person.displayName,
          passwordHash: hash,
          roles: person.roles,
          tier: 'pro',
        });
      people.set(person.email, user);
    }
    const owner = people.get(DEMO_PEOPLE[0]!.email)!;
    const organization =
      (await em.getRepository(Organization).findBySlug(DEMO_ORGANIZATION_SLUG)) ??
      em.create(Organization, {
        name: 'Demo Organization',
        slug: DEMO_ORGANIZATION_SLUG,
        owner,
        tier: 'pro',
        settings: { demo: true },
      });
    for (const person of DEMO_PEOPLE) {
      const user = people.get(person.email)!;
      const existing = await em.getRepository(Membership).findOne({ user, organization });
      if (!existing) em.create(Membership, { user, organization, role: person.role });
    }
    await em.flush();
  }
}
