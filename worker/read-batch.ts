/**
 * The reads of one HTTP request, run on D1 together. A client's batch link sends the calls made in
 * one tick as one HTTP request; their reads then go to D1 as one `batch()`: one round trip instead of
 * one each, and one consistent snapshot. If any statement of it fails, D1 fails the whole batch, so
 * each read then runs on its own and each caller still gets its own result or error.
 */

import { pathsWhere } from '../shared/procedures.ts';

type Result = D1Result<Record<string, unknown>>;

interface Pending {
  statement: D1PreparedStatement;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/** Procedures whose reads join the request's D1 batch. */
export const BATCHED_READ_PATHS: ReadonlySet<string> = new Set(
  pathsWhere((p) => p.kind !== 'stream' && p.readBatch === true),
);

export class ReadBatch {
  readonly #database: D1Database | D1DatabaseSession;
  /** How many calls of the request may join; the batch runs as soon as they all have. */
  readonly #expected: number;
  #pending: Pending[] = [];
  #scheduled = false;

  constructor(database: D1Database | D1DatabaseSession, expected: number) {
    this.#database = database;
    this.#expected = expected;
  }

  /** `statement.all()`, run with the request's other reads. */
  all(statement: D1PreparedStatement): Promise<Result> {
    if (this.#expected <= 1) return statement.all();
    return new Promise<Result>((resolve, reject) => {
      this.#pending.push({ statement, resolve, reject });
      if (this.#pending.length >= this.#expected) {
        void this.#run();
      } else if (!this.#scheduled) {
        // Calls that fail before they get here (bad input, a write) never join: run what has come
        // once the request's calls have had their turn. They all start in the same task.
        this.#scheduled = true;
        setTimeout(() => void this.#run(), 0);
      }
    });
  }

  async #run(): Promise<void> {
    this.#scheduled = false;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    if (batch.length > 1) {
      try {
        const results = await this.#database.batch<Record<string, unknown>>(batch.map((p) => p.statement));
        batch.forEach((pending, i) => {
          const result = results[i];
          if (result) pending.resolve(result);
          else pending.reject(new Error('D1 batch returned fewer results than statements'));
        });
        return;
      } catch {
        // One statement failed D1's batch: run each on its own below, for its own answer.
      }
    }
    await Promise.all(batch.map((p) => p.statement.all().then(p.resolve, p.reject)));
  }
}
