import { env } from 'cloudflare:test';
import { desc, eq, like, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { createGatewayEnv } from '../../shared/env/index.ts';
import { GATEWAY_URL, gatewayFetch } from './helpers.ts';

// Drizzle's D1 driver, unchanged, over env.DB through the gateway.

const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  name: text('name'),
  createdAt: text('created_at').default(sql`CURRENT_TIMESTAMP`),
});

// D1 refuses LIKE patterns over 50 bytes: a short domain of its own per test.
const shortDomain = () => `${crypto.randomUUID().slice(0, 8)}.test`;

const gw = createGatewayEnv({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });
const db = drizzle(gw.DB);

describe('drizzle-orm/d1 over the gateway', () => {
  it('inserts with returning, selects, updates and deletes', async () => {
    const domain = shortDomain();
    const [ada] = await db
      .insert(users)
      .values({ email: `ada@${domain}`, name: 'Ada' })
      .returning();
    expect(ada).toMatchObject({ email: `ada@${domain}`, name: 'Ada' });
    expect(ada?.id).toBeTypeOf('number');
    expect(ada?.createdAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await db.insert(users).values([{ email: `bob@${domain}`, name: 'Bob' }, { email: `cy@${domain}` }]);

    const found = await db
      .select({ email: users.email, name: users.name })
      .from(users)
      .where(like(users.email, `%@${domain}`))
      .orderBy(desc(users.id));
    expect(found).toEqual([
      { email: `cy@${domain}`, name: null },
      { email: `bob@${domain}`, name: 'Bob' },
      { email: `ada@${domain}`, name: 'Ada' },
    ]);

    await db
      .update(users)
      .set({ name: 'Cy' })
      .where(eq(users.email, `cy@${domain}`));
    await db.delete(users).where(eq(users.email, `bob@${domain}`));
    // What the Worker's own binding sees.
    const rows = await env.DB.prepare('SELECT email, name FROM users WHERE email LIKE ? ORDER BY id')
      .bind(`%@${domain}`)
      .all();
    expect(rows.results).toEqual([
      { email: `ada@${domain}`, name: 'Ada' },
      { email: `cy@${domain}`, name: 'Cy' },
    ]);
  });

  it('runs db.batch() as one transaction, rolling all of it back on a failure', async () => {
    const domain = shortDomain();
    const [inserted, selected] = await db.batch([
      db
        .insert(users)
        .values({ email: `one@${domain}` })
        .returning({ id: users.id }),
      db
        .select({ email: users.email })
        .from(users)
        .where(like(users.email, `%@${domain}`)),
    ]);
    expect(inserted).toHaveLength(1);
    expect(selected).toEqual([{ email: `one@${domain}` }]);

    await expect(
      db.batch([
        db.insert(users).values({ email: `two@${domain}` }),
        db.insert(users).values({ email: `one@${domain}` }),
      ]),
    ).rejects.toThrow(/UNIQUE constraint failed/);
    const after = await db
      .select()
      .from(users)
      .where(like(users.email, `%@${domain}`));
    expect(after.map((u) => u.email)).toEqual([`one@${domain}`]);
  });

  it('gives the same rows as drizzle over the Worker binding itself', async () => {
    const direct = drizzle(env.DB);
    const query = (d: typeof db) => d.select().from(users).orderBy(users.id).limit(5);
    expect(await query(db)).toEqual(await query(direct));
  });
});
