/**
 * The raw loopback baseline: a plain `node:http` server on 127.0.0.1:0, in a process of its own (as
 * the Worker is), that consumes an upload (`POST /upload`) and serves a download of the same bytes
 * as the gateway's object (`GET /download?size=N`). Run as `node bench/large-raw.ts serve <seed hex>`
 * by `startRawServer`, which talks to it over IPC.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { chunks } from './large-data.ts';

export interface RawServer {
  url: URL;
  pid: number;
  /** Stops the server process; safe to call twice. */
  stop(): void;
}

function serve(seed: Buffer): void {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://raw');
    if (req.method === 'POST' && url.pathname === '/upload') {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
      });
      req.on('end', () => res.end(JSON.stringify({ bytes })));
      return;
    }
    const size = Number(url.searchParams.get('size'));
    if (req.method === 'GET' && url.pathname === '/download' && Number.isSafeInteger(size) && size >= 0) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      Readable.from(chunks(seed, size)).pipe(res);
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  // The parent gone (or done): nothing left to serve.
  process.on('disconnect', () => process.exit(0));
}

export async function startRawServer(seed: Buffer): Promise<RawServer> {
  const child: ChildProcess = fork(import.meta.filename, ['serve', seed.toString('hex')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  };
  try {
    const [message] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code]) => {
        throw new Error(`the raw server exited with ${String(code)} before listening`);
      }),
    ])) as [{ port: number }];
    if (child.pid === undefined) throw new Error('the raw server has no pid');
    return { url: new URL(`http://127.0.0.1:${message.port}`), pid: child.pid, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

if (process.argv[1] === import.meta.filename && process.argv[2] === 'serve') {
  serve(Buffer.from(process.argv[3] ?? '', 'hex'));
}
