import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { CONTAINER_API_MAX_BODY_BYTES, USERS_API_MAX_EMAIL_CHARS } from '../../shared/limits.ts';

/**
 * The users API's behaviour, as the original app had it, checked over real HTTP through the Worker:
 * the same checks for every implementation of it (the Node container, the Python example).
 * `base` gives the Worker's URL once the session is up.
 */
export function usersApiBehaviour(base: () => URL): void {
  const api = (pathname: string) => new URL(pathname, base());
  const email = () => `${randomUUID()}@example.com`;
  const post = (body: unknown) =>
    fetch(api('/api/users'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const list = async () => ((await (await fetch(api('/api/users'))).json()) as { users: User[] }).users;

  it('creates a user (201) and lists users newest first', async () => {
    const [first, second] = [email(), email()];
    const created = await post({ email: first, name: 'First' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ success: true, user: { email: first, name: 'First' } });
    expect((await post({ email: second })).status).toBe(201);

    const answer = await fetch(api('/api/users'));
    expect(answer.status).toBe(200);
    const { users } = (await answer.json()) as { users: User[] };
    const emails = users.map((u) => u.email);
    expect(emails.indexOf(second)).toBeLessThan(emails.indexOf(first));
    expect(users.find((u) => u.email === first)?.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('answers 400 when the email is missing or not an address, storing nothing', async () => {
    const missing = await post({ name: 'No Email' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: 'email is required' });
    const invalid = await post({ email: 'not-an-address' });
    expect(invalid.status).toBe(400);
    const notJson = await fetch(api('/api/users'), { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    expect((await list()).map((u) => u.email)).not.toContain('not-an-address');
  });

  it('says the email must be a string when it is another JSON value', async () => {
    for (const value of [5, true, ['a@example.com'], { address: 'a@example.com' }]) {
      const answer = await post({ email: value });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({ error: 'email must be a string' });
    }
  });

  it(`takes an email of up to ${USERS_API_MAX_EMAIL_CHARS} characters (RFC 5321), and refuses a longer one`, async () => {
    const at = (length: number) => {
      const domain = `@${randomUUID()}.example.com`;
      return `${'a'.repeat(64)}.${'b'.repeat(length - 65 - domain.length)}${domain}`;
    };
    const longest = at(USERS_API_MAX_EMAIL_CHARS);
    expect((await post({ email: longest })).status).toBe(201);
    for (const over of [at(USERS_API_MAX_EMAIL_CHARS + 1), at(5005)]) {
      const answer = await post({ email: over });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({ error: `email is over ${USERS_API_MAX_EMAIL_CHARS} characters` });
    }
    const emails = (await list()).map((u) => u.email);
    expect(emails).toContain(longest);
    expect(emails.some((e) => e.length > USERS_API_MAX_EMAIL_CHARS)).toBe(false);
  });

  it('stores an empty name when none is given', async () => {
    const address = email();
    const created = await post({ email: address });
    expect(await created.json()).toMatchObject({ user: { email: address, name: '' } });
  });

  it(`answers a body over ${CONTAINER_API_MAX_BODY_BYTES} bytes with 413 and a JSON error, storing nothing`, async () => {
    const address = email();
    const over = await post({ email: address, name: 'x'.repeat(CONTAINER_API_MAX_BODY_BYTES) });
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({ error: `the body is over ${CONTAINER_API_MAX_BODY_BYTES} bytes` });
    expect((await list()).map((u) => u.email)).not.toContain(address);
  });

  it('answers 409 with a clear message for a duplicate email, keeping the first user', async () => {
    const address = email();
    expect((await post({ email: address, name: 'Original' })).status).toBe(201);
    const duplicate = await post({ email: address, name: 'Copy' });
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toEqual({ error: `a user with the email ${address} already exists` });
    expect((await list()).filter((u) => u.email === address).map((u) => u.name)).toEqual(['Original']);
  });

  it('allows any origin, as the original API did', async () => {
    const preflight = await fetch(api('/api/users'), {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });
}

interface User {
  id: number;
  email: string;
  name: string | null;
  created_at: string;
}
