import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { type GatewayClient, gatewayCodeOf } from '../shared/client.ts';

const NewUser = z.object({
  email: z.string({ error: 'email is required' }).trim().pipe(z.email('email is not a valid address')),
  name: z.string().trim().max(200, 'name is over 200 characters').optional(),
});

/** The example app's users: `GET /` newest first, `POST /` to add one. */
export function usersRoutes(gateway: GatewayClient): Hono {
  return new Hono()
    .get('/', async (c) => {
      const { results } = await gateway.db.query.query({
        sql: 'SELECT id, email, name, created_at FROM users ORDER BY created_at DESC, id DESC',
      });
      return c.json({ users: results });
    })
    .post('/', async (c) => {
      const body: unknown = await c.req.json().catch(() => {
        throw new HTTPException(400, { message: 'the body is not JSON' });
      });
      const parsed = NewUser.safeParse(body);
      if (!parsed.success) {
        throw new HTTPException(400, {
          message: parsed.error.issues.map((issue) => issue.message).join('; '),
        });
      }
      const { email, name = '' } = parsed.data;
      try {
        const { meta } = await gateway.db.run.mutate({
          sql: 'INSERT INTO users (email, name) VALUES (?, ?)',
          params: [email, name],
        });
        return c.json({ success: true, user: { id: meta.last_row_id, email, name } }, 201);
      } catch (error) {
        if (gatewayCodeOf(error) === 'CONSTRAINT') {
          throw new HTTPException(409, { message: `a user with the email ${email} already exists` });
        }
        throw error;
      }
    });
}
