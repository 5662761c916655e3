/** The users API's SELECT (container/users.ts), as the bench's probes send it. */
export const USERS_SQL = 'SELECT id, email, name, created_at FROM users ORDER BY created_at DESC, id DESC';
/** The original's own query (bench/original/app.py). */
export const ORIGINAL_USERS_SQL = 'SELECT * FROM users ORDER BY created_at DESC';
