/**
 * The R2 floor for bench/large.ts: a Worker that puts and gets an object with the binding directly,
 * streamed the way the gateway streams it (worker/streams.ts: a FixedLengthStream of the declared
 * length), with no gateway in between. Started by bench/large-floor.ts; never deployed.
 */
interface FloorEnv {
  BUCKET: R2Bucket;
}

const LENGTH_HEADER = 'x-floor-length';

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.pathname.slice(1);
    if (request.method === 'PUT' && key) {
      const length = Number(request.headers.get(LENGTH_HEADER));
      const sized = new FixedLengthStream(length);
      (request.body ?? new Blob([]).stream()).pipeTo(sized.writable).catch(() => {});
      const object = await env.BUCKET.put(key, sized.readable);
      return Response.json({ size: object?.size ?? -1 });
    }
    if (request.method === 'GET' && key) {
      const object = await env.BUCKET.get(key);
      if (!object) return new Response('Not found', { status: 404 });
      // `?identity`: the workaround for wrangler dev's compression (its edge emulation gzips a
      // response without a Content-Type, as the gateway's stream answers are, for a client that
      // accepts gzip); a Content-Encoding it leaves alone.
      const headers: Record<string, string> = url.searchParams.has('identity')
        ? { 'content-encoding': 'identity' }
        : {};
      return new Response(object.body, { headers });
    }
    return new Response('Not found', { status: 404 });
  },
} satisfies ExportedHandler<FloorEnv>;
