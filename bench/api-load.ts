/**
 * Closed-loop load for `npm run bench:api`: `concurrency` clients, each sending its next request as
 * soon as its last one is answered, until a fixed number of requests has been sent. Requests per
 * second is that number over the wall time; p50 and p99 are of each request's own time.
 */
import { type Answer, send } from './api-http.ts';
import { quantile } from './stats.ts';

export interface PhaseFigures {
  requests: number;
  /** Requests without the answer expected (another status, another body, or none). */
  failed: number;
  rps: number;
  p50: number;
  p99: number;
}

/**
 * Runs `total` requests over `concurrency` clients. `make(i)` gives request `i`'s URL and body;
 * `check(i, answer)` sees each answer after its clock stopped and says whether it is the one expected.
 */
export async function runPhase(
  concurrency: number,
  total: number,
  make: (i: number) => { url: URL; method: 'GET' | 'POST'; json?: unknown },
  check: (i: number, answer: Answer) => boolean,
): Promise<PhaseFigures> {
  const ms: number[] = [];
  let failed = 0;
  let next = 0;
  const client = async () => {
    for (let i = next++; i < total; i = next++) {
      const request = make(i);
      const start = performance.now();
      try {
        const answer = await send(request.url, { method: request.method, json: request.json });
        ms.push(answer.ms);
        if (!check(i, answer)) failed++;
      } catch {
        // No answer at all (a connection reset): a failure the table shows, not the end of the run.
        ms.push(performance.now() - start);
        failed++;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const wall = performance.now() - start;
  return {
    requests: total,
    failed,
    rps: (total / wall) * 1000,
    p50: quantile(ms, 0.5),
    p99: quantile(ms, 0.99),
  };
}
