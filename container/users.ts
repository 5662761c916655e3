import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { GatewayBindingError, type GatewayEnv } from '../shared/env/index.ts';
import { USERS_API_MAX_EMAIL_CHARS } from '../shared/limits.ts';

const NewUser = z.object({
  email: z
    .string({
      error: ({ input }) =>
        input === undefined || input === null ? 'email is required' : 'email must be a string',
    })
    .trim()
    .max(USERS_API_MAX_EMAIL_CHARS, `email is over ${USERS_API_MAX_EMAIL_CHARS} characters`)
    .pipe(z.email('email is not a valid address')),
  name: z.string().trim().max(200, 'name is over 200 characters').optional(),
});

/**
 * The example app's users: `GET /` newest first, `POST /` to add one. Written as a Worker would be,
 * against `env.DB`; here `env.DB` goes through the gateway.
 */
export function usersRoutes(env: GatewayEnv): Hono {
  return new Hono()
    .get('/', async (c) => {
      const { results } = await env.DB.prepare(
        'SELECT id, email, name, created_at FROM users ORDER BY created_at DESC, id DESC',
      ).all();
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
        const user = await env.DB.prepare(
          'INSERT INTO users (email, name) VALUES (?, ?) RETURNING id, email, name, created_at',
        )
          .bind(email, name)
          .first();
        return c.json({ success: true, user }, 201);
      } catch (error) {
        if (error instanceof GatewayBindingError && error.gatewayCode === 'CONSTRAINT') {
          throw new HTTPException(409, { message: `a user with the email ${email} already exists` });
        }
        throw error;
      }
    });
}
