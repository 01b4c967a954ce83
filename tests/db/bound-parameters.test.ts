/**
 * On PostgreSQL values travel as bound parameters (src/db/bound-driver.ts; PGlite keeps MikroORM's
 * inlining), and on both engines every value a user writes reads back as written: quotes, backslashes, question marks and `$1` inside text, JSON, text arrays, instants, `in`
 * lists, the jsonb `?` operator (MikroORM's `\?` escape), and statements too large for one bound message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import { bindStatement } from '../../src/db/bound-driver.js';
import { Conversation } from '../../src/modules/agents/conversation.entity.js';
import { Message } from '../../src/modules/agents/message.entity.js';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeAgent, makeOrganization, makeUser } from '../support/factories.js';

const TRICKY = [
  `it's`,
  `C:\\path\\to\\file`,
  `what? where?? \\? $1 $2::text`,
  `semi; colon -- not a comment /* nor this */`,
  `unicode: žluťoučký kůň 🐴, NUL-free but tabs\tand\nnewlines`,
  `E'\\x00' and '' and '`,
];

describe('bound parameters', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.dispose());

  it('turns placeholders into $n and binds text, keeping numbers, booleans and nulls inline', () => {
    const platform = new PostgreSqlPlatform();
    const when = new Date('2026-01-02T03:04:05.678Z');
    const bound = bindStatement(
      'select * from t where a = ? and b in (?) and c = ? and d = ? and e is ? and ?? = ? and f \\? ?',
      ["it's", ['x', 'y'], 3, true, null, 'col', when, 'key'],
      platform,
    );
    expect(bound).toEqual({
      sql: 'select * from t where a = $1 and b in ($2, $3) and c = 3 and d = true and e is null and "col" = $4 and f ? $5',
      parameters: ["it's", 'x', 'y', platform.formatDate(when), 'key'],
    });
  });

  it('binds a JSON property array as one document, and leaves other objects to MikroORM', () => {
    const platform = new PostgreSqlPlatform();
    const tagged = platform.cloneEmbeddable(['a', "b'"]);
    expect(bindStatement('select ?::jsonb as doc', [tagged], platform)).toEqual({
      sql: 'select $1::jsonb as doc',
      parameters: [JSON.stringify(['a', "b'"])],
    });
    const point = { toString: () => '5' };
    class Five {
      toString() {
        return '5';
      }
    }
    const asClass = new Five();
    expect(bindStatement('select ? as n', [asClass], platform)).toEqual({
      sql: 'select 5 as n',
      parameters: [],
    });
    expect(bindStatement('select ?::jsonb as j', [point], platform)).toEqual({
      sql: 'select $1::jsonb as j',
      parameters: ['{}'],
    });
  });

  it('leaves DDL, several statements and statements without values to MikroORM', () => {
    const platform = new PostgreSqlPlatform();
    expect(bindStatement('create table t (a text default ?)', ['x'], platform)).toBeNull();
    expect(bindStatement('select ?; select 1', ['x'], platform)).toBeNull();
    expect(bindStatement('select 1', [], platform)).toBeNull();
  });

  it('reads back every text, JSON document and text array as written', async () => {
    const em = db.orm.em.fork();
    const owner = await makeUser(em);
    const org = await makeOrganization(em, owner);
    const agent = await makeAgent(em, org);
    const conversation = em.create(Conversation, { organization: org, agent, user: owner, title: TRICKY[0] });
    const messages = TRICKY.map((content) =>
      em.create(Message, {
        organization: org,
        conversation,
        role: 'user',
        content,
        toolCalls: [{ name: content, args: { quote: `'`, backslash: '\\' } }],
      }),
    );
    org.settings = { note: TRICKY[2], nested: { list: TRICKY } };
    org.sharedSkillNames = [TRICKY[0]!, 'with,comma', 'with"quote', 'with space'];
    await em.flush();

    const read = db.orm.em.fork();
    const back = await read.find(
      Message,
      { conversation: { id: conversation.id } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    expect(back.map((m) => m.content).sort()).toEqual([...TRICKY].sort());
    for (const m of back)
      expect(m.toolCalls).toEqual([{ name: m.content, args: { quote: `'`, backslash: '\\' } }]);
    const orgBack = await read.findOneOrFail(Organization, org.id);
    expect(orgBack.settings).toEqual({ note: TRICKY[2], nested: { list: TRICKY } });
    expect(orgBack.sharedSkillNames).toEqual([TRICKY[0], 'with,comma', 'with"quote', 'with space']);

    // `in` lists and a filter on text with every special character.
    const byContent = await read.find(Message, { content: { $in: TRICKY.slice(1, 4) } });
    expect(byContent.map((m) => m.content).sort()).toEqual(TRICKY.slice(1, 4).sort());
    expect(messages).toHaveLength(TRICKY.length);
  });

  it('keeps instants in UTC and answers the jsonb ? operator through its escape', async () => {
    const em = db.orm.em.fork();
    const owner = await makeUser(em);
    const org = await makeOrganization(em, owner);
    org.settings = { marker: true };
    await em.flush();
    const rows = await em
      .getConnection()
      .execute<{ id: string; created: Date }[]>(
        `select id, created_at as created from organizations where settings \\? ? and created_at <= ? and id = ?`,
        ['marker', new Date(Date.now() + 60_000), org.id],
      );
    expect(rows.map((r: { id: string }) => r.id)).toEqual([org.id]);
    const at = new Date('2026-06-30T23:59:59.123Z');
    const [echo] = await em.getConnection().execute<{ at: Date }[]>(`select ?::timestamptz as at`, [at]);
    expect(new Date(echo!.at).toISOString()).toBe(at.toISOString());
    const [q] = await em.getConnection().execute<{ q: string }[]>(`select ?::text as q`, ['lit?']);
    expect(q!.q).toBe('lit?');
  });

  it('runs a statement with more values than one bound message can carry', async () => {
    const many = Array.from({ length: 70_000 }, (_, i) => `v${i}'`);
    expect(bindStatement('select ? in (?) as hit', ["v69999'", many], new PostgreSqlPlatform())).toBeNull();
    const [row] = await db.orm.em
      .getConnection()
      .execute<{ hit: boolean }[]>('select ? in (?) as hit', [`v69999'`, many]);
    expect(row!.hit).toBe(true);
  });
});
